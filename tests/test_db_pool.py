"""PostgreSQL's pooled connections: one the server dropped while it sat idle is replaced before a request
gets it, and one that served a request a moment ago goes straight to the next (no ping round trip)."""

import os
import time
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError, OperationalError

from app import db as database
from app.db import make_engine
from tests.conftest import normalised_test_url

SERVER_URL = "postgresql+psycopg://root@127.0.0.1/postgres"


@pytest.fixture
def postgres_engine() -> Iterator[Engine]:
    configured = normalised_test_url()
    url = configured if configured and configured.startswith("postgresql") else SERVER_URL
    engine = make_engine(url)
    try:
        with engine.connect():
            pass
    except OperationalError as error:
        engine.dispose()
        message = f"no PostgreSQL at {url} ({error.orig})"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    yield engine
    engine.dispose()


def _backend(connection: Connection) -> int:
    return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _drop_by_the_server(engine: Engine, backend: int) -> None:
    # As a restarted server or a firewall would: the server ends the session, the pool does not know.
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [backend])
        for _ in range(50):
            gone = admin.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [backend]).fetchone()
            if gone == (0,):
                return
            time.sleep(0.05)


def _count_pings(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    pings: list[object] = []
    real_ping = engine.dialect.do_ping

    def counted(dbapi_connection: object) -> bool:
        pings.append(dbapi_connection)
        return real_ping(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    return pings


def test_a_connection_dropped_while_idle_is_replaced_before_the_request_gets_it(
    postgres_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with postgres_engine.connect() as connection:
        dropped = _backend(connection)
    _drop_by_the_server(postgres_engine, dropped)
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 0.0)  # as if it had sat idle for long
    pings = _count_pings(postgres_engine, monkeypatch)

    with postgres_engine.connect() as connection:
        assert _backend(connection) != dropped
        assert connection.execute(text("SELECT 1")).scalar_one() == 1
    assert pings, "the idle connection was not asked before use"


def test_a_connection_used_a_moment_ago_goes_to_the_next_request_without_a_ping(
    postgres_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with postgres_engine.connect() as connection:
        first = _backend(connection)
    pings = _count_pings(postgres_engine, monkeypatch)

    with postgres_engine.connect() as connection:
        assert _backend(connection) == first
    assert pings == []


def test_after_the_server_dropped_a_busy_connection_one_request_fails_and_the_next_reconnects(
    postgres_engine: Engine,
) -> None:
    with postgres_engine.connect() as connection:
        dropped = _backend(connection)
    _drop_by_the_server(postgres_engine, dropped)

    with pytest.raises(DBAPIError) as failed, postgres_engine.connect() as connection:
        _backend(connection)
    assert failed.value.connection_invalidated

    with postgres_engine.connect() as connection:
        assert _backend(connection) != dropped
