"""A message to a group of 5 000 registrants: time to queue, delivery rate, web latency meanwhile.

    .venv/bin/python bench/group_message_bench.py [--recipients 5000] [--workers 1 2] [--threads 4]
    .venv/bin/python bench/group_message_bench.py --recipients 300 --idle-seconds 3      # quick

On PostgreSQL (the database named by --postgres-url is created for each run and dropped afterwards), with
the task queue on Redis (127.0.0.1:6379, a queue name of the run's own). For each worker count in
`--workers` (a separate run each, on a fresh database): generates a published conference
(`generate_conference`, `--sessions` sessions, programme released) with an open registration form,
inserts `--recipients` confirmed registrations in bulk (half in person, half online) and one organiser
account; starts one app process (uvicorn) and that many worker processes (`python -m app worker`, each
`--threads` threads) sending to an SMTP server in this process (aiosmtpd) that takes --smtp-delay seconds
per message (0 by default: the app's own cost per message).

Then: a few visitors (`--probe-clients` threads, each waiting `--probe-pause` s between requests) read the
event page, the programme page and the registration form over HTTP, `--idle-seconds` before the send and
until every copy is delivered; the organiser logs in through /login and sends the message to all
registrants through the compose form (POST /manage/events/{slug}/messages, `{name}` and `{manage_link}` in
the body). Measured:

- time to queue: from the POST until every copy is written to outgoing_message (polled every 0.1 s; and
  the message's own started_at → finished_at);
- delivery: from the POST until the SMTP server has every copy, and the delivery rate (copies per second
  between the first and the last arrival at the SMTP server), per worker process;
- web latency: p50 / p95 / max of each page while idle, while the copies are written, and while they are
  delivered (after the last copy is written);
- correctness: each recipient received exactly once at the SMTP server, one row each in outgoing_message,
  all `sent`; the copies the periodic sweep queued again (worker logs) are counted.

Prints the load average (1 and 5 min) at each phase: the machine is shared. Stops everything it started
(by PID), drops the database and deletes the run's queue from Redis; exit status 1 when a count is wrong
or a page failed.
"""

import argparse
import asyncio
import os
import re
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from aiosmtpd.controller import Controller
from huey import RedisHuey
from sqlalchemy import insert, text

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from app.accounts.service import create_user  # noqa: E402 - the project is put on the path just above
from app.db import DbSession, make_engine  # noqa: E402
from app.demo import generate_conference  # noqa: E402
from app.events.models import EventOrganiser  # noqa: E402
from app.events.service import set_published  # noqa: E402
from app.programme.releases import release_programme  # noqa: E402
from app.registration.models import (  # noqa: E402
    AttendanceChoice,
    Registration,
    RegistrationForm,
    RegistrationStatus,
)
from bench._harness import process_cpu_seconds  # noqa: E402
from bench.mail_burst_bench import REDIS_URL, start_workers, stop_workers  # noqa: E402
from bench.registration_bench import migrate, postgres_server_answers, recreate_database  # noqa: E402
from tests.concurrency.rush import CSRF_FIELD, SECRET_KEY, free_port, running_app_servers  # noqa: E402

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1/plenary_group_message_bench"
SLUG = "congress-2027"
EMAIL = "organiser@congress.example.org"
PASSWORD = "correct horse battery staple"
SUBJECT = "The congress starts tomorrow"
BODY = (
    "Dear {name},\n\nthe congress starts tomorrow at 9:00. Your registration, your ticket and your "
    "sessions: {manage_link}\n\nSee you there!"
)
# Every copy of a group message (the run's database has one).
COPIES = "FROM outgoing_message WHERE group_message_id IS NOT NULL"
PHASES = ("idle", "writing", "delivering")
SWEEP_LINE = re.compile(r"(\d+) messages were not on the queue: queued again")
# Give up waiting for the copies after this long (the run then fails).
DEADLINE_SECONDS = 1800


def load() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"{one:.2f}/{five:.2f}"


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')} load {load()}] {message}", flush=True)


