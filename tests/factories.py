"""Plain functions that build realistic records; each commits, as a user action would."""

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from app.db import DbSession
from app.events.models import AttendanceMode, Event, EventKind, Visibility
from app.programme.models import RoleKind, Room, Session, SessionKind, SessionRole, Talk, Track
from app.speakers.models import Speaker


def _save(db: DbSession, record: Any) -> Any:
    db.add(record)
    db.commit()
    db.refresh(record)
    return record


def at(event: Event, day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of the event's day `day` (0-based), in the event's own wall-clock time."""
    from datetime import timedelta

    local_day = event.start_date + timedelta(days=day)
    return datetime(
        local_day.year, local_day.month, local_day.day, hour, minute, tzinfo=ZoneInfo(event.timezone)
    )


def make_event(db: DbSession, **overrides: Any) -> Event:
    values: dict[str, Any] = {
        "slug": "prelude-test",
        "title": "Prelude to the Future of Medicine",
        "kind": EventKind.conference,
        "start_date": date(2022, 10, 5),
        "end_date": date(2022, 10, 6),
        "timezone": "Europe/Paris",
        "venue": "Paris",
        "attendance_mode": AttendanceMode.hybrid,
        "visibility": Visibility.public,
        "is_published": True,
        "description": "A hybrid conference on **personalised medicine**.",
    }
    values.update(overrides)
    return _save(db, Event(**values))


def make_room(db: DbSession, event: Event, **overrides: Any) -> Room:
    values: dict[str, Any] = {"event_id": event.id, "name": "Auditorium", "capacity": 300}
    values.update(overrides)
    return _save(db, Room(**values))


def make_track(db: DbSession, event: Event, **overrides: Any) -> Track:
    values: dict[str, Any] = {"event_id": event.id, "name": "Health data", "colour": "#1f6f8b"}
    values.update(overrides)
    return _save(db, Track(**values))


def make_session(db: DbSession, event: Event, **overrides: Any) -> Session:
    values: dict[str, Any] = {
        "event_id": event.id,
        "title": "The challenges of health data governance",
        "kind": SessionKind.themed,
        "start_at": at(event, 0, 14),
        "end_at": at(event, 0, 15, 30),
        "abstract": "Health Data Hub, TEHDAS and the European Health Data Space.",
    }
    values.update(overrides)
    return _save(db, Session(**values))


def make_talk(db: DbSession, session: Session, **overrides: Any) -> Talk:
    values: dict[str, Any] = {"session_id": session.id, "title": "A cloud-based hospital information system"}
    values.update(overrides)
    return _save(db, Talk(**values))


def make_speaker(db: DbSession, event: Event, **overrides: Any) -> Speaker:
    values: dict[str, Any] = {
        "event_id": event.id,
        "name": "Sang-Heon Lee",
        "affiliation": "Korea University Medicine",
        "email": "sh.lee@example.org",
        "timezone": "Asia/Seoul",
        "bio": "Works on hospital information systems.",
    }
    values.update(overrides)
    return _save(db, Speaker(**values))


def add_role(db: DbSession, session: Session, speaker: Speaker, **overrides: Any) -> SessionRole:
    values: dict[str, Any] = {"session_id": session.id, "speaker_id": speaker.id, "role": RoleKind.speaker}
    values.update(overrides)
    return _save(db, SessionRole(**values))


def make_hybrid_day(db: DbSession) -> dict[str, Any]:
    """A small hybrid conference day: a streamed plenary room and a salon, a keynote, a coffee break without
    a room, and a panel in the salon with a chair and a remote-friendly panelist."""
    event = make_event(db)
    plenary = make_room(
        db, event, name="Amphithéâtre", position=1, stream_url="https://stream.example.org/amphi?room=1;hd"
    )
    salon = make_room(db, event, name="Salon Pasteur", position=2)
    track = make_track(db, event, name="Health data")
    keynote = make_session(
        db,
        event,
        title="Opening keynote",
        room_id=plenary.id,
        start_at=at(event, 0, 9),
        end_at=at(event, 0, 10),
    )
    panel = make_session(
        db,
        event,
        title="Data governance panel",
        room_id=salon.id,
        track_id=track.id,
        start_at=at(event, 0, 14),
        end_at=at(event, 0, 15, 30),
    )
    coffee = make_session(db, event, title="Coffee", start_at=at(event, 0, 10), end_at=at(event, 0, 10, 30))
    chair = make_speaker(db, event, name="Émilie Müller", email="em@example.org")
    panelist = make_speaker(db, event, name="Sang-Heon Lee")
    add_role(db, panel, chair)
    add_role(db, panel, panelist)
    return {
        "event": event,
        "rooms": (plenary, salon),
        "track": track,
        "sessions": (keynote, panel, coffee),
        "speakers": (chair, panelist),
    }
