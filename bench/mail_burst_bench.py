"""A registration rush whose confirmations go through a slow mail server: the requests must not wait for it.

    .venv/bin/python bench/mail_burst_bench.py [--people 300] [--seats 100] [--smtp-delay 0.2]

On PostgreSQL (the database named by --postgres-url is created for the run and dropped afterwards), with
the task queue on Redis (127.0.0.1:6379, a queue name of the run's own) and `--workers` worker processes
(`python -m app worker`) sending to an SMTP server in this process (aiosmtpd) that takes --smtp-delay
seconds per message: first with one app process, then with two. For each, `--people` clients submit the
public form at once for an event with `--seats` in-person seats; prints the burst's duration and latency
percentiles, the seats given, then how long the workers took to deliver every confirmation and whether
each person got exactly one. Stops everything it started.
"""

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import text

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from app.db import make_engine  # noqa: E402 - the project is put on the path just above
from bench.registration_bench import (  # noqa: E402
    DEFAULT_POSTGRES_URL,
    migrate,
    postgres_server_answers,
    recreate_database,
)
from tests.concurrency.rush import (  # noqa: E402
    RUSH_SLUG,
    SECRET_KEY,
    Burst,
    fire_registrations,
    free_port,
    prepare_rush_event,
    running_app_servers,
    status_counts,
    stored_registrations,
)

REDIS_URL = "redis://127.0.0.1:6379/0"


class SlowMailServer:
    """Accepts every message after `delay` seconds and remembers who got what."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.recipients: Counter[str] = Counter()
        self.port = free_port()
        server = self

        class Handler:
            async def handle_DATA(self, smtp: Any, session: Any, envelope: Any) -> str:  # noqa: N802
                await asyncio.sleep(server.delay)
                server.recipients.update(envelope.rcpt_tos)
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"


@dataclass
class Run:
    processes: int
    burst: Burst
    counts: dict[str, int]
    delivery_seconds: float
    delivered: int
    delivered_twice: int
    statuses: dict[str, int]


def message_statuses(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT status, count(*) FROM outgoing_message GROUP BY status"))
            return {status: count for status, count in rows}
    finally:
        engine.dispose()


def start_workers(
    url: str, env: dict[str, str], count: int, directory: Path
) -> list[subprocess.Popen[bytes]]:
    workers = []
    for number in range(count):
        log = (directory / f"worker-{number + 1}.log").open("wb")
        workers.append(
            subprocess.Popen(
                [sys.executable, "-m", "app", "worker"],
                cwd=PROJECT_DIR,
                env={**env, "DATABASE_URL": url},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    return workers


def stop_workers(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        if worker.poll() is None:
            worker.terminate()
    for worker in workers:
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)


def run(url: str, processes: int, options: argparse.Namespace, directory: Path) -> Run:
    recreate_database(url)
    migrate(url)
    prepare_rush_event(url, in_person_seats=options.seats)
    mail = SlowMailServer(options.smtp_delay)
    mail.controller.start()
    queue_env = {
        "QUEUE_URL": REDIS_URL,
        "QUEUE_NAME": f"plenary-bench-{uuid.uuid4().hex}",
        "SMTP_URL": mail.url,
        "SECRET_KEY": SECRET_KEY,
        "VAR_DIR": str(directory / "var"),
    }
    worker_env = {**os.environ, **queue_env, "QUEUE_WORKERS": str(options.threads)}
    workers = start_workers(url, worker_env, options.workers, directory)
    emails = [f"bench{number:04d}@rush.example.org" for number in range(options.people)]
    try:
        with running_app_servers(url, processes, directory / f"web-{processes}", queue_env) as servers:
            started = time.monotonic()
            burst = fire_registrations([server.url for server in servers], RUSH_SLUG, emails)
            deadline = started + 300
            while time.monotonic() < deadline:
                statuses = message_statuses(url)
                if statuses.get("sent", 0) + statuses.get("failed", 0) >= options.people:
                    break
                time.sleep(0.1)
            delivery_seconds = time.monotonic() - started
    finally:
        stop_workers(workers)
        mail.controller.stop()
    stored = stored_registrations(url)
    delivered = sum(1 for email in emails if mail.recipients[email] >= 1)
    twice = sum(1 for email in emails if mail.recipients[email] > 1)
    return Run(
        processes, burst, status_counts(stored), delivery_seconds, delivered, twice, message_statuses(url)
    )


def report(runs: list[Run], options: argparse.Namespace) -> None:
    print()
    print(
        f"{options.people} people submit at once for {options.seats} in-person seats; PostgreSQL, "
        f"queue on Redis, {options.workers} workers × {options.threads} threads, "
        f"SMTP {options.smtp_delay * 1000:.0f} ms per message"
    )
    print(
        f"{'web':>3} {'burst s':>8} {'reg/s':>6} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'confirmed':>9} "
        f"{'waiting':>7} {'all mail s':>10} {'delivered':>9} {'twice':>5}"
    )
    for result in runs:
        burst = result.burst
        slowest = max((answer.seconds for answer in burst.answers), default=float("nan"))
        print(
            f"{result.processes:>3} {burst.seconds:>8.2f} {burst.per_second:>6.1f} "
            f"{burst.median * 1000:>7.0f} {burst.percentile(0.95) * 1000:>7.0f} {slowest * 1000:>7.0f} "
            f"{result.counts.get('confirmed', 0):>9} {result.counts.get('waiting', 0):>7} "
            f"{result.delivery_seconds:>10.1f} {result.delivered:>9} {result.delivered_twice:>5}"
        )
    for result in runs:
        for outcome, number in sorted(result.burst.outcomes().items(), key=str):
            if outcome[0] != 303:
                print(f"  {result.processes} web: {number} × {outcome}")
        print(f"  {result.processes} web: messages {result.statuses}")
    if len(runs) == 2:
        ratio = runs[0].burst.seconds / runs[1].burst.seconds
        print(f"burst time, 1 web process / 2 web processes: {ratio:.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--seats", type=int, default=100)
    parser.add_argument("--smtp-delay", type=float, default=0.2, help="seconds per message (0.2)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (2)")
    parser.add_argument("--threads", type=int, default=4, help="tasks each worker runs at once (4)")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL, help="created, then dropped")
    options = parser.parse_args()
    if not postgres_server_answers(options.postgres_url):
        return 1
    runs = []
    with tempfile.TemporaryDirectory(prefix="plenary-mail-bench-") as directory:
        try:
            for processes in (1, 2):
                runs.append(run(options.postgres_url, processes, options, Path(directory)))
        finally:
            recreate_database(options.postgres_url, drop_only=True)
    report(runs, options)
    correct = all(
        r.counts == {"confirmed": options.seats, "waiting": options.people - options.seats}
        and r.delivered == options.people
        and all(answer.status == 303 for answer in r.burst.answers)
        for r in runs
    )
    return 0 if correct else 1


if __name__ == "__main__":
    raise SystemExit(main())
