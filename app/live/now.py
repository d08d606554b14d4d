"""What is on now and next in each room, from the published programme and a clock.

A plain function of the programme's data, the event and the moment, so that tests move the clock
instead of waiting, and the pages, the JSON and the room screens all say the same thing.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from app.events.models import Event
from app.programme.snapshot import ProgrammeData, RoomData, SessionData, TalkData
from app.timezones import in_zone


class Phase(StrEnum):
    # Before the first session.
    before = "before"
    # From the first session's start to the last one's end (breaks and nights included).
    running = "running"
    # After the last session.
    ended = "ended"


@dataclass(frozen=True)
class Slot:
    """A session as the now page shows it: its talk running now, and minutes left or to wait."""

    session: SessionData
    talk: TalkData | None = None
    minutes_left: int | None = None
    starts_in: int | None = None
    # The programme's times when the room runs late (None: on time), shown struck through.
    scheduled: tuple[datetime, datetime] | None = None


@dataclass(frozen=True)
class RoomNow:
    room: RoomData | None  # None: sessions without a room (breaks for everyone)
    current: Slot | None
    next: Slot | None
    # The room's other sessions of the day (in the zone shown), after the next one: for room screens.
    later_today: tuple[SessionData, ...] = ()
    # Minutes late, as the stage manager said (0: on time).
    delay: int = 0


@dataclass(frozen=True)
class NowAndNext:
    phase: Phase
    now: datetime
    zone: str
    starts_at: datetime | None
    ends_at: datetime | None
    rooms: tuple[RoomNow, ...]

    @property
    def is_event_day(self) -> bool:
        """Whether the moment falls on one of the event's days (banner on the event and programme pages)."""
        return self.phase == Phase.running or (
            self.starts_at is not None
            and self.ends_at is not None
            and in_zone(self.starts_at, self.zone).date()
            <= in_zone(self.now, self.zone).date()
            <= in_zone(self.ends_at, self.zone).date()
        )

    @property
    def on_now(self) -> list[tuple[RoomData | None, Slot]]:
        return [(room.room, room.current) for room in self.rooms if room.current is not None]

    def room(self, room_id: int) -> RoomNow | None:
        return next((line for line in self.rooms if line.room is not None and line.room.id == room_id), None)


def _minutes(span: timedelta) -> int:
    # "1 minute left" until the last second; a session starting in 30 s starts "in 1 minute".
    return max(0, math.ceil(span.total_seconds() / 60))


def _talk_now(talks: list[TalkData], now: datetime) -> TalkData | None:
    return next(
        (
            talk
            for talk in sorted(talks, key=lambda t: t.position)
            if talk.start_at is not None and talk.end_at is not None and talk.start_at <= now < talk.end_at
        ),
        None,
    )


def _day_of(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def now_and_next(
    data: ProgrammeData,
    event: Event,
    now: datetime,
    zone: str | None = None,
    *,
    scheduled: Mapping[int, tuple[datetime, datetime]] | None = None,
    room_delays: Mapping[int, int] | None = None,
) -> NowAndNext:
    """Each room's session on now (with its talk running now and the minutes left) and its next one,
    cancelled sessions left out; "today" is the viewer's day in `zone` (the event's by default).

    `data` may be the programme as the day goes (app.live.running_late): `scheduled` then names the
    programme's times of the sessions moved, and `room_delays` the rooms running late."""
    scheduled = scheduled or {}
    room_delays = room_delays or {}
    shown_zone = zone or event.timezone
    tz = ZoneInfo(shown_zone)
    sessions = sorted(
        (session for session in data.sessions if not session.is_cancelled),
        key=lambda s: (s.start_at, s.end_at, s.id),
    )
    starts_at = sessions[0].start_at if sessions else None
    ends_at = max((session.end_at for session in sessions), default=None)
    if starts_at is None or now < starts_at:
        phase = Phase.before
    elif ends_at is not None and now >= ends_at:
        phase = Phase.ended
    else:
        phase = Phase.running
    index = data.index
    by_room: dict[int | None, list[SessionData]] = {}
    for session in sessions:
        by_room.setdefault(session.room_id, []).append(session)
    rooms = sorted(data.rooms, key=lambda room: (room.position, room.name))
    today = _day_of(now, tz)
    lines = []
    for room in [*rooms, None]:
        room_sessions = by_room.get(room.id if room is not None else None, [])
        if room is None and not room_sessions:
            continue
        current = next((s for s in room_sessions if s.start_at <= now < s.end_at), None)
        upcoming = [s for s in room_sessions if s.start_at > now]
        following = upcoming[0] if upcoming else None
        lines.append(
            RoomNow(
                room=room,
                current=Slot(
                    current,
                    talk=_talk_now(index.talks_of_session.get(current.id, []), now),
                    minutes_left=_minutes(current.end_at - now),
                    scheduled=scheduled.get(current.id),
                )
                if current is not None
                else None,
                next=Slot(
                    following,
                    starts_in=_minutes(following.start_at - now),
                    scheduled=scheduled.get(following.id),
                )
                if following
                else None,
                later_today=tuple(s for s in upcoming[1:] if _day_of(s.start_at, tz) == today),
                delay=room_delays.get(room.id, 0) if room is not None else 0,
            )
        )
    return NowAndNext(phase, now, shown_zone, starts_at, ends_at, tuple(lines))
