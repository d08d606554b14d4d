"""Every change to a programme stamps its event, so caches and ETags know when a programme is new.

A flush hook rather than a line in each service function: no writer (service, demo loader, CLI)
can forget it. Event.updated_at is the stamp; each app process compares it with what it cached.
Event.programme_changed_at moves only for what a release freezes (not a speaker's profile, not the
event's own details), so the builder can say whether the public version is behind the draft.
"""

from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session as OrmSession

from app.db import DbSession, utcnow
from app.events.models import Event
from app.programme.models import Room, Session, SessionRole, Talk, Track
from app.speakers.models import Speaker

_HAS_EVENT_ID = (Session, Room, Track, Speaker)
_IN_A_SESSION = (Talk, SessionRole)
# What a programme release freezes; speaker profiles are published as edited, so they are not in it.
_IN_THE_DRAFT = (Session, Room, Track, Talk, SessionRole)


def _changed_event_ids(db: OrmSession, kinds: tuple[type, ...] = _HAS_EVENT_ID + _IN_A_SESSION) -> set[int]:
    event_ids: set[int] = set()
    session_ids: set[int] = set()
    for record in (*db.new, *db.dirty, *db.deleted):
        if not isinstance(record, kinds):
            continue
        if isinstance(record, _HAS_EVENT_ID) and record.event_id is not None:
            event_ids.add(record.event_id)
        elif isinstance(record, _IN_A_SESSION) and record.session_id is not None:
            session_ids.add(record.session_id)
    for session_id in session_ids:
        programme_session = db.get(Session, session_id)
        if programme_session is not None:
            event_ids.add(programme_session.event_id)
    return event_ids


@sa_event.listens_for(DbSession, "before_flush")
def stamp_changed_programmes(db: OrmSession, _flush_context: Any, _instances: Any) -> None:
    with db.no_autoflush:
        event_ids = _changed_event_ids(db)
        draft_event_ids = _changed_event_ids(db, _IN_THE_DRAFT)
        now = utcnow()
        for event_id in event_ids:
            changed = db.get(Event, event_id)
            if changed is not None and changed not in db.deleted:
                changed.updated_at = now
                if event_id in draft_event_ids:
                    changed.programme_changed_at = now
