"""Live audience questions under load: thousands of open question pages (server-sent events) on two app
processes, questions and votes pouring in, a keynote's burst of new pages, and a process restarted mid-load.

    .venv/bin/python bench/questions_bench.py                                  # 5000 pages, about 3 minutes
    .venv/bin/python bench/questions_bench.py --connections 200 --seconds 10   # a quick check
    .venv/bin/python bench/questions_bench.py --postgres-url postgresql+psycopg://root@127.0.0.1/other_name

On PostgreSQL (the database named by --postgres-url is created for the run and dropped afterwards, so never
name one you keep): `alembic upgrade head`, then `python -m app generate --slug live-now --sessions 40
--rooms 4 --days 1 --start now` (a published hybrid event running now); the running session that ends last
is chosen and its questions are kept open past its end (`closes_at_end` off, as a moderator can set it), so
that a run near the end of a session is not refused. Two uvicorn processes (`app.main:create_app`) serve it
on free ports of 127.0.0.1; their live hub listens with PostgreSQL's LISTEN/NOTIFY.

Everything else runs in this process on uvloop, with raw HTTP/1.1 over asyncio (an httpx client per stream
would cost more CPU than the servers):

1. `--persons` askers/voters each load the question page once (a session cookie with their own
   `audience_id` and the CSRF token);
2. `--connections` pages open the audience stream (`.../questions/stream?after=0`), alternately on the two
   processes (as a load balancer spreads them), at `--open-rate` per second; the servers' RSS before and
   after gives the memory per open page;
3. the load: `--questions-per-second` questions and `--votes-per-second` votes, sent alternately to the two
   processes by keep-alive connections from the loopback addresses 127.0.0.2 … 127.0.0.(1 + `--addresses`)
   (the per-address limits of app/audience/rate_limit.py count each address apart; every person stays
   under its own limits: 5 questions and 60 votes a minute); each question's text is
   `bench <number> <send time>`, so every page measures the delivery of each question it receives
   (send time: when the POST is written). 3 s of warm-up, then `--seconds` measured: delivery p50/p95/max
   over every (page, question) pair, vote-count frames per page per second, and the CPU of the two
   servers, of PostgreSQL and of this process (from /proc);
4. the keynote: `--burst` new pages open evenly within `--burst-seconds` while the load goes on, each with
   `?after=` the last revision the bench knows (the revision a freshly loaded page carries); their time to
   the first byte (the response's head), and failures;
5. the restart: the first process is stopped by its PID (SIGTERM; SIGKILL after 15 s) and started again on
   the same port, while the load goes on (the POSTs meant for it go to the other one meanwhile, as a load
   balancer would send them). Its pages reconnect as EventSource does, with the `Last-Event-ID` of the last
   event they saw, after `--retry` seconds (± 50 %); then `--after-seconds` more load;
6. the load stops; the bench waits (at most 30 s) until every page holds the last revision, and checks
   that every page received every question asked after it opened (a question counts when its POST was
   answered 200), by the live stream or by the catch-up of a reconnection.

Exit status 1 if any page missed a question. Only 127.0.0.1 … 127.0.0.x are contacted; the processes
started here are stopped by their PIDs and the database dropped, also on Ctrl-C or SIGTERM. The machine
is shared: the load average is printed with the figures.
"""

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from urllib.parse import urlencode

import uvloop
from sqlalchemy import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from _harness import (  # noqa: E402 - the bench folder is put on the path just above
    HOST,
    SECRET_KEY,
    free_port,
    percentile,
    process_cpu_seconds,
    start_server,
    wait_until_healthy,
)
from registration_bench import migrate, postgres_server_answers, recreate_database  # noqa: E402

DEFAULT_POSTGRES_URL = "postgresql+psycopg://root@127.0.0.1/plenary_questions_bench"
SLUG = "live-now"
CSRF_FIELD = re.compile(rb'name="csrf_token" value="([^"]+)"')
QUESTION_MARK = b'"text":"bench '
# Phases of the run, by the moment a question is sent.
WARM_UP, STEADY, BURST, RESTART, AFTER = range(5)
PHASE_NAMES = ("warm-up", "steady", "burst", "restart", "after")
# Delivery latencies in 10 ms bins, up to 120 s (the last bin holds everything slower).
BIN_SECONDS = 0.01
BINS = 12000
# The target.
TARGET_P95_SECONDS = 2.0


def load_average() -> str:
    return "/".join(f"{value:.2f}" for value in os.getloadavg())


