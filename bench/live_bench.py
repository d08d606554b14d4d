"""The event day's live pages under load: now and next, the room screens, the JSON, and 500 screens polling.

    .venv/bin/python bench/live_bench.py                               # both parts, about 7 minutes
    .venv/bin/python bench/live_bench.py --parts rates --seconds 5     # the rates only
    .venv/bin/python bench/live_bench.py --parts rates --only screen JSON
    .venv/bin/python bench/live_bench.py --parts screens --screens 500 --screen-seconds 150
    .venv/bin/python bench/live_bench.py --parts screens --without-etag   # and again with no If-None-Match

Builds a throw-away SQLite database in a temporary directory with the project's own commands
(`python -m app migrate`, then `python -m app generate --slug bench-live --sessions 1000 --rooms 20
--days 4 --start now`: a published hybrid conference running now, its programme released), starts the real
server (uvicorn, one worker, on a free port of 127.0.0.1, `VAR_DIR` in the temporary directory), then:

1. **rates** (`--concurrency` threads with a keep-alive `httpx.Client` each, `--seconds` per load, the
   method of the programme benchmark): for the now page, its htmx block (`HX-Request: true`), a room
   screen's htmx block and `/api/events/{slug}/now`, the rate and the server's CPU per answer, first
   without `If-None-Match` (every answer a 200), then sending back the ETag of the last 200 as a browser
   revalidating does (304 until the minute or the version changes, then one 200 with the new ETag); each
   set against the file under /static closest in size to the answer as it travelled (gzip), loaded just
   before it in the same way (200, then 304 to its ETag);
2. **screens**: `--screens` clients in this process (one `httpx.AsyncClient` each, so one connection each,
   as separate screens have), spread over the rooms; client i opens the full screen page at
   i × spread / screens seconds, then polls the screen's htmx block every `--interval` seconds sending
   `If-None-Match` with the ETag of its last 200 (the browser's cache revalidating a
   `Cache-Control: public, no-cache` answer). After a warm-up of two intervals (every screen open, and
   holding an ETag), the server process's CPU (utime + stime from /proc/<pid>/stat) and this process's CPU
   are read over `--screen-seconds`, as % of one core, with the latency p50 / p95 / max and the share of
   304s of the polls sent in that window, and how many minute changes it spanned.

The load average (1 / 5 / 15 min) is printed with every figure: the machine is shared. Only 127.0.0.1 is
contacted; the server started here is stopped by its PID (also on Ctrl-C or SIGTERM) and the temporary
directory removed. Exit status 1 if any request failed (an error, a timeout, or an answer that was neither
a non-empty 200 nor a 304 to the ETag sent).
"""

import argparse
import asyncio
import math
import os
import resource
import signal
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import (  # noqa: E402 - the bench folder is put on the path just above
    HOST,
    PROJECT_DIR,
    SECRET_KEY,
    free_port,
    percentile,
    print_log_tail,
    process_cpu_seconds,
    start_server,
    stop_server,
    wait_until_healthy,
)

SLUG = "bench-live"
# Browsers, and so htmx, ask for gzip; the server compresses the pages (not the JSON).
GZIP = {"Accept-Encoding": "gzip"}
HTMX = {"HX-Request": "true"}
# The targets.
MIN_STATIC_RATIO = 0.5
MAX_SCREENS_CPU_PERCENT = 10.0


def load_average() -> str:
    return "/".join(f"{value:.2f}" for value in os.getloadavg())


