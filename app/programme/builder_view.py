"""Reads for the organisers' programme builder: the day × room grid and the selected session.

Each function runs a fixed number of queries, whatever the size of the programme.
"""

import math
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import col, select

from app.db import DbSession, saved_id
from app.events.models import Event
from app.programme.conflicts import Conflict
from app.programme.models import Room, Session, SessionRole, Talk, Track
from app.speakers.models import Speaker

SLOT_MINUTES = 15
DEFAULT_FIRST_HOUR = 8
DEFAULT_LAST_HOUR = 18


@dataclass(frozen=True)
class SessionCard:
    session: Session
    track: Track | None
    local_start: datetime
    local_end: datetime
    conflicts: list[Conflict]


@dataclass
class GridCell:
    """A cell of the table spanning `span` slots; overlapping sessions of one room share a cell."""

    room_id: int | None
    first_slot: int
    last_slot: int
    cards: list[SessionCard] = field(default_factory=list)

    @property
    def span(self) -> int:
        return self.last_slot - self.first_slot


@dataclass(frozen=True)
class EmptySlot:
    room_id: int | None
    start: str  # HH:MM, the time a session dropped here would start


@dataclass(frozen=True)
class GridRow:
    label: str  # the time on the hour, otherwise empty
    start: str
    cells: list[GridCell | EmptySlot]  # cells covered by a span above are left out, as in an HTML table


@dataclass(frozen=True)
class BuilderGrid:
    day: date
    days: list[date]
    rooms: list[Room]  # the columns shown
    all_rooms: list[Room]
    rows: list[GridRow]
    session_count: int

    @property
    def hides_rooms(self) -> bool:
        return len(self.rooms) < len(self.all_rooms)


@dataclass(frozen=True)
class RoleLine:
    role: SessionRole
    speaker: Speaker


@dataclass(frozen=True)
class TalkLine:
    talk: Talk
    roles: list[RoleLine]


@dataclass(frozen=True)
class SessionDetail:
    session: Session
    local_day: date
    talks: list[TalkLine]
    session_roles: list[RoleLine]  # roles on the whole session, not on one talk


@dataclass(frozen=True)
class RoomLine:
    room: Room
    session_count: int

    @property
    def item(self) -> Room:
        return self.room


@dataclass(frozen=True)
class TrackLine:
    track: Track
    session_count: int

    @property
    def item(self) -> Track:
        return self.track


@dataclass(frozen=True)
class SpeakerLine:
    speaker: Speaker
    role_count: int


def local_day_bounds(event: Event, day: date) -> tuple[datetime, datetime]:
    """The UTC instants bounding one local day of the event (23 or 25 hours long when clocks change)."""
    tz = ZoneInfo(event.timezone)
    start = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    return start, end


def chosen_day(event: Event, requested: date | None) -> date:
    days = event.days
    return requested if requested in days else days[0]


def session_in_event(db: DbSession, event: Event, session_id: int) -> Session | None:
    session = db.get(Session, session_id)
    return session if session is not None and session.event_id == event.id else None


def rooms_of(db: DbSession, event: Event) -> list[Room]:
    return list(
        db.exec(
            select(Room).where(Room.event_id == event.id).order_by(col(Room.position), col(Room.id))
        ).all()
    )


def tracks_of(db: DbSession, event: Event) -> list[Track]:
    return list(db.exec(select(Track).where(Track.event_id == event.id).order_by(col(Track.name))).all())


def speakers_of(db: DbSession, event: Event) -> list[Speaker]:
    return list(
        db.exec(select(Speaker).where(Speaker.event_id == event.id).order_by(col(Speaker.name))).all()
    )


def _minutes(moment: datetime, day: date) -> int:
    # Wall-clock minutes from the local midnight of `day`; later days count past 24:00.
    return (moment.date() - day).days * 24 * 60 + moment.hour * 60 + moment.minute


