"""The organisers' registration pages: the list with moderation, settings and questions, invitations,
the CSV export, and the check-in page for the door.

Every page works as plain forms and links; htmx swaps only the block that changed. Invalid input
re-renders the form with its errors and status 422, and saves nothing.
"""

from collections.abc import Callable
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from app.db import utcnow
from app.errors import DomainError
from app.events.access import CheckInEvent, ManagedEvent
from app.events.models import AttendanceMode, Event, Visibility
from app.i18n import _
from app.registration import checkin, export, invitations, moderation, service, setup
from app.registration.links import Links
from app.registration.manage_forms import (
    FilterForm,
    InvitationForm,
    QuestionForm,
    QuestionMoveForm,
    RegistrationEditForm,
    RegistrationSettingsForm,
    country_options,
    edit_form_data,
)
from app.registration.models import (
    ATTENDANCE_CHOICE_LABELS,
    QUESTION_KIND_LABELS,
    STATUS_LABELS,
    AttendanceChoice,
    Invitation,
    Question,
    QuestionKind,
    Registration,
)
from app.registration.queries import (
    RegistrationFilters,
    answers_by_registration,
    invitation_in_event,
    invitations_of,
    question_in_event,
    questions_of,
    registration_form_of,
    registration_in_event,
    registration_list,
    sessions_with_seats_counted,
)
from app.web import CurrentSite, Db, SubmittedForm, not_found, redirect_after_post, render
from app.web.csrf import require_csrf
from app.web.forms import BoundForm, bind_form, submit_form

router = APIRouter(prefix="/manage/events/{slug}", dependencies=[Depends(require_csrf)])

LIST_PAGE = "registration/manage_registrations.html"
EDIT_PAGE = "registration/manage_registration_edit.html"
SETTINGS_PAGE = "registration/manage_settings.html"
INVITATIONS_PAGE = "registration/manage_invitations.html"
CHECKIN_PAGE = "registration/checkin.html"
TICKET_PAGE = "registration/checkin_ticket.html"


# Loading what the path names, always inside the managed event (404 otherwise) --------------------


def managed_registration(registration_id: int, event: ManagedEvent, db: Db) -> Registration:
    registration = registration_in_event(db, event, registration_id)
    if registration is None:
        raise not_found(_("This registration does not exist."))
    return registration


def managed_question(question_id: int, event: ManagedEvent, db: Db) -> Question:
    question = question_in_event(db, event, question_id)
    if question is None:
        raise not_found(_("This question does not exist."))
    return question


def managed_invitation(invitation_id: int, event: ManagedEvent, db: Db) -> Invitation:
    invitation = invitation_in_event(db, event, invitation_id)
    if invitation is None:
        raise not_found(_("This invitation does not exist."))
    return invitation


ManagedRegistration = Annotated[Registration, Depends(managed_registration)]
ManagedQuestion = Annotated[Question, Depends(managed_question)]
ManagedInvitation = Annotated[Invitation, Depends(managed_invitation)]


def _mode_options(event: Event) -> list[tuple[str, str]]:
    modes = list(AttendanceChoice)
    if event.attendance_mode != AttendanceMode.hybrid:
        modes = [AttendanceChoice(event.attendance_mode.value)]
    return [(mode.value, _(ATTENDANCE_CHOICE_LABELS[mode])) for mode in modes]


# Registrations list and moderation --------------------------------------------------------------


def _filters_from(values: Any) -> RegistrationFilters:
    form = bind_form(FilterForm, {key: values.get(key, "") for key in ("q", "status", "mode", "session")})
    return form.value.filters() if form.value is not None else RegistrationFilters()


def _list_context(db: Db, event: Event, filters: RegistrationFilters, notice: str = "") -> dict[str, Any]:
    return {
        "event": event,
        "listing": registration_list(db, event, filters),
        "filters": filters,
        "notice": notice,
        "status_options": [(status.value, _(label)) for status, label in STATUS_LABELS.items()],
        "mode_options": _mode_options(event),
        "session_options": [
            (session.id, session.title) for session in sessions_with_seats_counted(db, event)
        ],
        "status_labels": STATUS_LABELS,
        "mode_labels": ATTENDANCE_CHOICE_LABELS,
    }


def _list_url(request: Request, event: Event, filters: RegistrationFilters) -> str:
    url = request.url_for("registrations_page", slug=event.slug)
    query = {
        "q": filters.search,
        "status": filters.status.value if filters.status else "",
        "mode": filters.mode.value if filters.mode else "",
        "session": str(filters.session_id) if filters.session_id else "",
    }
    return str(url.include_query_params(**{key: value for key, value in query.items() if value}))


