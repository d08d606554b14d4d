"""The programme as people read it: days, grid and list, filters and search, session and speaker pages.

Pure functions of a programme's data (app.programme.snapshot) in a display zone and the reader's language:
display strings (times, labels, speaker lists) are computed once here so templates stay cheap.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from babel.dates import format_date

from app.events.models import AttendanceMode, Event
from app.i18n import _, current_locale
from app.programme.models import (
    ROLE_LABELS,
    SESSION_KIND_LABELS,
    RoleKind,
    SessionKind,
    SessionLink,
    session_links,
)
from app.programme.snapshot import (
    ProgrammeData,
    RoleData,
    RoomData,
    SessionData,
    SpeakerData,
    TrackData,
    name_sort_key,
)
from app.timezones import all_timezones

# The grid's time resolution: a row of the CSS grid is five minutes of the day.
GRID_SLOT_MINUTES = 5
MINUTES_PER_DAY = 24 * 60


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
    # The person's guid in the schedule they were imported from.
    speaker_guid: str | None = None


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
    links: tuple[SessionLink, ...] = ()
    attachments: tuple[SessionLink, ...] = ()
    room_guid: str | None = None
    # In a room with a live stream, at a hybrid or online event. The stream's address is never copied
    # into a view: it is for registered online attendees only.
    is_streamed: bool = False

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
    # Sessions of that day passing the filters, when filters are set.
    matches: int | None = None


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


# --- Reads: views of a programme's data, in a display zone and the reader's language ---


def event_rooms(data: ProgrammeData) -> list[RoomData]:
    return list(data.rooms)


def event_tracks(data: ProgrammeData) -> list[TrackData]:
    return list(data.tracks)


def day_bounds(day: date, tz: str) -> tuple[datetime, datetime]:
    """The UTC instants where a calendar day of the zone starts and ends (23 or 25 hours on a DST change)."""
    zone = ZoneInfo(tz)
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return start, end


def programme_days(data: ProgrammeData, event: Event, tz: str) -> list[date]:
    """The event's dates, plus any date a session falls on in the display zone (a far zone can add one)."""
    days = set(event.days)
    if data.sessions:
        zone = ZoneInfo(tz)
        first_day = min(s.start_at for s in data.sessions).astimezone(zone).date()
        last_day = max(s.start_at for s in data.sessions).astimezone(zone).date()
        days.update(first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1))
    return sorted(days)


def programme_day(
    data: ProgrammeData,
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
    days = programme_days(data, event, tz)
    missing_day = day if day is not None and day not in days else None
    if day is None or missing_day is not None:
        day = today if today in days else days[0]
    if missing_day is not None:
        notices.append(
            _("The programme has no day {missing}; showing {shown} instead.").format(
                missing=missing_day.isoformat(), shown=day.isoformat()
            )
        )

    filters = _drop_unknown_filters(filters, data.rooms, data.tracks, notices)
    start, end = day_bounds(day, tz)
    streams = has_streams(event)
    # The whole day is built and filtered here, so "3 of 40 sessions match" needs nothing more.
    day_sessions = _session_views(
        data, (s for s in data.sessions if start <= s.start_at < end), tz, streams=streams
    )
    sessions = (
        [session for session in day_sessions if _passes(session, filters)] if filters.active else day_sessions
    )
    matches = _matches_per_day(data, filters, tz, streams) if filters.active else {}

    grid_rooms, grid_cells, hour_marks, grid_rows = _place_in_grid(sessions, data.rooms)
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
                matches=matches.get(d, 0) if filters.active else None,
            )
            for d in days
        ],
        sessions=sessions,
        time_slots=_time_slots(sessions),
        grid_rooms=grid_rooms,
        grid_cells=grid_cells,
        hour_marks=hour_marks,
        grid_rows=grid_rows,
        rooms=[RoomView(id=r.id, name=r.name, capacity=r.capacity) for r in data.rooms],
        tracks=[TrackView(id=t.id, name=t.name, colour=t.colour) for t in data.tracks],
        filters=filters,
        notices=notices,
        sessions_on_day=len(day_sessions),
    )