class CountingMailServer:
    """Accepts every message after `delay` seconds; remembers who got what, and when it arrived."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.recipients: Counter[str] = Counter()
        self.arrivals: list[float] = []
        self.port = free_port()
        server = self

        class Handler:
            async def handle_DATA(self, smtp: Any, session: Any, envelope: Any) -> str:  # noqa: N802
                if server.delay:
                    await asyncio.sleep(server.delay)
                server.recipients.update(address.lower() for address in envelope.rcpt_tos)
                server.arrivals.append(time.monotonic())
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"


def recipient_email(number: int) -> str:
    return f"attendee{number:05d}@congress.example.org"


def prepare_congress(url: str, recipients: int, sessions: int) -> None:
    """The published conference with its released programme, an open form, the organiser, and
    `recipients` confirmed registrations inserted in one statement."""
    engine = make_engine(url)
    started = time.perf_counter()
    try:
        with DbSession(engine, expire_on_commit=False) as db:
            event = generate_conference(db, SLUG, sessions=sessions, rooms=10, days=3, seed=0)
            event = set_published(db, event, True)
            release_programme(db, event, "First programme", None)
            event_id = event.id or 0
            db.add(RegistrationForm(event_id=event_id, is_open=True, waiting_list=True))
            user = create_user(db, EMAIL, PASSWORD, name="Bench Organiser")
            db.add(EventOrganiser(event_id=event_id, user_id=user.id or 0))
            db.commit()
            now = datetime.now(UTC)
            rows = [
                {
                    "event_id": event_id,
                    "email": recipient_email(number),
                    "name": f"Attendee {number:05d}",
                    "affiliation": "Bench University",
                    "country": "DE",
                    "mode": AttendanceChoice.in_person if number % 2 else AttendanceChoice.online,
                    "status": RegistrationStatus.confirmed,
                    "secret": uuid.uuid4().hex,
                    "calendar_secret": uuid.uuid4().hex,
                    "consented_at": now,
                    "created_at": now,
                    "updated_at": now,
                }
                for number in range(recipients)
            ]
            db.execute(insert(Registration), rows)
            db.commit()
    finally:
        engine.dispose()
    took = time.perf_counter() - started
    say(f"congress of {sessions} sessions and {recipients} registrations in {took:.1f} s")


@dataclass(frozen=True)
class Sample:
    at: float  # time.monotonic() when the request was sent
    page: str
    seconds: float
    status: int | None


class Visitors:
    """`clients` threads reading the public pages in turn, each pausing `pause` s between requests (each
    thread's first round, which opens its connection and session, is not timed)."""

    def __init__(self, base_url: str, clients: int, pause: float) -> None:
        self.pages = {
            "event page": f"/events/{SLUG}",
            "programme page": f"/events/{SLUG}/programme",
            "registration form": f"/events/{SLUG}/register",
        }
        self.base_url = base_url
        self.pause = pause
        self.samples: list[Sample] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self.visit, args=(n,), daemon=True) for n in range(clients)]

    def visit(self, number: int) -> None:
        names = list(self.pages)
        turn = number
        with httpx.Client(base_url=self.base_url, timeout=60) as client:
            while not self.stopping.is_set():
                page = names[turn % len(names)]
                turn += 1
                started = time.monotonic()
                try:
                    status: int | None = client.get(self.pages[page]).status_code
                except httpx.HTTPError:
                    status = None
                sample = Sample(started, page, time.monotonic() - started, status)
                if turn > number + len(names) or status != 200:  # each page's first answer is not timed
                    with self.lock:
                        self.samples.append(sample)
                self.stopping.wait(self.pause)

    def __enter__(self) -> "Visitors":
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=70)


@dataclass
class Latency:
    count: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    failed: int


def latency_of(samples: list[Sample]) -> Latency:
    good = sorted(s.seconds * 1000 for s in samples if s.status == 200)
    failed = sum(1 for s in samples if s.status != 200)
    if not good:
        return Latency(0, float("nan"), float("nan"), float("nan"), failed)
    p95 = good[min(len(good) - 1, int(0.95 * len(good)))]
    return Latency(len(good), statistics.median(good), p95, good[-1], failed)


@dataclass
class Run:
    workers: int
    post_ms: float = float("nan")
    post_status: int | None = None
    queued_seconds: float = float("nan")  # from the POST to every copy in outgoing_message
    own_seconds: float = float("nan")  # the message's started_at → finished_at
    delivered_seconds: float = float("nan")  # from the POST to the last copy at the SMTP server
    smtp_span: float = float("nan")  # first to last arrival at the SMTP server
    rows: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    distinct_rows: int = 0
    delivered: int = 0
    delivered_twice: int = 0
    smtp_total: int = 0
    sweep_requeued: int = 0
    failed_pages: int = 0
    # Copies written per second over the first and the last fifth of the audience.
    first_fifth_rate: float = float("nan")
    last_fifth_rate: float = float("nan")
    # Copies delivered while they were still being written, and the rate once all were written.
    delivered_while_writing: int = 0
    rate_after_written: float = float("nan")
    # CPU time (user + system) of the worker processes and of the app process from the send to the end.
    worker_cpu_s: float = float("nan")
    web_cpu_s: float = float("nan")
    latencies: dict[tuple[str, str], Latency] = field(default_factory=dict)
    loads: dict[str, str] = field(default_factory=dict)

    @property
    def delivery_rate(self) -> float:
        return self.smtp_total / self.smtp_span if self.smtp_span > 0 else float("nan")


