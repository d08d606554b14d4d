"""Attendance on the event day: the counts per session (refreshed every 30 s while the page is open),
their CSV file, and checking people in at a session's door.

The door pages are open to check-in staff like the event's check-in; the CSV file to organisers. Every
page works without JavaScript; htmx refreshes the counts and swaps the search results.
"""

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from app.events.access import CheckInEvent, ManagedEvent
from app.events.models import Event
from app.i18n import _
from app.live import attendance
from app.programme.models import Session
from app.registration.checkin import checkin_code
from app.registration.models import ATTENDANCE_CHOICE_LABELS, STATUS_LABELS
from app.timezones import in_zone
from app.web import Db, SubmittedForm, not_found, redirect_after_post, render
from app.web.clock import Now
from app.web.csrf import require_csrf

router = APIRouter(prefix="/manage/events/{slug}", dependencies=[Depends(require_csrf)])

ATTENDANCE_PAGE = "live/attendance.html"
SESSION_PAGE = "live/attendance_session.html"
# How often an open attendance page asks for fresh counts.
REFRESH_SECONDS = 30


def door_session(session_id: int, event: CheckInEvent, db: Db) -> Session:
    session = attendance.session_in_event(db, event, session_id)
    if session is None:
        raise not_found(_("This session is not part of this event."))
    return session


DoorSession = Annotated[Session, Depends(door_session)]


@router.get("/attendance", response_class=HTMLResponse)
def attendance_page(
    request: Request, db: Db, event: CheckInEvent, now: Now, day: date | None = None
) -> HTMLResponse:
    shown = attendance.attendance_day(event, day, now)
    context = {
        "event": event,
        "day": shown,
        "is_today": shown == in_zone(now, event.timezone).date(),
        "lines": attendance.session_attendance(db, event, shown),
        "refresh_seconds": REFRESH_SECONDS,
    }
    return render(request, ATTENDANCE_PAGE, context, blocks=["attendance_table"])


@router.get("/attendance.csv")
def attendance_csv(db: Db, event: ManagedEvent) -> Response:
    return Response(
        attendance.attendance_csv(db, event),
        media_type=attendance.CSV_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{attendance.csv_filename(event)}"'},
    )


def _session_context(
    db: Db, event: Event, session: Session, now: datetime, q: str, **extra: Any
) -> dict[str, Any]:
    return {
        "event": event,
        "session": session,
        "session_day": in_zone(session.start_at, event.timezone).date(),
        "q": q,
        "counts": attendance.session_counts(db, event, session),
        "results": attendance.checkin_search(db, event, session, q, now),
        "code_of": checkin_code,
        "status_labels": STATUS_LABELS,
        "mode_labels": ATTENDANCE_CHOICE_LABELS,
        **extra,
    }


@router.get("/attendance/sessions/{session_id}", response_class=HTMLResponse)
def session_checkin_page(
    request: Request, db: Db, event: CheckInEvent, session: DoorSession, now: Now, q: str = ""
) -> HTMLResponse:
    context = _session_context(db, event, session, now, q)
    return render(request, SESSION_PAGE, context, blocks=["session_checkin_results"])


@router.post("/attendance/sessions/{session_id}/checkin/{registration_id}", response_class=HTMLResponse)
def session_checkin_mark(
    request: Request,
    db: Db,
    event: CheckInEvent,
    session: DoorSession,
    now: Now,
    registration_id: int,
    data: SubmittedForm,
) -> Response:
    q, code = str(data.get("q", "")), str(data.get("code", ""))
    try:
        attendance.check_in_to_session(db, event, session, registration_id, code, now)
    except attendance.SessionCheckInRefused as refused:
        context = _session_context(db, event, session, now, q, refused=refused.message)
        return render(request, SESSION_PAGE, context, blocks=["session_checkin_results"], status_code=409)
    if request.headers.get("HX-Request") == "true":
        context = _session_context(db, event, session, now, q, checked_in=registration_id)
        return render(request, SESSION_PAGE, context, blocks=["session_checkin_results"])
    url = request.url_for("session_checkin_page", slug=event.slug, session_id=session.id)
    return redirect_after_post(request, str(url.include_query_params(q=q)))
