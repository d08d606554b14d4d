"""The organisers' feedback page: per session its count, average and comments, per speaker the average of
their sessions, the CSV file, and who may rate (registered attendees only, or anyone)."""

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from app.events.access import ManagedEvent
from app.events.models import Event
from app.feedback import export, queries, service
from app.feedback.forms import FeedbackSettingsForm
from app.web import Db, SubmittedForm, redirect_after_post, render
from app.web.csrf import require_csrf
from app.web.forms import BoundForm, submit_form

router = APIRouter(prefix="/manage/events/{slug}", dependencies=[Depends(require_csrf)])

MANAGE_PAGE = "feedback/manage.html"


def _context(
    db: Db, event: Event, *, form: BoundForm[Any] | None = None, saved: bool = False
) -> dict[str, Any]:
    return {"event": event, "feedback": queries.event_feedback(db, event), "form": form, "saved": saved}


@router.get("/feedback", response_class=HTMLResponse)
def feedback_manage_page(request: Request, db: Db, event: ManagedEvent, saved: bool = False) -> HTMLResponse:
    return render(request, MANAGE_PAGE, _context(db, event, saved=saved), blocks=["feedback_settings"])


@router.post("/feedback/settings", response_class=HTMLResponse)
def feedback_settings_save(request: Request, db: Db, event: ManagedEvent, data: SubmittedForm) -> Response:
    form = submit_form(
        FeedbackSettingsForm,
        data,
        lambda value: service.set_feedback_from_anyone(db, event, value.feedback_from_anyone),
    )
    if not form.is_valid:
        context = _context(db, event, form=form)
        return render(request, MANAGE_PAGE, context, blocks=["feedback_settings"], status_code=422)
    if request.headers.get("HX-Request") == "true":
        return render(request, MANAGE_PAGE, _context(db, event, saved=True), blocks=["feedback_settings"])
    url = request.url_for("feedback_manage_page", slug=event.slug).include_query_params(saved=1)
    return redirect_after_post(request, str(url))


@router.get("/feedback.csv")
def feedback_csv(db: Db, event: ManagedEvent) -> Response:
    return Response(
        export.feedback_csv(db, event),
        media_type=export.MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{export.csv_filename(event)}"'},
    )