def builder_grid(
    db: DbSession,
    event: Event,
    day: date,
    conflicts_by_session: dict[int, list[Conflict]] | None = None,
    *,
    shown_room_ids: Collection[int] = (),
) -> BuilderGrid:
    """Rooms as columns (unassigned sessions last), 15-minute rows, each session spanning its time.

    With `shown_room_ids`, only those rooms are columns (an import can bring 72 rooms); sessions of the
    hidden rooms are left out of the grid, not moved to "Unassigned".
    """
    tz = ZoneInfo(event.timezone)
    all_rooms = rooms_of(db, event)
    rooms = [room for room in all_rooms if room.id in shown_room_ids] or all_rooms
    tracks = {track.id: track for track in tracks_of(db, event)}
    day_start, day_end = local_day_bounds(event, day)
    sessions = db.exec(
        select(Session)
        .where(
            Session.event_id == event.id, col(Session.start_at) >= day_start, col(Session.start_at) < day_end
        )
        .order_by(col(Session.start_at), col(Session.id))
    ).all()
    hidden_room_ids = {room.id for room in all_rooms} - {room.id for room in rooms}
    sessions = [s for s in sessions if s.room_id not in hidden_room_ids]
    marked = conflicts_by_session or {}
    cards = [
        SessionCard(
            session=s,
            track=tracks.get(s.track_id) if s.track_id else None,
            local_start=s.start_at.astimezone(tz),
            local_end=s.end_at.astimezone(tz),
            conflicts=marked.get(saved_id(s), []),
        )
        for s in sessions
    ]
    first_minute = min([DEFAULT_FIRST_HOUR * 60, *(_minutes(c.local_start, day) for c in cards)])
    last_minute = max([DEFAULT_LAST_HOUR * 60, *(_minutes(c.local_end, day) for c in cards)])
    first_slot = (first_minute // 60) * 60 // SLOT_MINUTES
    last_slot = min(math.ceil(last_minute / 60) * 60, 24 * 60) // SLOT_MINUTES
    room_ids = {room.id for room in rooms}
    columns: list[int | None] = [room.id for room in rooms] + [None]
    cells_by_column: dict[int | None, list[GridCell]] = {column: [] for column in columns}
    for card in cards:
        column = card.session.room_id if card.session.room_id in room_ids else None
        start = max(_minutes(card.local_start, day) // SLOT_MINUTES, first_slot)
        end = min(max(math.ceil(_minutes(card.local_end, day) / SLOT_MINUTES), start + 1), last_slot)
        start = min(start, end - 1)
        placed = cells_by_column[column]
        if placed and start < placed[-1].last_slot:
            # Double-booked: show both sessions in one cell rather than breaking the table.
            placed[-1].cards.append(card)
            placed[-1].last_slot = max(placed[-1].last_slot, end)
        else:
            placed.append(GridCell(room_id=column, first_slot=start, last_slot=end, cards=[card]))
    rows = []
    for slot in range(first_slot, last_slot):
        minutes = slot * SLOT_MINUTES
        clock = f"{minutes // 60:02d}:{minutes % 60:02d}"
        row_cells: list[GridCell | EmptySlot] = []
        for column in columns:
            cell = next((c for c in cells_by_column[column] if c.first_slot <= slot < c.last_slot), None)
            if cell is None:
                row_cells.append(EmptySlot(room_id=column, start=clock))
            elif cell.first_slot == slot:
                row_cells.append(cell)
        rows.append(GridRow(label=clock if minutes % 60 == 0 else "", start=clock, cells=row_cells))
    return BuilderGrid(
        day=day,
        days=event.days,
        rooms=rooms,
        all_rooms=all_rooms,
        rows=rows,
        session_count=len(cards),
    )


def session_detail(db: DbSession, event: Event, session: Session) -> SessionDetail:
    """The session with its talks in order and who speaks where, in two queries."""
    talks = db.exec(
        select(Talk).where(Talk.session_id == session.id).order_by(col(Talk.position), col(Talk.id))
    ).all()
    roles = db.exec(
        select(SessionRole, Speaker)
        .join(Speaker, col(Speaker.id) == SessionRole.speaker_id)
        .where(SessionRole.session_id == session.id)
        .order_by(col(SessionRole.position), col(SessionRole.id))
    ).all()
    lines = [RoleLine(role=role, speaker=speaker) for role, speaker in roles]
    return SessionDetail(
        session=session,
        local_day=session.start_at.astimezone(ZoneInfo(event.timezone)).date(),
        talks=[
            TalkLine(talk=talk, roles=[line for line in lines if line.role.talk_id == talk.id])
            for talk in talks
        ],
        session_roles=[line for line in lines if line.role.talk_id is None],
    )


def room_lines(db: DbSession, event: Event) -> list[RoomLine]:
    counts = dict(
        db.exec(
            select(Session.room_id, func.count())
            .where(Session.event_id == event.id, col(Session.room_id).is_not(None))
            .group_by(col(Session.room_id))
        ).all()
    )
    return [RoomLine(room=room, session_count=counts.get(room.id, 0)) for room in rooms_of(db, event)]


def track_lines(db: DbSession, event: Event) -> list[TrackLine]:
    counts = dict(
        db.exec(
            select(Session.track_id, func.count())
            .where(Session.event_id == event.id, col(Session.track_id).is_not(None))
            .group_by(col(Session.track_id))
        ).all()
    )
    return [TrackLine(track=track, session_count=counts.get(track.id, 0)) for track in tracks_of(db, event)]


def speaker_lines(db: DbSession, event: Event) -> list[SpeakerLine]:
    counts = dict(
        db.exec(
            select(SessionRole.speaker_id, func.count())
            .join(Speaker, col(Speaker.id) == SessionRole.speaker_id)
            .where(Speaker.event_id == event.id)
            .group_by(col(SessionRole.speaker_id))
        ).all()
    )
    return [
        SpeakerLine(speaker=speaker, role_count=counts.get(saved_id(speaker), 0))
        for speaker in speakers_of(db, event)
    ]
