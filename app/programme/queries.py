"""Reads of the programme, for the public pages, the builder and the API.

Every read here runs a fixed number of queries whatever the size of the programme: sessions are loaded
with their room and track in one joined query, then their talks and speaker roles in bulk with IN queries.
Display strings (times, labels, speaker lists) are computed once here so templates stay cheap.
"""

import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from sqlalchemy import Row, Select, func
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from app.db import DbSession
from app.events.models import Event
from app.i18n import _, current_locale
from app.programme.models import (
    ROLE_LABELS,
    SESSION_KIND_LABELS,
    RoleKind,
    Room,
    Session,
    SessionKind,
    SessionRole,
    Talk,
    Track,
)
from app.speakers.models import Speaker

# The grid's time resolution: a row of the CSS grid is five minutes of the day.
GRID_SLOT_MINUTES = 5
MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True)
class EventOverview:
    sessions: int
    cancelled: int
    rooms: int
    tracks: int
    speakers: int


def event_overview(db: DbSession, event: Event) -> EventOverview:
    def count(statement: object) -> int:
        return int(db.exec(statement).one())  # type: ignore[call-overload]

    return EventOverview(
        sessions=count(select(func.count()).select_from(Session).where(Session.event_id == event.id)),
        cancelled=count(
            select(func.count())
            .select_from(Session)
            .where(Session.event_id == event.id, col(Session.is_cancelled).is_(True))
        ),
        rooms=count(select(func.count()).select_from(Room).where(Room.event_id == event.id)),
        tracks=count(select(func.count()).select_from(Track).where(Track.event_id == event.id)),
        speakers=count(select(func.count()).select_from(Speaker).where(Speaker.event_id == event.id)),
    )


# --- View dataclasses: what the public pages and the API show. Speakers' emails are never copied in. ---


@dataclass(frozen=True, slots=True)
class RoleView:
    speaker_id: int
    speaker_name: str
    affiliation: str
    photo_url: str | None
    role: RoleKind
    role_label: str
    is_remote: bool
    talk_id: int | None


@dataclass(frozen=True, slots=True)
class TalkView:
    id: int
    title: str
    abstract: str
    position: int
    start_at: datetime | None
    end_at: datetime | None
    time_label: str
    roles: tuple[RoleView, ...]


@dataclass(frozen=True, slots=True)
class SessionView:
    id: int
    uid: str
    title: str
    kind: SessionKind
    kind_label: str
    abstract: str
    start_at: datetime
    end_at: datetime
    # Wall-clock values in the display zone, precomputed for the templates.
    day: date
    start_label: str
    end_label: str
    time_label: str
    zone_label: str
    # Minutes from local midnight of `day`; the end may pass 1440 when the session ends on a later day.
    start_minute: int
    end_minute: int
    room_id: int | None
    room_name: str
    track_id: int | None
    track_name: str
    track_colour: str
    is_cancelled: bool
    seat_limit: int | None
    talks: tuple[TalkView, ...]
    # Roles held for the whole session (talk roles are inside `talks`).
    roles: tuple[RoleView, ...]
    # Everyone on stage, session roles first, each person once: "Ada Lovelace, Alan Turing".
    speakers_label: str

    @property
    def all_roles(self) -> tuple[RoleView, ...]:
        return self.roles + tuple(role for talk in self.talks for role in talk.roles)


@dataclass(frozen=True, slots=True)
class RoomView:
    id: int
    name: str
    capacity: int | None
    grid_column: int = 0


@dataclass(frozen=True, slots=True)
class TrackView:
    id: int
    name: str
    colour: str


@dataclass(frozen=True, slots=True)
class DayTab:
    day: date
    label: str
    short_label: str
    is_current: bool


@dataclass(frozen=True, slots=True)
class HourMark:
    label: str
    grid_row: int


@dataclass(frozen=True, slots=True)
class GridCell:
    """Where a session's card sits in the grid; `css` holds the placement classes of programme.css."""

    session: SessionView
    column: int
    row_start: int
    row_end: int
    css: str


@dataclass(frozen=True, slots=True)
class TimeSlot:
    """Sessions starting at the same time, for the list view."""

    start_label: str
    sessions: tuple[SessionView, ...]


@dataclass(frozen=True)
class ProgrammeFilters:
    track_id: int | None = None
    room_id: int | None = None
    kind: SessionKind | None = None
    q: str = ""

    @property
    def active(self) -> bool:
        return bool(self.track_id or self.room_id or self.kind or self.q)


