"""What the benchmarks share: a migrated throw-away database with a generated conference, the real server as a
subprocess on a free port of 127.0.0.1, and a bounded load against one address (with wrk when it is
installed, else with threads of httpx clients).

Only 127.0.0.1 is ever contacted, and only the server started here is ever stopped (by its PID).
"""

import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from alembic.config import Config

from alembic import command

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from app.db import DbSession  # noqa: E402 - the project is put on the path just above
from app.demo import generate_conference  # noqa: E402
from app.events.models import Event  # noqa: E402
from app.events.service import set_published  # noqa: E402

HOST = "127.0.0.1"
SECRET_KEY = "bench-secret-key-0123456789abcdef"
# wrk prints this line from the Lua `done` hook: requests, duration (µs), bytes, errors, p50 and p95 (µs).
WRK_REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %d %d %d %d %d %d %d %d %d %d\\n",
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95)))
end
"""


def migrate(url: str) -> None:
    config = Config(str(PROJECT_DIR / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, "head")


def generate_published_conference(db: DbSession, slug: str, sessions: int, rooms: int, days: int) -> Event:
    started = time.perf_counter()
    event = generate_conference(db, slug, sessions=sessions, rooms=rooms, days=days, seed=0)
    took = time.perf_counter() - started
    print(f"generated {sessions} sessions / {rooms} rooms / {days} days in {took:.2f} s")
    return set_published(db, event, True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def start_server(
    url: str, port: int, log_path: Path, extra_env: dict[str, str] | None = None
) -> subprocess.Popen:
    python = PROJECT_DIR / ".venv" / "bin" / "python"
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET_KEY, **(extra_env or {})}
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
    with log_path.open("ab") as log:
        return subprocess.Popen(arguments, cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_until_healthy(
    base_url: str, server: subprocess.Popen, timeout: float = 30, answer_within: float = 2
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with code {server.returncode}; see its log")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=answer_within).status_code == 200:
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


def print_log_tail(log_path: Path, lines: int = 15) -> None:
    server_log = log_path.read_text(errors="replace").strip() if log_path.exists() else ""
    if server_log:
        print("\nserver log (last lines):\n" + "\n".join(server_log.splitlines()[-lines:]))


@dataclass
class LoadResult:
    """A bounded load on one address: answers that passed the check, their latencies, what failed."""

    requests: int
    seconds: float
    median_s: float
    p95_s: float
    # One answer's body as it travelled (compressed when it was).
    body_bytes: int
    failures: list[str] = field(default_factory=list)
    # CPU time the server process used during the load (user + system), when it was measured.
    server_cpu_s: float | None = None

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms_per_request(self) -> float:
        """Less sensitive than rps to what else runs on the machine (the load generator, other work)."""
        if self.server_cpu_s is None or not self.requests:
            return float("nan")
        return self.server_cpu_s / self.requests * 1000


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def is_full_answer(response: httpx.Response) -> bool:
    return response.status_code == 200 and bool(response.content)


def httpx_load(
    base_url: str,
    path: str,
    concurrency: int,
    seconds: float,
    headers: Mapping[str, str] | None = None,
    accept: Callable[[httpx.Response], bool] = is_full_answer,
) -> LoadResult:
    """Keeps `concurrency` clients (a thread with a keep-alive `httpx.Client` each) busy on one address for
    `seconds`, each waiting for its answer; an answer that `accept` refuses counts as failed."""
    with httpx.Client(base_url=base_url, timeout=30, headers=headers) as warm_up:
        first = warm_up.get(path)
    if not accept(first):
        failure = f"warm-up answered {first.status_code} with {len(first.content)} bytes"
        return LoadResult(0, seconds, float("nan"), float("nan"), first.num_bytes_downloaded, [failure])
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def worker() -> None:
        mine, failed = [], []
        with httpx.Client(base_url=base_url, timeout=30, headers=headers) as client:
            while time.perf_counter() < stop_at:
                started = time.perf_counter()
                response = client.get(path)
                elapsed = time.perf_counter() - started
                if accept(response):
                    mine.append(elapsed)
                else:
                    failed.append(f"{response.status_code} with {len(response.content)} bytes")
        with lock:
            latencies.extend(mine)
            failures.extend(failed)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    took = time.perf_counter() - started
    median = statistics.median(latencies) if latencies else float("nan")
    return LoadResult(
        len(latencies), took, median, percentile(latencies, 0.95), first.num_bytes_downloaded, failures
    )


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def wrk_load(
    base_url: str,
    path: str,
    concurrency: int,
    seconds: float,
    headers: Mapping[str, str] | None = None,
    expected_status: int = 200,
) -> LoadResult:
    """The same load with wrk (keep-alive, `concurrency` connections over at most two threads).

    wrk only counts answers of 400 and above as errors, and reading every answer in Lua would slow it
    down, so one answer is checked first with httpx (status and size), and the bytes wrk received are
    then compared with what that many such answers weigh: a run that got other answers is reported.
    """
    probe_headers = {"Accept-Encoding": "identity", **(headers or {})}
    probe = httpx.get(f"{base_url}{path}", headers=probe_headers, timeout=60)
    body_bytes = probe.num_bytes_downloaded
    if probe.status_code != expected_status:
        failure = f"probe answered {probe.status_code}, not {expected_status}"
        return LoadResult(0, seconds, float("nan"), float("nan"), body_bytes, [failure])
    with tempfile.NamedTemporaryFile("w", prefix="plenary-wrk-", suffix=".lua", delete=False) as lua:
        lua.write(WRK_REPORT)
    script = Path(lua.name)
    arguments = ["wrk", f"-t{min(2, concurrency)}", f"-c{concurrency}", f"-d{seconds:g}s", "--timeout", "30s"]
    for name, value in (headers or {}).items():
        arguments += ["-H", f"{name}: {value}"]
    arguments += ["-s", str(script), f"{base_url}{path}"]
    try:
        finished = subprocess.run(
            arguments, capture_output=True, text=True, timeout=seconds + 60, check=False
        )
    finally:
        script.unlink(missing_ok=True)
    line = next((line for line in finished.stdout.splitlines() if line.startswith("BENCH ")), None)
    if finished.returncode != 0 or line is None:
        failure = f"wrk exited with {finished.returncode}: {finished.stderr.strip()[:200]}"
        return LoadResult(0, seconds, float("nan"), float("nan"), body_bytes, [failure])
    requests, duration, received, *errors, p50, p95 = (int(value) for value in line.split()[1:])
    kinds = ("connect", "read", "write", "status", "timeout")
    failures = [f"{count} {kind} errors" for kind, count in zip(kinds, errors, strict=True) if count]
    # Headers weigh a few hundred bytes; another body (a 200 instead of a 304) weighs far more or less.
    per_answer = received / requests if requests else 0
    if requests and abs(per_answer - body_bytes) > 1024 + 0.02 * body_bytes:
        failures.append(f"answers of {per_answer:.0f} bytes on average, the probe's body is {body_bytes}")
    return LoadResult(requests, duration / 1e6, p50 / 1e6, p95 / 1e6, body_bytes, failures)