def note(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')} load {load_average()}] {message}", flush=True)


def own_cpu_seconds() -> float:
    """User + system CPU time of this process (all its threads) so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def python() -> str:
    venv = PROJECT_DIR / ".venv" / "bin" / "python"
    return str(venv if venv.exists() else sys.executable)


# --- the event --------------------------------------------------------------------------------------------


def generate_event(directory: Path, options: argparse.Namespace) -> tuple[str, dict[str, str]]:
    """A migrated SQLite database with the generated event running now, made by the project's commands."""
    url = f"sqlite:///{directory / 'bench.sqlite3'}"
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET_KEY, "VAR_DIR": str(directory / "var")}
    size = ["--sessions", str(options.sessions), "--rooms", str(options.rooms), "--days", str(options.days)]
    for command in (["migrate"], ["generate", "--slug", SLUG, *size, "--start", "now"]):
        started = time.perf_counter()
        finished = subprocess.run(
            [python(), "-m", "app", *command],
            cwd=PROJECT_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if finished.returncode != 0:
            output = (finished.stderr or finished.stdout).strip()[-800:]
            raise SystemExit(f"python -m app {command[0]} exited with {finished.returncode}:\n{output}")
        took = time.perf_counter() - started
        lines = [line for line in finished.stdout.splitlines() if line.startswith(("Generated", "Runs"))]
        note(f"python -m app {' '.join(command)}: {took:.1f} s " + " ".join(lines))
    return url, {"VAR_DIR": str(directory / "var")}


def room_ids(base_url: str) -> tuple[list[int], str]:
    """The rooms of the event (from its JSON now and next) and its phase, which should be `running`."""
    answer = httpx.get(f"{base_url}/api/events/{SLUG}/now", timeout=60)
    answer.raise_for_status()
    data = answer.json()
    rooms = [room["room_id"] for room in data["rooms"] if room["room_id"] is not None]
    if not rooms:
        raise SystemExit("the generated event has no rooms")
    return rooms, data["phase"]


# --- part 1: rates ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Address:
    name: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Load:
    """A bounded load on one address: the answers that passed, their latencies, what failed, CPU used."""

    seconds: float
    full: int = 0
    not_modified: int = 0
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    server_cpu_s: float = 0.0
    client_cpu_s: float = 0.0
    load_after: str = ""

    @property
    def requests(self) -> int:
        return self.full + self.not_modified

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms(self) -> float:
        return self.server_cpu_s / self.requests * 1000 if self.requests else math.nan

    @property
    def client_cpu_ms(self) -> float:
        return self.client_cpu_s / self.requests * 1000 if self.requests else math.nan

    @property
    def share_304(self) -> float:
        return self.not_modified / self.requests if self.requests else math.nan


def threaded_load(
    base_url: str,
    path: str,
    headers: dict[str, str],
    *,
    etag: str | None,
    concurrency: int,
    seconds: float,
    server_pid: int,
) -> Load:
    """`concurrency` threads, each with a keep-alive `httpx.Client`, sending requests for `seconds`, each
    waiting for its answer. With `etag`, each sends back the ETag it holds in If-None-Match and takes the
    new one from any 200 (a revalidating browser): a 304 to the ETag sent or a non-empty 200 passes."""
    load = Load(seconds)
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def worker() -> None:
        held = etag
        full = not_modified = 0
        latencies: list[float] = []
        failures: list[str] = []
        with httpx.Client(base_url=base_url, timeout=30, headers=headers) as client:
            while time.perf_counter() < stop_at:
                asked = {"If-None-Match": held} if held else {}
                started = time.perf_counter()
                try:
                    response = client.get(path, headers=asked)
                except httpx.HTTPError as error:
                    failures.append(type(error).__name__)
                    continue
                elapsed = time.perf_counter() - started
                if response.status_code == 304 and held:
                    not_modified += 1
                elif response.status_code == 200 and response.content:
                    full += 1
                    if etag is not None:
                        held = response.headers.get("etag")
                        if held is None:
                            failures.append("a 200 without ETag")
                else:
                    failures.append(f"{response.status_code} with {len(response.content)} bytes")
                    continue
                latencies.append(elapsed)
        with lock:
            load.full += full
            load.not_modified += not_modified
            load.latencies.extend(latencies)
            load.failures.extend(failures)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    server_before, client_before = process_cpu_seconds(server_pid), own_cpu_seconds()
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    load.seconds = time.perf_counter() - started
    load.server_cpu_s = process_cpu_seconds(server_pid) - server_before
    load.client_cpu_s = own_cpu_seconds() - client_before
    load.load_after = load_average()
    return load


@dataclass(frozen=True)
class Probe:
    status: int
    travelled: int  # body bytes as sent (gzip when gzipped)
    size: int  # body bytes decoded
    etag: str | None
    encoding: str | None


def probe(base_url: str, path: str, headers: dict[str, str]) -> Probe:
    response = httpx.get(f"{base_url}{path}", headers=headers, timeout=60)
    return Probe(
        response.status_code,
        response.num_bytes_downloaded,
        len(response.content),
        response.headers.get("etag"),
        response.headers.get("content-encoding"),
    )


def static_files() -> list[tuple[str, int]]:
    """The files served under /static, with their sizes."""
    root = PROJECT_DIR / "static"
    return sorted(
        (f"/static/{path.relative_to(root).as_posix()}", path.stat().st_size)
        for path in root.rglob("*")
        if path.is_file() and "bench-tmp" not in path.parts and path.stat().st_size > 0
    )


def closest_static(size: int) -> tuple[str, int]:
    """The static file closest in size (by ratio) to an answer of `size` bytes."""
    return min(static_files(), key=lambda item: abs(math.log(item[1] / max(size, 1))))


@dataclass
class RateRow:
    address: Address
    conditional: bool
    probe: Probe
    static_path: str
    static_size: int
    load: Load | None = None
    static: Load | None = None
    note: str = ""

    @property
    def ratio(self) -> float:
        if self.load is None or self.static is None or not self.static.rps:
            return math.nan
        return self.load.rps / self.static.rps


def measure_rates(
    base_url: str, addresses: list[Address], options: argparse.Namespace, pid: int
) -> list[RateRow]:
    rows: list[RateRow] = []
    for address in addresses:
        headers = {**GZIP, **address.headers}
        first = probe(base_url, address.path, headers)
        static_path, static_size = closest_static(first.travelled)
        for conditional in (False, True):
            row = RateRow(address, conditional, first, static_path, static_size)
            rows.append(row)
            label = f"{address.name}, {'If-None-Match' if conditional else '200'}"
            if first.status != 200 or not first.size:
                row.note = f"answered {first.status} with {first.size} bytes: not measured"
                row.load = Load(0, failures=[row.note])
                continue
            if conditional and first.etag is None:
                row.note = "no ETag in its answers: no 304 path, not measured"
                note(f"{label}: {row.note}")
                continue
            # The static file just before, the same way: rates move with what else runs on the machine.
            static_etag = probe(base_url, static_path, GZIP).etag if conditional else None
            row.static = threaded_load(
                base_url,
                static_path,
                GZIP,
                etag=static_etag,
                concurrency=options.concurrency,
                seconds=options.seconds,
                server_pid=pid,
            )
            etag = probe(base_url, address.path, headers).etag if conditional else None
            row.load = threaded_load(
                base_url,
                address.path,
                headers,
                etag=etag,
                concurrency=options.concurrency,
                seconds=options.seconds,
                server_pid=pid,
            )
            note(
                f"{label}: {row.load.rps:.0f} rps, {row.load.cpu_ms:.2f} CPU ms, "
                f"304 {row.load.share_304:.0%}; static {static_path} {row.static.rps:.0f} rps; "
                f"ratio {row.ratio:.2f}"
            )
    return rows


def report_rates(rows: list[RateRow], options: argparse.Namespace) -> None:
    print()
    print(
        f"rates: {options.concurrency} clients (threads, keep-alive httpx.Client), {options.seconds:g} s per "
        "load, Accept-Encoding: gzip; CPU ms = server CPU per answer; static = the file under /static "
        "closest in size, loaded just before, the same way (with If-None-Match for the 304 rows)"
    )
    print(
        f"{'address':<26} {'request':<14} {'KiB':>5} {'rps':>7} {'p50 ms':>7} {'p95 ms':>7} {'CPU ms':>7} "
        f"{'304':>5} {'static file':<28} {'KiB':>5} {'rps':>7} {'CPU ms':>7} {'ratio':>6} {'failed':>6} "
        f"{'load 1/5/15 after':>18}"
    )
    for row in rows:
        request = "If-None-Match" if row.conditional else "200"
        size = f"{row.probe.travelled / 1024:.1f}"
        load, static = row.load, row.static
        if load is None or static is None:
            print(f"{row.address.name:<26} {request:<14} {size:>5} {row.note}")
            continue
        p50 = statistics.median(load.latencies) * 1000 if load.latencies else math.nan
        p95 = percentile(load.latencies, 0.95) * 1000
        print(
            f"{row.address.name:<26} {request:<14} {size:>5} {load.rps:>7.1f} {p50:>7.1f} {p95:>7.1f} "
            f"{load.cpu_ms:>7.2f} {load.share_304:>5.0%} {row.static_path:<28} "
            f"{row.static_size / 1024:>5.1f} {static.rps:>7.1f} {static.cpu_ms:>7.2f} {row.ratio:>6.2f} "
            f"{len(load.failures):>6} {load.load_after:>18}"
        )
    for row in rows:
        for which, load in (("", row.load), ("static ", row.static)):
            if load is not None:
                for failure in sorted(set(load.failures)):
                    count = load.failures.count(failure)
                    print(
                        f"  {row.address.name} ({'304' if row.conditional else '200'}) {which}failed: "
                        f"{count} × {failure}"
                    )
    print()
    target = f"target ≥ {MIN_STATIC_RATIO}× static"
    for row in rows:
        request = "with If-None-Match" if row.conditional else "200"
        if row.load is None or row.static is None:
            print(f"{target}, {row.address.name} {request}: NOT MEASURED ({row.note})")
            continue
        verdict = "met" if row.ratio >= MIN_STATIC_RATIO else "NOT met"
        extra = f", {row.load.share_304:.0%} answered 304" if row.conditional else ""
        print(f"{target}, {row.address.name} {request}: {verdict} ({row.ratio:.2f}{extra})")


# --- part 2: screens polling ------------------------------------------------------------------------------


@dataclass
class Poll:
    scheduled: float  # time.monotonic() it was due
    status: int
    seconds: float


@dataclass
class ScreensRun:
    screens: int
    send_etag: bool
    page_loads: int = 0
    polls: list[Poll] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    window_start: float = 0.0
    window_end: float = 0.0
    wall_seconds: float = 0.0
    server_cpu_s: float = 0.0
    client_cpu_s: float = 0.0
    idle_server_cpu_percent: float = math.nan
    minute_changes: int = 0
    loads: dict[str, str] = field(default_factory=dict)

    @property
    def measured(self) -> list[Poll]:
        return [poll for poll in self.polls if self.window_start <= poll.scheduled < self.window_end]

    @property
    def server_percent(self) -> float:
        return self.server_cpu_s / self.wall_seconds * 100 if self.wall_seconds else math.nan

    @property
    def client_percent(self) -> float:
        return self.client_cpu_s / self.wall_seconds * 100 if self.wall_seconds else math.nan


async def sleep_until(moment: float) -> None:
    delay = moment - time.monotonic()
    if delay > 0:
        await asyncio.sleep(delay)


async def run_screens(
    base_url: str, rooms: list[int], options: argparse.Namespace, pid: int, *, send_etag: bool
) -> ScreensRun:
    run = ScreensRun(options.screens, send_etag)
    interval, spread = options.interval, options.spread
    # One TLS context for all the clients (the address is plain http): each client would load the CA file.
    tls = ssl.create_default_context()
    clients = [
        httpx.AsyncClient(base_url=base_url, headers=GZIP, timeout=30, verify=tls)
        for _ in range(options.screens)
    ]
    # Warm-up: every screen opens its page and polls once without an ETag; then the measured window.
    start = time.monotonic() + 2.0
    run.window_start = start + 2 * interval
    run.window_end = run.window_start + options.screen_seconds

    async def screen(index: int) -> None:
        client = clients[index]
        path = f"/events/{SLUG}/rooms/{rooms[index % len(rooms)]}/screen"
        opens_at = start + index * spread / options.screens
        await sleep_until(opens_at)
        try:
            page = await client.get(path)
            if page.status_code == 200 and page.content:
                run.page_loads += 1
            else:
                run.failures.append(f"screen page {page.status_code}")
        except httpx.HTTPError as error:
            run.failures.append(f"screen page {type(error).__name__}")
        held: str | None = None
        due = opens_at + interval
        while due < run.window_end:
            await sleep_until(due)
            asked = {**HTMX, "If-None-Match": held} if held and send_etag else HTMX
            started = time.monotonic()
            try:
                response = await client.get(path, headers=asked)
            except httpx.HTTPError as error:
                run.failures.append(type(error).__name__)
                due += interval
                continue
            took = time.monotonic() - started
            if response.status_code == 200 and response.content:
                held = response.headers.get("etag")
            elif not (response.status_code == 304 and "If-None-Match" in asked):
                run.failures.append(f"{response.status_code} with {len(response.content)} bytes")
                due += interval
                continue
            run.polls.append(Poll(due, response.status_code, took))
            # htmx's `every 15s` keeps its pace whatever the answer took.
            due += interval

    async def sample() -> None:
        # The idle server over the seconds before the first screen opens.
        idle_cpu, idle_at = process_cpu_seconds(pid), time.monotonic()
        await sleep_until(start)
        idle_took = time.monotonic() - idle_at
        run.idle_server_cpu_percent = (process_cpu_seconds(pid) - idle_cpu) / idle_took * 100
        run.loads["start"] = load_average()
        await sleep_until(run.window_start)
        server, client, wall, clock = (
            process_cpu_seconds(pid),
            own_cpu_seconds(),
            time.monotonic(),
            time.time(),
        )
        run.loads["window start"] = load_average()
        note(f"screens: warm-up over ({run.page_loads} pages open), measuring {options.screen_seconds:g} s")
        await sleep_until(run.window_end)
        run.server_cpu_s = process_cpu_seconds(pid) - server
        run.client_cpu_s = own_cpu_seconds() - client
        run.wall_seconds = time.monotonic() - wall
        run.minute_changes = int(time.time() // 60) - int(clock // 60)
        run.loads["window end"] = load_average()

    try:
        await asyncio.gather(sample(), *(screen(index) for index in range(options.screens)))
    finally:
        await asyncio.gather(*(client.aclose() for client in clients))
    return run


def report_screens(run: ScreensRun, options: argparse.Namespace) -> None:
    polls = run.measured
    latencies = [poll.seconds * 1000 for poll in polls]
    not_modified = sum(1 for poll in polls if poll.status == 304)
    share = not_modified / len(polls) if polls else math.nan
    p50 = statistics.median(latencies) if latencies else math.nan
    print()
    etag = "sending If-None-Match" if run.send_etag else "WITHOUT If-None-Match"
    print(
        f"screens: {run.screens} clients (one httpx.AsyncClient each, one process), {etag}, every "
        f"{options.interval:g} s, opened over {options.spread:g} s; measured {run.wall_seconds:.1f} s "
        f"after a warm-up of {2 * options.interval:g} s, {run.minute_changes} minute changes in the window"
    )
    print(f"  load average (1/5/15 min): {run.loads}")
    print(f"  screen pages opened: {run.page_loads} of {run.screens}")
    print(
        f"  polls in the window: {len(polls)} ({len(polls) / run.wall_seconds:.1f}/s), 304: {not_modified} "
        f"({share:.1%}), 200: {len(polls) - not_modified}"
    )
    print(
        f"  latency ms: p50 {p50:.1f}, p95 {percentile(latencies, 0.95):.1f}, "
        f"max {max(latencies, default=math.nan):.1f}"
    )
    print(
        f"  server CPU: {run.server_cpu_s:.2f} s = {run.server_percent:.1f} % of one core "
        f"(idle before: {run.idle_server_cpu_percent:.1f} %); "
        f"{run.server_cpu_s / len(polls) * 1000 if polls else math.nan:.2f} ms per poll"
    )
    print(f"  client CPU (this process): {run.client_cpu_s:.2f} s = {run.client_percent:.1f} % of one core")
    for failure in sorted(set(run.failures)):
        print(f"  failed: {run.failures.count(failure)} × {failure}")
    verdict = "met" if run.server_percent < MAX_SCREENS_CPU_PERCENT else "NOT met"
    print(f"target < {MAX_SCREENS_CPU_PERCENT:g} % of one core for {run.screens} screens: {verdict}")


# --- main -------------------------------------------------------------------------------------------------


def stop_on_sigterm(_signal: int, _frame: FrameType | None) -> None:
    # Turned into an exception so that the `finally` blocks stop the server.
    raise SystemExit(143)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", nargs="+", choices=("rates", "screens"), default=["rates", "screens"])
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--rooms", type=int, default=20)
    parser.add_argument("--days", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=8, help="rates: clients sending at once (8)")
    parser.add_argument("--seconds", type=float, default=10, help="rates: duration of each load (10)")
    parser.add_argument("--screens", type=int, default=500, help="screens: how many poll (500)")
    parser.add_argument("--interval", type=float, default=15, help="screens: seconds between polls (15)")
    parser.add_argument("--spread", type=float, help="screens: seconds over which they open (the interval)")
    parser.add_argument(
        "--screen-seconds", type=float, default=150, help="screens: the measured window, after warm-up (150)"
    )
    parser.add_argument(
        "--only", nargs="*", default=[], help="rates: only the addresses whose name has one of these words"
    )
    parser.add_argument(
        "--without-etag", action="store_true", help="screens: also a run whose clients send no If-None-Match"
    )
    options = parser.parse_args()
    if options.spread is None:
        options.spread = options.interval
    if not 1 <= options.concurrency <= 64 or not 1 <= options.seconds <= 120:
        parser.error("--concurrency must be 1 to 64 and --seconds 1 to 120")
    if not 1 <= options.screens <= 5000 or not 1 <= options.interval <= 300 or not 0 <= options.spread <= 300:
        parser.error("--screens must be 1 to 5000, --interval 1 to 300 s, --spread 0 to 300 s")
    if not options.interval <= options.screen_seconds <= 3600:
        parser.error("--screen-seconds must be from the interval to 3600")
    if options.screen_seconds < 120:
        print("note: under 120 s the window may not span two minute changes")

    signal.signal(signal.SIGTERM, stop_on_sigterm)
    # Also when started in the background, where the shell has Ctrl-C ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    rates: list[RateRow] = []
    screen_runs: list[ScreensRun] = []
    with tempfile.TemporaryDirectory(prefix="plenary-bench-") as name:
        directory = Path(name)
        url, extra_env = generate_event(directory, options)
        port = free_port()
        base_url = f"http://{HOST}:{port}"
        log_path = directory / "server.log"
        server = start_server(url, port, log_path, extra_env)
        note(f"server pid {server.pid} on {base_url} (SQLite, one uvicorn worker)")
        try:
            wait_until_healthy(base_url, server)
            rooms, phase = room_ids(base_url)
            note(f"event {SLUG}: {len(rooms)} rooms, phase {phase}")
            if phase != "running":
                print("warning: the event is not running now: the pages show no session on now")
            if "rates" in options.parts:
                addresses = [
                    Address("now page", f"/events/{SLUG}/now"),
                    Address("now block (htmx)", f"/events/{SLUG}/now", HTMX),
                    Address("room screen block (htmx)", f"/events/{SLUG}/rooms/{rooms[0]}/screen", HTMX),
                    Address("JSON now", f"/api/events/{SLUG}/now"),
                ]
                if options.only:
                    addresses = [a for a in addresses if any(word in a.name for word in options.only)]
                rates = measure_rates(base_url, addresses, options, server.pid)
            if "screens" in options.parts:
                for send_etag in (True, False) if options.without_etag else (True,):
                    note(f"screens: {options.screens} opening over {options.spread:g} s")
                    screen_runs.append(
                        asyncio.run(run_screens(base_url, rooms, options, server.pid, send_etag=send_etag))
                    )
        finally:
            stop_server(server)
            print_log_tail(log_path)
    if rates:
        report_rates(rates, options)
    for run in screen_runs:
        report_screens(run, options)
    failed = any(row.load is not None and row.load.failures for row in rates)
    failed = failed or any(row.static is not None and row.static.failures for row in rates)
    failed = failed or any(run.failures for run in screen_runs)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