def log_in(client: httpx.Client) -> None:
    token = CSRF_FIELD.search(client.get("/login").text)
    if token is None:
        raise SystemExit("the login page has no CSRF field")
    answer = client.post("/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token.group(1)})
    if answer.status_code != 303:
        raise SystemExit(f"login failed with {answer.status_code}")


def send_message(client: httpx.Client) -> tuple[httpx.Response, float]:
    page = client.get(f"/manage/events/{SLUG}/messages/new")
    token = CSRF_FIELD.search(page.text)
    if token is None:
        raise SystemExit(f"the compose page answered {page.status_code} without a CSRF field")
    form = {"csrf_token": token.group(1), "audience": "registrants", "subject": SUBJECT, "body": BODY}
    started = time.monotonic()
    answer = client.post(f"/manage/events/{SLUG}/messages", data=form)
    return answer, started


def copies(engine: Any, message_id: int) -> dict[str, int]:
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT status, count(*) FROM outgoing_message WHERE group_message_id = :id GROUP BY status"
            ),
            {"id": message_id},
        )
        return {status: count for status, count in rows}


def fifth_rates(timeline: list[tuple[float, int]], total: int) -> tuple[float, float]:
    """Copies per second over the first fifth of the audience and over the last fifth (from the polls)."""

    def reached(count: float) -> float:
        return next(at for at, written in timeline if written >= count)

    fifth = total / 5
    start, end = timeline[0][0], reached(total)
    first = reached(fifth)
    last_from = reached(total - fifth)
    first_rate = fifth / (first - start) if first > start else float("nan")
    last_rate = fifth / (end - last_from) if end > last_from else float("nan")
    return first_rate, last_rate


def forget_queue(name: str) -> None:
    """Deletes the run's queue from Redis: its tasks, schedule and the results the workers stored (Huey
    keeps every task's return value, one per delivered copy, until someone reads it)."""
    RedisHuey(name, url=REDIS_URL).storage.flush_all()


def sweep_requeued(directory: Path) -> int:
    total = 0
    for log in directory.glob("worker-*.log"):
        total += sum(int(match.group(1)) for match in SWEEP_LINE.finditer(log.read_text(errors="replace")))
    return total