def has_streams(event: Event) -> bool:
    """Sessions can be watched online only at a hybrid or online event."""
    return event.attendance_mode in (AttendanceMode.hybrid, AttendanceMode.online)


def _matches_per_day(
    data: ProgrammeData, filters: ProgrammeFilters, tz: str, streams: bool
) -> dict[date, int]:
    """How many sessions pass the filters on each day: a search covers the whole programme."""
    counts: dict[date, int] = defaultdict(int)
    for session in _session_views(data, data.sessions, tz, streams=streams):
        if _passes(session, filters):
            counts[session.day] += 1
    return dict(counts)


def event_sessions(data: ProgrammeData, event: Event, *, day: date | None = None) -> list[SessionView]:
    """All sessions in time order (or one day's, in the event's zone), cancelled ones included."""
    sessions: Iterable[SessionData] = data.sessions
    if day is not None:
        start, end = day_bounds(day, event.timezone)
        sessions = (s for s in data.sessions if start <= s.start_at < end)
    return _session_views(data, sessions, event.timezone)


def session_detail(
    data: ProgrammeData, event: Event, session_id: int, *, tz: str | None = None
) -> SessionDetail | None:
    """One session of this event shown in the event's zone, with its times also in `tz` when that differs."""
    found = data.index.sessions.get(session_id)
    if found is None:
        return None
    (session,) = _session_views(data, [found], event.timezone, streams=has_streams(event))
    viewer_tz = tz if tz and tz != event.timezone else None
    viewer_time_label = None
    if viewer_tz is not None:
        viewer_time_label = _time_range_label(
            session.start_at, session.end_at, ZoneInfo(viewer_tz), with_day=True
        )
    return SessionDetail(session=session, viewer_time_label=viewer_time_label, viewer_tz=viewer_tz)


def event_speakers(data: ProgrammeData) -> list[SpeakerView]:
    """Speakers with at least one role in the programme, by name."""
    return sorted((_speaker_view(s) for s in data.speakers), key=lambda s: (name_sort_key(s.name), s.id))


def speaker_detail(
    data: ProgrammeData, event: Event, speaker_id: int, *, tz: str | None = None
) -> SpeakerDetail | None:
    """A speaker of this programme (only if they have a role) and their sessions, in time order."""
    speaker = data.index.speakers.get(speaker_id)
    session_ids = set(data.index.sessions_of_speaker.get(speaker_id, ()))
    if speaker is None or not session_ids:
        return None
    sessions = _session_views(
        data,
        (s for s in data.sessions if s.id in session_ids),
        tz or event.timezone,
        streams=has_streams(event),
    )
    roles_by_session: dict[int, list[str]] = {}
    for session in sessions:
        labels = [_role_description(role) for role in session.all_roles if role.speaker_id == speaker_id]
        roles_by_session[session.id] = list(dict.fromkeys(labels))
    return SpeakerDetail(speaker=_speaker_view(speaker), sessions=sessions, roles_by_session=roles_by_session)


# --- Building the views ---


