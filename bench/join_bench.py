"""A keynote starting: online attendees opening their personal join links at once, on one app process.

    .venv/bin/python bench/join_bench.py                         # 2000 attendees, 32 clients, 10 s of repeats
    .venv/bin/python bench/join_bench.py --attendees 500 --seconds 5
    .venv/bin/python bench/join_bench.py --warm-up 500   # a server that has been running, not a cold process
    .venv/bin/python bench/join_bench.py --postgres-url postgresql+psycopg://root@127.0.0.1/plenary_join_bench

Builds a throw-away SQLite database in a temporary directory (`python -m app migrate`, then
`python -m app generate --slug bench-join --sessions 200 --rooms 10 --days 1 --start now`: a published
hybrid event with a session running now in its streamed main auditorium), adds `--attendees` confirmed
online registrations, and starts the real server (uvicorn, one process, 127.0.0.1). Then:

1. **first joins**: every attendee opens their own `/join/{token}` once, `--concurrency` at a time (kept-alive
   connections of one asyncio loop writing bare HTTP/1.1 requests; the client's CPU is printed too):
   each answer must be the 303 to the room's stream; the
   rate, the latency p50 / p95 and the server's CPU per answer are printed, and the joins recorded
   (`live_session_join`) must be exactly one per attendee.
   With `--warm-up N`, N other attendees' first joins come before, reported apart and not counted: a
   keynote starts on a server that has been running (its pool's connections open, its caches filled),
   and a cold process's first few hundred answers cost it two to three times the CPU of the later ones;
2. **joins again**: the same clients open links already used, for `--seconds` (a reload, a second tab):
   the rate and CPU per answer of a join that records nothing new.

The issue's target is 500 joins per second on one process; with the load generator on the same two cores
the server's CPU per answer is the figure to compare (2 ms per answer is 500 per second of one core). The
load average is printed with each figure. With `--postgres-url`, the same on PostgreSQL (that database is
created for the run and dropped afterwards) instead of SQLite. Only 127.0.0.1 is contacted, the server
started here is stopped by its PID, and the temporary directory is removed. Exit status 1 if any join was
not the expected 303 or the joins recorded are not one per attendee.
"""

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import func, insert, make_url, select

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from app.db import DbSession, make_engine, utcnow  # noqa: E402 - the project is put on the path just above
from app.events.models import Event  # noqa: E402
from app.live.models import SessionJoin  # noqa: E402
from app.programme.models import Room, Session, SessionKind  # noqa: E402
from app.registration.links import join_token  # noqa: E402
from app.registration.models import AttendanceChoice, Registration, RegistrationStatus  # noqa: E402
from bench._harness import (  # noqa: E402
    HOST,
    SECRET_KEY,
    free_port,
    percentile,
    print_log_tail,
    process_cpu_seconds,
    start_server,
    stop_server,
    wait_until_healthy,
)
from bench.registration_bench import (  # noqa: E402
    postgres_server_answers,
    recreate_database,
)

SLUG = "bench-join"


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f}/{five:.2f}/{fifteen:.2f}"


def cli(url: str, *args: str) -> None:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET_KEY}
    subprocess.run(
        [sys.executable, "-m", "app", *args], cwd=PROJECT_DIR, env=env, check=True, capture_output=True
    )


