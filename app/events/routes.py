"""Event pages: the public list and event page, and the organisers' event management."""

from datetime import UTC, date, datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from app.accounts.access import CurrentUser
from app.events import service as event_service
from app.events.access import ManagedEvent, OwnedEvent, PublicEvent
from app.events.forms import CloneForm, EventForm, OrganiserForm, OrganiserRoleForm
from app.events.models import (
    ATTENDANCE_LABELS,
    EVENT_KIND_LABELS,
    ORGANISER_ROLE_LABELS,
    VISIBILITY_LABELS,
    Event,
)
from app.events.queries import listed_events, managed_events, organisers_of, roles_in_events
from app.i18n import _
from app.programme import editions
from app.programme.counts import event_overview, programme_overview
from app.programme.releases import published_programme
from app.registration import editions as registration_editions
from app.registration.queries import registration_form_of
from app.registration.service import registration_window
from app.timezones import all_timezones
from app.web import Db, SubmittedForm, redirect_after_post, render
from app.web.caches import caches_of
from app.web.csrf import require_csrf
from app.web.forms import BoundForm, submit_form

router = APIRouter(dependencies=[Depends(require_csrf)])


def _event_form_context(form: BoundForm | None, **extra: object) -> dict[str, object]:
    return {
        "form": form,
        "kinds": [(kind.value, _(label)) for kind, label in EVENT_KIND_LABELS.items()],
        "modes": [(mode.value, _(label)) for mode, label in ATTENDANCE_LABELS.items()],
        "visibilities": [(v.value, _(label)) for v, label in VISIBILITY_LABELS.items()],
        "zone_options": [(zone, zone) for zone in all_timezones()],
        "role_options": [(role.value, _(label)) for role, label in ORGANISER_ROLE_LABELS.items()],
        **extra,
    }


@router.get("/", response_class=HTMLResponse)
def home_page(request: Request, db: Db) -> HTMLResponse:
    listing = listed_events(db, date.today())  # noqa: DTZ011 - "today" as the server sees it is close enough here
    return render(request, "events/home.html", {"listing": listing})


@router.get("/events/{slug}", response_class=HTMLResponse)
def event_page(request: Request, db: Db, event: PublicEvent) -> HTMLResponse:
    window = registration_window(registration_form_of(db, event), event, datetime.now(UTC))
    # The public counts are those of the released programme, not of the organisers' draft.
    published = published_programme(db, event, caches_of(request.app).programme_data)
    context = {"event": event, "overview": programme_overview(published.data), "registration": window}
    return render(request, "events/event.html", context)


@router.get("/manage", response_class=HTMLResponse)
def manage_events_page(request: Request, db: Db, user: CurrentUser) -> HTMLResponse:
    context = {"events": managed_events(db, user), "roles": roles_in_events(db, user)}
    return render(request, "events/manage_list.html", context)


@router.get("/manage/events/new", response_class=HTMLResponse)
def event_new_page(request: Request, user: CurrentUser) -> HTMLResponse:
    return render(request, "events/edit.html", _event_form_context(None, event=None))


@router.post("/manage/events/new", response_class=HTMLResponse)
def event_create(request: Request, db: Db, user: CurrentUser, data: SubmittedForm) -> Response:
    form = submit_form(EventForm, data, lambda value: event_service.create_event(db, value, user))
    if form.is_valid:
        return redirect_after_post(request, str(request.url_for("event_manage_page", slug=form.result.slug)))
    context = _event_form_context(form, event=None)
    return render(request, "events/edit.html", context, blocks=["event_form"], status_code=422)


@router.get("/manage/events/{slug}", response_class=HTMLResponse)
def event_manage_page(request: Request, db: Db, event: ManagedEvent, saved: bool = False) -> HTMLResponse:
    context = _event_form_context(
        None,
        event=event,
        organisers=organisers_of(db, event),
        overview=event_overview(db, event),
        saved=saved,
    )
    return render(request, "events/manage.html", context)


@router.get("/manage/events/{slug}/edit", response_class=HTMLResponse)
def event_edit_page(request: Request, event: ManagedEvent) -> HTMLResponse:
    return render(request, "events/edit.html", _event_form_context(None, event=event))


