"""The programme's data: what a release freezes, and what every public view, export and the API is built from.

Plain values only (no models, no translated labels), so that a released version is stored as JSON and read
back the same (`programme_to_json`, `programme_from_json`), and the views are pure functions of it.
`load_programme` reads the draft in a fixed number of queries whatever the programme's size.
"""

import json
import unicodedata
from collections import defaultdict
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import select as sa_select
from sqlmodel import col

from app.db import DbSession
from app.events.models import Event
from app.programme.models import (
    RoleKind,
    Room,
    Session,
    SessionKind,
    SessionRole,
    Talk,
    Track,
)
from app.speakers.models import Speaker

# --- The programme's data: what a release freezes, and what every public view is built from ---
#
# Plain values only (no models, no translated labels), so a released version can be stored as JSON
# and read back the same, and the views below are pure functions of it.

if TYPE_CHECKING:
    from _typeshed import DataclassInstance


@dataclass(frozen=True, slots=True)
class RoomData:
    id: int
    name: str
    capacity: int | None
    position: int
    guid: str | None = None
    # Whether the room has a stream; its address stays out of the programme's data (and releases).
    is_streamed: bool = False


@dataclass(frozen=True, slots=True)
class TrackData:
    id: int
    name: str
    colour: str


@dataclass(frozen=True, slots=True)
class SpeakerData:
    id: int
    name: str
    affiliation: str
    bio: str
    photo_url: str | None
    guid: str | None = None


@dataclass(frozen=True, slots=True)
class SessionData:
    id: int
    uid: str
    title: str
    kind: SessionKind
    abstract: str
    start_at: datetime
    end_at: datetime
    room_id: int | None
    track_id: int | None
    is_cancelled: bool
    seat_limit: int | None
    created_at: datetime
    updated_at: datetime
    # Raised by each release that changes what calendars show of the session (RFC 5545 SEQUENCE).
    sequence: int = 0
    subtitle: str = ""
    description: str = ""
    language: str = ""
    type_label: str = ""
    do_not_record: bool = False
    do_not_stream: bool = False
    recording_license: str = ""
    feedback_url: str = ""
    logo_url: str = ""
    origin_url: str = ""
    # JSON, as stored (app.programme.models.session_links reads it).
    links: str = "[]"
    attachments: str = "[]"


@dataclass(frozen=True, slots=True)
class TalkData:
    id: int
    session_id: int
    title: str
    abstract: str
    position: int
    start_at: datetime | None
    end_at: datetime | None


@dataclass(frozen=True, slots=True)
class RoleData:
    session_id: int
    talk_id: int | None
    speaker_id: int
    role: RoleKind
    is_remote: bool


@dataclass(frozen=True, slots=True)
class WithdrawnSession:
    """A session of an earlier release that is gone from the programme; feeds keep it, cancelled."""

    uid: str
    title: str
    start_at: datetime
    end_at: datetime
    created_at: datetime
    withdrawn_at: datetime
    sequence: int


@dataclass(frozen=True)
class ProgrammeData:
    """A whole programme: the live one, read from the tables, or a released version, read from its JSON."""

    rooms: tuple[RoomData, ...]
    tracks: tuple[TrackData, ...]
    # Only speakers with a role in the programme: nobody else is public.
    speakers: tuple[SpeakerData, ...]
    # In programme order: start, then the room's position and name.
    sessions: tuple[SessionData, ...]
    talks: tuple[TalkData, ...]
    roles: tuple[RoleData, ...]
    withdrawn: tuple[WithdrawnSession, ...] = ()
    index: "ProgrammeIndex" = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", ProgrammeIndex.of(self))