def run(url: str, workers: int, options: argparse.Namespace, directory: Path) -> Run:
    result = Run(workers)
    directory.mkdir(parents=True, exist_ok=True)
    recreate_database(url)
    migrate(url)
    prepare_congress(url, options.recipients, options.sessions)
    mail = CountingMailServer(options.smtp_delay)
    mail.controller.start()
    queue_env = {
        "QUEUE_URL": REDIS_URL,
        "QUEUE_NAME": f"plenary-bench-{uuid.uuid4().hex}",
        "SMTP_URL": mail.url,
        "SECRET_KEY": SECRET_KEY,
        "VAR_DIR": str(directory / "var"),
    }
    worker_env = {**os.environ, **queue_env, "QUEUE_WORKERS": str(options.threads)}
    engine = make_engine(url)
    processes = start_workers(url, worker_env, workers, directory)
    say(f"{workers} worker(s), pids {', '.join(str(p.pid) for p in processes)}")
    try:
        with running_app_servers(url, 1, directory / "web", queue_env) as servers:
            server = servers[0]
            say(f"app server {server.url}, pid {server.process.pid}")
            with httpx.Client(base_url=server.url, timeout=120, follow_redirects=False) as organiser:
                log_in(organiser)
                for path in ("", "/programme", "/register"):  # built once per process: not measured
                    organiser.get(f"/events/{SLUG}{path}")
                with Visitors(server.url, options.probe_clients, options.probe_pause) as visitors:
                    idle_from = time.monotonic()
                    result.loads["idle"] = load()
                    time.sleep(options.idle_seconds)
                    result.loads["send"] = load()
                    cpu_before = [process_cpu_seconds(p.pid) for p in processes]
                    web_cpu_before = process_cpu_seconds(server.process.pid)
                    answer, sent_at = send_message(organiser)
                    result.post_ms = (time.monotonic() - sent_at) * 1000
                    result.post_status = answer.status_code
                    location = answer.headers.get("location", "")
                    found = re.search(r"/messages/(\d+)$", location)
                    if answer.status_code != 303 or found is None:
                        raise SystemExit(
                            f"the send answered {answer.status_code} {location!r}: {answer.text[:300]}"
                        )
                    message_id = int(found.group(1))
                    say(f"sent (message {message_id}) in {result.post_ms:.0f} ms")
                    written_at: float | None = None
                    delivered_at: float | None = None
                    timeline: list[tuple[float, int]] = [(sent_at, 0)]
                    deadline = sent_at + DEADLINE_SECONDS
                    while time.monotonic() < deadline:
                        counts = copies(engine, message_id)
                        now = time.monotonic()
                        timeline.append((now, sum(counts.values())))
                        if written_at is None and sum(counts.values()) >= options.recipients:
                            written_at = now
                            result.loads["written"] = load()
                            say(f"all {options.recipients} copies written after {now - sent_at:.1f} s")
                        if len(mail.recipients) >= options.recipients and mail.arrivals:
                            delivered_at = mail.arrivals[-1]
                            result.loads["delivered"] = load()
                            say(f"all delivered after {delivered_at - sent_at:.1f} s")
                            break
                        time.sleep(0.1)
                    time.sleep(1.0)  # a copy sent twice would arrive now
                    result.worker_cpu_s = sum(
                        process_cpu_seconds(p.pid) - before
                        for p, before in zip(processes, cpu_before, strict=True)
                    )
                    result.web_cpu_s = process_cpu_seconds(server.process.pid) - web_cpu_before
        nothing = float("nan")  # never reached: no sample falls in the phase
        if written_at is not None:
            result.queued_seconds = written_at - sent_at
            result.first_fifth_rate, result.last_fifth_rate = fifth_rates(timeline, options.recipients)
            result.delivered_while_writing = sum(1 for at in mail.arrivals if at < written_at)
            after = len(mail.arrivals) - result.delivered_while_writing
            if delivered_at is not None and delivered_at > written_at:
                result.rate_after_written = after / (delivered_at - written_at)
        if delivered_at is not None:
            result.delivered_seconds = delivered_at - sent_at
        phases = {
            "idle": (idle_from, sent_at),
            "writing": (sent_at, written_at or nothing),
            "delivering": (written_at or nothing, delivered_at or nothing),
        }
        for phase, (start, end) in phases.items():
            for page in visitors.pages:
                chosen = [s for s in visitors.samples if s.page == page and start <= s.at < end]
                result.latencies[(phase, page)] = latency_of(chosen)
        result.failed_pages = sum(1 for s in visitors.samples if s.status != 200)
    finally:
        stop_workers(processes)
        mail.controller.stop()
        forget_queue(queue_env["QUEUE_NAME"])
    with engine.connect() as connection:
        own = connection.execute(
            text("SELECT EXTRACT(EPOCH FROM finished_at - started_at) FROM group_message")
        ).scalar()
        result.own_seconds = float(own) if own is not None else float("nan")
        result.distinct_rows = connection.execute(
            text(f"SELECT count(DISTINCT lower(recipient)) {COPIES}")
        ).scalar_one()
        result.rows = connection.execute(text(f"SELECT count(*) {COPIES}")).scalar_one()
        rows = connection.execute(text(f"SELECT status, count(*) {COPIES} GROUP BY status"))
        result.statuses = {status: count for status, count in rows}
    engine.dispose()
    expected = {recipient_email(number) for number in range(options.recipients)}
    result.delivered = sum(1 for address in expected if mail.recipients[address] >= 1)
    result.delivered_twice = sum(1 for address in expected if mail.recipients[address] > 1)
    result.smtp_total = sum(mail.recipients.values())
    if len(mail.arrivals) > 1:
        result.smtp_span = mail.arrivals[-1] - mail.arrivals[0]
    result.sweep_requeued = sweep_requeued(directory)
    return result


