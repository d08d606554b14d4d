"""Any change to a programme stamps its event, which is what caches compare."""

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from app.db import DbSession
from app.events.models import Event
from app.programme.models import Session
from tests.factories import add_role, make_event, make_room, make_session, make_speaker, make_talk

OLD = datetime(2020, 1, 1, tzinfo=UTC)
Change = Callable[[DbSession, Event, Session], object]


def _edit_session(db: DbSession, event: Event, session: Session) -> None:
    session.title = "Health data governance, updated"
    db.add(session)
    db.commit()


def _delete_session(db: DbSession, event: Event, session: Session) -> None:
    db.delete(session)
    db.commit()


CHANGES: dict[str, Change] = {
    "new session": lambda db, event, session: make_session(db, event, title="Stakeholder Forum"),
    "edited session": _edit_session,
    "deleted session": _delete_session,
    "new talk": lambda db, event, session: make_talk(db, session),
    "new role": lambda db, event, session: add_role(db, session, make_speaker(db, event)),
    "new room": lambda db, event, session: make_room(db, event, name="Foyer"),
}


def _stamp_old(db: DbSession, *events: Event) -> None:
    for event in events:
        event.updated_at = OLD
        db.add(event)
    db.commit()


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_a_programme_change_stamps_its_event_only(db: DbSession, change: Change) -> None:
    event = make_event(db)
    other = make_event(db, slug="other-event")
    session = make_session(db, event)
    _stamp_old(db, event, other)

    change(db, event, session)

    db.refresh(event)
    db.refresh(other)
    assert event.updated_at > OLD
    assert other.updated_at == OLD