def note(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')} load {load_average()}] {message}", flush=True)


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return math.nan


def open_files_limit(pid: int) -> str:
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max open files"):
            return "/".join(line.split()[3:5])
    return "?"


def postgres_cpu_seconds(database: str) -> tuple[dict[int, float], float]:
    """CPU seconds so far of PostgreSQL: of each backend of this run's database (by PID), and of every
    PostgreSQL process (the postmaster with its reaped children: its other users are in there too)."""
    ticks = os.sysconf("SC_CLK_TCK")
    ours: dict[int, float] = {}
    everything = 0.0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
            if stat[stat.find("(") + 1 : stat.rfind(")")] != "postgres":
                continue
            command = Path(f"/proc/{entry.name}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        seconds = (int(fields[11]) + int(fields[12])) / ticks
        if " -D " in command:  # the postmaster: its exited backends are in cutime/cstime
            seconds += (int(fields[13]) + int(fields[14])) / ticks
        everything += seconds
        if f" {database} " in command:
            ours[int(entry.name)] = seconds
    return ours, everything


# --- delivery latencies -------------------------------------------------------------------------------


class Histogram:
    def __init__(self) -> None:
        self.bins = [0] * BINS
        self.count = 0
        self.max = 0.0

    def add(self, seconds: float) -> None:
        index = int(seconds / BIN_SECONDS)
        self.bins[min(max(index, 0), BINS - 1)] += 1
        self.count += 1
        self.max = max(self.max, seconds)

    def percentile(self, fraction: float) -> float:
        if not self.count:
            return math.nan
        wanted = fraction * self.count
        total = 0
        for index, number in enumerate(self.bins):
            total += number
            if total >= wanted:
                return (index + 1) * BIN_SECONDS
        return self.max


@dataclass
class World:
    """What the pages and the load share."""

    slug: str
    session_id: int
    retry_seconds: float
    capacity: int
    phase: int = WARM_UP
    # Vote-count frames are counted only in the measured window.
    counting: bool = False
    stopping: bool = False
    phase_of: bytearray = field(default_factory=bytearray)
    latencies: list[Histogram] = field(default_factory=lambda: [Histogram() for _ in PHASE_NAMES])
    # The highest revision the bench knows (from the answers to the questions asked).
    max_revision: int = 0

    def __post_init__(self) -> None:
        self.phase_of = bytearray(self.capacity)


# --- one open question page: an EventSource -------------------------------------------------------------


class Page(asyncio.Protocol):
    """One audience page's stream; reconnects with Last-Event-ID like EventSource, until the bench stops."""

    def __init__(self, world: World, index: int, port: int) -> None:
        self.world = world
        self.index = index
        self.port = port
        self.after = -1  # the revision it opened at (`?after=`), -1 until it opens
        self.last_id = 0
        self.seen = bytearray(world.capacity)
        self.duplicates = 0
        self.caught_up = 0  # questions received after a reconnection that were sent while it was away
        self.count_frames = 0
        self.connected_wall = math.inf  # time.time() of the head of the current connection
        self.first_byte: float | None = None  # seconds from the first attempt to the first head
        self.open_failures: list[str] = []
        self.drops: list[float] = []  # time.monotonic() of each connection lost
        self.reconnects: list[float] = []  # seconds from a loss to the next head
        self.errors: list[str] = []
        self.transport: asyncio.Transport | None = None
        self._head: bytearray | None = None
        self._raw = b""
        self._sse = b""
        self._need = 0
        self._skip = 0
        self._ready: asyncio.Future[int] | None = None
        self._closed: asyncio.Future[None] | None = None

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        path = (
            f"/events/{self.world.slug}/sessions/{self.world.session_id}/questions/stream?after={self.after}"
        )
        resume = f"Last-Event-ID: {self.last_id}\r\n" if self.last_id > self.after else ""
        transport.write(
            f"GET {path} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\nAccept: text/event-stream\r\n"
            f"Cache-Control: no-cache\r\n{resume}\r\n".encode()
        )

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        if self._ready is not None and not self._ready.done():
            self._ready.set_result(0)
        if self._closed is not None and not self._closed.done():
            self._closed.set_result(None)

    def data_received(self, data: bytes) -> None:
        if self._head is not None:
            self._head += data
            end = self._head.find(b"\r\n\r\n")
            if end < 0:
                return
            head, data = bytes(self._head[:end]).lower(), bytes(self._head[end + 4 :])
            self._head = None
            status = int(head[9:12])
            if self._ready is not None and not self._ready.done():
                self._ready.set_result(status)
            if status != 200 or b"transfer-encoding: chunked" not in head:
                if self.transport is not None:
                    self.transport.close()
                return
            self.connected_wall = time.time()
            if not data:
                return
        self._dechunk(data)

    # HTTP/1.1 chunked body, then the events

    def _dechunk(self, data: bytes) -> None:
        buffer = self._raw + data if self._raw else data
        position, end, pieces = 0, len(buffer), []
        while position < end:
            if self._skip:
                taken = min(self._skip, end - position)
                position += taken
                self._skip -= taken
            elif self._need:
                taken = min(self._need, end - position)
                pieces.append(buffer[position : position + taken])
                position += taken
                self._need -= taken
                if not self._need:
                    self._skip = 2
            else:
                line_end = buffer.find(b"\r\n", position)
                if line_end < 0:
                    break
                size = int(buffer[position:line_end].split(b";")[0], 16)
                position = line_end + 2
                if size == 0:  # the server ended the stream
                    if self.transport is not None:
                        self.transport.close()
                    break
                self._need = size
        self._raw = buffer[position:]
        if pieces:
            self._events(b"".join(pieces))

    def _events(self, data: bytes) -> None:
        buffer = self._sse + data if self._sse else data
        if b"\r" in buffer:  # the keep-alive pings end their lines with CRLF
            buffer = buffer.replace(b"\r\n", b"\n")
        end = buffer.rfind(b"\n\n")
        if end < 0:
            self._sse = buffer
            return
        self._sse = buffer[end + 2 :]
        world = self.world
        for block in buffer[:end].split(b"\n\n"):
            if block.startswith(b"id: "):
                line_end = block.find(b"\n")
                number = int(block[4:line_end])
                self.last_id = max(self.last_id, number)
                block = block[line_end + 1 :]
            if block.startswith(b"event: question"):
                start = block.find(QUESTION_MARK)
                if start < 0:
                    continue
                start += len(QUESTION_MARK)
                space = block.find(b" ", start)
                sent = float(block[space + 1 : block.find(b'"', space)])
                sequence = int(block[start:space])
                if sequence >= len(self.seen):
                    self.seen.extend(bytes(sequence + 1 - len(self.seen)))
                if self.seen[sequence]:
                    self.duplicates += 1
                    continue
                self.seen[sequence] = 1
                if sent >= self.connected_wall:
                    phase = world.phase_of[sequence] if sequence < len(world.phase_of) else AFTER
                    world.latencies[phase].add(time.time() - sent)
                else:
                    self.caught_up += 1
            elif block.startswith(b"event: counts") and world.counting:
                self.count_frames += 1

    # the EventSource

    async def run(self, start_at: float, timeout: float = 30.0) -> None:
        loop = asyncio.get_running_loop()
        await asyncio.sleep(max(0.0, start_at - time.monotonic()))
        first_attempt = time.monotonic()
        if self.after < 0:
            self.after = self.last_id = self.world.max_revision
        dropped_at: float | None = None
        while not self.world.stopping:
            self._head, self._raw, self._sse, self._need, self._skip = bytearray(), b"", b"", 0, 0
            self._ready, self._closed = loop.create_future(), loop.create_future()
            try:
                await asyncio.wait_for(loop.create_connection(lambda: self, HOST, self.port), timeout)
                status = await asyncio.wait_for(asyncio.shield(self._ready), timeout)
            except (OSError, TimeoutError) as error:
                status = 0
                problem = type(error).__name__
            else:
                problem = f"HTTP {status}" if status else "closed before the head"
            if status == 200:
                now = time.monotonic()
                if self.first_byte is None:
                    self.first_byte = now - first_attempt
                if dropped_at is not None:
                    self.reconnects.append(now - dropped_at)
                    dropped_at = None
                await self._closed
                if self.world.stopping:
                    break
                dropped_at = time.monotonic()
                self.drops.append(dropped_at)
            else:
                if self.transport is not None:
                    self.transport.close()
                (self.open_failures if self.first_byte is None else self.errors).append(problem)
            self.connected_wall = math.inf
            # EventSource waits its reconnection time; the jitter keeps pages from coming back as one.
            await asyncio.sleep(self.world.retry_seconds * random.uniform(0.5, 1.5))

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


# --- the askers and voters --------------------------------------------------------------------------------


class KeepAlive:
    """One keep-alive HTTP/1.1 connection from a given loopback address."""

    def __init__(self, port: int, source: str) -> None:
        self.port = port
        self.source = source
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(self, raw: bytes, timeout: float = 30.0) -> tuple[int, bytes, bytes]:
        for attempt in range(2):
            reused = self.writer is not None
            try:
                if self.writer is None:
                    self.reader, self.writer = await asyncio.open_connection(
                        HOST, self.port, local_addr=(self.source, 0)
                    )
                assert self.reader is not None
                self.writer.write(raw)
                return await asyncio.wait_for(self._response(self.reader), timeout)
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if not reused or attempt:  # a kept connection the server closed meanwhile: once more
                    raise
            except BaseException:
                self.close()
                raise
        raise AssertionError("unreachable")

    async def _response(self, reader: asyncio.StreamReader) -> tuple[int, bytes, bytes]:
        head = await reader.readuntil(b"\r\n\r\n")
        lower = head.lower()
        status = int(head[9:12])
        match = re.search(rb"\r\ncontent-length: *(\d+)", lower)
        if match:
            body = await reader.readexactly(int(match.group(1)))
        elif b"transfer-encoding: chunked" in lower:
            parts = []
            while size := int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16):
                parts.append(await reader.readexactly(size))
                await reader.readexactly(2)
            await reader.readexactly(2)
            body = b"".join(parts)
        else:
            body = await reader.read()
        if b"\r\nconnection: close" in lower:
            self.close()
        return status, head, body


@dataclass
class Person:
    cookie: str
    csrf: str
    voted: set[int] = field(default_factory=set)


@dataclass
class Asked:
    sequence: int
    revision: int
    question_id: int


@dataclass
class Load:
    world: World
    ports: list[int]
    options: argparse.Namespace
    persons: list[Person] = field(default_factory=list)
    idle: list[list[KeepAlive]] = field(default_factory=list)
    gates: list[asyncio.Semaphore] = field(default_factory=list)
    pending: set[asyncio.Task] = field(default_factory=set)
    opened: int = 0
    down: list[bool] = field(default_factory=lambda: [False, False])
    asked: list[Asked] = field(default_factory=list)
    recent: deque = field(default_factory=lambda: deque(maxlen=50))
    outcomes: Counter = field(default_factory=Counter)
    post_seconds: dict[str, list[float]] = field(default_factory=lambda: {"question": [], "vote": []})
    lag: list[float] = field(default_factory=list)  # seconds from a request's due time to its sending
    questions_sent: int = 0
    votes_sent: int = 0
    votes_skipped: int = 0
    running: bool = True

    @property
    def path(self) -> str:
        return f"/events/{self.world.slug}/sessions/{self.world.session_id}/questions"

    async def prepare_persons(self) -> None:
        """Each person loads the question page once: a session cookie with its audience_id and the token."""

        async def person(number: int) -> Person:
            connection = KeepAlive(self.ports[number % 2], HOST)
            try:
                raw = f"GET {self.path} HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode()
                status, head, body = await connection.request(raw)
            finally:
                connection.close()
            cookie = re.search(rb"\r\nset-cookie: *(plenary_session=[^;]+)", head, re.IGNORECASE)
            token = CSRF_FIELD.search(body)
            if status != 200 or cookie is None or token is None:
                raise SystemExit(f"the question page answered {status} without a session cookie or token")
            return Person(cookie.group(1).decode(), token.group(1).decode())

        gate = asyncio.Semaphore(20)

        async def limited(number: int) -> Person:
            async with gate:
                return await person(number)

        self.persons = list(await asyncio.gather(*(limited(n) for n in range(self.options.persons))))

    def start(self) -> asyncio.Task:
        self.idle = [[], []]
        self.gates = [asyncio.Semaphore(self.options.max_posts), asyncio.Semaphore(self.options.max_posts)]
        return asyncio.create_task(self.schedule())

    def target(self, number: int) -> int:
        server = number % 2
        return 1 - server if self.down[server] else server

    async def schedule(self) -> None:
        """Questions and votes at a steady pace, alternately to the two processes, each request on a
        connection of its own (kept alive and reused afterwards, as each person's browser would)."""
        started = time.monotonic()
        qps, vps = self.options.questions_per_second, self.options.votes_per_second
        while self.running:
            elapsed = time.monotonic() - started
            while self.questions_sent < elapsed * qps:
                number = self.questions_sent
                self.launch("question", number, started + number / qps)
                self.questions_sent += 1
            while self.votes_sent < elapsed * vps:
                number = self.votes_sent
                self.launch("vote", number, started + number / vps)
                self.votes_sent += 1
            await asyncio.sleep(0.005)

    def launch(self, kind: str, number: int, due: float) -> None:
        task = asyncio.create_task(self.send(kind, number, due, self.target(number)))
        self.pending.add(task)
        task.add_done_callback(self.pending.discard)

    def question_request(self, person: Person, sequence: int) -> bytes:
        if sequence >= len(self.world.phase_of):
            self.world.phase_of.extend(bytes(sequence + 1000 - len(self.world.phase_of)))
        self.world.phase_of[sequence] = self.world.phase
        body = urlencode({"text": f"bench {sequence} {time.time():.6f}", "name": "Bench"}).encode()
        return (
            f"POST {self.path} HTTP/1.1\r\nHost: {HOST}\r\nCookie: {person.cookie}\r\n"
            f"X-CSRF-Token: {person.csrf}\r\nAccept: application/json\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode() + body

    def vote_request(self, person: Person) -> bytes | None:
        candidates = [qid for qid in self.recent if qid not in person.voted]
        if not candidates:
            return None
        question_id = random.choice(candidates)
        person.voted.add(question_id)
        return (
            f"POST {self.path}/{question_id}/vote HTTP/1.1\r\nHost: {HOST}\r\nCookie: {person.cookie}\r\n"
            f"X-CSRF-Token: {person.csrf}\r\nAccept: application/json\r\nContent-Length: 0\r\n\r\n"
        ).encode()

    async def send(self, kind: str, number: int, due: float, server: int, rerouted: bool = False) -> None:
        person = self.persons[number % len(self.persons)]
        async with self.gates[server]:
            idle = self.idle[server]
            if idle:
                connection = idle.pop()
            else:
                self.opened += 1
                source = f"127.0.0.{2 + self.opened % self.options.addresses}"
                connection = KeepAlive(self.ports[server], source)
            if time.monotonic() - due > self.options.max_lag:
                # The processes take less than the rate: not sent, so that the backlog does not grow forever.
                self.outcomes[(kind, f"not sent: over {self.options.max_lag:g} s late")] += 1
                idle.append(connection)
                return
            if kind == "question":
                raw = self.question_request(person, number)
            else:
                vote = self.vote_request(person)
                if vote is None:
                    self.votes_skipped += 1
                    idle.append(connection)
                    return
                raw = vote
            started = time.monotonic()
            self.lag.append(started - due)
            try:
                status, _head, body = await connection.request(raw)
            except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as error:
                failed = error
            else:
                failed = None
                if connection.writer is not None:
                    idle.append(connection)
        if failed is not None:
            if self.down[server] and not rerouted:  # meant for the process being restarted
                self.outcomes[(kind, "sent to the other process")] += 1
                await self.send(kind, number, due, 1 - server, rerouted=True)
            else:
                self.outcomes[(kind, type(failed).__name__)] += 1
            return
        self.post_seconds[kind].append(time.monotonic() - started)
        if status != 200:
            detail = body[:80].decode(errors="replace")
            self.outcomes[(kind, f"{status} {detail}")] += 1
            return
        self.outcomes[(kind, "200")] += 1
        if kind == "question":
            data = json.loads(body)["question"]
            self.asked.append(Asked(number, int(data["rev"]), int(data["id"])))
            self.world.max_revision = max(self.world.max_revision, int(data["rev"]))
            self.recent.append(int(data["id"]))

    async def stop(self, scheduler: asyncio.Task) -> None:
        self.running = False
        await scheduler
        await asyncio.gather(*list(self.pending), return_exceptions=True)
        for connection in self.idle[0] + self.idle[1]:
            connection.close()


# --- the servers --------------------------------------------------------------------------------------------


@dataclass
class Servers:
    url: str
    directory: Path
    ports: list[int]
    processes: list[subprocess.Popen] = field(default_factory=list)
    retired: list[subprocess.Popen] = field(default_factory=list)

    def env(self) -> dict[str, str]:
        return {"VAR_DIR": str(self.directory / "var")}

    def log(self, index: int) -> Path:
        return self.directory / f"server-{index + 1}.log"

    def start(self, index: int) -> subprocess.Popen:
        # The raised RLIMIT_NOFILE of this process is inherited by the servers.
        process = start_server(self.url, self.ports[index], self.log(index), self.env())
        if index < len(self.processes):
            self.retired.append(self.processes[index])
            self.processes[index] = process
        else:
            self.processes.append(process)
        return process

    def healthy(self, index: int) -> None:
        # Its pages reconnect as soon as it listens: the health check waits in the same queue as they do.
        wait_until_healthy(
            f"http://{HOST}:{self.ports[index]}", self.processes[index], timeout=120, answer_within=30
        )

    def stop(self, index: int, grace: float = 15.0) -> tuple[float, bool]:
        """Stops one by its PID: SIGTERM, then SIGKILL after `grace` seconds; (seconds taken, killed)."""
        process = self.processes[index]
        started = time.monotonic()
        if process.poll() is not None:
            return 0.0, False
        process.terminate()
        try:
            process.wait(timeout=grace)
            return time.monotonic() - started, False
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
            return time.monotonic() - started, True

    def stop_all(self) -> None:
        for index in range(len(self.processes)):
            self.stop(index, grace=10.0)

    def log_tail(self, lines: int = 8) -> str:
        tails = []
        for index in range(len(self.ports)):
            path = self.log(index)
            content = path.read_text(errors="replace").strip() if path.exists() else ""
            if content:
                tails.append(f"server {index + 1}:\n" + "\n".join(content.splitlines()[-lines:]))
        return "\n".join(tails)


def prepare_event(url: str, directory: Path) -> int:
    """The generated event running now, by the project's own command; the id of the session to ask in."""
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET_KEY, "VAR_DIR": str(directory / "var")}
    arguments = ["-m", "app", "generate", "--slug", SLUG, "--sessions", "40", "--rooms", "4", "--days", "1"]
    made = subprocess.run(
        [sys.executable, *arguments, "--start", "now"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    if made.returncode:
        raise SystemExit(f"`python -m app generate` failed:\n{made.stdout}{made.stderr}")
    from sqlmodel import col, select

    import app.models  # noqa: F401 - every table
    from app.audience.models import AudienceSettings
    from app.db import DbSession, make_engine, utcnow
    from app.events.models import Event
    from app.programme.models import Session

    engine = make_engine(url)
    try:
        with DbSession(engine) as db:
            now = utcnow()
            running = db.exec(
                select(Session)
                .join(Event, col(Event.id) == col(Session.event_id))
                .where(
                    col(Event.slug) == SLUG,
                    col(Session.start_at) <= now,
                    col(Session.end_at) > now,
                    col(Session.is_cancelled).is_(False),
                )
                .order_by(col(Session.end_at).desc())
            ).first()
            if running is None:
                raise SystemExit("the generated event has no session running now")
            session_id = running.id or 0
            minutes = (running.end_at - now).total_seconds() / 60
            note(f"session {session_id} ({running.title!r}) runs now, {minutes:.0f} more minutes")
            # As a moderator can choose: questions stay open after the session's end.
            db.add(AudienceSettings(session_id=session_id, closes_at_end=False))
            db.commit()
    finally:
        engine.dispose()
    return session_id


# --- the run ------------------------------------------------------------------------------------------------


@dataclass
class Sample:
    wall: float
    servers: list[float]
    postgres_ours: dict[int, float]
    postgres_all: float
    client: float

    @classmethod
    def take(cls, servers: Servers, database: str) -> "Sample":
        ours, everything = postgres_cpu_seconds(database)
        return cls(
            time.monotonic(),
            [process_cpu_seconds(process.pid) for process in servers.processes],
            ours,
            everything,
            own_cpu_seconds(),
        )


@dataclass
class Window:
    name: str
    seconds: float
    servers: list[float]
    postgres_ours: float
    postgres_all: float
    client: float
    load: str

    @classmethod
    def between(cls, name: str, before: Sample, after: Sample) -> "Window":
        return cls(
            name,
            after.wall - before.wall,
            [b - a for a, b in zip(before.servers, after.servers, strict=True)],
            # A backend that ended within the window took its CPU with it; one that began counts whole.
            sum(seconds - before.postgres_ours.get(pid, 0.0) for pid, seconds in after.postgres_ours.items()),
            after.postgres_all - before.postgres_all,
            after.client - before.client,
            load_average(),
        )


@dataclass
class Results:
    open_seconds: float = 0.0
    rss_before: list[float] = field(default_factory=list)
    rss_open: list[float] = field(default_factory=list)
    rss_loaded: list[float] = field(default_factory=list)
    rss_burst: list[float] = field(default_factory=list)
    client_rss_open: float = 0.0
    windows: list[Window] = field(default_factory=list)
    steady_seconds: float = 0.0
    steady_answered: Counter = field(default_factory=Counter)
    stop_seconds: float = 0.0
    killed: bool = False
    down_seconds: float = 0.0
    drained: bool = False
    drain_seconds: float = 0.0


def client_rss() -> float:
    return rss_mib(os.getpid())


async def wait_open(pages: list[Page], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(page.first_byte is not None for page in pages):
            return True
        await asyncio.sleep(0.2)
    return False


async def run(options: argparse.Namespace, servers: Servers, session_id: int, results: Results) -> tuple:
    database = make_url(options.postgres_url).database or ""
    planned = options.seconds + options.burst_seconds + options.after_seconds + 60
    world = World(SLUG, session_id, options.retry, int(options.questions_per_second * planned) + 1000)
    load = Load(world, servers.ports, options)
    note(f"{options.persons} persons load the question page")
    await load.prepare_persons()
    await asyncio.sleep(1.0)
    results.rss_before = [rss_mib(process.pid) for process in servers.processes]

    pages = [Page(world, index, servers.ports[index % 2]) for index in range(options.connections)]
    note(f"opening {len(pages)} pages at {options.open_rate:g}/s")
    started = time.monotonic()
    page_tasks = [
        asyncio.create_task(page.run(started + index / options.open_rate)) for index, page in enumerate(pages)
    ]
    if not await wait_open(pages, len(pages) / options.open_rate + 60):
        note(f"only {sum(p.first_byte is not None for p in pages)} of {len(pages)} pages opened")
    results.open_seconds = time.monotonic() - started
    await asyncio.sleep(2.0)
    results.rss_open = [rss_mib(process.pid) for process in servers.processes]
    results.client_rss_open = client_rss()
    note(
        f"pages open in {results.open_seconds:.1f} s; "
        f"server RSS {results.rss_before} → {results.rss_open} MiB"
    )

    scheduler = load.start()
    note(f"load: {options.questions_per_second:g} questions/s, {options.votes_per_second:g} votes/s")
    await asyncio.sleep(3.0)
    world.phase, world.counting = STEADY, True
    before = Sample.take(servers, database)
    answered = Counter(load.outcomes)
    await asyncio.sleep(options.seconds)
    world.counting = False
    after = Sample.take(servers, database)
    results.steady_answered = Counter(load.outcomes)
    results.steady_answered.subtract(answered)
    results.steady_seconds = after.wall - before.wall
    results.windows.append(Window.between("steady", before, after))
    results.rss_loaded = [rss_mib(process.pid) for process in servers.processes]
    note(f"steady window over: {load.outcomes}")

    world.phase = BURST
    burst = [Page(world, len(pages) + index, servers.ports[index % 2]) for index in range(options.burst)]
    note(f"burst: {len(burst)} pages open within {options.burst_seconds:g} s")
    before = Sample.take(servers, database)
    started = time.monotonic()
    page_tasks += [
        asyncio.create_task(page.run(started + index * options.burst_seconds / max(len(burst), 1)))
        for index, page in enumerate(burst)
    ]
    await asyncio.sleep(options.burst_seconds)
    await wait_open(burst, 30)
    after = Sample.take(servers, database)
    results.windows.append(Window.between("burst", before, after))
    results.rss_burst = [rss_mib(process.pid) for process in servers.processes]
    await asyncio.sleep(3.0)

    world.phase = RESTART
    note(f"restart: stopping server 1 (pid {servers.processes[0].pid})")
    before = Sample.take(servers, database)
    load.down[0] = True
    # The stopped process's CPU over its life: what reaping it adds to this process's children's usage.
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    results.stop_seconds, results.killed = await asyncio.to_thread(servers.stop, 0)
    reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
    retired_cpu = reaped.ru_utime + reaped.ru_stime - children.ru_utime - children.ru_stime
    note(f"server 1 stopped in {results.stop_seconds:.1f} s{' (killed)' if results.killed else ''}; starting")
    down_at = time.monotonic() - results.stop_seconds
    servers.start(0)
    await asyncio.to_thread(servers.healthy, 0)
    load.down[0] = False
    results.down_seconds = time.monotonic() - down_at
    note(f"server 1 back (pid {servers.processes[0].pid}) after {results.down_seconds:.1f} s")
    await asyncio.sleep(options.after_seconds)
    after = Sample.take(servers, database)
    window = Window.between("restart", before, after)
    window.servers[0] = retired_cpu - before.servers[0] + after.servers[0]
    results.windows.append(window)

    world.phase = AFTER
    await load.stop(scheduler)
    note(f"load stopped: {load.outcomes}")
    started = time.monotonic()
    everyone = pages + burst
    while time.monotonic() - started < 30:
        if all(page.last_id >= world.max_revision for page in everyone):
            results.drained = True
            break
        await asyncio.sleep(0.5)
    results.drain_seconds = time.monotonic() - started
    world.stopping = True
    for page in everyone:
        page.close()
    # A page stuck mid-reconnection must not keep the report waiting: 30 s, then it is cancelled.
    _, stuck = await asyncio.wait(page_tasks, timeout=30)
    for task in stuck:
        task.cancel()
    await asyncio.gather(*page_tasks, return_exceptions=True)
    if stuck:
        note(f"{len(stuck)} pages still reconnecting 30 s after the load stopped: cancelled")
    return world, load, pages, burst


# --- the report ---------------------------------------------------------------------------------------------


def missed_questions(page: Page, asked: list[Asked]) -> int:
    return sum(1 for item in asked if item.revision > page.after and not page.seen[item.sequence])


def report(
    options: argparse.Namespace,
    results: Results,
    world: World,
    load: Load,
    pages: list[Page],
    burst: list[Page],
) -> int:
    print()
    print(
        f"{options.connections} pages on 2 processes, {options.questions_per_second:g} questions/s and "
        f"{options.votes_per_second:g} votes/s; PostgreSQL LISTEN/NOTIFY; load average now {load_average()}"
    )
    opened = sum(page.first_byte is not None for page in pages)
    per_process = [
        sum(1 for page in pages if page.port == port and page.first_byte is not None) for port in load.ports
    ]
    print(
        f"pages opened: {opened} of {len(pages)} in {results.open_seconds:.1f} s ({per_process} per process)"
    )
    for index in range(2):
        grown = results.rss_open[index] - results.rss_before[index]
        per_page = grown * 1024 / per_process[index] if per_process[index] else math.nan
        print(
            f"  server {index + 1} RSS: {results.rss_before[index]:.1f} MiB idle → "
            f"{results.rss_open[index]:.1f} "
            f"with its pages open ({per_page:.1f} KiB per page) → {results.rss_loaded[index]:.1f} after the "
            f"steady load → {results.rss_burst[index]:.1f} after the burst"
        )
    print(
        f"  this process (all the pages' clients): {results.client_rss_open:.1f} MiB RSS with the pages open"
    )

    print()
    print(
        "delivery, from writing the question's POST to a page receiving it, over every (page, question) pair"
    )
    print(f"{'questions sent in':<18} {'pairs':>9} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for phase, name in enumerate(PHASE_NAMES):
        histogram = world.latencies[phase]
        if histogram.count:
            print(
                f"{name:<18} {histogram.count:>9} {histogram.percentile(0.5) * 1000:>8.0f} "
                f"{histogram.percentile(0.95) * 1000:>8.0f} {histogram.max * 1000:>8.0f}"
            )
    steady = world.latencies[STEADY]
    frames = [page.count_frames / results.steady_seconds for page in pages if page.first_byte is not None]
    print(
        "vote-count frames per page per second (steady window): "
        f"mean {sum(frames) / max(len(frames), 1):.2f}, "
        f"max {max(frames, default=math.nan):.2f}"
    )
    print()
    print("CPU seconds (and % of one core) per window; PostgreSQL 'all' includes every user of the server")
    print(
        f"{'window':<8} {'s':>6} {'server 1':>15} {'server 2':>15} {'PG this db':>15} {'PG all':>15} "
        f"{'bench client':>15} {'load after':>16}"
    )
    for window in results.windows:

        def cell(seconds: float, wall: float = window.seconds) -> str:
            return f"{seconds:.1f} ({seconds / wall * 100:.0f} %)"

        print(
            f"{window.name:<8} {window.seconds:>6.1f} {cell(window.servers[0]):>15} "
            f"{cell(window.servers[1]):>15} "
            f"{cell(window.postgres_ours):>15} {cell(window.postgres_all):>15} {cell(window.client):>15} "
            f"{window.load:>16}"
        )

    print()
    ok_questions = load.outcomes[("question", "200")]
    print(
        f"posted: {load.questions_sent} questions, {load.votes_sent} votes ({load.votes_skipped} votes "
        f"skipped: nothing left to vote for); answered 200: {ok_questions} questions, "
        f"{load.outcomes[('vote', '200')]} votes"
    )
    for (kind, outcome), number in sorted(load.outcomes.items()):
        if outcome != "200":
            print(f"  {kind}: {number} × {outcome}")
    window = results.steady_answered
    print(
        f"  answered 200 in the steady window: "
        f"{window[('question', '200')] / results.steady_seconds:.1f} questions/s, "
        f"{window[('vote', '200')] / results.steady_seconds:.1f} votes/s"
    )
    for kind, seconds in load.post_seconds.items():
        if seconds:
            print(
                f"  {kind} POST answered in p50 {percentile(seconds, 0.5) * 1000:.0f} ms, p95 "
                f"{percentile(seconds, 0.95) * 1000:.0f} ms, max {max(seconds) * 1000:.0f} ms"
            )
    print(
        f"  sent late (the bench's own delay): p95 {percentile(load.lag, 0.95) * 1000:.0f} ms, "
        f"max {max(load.lag, default=math.nan) * 1000:.0f} ms; {load.opened} connections opened"
    )

    print()
    first_bytes = [page.first_byte for page in burst if page.first_byte is not None]
    failures = Counter(problem for page in burst for problem in page.open_failures)
    print(
        f"burst: {len(burst)} pages within {options.burst_seconds:g} s: {len(first_bytes)} opened, "
        f"time to first byte p50 {percentile(first_bytes, 0.5) * 1000:.0f} ms, "
        f"p95 {percentile(first_bytes, 0.95) * 1000:.0f} "
        f"ms, max {max(first_bytes, default=math.nan) * 1000:.0f} ms; "
        f"failed attempts: {dict(failures) or 'none'}; never opened: {len(burst) - len(first_bytes)}"
    )

    print()
    restarted = [page for page in pages + burst if page.port == load.ports[0]]
    others = [page for page in pages + burst if page.port != load.ports[0]]
    reconnects = [seconds for page in restarted for seconds in page.reconnects]
    print(
        f"restart of server 1: stopped in {results.stop_seconds:.1f} s "
        f"({'SIGKILL after the grace' if results.killed else 'SIGTERM'}), serving again "
        f"{results.down_seconds:.1f} s after the stop began"
    )
    print(
        f"  its {len(restarted)} pages: {sum(bool(page.drops) for page in restarted)} lost the connection, "
        f"{len(reconnects)} reconnections, time to reconnect p50 {percentile(reconnects, 0.5):.1f} s, p95 "
        f"{percentile(reconnects, 0.95):.1f} s, max {max(reconnects, default=math.nan):.1f} s; "
        f"{sum(page.caught_up for page in restarted)} questions delivered by the catch-up"
    )
    unexpected = sum(len(page.drops) for page in others)
    print(f"  the other process's {len(others)} pages: {unexpected} connections lost (expected 0)")

    print()
    everyone = pages + burst
    missed = [(page, missed_questions(page, load.asked)) for page in everyone]
    missing_pages = [(page, number) for page, number in missed if number]
    duplicates = sum(page.duplicates for page in everyone)
    print(
        f"completeness: {len(load.asked)} questions answered 200; the bench waited "
        f"{results.drain_seconds:.1f} s for the last revision "
        f"({'reached' if results.drained else 'NOT reached'} "
        f"by every page); duplicates received (ignored): {duplicates}"
    )
    print(
        f"  pages that missed a question: {len(missing_pages)} of {len(everyone)}, "
        f"(page, question) pairs missed: {sum(number for _, number in missing_pages)}"
    )
    for page, number in missing_pages[:5]:
        print(
            f"    page {page.index} on port {page.port}: {number} missed, after={page.after}, "
            f"last id {page.last_id}, drops {len(page.drops)}, errors {page.errors[:3]}"
        )
    print()
    p95 = steady.percentile(0.95)
    verdict = "met" if p95 < TARGET_P95_SECONDS and not missing_pages else "NOT met"
    print(
        f"target: p95 delivery under {TARGET_P95_SECONDS:g} s to every page, none missed: {verdict} "
        f"(steady p95 {p95 * 1000:.0f} ms, {len(missing_pages)} pages missed questions)"
    )
    return 1 if missing_pages or opened < len(pages) else 0


# --- main ---------------------------------------------------------------------------------------------------


def stop_on_sigterm(_signal: int, _frame: FrameType | None) -> None:
    raise SystemExit(143)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=5000, help="open question pages (5000)")
    parser.add_argument("--seconds", type=float, default=30, help="the measured steady window (30)")
    parser.add_argument("--questions-per-second", type=float, default=20)
    parser.add_argument("--votes-per-second", type=float, default=200)
    parser.add_argument("--burst", type=int, default=1000, help="pages opening at a keynote's start (1000)")
    parser.add_argument("--burst-seconds", type=float, default=10, help="within this many seconds (10)")
    parser.add_argument("--after-seconds", type=float, default=15, help="load after the restart (15)")
    parser.add_argument("--open-rate", type=float, default=500, help="pages opened per second first (500)")
    parser.add_argument("--retry", type=float, default=1.0, help="EventSource reconnection time, s (1)")
    parser.add_argument("--persons", type=int, default=400, help="askers and voters (400)")
    parser.add_argument("--max-posts", type=int, default=400, help="POSTs in flight per process, at most")
    parser.add_argument(
        "--max-lag", type=float, default=10, help="a POST this many seconds late is not sent (10)"
    )
    parser.add_argument("--addresses", type=int, default=16, help="loopback source addresses (16)")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL, help="created, then dropped")
    options = parser.parse_args()
    if not 1 <= options.connections <= 8000 or not 0 <= options.burst <= 4000:
        parser.error("--connections must be 1 to 8000 and --burst 0 to 4000")
    if not 1 <= options.addresses <= 200 or options.persons < 1 or options.max_posts < 1:
        parser.error("--addresses must be 1 to 200, --persons and --max-posts at least 1")
    # Every person under its own limits: 5 questions and 60 votes a minute (each process counts apart).
    if (
        options.persons * 60 / 5 < options.questions_per_second * 60
        or options.persons < options.votes_per_second
    ):
        parser.error("too few --persons for the rates: each may ask 5 questions and vote 60 times a minute")

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = options.connections + options.burst + 2 * options.max_posts + 500
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(needed, soft)), hard))
    if resource.getrlimit(resource.RLIMIT_NOFILE)[0] < needed:
        print(f"warning: RLIMIT_NOFILE {resource.getrlimit(resource.RLIMIT_NOFILE)}, {needed} wanted")

    signal.signal(signal.SIGTERM, stop_on_sigterm)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if not postgres_server_answers(options.postgres_url):
        return 1
    with tempfile.TemporaryDirectory(prefix="plenary-questions-bench-") as name:
        directory = Path(name)
        servers = Servers(options.postgres_url, directory, [free_port(), free_port()])
        results = Results()
        try:
            recreate_database(options.postgres_url)
            migrate(options.postgres_url)
            session_id = prepare_event(options.postgres_url, directory)
            for index in range(2):
                servers.start(index)
            for index in range(2):
                servers.healthy(index)
            pids = ", ".join(str(process.pid) for process in servers.processes)
            limits = open_files_limit(servers.processes[0].pid)
            note(f"servers pid {pids} on ports {servers.ports}; their open files limit {limits}")
            world, load, pages, burst = uvloop.run(run(options, servers, session_id, results))
        finally:
            servers.stop_all()
            tail = servers.log_tail()
            with contextlib.suppress(Exception):
                recreate_database(options.postgres_url, drop_only=True)
        if tail:
            print("\nserver logs (last lines):\n" + tail)
        return report(options, results, world, load, pages, burst)


if __name__ == "__main__":
    raise SystemExit(main())