@router.post("/manage/events/{slug}/edit", response_class=HTMLResponse)
def event_update(request: Request, db: Db, event: ManagedEvent, data: SubmittedForm) -> Response:
    form = submit_form(EventForm, data, lambda value: event_service.update_event(db, event, value))
    if form.is_valid:
        saved_page = request.url_for("event_manage_page", slug=event.slug).include_query_params(saved=1)
        return redirect_after_post(request, str(saved_page))
    return render(
        request,
        "events/edit.html",
        _event_form_context(form, event=event),
        blocks=["event_form"],
        status_code=422,
    )


@router.post("/manage/events/{slug}/delete")
def event_delete(request: Request, db: Db, event: OwnedEvent, data: SubmittedForm) -> Response:
    if data.get("confirm_slug") != event.slug:
        context = _event_form_context(
            None,
            event=event,
            organisers=organisers_of(db, event),
            overview=event_overview(db, event),
            delete_error=_("Type the event's address exactly to confirm."),
        )
        return render(request, "events/manage.html", context, blocks=["danger_zone"], status_code=422)
    event_service.delete_event(db, event)
    return redirect_after_post(request, str(request.url_for("manage_events_page")))


@router.get("/manage/events/{slug}/clone", response_class=HTMLResponse)
def event_clone_page(request: Request, event: ManagedEvent) -> HTMLResponse:
    return render(
        request,
        "events/clone.html",
        {"event": event, "form": None, "suggestion": editions.next_edition_suggestion(event)},
    )


@router.post("/manage/events/{slug}/clone", response_class=HTMLResponse)
def event_clone(
    request: Request, db: Db, user: CurrentUser, event: ManagedEvent, data: SubmittedForm
) -> Response:
    form = submit_form(
        CloneForm,
        data,
        lambda value: registration_editions.clone_event(
            db, event, value.slug, value.title, value.start_date, user, _clone_choices(value)
        ),
    )
    if form.is_valid:
        return redirect_after_post(request, str(request.url_for("event_manage_page", slug=form.result.slug)))
    context = {"event": event, "form": form, "suggestion": editions.next_edition_suggestion(event)}
    return render(request, "events/clone.html", context, blocks=["clone_form"], status_code=422)


def _clone_choices(value: CloneForm) -> editions.CloneChoices:
    return editions.CloneChoices(
        rooms=value.rooms,
        tracks=value.tracks,
        sessions=value.sessions,
        speakers=value.speakers,
        registration=value.registration,
    )


def _organiser_list(
    request: Request, db: Db, event: Event, *, status_code: int = 200, **extra: object
) -> HTMLResponse:
    context = _event_form_context(
        None, event=event, organisers=organisers_of(db, event), overview=event_overview(db, event), **extra
    )
    return render(request, "events/manage.html", context, blocks=["organiser_list"], status_code=status_code)


@router.post("/manage/events/{slug}/organisers", response_class=HTMLResponse)
def event_organiser_add(request: Request, db: Db, event: OwnedEvent, data: SubmittedForm) -> Response:
    form = submit_form(
        OrganiserForm, data, lambda value: event_service.add_organiser(db, event, value.email, value.role)
    )
    return _organiser_list(request, db, event, status_code=422 if form.errors else 200, organiser_form=form)


@router.post("/manage/events/{slug}/organisers/{user_id}/role", response_class=HTMLResponse)
def event_organiser_role(
    request: Request, db: Db, event: OwnedEvent, user_id: int, data: SubmittedForm
) -> Response:
    form = submit_form(
        OrganiserRoleForm,
        data,
        lambda value: event_service.change_organiser_role(db, event, user_id, value.role),
    )
    errors = {user_id: form.errors.get("role", "")} if form.errors else {}
    return _organiser_list(request, db, event, status_code=422 if errors else 200, organiser_errors=errors)


@router.post("/manage/events/{slug}/organisers/{user_id}/remove", response_class=HTMLResponse)
def event_organiser_remove(request: Request, db: Db, event: OwnedEvent, user_id: int) -> Response:
    try:
        event_service.remove_organiser(db, event, user_id)
    except event_service.LastOwner as error:
        return _organiser_list(request, db, event, status_code=409, organiser_errors={user_id: error.message})
    return _organiser_list(request, db, event)
