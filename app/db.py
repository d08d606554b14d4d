"""Engine, the database handle type and column types shared by every domain.

The handle is always called ``db``: in Plenary a Session is a programme item.
"""

import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

import psycopg
from sqlalchemy import DateTime, Engine, MetaData, event, make_url, text
from sqlalchemy import Enum as SAEnum
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DisconnectionError, IntegrityError
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session as DbSession
from sqlmodel import SQLModel, create_engine

__all__ = [
    "DbSession",
    "UTCDateTime",
    "begin_write_transaction",
    "make_engine",
    "saved_id",
    "string_enum",
    "utcnow",
]

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata


class _Keyed(Protocol):
    id: int | None


def saved_id(record: _Keyed) -> int:
    """The primary key of a record already in the database.

    Models declare ``id: int | None`` because a new record has none until it is flushed; code that links
    to a saved record says so here rather than with a cast, and a record that was never saved fails here,
    not later as a foreign key of NULL.
    """
    if record.id is None:
        raise ValueError(f"{type(record).__name__} has no id: it was never saved")
    return record.id


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite keeps no offset, so we store naive UTC there)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC time is stored")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


POOL_SIZE = 20
# Beyond the kept connections, for work outside requests (a live page catching up, the embedded worker):
# a connection opened and closed each time, which requests never need.
POOL_OVERFLOW = 10
# Requests that may hold a database connection at once in one process (see app.web.get_db): as many as
# the pool keeps, so that a busy moment does not open and close a connection per request.
POOL_CONNECTIONS = POOL_SIZE


def make_engine(database_url: str, **kwargs: Any) -> Engine:
    if database_url.startswith("sqlite"):
        _make_parent_directory(database_url)
        engine = create_engine(
            database_url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=POOL_SIZE,
            max_overflow=POOL_OVERFLOW,
            **kwargs,
        )
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_begin)
        _writers[engine] = threading.Lock()
        for ended in ("commit", "rollback"):
            event.listen(engine, ended, _release_writer)
        event.listen(engine.pool, "checkin", _release_writer_on_checkin)
        return engine
    engine = create_engine(database_url, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW, **kwargs)
    for moment in ("connect", "checkin"):
        event.listen(engine.pool, moment, _note_idle_since)
    event.listen(engine.pool, "checkout", _ping_if_idle(engine.dialect))
    return engine


# A connection back from the pool after this long is asked whether the server still answers before a
# request gets it (a restarted or failed-over server, a firewall that dropped a quiet connection).
PING_AFTER_IDLE_SECONDS = 2.0
_IDLE_SINCE = "plenary_idle_since"