@dataclass(frozen=True)
class ProgrammeIndex:
    sessions: dict[int, SessionData]
    rooms: dict[int, RoomData]
    tracks: dict[int, TrackData]
    speakers: dict[int, SpeakerData]
    talks_of_session: dict[int, list[TalkData]]
    session_roles: dict[int, list[RoleData]]
    talk_roles: dict[int, list[RoleData]]
    sessions_of_speaker: dict[int, list[int]]

    @classmethod
    def of(cls, data: ProgrammeData) -> "ProgrammeIndex":
        talks_of_session: dict[int, list[TalkData]] = defaultdict(list)
        for talk in data.talks:
            talks_of_session[talk.session_id].append(talk)
        session_roles: dict[int, list[RoleData]] = defaultdict(list)
        talk_roles: dict[int, list[RoleData]] = defaultdict(list)
        sessions_of_speaker: dict[int, list[int]] = defaultdict(list)
        for role in data.roles:
            (talk_roles[role.talk_id] if role.talk_id is not None else session_roles[role.session_id]).append(
                role
            )
            if role.session_id not in sessions_of_speaker[role.speaker_id]:
                sessions_of_speaker[role.speaker_id].append(role.session_id)
        return cls(
            sessions={session.id: session for session in data.sessions},
            rooms={room.id: room for room in data.rooms},
            tracks={track.id: track for track in data.tracks},
            speakers={speaker.id: speaker for speaker in data.speakers},
            talks_of_session=dict(talks_of_session),
            session_roles=dict(session_roles),
            talk_roles=dict(talk_roles),
            sessions_of_speaker=dict(sessions_of_speaker),
        )


# Columns read after the fixed ones, passed to SessionData by name.
# SQLModel types these attributes as their Python values; here they are the columns themselves.
_SESSION_EXTRAS: tuple[Any, ...] = (
    Session.subtitle,
    Session.description,
    Session.language,
    Session.type_label,
    Session.do_not_record,
    Session.do_not_stream,
    Session.recording_license,
    Session.feedback_url,
    Session.logo_url,
    Session.origin_url,
    Session.links,
    Session.attachments,
)
_SESSION_EXTRA_NAMES = tuple(column.key for column in _SESSION_EXTRAS)


def load_programme(db: DbSession, event: Event) -> ProgrammeData:
    """The live programme, as organisers are editing it: six queries whatever its size."""
    rooms = db.execute(
        sa_select(
            col(Room.id),
            col(Room.name),
            col(Room.capacity),
            col(Room.position),
            col(Room.guid),
            col(Room.stream_url),
        )
        .where(col(Room.event_id) == event.id)
        .order_by(col(Room.position), col(Room.name))
    ).all()
    tracks = db.execute(
        sa_select(col(Track.id), col(Track.name), col(Track.colour))
        .where(col(Track.event_id) == event.id)
        .order_by(col(Track.name))
    ).all()
    event_session_ids = sa_select(col(Session.id)).where(col(Session.event_id) == event.id)
    sessions = db.execute(
        sa_select(
            col(Session.id),
            col(Session.uid),
            col(Session.title),
            col(Session.kind),
            col(Session.abstract),
            col(Session.start_at),
            col(Session.end_at),
            col(Session.room_id),
            col(Session.track_id),
            col(Session.is_cancelled),
            col(Session.seat_limit),
            col(Session.created_at),
            col(Session.updated_at),
            *_SESSION_EXTRAS,
        )
        .outerjoin(Room, col(Room.id) == Session.room_id)
        .where(col(Session.event_id) == event.id)
        .order_by(col(Session.start_at), col(Room.position), col(Room.name), col(Session.id))
    ).all()
    talks = db.execute(
        sa_select(
            col(Talk.id),
            col(Talk.session_id),
            col(Talk.title),
            col(Talk.abstract),
            col(Talk.position),
            col(Talk.start_at),
            col(Talk.end_at),
        )
        .where(col(Talk.session_id).in_(event_session_ids))
        .order_by(col(Talk.position), col(Talk.start_at), col(Talk.id))
    ).all()
    roles = db.execute(
        sa_select(
            col(SessionRole.session_id),
            col(SessionRole.talk_id),
            col(SessionRole.speaker_id),
            col(SessionRole.role),
            col(SessionRole.is_remote),
        )
        .where(col(SessionRole.session_id).in_(event_session_ids))
        .order_by(col(SessionRole.position), col(SessionRole.id))
    ).all()
    # Only the public columns: a speaker's email never enters the programme's data.
    speakers = db.execute(
        sa_select(
            col(Speaker.id),
            col(Speaker.name),
            col(Speaker.affiliation),
            col(Speaker.bio),
            col(Speaker.photo_url),
            col(Speaker.guid),
        ).where(
            col(Speaker.event_id) == event.id,
            col(Speaker.id).in_(
                sa_select(col(SessionRole.speaker_id)).where(
                    col(SessionRole.session_id).in_(event_session_ids)
                )
            ),
        )
    ).all()
    return ProgrammeData(
        # mypy takes a starred slice of a row for any number of values (the counts here are right).
        rooms=tuple(RoomData(*row[:5], is_streamed=bool(row[5])) for row in rooms),  # type: ignore[misc]
        tracks=tuple(TrackData(*row) for row in tracks),
        speakers=tuple(SpeakerData(*row) for row in speakers),
        sessions=tuple(
            SessionData(  # type: ignore[call-arg]
                *row[:5],
                _as_utc(row[5]),
                _as_utc(row[6]),
                *row[7:11],
                _as_utc(row[11]),
                _as_utc(row[12]),
                **dict(zip(_SESSION_EXTRA_NAMES, row[13:], strict=True)),
            )
            for row in sessions
        ),
        talks=tuple(
            TalkData(*row[:5], _as_utc(row[5]) if row[5] else None, _as_utc(row[6]) if row[6] else None)  # type: ignore[call-arg]
            for row in talks
        ),
        roles=tuple(RoleData(*row) for row in roles),
    )