def _session_views(
    data: ProgrammeData, sessions: Iterable[SessionData], tz: str, *, streams: bool = False
) -> list[SessionView]:
    zone = ZoneInfo(tz)
    index = data.index
    role_labels = {kind: _(label) for kind, label in ROLE_LABELS.items()}
    kind_labels = {kind: _(label) for kind, label in SESSION_KIND_LABELS.items()}

    def role_view(role: RoleData) -> RoleView:
        speaker = index.speakers[role.speaker_id]
        return RoleView(
            speaker_id=role.speaker_id,
            speaker_name=speaker.name,
            affiliation=speaker.affiliation,
            photo_url=speaker.photo_url,
            role=role.role,
            role_label=role_labels[role.role],
            is_remote=role.is_remote,
            talk_id=role.talk_id,
            speaker_guid=speaker.guid,
        )

    views = []
    for session in sessions:
        talks = tuple(
            TalkView(
                id=talk.id,
                title=talk.title,
                abstract=talk.abstract,
                position=talk.position,
                start_at=talk.start_at,
                end_at=talk.end_at,
                time_label=_time_range_label(talk.start_at, talk.end_at, zone)
                if talk.start_at and talk.end_at
                else "",
                roles=tuple(role_view(role) for role in index.talk_roles.get(talk.id, ())),
            )
            for talk in index.talks_of_session.get(session.id, ())
        )
        roles = tuple(role_view(role) for role in index.session_roles.get(session.id, ()))
        room = index.rooms.get(session.room_id) if session.room_id is not None else None
        track = index.tracks.get(session.track_id) if session.track_id is not None else None
        local_start = session.start_at.astimezone(zone)
        local_end = session.end_at.astimezone(zone)
        start_label = _clock(local_start)
        end_label = _clock(local_end)
        people = dict.fromkeys(role.speaker_name for role in roles)
        for talk in talks:
            people.update(dict.fromkeys(role.speaker_name for role in talk.roles))
        views.append(
            SessionView(
                id=session.id,
                uid=session.uid,
                title=session.title,
                kind=session.kind,
                kind_label=kind_labels[session.kind],
                abstract=session.abstract,
                start_at=session.start_at,
                end_at=session.end_at,
                day=local_start.date(),
                start_label=start_label,
                end_label=end_label,
                time_label=f"{start_label}–{end_label}",
                zone_label=local_start.tzname() or "",
                start_minute=local_start.hour * 60 + local_start.minute,
                end_minute=(local_end.date() - local_start.date()).days * MINUTES_PER_DAY
                + local_end.hour * 60
                + local_end.minute,
                room_id=session.room_id,
                room_name=room.name if room else "",
                track_id=session.track_id,
                track_name=track.name if track else "",
                track_colour=track.colour if track else "",
                is_cancelled=session.is_cancelled,
                seat_limit=session.seat_limit,
                talks=talks,
                roles=roles,
                speakers_label=", ".join(people),
                subtitle=session.subtitle,
                description=session.description,
                language=session.language,
                type_label=session.type_label,
                do_not_record=session.do_not_record,
                do_not_stream=session.do_not_stream,
                recording_license=session.recording_license,
                feedback_url=session.feedback_url,
                logo_url=session.logo_url,
                origin_url=session.origin_url,
                links=session_links(session.links),
                attachments=session_links(session.attachments),
                room_guid=room.guid if room else None,
                is_streamed=streams and room is not None and room.is_streamed and not session.do_not_stream,
            )
        )
    return views


def _place_in_grid(
    sessions: list[SessionView], room_models: Sequence[RoomData]
) -> tuple[list[RoomView], list[GridCell], list[HourMark], int]:
    """Columns are the rooms in use; rows are five-minute slots of wall-clock time.

    Column 1 holds the hour labels and row 1 the room names. A session without a room spans every
    column: in practice these are breaks and plenary moments.
    """
    if not sessions:
        return [], [], [], 0
    used = {s.room_id for s in sessions if s.room_id is not None}
    grid_rooms = [
        RoomView(id=r.id, name=r.name, capacity=r.capacity, grid_column=index + 2)
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
    filters: ProgrammeFilters, rooms: Sequence[RoomData], tracks: Sequence[TrackData], notices: list[str]
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


def _speaker_view(speaker: SpeakerData) -> SpeakerView:
    return SpeakerView(
        id=speaker.id,
        name=speaker.name,
        affiliation=speaker.affiliation,
        bio=speaker.bio,
        photo_url=speaker.photo_url,
    )


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(all_timezones()) | {"UTC"}


def read_display_zone(event: Event, tz: str | None, notices: list[str]) -> str:
    if not tz or tz == event.timezone:
        return event.timezone
    if tz in _known_zones():
        return tz
    notices.append(
        _('"{zone}" is not a time zone we know; times are shown in the event\'s zone, {event_zone}.').format(
            zone=tz, event_zone=event.timezone
        )
    )
    return event.timezone
