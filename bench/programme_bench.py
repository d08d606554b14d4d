"""Requests per second of the public programme pages of a 1000-session conference, against the real server.

    .venv/bin/python bench/programme_bench.py [--concurrency 8] [--seconds 10] [--release] [--only session]

Builds a throw-away SQLite database in a temporary directory (alembic upgrade head, then
`generate_conference`), publishes the event (and with --release releases its programme as version 1),
starts uvicorn on a free port of 127.0.0.1, runs a bounded load against each page in turn, prints a table,
and stops the server it started. Nothing outside the temporary directory is touched, and only 127.0.0.1 is
ever contacted.
"""

import argparse
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import select

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
from _harness import (  # noqa: E402 - the bench folder is put on the path just above
    HOST,
    LoadResult,
    free_port,
    generate_published_conference,
    httpx_load,
    is_full_answer,
    migrate,
    print_log_tail,
    process_cpu_seconds,
    start_server,
    stop_server,
    wait_until_healthy,
)

from app.db import DbSession, make_engine  # noqa: E402 - _harness puts the project on the path
from app.programme.models import Session, SessionKind, SessionRole  # noqa: E402
from app.programme.releases import release_programme  # noqa: E402

SLUG = "bench-conference"
# httpx asks for gzip by default: the plain lines ask for no encoding, as curl and some crawlers do.
PLAIN = {"Accept-Encoding": "identity"}
GZIP = {"Accept-Encoding": "gzip"}


@dataclass
class Target:
    name: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    # Sends back the ETag of a first answer in If-None-Match, as a returning browser does: expects 304s.
    conditional: bool = False


@dataclass
class Measurement:
    target: Target
    load: LoadResult


def build_database(
    directory: Path, sessions: int, rooms: int, days: int, *, release: bool
) -> tuple[str, list[Target]]:
    url = f"sqlite:///{directory / 'bench.sqlite3'}"
    migrate(url)
    engine = make_engine(url)
    with DbSession(engine, expire_on_commit=False) as db:
        event = generate_published_conference(db, SLUG, sessions, rooms, days)
        if release:
            release_programme(db, event, "bench", None)
        # A themed session with talks: the heaviest kind of session page.
        session = db.exec(
            select(Session)
            .where(Session.event_id == event.id, Session.kind == SessionKind.themed)
            .order_by(Session.start_at, Session.room_id)
        ).first()
        speaker_id = db.exec(
            select(SessionRole.speaker_id)
            .where(SessionRole.session_id == session.id)
            .order_by(SessionRole.id)
        ).first()
        first_day = event.start_date.isoformat()
    engine.dispose()
    session_path = f"/events/{SLUG}/sessions/{session.id}"
    speaker_path = f"/events/{SLUG}/speakers/{speaker_id}"
    targets = [
        Target("static file (baseline)", "/static/css/plenary.css"),
        Target("programme page, day 1, grid", f"/events/{SLUG}/programme?day={first_day}&view=grid", PLAIN),
        Target("programme page, gzip", f"/events/{SLUG}/programme?day={first_day}&view=grid", GZIP),
        Target("session page", session_path, PLAIN),
        Target("session page, gzip", session_path, GZIP),
        Target("session page, 304", session_path, GZIP, conditional=True),
        Target("speaker page", speaker_path, PLAIN),
        Target("speaker page, gzip", speaker_path, GZIP),
        Target("speaker page, 304", speaker_path, GZIP, conditional=True),
        Target("speakers list, gzip", f"/events/{SLUG}/speakers", GZIP),
        Target("JSON API, day 1", f"/api/events/{SLUG}/programme?day={first_day}"),
        Target("JSON API, whole programme", f"/api/events/{SLUG}/programme"),
    ]
    return url, targets


def measure(base_url: str, target: Target, server_pid: int, concurrency: int, seconds: float) -> LoadResult:
    headers = dict(target.headers)
    accept = is_full_answer
    if target.conditional:
        etag = httpx.get(f"{base_url}{target.path}", headers=headers, timeout=60).headers.get("etag")
        if etag is None:
            return LoadResult(0, seconds, float("nan"), float("nan"), 0, ["no ETag to send back"])
        headers["If-None-Match"] = etag

        def accept(response: httpx.Response) -> bool:
            return response.status_code == 304

    cpu_before = process_cpu_seconds(server_pid)
    load = httpx_load(base_url, target.path, concurrency, seconds, headers, accept)
    load.server_cpu_s = process_cpu_seconds(server_pid) - cpu_before
    return load


def report(measurements: list[Measurement]) -> None:
    print()
    print(
        f"{'address':<30} {'rps':>8} {'median ms':>10} {'p95 ms':>8} {'CPU ms':>7} {'KiB':>7} {'failed':>7}"
    )
    for m in measurements:
        load = m.load
        print(
            f"{m.target.name:<30} {load.rps:>8.1f} {load.median_s * 1000:>10.1f} {load.p95_s * 1000:>8.1f} "
            f"{load.cpu_ms_per_request:>7.2f} {load.body_bytes / 1024:>7.0f} {len(load.failures):>7}"
        )
    for m in measurements:
        for failure in sorted(set(m.load.failures)):
            print(f"  {m.target.name}: {failure}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=8, help="clients sending requests at once (8)")
    parser.add_argument("--seconds", type=float, default=10, help="duration of the load on each address (10)")
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--rooms", type=int, default=20)
    parser.add_argument("--days", type=int, default=4)
    parser.add_argument("--release", action="store_true", help="release the programme (version 1) first")
    parser.add_argument(
        "--only", nargs="*", default=[], help="measure only addresses whose name has one of these"
    )
    options = parser.parse_args()
    if not 1 <= options.concurrency <= 64 or not 1 <= options.seconds <= 120:
        parser.error("--concurrency must be 1 to 64 and --seconds 1 to 120")

    with tempfile.TemporaryDirectory(prefix="plenary-bench-") as directory:
        url, targets = build_database(
            Path(directory), options.sessions, options.rooms, options.days, release=options.release
        )
        if options.only:
            targets = [t for t in targets if any(word in t.name for word in options.only)]
        port = free_port()
        base_url = f"http://{HOST}:{port}"
        log_path = Path(directory) / "server.log"
        server = start_server(url, port, log_path)
        load = f"{options.concurrency} clients, {options.seconds:g} s each"
        print(f"server pid {server.pid} on {base_url}; {load}")
        try:
            wait_until_healthy(base_url, server)
            measurements = [
                Measurement(
                    target, measure(base_url, target, server.pid, options.concurrency, options.seconds)
                )
                for target in targets
            ]
        finally:
            stop_server(server)
            print_log_tail(log_path)
        report(measurements)
    return 1 if any(m.load.failures for m in measurements) else 0


if __name__ == "__main__":
    raise SystemExit(main())
