"""Rooms running late: what stage managers say on the day ("room B runs 10 minutes late", "this session
started now", "it ended now") turned into each session's expected times, for the now page, the room
screens and the session pages. Live state, not a programme release; it resets at the end of each day.

The state is the day's adjustments in order (app.live.models.LiveAdjustment), which are also the log
the organisers read. `adjusted_programme` is a plain function of the programme and the adjustments.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from app.db import DbSession
from app.errors import InvalidInput, NotFound
from app.events.models import Event
from app.i18n import _
from app.live.models import AdjustmentKind, LiveAdjustment, StageLink
from app.live.now import NowAndNext, now_and_next
from app.programme.releases import ProgrammeDataCache, published_programme
from app.programme.snapshot import ProgrammeData, SessionData
from app.security import RevocableLink, TokenExpired, TokenInvalid

# A delay is said in whole minutes, up to half a day either way.
LONGEST_DELAY = 12 * 60
STAGE_LINK = RevocableLink(purpose="stage-link", id_key="s", label="stage")
# Stage links are given for an event's days; a year is long enough for any event to be over.
STAGE_LINK_MAX_AGE = 366 * 24 * 3600


@dataclass
class _RoomDay:
    delay: int = 0
    delay_from: datetime | None = None
    started: dict[int, datetime] = field(default_factory=dict)
    ended: dict[int, datetime] = field(default_factory=dict)


@dataclass(frozen=True)
class AdjustedProgramme:
    """The programme with each session at its expected time, and the scheduled times of those moved."""

    data: ProgrammeData
    scheduled: dict[int, tuple[datetime, datetime]]
    # Minutes late per room now (rooms on time are left out).
    room_delays: dict[int, int]


def _minutes(span: timedelta) -> int:
    return round(span.total_seconds() / 60)


def _local_day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def _room_days(
    sessions: dict[int, SessionData], adjustments: Sequence[LiveAdjustment], zone: ZoneInfo
) -> dict[tuple[int, date], _RoomDay]:
    """Each room's state per day, from that day's adjustments in the order they were made."""
    days: dict[tuple[int, date], _RoomDay] = {}
    by_room: dict[int, list[SessionData]] = {}
    adjusted_rooms = {adjustment.room_id for adjustment in adjustments}
    for in_order in sorted(sessions.values(), key=lambda s: s.start_at):
        if in_order.room_id in adjusted_rooms:
            by_room.setdefault(in_order.room_id or 0, []).append(in_order)
    for adjustment in sorted(adjustments, key=lambda a: (a.happened_at, a.id or 0)):
        state = days.setdefault((adjustment.room_id, _local_day(adjustment.happened_at, zone)), _RoomDay())
        at = adjustment.happened_at
        session = sessions.get(adjustment.session_id) if adjustment.session_id is not None else None
        if adjustment.kind == AdjustmentKind.delay:
            state.delay, state.delay_from = adjustment.minutes or 0, at
        elif adjustment.kind == AdjustmentKind.started and session is not None:
            state.started[session.id] = at
            # The sessions after it follow; one that started early moves nobody earlier.
            state.delay, state.delay_from = max(0, _minutes(at - session.start_at)), at
        elif adjustment.kind == AdjustmentKind.ended and session is not None:
            state.ended[session.id] = at
            following = next(
                (s for s in by_room.get(session.room_id or 0, []) if s.start_at >= session.end_at), None
            )
            overrun = _minutes(at - following.start_at) if following is not None else 0
            state.delay, state.delay_from = max(0, overrun), at
    return days


def _expected(session: SessionData, state: _RoomDay) -> tuple[datetime, datetime]:
    length = session.end_at - session.start_at
    if session.id in state.started:
        start = state.started[session.id]
        end = state.ended.get(session.id, start + length)
        return start, end
    delay = timedelta(minutes=state.delay)
    applies = state.delay_from is not None and session.end_at > state.delay_from
    start, end = session.start_at, session.end_at
    if applies and session.start_at >= state.delay_from:  # type: ignore[operator]
        start, end = start + delay, end + delay
    elif applies:
        end = end + delay  # on already: it runs over
    if session.id in state.ended:
        end = state.ended[session.id]
    return start, end


def _moved(
    data: ProgrammeData, adjustments: Sequence[LiveAdjustment], event: Event
) -> tuple[dict[int, tuple[datetime, datetime]], dict[tuple[int, date], _RoomDay]]:
    """The expected (start, end) of each session the day's adjustments move, and the rooms' states."""
    zone = ZoneInfo(event.timezone)
    sessions = data.index.sessions
    days = _room_days(sessions, adjustments, zone)
    moved: dict[int, tuple[datetime, datetime]] = {}
    for session in sessions.values():
        state = days.get((session.room_id or 0, _local_day(session.start_at, zone)))
        if state is None or session.room_id is None:
            continue
        expected = _expected(session, state)
        if expected != (session.start_at, session.end_at):
            moved[session.id] = expected
    return moved, days


def adjusted_programme(
    data: ProgrammeData, adjustments: Sequence[LiveAdjustment], event: Event, now: datetime
) -> AdjustedProgramme:
    """The programme as the day goes: only each day's adjustments move that day's sessions; the rooms'
    delays are those of `now`'s day (in the event's zone)."""
    if not adjustments:
        return AdjustedProgramme(data, {}, {})
    moved, days = _moved(data, adjustments, event)
    sessions = tuple(
        replace(session, start_at=moved[session.id][0], end_at=moved[session.id][1])
        if session.id in moved
        else session
        for session in data.sessions
    )
    index = data.index.sessions
    scheduled = {session_id: (index[session_id].start_at, index[session_id].end_at) for session_id in moved}
    today = _local_day(now, ZoneInfo(event.timezone))
    delays = {room: state.delay for (room, day), state in days.items() if day == today and state.delay}
    return AdjustedProgramme(replace(data, sessions=sessions), scheduled, delays)


def live_board(
    data: ProgrammeData, event: Event, adjustments: Sequence[LiveAdjustment], now: datetime, zone: str
) -> NowAndNext:
    """Now and next with the rooms' running-late state applied."""
    adjusted = adjusted_programme(data, adjustments, event, now)
    return now_and_next(
        adjusted.data, event, now, zone, scheduled=adjusted.scheduled, room_delays=adjusted.room_delays
    )