@dataclass(frozen=True)
class ProgrammeView:
    event: Event
    tz: str
    day: date | None
    days: list[DayTab]
    sessions: list[SessionView]
    time_slots: list[TimeSlot]
    # The grid's columns: rooms with a session among those shown, in the organiser's order.
    grid_rooms: list[RoomView]
    grid_cells: list[GridCell]
    hour_marks: list[HourMark]
    grid_rows: int
    rooms: list[RoomView]
    tracks: list[TrackView]
    filters: ProgrammeFilters
    notices: list[str] = field(default_factory=list)
    sessions_on_day: int = 0


@dataclass(frozen=True, slots=True)
class SpeakerView:
    id: int
    name: str
    affiliation: str
    bio: str
    photo_url: str | None


@dataclass(frozen=True)
class SpeakerDetail:
    speaker: SpeakerView
    sessions: list[SessionView]
    # The speaker's own roles per session id, e.g. {12: ["Speaker (remote)"]}.
    roles_by_session: dict[int, list[str]]


@dataclass(frozen=True)
class SessionDetail:
    session: SessionView
    # The same times in the viewer's zone, when they asked for one other than the event's.
    viewer_time_label: str | None
    viewer_tz: str | None


# --- Reads ---


def event_rooms(db: DbSession, event: Event) -> list[Room]:
    return list(
        db.exec(
            select(Room).where(Room.event_id == event.id).order_by(col(Room.position), col(Room.name))
        ).all()
    )


def event_tracks(db: DbSession, event: Event) -> list[Track]:
    return list(db.exec(select(Track).where(Track.event_id == event.id).order_by(col(Track.name))).all())


def day_bounds(day: date, tz: str) -> tuple[datetime, datetime]:
    """The UTC instants where a calendar day of the zone starts and ends (23 or 25 hours on a DST change)."""
    zone = ZoneInfo(tz)
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return start, end


def programme_days(db: DbSession, event: Event, tz: str) -> list[date]:
    """The event's dates, plus any date a session falls on in the display zone (a far zone can add one)."""
    first, last = db.exec(
        select(func.min(Session.start_at), func.max(Session.start_at)).where(Session.event_id == event.id)
    ).one()
    days = set(event.days)
    if first is not None and last is not None:
        # SQLite gives back naive UTC for aggregates, which skip the column type.
        first_day = _as_utc(first).astimezone(ZoneInfo(tz)).date()
        last_day = _as_utc(last).astimezone(ZoneInfo(tz)).date()
        days.update(first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1))
    return sorted(days)


def programme_day(
    db: DbSession,
    event: Event,
    day: date | None,
    filters: ProgrammeFilters,
    *,
    tz: str | None = None,
    today: date | None = None,
) -> ProgrammeView:
    """One day of the public programme in the display zone; a day without sessions shows an empty grid."""
    tz = tz or event.timezone
    notices: list[str] = []
    days = programme_days(db, event, tz)
    missing_day = day if day is not None and day not in days else None
    if day is None or missing_day is not None:
        day = today if today in days else days[0]
    if missing_day is not None:
        notices.append(
            _("The programme has no day {missing}; showing {shown} instead.").format(
                missing=missing_day.isoformat(), shown=day.isoformat()
            )
        )

    room_models = event_rooms(db, event)
    track_models = event_tracks(db, event)
    filters = _drop_unknown_filters(filters, room_models, track_models, notices)

    start, end = day_bounds(day, tz)
    statement = _sessions_statement(event).where(col(Session.start_at) >= start, col(Session.start_at) < end)
    # The whole day is loaded and filtered here, so "3 of 40 sessions match" can be said with no extra query.
    day_sessions = _load_session_views(db, list(db.execute(statement).all()), tz, statement)
    sessions = (
        [session for session in day_sessions if _passes(session, filters)] if filters.active else day_sessions
    )
    sessions_on_day = len(day_sessions)

    grid_rooms, grid_cells, hour_marks, grid_rows = _place_in_grid(sessions, room_models)
    locale = current_locale.get()
    return ProgrammeView(
        event=event,
        tz=tz,
        day=day,
        days=[
            DayTab(
                day=d,
                label=format_date(d, "EEEE d MMMM", locale=locale),
                short_label=format_date(d, "EEE d MMM", locale=locale),
                is_current=d == day,
            )
            for d in days
        ],
        sessions=sessions,
        time_slots=_time_slots(sessions),
        grid_rooms=grid_rooms,
        grid_cells=grid_cells,
        hour_marks=hour_marks,
        grid_rows=grid_rows,
        rooms=[RoomView(id=_id(r.id), name=r.name, capacity=r.capacity) for r in room_models],
        tracks=[TrackView(id=_id(t.id), name=t.name, colour=t.colour) for t in track_models],
        filters=filters,
        notices=notices,
        sessions_on_day=sessions_on_day,
    )


