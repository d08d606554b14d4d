"""Requests per second of the exports of a 1000-session conference (iCalendar, frab XML and JSON, programme
page, CSV, PDF), cold, warm, gzip and 304, against the same bytes served as a static file by the same server.

    .venv/bin/python bench/exports_bench.py [--concurrency 8] [--seconds 10] [--client wrk|httpx]

Builds a throw-away SQLite database in a temporary directory (alembic upgrade head, `generate_conference`),
publishes the event and releases its programme, and for each export starts uvicorn on a free port of
127.0.0.1 afresh: times the first request (nothing cached), runs bounded loads (plain, gzip, conditional with
the ETag sent back quoted), writes the export's bytes under static/bench-tmp/ and loads them there, releases
a changed programme and times the first request after it (sent with the old ETag: it must answer 200), then
restarts the server and sends the new ETag (it must answer 304; its time, set against the cold build, shows
whether it built anything). Prints two tables and stops the servers it started; static/bench-tmp/ is removed
at the end, also on Ctrl-C. Only 127.0.0.1 is ever contacted.
"""

import argparse
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from types import FrameType

import httpx
from sqlmodel import select

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import (  # noqa: E402 - the bench folder is put on the path just above
    HOST,
    PROJECT_DIR,
    LoadResult,
    free_port,
    generate_published_conference,
    httpx_load,
    migrate,
    print_log_tail,
    process_cpu_seconds,
    start_server,
    stop_server,
    wait_until_healthy,
    wrk_available,
    wrk_load,
)

from app.db import DbSession, make_engine  # noqa: E402 - _harness puts the project on the path
from app.events.queries import event_by_slug  # noqa: E402
from app.programme.models import Session  # noqa: E402
from app.programme.releases import release_programme  # noqa: E402
from app.programme.service import move_session  # noqa: E402

SLUG = "bench-conference"
STATIC_BENCH_DIR = PROJECT_DIR / "static" / "bench-tmp"
GZIP = {"Accept-Encoding": "gzip"}
IDENTITY = {"Accept-Encoding": "identity"}


@dataclass(frozen=True)
class Export:
    name: str
    file: str
    # False: measured cold and warm (plain) only, as for the PDF, whose build is the slowest.
    full: bool = True

    @property
    def path(self) -> str:
        return f"/events/{SLUG}/{self.file}"


EXPORTS = [
    Export("ICS", "programme.ics"),
    Export("schedule XML", "schedule.xml"),
    Export("schedule JSON", "schedule.json"),
    Export("programme page", "programme"),
    Export("CSV", "programme.csv"),
    Export("PDF", "programme.pdf", full=False),
]


@dataclass
class Fetched:
    status: int
    seconds: float
    etag: str | None
    # The body as it travelled: the gzip bytes when the server compressed it.
    raw: bytes
    encoding: str | None
    # The cookies it set, as a `Cookie` header would send them back.
    cookie: str | None = None


@dataclass
class ExportRun:
    export: Export
    cold: Fetched | None = None
    gzipped: Fetched | None = None
    after_change: Fetched | None = None
    conditional_on_fresh_server: Fetched | None = None
    loads: dict[str, LoadResult] = field(default_factory=dict)
    static_loads: dict[str, LoadResult] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def build_database(directory: Path, sessions: int, rooms: int, days: int) -> str:
    url = f"sqlite:///{directory / 'bench.sqlite3'}"
    migrate(url)
    engine = make_engine(url)
    with DbSession(engine, expire_on_commit=False) as db:
        event = generate_published_conference(db, SLUG, sessions, rooms, days)
        # The public programme is the latest release, as for an organiser who uses versions.
        release_programme(db, event, "First programme", None)
    engine.dispose()
    return url


def change_programme(url: str, step: int) -> None:
    """A new released version: the first session moves by 5 minutes (back on the next step), then a release.

    Through the service functions the organiser's pages call. The public exports show the latest release, so
    the move alone (a draft edit) changes none of them.
    """
    engine = make_engine(url)
    try:
        with DbSession(engine, expire_on_commit=False) as db:
            event = event_by_slug(db, SLUG)
            assert event is not None  # noqa: S101 - build_database made it
            first = db.exec(select(Session).where(Session.event_id == event.id).order_by(Session.id)).first()
            assert first is not None  # noqa: S101 - the generated conference has sessions
            shift = timedelta(minutes=5 if step % 2 == 0 else -5)
            move_session(db, event, first, room_id=first.room_id, start_at=first.start_at + shift)
            release_programme(db, event, f"Bench change {step + 1}", None)
    finally:
        engine.dispose()


@dataclass(frozen=True)
class Server:
    base_url: str
    pid: int


@contextmanager
def fresh_server(url: str, log_path: Path, port: int) -> Iterator[Server]:
    """A new server process (nothing cached), stopped by its PID on the way out."""
    base_url = f"http://{HOST}:{port}"
    server = start_server(url, port, log_path)
    try:
        wait_until_healthy(base_url, server)
        yield Server(base_url, server.pid)
    finally:
        stop_server(server)


