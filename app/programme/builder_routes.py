"""The organisers' programme builder, and the rooms and tracks pages.

Every change answers an htmx request with the grid, the conflict list and the session editor (all swapped
out of band by id), and a plain form with a 303 back to the builder. Invalid input re-renders the form
with its errors and status 422, and saves nothing.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.db import DbSession
from app.events.access import ManagedEvent
from app.events.models import Event
from app.i18n import _
from app.programme import builder_view
from app.programme import service as programme_service
from app.programme.access import ManagedSession
from app.programme.conflicts import conflicts_by_session, programme_conflicts
from app.programme.forms import (
    MoveForm,
    RoleAddForm,
    RoleForm,
    RoomForm,
    SessionForm,
    TalkForm,
    TalkMoveForm,
    TrackForm,
)
from app.programme.models import ROLE_LABELS, SESSION_KIND_LABELS, Room, Session, SessionRole, Talk, Track
from app.programme.releases import latest_release
from app.web import Db, SubmittedForm, format_day, not_found, redirect_after_post, render, wants_fragment
from app.web.csrf import require_csrf
from app.web.forms import BoundForm, bind_form, submit_form

router = APIRouter(prefix="/manage/events/{slug}", dependencies=[Depends(require_csrf)])

BUILDER = "programme/builder.html"
CHANGED_BLOCKS = ["builder_grid", "conflict_list", "session_editor", "release_status"]


# Loading what the path names, always inside the managed event (404 otherwise) --------------------


def managed_talk(talk_id: int, session: ManagedSession, db: Db) -> Talk:
    talk = db.get(Talk, talk_id)
    if talk is None or talk.session_id != session.id:
        raise not_found(_("This talk does not exist."))
    return talk


def managed_role(role_id: int, session: ManagedSession, db: Db) -> SessionRole:
    role = db.get(SessionRole, role_id)
    if role is None or role.session_id != session.id:
        raise not_found(_("This speaker role does not exist."))
    return role


def managed_room(room_id: int, event: ManagedEvent, db: Db) -> Room:
    room = db.get(Room, room_id)
    if room is None or room.event_id != event.id:
        raise not_found(_("This room does not exist."))
    return room


def managed_track(track_id: int, event: ManagedEvent, db: Db) -> Track:
    track = db.get(Track, track_id)
    if track is None or track.event_id != event.id:
        raise not_found(_("This track does not exist."))
    return track


ManagedTalk = Annotated[Talk, Depends(managed_talk)]
ManagedRole = Annotated[SessionRole, Depends(managed_role)]
ManagedRoom = Annotated[Room, Depends(managed_room)]
ManagedTrack = Annotated[Track, Depends(managed_track)]


# Builder ----------------------------------------------------------------------------------------


def _parse_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _session_day(event: Event, session: Session) -> date:
    return session.start_at.astimezone(ZoneInfo(event.timezone)).date()


def _shown_room_ids(request: Request, event: Event) -> list[int]:
    # The organiser's choice of columns, kept per event for the browser session so that every htmx
    # update of the grid keeps it.
    shown: list[int] = request.session.get(f"builder_rooms:{event.id}", [])
    return shown


def _builder_context(
    request: Request,
    db: Db,
    event: Event,
    *,
    day: date | None = None,
    selected: Session | None = None,
    forms: dict[str, BoundForm[Any]] | None = None,
) -> dict[str, Any]:
    if day is None and selected is not None:
        day = _session_day(event, selected)
    conflicts = programme_conflicts(db, event)
    grid = builder_view.builder_grid(
        db,
        event,
        builder_view.chosen_day(event, day),
        conflicts_by_session(conflicts),
        shown_room_ids=_shown_room_ids(request, event),
    )
    tracks = builder_view.tracks_of(db, event)
    speakers = builder_view.speakers_of(db, event)
    detail = builder_view.session_detail(db, event, selected) if selected is not None else None
    return {
        "event": event,
        "tz": event.timezone,
        "grid": grid,
        "conflicts": conflicts,
        "detail": detail,
        "talk_options": [(line.talk.id, line.talk.title) for line in detail.talks] if detail else [],
        "room_options": [(room.id, room.name) for room in grid.all_rooms],
        "track_options": [(track.id, track.name) for track in tracks],
        "speaker_options": [(speaker.id, speaker.name) for speaker in speakers],
        "day_options": [(each.isoformat(), format_day(each, "EEE d MMM")) for each in event.days],
        "kinds": [(kind.value, _(label)) for kind, label in SESSION_KIND_LABELS.items()],
        "role_kinds": [(kind.value, _(label)) for kind, label in ROLE_LABELS.items()],
        "forms": forms or {},
        "release": latest_release(db, event),
    }


def _builder_url(request: Request, event: Event, day: date, selected: Session | None) -> str:
    url = request.url_for("builder_page", slug=event.slug).include_query_params(day=day.isoformat())
    if selected is not None:
        url = url.include_query_params(session=selected.id)
    return str(url)


def _changed(
    request: Request, db: Db, event: Event, selected: Session | None, *, day: date | None = None
) -> Response:
    if selected is not None:
        day = _session_day(event, selected)
    if not wants_fragment(request):
        return RedirectResponse(
            _builder_url(request, event, builder_view.chosen_day(event, day), selected), 303
        )
    context = _builder_context(request, db, event, day=day, selected=selected)
    response = render(request, BUILDER, context, blocks=[*CHANGED_BLOCKS, "session_create"])
    # The address follows the change (a session moved to another day shows that day after a reload).
    response.headers["HX-Replace-Url"] = _builder_url(request, event, context["grid"].day, selected)
    return response


def _invalid(
    request: Request, db: Db, event: Event, selected: Session | None, forms: dict[str, BoundForm[Any]]
) -> Response:
    context = _builder_context(request, db, event, selected=selected, forms=forms)
    block = "session_editor" if selected is not None else "session_create"
    return render(request, BUILDER, context, blocks=[block], status_code=422)


def _time_context(event: Event) -> dict[str, Any]:
    return {"timezone": event.timezone, "days": event.days}


@router.get("/programme", response_class=HTMLResponse)
def builder_page(
    request: Request,
    db: Db,
    event: ManagedEvent,
    day: str | None = None,
    session: int | None = None,
    rooms: Annotated[str | None, Query(description="'chosen' when the room chooser was sent")] = None,
    room: Annotated[list[int] | None, Query()] = None,
) -> HTMLResponse:
    if rooms == "chosen":
        request.session[f"builder_rooms:{event.id}"] = sorted(set(room or []))
    selected = builder_view.session_in_event(db, event, session) if session is not None else None
    context = _builder_context(request, db, event, day=_parse_day(day), selected=selected)
    return render(request, BUILDER, context, blocks=["builder_grid", "session_editor"])


@router.post("/programme/sessions", response_class=HTMLResponse)
def builder_session_create(request: Request, db: Db, event: ManagedEvent, data: SubmittedForm) -> Response:
    form = submit_form(
        SessionForm,
        data,
        lambda value: programme_service.create_session(db, event, value.details(event.timezone)),
        context=_time_context(event),
    )
    if form.is_valid:
        return _changed(request, db, event, form.result)
    return _invalid(request, db, event, None, {"create": form})


@router.post("/programme/sessions/{session_id}", response_class=HTMLResponse)
def builder_session_update(
    request: Request, db: Db, event: ManagedEvent, session: ManagedSession, data: SubmittedForm
) -> Response:
    form = submit_form(
        SessionForm,
        data,
        lambda value: programme_service.update_session(db, event, session, value.details(event.timezone)),
        context=_time_context(event),
    )
    if form.is_valid:
        return _changed(request, db, event, session)
    return _invalid(request, db, event, session, {"edit": form})


@router.post("/programme/sessions/{session_id}/move", response_class=HTMLResponse)
def builder_session_move(
    request: Request, db: Db, event: ManagedEvent, session: ManagedSession, data: SubmittedForm
) -> Response:
    form = submit_form(
        MoveForm,
        data,
        lambda value: programme_service.move_session(
            db, event, session, room_id=value.room_id, start_at=value.start_at(event.timezone)
        ),
        context=_time_context(event),
    )
    if form.is_valid:
        return _changed(request, db, event, session)
    return _invalid(request, db, event, session, {"move": form})


@router.post("/programme/sessions/{session_id}/cancel", response_class=HTMLResponse)
def builder_session_cancel(
    request: Request, db: Db, event: ManagedEvent, session: ManagedSession
) -> Response:
    programme_service.cancel_session(db, session)
    return _changed(request, db, event, session)


@router.post("/programme/sessions/{session_id}/restore", response_class=HTMLResponse)
def builder_session_restore(
    request: Request, db: Db, event: ManagedEvent, session: ManagedSession
) -> Response:
    programme_service.restore_session(db, session)
    return _changed(request, db, event, session)


@router.post("/programme/sessions/{session_id}/delete", response_class=HTMLResponse)
def builder_session_delete(
    request: Request, db: Db, event: ManagedEvent, session: ManagedSession
) -> Response:
    day = _session_day(event, session)
    programme_service.delete_session(db, session)
    return _changed(request, db, event, None, day=day)


@router.post("/programme/sessions/{session_id}/talks", response_class=HTMLResponse)
def builder_talk_create(
    request: Request, db: Db, event: ManagedEvent, session: ManagedSession, data: SubmittedForm
) -> Response:
    day = _session_day(event, session)
    form = submit_form(
        TalkForm,
        data,
        lambda value: programme_service.create_talk(db, session, **value.talk_details(day, event.timezone)),
        context={"timezone": event.timezone, "day": day},
    )
    if form.is_valid:
        return _changed(request, db, event, session)
    return _invalid(request, db, event, session, {"talk_new": form})


@router.post("/programme/sessions/{session_id}/talks/{talk_id}", response_class=HTMLResponse)
def builder_talk_update(
    request: Request,
    db: Db,
    event: ManagedEvent,
    session: ManagedSession,
    talk: ManagedTalk,
    data: SubmittedForm,
) -> Response:
    day = _session_day(event, session)
    form = submit_form(
        TalkForm,
        data,
        lambda value: programme_service.update_talk(
            db, session, talk, **value.talk_details(day, event.timezone)
        ),
        context={"timezone": event.timezone, "day": day},
    )
    if form.is_valid:
        return _changed(request, db, event, session)
    return _invalid(request, db, event, session, {f"talk_{talk.id}": form})


@router.post("/programme/sessions/{session_id}/talks/{talk_id}/move", response_class=HTMLResponse)
def builder_talk_move(
    request: Request,
    db: Db,
    event: ManagedEvent,
    session: ManagedSession,
    talk: ManagedTalk,
    data: SubmittedForm,
) -> Response:
    form = bind_form(TalkMoveForm, data)
    if form.value is None:
        return _invalid(request, db, event, session, {f"talk_{talk.id}": form})
    programme_service.move_talk(db, session, talk, form.value.direction)
    return _changed(request, db, event, session)


@router.post("/programme/sessions/{session_id}/talks/{talk_id}/delete", response_class=HTMLResponse)
def builder_talk_delete(
    request: Request, db: Db, event: ManagedEvent, session: ManagedSession, talk: ManagedTalk
) -> Response:
    programme_service.delete_talk(db, session, talk)
    return _changed(request, db, event, session)


def _add_role(db: DbSession, event: Event, session: Session, value: RoleAddForm) -> SessionRole:
    details = value.model_dump(include={"role", "is_remote", "talk_id"})
    if value.speaker_id is not None:
        return programme_service.add_role(db, session, speaker_id=value.speaker_id, **details)
    return programme_service.add_role_for_new_speaker(
        db, event, session, name=value.new_speaker_name or "", email=value.new_speaker_email, **details
    )


@router.post("/programme/sessions/{session_id}/roles", response_class=HTMLResponse)
def builder_role_add(
    request: Request, db: Db, event: ManagedEvent, session: ManagedSession, data: SubmittedForm
) -> Response:
    form = submit_form(RoleAddForm, data, lambda value: _add_role(db, event, session, value))
    if form.is_valid:
        return _changed(request, db, event, session)
    return _invalid(request, db, event, session, {"role_new": form})


@router.post("/programme/sessions/{session_id}/roles/{role_id}", response_class=HTMLResponse)
def builder_role_update(
    request: Request,
    db: Db,
    event: ManagedEvent,
    session: ManagedSession,
    role: ManagedRole,
    data: SubmittedForm,
) -> Response:
    form = submit_form(
        RoleForm, data, lambda value: programme_service.update_role(db, session, role, **value.model_dump())
    )
    if form.is_valid:
        return _changed(request, db, event, session)
    return _invalid(request, db, event, session, {f"role_{role.id}": form})


@router.post("/programme/sessions/{session_id}/roles/{role_id}/remove", response_class=HTMLResponse)
def builder_role_remove(
    request: Request, db: Db, event: ManagedEvent, session: ManagedSession, role: ManagedRole
) -> Response:
    programme_service.remove_role(db, session, role)
    return _changed(request, db, event, session)


# Rooms ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SetupPage:
    """Rooms and tracks: the event's list with one form to add an item or edit the one chosen."""

    route: str
    template: str
    form_block: str
    lines: Callable[[DbSession, Event], list[Any]]