def _note_idle_since(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    record.info[_IDLE_SINCE] = time.monotonic()


def _ping_if_idle(dialect: Dialect) -> Callable[[Any, ConnectionPoolEntry, PoolProxiedConnection], None]:
    """SQLAlchemy's pessimistic disconnect check (its dialect's ping), for idle connections only.
    `pool_pre_ping` pings at every checkout: a round trip before each request's first statement, a
    quarter of a join's CPU at a keynote's start. A connection that served a request a moment ago was
    answered by the server then; a server restarted since fails that one request, and SQLAlchemy then
    renews every connection of the pool (it invalidates the pool on a disconnect)."""

    def ping(dbapi_connection: Any, record: ConnectionPoolEntry, proxy: PoolProxiedConnection) -> None:
        idle_since = record.info.get(_IDLE_SINCE)
        if idle_since is not None and time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except psycopg.Error as error:
            # The pool drops this connection and checks out another (a new one if need be).
            raise DisconnectionError(str(error)) from error

    return ping


def _make_parent_directory(database_url: str) -> None:
    # A fresh clone has no var/ yet (it is git-ignored); SQLite creates the file but not its folder.
    path = make_url(database_url).database
    if path and path != ":memory:" and not path.startswith("file:"):
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy emit BEGIN itself (see _sqlite_begin), so writers can take the lock up front.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    mode = connection.get_execution_options().get("sqlite_begin", "")
    if mode == "IMMEDIATE":
        _take_writer(connection)
    connection.exec_driver_sql(f"BEGIN {mode}".strip())


# SQLite has one writer at a time, and a writer waiting for the lock sleeps in steps of up to 100 ms
# (its busy handler), so under contention the lock sits free while every waiter sleeps. The writers of
# one process queue on this lock instead and take it the moment it is free; other processes still wait
# in SQLite's own way.
_writers: "weakref.WeakKeyDictionary[Engine, threading.Lock]" = weakref.WeakKeyDictionary()
_HOLDS_WRITER = "plenary_holds_sqlite_writer"
_WRITER_PATIENCE_SECONDS = 30  # SQLite's own timeout, after which it gives up with "database is locked"


def _take_writer(connection: Any) -> None:
    lock = _writers.get(connection.engine)
    if lock is None or connection.info.get(_HOLDS_WRITER):
        return
    # Never forever: a writer that somehow waits for itself then meets SQLite's own timeout instead.
    if lock.acquire(timeout=_WRITER_PATIENCE_SECONDS):
        connection.info[_HOLDS_WRITER] = lock


def _release_writer(connection: Any) -> None:
    lock = connection.info.pop(_HOLDS_WRITER, None)
    if lock is not None:
        lock.release()


def _release_writer_on_checkin(_dbapi_connection: Any, record: Any) -> None:
    # A connection handed back without its transaction ended (a dropped request) frees the lock too.
    lock = record.info.pop(_HOLDS_WRITER, None)
    if lock is not None:
        lock.release()


def database_answers(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        return False
    return True


def string_enum(enum_class: type[StrEnum]) -> SAEnum:
    """An enum stored as its plain string value, so SQLite and PostgreSQL migrate alike."""
    return SAEnum(
        enum_class,
        native_enum=False,
        create_constraint=False,
        length=20,
        values_callable=lambda members: [member.value for member in members],
    )


_LOCKED_TRANSACTION = "write_locked_transaction"


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


def lock_for_transaction(db: DbSession, name: str) -> None:
    """Until this transaction ends, no other transaction gets past the same call with the same `name`
    (PostgreSQL: an advisory lock, released by commit, rollback or a dropped connection; SQLite: the
    one writer's lock). For work that two workers may start at once and must do once."""
    if db.get_bind().dialect.name == "sqlite":
        begin_write_transaction(db)
        return
    db.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": name})


def reserve_ids(db: DbSession, *tables: type[SQLModel]) -> list[int] | None:
    """PostgreSQL: the next id of each table, taken from its sequence now (one statement), so that rows
    inserted later need not read their id back (see `commit_in_one_round_trip`). None on SQLite, whose
    ids come from the insert; an id reserved and not used is a gap, as after any rollback."""
    if db.get_bind().dialect.name == "sqlite":
        return None
    names = {f"table_{number}": table.__tablename__ for number, table in enumerate(tables)}
    columns = ", ".join(f"nextval(pg_get_serial_sequence(:{key}, 'id'))" for key in names)
    return [int(value) for value in db.execute(text(f"SELECT {columns}"), names).one()]


def each_statement_commits(db: DbSession) -> None:
    """PostgreSQL: until `db`'s transaction ends, each statement commits on its own (autocommit), for work
    whose statements need no common snapshot: a read, then at most one insert that settles a race by
    itself (ON CONFLICT). It spares the BEGIN and the COMMIT or ROLLBACK round trips around them. Does
    nothing on SQLite, or once `db` has begun a transaction."""
    if db.get_bind().dialect.name == "postgresql" and not db.in_transaction():
        db.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def psycopg_connection(db: DbSession) -> psycopg.Connection:
    """The driver's own connection under `db`'s transaction on PostgreSQL, for what SQLAlchemy cannot
    send (psycopg's pipeline mode: several statements in one round trip)."""
    raw = db.connection().connection.driver_connection
    assert isinstance(raw, psycopg.Connection)  # noqa: S101 - the PostgreSQL driver of make_engine
    return raw


def commit_in_one_round_trip(db: DbSession) -> None:
    """Commits. On PostgreSQL, when every pending change is a new row whose id is already set, the
    inserts and the COMMIT travel to the server together (psycopg's pipeline mode): one round trip, not
    one per statement, for a transaction that may hold a lock others queue for. A refused insert raises
    IntegrityError here, as a flush would."""
    pending = list(db.new)
    if (
        db.get_bind().dialect.name == "sqlite"
        or db.dirty
        or db.deleted
        or any(getattr(row, "id", None) is None for row in pending)
    ):
        db.commit()
        return
    raw = psycopg_connection(db)
    try:
        with raw.pipeline():
            db.flush()
            raw.commit()
    except psycopg.IntegrityError as refused:
        raise IntegrityError(None, None, refused) from refused
    db.commit()  # nothing left to send: ends the session's transaction and runs its after-commit work


def write_alone_on_sqlite(db: DbSession, sql: str, parameters: Sequence[Any]) -> tuple[Any, ...] | None:
    """SQLite: ends what `db` has read (what it loaded stays), then runs one statement in a transaction of
    its own under the one writer's lock, on the driver's connection; the first row the statement returns,
    or None. For one insert that settles a race by itself (ON CONFLICT): the session's commit and its
    BEGIN IMMEDIATE around it cost more than the insert, a keynote's start brings thousands. `sql` in
    the driver's own form, `parameters` already bound (see app.live.attendance)."""
    # What the session holds would be committed behind its back, outside the lock.
    transaction = db.get_transaction()
    holds_lock = transaction is not None and db.info.get(_LOCKED_TRANSACTION) is transaction
    if db.new or db.dirty or db.deleted or holds_lock:
        raise RuntimeError("a statement written alone needs a session that has only read")
    raw = db.connection().connection.driver_connection
    assert isinstance(raw, sqlite3.Connection)  # noqa: S101 - the SQLite driver of make_engine
    if raw.in_transaction:
        raw.execute("COMMIT")
    lock = _writers.get(db.get_bind())  # type: ignore[arg-type]
    if lock is not None and not lock.acquire(timeout=_WRITER_PATIENCE_SECONDS):
        lock = None  # never forever: SQLite's own timeout answers instead
    try:
        raw.execute("BEGIN IMMEDIATE")
        try:
            row: tuple[Any, ...] | None = raw.execute(sql, parameters).fetchone()
            raw.execute("COMMIT")
        except BaseException:
            if raw.in_transaction:
                raw.execute("ROLLBACK")
            raise
    finally:
        if lock is not None:
            lock.release()
    db.commit()  # the session's transaction: nothing of it is left open at the database
    return row


def insert_once(db: DbSession, table: type[SQLModel], values: dict[str, Any], unique: Sequence[str]) -> bool:
    """Inserts the row unless one with the same `unique` columns exists (ON CONFLICT DO NOTHING), in the
    current transaction; True when this insert wrote it. Two clicks at once write one row, and nothing
    waits for a lock on PostgreSQL."""
    insert = sqlite_insert if db.get_bind().dialect.name == "sqlite" else postgresql_insert
    columns = table.__table__.c  # type: ignore[attr-defined]
    primary = next(iter(table.__table__.primary_key.columns))  # type: ignore[attr-defined]
    statement = (
        insert(table.__table__)  # type: ignore[attr-defined]
        .values(**values)
        .on_conflict_do_nothing(index_elements=list(unique))
        # A row comes back only when this insert wrote it (rowcount is not told by every driver here).
        .returning(columns[primary.name])
    )
    return db.execute(statement).first() is not None
