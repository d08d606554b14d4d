"""The attendee's pages: the public registration form, and everything behind the emailed manage link.

Nothing here tells a visitor whether an address is registered: a new registration and a repeated one
both end on the same "check your email" page, and the manage link only ever travels by email.
Every form works as a plain POST with a 303 back; htmx swaps only the block that changed.
"""

import threading
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.accounts.access import OptionalUser
from app.db import utcnow
from app.events.models import Event, Visibility
from app.events.permissions import can_manage_event, is_publicly_viewable
from app.events.queries import event_by_slug
from app.feedback.service import feedback_requests
from app.i18n import _
from app.live import running_late
from app.registration import capacity, invitations, service, tickets
from app.registration.forms import (
    AttendeeDetails,
    CancelConfirmation,
    DeleteConfirmation,
    LinkRequest,
    ModeSwitch,
    RegistrationSubmission,
    country_options,
    question_fields,
)
from app.registration.links import Links, registration_for_manage_token
from app.registration.models import (
    ACTIVE_STATUSES,
    ATTENDANCE_CHOICE_LABELS,
    ATTENDANCE_CHOICE_PHRASES,
    STATUS_LABELS,
    Registration,
)
from app.registration.queries import answers_of, questions_of, registration_form_of
from app.registration.rate_limit import RegistrationLimiter
from app.web import (
    CurrentSite,
    Db,
    SubmittedForm,
    forbidden,
    not_found,
    redirect_after_post,
    render,
    wants_fragment,
)
from app.web.csrf import require_csrf
from app.web.forms import BoundForm, submit_form

router = APIRouter(dependencies=[Depends(require_csrf)])

FORM_PAGE = "registration/register.html"
THANKS_PAGE = "registration/thanks.html"
MANAGE_PAGE = "registration/manage.html"
DELETED_PAGE = "registration/deleted.html"
RATE_LIMITED_PAGE = "registration/rate_limited.html"
LINK_REQUEST_PAGE = "registration/link_request.html"

_limiter_lock = threading.Lock()


def _limiter(request: Request, site: CurrentSite) -> RegistrationLimiter:
    # One limiter per app, made on first use (main.py knows nothing of it); shared through REDIS_URL.
    with _limiter_lock:
        limiter = getattr(request.app.state, "registration_limiter", None)
        if limiter is None:
            limiter = RegistrationLimiter(site.settings.registration_rate_limit, site.settings.redis_url)
            request.app.state.registration_limiter = limiter
        return limiter


# Loading what the path names ---------------------------------------------------------------------


def registration_event(
    request: Request, site: CurrentSite, slug: str, db: Db, user: OptionalUser, data: SubmittedForm
) -> Event:
    """Like PublicEvent, but an invitation-only event opens with a link to one of its own invitations that
    can still be used (or was used by the address registering again)."""
    event = event_by_slug(db, slug)
    if event is not None and (is_publicly_viewable(event) or can_manage_event(db, user, event)):
        return event
    token = str(request.query_params.get("invitation") or data.get("invitation") or "")
    if event is not None and event.is_published and event.visibility == Visibility.invitation_only and token:
        invitation = invitations.invitation_of_link(db, event, site.secret_key, token)
        if invitation is not None:
            try:
                email = data.get("email")
                invitations.check_invitation(
                    db, event, invitation, utcnow(), email=email if isinstance(email, str) else None
                )
            except invitations.InvitationRefused as refusal:
                # Its own invitee learns why, without the event's details.
                raise forbidden(refusal.message) from refusal
            return event
    raise not_found(_("There is no public event at this address."))


def linked_registration(request: Request, site: CurrentSite, token: str, db: Db) -> Registration:
    """The registration a manage link opens; a tampered, expired or outdated link is refused (4xx page)."""
    return registration_for_manage_token(db, site.secret_key, token)


LinkedRegistration = Annotated[Registration, Depends(linked_registration)]


def linked_event(registration: LinkedRegistration, db: Db) -> Event:
    event = db.get(Event, registration.event_id)
    if event is None:
        raise not_found(_("This event no longer exists."))
    return event


RegistrationEvent = Annotated[Event, Depends(registration_event)]
LinkedEvent = Annotated[Event, Depends(linked_event)]


# The public form ---------------------------------------------------------------------------------


def _form_context(
    request: Request,
    site: CurrentSite,
    db: Db,
    event: Event,
    form: BoundForm[Any] | None,
    invitation: str | None,
) -> dict[str, Any]:
    registration_form = registration_form_of(db, event)
    sessions = capacity.choice_sessions(db, event)
    invitation_problem = None
    if event.visibility == Visibility.invitation_only and invitation:
        try:
            invitations.invitation_from_token(db, event, site.secret_key, invitation, utcnow())
        except invitations.InvitationRefused as refusal:
            invitation_problem = refusal.message
    return {
        "event": event,
        "form": form,
        "window": service.registration_window(registration_form, event, utcnow()),
        "registration_form": registration_form,
        "questions": questions_of(db, event),
        "modes": service.allowed_modes(event),
        "mode_labels": ATTENDANCE_CHOICE_LABELS,
        "seats_by_mode": capacity.seats_left_by_mode(db, event, registration_form),
        "sessions": sessions,
        "seats_by_session": capacity.seats_left_by_session(db, sessions),
        "country_options": country_options(),
        "invitation": invitation,
        "invitation_problem": invitation_problem,
        "needs_invitation": event.visibility == Visibility.invitation_only,
    }