# The database's side ---------------------------------------------------------------------------------


def adjustments_of(db: DbSession, event: Event) -> list[LiveAdjustment]:
    return list(
        db.exec(
            select(LiveAdjustment)
            .where(LiveAdjustment.event_id == event.id)
            .order_by(col(LiveAdjustment.happened_at), col(LiveAdjustment.id))
        ).all()
    )


def expected_times(
    db: DbSession, event: Event, cache: ProgrammeDataCache | None = None
) -> dict[int, tuple[datetime, datetime]]:
    """The expected start and end of every session moved by a room running late (none moved: empty)."""
    adjustments = adjustments_of(db, event)
    if not adjustments:
        return {}
    # Asked per join and per attendee page: the moved sessions only, not a whole adjusted programme.
    return _moved(published_programme(db, event, cache).data, adjustments, event)[0]


def expected_start(
    db: DbSession, event: Event, session_id: int, cache: ProgrammeDataCache | None = None
) -> datetime | None:
    """The session's expected start when its room runs late (None: it keeps its time)."""
    expected = expected_times(db, event, cache).get(session_id)
    return expected[0] if expected is not None else None


def record_adjustment(
    db: DbSession,
    event: Event,
    room_id: int,
    kind: AdjustmentKind,
    *,
    now: datetime,
    made_by: str,
    minutes: int | None = None,
    session: SessionData | None = None,
) -> LiveAdjustment:
    """Saves what the stage manager said (commits); a delay outside ±12 hours, or a session of another
    room, is refused."""
    if kind == AdjustmentKind.delay and (minutes is None or abs(minutes) > LONGEST_DELAY):
        raise InvalidInput(_("Give the delay in minutes, up to 720."), field="minutes")
    if kind != AdjustmentKind.delay and (session is None or session.room_id != room_id):
        raise InvalidInput(_("Choose a session of this room."), field="session_id")
    adjustment = LiveAdjustment(
        event_id=event.id or 0,
        room_id=room_id,
        session_id=session.id if session is not None else None,
        kind=kind,
        minutes=minutes if kind == AdjustmentKind.delay else None,
        happened_at=now,
        made_by=made_by,
    )
    db.add(adjustment)
    db.commit()
    db.refresh(adjustment)
    return adjustment


def create_stage_link(db: DbSession, event: Event, room_id: int | None, label: str) -> StageLink:
    link = StageLink(event_id=event.id or 0, room_id=room_id, label=label.strip() or _("Stage"))
    db.add(link)
    db.commit()
    db.refresh(link)
    return link


def revoke_stage_link(db: DbSession, link: StageLink, now: datetime) -> None:
    link.revoked_at = now
    db.add(link)
    db.commit()


def stage_links_of(db: DbSession, event: Event) -> list[StageLink]:
    return list(
        db.exec(select(StageLink).where(StageLink.event_id == event.id).order_by(col(StageLink.id))).all()
    )


def stage_token(secret_key: str, link: StageLink) -> str:
    return STAGE_LINK.sign(secret_key, link.id or 0, link.secret)


def stage_link_from_token(db: DbSession, secret_key: str, token: str) -> StageLink:
    """The link a stage manager opened; NotFound for a forged, altered or revoked one."""
    try:
        link_id, digest = STAGE_LINK.read(secret_key, token, STAGE_LINK_MAX_AGE)
    except (TokenExpired, TokenInvalid) as error:
        raise NotFound(_("This stage link does not work. Ask the organisers for a new one.")) from error
    link = db.get(StageLink, link_id)
    if link is None or link.revoked_at is not None or not STAGE_LINK.matches(link.secret, digest):
        raise NotFound(_("This stage link was revoked. Ask the organisers for a new one."))
    return link