@router.get("/registrations", response_class=HTMLResponse)
def registrations_page(request: Request, db: Db, event: ManagedEvent) -> HTMLResponse:
    context = _list_context(db, event, _filters_from(request.query_params))
    return render(request, LIST_PAGE, context, blocks=["registration_list"])


def _moderate(
    request: Request,
    site: CurrentSite,
    db: Db,
    event: Event,
    data: SubmittedForm,
    action: Callable[..., Registration],
    registration: Registration,
) -> Response:
    filters = _filters_from(data)
    try:
        action(db, event, registration, Links.of(site))
    except DomainError as error:
        context = _list_context(db, event, filters, notice=error.message)
        return render(request, LIST_PAGE, context, blocks=["registration_list"], status_code=409)
    if request.headers.get("HX-Request") == "true":
        return render(request, LIST_PAGE, _list_context(db, event, filters), blocks=["registration_list"])
    return redirect_after_post(request, _list_url(request, event, filters))


@router.post("/registrations/{registration_id}/approve", response_class=HTMLResponse)
def registration_approve(
    request: Request,
    site: CurrentSite,
    db: Db,
    event: ManagedEvent,
    registration: ManagedRegistration,
    data: SubmittedForm,
) -> Response:
    return _moderate(request, site, db, event, data, moderation.approve_registration, registration)


@router.post("/registrations/{registration_id}/reject", response_class=HTMLResponse)
def registration_reject(
    request: Request,
    site: CurrentSite,
    db: Db,
    event: ManagedEvent,
    registration: ManagedRegistration,
    data: SubmittedForm,
) -> Response:
    return _moderate(request, site, db, event, data, moderation.reject_registration, registration)


@router.post("/registrations/{registration_id}/cancel", response_class=HTMLResponse)
def registration_cancel(
    request: Request,
    site: CurrentSite,
    db: Db,
    event: ManagedEvent,
    registration: ManagedRegistration,
    data: SubmittedForm,
) -> Response:
    return _moderate(request, site, db, event, data, moderation.organiser_cancel, registration)


@router.post("/registrations/{registration_id}/new-link", response_class=HTMLResponse)
def registration_link_renew(
    request: Request,
    site: CurrentSite,
    db: Db,
    event: ManagedEvent,
    registration: ManagedRegistration,
    data: SubmittedForm,
) -> Response:
    filters = _filters_from(data)
    try:
        service.renew_manage_link(db, event, registration, links=Links.of(site))
    except DomainError as error:
        context = _list_context(db, event, filters, notice=error.message)
        return render(
            request, LIST_PAGE, context, blocks=["registration_list"], status_code=error.status_code
        )
    notice = _("{name} has a new personal link by email; the old one no longer works.").format(
        name=registration.name
    )
    if request.headers.get("HX-Request") == "true":
        return render(
            request, LIST_PAGE, _list_context(db, event, filters, notice), blocks=["registration_list"]
        )
    return redirect_after_post(request, _list_url(request, event, filters))


def _edit_context(
    db: Db, event: Event, registration: Registration, form: BoundForm[Any] | None = None
) -> dict[str, Any]:
    questions = questions_of(db, event)
    given = answers_by_registration(db, event).get(registration.id or 0, {})
    return {
        "event": event,
        "registration": registration,
        "form": form,
        "questions": questions,
        "answers": {question_id: value.splitlines() for question_id, value in given.items()},
        "mode_options": _mode_options(event),
        "country_options": country_options(),
        "status_labels": STATUS_LABELS,
    }


@router.get("/registrations/{registration_id}/edit", response_class=HTMLResponse)
def registration_edit_page(
    request: Request, db: Db, event: ManagedEvent, registration: ManagedRegistration
) -> HTMLResponse:
    return render(request, EDIT_PAGE, _edit_context(db, event, registration))


@router.post("/registrations/{registration_id}/edit", response_class=HTMLResponse)
def registration_update(
    request: Request,
    site: CurrentSite,
    db: Db,
    event: ManagedEvent,
    registration: ManagedRegistration,
    data: SubmittedForm,
) -> Response:
    multiple = [q.id or 0 for q in questions_of(db, event) if q.kind == QuestionKind.multiple_choice]
    form = submit_form(
        RegistrationEditForm,
        edit_form_data(data, multiple),
        lambda value: moderation.organiser_edit(db, event, registration, value.changes(), Links.of(site)),
    )
    if form.is_valid:
        return redirect_after_post(request, str(request.url_for("registrations_page", slug=event.slug)))
    db.rollback()  # show the registration as it is stored, not as the refused change left it
    context = _edit_context(db, event, registration, form)
    return render(request, EDIT_PAGE, context, blocks=["registration_edit_form"], status_code=422)