def prepare(url: str, attendees: int) -> tuple[list[str], str]:
    """The attendees' join paths to the session running now in a streamed room, and that room's stream."""
    cli(url, "migrate")
    cli(
        url, "generate", "--slug", SLUG, "--sessions", "200", "--rooms", "10", "--days", "1", "--start", "now"
    )
    engine = make_engine(url)
    try:
        with DbSession(engine, expire_on_commit=False) as db:
            event = db.exec(select(Event).where(Event.slug == SLUG)).scalars().one()  # type: ignore[call-overload]
            now = utcnow()
            session, room = db.execute(
                select(Session, Room)
                .join(Room, Room.id == Session.room_id)  # type: ignore[arg-type]
                .where(Session.event_id == event.id, Session.start_at <= now, Session.end_at > now)  # type: ignore[arg-type]
                .where(Room.stream_url.is_not(None))  # type: ignore[union-attr]
                .where(Session.kind != SessionKind.break_, Session.do_not_stream.is_(False))  # type: ignore[attr-defined]
                .order_by(Session.end_at.desc())  # type: ignore[attr-defined]
            ).first()
            db.execute(
                insert(Registration),
                [
                    {
                        "event_id": event.id,
                        "email": f"viewer{number}@example.org",
                        "name": f"Viewer {number}",
                        "mode": AttendanceChoice.online,
                        "status": RegistrationStatus.confirmed,
                        "secret": uuid.uuid4().hex,
                        "calendar_secret": uuid.uuid4().hex,
                    }
                    for number in range(attendees)
                ],
            )
            db.commit()
            registrations = (
                db.exec(select(Registration).where(Registration.event_id == event.id)).scalars().all()
            )  # type: ignore[call-overload]
            paths = [
                f"/join/{join_token(SECRET_KEY, registration, session.id)}" for registration in registrations
            ]
            return paths, room.stream_url
    finally:
        engine.dispose()


def joins_recorded(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(SessionJoin)).scalar_one())
    finally:
        engine.dispose()


