"""One writer at a time per event, for the rules that count or number things (seats, programme releases)."""

from sqlmodel import select

from app.db import DbSession
from app.events.models import Event

_LOCKED_TRANSACTION = "event_locked_transaction"


def lock_event(db: DbSession, event: Event) -> None:
    """Serialises every seat-counting transaction of this event; call it before counting anything.

    PostgreSQL locks the event row until the transaction ends (locking it again is harmless). SQLite
    has one writer at a time, taken up front with BEGIN IMMEDIATE; a transaction that has already read
    cannot take it safely (in WAL mode its snapshot may be stale), so that read-only transaction is
    ended first, unless it already holds the lock.
    """
    if db.get_bind().dialect.name != "sqlite":
        db.exec(select(Event.id).where(Event.id == event.id).with_for_update())
        return
    begin_write_transaction(db)


def begin_write_transaction(db: DbSession) -> None:
    """On SQLite, the transaction that holds the one writer's lock, taken up front (BEGIN IMMEDIATE).

    A read transaction cannot safely start writing while another connection writes (SQLite refuses at
    once rather than wait): a transaction that has only read is ended first, unless it already holds
    the lock. PostgreSQL needs none of this and is left alone.
    """
    if db.get_bind().dialect.name != "sqlite":
        return
    transaction = db.get_transaction()
    if transaction is not None and db.info.get(_LOCKED_TRANSACTION) is transaction:
        return
    if db.in_transaction():
        if db.new or db.dirty or db.deleted:
            raise RuntimeError("the write lock must be taken before any change in the transaction")
        db.rollback()
    db.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
    db.info[_LOCKED_TRANSACTION] = db.get_transaction()
