"""Organisers' changes to the programme: rooms, tracks, sessions, talks and who speaks where.

One function is one user action and one transaction. Rules that say no raise DomainError
with the name of the form field the user should correct.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import func
from sqlalchemy import update as sa_update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from app.db import DbSession, saved_id, utcnow
from app.errors import DomainError
from app.events.models import Event
from app.i18n import _
from app.programme.models import RoleKind, Room, Session, SessionKind, SessionRole, Talk, Track
from app.speakers.models import Speaker
from app.speakers.service import check_speaker_email_free


class MoveDirection(StrEnum):
    up = "up"
    down = "down"


@dataclass(frozen=True)
class SessionDetails:
    """What the organiser enters for a session; times are already UTC."""

    title: str
    kind: SessionKind
    start_at: datetime
    end_at: datetime
    room_id: int | None = None
    track_id: int | None = None
    abstract: str = ""
    seat_limit: int | None = None
    subtitle: str = ""
    description: str = ""
    language: str = ""
    # The type as exported schedules name it; empty: the kind's own label.
    type_label: str = ""
    do_not_record: bool = False
    do_not_stream: bool = False


# Rooms ------------------------------------------------------------------------------------------


def _name_is_free(
    db: DbSession, model: type[Room] | type[Track], event: Event, name: str, own_id: int | None
) -> bool:
    statement = select(model.id).where(model.event_id == event.id, func.lower(model.name) == name.lower())
    existing = db.exec(statement).first()
    return existing is None or existing == own_id


def create_room(
    db: DbSession, event: Event, *, name: str, capacity: int | None = None, stream_url: str | None = None
) -> Room:
    """Room names are unique within an event; a new room comes last in the grid."""
    if not _name_is_free(db, Room, event, name, None):
        raise DomainError(_("This event already has a room with this name."), field="name")
    last = db.exec(select(func.max(Room.position)).where(Room.event_id == event.id)).one()
    room = Room(
        event_id=saved_id(event),
        name=name,
        capacity=capacity,
        stream_url=stream_url,
        position=(last or 0) + 1,
    )
    return _save(db, room, field="name", message=_("This event already has a room with this name."))


def update_room(
    db: DbSession,
    room: Room,
    event: Event,
    *,
    name: str,
    capacity: int | None = None,
    stream_url: str | None = None,
) -> Room:
    """Renaming a room keeps its sessions in it."""
    if not _name_is_free(db, Room, event, name, room.id):
        raise DomainError(_("This event already has a room with this name."), field="name")
    room.name, room.capacity, room.stream_url = name, capacity, stream_url
    return _save(db, room, field="name", message=_("This event already has a room with this name."))


def delete_room(db: DbSession, room: Room) -> None:
    """Deleting a room keeps its sessions; they become unassigned."""
    _delete_keeping_sessions(db, room, col(Session.room_id))


# Tracks -----------------------------------------------------------------------------------------


def create_track(db: DbSession, event: Event, *, name: str, colour: str) -> Track:
    """Track names are unique within an event."""
    if not _name_is_free(db, Track, event, name, None):
        raise DomainError(_("This event already has a track with this name."), field="name")
    track = Track(event_id=saved_id(event), name=name, colour=colour.lower())
    return _save(db, track, field="name", message=_("This event already has a track with this name."))


def update_track(db: DbSession, track: Track, event: Event, *, name: str, colour: str) -> Track:
    """Renaming or recolouring a track keeps its sessions in it."""
    if not _name_is_free(db, Track, event, name, track.id):
        raise DomainError(_("This event already has a track with this name."), field="name")
    track.name, track.colour = name, colour.lower()
    return _save(db, track, field="name", message=_("This event already has a track with this name."))


def delete_track(db: DbSession, track: Track) -> None:
    """Deleting a track keeps its sessions, without a track."""
    _delete_keeping_sessions(db, track, col(Session.track_id))


def _delete_keeping_sessions(db: DbSession, record: Room | Track, link: Any) -> None:
    # One UPDATE for all its sessions; their change stamp moves, so calendars see the new place.
    db.execute(sa_update(Session).where(link == record.id).values({link: None, Session.updated_at: utcnow()}))
    db.delete(record)
    db.commit()


# Sessions ---------------------------------------------------------------------------------------


def _check_room(db: DbSession, event: Event, room_id: int | None) -> None:
    if room_id is None:
        return
    room = db.get(Room, room_id)
    if room is None or room.event_id != event.id:
        raise DomainError(_("Choose one of this event's rooms."), field="room_id")


def _check_track(db: DbSession, event: Event, track_id: int | None) -> None:
    if track_id is None:
        return
    track = db.get(Track, track_id)
    if track is None or track.event_id != event.id:
        raise DomainError(_("Choose one of this event's tracks."), field="track_id")


def _check_session_details(db: DbSession, event: Event, details: SessionDetails) -> None:
    if not details.title.strip():
        raise DomainError(_("This field is required."), field="title")
    if details.end_at <= details.start_at:
        raise DomainError(_("The session must end after it starts."), field="end")
    _check_room(db, event, details.room_id)
    _check_track(db, event, details.track_id)


def create_session(db: DbSession, event: Event, details: SessionDetails) -> Session:
    """A session needs a title and must end after it starts; its room and track must be this event's."""
    _check_session_details(db, event, details)
    session = Session(
        event_id=saved_id(event),
        title=details.title.strip(),
        kind=details.kind,
        start_at=details.start_at,
        end_at=details.end_at,
        room_id=details.room_id,
        track_id=details.track_id,
        abstract=details.abstract,
        seat_limit=details.seat_limit,
        subtitle=details.subtitle,
        description=details.description,
        language=details.language,
        type_label=details.type_label,
        do_not_record=details.do_not_record,
        do_not_stream=details.do_not_stream,
    )
    return _save(db, session)