@router.get("/events/{slug}/register", response_class=HTMLResponse)
def registration_page(
    request: Request, site: CurrentSite, db: Db, event: RegistrationEvent, invitation: str | None = None
) -> HTMLResponse:
    return render(request, FORM_PAGE, _form_context(request, site, db, event, None, invitation))


@router.post("/events/{slug}/register", response_class=HTMLResponse)
def registration_submit(
    request: Request, site: CurrentSite, db: Db, event: RegistrationEvent, data: SubmittedForm
) -> Response:
    address = request.client.host if request.client else "unknown"
    limiter = _limiter(request, site)
    if not limiter.allow(address):
        response = render(request, RATE_LIMITED_PAGE, {"event": event}, status_code=429)
        response.headers["Retry-After"] = str(limiter.retry_after(address))
        return response
    thanks = str(request.url_for("registration_thanks", slug=event.slug))
    if data.get("website"):
        return redirect_after_post(
            request, thanks
        )  # a robot filled the honeypot: the same answer, nothing saved
    form = submit_form(
        RegistrationSubmission,
        data,
        lambda value: service.register_attendee(
            db,
            event,
            value.applicant(),
            now=utcnow(),
            links=Links.of(site),
        ),
        multi=question_fields(questions_of(db, event)),
    )
    if form.is_valid:
        return redirect_after_post(request, thanks)
    context = _form_context(request, site, db, event, form, str(data.get("invitation") or "") or None)
    return render(request, FORM_PAGE, context, blocks=["registration_form"], status_code=422)


def _shown_event(db: Db, user: OptionalUser, slug: str) -> Event | None:
    # The same page for every address and every slug: it names the event only where it is public.
    event = event_by_slug(db, slug)
    if event is not None and (is_publicly_viewable(event) or can_manage_event(db, user, event)):
        return event
    return None


@router.get("/events/{slug}/register/thanks", response_class=HTMLResponse)
def registration_thanks(request: Request, db: Db, slug: str, user: OptionalUser) -> HTMLResponse:
    return render(request, THANKS_PAGE, {"event": _shown_event(db, user, slug)})


# Asking for one's link again ---------------------------------------------------------------------


@router.get("/events/{slug}/registration-link", response_class=HTMLResponse)
def registration_link_page(request: Request, db: Db, slug: str, user: OptionalUser) -> HTMLResponse:
    context = {"event": _shown_event(db, user, slug), "slug": slug, "form": None, "sent": False}
    return render(request, LINK_REQUEST_PAGE, context)


@router.post("/events/{slug}/registration-link", response_class=HTMLResponse)
def registration_link_request(
    request: Request, site: CurrentSite, db: Db, slug: str, user: OptionalUser, data: SubmittedForm
) -> Response:
    address = request.client.host if request.client else "unknown"
    limiter = _limiter(request, site)
    if not limiter.allow(address):
        response = render(
            request, RATE_LIMITED_PAGE, {"event": _shown_event(db, user, slug)}, status_code=429
        )
        response.headers["Retry-After"] = str(limiter.retry_after(address))
        return response
    event = event_by_slug(db, slug)
    form = submit_form(
        LinkRequest,
        data,
        lambda value: service.resend_manage_link(db, event, value.email, links=Links.of(site)),
    )
    context = {"event": _shown_event(db, user, slug), "slug": slug, "form": form, "sent": form.is_valid}
    status_code = 200 if form.is_valid else 422
    return render(request, LINK_REQUEST_PAGE, context, blocks=["link_request"], status_code=status_code)


# Behind the manage link --------------------------------------------------------------------------


def _manage_context(
    request: Request,
    site: CurrentSite,
    db: Db,
    event: Event,
    registration: Registration,
    token: str,
    forms: dict[str, BoundForm[Any]] | None = None,
    notice: str | None = None,
) -> dict[str, Any]:
    links = Links.of(site)
    registration_form = registration_form_of(db, event)
    sessions = capacity.choice_sessions(db, event)
    return {
        "event": event,
        "registration": registration,
        "token": token,
        "bound_forms": forms or {},
        "notice": notice,
        "is_active": registration.status in ACTIVE_STATUSES,
        "status_labels": STATUS_LABELS,
        "mode_labels": ATTENDANCE_CHOICE_LABELS,
        "questions": questions_of(db, event),
        "answers": answers_of(db, registration),
        "sessions": sessions,
        "seats_by_session": capacity.seats_left_by_session(db, sessions),
        "chosen": {session.id: status for session, status in capacity.chosen_seats(db, registration)},
        "modes": service.allowed_modes(event),
        "seats_by_mode": capacity.seats_left_by_mode(db, event, registration_form),
        "country_options": country_options(),
        "ticket": tickets.ticket_for(event, registration, links),
        # A room running late on the day moves the attendee's sessions (app.live.running_late).
        "expected_times": running_late.expected_times(db, event),
        "stream_links": service.stream_links(db, event, registration, links, with_questions=True),
        "join_opens_minutes": site.settings.join_opens_minutes,
        "programme": service.attendee_sessions(db, event, registration),
        "calendar_url": links.calendar_url(registration),
        # Each of their sessions that has ended, with the personal link to rate it (app.feedback).
        "feedback_requests": feedback_requests(
            db, event, registration, links.urls, links.secret_key, utcnow()
        ),
    }


