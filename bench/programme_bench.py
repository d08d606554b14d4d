"""Requests per second of the public programme pages of a 1000-session conference, against the real server.

    .venv/bin/python bench/programme_bench.py [--concurrency 8] [--seconds 10]

Builds a throw-away SQLite database in a temporary directory (alembic upgrade head, then
`generate_conference`), publishes the event, starts uvicorn on a free port of 127.0.0.1, runs a bounded load
against each page in turn, prints a table, and stops the server it started. Nothing outside the temporary
directory is touched, and only 127.0.0.1 is ever contacted.
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from alembic.config import Config
from sqlmodel import select

from alembic import command

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from app.db import DbSession, make_engine  # noqa: E402 - the project is put on the path just above
from app.demo import generate_conference  # noqa: E402
from app.events.service import set_published  # noqa: E402
from app.programme.models import Session, SessionKind, SessionRole  # noqa: E402

SLUG = "bench-conference"
HOST = "127.0.0.1"


@dataclass
class Target:
    name: str
    path: str


@dataclass
class Measurement:
    target: Target
    seconds: float
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    body_bytes: int = 0

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def build_database(directory: Path, sessions: int, rooms: int, days: int) -> tuple[str, list[Target]]:
    url = f"sqlite:///{directory / 'bench.sqlite3'}"
    config = Config(str(PROJECT_DIR / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, "head")
    engine = make_engine(url)
    with DbSession(engine, expire_on_commit=False) as db:
        started = time.perf_counter()
        event = generate_conference(db, SLUG, sessions=sessions, rooms=rooms, days=days, seed=0)
        took = time.perf_counter() - started
        print(f"generated {sessions} sessions / {rooms} rooms / {days} days in {took:.2f} s")
        event = set_published(db, event, True)
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
    targets = [
        Target("static file (baseline)", "/static/css/plenary.css"),
        Target("programme page, day 1, grid", f"/events/{SLUG}/programme?day={first_day}&view=grid"),
        Target("session page", f"/events/{SLUG}/sessions/{session.id}"),
        Target("speaker page", f"/events/{SLUG}/speakers/{speaker_id}"),
        Target("JSON API, day 1", f"/api/events/{SLUG}/programme?day={first_day}"),
        Target("JSON API, whole programme", f"/api/events/{SLUG}/programme"),
    ]
    return url, targets


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def start_server(url: str, port: int, log_path: Path) -> subprocess.Popen:
    python = PROJECT_DIR / ".venv" / "bin" / "python"
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-secret-key-0123456789abcdef"}
    arguments = [str(python if python.exists() else sys.executable), "-m", "uvicorn", "app.main:create_app"]
    arguments += [
        "--factory",
        "--host",
        HOST,
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    with log_path.open("wb") as log:
        return subprocess.Popen(arguments, cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_until_healthy(base_url: str, server: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with code {server.returncode}; see its log")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the server did not answer /healthz within {timeout:.0f} s")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def measure(base_url: str, target: Target, concurrency: int, seconds: float) -> Measurement:
    """Keeps `concurrency` clients busy on one address for `seconds`, each waiting for its answer."""
    with httpx.Client(base_url=base_url, timeout=30) as warm_up:
        first = warm_up.get(target.path)
    result = Measurement(target, seconds, body_bytes=len(first.content))
    if first.status_code != 200 or not first.content:
        result.failures.append(f"warm-up answered {first.status_code} with {len(first.content)} bytes")
        return result
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def worker() -> None:
        latencies, failures = [], []
        with httpx.Client(base_url=base_url, timeout=30) as client:
            while time.perf_counter() < stop_at:
                started = time.perf_counter()
                response = client.get(target.path)
                elapsed = time.perf_counter() - started
                if response.status_code == 200 and response.content:
                    latencies.append(elapsed)
                else:
                    failures.append(f"{response.status_code} with {len(response.content)} bytes")
        with lock:
            result.latencies += latencies
            result.failures += failures

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    return result


def report(measurements: list[Measurement]) -> None:
    print()
    print(f"{'address':<30} {'rps':>8} {'median ms':>10} {'p95 ms':>8} {'KiB':>7} {'failed':>7}")
    for m in measurements:
        median = statistics.median(m.latencies) * 1000 if m.latencies else float("nan")
        print(
            f"{m.target.name:<30} {m.rps:>8.1f} {median:>10.1f} {m.percentile(0.95) * 1000:>8.1f} "
            f"{m.body_bytes / 1024:>7.0f} {len(m.failures):>7}"
        )
    for m in measurements:
        for failure in sorted(set(m.failures)):
            print(f"  {m.target.name}: {failure}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=8, help="clients sending requests at once (8)")
    parser.add_argument("--seconds", type=float, default=10, help="duration of the load on each address (10)")
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--rooms", type=int, default=20)
    parser.add_argument("--days", type=int, default=4)
    options = parser.parse_args()
    if not 1 <= options.concurrency <= 64 or not 1 <= options.seconds <= 120:
        parser.error("--concurrency must be 1 to 64 and --seconds 1 to 120")

    with tempfile.TemporaryDirectory(prefix="plenary-bench-") as directory:
        url, targets = build_database(Path(directory), options.sessions, options.rooms, options.days)
        port = free_port()
        base_url = f"http://{HOST}:{port}"
        log_path = Path(directory) / "server.log"
        server = start_server(url, port, log_path)
        load = f"{options.concurrency} clients, {options.seconds:g} s each"
        print(f"server pid {server.pid} on {base_url}; {load}")
        try:
            wait_until_healthy(base_url, server)
            measurements = [measure(base_url, t, options.concurrency, options.seconds) for t in targets]
        finally:
            stop_server(server)
            server_log = log_path.read_text(errors="replace").strip()
            if server_log:
                print("\nserver log (last lines):\n" + "\n".join(server_log.splitlines()[-15:]))
        report(measurements)
    return 1 if any(m.failures for m in measurements) else 0


if __name__ == "__main__":
    raise SystemExit(main())