ROOMS = SetupPage("rooms_page", "programme/rooms.html", "room_form", builder_view.room_lines)
TRACKS = SetupPage("tracks_page", "programme/tracks.html", "track_form", builder_view.track_lines)


def _setup_page(request: Request, db: Db, event: Event, setup: SetupPage, edit: int | None) -> HTMLResponse:
    lines = setup.lines(db, event)
    editing = next((line.item for line in lines if line.item.id == edit), None)
    context = {"event": event, "lines": lines, "form": None, "editing": editing}
    return render(request, setup.template, context)


def _setup_answer(
    request: Request, db: Db, event: Event, setup: SetupPage, form: BoundForm[Any], editing: Any = None
) -> Response:
    """After a change: back to the list, or the form again with its errors (422, nothing saved)."""
    if form.is_valid:
        return redirect_after_post(request, str(request.url_for(setup.route, slug=event.slug)))
    context = {"event": event, "lines": setup.lines(db, event), "form": form, "editing": editing}
    return render(request, setup.template, context, blocks=[setup.form_block], status_code=422)


@router.get("/rooms", response_class=HTMLResponse)
def rooms_page(request: Request, db: Db, event: ManagedEvent, edit: int | None = None) -> HTMLResponse:
    return _setup_page(request, db, event, ROOMS, edit)


