"""One writer at a time per event, for the rules that count or number things (seats, programme releases)."""

from sqlalchemy import bindparam
from sqlmodel import select

from app.db import DbSession, begin_write_transaction
from app.events.models import Event

_EVENT_ROW_LOCK = select(Event.id).where(Event.id == bindparam("event_id")).with_for_update()


def lock_event(db: DbSession, event: Event) -> None:
    """Serialises every seat-counting transaction of this event; call it before counting anything.

    PostgreSQL locks the event row until the transaction ends (locking it again is harmless). SQLite
    has one writer at a time, taken up front with BEGIN IMMEDIATE; a transaction that has already read
    cannot take it safely (in WAL mode its snapshot may be stale), so that read-only transaction is
    ended first, unless it already holds the lock.
    """
    if db.get_bind().dialect.name != "sqlite":
        db.exec(_EVENT_ROW_LOCK, params={"event_id": event.id})
        return
    begin_write_transaction(db)
