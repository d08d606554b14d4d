"""Programme conflicts shown to organisers in the builder. They warn; they never block a change.

Cancelled sessions never conflict. The rules:
- a room is double-booked when two sessions in it overlap;
- a speaker is in two places at once when two different sessions (or talks with their own times) of
  that speaker overlap, in this event or in any other (the same person is matched by lower-cased email);
- a talk with its own times must lie within its session;
- a session must lie within the event's dates, in the event's time zone;
- a remote speaker's slot must not fall at night in the speaker's own time zone. Night is before 07:00
  or after 22:00 local time: a slot starting before 07:00, or ending after 22:00 (or on a later day),
  is at night.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from itertools import combinations
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import col, select

from app.db import DbSession, saved_id
from app.errors import DomainError
from app.events.models import Event
from app.i18n import _, ngettext
from app.programme.models import Room, Session, SessionRole, Talk
from app.speakers.models import Speaker
from app.timezones import CLOCK, format_local, zone_or_none

NIGHT_ENDS = time(7, 0)
NIGHT_STARTS = time(22, 0)


class ConflictKind(StrEnum):
    room_double_booked = "room_double_booked"
    speaker_double_booked = "speaker_double_booked"
    talk_outside_session = "talk_outside_session"
    session_outside_event = "session_outside_event"
    remote_speaker_at_night = "remote_speaker_at_night"


@dataclass(frozen=True)
class Conflict:
    kind: ConflictKind
    message: str
    session_ids: tuple[int, ...]
    speaker_id: int | None = None


@dataclass(frozen=True)
class SpeakerSlot:
    """One place a person is expected at: a role in a session, or in a talk with its own times."""

    speaker_id: int
    speaker_name: str
    person: str  # lower-cased email, or the speaker id when there is no email
    speaker_timezone: str | None
    is_remote: bool
    session_id: int
    title: str
    start_at: datetime
    end_at: datetime
    event_title: str | None = None  # set for slots in other events


def _person_key(speaker: Speaker) -> str:
    return speaker.email.strip().lower() if speaker.email else f"speaker:{speaker.id}"


def _overlap(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    return a_start < b_end and b_start < a_end


def is_at_night(start_at: datetime, end_at: datetime, tz: ZoneInfo) -> bool:
    """True when any part of the slot falls before 07:00 or after 22:00 in the time zone `tz`."""
    local_start, local_end = start_at.astimezone(tz), end_at.astimezone(tz)
    night_starts = datetime.combine(local_start.date(), NIGHT_STARTS, tzinfo=tz)
    return local_start.time() < NIGHT_ENDS or local_end > night_starts


# Rules: pure functions over loaded records, so tests and other callers need no queries ----------


def room_conflicts(event: Event, sessions: list[Session], rooms: dict[int, Room]) -> list[Conflict]:
    by_room: dict[int, list[Session]] = defaultdict(list)
    for session in sessions:
        if session.room_id is not None and not session.is_cancelled:
            by_room[session.room_id].append(session)
    conflicts = []
    for room_id, in_room in by_room.items():
        in_room.sort(key=lambda s: (s.start_at, s.id))
        for first, second in combinations(in_room, 2):
            if not _overlap(first.start_at, first.end_at, second.start_at, second.end_at):
                continue
            message = _("{room} is booked twice: “{first}” and “{second}” overlap on {when}.").format(
                room=rooms[room_id].name,
                first=first.title,
                second=second.title,
                when=format_local(second.start_at, event.timezone, "EEE d MMM, HH:mm"),
            )
            conflicts.append(
                Conflict(ConflictKind.room_double_booked, message, (saved_id(first), saved_id(second)))
            )
    return conflicts


def speaker_conflicts(event: Event, slots: list[SpeakerSlot], elsewhere: list[SpeakerSlot]) -> list[Conflict]:
    """Two slots of one person clash when they overlap and are in different sessions."""
    by_person: dict[str, list[SpeakerSlot]] = defaultdict(list)
    for slot in slots:
        by_person[slot.person].append(slot)
    conflicts: list[Conflict] = []
    seen: set[tuple[int, int, str]] = set()
    for person_slots in by_person.values():
        person_slots.sort(key=lambda s: (s.start_at, s.session_id))
        for first, second in combinations(person_slots, 2):
            pair = (
                min(first.session_id, second.session_id),
                max(first.session_id, second.session_id),
                first.person,
            )
            if first.session_id == second.session_id or pair in seen:
                continue
            if _overlap(first.start_at, first.end_at, second.start_at, second.end_at):
                seen.add(pair)
                message = _(
                    "{speaker} is in two places at once: “{first}” and “{second}” overlap on {when}."
                ).format(
                    speaker=first.speaker_name,
                    first=first.title,
                    second=second.title,
                    when=format_local(second.start_at, event.timezone, "EEE d MMM, HH:mm"),
                )
                conflicts.append(
                    Conflict(
                        ConflictKind.speaker_double_booked,
                        message,
                        (first.session_id, second.session_id),
                        first.speaker_id,
                    )
                )
    for slot in slots:
        for other in elsewhere:
            if other.person != slot.person or not _overlap(
                slot.start_at, slot.end_at, other.start_at, other.end_at
            ):
                continue
            pair = (slot.session_id, -other.session_id, slot.person)
            if pair in seen:
                continue
            seen.add(pair)
            message = _(
                "{speaker} is in two places at once: “{title}” overlaps “{other}” at {event} on {when}."
            ).format(
                speaker=slot.speaker_name,
                title=slot.title,
                other=other.title,
                event=other.event_title,
                when=format_local(other.start_at, event.timezone, "EEE d MMM, HH:mm"),
            )
            conflicts.append(
                Conflict(ConflictKind.speaker_double_booked, message, (slot.session_id,), slot.speaker_id)
            )
    return conflicts


def talk_conflicts(sessions: dict[int, Session], talks: list[Talk]) -> list[Conflict]:
    conflicts = []
    for talk in talks:
        session = sessions.get(talk.session_id)
        if session is None or session.is_cancelled or talk.start_at is None or talk.end_at is None:
            continue
        if talk.start_at < session.start_at or talk.end_at > session.end_at:
            message = _("The talk “{talk}” is outside the times of its session “{session}”.").format(
                talk=talk.title, session=session.title
            )
            conflicts.append(Conflict(ConflictKind.talk_outside_session, message, (saved_id(session),)))
    return conflicts


def event_date_conflicts(event: Event, sessions: list[Session]) -> list[Conflict]:
    tz = ZoneInfo(event.timezone)
    conflicts = []
    for session in sessions:
        if session.is_cancelled:
            continue
        first_day = session.start_at.astimezone(tz).date()
        # A session ending at midnight ends on the day before, not the day after.
        last_day = (session.end_at - timedelta(microseconds=1)).astimezone(tz).date()
        if first_day < event.start_date or last_day > event.end_date:
            message = _("“{session}” ({when}) is outside the event's dates.").format(
                session=session.title, when=format_local(session.start_at, event.timezone, "EEE d MMM, HH:mm")
            )
            conflicts.append(Conflict(ConflictKind.session_outside_event, message, (saved_id(session),)))
    return conflicts


def night_conflicts(slots: list[SpeakerSlot]) -> list[Conflict]:
    conflicts = []
    for slot in slots:
        tz = zone_or_none(slot.speaker_timezone)
        if not slot.is_remote or tz is None or not is_at_night(slot.start_at, slot.end_at, tz):
            continue
        message = _(
            "{speaker} presents “{title}” remotely at night in their time zone: {start}–{end} in {zone}."
        ).format(
            speaker=slot.speaker_name,
            title=slot.title,
            start=format_local(slot.start_at, tz, CLOCK),
            end=format_local(slot.end_at, tz, CLOCK),
            zone=slot.speaker_timezone,
        )
        conflicts.append(
            Conflict(ConflictKind.remote_speaker_at_night, message, (slot.session_id,), slot.speaker_id)
        )
    return conflicts


# Loading ----------------------------------------------------------------------------------------


def _slot(
    role: SessionRole, speaker: Speaker, session: Session, talk: Talk | None, event_title: str | None = None
) -> SpeakerSlot:
    # A role on a talk with its own times is at the talk's times; otherwise at the session's.
    if talk is not None and talk.start_at is not None and talk.end_at is not None:
        start_at, end_at = talk.start_at, talk.end_at
    else:
        start_at, end_at = session.start_at, session.end_at
    return SpeakerSlot(
        speaker_id=saved_id(speaker),
        speaker_name=speaker.name,
        person=_person_key(speaker),
        speaker_timezone=speaker.timezone,
        is_remote=role.is_remote,
        session_id=saved_id(session),
        title=talk.title if talk is not None else session.title,
        start_at=start_at,
        end_at=end_at,
        event_title=event_title,
    )


def _slots_elsewhere(db: DbSession, event: Event, slots: list[SpeakerSlot]) -> list[SpeakerSlot]:
    emails = sorted({slot.person for slot in slots if not slot.person.startswith("speaker:")})
    if not emails:
        return []
    earliest = min(slot.start_at for slot in slots)
    latest = max(slot.end_at for slot in slots)
    statement = (
        # SQLModel's select() is typed for at most four entities; five work the same.
        select(SessionRole, Speaker, Session, Talk, Event)  # type: ignore[call-overload]
        .join(Speaker, col(Speaker.id) == SessionRole.speaker_id)
        .join(Session, col(Session.id) == SessionRole.session_id)
        .join(Event, col(Event.id) == Session.event_id)
        .outerjoin(Talk, col(Talk.id) == SessionRole.talk_id)
        .where(
            Session.event_id != event.id,
            col(Session.is_cancelled).is_(False),
            func.lower(col(Speaker.email)).in_(emails),
            col(Session.start_at) < latest,
            col(Session.end_at) > earliest,
        )
    )
    return [
        _slot(role, speaker, session, talk, other_event.title)
        for role, speaker, session, talk, other_event in db.exec(statement).all()
    ]


class OpenConflicts(DomainError):
    """Releasing or publishing a programme with conflicts needs the organiser's confirmation."""

    def __init__(self, conflicts: list[Conflict]) -> None:
        super().__init__(
            ngettext(
                "The programme has {num} open conflict: confirm that the public may see it as it is.",
                "The programme has {num} open conflicts: confirm that the public may see it as it is.",
                len(conflicts),
            ).format(num=len(conflicts)),
            field="confirm_conflicts",
        )
        self.conflicts = conflicts