def event_sessions(db: DbSession, event: Event, *, day: date | None = None) -> list[SessionView]:
    """All sessions in time order (or one day's, in the event's zone), cancelled ones included."""
    statement = _sessions_statement(event)
    if day is not None:
        start, end = day_bounds(day, event.timezone)
        statement = statement.where(col(Session.start_at) >= start, col(Session.start_at) < end)
    return _load_session_views(db, list(db.execute(statement).all()), event.timezone, statement)


def session_detail(
    db: DbSession, event: Event, session_id: int, *, tz: str | None = None
) -> SessionDetail | None:
    """One session of this event shown in the event's zone, with its times also in `tz` when that differs."""
    row = db.execute(_sessions_statement(event).where(Session.id == session_id)).first()
    if row is None:
        return None
    (session,) = _load_session_views(db, [row], event.timezone)
    viewer_tz = tz if tz and tz != event.timezone else None
    viewer_time_label = None
    if viewer_tz is not None:
        viewer_time_label = _time_range_label(
            session.start_at, session.end_at, ZoneInfo(viewer_tz), with_day=True
        )
    return SessionDetail(session=session, viewer_time_label=viewer_time_label, viewer_tz=viewer_tz)


def event_speakers(db: DbSession, event: Event) -> list[SpeakerView]:
    """Speakers with at least one role in the programme, by name."""
    with_role = select(SessionRole.speaker_id).join(Session, col(Session.id) == SessionRole.session_id)
    speakers = db.exec(
        select(Speaker).where(
            Speaker.event_id == event.id,
            col(Speaker.id).in_(with_role.where(Session.event_id == event.id)),
        )
    ).all()
    return sorted((_speaker_view(s) for s in speakers), key=lambda s: (name_sort_key(s.name), s.id))


def speaker_detail(
    db: DbSession, event: Event, speaker_id: int, *, tz: str | None = None
) -> SpeakerDetail | None:
    """A speaker of this event (only if they have a role) and their sessions, in time order."""
    speaker = db.exec(select(Speaker).where(Speaker.id == speaker_id, Speaker.event_id == event.id)).first()
    if speaker is None:
        return None
    session_ids = select(SessionRole.session_id).where(SessionRole.speaker_id == speaker_id)
    rows = list(db.execute(_sessions_statement(event).where(col(Session.id).in_(session_ids))).all())
    if not rows:
        return None
    sessions = _load_session_views(db, rows, tz or event.timezone)
    roles_by_session: dict[int, list[str]] = {}
    for session in sessions:
        labels = [_role_description(role) for role in session.all_roles if role.speaker_id == speaker_id]
        roles_by_session[session.id] = list(dict.fromkeys(labels))
    return SpeakerDetail(speaker=_speaker_view(speaker), sessions=sessions, roles_by_session=roles_by_session)


# --- Building the views ---

# Plain columns, not ORM entities: building hundreds of model instances costs more than the query.
_SESSION_COLUMNS = (
    Session.id,
    Session.uid,
    Session.title,
    Session.kind,
    Session.abstract,
    Session.start_at,
    Session.end_at,
    Session.room_id,
    Session.track_id,
    Session.is_cancelled,
    Session.seat_limit,
    col(Room.name).label("room_name"),
    col(Track.name).label("track_name"),
    col(Track.colour).label("track_colour"),
)
_SessionRow = Row[Any]


def _sessions_statement(event: Event) -> Select[Any]:
    return (
        sa_select(*_SESSION_COLUMNS)
        .outerjoin(Room, col(Room.id) == Session.room_id)
        .outerjoin(Track, col(Track.id) == Session.track_id)
        .where(col(Session.event_id) == event.id)
        .order_by(col(Session.start_at), col(Room.position), col(Room.name), col(Session.id))
    )


