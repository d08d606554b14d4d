"""Registrations per second when hundreds of people submit the public form at the same moment.

    .venv/bin/python bench/registration_bench.py [--people 300] [--seats 100]
    .venv/bin/python bench/registration_bench.py --postgres-url postgresql+psycopg://root@127.0.0.1/plenary_bench

For each database: builds an event with `--seats` in-person seats and a waiting list, starts the real server
(uvicorn subprocesses on free ports of 127.0.0.1: one on SQLite, `--processes` on PostgreSQL sharing the
database), lets `--people` clients each open the form, holds them at a barrier, then has them all submit at
once; prints the burst's duration, registrations per second, latency percentiles and the final counts, and
stops the servers it started. SQLite lives in a temporary directory. PostgreSQL runs when its server answers:
the database named in the URL is created for the run and dropped afterwards, so never name one you keep.
"""

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from alembic.config import Config  # noqa: E402 - the project is put on the path just above

from alembic import command  # noqa: E402
from app.db import make_engine  # noqa: E402
from tests.concurrency.rush import (  # noqa: E402
    RUSH_SLUG,
    Burst,
    fire_registrations,
    prepare_rush_event,
    running_app_servers,
    status_counts,
    stored_registrations,
)

DEFAULT_POSTGRES_URL = "postgresql+psycopg://root@127.0.0.1/plenary_registration_bench"


@dataclass
class Run:
    database: str
    processes: int
    burst: Burst
    counts: dict[str, int]
    stored: int
    distinct_emails: int


def migrate(url: str) -> None:
    config = Config(str(PROJECT_DIR / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(config, "head")


def run_burst(url: str, database: str, processes: int, people: int, seats: int, directory: Path) -> Run:
    migrate(url)
    prepare_rush_event(url, in_person_seats=seats)
    emails = [f"bench{number:04d}@rush.example.org" for number in range(people)]
    with running_app_servers(url, processes, directory) as servers:
        print(f"{database}: {processes} server(s), pids {', '.join(str(s.process.pid) for s in servers)}")
        burst = fire_registrations([server.url for server in servers], RUSH_SLUG, emails)
        logs = [server.log_tail(5) for server in servers if server.log_tail(5)]
    stored = stored_registrations(url)
    if logs:
        print("server log (last lines):\n" + "\n".join(logs))
    return Run(database, processes, burst, status_counts(stored), len(stored), len({r.email for r in stored}))


def postgres_server_answers(url: str) -> bool:
    server = make_engine(make_url(url).set(database="postgres").render_as_string(hide_password=False))
    try:
        with server.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - any failure means "not reachable", reported below
        print(f"PostgreSQL at {make_url(url).host} is not reachable ({type(error).__name__}): skipped")
        return False
    finally:
        server.dispose()
    return True


def recreate_database(url: str, *, drop_only: bool = False) -> None:
    parsed = make_url(url)
    server = make_engine(
        parsed.set(database="postgres").render_as_string(hide_password=False), isolation_level="AUTOCOMMIT"
    )
    try:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
            if not drop_only:
                connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    finally:
        server.dispose()


def report(runs: list[Run], people: int, seats: int) -> None:
    print()
    print(f"{people} people submit at once for {seats} in-person seats (waiting list on)")
    header = (
        f"{'database':<12} {'processes':>9} {'total s':>8} {'reg/s':>7} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'max ms':>8} {'confirmed':>9} {'waiting':>7} {'failed':>6}"
    )
    print(header)
    for run in runs:
        burst = run.burst
        failed = sum(1 for answer in burst.answers if answer.status != 303)
        slowest = max((answer.seconds for answer in burst.answers), default=float("nan"))
        print(
            f"{run.database:<12} {run.processes:>9} {burst.seconds:>8.2f} {burst.per_second:>7.1f} "
            f"{burst.median * 1000:>8.0f} {burst.percentile(0.95) * 1000:>8.0f} {slowest * 1000:>8.0f} "
            f"{run.counts.get('confirmed', 0):>9} {run.counts.get('waiting', 0):>7} {failed:>6}"
        )
    for run in runs:
        for outcome, number in sorted(run.burst.outcomes().items(), key=str):
            if outcome[0] != 303:
                print(f"  {run.database}: {number} × {outcome}")


def is_correct(run: Run, people: int, seats: int) -> bool:
    return (
        all(answer.status == 303 for answer in run.burst.answers)
        and run.counts == {"confirmed": min(seats, people), "waiting": people - min(seats, people)}
        and run.stored == run.distinct_emails == people
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=300, help="people submitting at once (300)")
    parser.add_argument("--seats", type=int, default=100, help="in-person seats of the event (100)")
    parser.add_argument("--processes", type=int, default=2, help="app processes on PostgreSQL (2)")
    parser.add_argument(
        "--postgres-url", default=DEFAULT_POSTGRES_URL, help="created and dropped for the run"
    )
    parser.add_argument("--no-postgres", action="store_true", help="measure SQLite only")
    options = parser.parse_args()
    if not 1 <= options.people <= 1000 or options.seats < 0 or not 1 <= options.processes <= 8:
        parser.error("--people must be 1 to 1000, --seats at least 0, --processes 1 to 8")

    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="plenary-registration-bench-") as directory:
        sqlite_url = f"sqlite:///{Path(directory) / 'bench.sqlite3'}"
        runs.append(
            run_burst(sqlite_url, "SQLite", 1, options.people, options.seats, Path(directory) / "sqlite")
        )
        if not options.no_postgres and postgres_server_answers(options.postgres_url):
            recreate_database(options.postgres_url)
            try:
                started = time.perf_counter()
                runs.append(
                    run_burst(
                        options.postgres_url,
                        "PostgreSQL",
                        options.processes,
                        options.people,
                        options.seats,
                        Path(directory) / "postgres",
                    )
                )
                print(f"PostgreSQL run took {time.perf_counter() - started:.1f} s in all")
            finally:
                recreate_database(options.postgres_url, drop_only=True)
    report(runs, options.people, options.seats)
    return 0 if all(is_correct(run, options.people, options.seats) for run in runs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