@router.get("/registrations.csv")
def registrations_csv(db: Db, event: ManagedEvent) -> Response:
    return Response(
        export.registrations_csv(db, event),
        media_type=export.MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{export.csv_filename(event)}"'},
    )


# Settings and questions -------------------------------------------------------------------------


def _settings_context(
    db: Db,
    event: Event,
    *,
    settings_form: BoundForm[Any] | None = None,
    question_form: BoundForm[Any] | None = None,
    editing: Question | None = None,
    saved: bool = False,
) -> dict[str, Any]:
    return {
        "event": event,
        "saved_notice": saved,
        "zone": ZoneInfo(event.timezone),
        "registration_form": registration_form_of(db, event),
        "questions": questions_of(db, event),
        "form": settings_form,
        "question_form": question_form,
        "editing": editing,
        "kind_options": [(kind.value, _(label)) for kind, label in QUESTION_KIND_LABELS.items()],
        "kind_labels": QUESTION_KIND_LABELS,
    }


@router.get("/registration", response_class=HTMLResponse)
def registration_settings_page(
    request: Request, db: Db, event: ManagedEvent, question: int | None = None, saved: bool = False
) -> HTMLResponse:
    editing = question_in_event(db, event, question) if question is not None else None
    return render(request, SETTINGS_PAGE, _settings_context(db, event, editing=editing, saved=saved))


@router.post("/registration", response_class=HTMLResponse)
def registration_settings_save(
    request: Request, db: Db, event: ManagedEvent, data: SubmittedForm
) -> Response:
    form = submit_form(
        RegistrationSettingsForm,
        data,
        lambda value: setup.save_registration_settings(db, event, value.settings()),
        context={"timezone": event.timezone},
    )
    if form.is_valid:
        saved_page = request.url_for("registration_settings_page", slug=event.slug).include_query_params(
            saved=1
        )
        return redirect_after_post(request, str(saved_page))
    context = _settings_context(db, event, settings_form=form)
    return render(request, SETTINGS_PAGE, context, blocks=["settings_form"], status_code=422)


def _questions_changed(request: Request, db: Db, event: Event) -> Response:
    if request.headers.get("HX-Request") == "true":
        return render(request, SETTINGS_PAGE, _settings_context(db, event), blocks=["question_list"])
    url = request.url_for("registration_settings_page", slug=event.slug)
    return redirect_after_post(request, f"{url}#question-list")


def _question_invalid(
    request: Request, db: Db, event: Event, form: BoundForm[Any], editing: Question | None
) -> Response:
    db.rollback()
    context = _settings_context(db, event, question_form=form, editing=editing)
    return render(request, SETTINGS_PAGE, context, blocks=["question_list"], status_code=422)


@router.post("/registration/questions", response_class=HTMLResponse)
def question_create(request: Request, db: Db, event: ManagedEvent, data: SubmittedForm) -> Response:
    form = submit_form(QuestionForm, data, lambda value: setup.add_question(db, event, value.details()))
    if form.is_valid:
        return _questions_changed(request, db, event)
    return _question_invalid(request, db, event, form, None)


@router.post("/registration/questions/{question_id}", response_class=HTMLResponse)
def question_update(
    request: Request, db: Db, event: ManagedEvent, question: ManagedQuestion, data: SubmittedForm
) -> Response:
    form = submit_form(QuestionForm, data, lambda value: setup.update_question(db, question, value.details()))
    if form.is_valid:
        return _questions_changed(request, db, event)
    return _question_invalid(request, db, event, form, question)


@router.post("/registration/questions/{question_id}/move", response_class=HTMLResponse)
def question_move(
    request: Request, db: Db, event: ManagedEvent, question: ManagedQuestion, data: SubmittedForm
) -> Response:
    form = submit_form(
        QuestionMoveForm, data, lambda value: setup.move_question(db, event, question, value.direction)
    )
    if form.is_valid:
        return _questions_changed(request, db, event)
    return _question_invalid(request, db, event, form, None)


@router.post("/registration/questions/{question_id}/delete", response_class=HTMLResponse)
def question_delete(request: Request, db: Db, event: ManagedEvent, question: ManagedQuestion) -> Response:
    setup.delete_question(db, question)
    return _questions_changed(request, db, event)


# Invitations ------------------------------------------------------------------------------------