def fetch(base_url: str, path: str, headers: dict[str, str]) -> Fetched:
    """One request on a new connection, timed; the body is kept as it travelled (not decompressed)."""
    with httpx.Client(base_url=base_url, timeout=120, headers={**IDENTITY, **headers}) as client:
        started = time.perf_counter()
        with client.stream("GET", path) as response:
            raw = b"".join(response.iter_raw())
        took = time.perf_counter() - started
    etag = response.headers.get("etag")
    cookies = [value.split(";", 1)[0] for value in response.headers.get_list("set-cookie")]
    encoding = response.headers.get("content-encoding")
    return Fetched(response.status_code, took, etag, raw, encoding, "; ".join(cookies) or None)


def run_load(
    options: argparse.Namespace,
    server: Server,
    path: str,
    headers: dict[str, str],
    expected_status: int = 200,
) -> LoadResult:
    """A bounded load, with the server's CPU time during it (the probe or warm-up request included)."""
    cpu_before = process_cpu_seconds(server.pid)
    if options.client == "wrk":
        load = wrk_load(server.base_url, path, options.concurrency, options.seconds, headers, expected_status)
    else:

        def accept(response: httpx.Response) -> bool:
            return response.status_code == expected_status and (
                expected_status == 304 or bool(response.content)
            )

        # httpx asks for gzip by default; a plain load must not.
        plain = {**IDENTITY, **headers}
        load = httpx_load(server.base_url, path, options.concurrency, options.seconds, plain, accept)
    load.server_cpu_s = process_cpu_seconds(server.pid) - cpu_before
    return load


def measure_export(
    export: Export, url: str, step: int, directory: Path, options: argparse.Namespace
) -> ExportRun:
    run = ExportRun(export)
    log_path = directory / "server.log"
    # The restart keeps the address: the programme page's ETag includes it (the page's links do).
    port = free_port()
    with fresh_server(url, log_path, port) as server:
        run.cold = fetch(server.base_url, export.path, {})
        if run.cold.status != 200:
            message = f"answered {run.cold.status}: not measured"
            (run.problems if export.full else run.notes).append(message)
            return run
        # A returning visitor: the programme page keeps a session (its CSRF token is part of its ETag).
        visitor = {"Cookie": run.cold.cookie} if run.cold.cookie else {}
        run.loads["plain"] = run_load(options, server, export.path, visitor)
        if not export.full:
            return run
        run.gzipped = fetch(server.base_url, export.path, {**visitor, **GZIP})
        if run.gzipped.encoding == "gzip":
            run.loads["gzip"] = run_load(options, server, export.path, {**visitor, **GZIP})
        else:
            run.notes.append("not compressed for Accept-Encoding: gzip")
        if run.cold.etag:
            # Sent back exactly as received, quotes included, as browsers do.
            conditional = {**visitor, "If-None-Match": run.cold.etag}
            run.loads["304"] = run_load(options, server, export.path, conditional, expected_status=304)
        else:
            run.notes.append("no ETag: no conditional requests")
        run.static_loads = measure_static(options, server, export, run)

        change_programme(url, step)
        old_etag = {"If-None-Match": run.cold.etag} if run.cold.etag else {}
        run.after_change = fetch(server.base_url, export.path, {**visitor, **old_etag})
        if run.after_change.status != 200:
            run.problems.append(f"after a change, the old ETag got {run.after_change.status}, not 200")
        elif run.cold.etag and run.after_change.etag == run.cold.etag:
            run.problems.append("after a change, the ETag is the same")
    if run.after_change is not None and run.after_change.etag:
        with fresh_server(url, log_path, port) as server:
            # The session cookie is signed with the same key, so it holds across the restart.
            conditional = {**visitor, "If-None-Match": run.after_change.etag}
            run.conditional_on_fresh_server = fetch(server.base_url, export.path, conditional)
        if run.conditional_on_fresh_server.status != 304:
            status = run.conditional_on_fresh_server.status
            run.problems.append(f"the current ETag on a fresh server got {status}, not 304")
    return run


def measure_static(
    options: argparse.Namespace, server: Server, export: Export, run: ExportRun
) -> dict[str, LoadResult]:
    """The same bytes as files under /static: the plain body, and the gzip body for the gzip row."""
    assert run.cold is not None  # noqa: S101 - measured before
    STATIC_BENCH_DIR.mkdir(parents=True, exist_ok=True)
    stem = export.file.replace(".", "-")
    files = {"plain": (f"{stem}.bin", run.cold.raw)}
    if run.gzipped is not None and run.gzipped.encoding == "gzip":
        files["gzip"] = (f"{stem}.gz.bin", run.gzipped.raw)
    results = {}
    for mode, (name, body) in files.items():
        (STATIC_BENCH_DIR / name).write_bytes(body)
        results[mode] = run_load(options, server, f"/static/bench-tmp/{name}", {})
    return results


