"""A registration rush against real app processes: the machinery shared by the rush test and its benchmark.

Each person is a coroutine with connections of its own: it opens the public form (which gives it a
session cookie and the CSRF token), waits until everyone has the form, then submits, all at once.
The servers are uvicorn subprocesses on free ports of 127.0.0.1 sharing one database; only 127.0.0.1 is
ever contacted, and every server started here is stopped by its PID.
"""

import asyncio
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import httpx
from sqlmodel import select

import app.models  # noqa: F401 - every table, so the records below can be saved
from app.db import DbSession, make_engine
from app.events.models import AttendanceMode, Event, EventKind, Visibility
from app.registration.models import Registration, RegistrationForm
from app.settings import PROJECT_DIR

HOST = "127.0.0.1"
RUSH_SLUG = "rush-2027"
SECRET_KEY = "rush-secret-key-0123456789abcdef"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
STARTUP_SECONDS = 30
REQUEST_SECONDS = 60


@dataclass(frozen=True)
class Answer:
    """What one person's submission got back: status and redirect path, or why there was none."""

    email: str
    status: int | None
    location: str = ""
    seconds: float = 0.0  # from sending the form to the answer
    error: str = ""

    @property
    def outcome(self) -> tuple[int | None, str]:
        return (self.status, urlsplit(self.location).path if self.location else self.error)


@dataclass
class Burst:
    answers: list[Answer] = field(default_factory=list)
    seconds: float = 0.0  # from the barrier's release to the last answer

    def outcomes(self) -> Counter[tuple[int | None, str]]:
        return Counter(answer.outcome for answer in self.answers)

    @property
    def per_second(self) -> float:
        """Submissions per second that got their redirect to the thanks page (failures do not count)."""
        redirected = sum(1 for answer in self.answers if answer.status == 303)
        return redirected / self.seconds if self.seconds else float("nan")

    def percentile(self, fraction: float) -> float:
        ordered = sorted(answer.seconds for answer in self.answers if answer.status is not None)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")

    @property
    def median(self) -> float:
        timed = [answer.seconds for answer in self.answers if answer.status is not None]
        return statistics.median(timed) if timed else float("nan")


@dataclass(frozen=True)
class AppServer:
    url: str
    process: subprocess.Popen
    log_path: Path

    def log_tail(self, lines: int = 12) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


@dataclass(frozen=True, order=True)
class StoredRegistration:
    email: str
    id: int
    status: str
    mode: str


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def prepare_rush_event(database_url: str, in_person_seats: int, slug: str = RUSH_SLUG) -> str:
    """A published public in-person event whose open form has `in_person_seats` seats and a waiting list."""
    engine = make_engine(database_url)
    try:
        with DbSession(engine, expire_on_commit=False) as db:
            event = Event(
                slug=slug,
                title="Rush Conference 2027",
                kind=EventKind.conference,
                start_date=date(2027, 6, 14),
                end_date=date(2027, 6, 16),
                timezone="Europe/Berlin",
                venue="Berlin",
                attendance_mode=AttendanceMode.in_person,
                visibility=Visibility.public,
                is_published=True,
            )
            db.add(event)
            db.flush()
            db.add(
                RegistrationForm(
                    event_id=event.id or 0, is_open=True, in_person_seats=in_person_seats, waiting_list=True
                )
            )
            db.commit()
    finally:
        engine.dispose()
    return slug


def stored_registrations(database_url: str, slug: str = RUSH_SLUG) -> list[StoredRegistration]:
    """Every registration of the event as saved, sorted by email (a duplicate shows up twice)."""
    engine = make_engine(database_url)
    try:
        with DbSession(engine) as db:
            rows = db.exec(
                select(Registration.email, Registration.id, Registration.status, Registration.mode)
                .join(Event, Event.id == Registration.event_id)
                .where(Event.slug == slug)
            ).all()
    finally:
        engine.dispose()
    return sorted(StoredRegistration(email, id_, str(status), str(mode)) for email, id_, status, mode in rows)


def status_counts(registrations: Sequence[StoredRegistration]) -> dict[str, int]:
    return dict(Counter(registration.status for registration in registrations))


def _server_env(
    database_url: str, port: int, directory: Path, extra_env: Mapping[str, str] | None = None
) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "SMTP_URL"}
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY=SECRET_KEY,
        BASE_URL=f"http://{HOST}:{port}",
        REGISTRATION_RATE_LIMIT="0",  # every person comes from 127.0.0.1 here
        VAR_DIR=str(directory / "var"),  # the confirmation emails land in var/outbox as .eml files
        UPLOAD_DIR=str(directory / "uploads"),
    )
    env.update(extra_env or {})
    return env


