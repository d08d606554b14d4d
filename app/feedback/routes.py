"""Rating a session after it ended: the page of a session's feedback, for anyone when the event allows it
(known by their browser), and a registered attendee's personal feedback link (/feedback/{token}).

Both pages show the same form (one template): a rating from 1 to 5 and an optional comment. Invalid
input comes back with its errors and status 422, nothing saved; a page asked for before the session
ended says when feedback opens. The personal page is keyed by its address: no cache keeps it, and no
referrer carries it away.
"""

import secrets
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from app.events.access import PublicEvent
from app.feedback import service
from app.feedback.forms import RATING_LABELS, RATINGS, FeedbackForm
from app.feedback.models import COMMENT_MAX_LENGTH
from app.i18n import _
from app.registration.models import Registration
from app.web import CurrentSite, Db, SubmittedForm, redirect_after_post, render
from app.web.caches import caches_of
from app.web.clock import Now
from app.web.csrf import require_csrf
from app.web.forms import BoundForm, submit_form

router = APIRouter(dependencies=[Depends(require_csrf)])

FEEDBACK_PAGE = "feedback/feedback.html"
# The browser's own id in the signed session cookie: it stands for a visitor who is not registered.
BROWSER_ID = "browser_id"


def _not_cached(response: Response) -> Response:
    # The page shows this browser's (or this person's) own feedback.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _private(response: Response) -> Response:
    # A personal link's address is its key: no referrer carries it to another site.
    response.headers["Referrer-Policy"] = "no-referrer"
    return _not_cached(response)


def _browser_voter(request: Request, *, create: bool) -> service.Voter | None:
    browser_id = request.session.get(BROWSER_ID)
    if not isinstance(browser_id, str) and create:
        browser_id = request.session[BROWSER_ID] = secrets.token_urlsafe(16)
    return service.Voter.browser(browser_id) if isinstance(browser_id, str) else None


def _context(
    page: service.FeedbackPage,
    form_url: str,
    *,
    form: BoundForm[Any] | None = None,
    saved: bool = False,
    registration: Registration | None = None,
) -> dict[str, Any]:
    return {
        "event": page.rated.event,
        "session": page.rated.published,
        "page": page,
        "form": form,
        "form_url": form_url,
        "saved": saved,
        "registration": registration,
        "ratings": [(rating, _(RATING_LABELS[rating])) for rating in RATINGS],
        "comment_max_length": COMMENT_MAX_LENGTH,
    }


def _answer(
    request: Request,
    db: Db,
    rated: service.RatedSession,
    voter: service.Voter,
    registration: Registration | None,
    now: Now,
    data: SubmittedForm,
    form_url: str,
) -> Response:
    cache = caches_of(request.app).programme_data
    form = submit_form(
        FeedbackForm,
        data,
        lambda value: service.give_feedback(
            db, rated, voter, value.rating, value.comment, registration=registration, now=now, cache=cache
        ),
    )
    if form.is_valid and request.headers.get("HX-Request") != "true":
        return redirect_after_post(request, f"{form_url}?saved=1")
    page = service.feedback_page(db, rated, voter, registration, now, cache)
    context = _context(
        page, form_url, form=None if form.is_valid else form, saved=form.is_valid, registration=registration
    )
    return render(request, FEEDBACK_PAGE, context, blocks=["feedback_form"], status_code=_status(form, page))


def _status(form: BoundForm[Any], page: service.FeedbackPage) -> int:
    if form.is_valid:
        return 200
    if page.refused is not None:  # too early, or not theirs to rate
        return page.refused.status_code
    return 422 if page.can_change else service.FeedbackLocked.status_code


@router.get("/events/{slug}/sessions/{session_id}/feedback", response_class=HTMLResponse)
def session_feedback_page(
    request: Request, db: Db, event: PublicEvent, session_id: int, now: Now, saved: bool = False
) -> Response:
    cache = caches_of(request.app).programme_data
    rated = service.rated_session(db, event, session_id, cache)
    page = service.feedback_page(db, rated, _browser_voter(request, create=False), None, now, cache)
    form_url = str(request.url_for("session_feedback_page", slug=event.slug, session_id=session_id))
    return _not_cached(render(request, FEEDBACK_PAGE, _context(page, form_url, saved=saved)))


@router.post("/events/{slug}/sessions/{session_id}/feedback", response_class=HTMLResponse)
def session_feedback_submit(
    request: Request, db: Db, event: PublicEvent, session_id: int, now: Now, data: SubmittedForm
) -> Response:
    rated = service.rated_session(db, event, session_id, caches_of(request.app).programme_data)
    voter = _browser_voter(request, create=True)
    assert voter is not None  # noqa: S101 - made just above
    form_url = str(request.url_for("session_feedback_page", slug=event.slug, session_id=session_id))
    return _not_cached(_answer(request, db, rated, voter, None, now, data, form_url))


def _link_refused(request: Request, refused: service.FeedbackRefused) -> Response:
    context = {"refused_link": refused.message}
    return _private(render(request, FEEDBACK_PAGE, context, status_code=refused.status_code))


@router.get("/feedback/{token}", response_class=HTMLResponse)
def feedback_link_page(
    request: Request, db: Db, site: CurrentSite, token: str, now: Now, saved: bool = False
) -> Response:
    cache = caches_of(request.app).programme_data
    try:
        rated, registration = service.feedback_link_target(db, site.secret_key, token, cache)
    except service.FeedbackRefused as refused:
        return _link_refused(request, refused)
    voter = service.Voter.registered(registration)
    page = service.feedback_page(db, rated, voter, registration, now, cache)
    form_url = str(request.url_for("feedback_link_page", token=token))
    context = _context(page, form_url, saved=saved, registration=registration)
    return _private(render(request, FEEDBACK_PAGE, context))


@router.post("/feedback/{token}", response_class=HTMLResponse)
def feedback_link_submit(
    request: Request, db: Db, site: CurrentSite, token: str, now: Now, data: SubmittedForm
) -> Response:
    try:
        rated, registration = service.feedback_link_target(
            db, site.secret_key, token, caches_of(request.app).programme_data
        )
    except service.FeedbackRefused as refused:
        return _link_refused(request, refused)
    form_url = str(request.url_for("feedback_link_page", token=token))
    voter = service.Voter.registered(registration)
    return _private(_answer(request, db, rated, voter, registration, now, data, form_url))
