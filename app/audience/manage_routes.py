"""The organisers' page of an event's questions: each session's moderator link to give its chair (and
renew, which revokes the old one), how many questions and polls it has, and every question as a CSV."""

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from app.audience import questions as question_service
from app.audience.links import moderator_token
from app.events.access import ManagedEvent
from app.i18n import _
from app.programme.models import Session
from app.web import CurrentSite, Db, not_found, redirect_after_post, render
from app.web.csrf import require_csrf

router = APIRouter(prefix="/manage/events/{slug}/questions", dependencies=[Depends(require_csrf)])

MANAGE_PAGE = "audience/manage.html"


@router.get("", response_class=HTMLResponse, name="questions_manage_page")
def questions_manage_page(request: Request, db: Db, site: CurrentSite, event: ManagedEvent) -> Response:
    lines = question_service.questions_overview(db, event.id or 0)
    links = {
        line.session.id: str(
            request.url_for("moderation_page", token=moderator_token(db, site.secret_key, line.session))
        )
        for line in lines
    }
    context = {"event": event, "lines": lines, "links": links}
    response = render(request, MANAGE_PAGE, context)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@router.post("/{session_id}/renew", name="questions_renew_link")
def questions_renew_link(request: Request, db: Db, event: ManagedEvent, session_id: int) -> Response:
    session = db.get(Session, session_id)
    if session is None or session.event_id != event.id:
        raise not_found(_("This session is not part of this event."))
    question_service.renew_moderator_link(db, session)
    url = str(request.url_for("questions_manage_page", slug=event.slug))
    return redirect_after_post(request, f"{url}#session-{session_id}")


@router.get(".csv", name="questions_manage_csv")
def questions_manage_csv(db: Db, event: ManagedEvent) -> Response:
    sessions = [line.session for line in question_service.questions_overview(db, event.id or 0)]
    body = question_service.questions_csv(db, sessions)
    headers = {
        "Content-Disposition": f'attachment; filename="{event.slug}-questions.csv"',
        "Cache-Control": "private, no-store",
    }
    return Response(body, media_type=question_service.CSV_MEDIA_TYPE, headers=headers)