def milliseconds(fetched: Fetched | None) -> str:
    return "—" if fetched is None else f"{fetched.seconds * 1000:.0f} ({fetched.status})"


def report(runs: list[ExportRun], options: argparse.Namespace) -> None:
    print()
    print("first requests, ms (status)")
    print(
        f"{'export':<16} {'KiB':>7} {'gzip KiB':>9} {'fresh server':>13} {'after change':>13} "
        f"{'304 fresh':>10}"
    )
    for run in runs:
        size = f"{len(run.cold.raw) / 1024:.0f}" if run.cold and run.cold.status == 200 else "—"
        gzipped = f"{len(run.gzipped.raw) / 1024:.0f}" if run.gzipped and run.gzipped.encoding else "—"
        print(
            f"{run.export.name:<16} {size:>7} {gzipped:>9} {milliseconds(run.cold):>13} "
            f"{milliseconds(run.after_change):>13} {milliseconds(run.conditional_on_fresh_server):>10}"
        )
    print()
    print(f"load: {options.concurrency} connections, {options.seconds:g} s each, {options.client}")
    print("(CPU: the server's CPU time per answer; static: the same bytes as a file under /static)")
    print(
        f"{'export':<16} {'request':<8} {'rps':>8} {'median ms':>10} {'p95 ms':>8} {'KiB':>7} {'CPU ms':>7} "
        f"{'static rps':>11} {'static CPU':>11} {'ratio':>6} {'failed':>7}"
    )
    for run in runs:
        for mode, load in run.loads.items():
            # A 304 has no body of its own: it is set against the plain file.
            static = run.static_loads.get("gzip" if mode == "gzip" else "plain")
            measured = static is not None and static.requests > 0
            static_rps = f"{static.rps:.1f}" if measured else "—"
            static_cpu = f"{static.cpu_ms_per_request:.2f}" if measured else "—"
            ratio = f"{load.rps / static.rps:.2f}" if measured else "—"
            print(
                f"{run.export.name:<16} {mode:<8} {load.rps:>8.1f} {load.median_s * 1000:>10.1f} "
                f"{load.p95_s * 1000:>8.1f} {load.body_bytes / 1024:>7.0f} {load.cpu_ms_per_request:>7.2f} "
                f"{static_rps:>11} {static_cpu:>11} {ratio:>6} {len(load.failures):>7}"
            )
    for run in runs:
        for note in run.notes:
            print(f"  {run.export.name}: {note}")
        for problem in run.problems:
            print(f"  {run.export.name}: PROBLEM: {problem}")
        for mode, load in [*run.loads.items(), *((f"static {m}", s) for m, s in run.static_loads.items())]:
            for failure in sorted(set(load.failures)):
                print(f"  {run.export.name} {mode}: {failure}")


def stop_on_sigterm(_signal: int, _frame: FrameType | None) -> None:
    # Turned into an exception so the `finally` blocks stop the server and remove static/bench-tmp/.
    raise SystemExit(143)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=8, help="connections sending at once (8)")
    parser.add_argument("--seconds", type=float, default=10, help="duration of each load (10)")
    parser.add_argument(
        "--client",
        choices=("wrk", "httpx"),
        default="wrk" if wrk_available() else "httpx",
        help="load generator: wrk when installed, else threads of httpx clients",
    )
    parser.add_argument("--only", nargs="*", metavar="FILE", help="only these exports, e.g. programme.ics")
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--rooms", type=int, default=20)
    parser.add_argument("--days", type=int, default=4)
    options = parser.parse_args()
    if not 1 <= options.concurrency <= 64 or not 1 <= options.seconds <= 120:
        parser.error("--concurrency must be 1 to 64 and --seconds 1 to 120")
    if options.client == "wrk" and not wrk_available():
        parser.error("wrk is not installed (apt-get install wrk), use --client httpx")
    exports = [e for e in EXPORTS if not options.only or e.file in options.only]

    signal.signal(signal.SIGTERM, stop_on_sigterm)
    # Also when started in the background, where the shell has Ctrl-C ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    runs: list[ExportRun] = []
    with tempfile.TemporaryDirectory(prefix="plenary-bench-") as name:
        directory = Path(name)
        url = build_database(directory, options.sessions, options.rooms, options.days)
        print(f"{len(exports)} exports; {options.concurrency} connections, {options.seconds:g} s per load")
        try:
            for step, export in enumerate(exports):
                print(f"  {export.name} …", flush=True)
                runs.append(measure_export(export, url, step, directory, options))
        finally:
            shutil.rmtree(STATIC_BENCH_DIR, ignore_errors=True)
            print_log_tail(directory / "server.log")
    report(runs, options)
    failed = any(
        run.problems or any(load.failures for load in [*run.loads.values(), *run.static_loads.values()])
        for run in runs
    )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