def programme_conflicts(db: DbSession, event: Event) -> list[Conflict]:
    """Every conflict of the event's programme, in five queries whatever its size."""
    sessions = list(
        db.exec(select(Session).where(Session.event_id == event.id).order_by(col(Session.start_at))).all()
    )
    active = [session for session in sessions if not session.is_cancelled]
    rooms = {saved_id(room): room for room in db.exec(select(Room).where(Room.event_id == event.id)).all()}
    talks = list(
        db.exec(
            select(Talk).join(Session, col(Session.id) == Talk.session_id).where(Session.event_id == event.id)
        ).all()
    )
    by_id = {saved_id(session): session for session in sessions}
    talks_by_id = {talk.id: talk for talk in talks}
    roles = db.exec(
        select(SessionRole, Speaker)
        .join(Speaker, col(Speaker.id) == SessionRole.speaker_id)
        .join(Session, col(Session.id) == SessionRole.session_id)
        .where(Session.event_id == event.id)
    ).all()
    slots = [
        _slot(role, speaker, by_id[role.session_id], talks_by_id.get(role.talk_id) if role.talk_id else None)
        for role, speaker in roles
        if not by_id[role.session_id].is_cancelled
    ]
    elsewhere = _slots_elsewhere(db, event, slots) if slots else []
    return [
        *room_conflicts(event, active, rooms),
        *speaker_conflicts(event, slots, elsewhere),
        *talk_conflicts(by_id, talks),
        *event_date_conflicts(event, active),
        *night_conflicts(slots),
    ]


def conflicts_by_session(conflicts: list[Conflict]) -> dict[int, list[Conflict]]:
    """For marking session cards in the grid."""
    marked: dict[int, list[Conflict]] = defaultdict(list)
    for conflict in conflicts:
        for session_id in conflict.session_ids:
            marked[session_id].append(conflict)
    return dict(marked)