async def _answer(reader: asyncio.StreamReader) -> tuple[int, str, bytes]:
    """One HTTP/1.1 answer: its status, Location header and body (Content-Length framed, as uvicorn
    sends a Starlette response)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    fields = {name.lower(): value for name, value in headers.items()}
    body = await reader.readexactly(int(fields.get("content-length", "0")))
    return status, fields.get("location", ""), body


def run_joins(
    base_url: str, paths: list[str], stream: str, concurrency: int, seconds: float | None, server_pid: int
) -> tuple[int, float, float, float, float, float, list[str]]:
    """Each path opened once (seconds None), or the paths again in turn for `seconds`; returns the
    answers, seconds taken, p50 and p95 latency, the server's and this client's CPU seconds and the
    failures. The clients are `concurrency` kept-alive connections of one asyncio loop writing bare
    HTTP/1.1 requests: a client library in threads cost about as much CPU per request as the server's
    join, on the same two cores."""
    port = int(base_url.rsplit(":", 1)[1])
    latencies: list[float] = []
    failures: list[str] = []
    queue = list(reversed(paths))
    stop_at = time.perf_counter() + (seconds or 0)

    async def client(number: int) -> None:
        reader, writer = await asyncio.open_connection(HOST, port)
        turn = number
        try:
            while True:
                if seconds is None:
                    if not queue:
                        break
                    path = queue.pop()
                else:
                    if time.perf_counter() >= stop_at:
                        break
                    path = paths[turn % len(paths)]
                    turn += concurrency
                started = time.perf_counter()
                writer.write(f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\n\r\n".encode())
                status, location, body = await asyncio.wait_for(_answer(reader), 30)
                elapsed = time.perf_counter() - started
                if status == 303 and location == stream:
                    latencies.append(elapsed)
                else:
                    failures.append(f"{status} {body[:80]!r}")
        finally:
            writer.close()

    async def all_clients() -> None:
        await asyncio.gather(*(client(number) for number in range(concurrency)))

    cpu_before = process_cpu_seconds(server_pid)
    own_before = time.process_time()
    started = time.perf_counter()
    asyncio.run(all_clients())
    took = time.perf_counter() - started
    cpu = process_cpu_seconds(server_pid) - cpu_before
    own = time.process_time() - own_before
    return len(latencies), took, percentile(latencies, 0.5), percentile(latencies, 0.95), cpu, own, failures


def report(label: str, answers: int, took: float, p50: float, p95: float, cpu: float, own: float) -> None:
    rate = answers / took if took else 0.0
    per_answer = cpu / answers * 1000 if answers else float("nan")
    print(
        f"{label:12} {answers:6d} joins in {took:6.2f} s = {rate:6.0f}/s · p50 {p50 * 1000:6.1f} ms · "
        f"p95 {p95 * 1000:6.1f} ms · server CPU {per_answer:.2f} ms per join "
        f"(= {1000 / per_answer if answers else 0:.0f}/s of one core) · client CPU {own / took * 100:.0f} % "
        f"of a core · {load_average()}"
    )


def measure(url: str, options: argparse.Namespace, directory: Path) -> bool:
    """Both rounds against the database at `url`; True when every join was the expected 303 and the joins
    recorded are one per attendee."""
    paths, stream = prepare(url, options.attendees + options.warm_up)
    warm_up, paths = paths[: options.warm_up], paths[options.warm_up :]
    print(f"{len(paths)} online attendees of a session running now · {load_average()}")
    port = free_port()
    log_path = directory / "server.log"
    server = start_server(url, port, log_path, {"VAR_DIR": str(directory / "var")})
    base_url = f"http://{HOST}:{port}"
    failed = True
    try:
        wait_until_healthy(base_url, server)
        failures: list[str] = []
        if warm_up:
            # A keynote starts on a server that has been running: its pool's connections open, its caches
            # filled. Other attendees' first joins, not counted.
            answers, took, p50, p95, cpu, own, warm_up_failures = run_joins(
                base_url, warm_up, stream, options.concurrency, None, server.pid
            )
            report("warm-up", answers, took, p50, p95, cpu, own)
            failures += warm_up_failures
        answers, took, p50, p95, cpu, own, first_failures = run_joins(
            base_url, paths, stream, options.concurrency, None, server.pid
        )
        report("first joins", answers, took, p50, p95, cpu, own)
        failures += first_failures
        attendees = len(warm_up) + len(paths)
        recorded = joins_recorded(url)
        print(f"joins recorded: {recorded} for {attendees} attendees")
        failed = bool(failures) or recorded != attendees
        answers, took, p50, p95, cpu, own, again_failures = run_joins(
            base_url, paths, stream, options.concurrency, options.seconds, server.pid
        )
        report("joins again", answers, took, p50, p95, cpu, own)
        failed = failed or bool(again_failures) or joins_recorded(url) != attendees
        for failure in (failures + again_failures)[:5]:
            print("failed:", failure)
    finally:
        stop_server(server)
        if failed:
            print_log_tail(log_path)
    return not failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attendees", type=int, default=2000, help="online attendees joining (2000)")
    parser.add_argument(
        "--warm-up",
        type=int,
        default=0,
        help="other attendees' first joins before the measured ones, not counted (0: a cold process)",
    )
    parser.add_argument("--concurrency", type=int, default=32, help="clients at once (32)")
    parser.add_argument("--seconds", type=float, default=10.0, help="of joins again (10)")
    parser.add_argument(
        "--postgres-url",
        default=None,
        help="measure on this PostgreSQL database instead of SQLite (created for the run, then dropped), "
        "e.g. postgresql+psycopg://root@127.0.0.1/plenary_join_bench",
    )
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="plenary-join-bench-") as directory:
        if options.postgres_url is None:
            sqlite_url = f"sqlite:///{Path(directory) / 'bench.sqlite3'}"
            return 0 if measure(sqlite_url, options, Path(directory)) else 1
        if not postgres_server_answers(options.postgres_url):
            return 1
        recreate_database(options.postgres_url)
        try:
            print(f"PostgreSQL: {make_url(options.postgres_url).database}")
            return 0 if measure(options.postgres_url, options, Path(directory)) else 1
        finally:
            recreate_database(options.postgres_url, drop_only=True)


if __name__ == "__main__":
    raise SystemExit(main())
