"""Programme versions: the organiser's release page, publishing the event, and the public changelog."""

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from app.accounts.access import CurrentUser
from app.db import DbSession, saved_id
from app.events.access import ManagedEvent, PublicEvent
from app.events.models import Event
from app.i18n import current_locale
from app.programme import publication, releases
from app.programme.conflicts import OpenConflicts, programme_conflicts
from app.programme.forms import ReleaseForm
from app.tasks.registry import Tasks
from app.web import Db, SubmittedForm, redirect_after_post, render
from app.web.csrf import require_csrf
from app.web.forms import BoundForm, submit_form

router = APIRouter(dependencies=[Depends(require_csrf)])

RELEASES = "programme/releases.html"


@router.get("/manage/events/{slug}/releases", response_class=HTMLResponse, name="releases_page")
def releases_page(request: Request, db: Db, event: ManagedEvent, released: int | None = None) -> HTMLResponse:
    return _releases_page(request, db, event, form=None, released=released)


@router.post("/manage/events/{slug}/releases", response_class=HTMLResponse, name="release_submit")
def release_submit(
    request: Request, db: Db, event: ManagedEvent, user: CurrentUser, data: SubmittedForm
) -> Response:
    form = submit_form(
        ReleaseForm,
        data,
        lambda value: releases.release_programme(
            db,
            event,
            value.note,
            user,
            conflicts_confirmed=value.confirm_conflicts,
            change_notices=value.change_notices,
        ),
    )
    if not form.is_valid:
        return _releases_page(request, db, event, form=form, status_code=422)
    # The new version's booklet is built now by a worker, not by its first reader; so are the notices
    # to the people whose sessions changed.
    tasks: Tasks = request.app.state.tasks
    tasks.booklet_after_release(db, event, current_locale.get(), request.app)
    tasks.change_notices_after_release(event, saved_id(form.result), current_locale.get(), request.app)
    url = request.url_for("releases_page", slug=event.slug).include_query_params(released=form.result.number)
    return redirect_after_post(request, str(url))


# Publishing the event lives here: before its first release, it makes the draft programme public.
@router.post("/manage/events/{slug}/publish")
def event_publish(request: Request, db: Db, event: ManagedEvent, data: SubmittedForm) -> Response:
    try:
        publication.publish_event(
            db,
            event,
            published=data.get("published") == "true",
            conflicts_confirmed=data.get("confirm_conflicts") == "true",
        )
    except OpenConflicts as refused:
        context = {"event": event, "conflicts": refused.conflicts, "message": refused.message}
        return render(request, "events/publish_confirm.html", context, status_code=409)
    return redirect_after_post(request, str(request.url_for("event_manage_page", slug=event.slug)))


@router.get("/events/{slug}/changelog", response_class=HTMLResponse, name="changelog_page")
def changelog_page(request: Request, db: Db, event: PublicEvent) -> HTMLResponse:
    context = {"event": event, "history": releases.release_history(db, event)}
    return render(request, "programme/changelog.html", context)


def _releases_page(
    request: Request,
    db: DbSession,
    event: Event,
    *,
    form: BoundForm[ReleaseForm] | None,
    released: int | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    history = releases.release_history(db, event)
    context = {
        "event": event,
        "form": form,
        "history": history,
        "latest": history[0] if history else None,
        "pending": releases.unreleased_changes(db, event),
        "conflicts": programme_conflicts(db, event),
        "released": released if history and released == history[0].info.number else None,
    }
    return render(request, RELEASES, context, blocks=["release_form"], status_code=status_code)