def start_app_server(
    database_url: str, directory: Path, name: str, extra_env: Mapping[str, str] | None = None
) -> AppServer:
    port = free_port()
    server_dir = directory / name
    server_dir.mkdir(parents=True, exist_ok=True)
    log_path = server_dir / "server.log"
    arguments = [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory"]
    arguments += ["--host", HOST, "--port", str(port), "--log-level", "warning", "--no-access-log"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            arguments,
            cwd=PROJECT_DIR,
            env=_server_env(database_url, port, server_dir, extra_env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return AppServer(url=f"http://{HOST}:{port}", process=process, log_path=log_path)


def _wait_until_healthy(server: AppServer, deadline: float) -> None:
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the server on {server.url} exited: {server.log_tail()}")
        try:
            if httpx.get(f"{server.url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server on {server.url} did not answer /healthz in time: {server.log_tail()}")


def stop_app_server(server: AppServer) -> None:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=10)


@contextmanager
def running_app_servers(
    database_url: str, count: int, directory: Path, extra_env: Mapping[str, str] | None = None
) -> Iterator[list[AppServer]]:
    """`count` app processes on one database, healthy on entry and stopped on exit, whatever happened."""
    servers: list[AppServer] = []
    try:
        for number in range(count):
            servers.append(start_app_server(database_url, directory, f"server-{number + 1}", extra_env))
        deadline = time.monotonic() + STARTUP_SECONDS
        for server in servers:
            _wait_until_healthy(server, deadline)
        yield servers
    finally:
        for server in servers:
            stop_app_server(server)


def _submission(email: str, number: int, csrf_token: str) -> dict[str, str]:
    return {
        "csrf_token": csrf_token,
        "name": f"Rush Attendee {number}",
        "email": email,
        "affiliation": "Charité – Universitätsmedizin Berlin",
        "country": "DE",
        "consent": "on",
        "website": "",
    }


async def exchange(host: str, port: int, request: bytes, timeout: float) -> tuple[int, dict[str, str], str]:
    """One request on a connection of its own: the answer's status, headers (lower-case names, the last
    of each) and body."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    try:
        writer.write(request)
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
        lines = head.decode("latin-1").split("\r\n")
        headers = {
            name.lower(): value for name, _, value in (line.partition(": ") for line in lines[1:] if line)
        }
        # Every cookie set, as a Cookie header sends them back.
        cookies = [line.partition(": ")[2] for line in lines[1:] if line.lower().startswith("set-cookie:")]
        headers["set-cookie"] = "; ".join(cookie.split(";", 1)[0] for cookie in cookies)
        body = await asyncio.wait_for(reader.readexactly(int(headers.get("content-length", "0"))), timeout)
        return int(lines[0].split(" ", 2)[1]), headers, body.decode("utf-8", "replace")
    finally:
        writer.close()


def fire_registrations(
    server_urls: Sequence[str], slug: str, emails: Sequence[str], timeout: float = REQUEST_SECONDS
) -> Burst:
    """Every email registers once, all at the same moment, spread evenly over the servers.

    The people are coroutines of one event loop writing bare HTTP/1.1: a client library in 300 threads
    took a CPU share comparable to the servers' on the same cores, and sent the last submission well
    after the first. The barrier is an event set once everyone has their form; each submission then goes
    out on a fresh connection (a kept-alive one could have timed out while waiting)."""
    return asyncio.run(_fire(server_urls, slug, emails, timeout))


async def _fire(server_urls: Sequence[str], slug: str, emails: Sequence[str], timeout: float) -> Burst:
    ready = 0
    everyone_ready = asyncio.Event()
    released: list[float] = []
    finished: list[float] = []
    answers: list[Answer] = []

    def arrived() -> None:
        nonlocal ready
        ready += 1
        if ready == len(emails):
            released.append(time.perf_counter())
            everyone_ready.set()

    async def person(number: int, email: str) -> Answer:
        address = urlsplit(server_urls[number % len(server_urls)])
        host, port = address.hostname or HOST, address.port or 80
        try:
            request = f"GET /events/{slug}/register HTTP/1.1\r\nHost: {address.netloc}\r\n\r\n"
            status, headers, page = await exchange(host, port, request.encode(), timeout)
            match = CSRF_FIELD.search(page)
            cookie = headers["set-cookie"]
            error = "" if match and cookie else f"form answered {status} without a CSRF token or cookie"
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as failure:
            match, cookie, error = None, "", f"form: {type(failure).__name__}"
        arrived()
        try:
            await asyncio.wait_for(everyone_ready.wait(), timeout)
        except TimeoutError:
            error = error or "the others never got their form"
        if error or match is None:
            return Answer(email, None, error=error)
        body = urlencode(_submission(email, number, match.group(1))).encode()
        request = (
            f"POST /events/{slug}/register HTTP/1.1\r\nHost: {address.netloc}\r\nCookie: {cookie}\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        started = time.perf_counter()
        try:
            status, headers, _ = await exchange(host, port, request, timeout)
            return Answer(email, status, headers.get("location", ""), time.perf_counter() - started)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as failure:
            return Answer(email, None, error=f"submit: {type(failure).__name__}")
        finally:
            finished.append(time.perf_counter())

    async def counted(number: int, email: str) -> None:
        answers.append(await person(number, email))

    await asyncio.gather(*(counted(number, email) for number, email in enumerate(emails)))
    return Burst(answers=answers, seconds=max(finished) - released[0] if released and finished else 0.0)