def name_sort_key(name: str) -> str:
    """Alphabetical as readers expect: "Émilie" sorts with "Emilie", not after "Zoe"."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# --- Storage: plain JSON, read back into the same dataclasses ---

_Record = TypeVar("_Record", bound="DataclassInstance")
_PARTS: dict[str, type] = {
    "rooms": RoomData,
    "tracks": TrackData,
    "speakers": SpeakerData,
    "sessions": SessionData,
    "talks": TalkData,
    "roles": RoleData,
    "withdrawn": WithdrawnSession,
}
# Read back as enums: the views look labels up by them.
_ENUMS: dict[str, type[StrEnum]] = {"kind": SessionKind, "role": RoleKind}


def programme_to_json(data: ProgrammeData) -> str:
    return json.dumps(
        {part: [plain_record(record) for record in getattr(data, part)] for part in _PARTS},
        ensure_ascii=False,
        separators=(",", ":"),
    )


def programme_from_json(text: str) -> ProgrammeData:
    stored = json.loads(text)
    parts: dict[str, tuple[Any, ...]] = {
        part: tuple(record_from(kind, item) for item in stored.get(part, ())) for part, kind in _PARTS.items()
    }
    return ProgrammeData(**parts)


def plain_record(record: "DataclassInstance") -> dict[str, object]:
    return {
        name: value.isoformat() if isinstance(value, datetime) else value
        for name, value in asdict(record).items()
    }


def record_from(
    kind: type[_Record], item: dict[str, Any], enums: dict[str, type[StrEnum]] | None = None
) -> _Record:
    """A dataclass read back from its JSON form: moments parsed, enum fields (by name) made enums again."""
    enums = _ENUMS if enums is None else enums
    values: dict[str, Any] = {}
    for spec in fields(kind):
        if not spec.init or spec.name not in item:
            continue
        value = item[spec.name]
        if spec.name.endswith("_at") and isinstance(value, str):
            value = datetime.fromisoformat(value)
        elif spec.name in enums:
            value = enums[spec.name](value)
        values[spec.name] = value
    return kind(**values)
