"""Hundreds of people register within the same second: seat limits hold, nobody is lost or counted twice.

300 people submit the public form at once for an event with 100 in-person seats: on SQLite against one
app process, and on PostgreSQL against two app processes sharing the database. The PostgreSQL run uses
TEST_DATABASE_URL when it names a PostgreSQL database; without it, the test makes (and drops) its own
database `plenary_rush` on the PostgreSQL of 127.0.0.1 (trust auth, as on CI). Only where no PostgreSQL
answers there is it skipped, and on CI that is a failure.
"""

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from app.db import make_engine
from tests.concurrency.rush import (
    RUSH_SLUG,
    Burst,
    fire_registrations,
    prepare_rush_event,
    running_app_servers,
    status_counts,
    stored_registrations,
)
from tests.conftest import alembic_upgrade, normalised_test_url

pytestmark = pytest.mark.concurrency

SEATS = 100
PEOPLE = 300
CI_DATABASE = "plenary_rush"
CI_SERVER_URL = "postgresql+psycopg://root@127.0.0.1"
THANKS_PATH = f"/events/{RUSH_SLUG}/register/thanks"


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'rush.sqlite3'}"
    alembic_upgrade(url)
    return url


def _recreate_database(name: str, *, drop_only: bool = False) -> None:
    server = make_engine(f"{CI_SERVER_URL}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            if not drop_only:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        server.dispose()


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    configured = normalised_test_url()
    if configured and configured.startswith("postgresql"):
        # The suite's own PostgreSQL database: migrated once per run, emptied after this test.
        yield request.getfixturevalue("database_url")
        return
    try:
        _recreate_database(CI_DATABASE)
    except OperationalError as error:
        message = f"PostgreSQL rush: no PostgreSQL at {CI_SERVER_URL} ({error.orig})"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message + "; set TEST_DATABASE_URL=postgresql+psycopg://...")
    url = f"{CI_SERVER_URL}/{CI_DATABASE}"
    try:
        alembic_upgrade(url)
        yield url
    finally:
        _recreate_database(CI_DATABASE, drop_only=True)


def _describe(burst: Burst) -> str:
    failures = [answer for answer in burst.answers if answer.outcome != (303, THANKS_PATH)]
    return f"{len(failures)} unexpected answers, for example {failures[:3]}"


def _rush(database_url: str, processes: int, directory: Path) -> None:
    prepare_rush_event(database_url, in_person_seats=SEATS)
    emails = [f"attendee{number:03d}@rush.example.org" for number in range(PEOPLE)]
    again = emails[::6]  # 50 of them submit a second time, whether they got a seat or wait

    with running_app_servers(database_url, processes, directory) as servers:
        urls = [server.url for server in servers]
        first = fire_registrations(urls, RUSH_SLUG, emails)
        after_first = stored_registrations(database_url)
        second = fire_registrations(urls, RUSH_SLUG, again)
        after_second = stored_registrations(database_url)
        logs = "\n".join(server.log_tail() for server in servers)

    assert first.outcomes() == Counter({(303, THANKS_PATH): PEOPLE}), _describe(first) + logs
    assert [registration.email for registration in after_first] == sorted(emails)
    assert status_counts(after_first) == {"confirmed": SEATS, "waiting": PEOPLE - SEATS}
    assert second.outcomes() == Counter({(303, THANKS_PATH): len(again)}), _describe(second) + logs
    assert after_second == after_first


def test_rush_of_registrations_on_sqlite_fills_seats_exactly_and_queues_the_rest(
    sqlite_url: str, tmp_path: Path
) -> None:
    _rush(sqlite_url, processes=1, directory=tmp_path)


def test_rush_of_registrations_on_two_postgresql_processes_fills_seats_exactly_and_queues_the_rest(
    postgres_url: str, tmp_path: Path
) -> None:
    _rush(postgres_url, processes=2, directory=tmp_path)