def _load_session_views(
    db: DbSession, rows: Sequence[_SessionRow], tz: str, sessions_query: Select[Any] | None = None
) -> list[SessionView]:
    """Two bulk queries (talks, then roles with their speakers) for any number of sessions.

    With `sessions_query` (the statement that gave `rows`), talks and roles are selected by that
    statement as a subquery rather than by a list of hundreds of bound ids.
    """
    session_ids: Any = (
        sessions_query.with_only_columns(Session.id).order_by(None)
        if sessions_query is not None
        else [row[0] for row in rows]
    )
    talk_rows = db.execute(
        sa_select(
            Talk.id, Talk.session_id, Talk.title, Talk.abstract, Talk.position, Talk.start_at, Talk.end_at
        )
        .where(col(Talk.session_id).in_(session_ids))
        .order_by(col(Talk.position), col(Talk.start_at), col(Talk.id))
    ).all()

    role_labels = {kind: _(label) for kind, label in ROLE_LABELS.items()}
    session_roles: dict[int, list[RoleView]] = defaultdict(list)
    talk_roles: dict[int, list[RoleView]] = defaultdict(list)
    # Only the public columns of the speaker are selected: the email never leaves the database here.
    role_rows = db.execute(
        sa_select(
            SessionRole.session_id,
            SessionRole.talk_id,
            SessionRole.speaker_id,
            SessionRole.role,
            SessionRole.is_remote,
            Speaker.name,
            Speaker.affiliation,
            Speaker.photo_url,
        )
        .join(Speaker, col(Speaker.id) == SessionRole.speaker_id)
        .where(col(SessionRole.session_id).in_(session_ids))
        .order_by(col(SessionRole.position), col(SessionRole.id))
    ).all()
    for session_id, talk_id, speaker_id, role, is_remote, name, affiliation, photo_url in role_rows:
        view = RoleView(
            speaker_id=speaker_id,
            speaker_name=name,
            affiliation=affiliation,
            photo_url=photo_url,
            role=role,
            role_label=role_labels[role],
            is_remote=is_remote,
            talk_id=talk_id,
        )
        (talk_roles[talk_id] if talk_id is not None else session_roles[session_id]).append(view)

    zone = ZoneInfo(tz)
    talks_by_session: dict[int, list[TalkView]] = defaultdict(list)
    for talk_id, talk_session_id, title, abstract, position, start_at, end_at in talk_rows:
        talks_by_session[talk_session_id].append(
            TalkView(
                id=talk_id,
                title=title,
                abstract=abstract,
                position=position,
                start_at=start_at,
                end_at=end_at,
                time_label=_time_range_label(start_at, end_at, zone) if start_at and end_at else "",
                roles=tuple(talk_roles.get(talk_id, ())),
            )
        )

    kind_labels = {kind: _(label) for kind, label in SESSION_KIND_LABELS.items()}
    views = []
    for (
        session_id,
        uid,
        title,
        kind,
        abstract,
        start_at,
        end_at,
        room_id,
        track_id,
        is_cancelled,
        seat_limit,
        room_name,
        track_name,
        track_colour,
    ) in rows:
        talks = tuple(talks_by_session.get(session_id, ()))
        roles = tuple(session_roles.get(session_id, ()))
        local_start = start_at.astimezone(zone)
        local_end = end_at.astimezone(zone)
        start_label = _clock(local_start)
        end_label = _clock(local_end)
        people = dict.fromkeys(role.speaker_name for role in roles)
        for talk in talks:
            people.update(dict.fromkeys(role.speaker_name for role in talk.roles))
        views.append(
            SessionView(
                id=session_id,
                uid=uid,
                title=title,
                kind=kind,
                kind_label=kind_labels[kind],
                abstract=abstract,
                start_at=start_at,
                end_at=end_at,
                day=local_start.date(),
                start_label=start_label,
                end_label=end_label,
                time_label=f"{start_label}–{end_label}",
                zone_label=local_start.tzname() or "",
                start_minute=local_start.hour * 60 + local_start.minute,
                end_minute=(local_end.date() - local_start.date()).days * MINUTES_PER_DAY
                + local_end.hour * 60
                + local_end.minute,
                room_id=room_id,
                room_name=room_name or "",
                track_id=track_id,
                track_name=track_name or "",
                track_colour=track_colour or "",
                is_cancelled=is_cancelled,
                seat_limit=seat_limit,
                talks=talks,
                roles=roles,
                speakers_label=", ".join(people),
            )
        )
    return views