def update_session(db: DbSession, event: Event, session: Session, details: SessionDetails) -> Session:
    """Editing a session keeps its calendar identity (uid), its talks and its speakers."""
    _check_session_details(db, event, details)
    # An imported type label names the old kind: a new kind drops it unless the organiser wrote another.
    kind_changed = details.kind != session.kind and details.type_label == session.type_label
    session.title = details.title.strip()
    session.kind = details.kind
    session.start_at, session.end_at = details.start_at, details.end_at
    session.room_id, session.track_id = details.room_id, details.track_id
    session.abstract, session.seat_limit = details.abstract, details.seat_limit
    session.subtitle, session.description = details.subtitle, details.description
    session.language = details.language
    session.type_label = "" if kind_changed else details.type_label
    session.do_not_record, session.do_not_stream = details.do_not_record, details.do_not_stream
    session.updated_at = utcnow()
    return _save(db, session)


def move_session(
    db: DbSession, event: Event, session: Session, *, room_id: int | None, start_at: datetime
) -> Session:
    """Moving a session keeps its length, talks and speakers and never deletes it; timed talks move along."""
    _check_room(db, event, room_id)
    shift = start_at - session.start_at
    session.end_at = start_at + (session.end_at - session.start_at)
    session.start_at = start_at
    session.room_id = room_id
    session.updated_at = utcnow()
    db.add(session)
    for talk in db.exec(select(Talk).where(Talk.session_id == session.id)).all():
        if talk.start_at is not None and talk.end_at is not None:
            talk.start_at, talk.end_at = talk.start_at + shift, talk.end_at + shift
            db.add(talk)
    return _save(db, session)


def cancel_session(db: DbSession, session: Session) -> Session:
    """A cancelled session stays on the programme, marked as cancelled, and no longer conflicts."""
    session.is_cancelled = True
    session.updated_at = utcnow()
    return _save(db, session)


def restore_session(db: DbSession, session: Session) -> Session:
    """Restoring a cancelled session puts it back as it was."""
    session.is_cancelled = False
    session.updated_at = utcnow()
    return _save(db, session)


def delete_session(db: DbSession, session: Session) -> None:
    """Deleting a session removes its talks and speaker roles with it."""
    # The database deletes the talks and roles (ON DELETE CASCADE; SQLite connections turn foreign keys on).
    db.delete(session)
    db.commit()


# Talks ------------------------------------------------------------------------------------------


def _check_talk_times(start_at: datetime | None, end_at: datetime | None) -> None:
    if (start_at is None) != (end_at is None):
        field = "end" if end_at is None else "start"
        raise DomainError(_("Give both a start and an end time, or neither."), field=field)
    if start_at is not None and end_at is not None and end_at <= start_at:
        raise DomainError(_("The talk must end after it starts."), field="end")


def _touch(db: DbSession, session: Session) -> None:
    session.updated_at = utcnow()
    db.add(session)


def _talks_of(db: DbSession, session: Session) -> list[Talk]:
    statement = select(Talk).where(Talk.session_id == session.id).order_by(col(Talk.position), col(Talk.id))
    return list(db.exec(statement).all())


def _renumber(db: DbSession, talks: list[Talk]) -> None:
    for index, talk in enumerate(talks, start=1):
        if talk.position != index:
            talk.position = index
            db.add(talk)


def create_talk(
    db: DbSession,
    session: Session,
    *,
    title: str,
    abstract: str = "",
    start_at: datetime | None = None,
    end_at: datetime | None = None,
) -> Talk:
    """A new talk comes last in its session; its own times are optional."""
    if not title.strip():
        raise DomainError(_("This field is required."), field="title")
    _check_talk_times(start_at, end_at)
    talks = _talks_of(db, session)
    _renumber(db, talks)
    talk = Talk(
        session_id=saved_id(session),
        title=title.strip(),
        abstract=abstract,
        position=len(talks) + 1,
        start_at=start_at,
        end_at=end_at,
    )
    _touch(db, session)
    return _save(db, talk)


def update_talk(
    db: DbSession,
    session: Session,
    talk: Talk,
    *,
    title: str,
    abstract: str = "",
    start_at: datetime | None = None,
    end_at: datetime | None = None,
) -> Talk:
    """Editing a talk keeps its place in the session."""
    if not title.strip():
        raise DomainError(_("This field is required."), field="title")
    _check_talk_times(start_at, end_at)
    talk.title, talk.abstract, talk.start_at, talk.end_at = title.strip(), abstract, start_at, end_at
    _touch(db, session)
    return _save(db, talk)