def report(runs: list[Run], options: argparse.Namespace) -> None:
    print()
    print(
        f"Message to {options.recipients} registrants; PostgreSQL, queue on Redis, workers × "
        f"{options.threads} threads, SMTP {options.smtp_delay * 1000:.0f} ms per message, one app process, "
        f"{options.probe_clients} visitors pausing {options.probe_pause * 1000:.0f} ms"
    )
    print(
        f"{'workers':>7} {'POST ms':>7} {'queued s':>8} {'copies/s':>8} {'own s':>6} {'delivered s':>11} "
        f"{'mail/s':>7} {'per worker':>10} {'at SMTP':>7} {'twice':>5} {'rows':>6} {'sent':>6} {'swept':>5}"
    )
    for r in runs:
        print(
            f"{r.workers:>7} {r.post_ms:>7.0f} {r.queued_seconds:>8.1f} "
            f"{options.recipients / r.queued_seconds:>8.0f} {r.own_seconds:>6.1f} "
            f"{r.delivered_seconds:>11.1f} "
            f"{r.delivery_rate:>7.1f} {r.delivery_rate / r.workers:>10.1f} {r.delivered:>7} "
            f"{r.delivered_twice:>5} {r.rows:>6} {r.statuses.get('sent', 0):>6} {r.sweep_requeued:>5}"
        )
    print(
        f"\n{'workers':>7} {'first 1/5 copies/s':>18} {'last 1/5 copies/s':>17} "
        f"{'delivered while written':>23} {'mail/s after':>12} {'worker CPU ms/copy':>18} {'web CPU s':>9}"
    )
    for r in runs:
        print(
            f"{r.workers:>7} {r.first_fifth_rate:>18.0f} {r.last_fifth_rate:>17.0f} "
            f"{r.delivered_while_writing:>23} {r.rate_after_written:>12.1f} "
            f"{r.worker_cpu_s / options.recipients * 1000:>18.2f} {r.web_cpu_s:>9.2f}"
        )
    for r in runs:
        print(f"\n{r.workers} worker(s): load average (1/5 min) {r.loads}; copies by status {r.statuses}")
        print(
            f"  {'phase':<11} {'page':<18} {'n':>4} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'failed':>6}"
        )
        for phase in PHASES:
            for page in ("event page", "programme page", "registration form"):
                lat = r.latencies.get((phase, page))
                if lat is not None:
                    print(
                        f"  {phase:<11} {page:<18} {lat.count:>4} {lat.p50_ms:>7.1f} {lat.p95_ms:>7.1f} "
                        f"{lat.max_ms:>7.1f} {lat.failed:>6}"
                    )
    if len(runs) == 2 and runs[0].workers != runs[1].workers:
        print(
            f"\ndelivery rate, {runs[1].workers} workers / {runs[0].workers}: "
            f"{runs[1].delivery_rate / runs[0].delivery_rate:.2f}"
        )


def is_correct(r: Run, recipients: int) -> bool:
    return (
        r.post_status == 303
        and r.delivered == recipients
        and r.delivered_twice == 0
        and r.smtp_total == recipients
        and r.rows == r.distinct_rows == recipients
        and r.statuses == {"sent": recipients}
        and r.failed_pages == 0
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=5000, help="registrants written to (5000)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker processes, a run each")
    parser.add_argument("--threads", type=int, default=4, help="tasks each worker runs at once (4)")
    parser.add_argument("--smtp-delay", type=float, default=0.0, help="seconds per message (0)")
    parser.add_argument("--sessions", type=int, default=200, help="sessions of the conference (200)")
    parser.add_argument("--idle-seconds", type=float, default=10.0, help="pages read before the send (10)")
    parser.add_argument("--probe-clients", type=int, default=2, help="visitors reading pages (2)")
    parser.add_argument("--probe-pause", type=float, default=0.1, help="each visitor's pause, s (0.1)")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL, help="created, then dropped")
    options = parser.parse_args()
    if options.recipients < 1 or any(w < 1 for w in options.workers) or options.threads < 1:
        parser.error("--recipients, --workers and --threads must be at least 1")
    if not postgres_server_answers(options.postgres_url):
        return 1
    runs = []
    with tempfile.TemporaryDirectory(prefix="plenary-group-message-bench-") as directory:
        try:
            for workers in options.workers:
                runs.append(
                    run(options.postgres_url, workers, options, Path(directory) / f"workers-{workers}")
                )
        finally:
            recreate_database(options.postgres_url, drop_only=True)
    report(runs, options)
    return 0 if all(is_correct(r, options.recipients) for r in runs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