def _place_in_grid(
    sessions: list[SessionView], room_models: list[Room]
) -> tuple[list[RoomView], list[GridCell], list[HourMark], int]:
    """Columns are the rooms in use; rows are five-minute slots of wall-clock time.

    Column 1 holds the hour labels and row 1 the room names. A session without a room spans every
    column: in practice these are breaks and plenary moments.
    """
    if not sessions:
        return [], [], [], 0
    used = {s.room_id for s in sessions if s.room_id is not None}
    grid_rooms = [
        RoomView(id=_id(r.id), name=r.name, capacity=r.capacity, grid_column=index + 2)
        for index, r in enumerate(r for r in room_models if r.id in used)
    ]
    column_of = {room.id: room.grid_column for room in grid_rooms}
    all_rooms = f"pc-2 pw-{max(len(grid_rooms), 1)} all-rooms"

    # Clip at midnight so a card that ends on a later day stays on this one.
    spans = [(s.start_minute, min(max(s.end_minute, s.start_minute + 1), MINUTES_PER_DAY)) for s in sessions]
    first_hour = min(start for start, _end in spans) // 60
    last_hour = -(-max(end for _start, end in spans) // 60)
    origin = first_hour * 60

    def row(minute: int) -> int:
        return (minute - origin) // GRID_SLOT_MINUTES + 2

    cells = []
    for session, (start, end) in zip(sessions, spans, strict=True):
        column = column_of.get(session.room_id, 0) if session.room_id is not None else 0
        row_start = row(start)
        row_end = max(row(end + GRID_SLOT_MINUTES - 1), row_start + 1)
        placement = f"pc-{column}" if column else all_rooms
        cells.append(
            GridCell(session, column, row_start, row_end, f"ps-{row_start} pe-{row_end} {placement}")
        )
    hour_marks = [
        HourMark(label=f"{hour:02d}:00", grid_row=row(hour * 60)) for hour in range(first_hour, last_hour)
    ]
    return grid_rooms, cells, hour_marks, row(last_hour * 60) - 2


def _time_slots(sessions: Iterable[SessionView]) -> list[TimeSlot]:
    grouped: dict[str, list[SessionView]] = {}
    for session in sessions:
        grouped.setdefault(session.start_label, []).append(session)
    return [TimeSlot(start_label=label, sessions=tuple(group)) for label, group in grouped.items()]


def _passes(session: SessionView, filters: ProgrammeFilters) -> bool:
    if filters.track_id is not None and session.track_id != filters.track_id:
        return False
    if filters.room_id is not None and session.room_id != filters.room_id:
        return False
    if filters.kind is not None and session.kind != filters.kind:
        return False
    return not filters.q or _matches(session, filters.q)


def _matches(session: SessionView, q: str) -> bool:
    needle = q.casefold()
    if needle in session.title.casefold():
        return True
    if any(needle in talk.title.casefold() for talk in session.talks):
        return True
    return any(needle in role.speaker_name.casefold() for role in session.all_roles)


def _drop_unknown_filters(
    filters: ProgrammeFilters, rooms: list[Room], tracks: list[Track], notices: list[str]
) -> ProgrammeFilters:
    track_id, room_id = filters.track_id, filters.room_id
    if track_id is not None and track_id not in {t.id for t in tracks}:
        notices.append(_("That track is not part of this event; showing all tracks."))
        track_id = None
    if room_id is not None and room_id not in {r.id for r in rooms}:
        notices.append(_("That room is not part of this event; showing all rooms."))
        room_id = None
    return ProgrammeFilters(track_id=track_id, room_id=room_id, kind=filters.kind, q=filters.q)


def _clock(moment: datetime) -> str:
    # strftime is several times slower, and a big day formats hundreds of these.
    return f"{moment.hour:02d}:{moment.minute:02d}"


def _time_range_label(start: datetime, end: datetime, zone: ZoneInfo, *, with_day: bool = False) -> str:
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    label = f"{_clock(local_start)}–{_clock(local_end)}"
    if with_day:
        day = format_date(local_start.date(), "EEE d MMM y", locale=current_locale.get())
        label = f"{day}, {label} {local_start:%Z}"
    return label


def _role_description(role: RoleView) -> str:
    if role.is_remote:
        return _("{role} (remote)").format(role=role.role_label)
    return role.role_label


def _speaker_view(speaker: Speaker) -> SpeakerView:
    return SpeakerView(
        id=_id(speaker.id),
        name=speaker.name,
        affiliation=speaker.affiliation,
        bio=speaker.bio,
        photo_url=speaker.photo_url,
    )


def name_sort_key(name: str) -> str:
    """Alphabetical as readers expect: "Émilie" sorts with "Emilie", not after "Zoe"."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _id(value: int | None) -> int:
    # Rows read from the database always have their primary key.
    assert value is not None  # noqa: S101
    return value