def _private(response: Response) -> Response:
    # The page holds personal data and its address is the key to it: keep both out of caches and referrers.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _manage_url(request: Request, token: str) -> str:
    return str(request.url_for("registration_manage_page", token=token))


def _changed(
    request: Request,
    site: CurrentSite,
    db: Db,
    event: Event,
    registration: Registration,
    token: str,
    notice: str,
) -> Response:
    if not wants_fragment(request):
        return RedirectResponse(_manage_url(request, token), status_code=303)
    context = _manage_context(request, site, db, event, registration, token, notice=notice)
    return _private(render(request, MANAGE_PAGE, context, blocks=["registration_manage"]))


def _refused(
    request: Request,
    site: CurrentSite,
    db: Db,
    event: Event,
    registration: Registration,
    token: str,
    name: str,
    form: BoundForm[Any],
) -> Response:
    context = _manage_context(request, site, db, event, registration, token, forms={name: form})
    return _private(render(request, MANAGE_PAGE, context, blocks=["registration_manage"], status_code=422))


@router.get("/registrations/{token}", response_class=HTMLResponse)
def registration_manage_page(
    request: Request,
    site: CurrentSite,
    db: Db,
    token: str,
    event: LinkedEvent,
    registration: LinkedRegistration,
) -> Response:
    return _private(
        render(request, MANAGE_PAGE, _manage_context(request, site, db, event, registration, token))
    )


@router.post("/registrations/{token}/details", response_class=HTMLResponse)
def attendee_details_save(
    request: Request,
    site: CurrentSite,
    db: Db,
    token: str,
    event: LinkedEvent,
    registration: LinkedRegistration,
    data: SubmittedForm,
) -> Response:
    form = submit_form(
        AttendeeDetails,
        data,
        lambda value: service.update_registration(
            db,
            event,
            registration,
            value.changes(),
            links=Links.of(site),
        ),
        multi=question_fields(questions_of(db, event)),
    )
    if form.is_valid:
        return _changed(request, site, db, event, registration, token, _("Your changes are saved."))
    return _refused(request, site, db, event, registration, token, "details", form)


@router.post("/registrations/{token}/mode", response_class=HTMLResponse)
def attendee_mode_switch(
    request: Request,
    site: CurrentSite,
    db: Db,
    token: str,
    event: LinkedEvent,
    registration: LinkedRegistration,
    data: SubmittedForm,
) -> Response:
    form = submit_form(
        ModeSwitch,
        data,
        lambda value: service.switch_mode(db, event, registration, value.mode, links=Links.of(site)),
    )
    if form.is_valid:
        notice = _("You now attend {mode}.").format(mode=_(ATTENDANCE_CHOICE_PHRASES[registration.mode]))
        return _changed(request, site, db, event, registration, token, notice)
    return _refused(request, site, db, event, registration, token, "mode", form)


@router.post("/registrations/{token}/cancel", response_class=HTMLResponse)
def attendee_cancel(
    request: Request,
    site: CurrentSite,
    db: Db,
    token: str,
    event: LinkedEvent,
    registration: LinkedRegistration,
    data: SubmittedForm,
) -> Response:
    form = submit_form(
        CancelConfirmation,
        data,
        lambda _value: service.cancel_registration(db, event, registration, links=Links.of(site)),
    )
    if form.is_valid:
        return _changed(request, site, db, event, registration, token, _("Your registration is cancelled."))
    return _refused(request, site, db, event, registration, token, "cancel", form)


@router.post("/registrations/{token}/delete", response_class=HTMLResponse)
def attendee_data_delete(
    request: Request,
    site: CurrentSite,
    db: Db,
    token: str,
    event: LinkedEvent,
    registration: LinkedRegistration,
    data: SubmittedForm,
) -> Response:
    form = submit_form(
        DeleteConfirmation,
        data,
        lambda _value: service.delete_personal_data(db, event, registration, links=Links.of(site)),
    )
    if form.is_valid:
        # The link that opened this page no longer works, so there is nothing to go back to.
        return _private(render(request, DELETED_PAGE, {"event": event}))
    return _refused(request, site, db, event, registration, token, "delete", form)


@router.post("/registrations/{token}/new-calendar-link", response_class=HTMLResponse)
def attendee_calendar_renew(
    request: Request,
    site: CurrentSite,
    db: Db,
    token: str,
    event: LinkedEvent,
    registration: LinkedRegistration,
) -> Response:
    service.renew_calendar_link(db, registration)
    notice = _("Your calendar has a new address; the old one no longer works.")
    return _changed(request, site, db, event, registration, token, notice)
