"""Next year's edition: a copy of an event with its rooms, tracks, speakers and programme, moved in time."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypeVar, overload
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from app.accounts.models import User
from app.db import DbSession, saved_id
from app.errors import DomainError
from app.events.models import Event, EventOrganiser
from app.events.service import SlugTaken, slug_is_free
from app.programme.models import Room, Session, SessionRole, Talk, Track
from app.speakers.models import Speaker


def next_edition_suggestion(event: Event) -> dict[str, str]:
    """Same weekday a year later, and the year in slug and title moved on when they carry one."""
    start = event.start_date + timedelta(weeks=52)
    old_year, new_year = str(event.start_date.year), str(start.year)
    return {
        "slug": event.slug.replace(old_year, new_year)
        if old_year in event.slug
        else f"{event.slug}-{new_year}",
        "title": event.title.replace(old_year, new_year),
        "start_date": start.isoformat(),
    }


@dataclass(frozen=True)
class CloneChoices:
    """What the next edition takes over; everything unless the organiser unticks it.

    Sessions copied without the rooms or tracks keep their times but lose their room or track (they are
    unassigned in the builder); sessions copied without the speakers have no speakers.
    """

    rooms: bool = True
    tracks: bool = True
    sessions: bool = True
    speakers: bool = True
    registration: bool = True  # copied by app.registration.editions, which stands above programme


# More to copy in the same transaction (source, copy, days between the two starts): the registration
# settings, which live above programme.
CopyStep = Callable[[DbSession, Event, Event, int], None]


@overload
def _shift(moment: datetime, days: int, tz: ZoneInfo) -> datetime: ...
@overload
def _shift(moment: None, days: int, tz: ZoneInfo) -> None: ...
@overload
def _shift(moment: datetime | None, days: int, tz: ZoneInfo) -> datetime | None: ...
def _shift(moment: datetime | None, days: int, tz: ZoneInfo) -> datetime | None:
    # Keep the wall-clock time in the event's zone, so 09:00 stays 09:00 across daylight-saving changes.
    if moment is None:
        return None
    local = moment.astimezone(tz).replace(tzinfo=None) + timedelta(days=days)
    return local.replace(tzinfo=tz).astimezone(moment.tzinfo)


def clone_event(
    db: DbSession,
    source: Event,
    slug: str,
    title: str,
    start_date: date,
    creator: User,
    choices: CloneChoices = CloneChoices(),  # noqa: B008 - frozen, so one shared default is safe
    copy_more: Sequence[CopyStep] = (),
) -> Event:
    """The copy is a draft on the new dates; sessions keep their local times and get new calendar UIDs."""
    if not slug_is_free(db, slug):
        raise SlugTaken()
    offset = (start_date - source.start_date).days
    clone = Event(
        slug=slug,
        title=title,
        kind=source.kind,
        start_date=start_date,
        end_date=source.end_date + timedelta(days=offset),
        timezone=source.timezone,
        venue=source.venue,
        attendance_mode=source.attendance_mode,
        visibility=source.visibility,
        description=source.description,
        is_published=False,
    )
    db.add(clone)
    db.flush()
    if clone.id is None:
        raise DomainError("the copy could not be saved")
    db.add(EventOrganiser(event_id=clone.id, user_id=saved_id(creator)))

    rooms = _copy_all(db, Room, source.id, clone.id) if choices.rooms else {}
    tracks = _copy_all(db, Track, source.id, clone.id) if choices.tracks else {}
    speakers = _copy_all(db, Speaker, source.id, clone.id) if choices.speakers else {}
    db.flush()

    if choices.sessions:
        _copy_sessions(db, source, clone, offset, rooms, tracks, speakers)
    for step in copy_more:
        step(db, source, clone, offset)
    db.commit()
    db.refresh(clone)
    return clone


def _copy_sessions(
    db: DbSession,
    source: Event,
    clone: Event,
    offset: int,
    rooms: dict[int, Room],
    tracks: dict[int, Track],
    speakers: dict[int, Speaker],
) -> None:
    tz = ZoneInfo(source.timezone)
    sessions = db.exec(select(Session).where(Session.event_id == source.id)).all()
    session_ids = [s.id for s in sessions]
    talks = db.exec(select(Talk).where(col(Talk.session_id).in_(session_ids))).all() if session_ids else []
    roles = (
        db.exec(select(SessionRole).where(col(SessionRole.session_id).in_(session_ids))).all()
        if session_ids and speakers
        else []
    )

    new_sessions: dict[int, Session] = {}
    for old in sessions:
        start_at = _shift(old.start_at, offset, tz)
        end_at = _shift(old.end_at, offset, tz)
        if start_at is not None and end_at is not None and end_at <= start_at:
            # A session across the hour that happens twice (02:30 summer time to 02:30 winter time) has
            # no wall-clock length: it keeps its real one.
            end_at = start_at + (old.end_at - old.start_at)
        new = Session(
            event_id=saved_id(clone),
            title=old.title,
            kind=old.kind,
            start_at=start_at,
            end_at=end_at,
            # Rooms and tracks left behind leave the session unassigned.
            room_id=rooms[old.room_id].id if old.room_id in rooms else None,
            track_id=tracks[old.track_id].id if old.track_id in tracks else None,
            abstract=old.abstract,
            seat_limit=old.seat_limit,
            is_cancelled=False,
            # What an import kept goes along, but not the addresses of the old edition's own pages.
            subtitle=old.subtitle,
            description=old.description,
            language=old.language,
            type_label=old.type_label,
            do_not_record=old.do_not_record,
            do_not_stream=old.do_not_stream,
            recording_license=old.recording_license,
            logo_url=old.logo_url,
            links=old.links,
            attachments=old.attachments,
        )
        db.add(new)
        new_sessions[saved_id(old)] = new
    db.flush()

    new_talks: dict[int, Talk] = {}
    for old_talk in talks:
        new_talk = Talk(
            session_id=saved_id(new_sessions[old_talk.session_id]),
            title=old_talk.title,
            abstract=old_talk.abstract,
            position=old_talk.position,
            start_at=_shift(old_talk.start_at, offset, tz),
            end_at=_shift(old_talk.end_at, offset, tz),
        )
        db.add(new_talk)
        new_talks[saved_id(old_talk)] = new_talk
    db.flush()

    for role in roles:
        db.add(
            SessionRole(
                session_id=saved_id(new_sessions[role.session_id]),
                talk_id=new_talks[role.talk_id].id if role.talk_id else None,
                speaker_id=saved_id(speakers[role.speaker_id]),
                role=role.role,
                is_remote=role.is_remote,
                position=role.position,
            )
        )


Record = TypeVar("Record", Room, Track, Speaker)


def _copy_all(
    db: DbSession, model: type[Record], source_event_id: int | None, clone_event_id: int
) -> dict[int, Record]:
    copies: dict[int, Record] = {}
    for original in db.exec(select(model).where(model.event_id == source_event_id)).all():
        values = original.model_dump(exclude={"id", "event_id", "created_at", "portal_secret"})
        copy = model(**values, event_id=clone_event_id)
        db.add(copy)
        copies[saved_id(original)] = copy
    return copies
