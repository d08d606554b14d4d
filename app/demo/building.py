"""A small writer for hand-written programmes: wall-clock times in the event's zone, names instead of ids.

Only the demo events use it; the synthetic generator inserts in bulk instead.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.db import DbSession
from app.events.models import Event
from app.programme.models import RoleKind, Room, Session, SessionKind, SessionRole, Talk, Track
from app.speakers.models import Speaker


@dataclass(frozen=True)
class Role:
    """A person on a session or talk, named as in the programme (the speaker must be declared first)."""

    name: str
    kind: RoleKind = RoleKind.speaker
    is_remote: bool = False


@dataclass(frozen=True)
class Part:
    """A talk inside a session, with its own wall-clock times ("09:40") in the event's zone."""

    title: str
    start: str
    end: str
    roles: Sequence[Role] = ()
    abstract: str = ""


@dataclass
class ProgrammeWriter:
    db: DbSession
    event: Event
    rooms: dict[str, Room] = field(default_factory=dict)
    tracks: dict[str, Track] = field(default_factory=dict)
    speakers: dict[str, Speaker] = field(default_factory=dict)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.event.timezone)

    def moment(self, day: int, clock: str) -> datetime:
        """The UTC instant of `clock` ("HH:MM") on day `day` (0-based), read in the event's zone."""
        local_day = self.event.start_date + timedelta(days=day)
        local = datetime.combine(local_day, time.fromisoformat(clock), tzinfo=self.zone)
        return local.astimezone(ZoneInfo("UTC"))

    def room(self, name: str, *, capacity: int | None = None, stream_url: str | None = None) -> Room:
        room = Room(
            event_id=self.event_id,
            name=name,
            capacity=capacity,
            stream_url=stream_url,
            position=len(self.rooms),
        )
        self.db.add(room)
        self.rooms[name] = room
        return room

    def track(self, name: str, colour: str) -> Track:
        track = Track(event_id=self.event_id, name=name, colour=colour)
        self.db.add(track)
        self.tracks[name] = track
        return track

    def speaker(
        self,
        name: str,
        affiliation: str,
        *,
        email: str | None = None,
        timezone: str | None = None,
        bio: str = "",
    ) -> Speaker:
        speaker = Speaker(
            event_id=self.event_id,
            name=name,
            affiliation=affiliation,
            email=email,
            timezone=timezone,
            bio=bio,
        )
        self.db.add(speaker)
        self.speakers[name] = speaker
        return speaker

    @property
    def event_id(self) -> int:
        if self.event.id is None:
            self.db.add(self.event)
            self.db.flush()
        return _key(self.event.id)

    def session(
        self,
        day: int,
        start: str,
        end: str,
        title: str,
        kind: SessionKind,
        room: str,
        *,
        track: str | None = None,
        abstract: str = "",
        seat_limit: int | None = None,
        roles: Sequence[Role] = (),
        talks: Sequence[Part] = (),
    ) -> Session:
        # Rooms, tracks and speakers declared so far get their ids here, in one flush.
        self.db.flush()
        session = Session(
            event_id=self.event_id,
            title=title,
            kind=kind,
            start_at=self.moment(day, start),
            end_at=self.moment(day, end),
            room_id=self.rooms[room].id,
            track_id=self.tracks[track].id if track else None,
            abstract=abstract,
            seat_limit=seat_limit,
        )
        self.db.add(session)
        self.db.flush()
        session_id = _key(session.id)
        self._add_roles(session_id, None, roles)
        for position, part in enumerate(talks):
            talk = Talk(
                session_id=session_id,
                title=part.title,
                abstract=part.abstract,
                position=position,
                start_at=self.moment(day, part.start),
                end_at=self.moment(day, part.end),
            )
            self.db.add(talk)
            self.db.flush()
            self._add_roles(session_id, talk.id, part.roles)
        return session

    def _add_roles(self, session_id: int, talk_id: int | None, roles: Sequence[Role]) -> None:
        for position, role in enumerate(roles):
            speaker = self.speakers[role.name]
            self.db.add(
                SessionRole(
                    session_id=session_id,
                    talk_id=talk_id,
                    speaker_id=_key(speaker.id),
                    role=role.kind,
                    is_remote=role.is_remote,
                    position=position,
                )
            )


def _key(primary_key: int | None) -> int:
    if primary_key is None:
        raise RuntimeError("a demo record was used before the database gave it a key")
    return primary_key