def delete_talk(db: DbSession, session: Session, talk: Talk) -> None:
    """Deleting a talk removes its speaker roles; the talks after it move up."""
    db.delete(talk)  # its roles go with it (ON DELETE CASCADE)
    db.flush()
    _renumber(db, _talks_of(db, session))
    _touch(db, session)
    db.commit()


def move_talk(db: DbSession, session: Session, talk: Talk, direction: MoveDirection) -> list[Talk]:
    """Moves a talk one place up or down in its session; the first cannot go up nor the last down."""
    talks = _talks_of(db, session)
    index = next(i for i, candidate in enumerate(talks) if candidate.id == talk.id)
    other = index - 1 if direction == MoveDirection.up else index + 1
    if 0 <= other < len(talks):
        talks[index], talks[other] = talks[other], talks[index]
    _renumber(db, talks)
    _touch(db, session)
    db.commit()
    return talks


# Speaker roles ----------------------------------------------------------------------------------


def _check_role_target(db: DbSession, session: Session, speaker_id: int, talk_id: int | None) -> None:
    speaker = db.get(Speaker, speaker_id)
    if speaker is None or speaker.event_id != session.event_id:
        raise DomainError(_("Choose one of this event's speakers."), field="speaker_id")
    if talk_id is not None:
        talk = db.get(Talk, talk_id)
        if talk is None or talk.session_id != session.id:
            raise DomainError(_("Choose a talk of this session."), field="talk_id")


def _check_not_already_there(
    db: DbSession, session: Session, speaker_id: int, talk_id: int | None, own_id: int | None
) -> None:
    statement = select(SessionRole.id).where(
        SessionRole.session_id == session.id,
        SessionRole.speaker_id == speaker_id,
        SessionRole.talk_id == talk_id if talk_id is not None else col(SessionRole.talk_id).is_(None),
    )
    existing = db.exec(statement).first()
    if existing is not None and existing != own_id:
        place = _("this talk") if talk_id is not None else _("this session")
        raise DomainError(
            _("This speaker already has a role in {place}.").format(place=place), field="speaker_id"
        )


def add_role(
    db: DbSession,
    session: Session,
    *,
    speaker_id: int,
    role: RoleKind = RoleKind.speaker,
    is_remote: bool = False,
    talk_id: int | None = None,
) -> SessionRole:
    """Puts one of the event's speakers in the session, or in one talk of it, once per place."""
    _check_role_target(db, session, speaker_id, talk_id)
    _check_not_already_there(db, session, speaker_id, talk_id, None)
    last = db.exec(select(func.max(SessionRole.position)).where(SessionRole.session_id == session.id)).one()
    record = SessionRole(
        session_id=saved_id(session),
        talk_id=talk_id,
        speaker_id=speaker_id,
        role=role,
        is_remote=is_remote,
        position=(last or 0) + 1,
    )
    _touch(db, session)
    return _save(db, record)


def add_role_for_new_speaker(
    db: DbSession,
    event: Event,
    session: Session,
    *,
    name: str,
    email: str | None = None,
    role: RoleKind = RoleKind.speaker,
    is_remote: bool = False,
    talk_id: int | None = None,
) -> SessionRole:
    """Creates a speaker from the builder and puts them in the session, both or neither."""
    try:
        check_speaker_email_free(db, event, email, None)
    except DomainError as error:
        raise DomainError(error.message, field="new_speaker_email") from error
    speaker = Speaker(event_id=saved_id(event), name=name, email=email)
    db.add(speaker)
    db.flush()
    try:
        return add_role(
            db, session, speaker_id=saved_id(speaker), role=role, is_remote=is_remote, talk_id=talk_id
        )
    except DomainError:
        db.rollback()
        raise


def update_role(
    db: DbSession,
    session: Session,
    record: SessionRole,
    *,
    speaker_id: int,
    role: RoleKind,
    is_remote: bool,
    talk_id: int | None = None,
) -> SessionRole:
    """Changes who, in what part and from where; the same rules as adding."""
    _check_role_target(db, session, speaker_id, talk_id)
    _check_not_already_there(db, session, speaker_id, talk_id, record.id)
    record.speaker_id, record.role, record.is_remote, record.talk_id = speaker_id, role, is_remote, talk_id
    _touch(db, session)
    return _save(db, record)


def remove_role(db: DbSession, session: Session, record: SessionRole) -> None:
    """Takes a speaker off the session (or talk); the speaker stays in the event."""
    db.delete(record)
    _touch(db, session)
    db.commit()


# ------------------------------------------------------------------------------------------------

Saved = TypeVar("Saved", Room, Track, Session, Talk, SessionRole)


def _save(db: DbSession, record: Saved, *, field: str = "__all__", message: str | None = None) -> Saved:
    db.add(record)
    try:
        db.commit()
    except IntegrityError as error:
        # The unique constraints are the last guard when two organisers save at the same moment.
        db.rollback()
        raise DomainError(
            message or _("This could not be saved; reload the page and try again."), field=field
        ) from error
    db.refresh(record)
    return record