def _invitations_context(db: Db, event: Event, form: BoundForm[Any] | None = None) -> dict[str, Any]:
    now = utcnow()
    return {
        "event": event,
        "form": form,
        "is_invitation_only": event.visibility == Visibility.invitation_only,
        "lines": [(each, invitations.invitation_status(each, now)) for each in invitations_of(db, event)],
        "status_labels": invitations.INVITATION_STATUS_LABELS,
    }


@router.get("/invitations", response_class=HTMLResponse)
def invitations_page(request: Request, db: Db, event: ManagedEvent) -> HTMLResponse:
    return render(request, INVITATIONS_PAGE, _invitations_context(db, event))


@router.post("/invitations", response_class=HTMLResponse)
def invitation_create(
    request: Request, site: CurrentSite, db: Db, event: ManagedEvent, data: SubmittedForm
) -> Response:
    form = submit_form(
        InvitationForm,
        data,
        lambda value: invitations.create_invitation(
            db,
            event,
            value.email,
            value.name,
            value.expires_at(event.timezone),
            Links.of(site),
        ),
    )
    if form.is_valid:
        return redirect_after_post(request, str(request.url_for("invitations_page", slug=event.slug)))
    context = _invitations_context(db, event, form)
    return render(request, INVITATIONS_PAGE, context, blocks=["invitation_form"], status_code=422)


@router.post("/invitations/{invitation_id}/revoke", response_class=HTMLResponse)
def invitation_revoke(
    request: Request, db: Db, event: ManagedEvent, invitation: ManagedInvitation
) -> Response:
    invitations.revoke_invitation(db, invitation)
    if request.headers.get("HX-Request") == "true":
        return render(request, INVITATIONS_PAGE, _invitations_context(db, event), blocks=["invitation_list"])
    return redirect_after_post(request, str(request.url_for("invitations_page", slug=event.slug)))


# Check-in at the door ---------------------------------------------------------------------------


def _checkin_context(db: Db, event: Event, **extra: Any) -> dict[str, Any]:
    return {
        "event": event,
        "counts": checkin.checkin_counts(db, event),
        "code_of": checkin.checkin_code,
        "can_check_in": checkin.can_check_in,
        "status_labels": STATUS_LABELS,
        "mode_labels": ATTENDANCE_CHOICE_LABELS,
        **extra,
    }


@router.get("/checkin", response_class=HTMLResponse)
def checkin_page(request: Request, db: Db, event: CheckInEvent, q: str = "") -> HTMLResponse:
    context = _checkin_context(db, event, q=q, results=checkin.checkin_search(db, event, q))
    return render(request, CHECKIN_PAGE, context, blocks=["checkin_results"])


def _ticket_context(db: Db, event: Event, registration: Registration, **extra: Any) -> dict[str, Any]:
    now = utcnow()
    return _checkin_context(
        db,
        event,
        registration=registration,
        code=checkin.checkin_code(registration),
        reason=checkin.refusal_reason(registration, event, now),
        **extra,
    )


@router.get("/checkin/{registration_id}", response_class=HTMLResponse)
def checkin_ticket_page(
    request: Request, db: Db, event: CheckInEvent, registration_id: int, code: str = "", welcome: bool = False
) -> HTMLResponse:
    registration = checkin.ticket_in_event(db, event, registration_id, code)
    # `welcome` marks the page a check-in redirects to: its first showing greets, a later scan says "already".
    just_checked_in = welcome and registration.checked_in_at is not None
    context = _ticket_context(db, event, registration, just_checked_in=just_checked_in)
    return render(request, TICKET_PAGE, context, blocks=["checkin_ticket"])


@router.post("/checkin/{registration_id}", response_class=HTMLResponse)
def checkin_mark(
    request: Request, db: Db, event: CheckInEvent, registration_id: int, data: SubmittedForm
) -> Response:
    code = str(data.get("code", ""))
    try:
        registration = checkin.check_in(db, event, registration_id, code, utcnow())
    except checkin.CheckInRefused as error:
        registration = checkin.ticket_in_event(db, event, registration_id, code)
        context = _ticket_context(db, event, registration, refused=error.message)
        return render(request, TICKET_PAGE, context, blocks=["checkin_ticket"], status_code=409)
    if request.headers.get("HX-Request") == "true":
        context = _ticket_context(db, event, registration, just_checked_in=True)
        return render(request, TICKET_PAGE, context, blocks=["checkin_ticket"])
    url = request.url_for("checkin_ticket_page", slug=event.slug, registration_id=registration_id)
    return redirect_after_post(request, str(url.include_query_params(code=code, welcome=1)))