@router.post("/rooms", response_class=HTMLResponse)
def room_create(request: Request, db: Db, event: ManagedEvent, data: SubmittedForm) -> Response:
    form = submit_form(
        RoomForm, data, lambda value: programme_service.create_room(db, event, **value.model_dump())
    )
    return _setup_answer(request, db, event, ROOMS, form)


@router.post("/rooms/{room_id}", response_class=HTMLResponse)
def room_update(
    request: Request, db: Db, event: ManagedEvent, room: ManagedRoom, data: SubmittedForm
) -> Response:
    form = submit_form(
        RoomForm, data, lambda value: programme_service.update_room(db, room, event, **value.model_dump())
    )
    return _setup_answer(request, db, event, ROOMS, form, editing=room)


@router.post("/rooms/{room_id}/delete", response_class=HTMLResponse)
def room_delete(request: Request, db: Db, event: ManagedEvent, room: ManagedRoom) -> Response:
    programme_service.delete_room(db, room)
    return redirect_after_post(request, str(request.url_for("rooms_page", slug=event.slug)))


# Tracks -----------------------------------------------------------------------------------------


@router.get("/tracks", response_class=HTMLResponse)
def tracks_page(request: Request, db: Db, event: ManagedEvent, edit: int | None = None) -> HTMLResponse:
    return _setup_page(request, db, event, TRACKS, edit)


@router.post("/tracks", response_class=HTMLResponse)
def track_create(request: Request, db: Db, event: ManagedEvent, data: SubmittedForm) -> Response:
    form = submit_form(
        TrackForm, data, lambda value: programme_service.create_track(db, event, **value.model_dump())
    )
    return _setup_answer(request, db, event, TRACKS, form)


@router.post("/tracks/{track_id}", response_class=HTMLResponse)
def track_update(
    request: Request, db: Db, event: ManagedEvent, track: ManagedTrack, data: SubmittedForm
) -> Response:
    form = submit_form(
        TrackForm, data, lambda value: programme_service.update_track(db, track, event, **value.model_dump())
    )
    return _setup_answer(request, db, event, TRACKS, form, editing=track)


@router.post("/tracks/{track_id}/delete", response_class=HTMLResponse)
def track_delete(request: Request, db: Db, event: ManagedEvent, track: ManagedTrack) -> Response:
    programme_service.delete_track(db, track)
    return redirect_after_post(request, str(request.url_for("tracks_page", slug=event.slug)))
