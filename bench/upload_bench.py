"""Memory of the real server while an organiser uploads a 200 MB file through the upload route.

    .venv/bin/python bench/upload_bench.py [--megabytes 200]

Builds a throw-away SQLite database in a temporary directory (alembic upgrade head, one organiser, one
event with one session), starts uvicorn on a free port of 127.0.0.1 with its upload directory in the same
temporary directory, logs in, and streams a generated PDF-looking file (a PDF header, then padding) to
`/manage/events/{slug}/materials/sessions/{id}/upload`. Meanwhile it samples the server process's
resident memory (VmRSS in /proc/<pid>/status) every 10 ms, and prints the peak growth over the level
just before the upload. The generated body is produced chunk by chunk, so the client holds little too.
Exit status 1 if the upload failed or the growth reached the target of 30 MB.
"""

import argparse
import hashlib
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
from alembic.config import Config

from alembic import command

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))
sys.path.insert(0, str(PROJECT_DIR / "bench"))

from _harness import start_server as start_harness_server  # noqa: E402
from programme_bench import HOST, free_port, stop_server, wait_until_healthy  # noqa: E402

from app.accounts.service import create_user  # noqa: E402 - the project is put on the path just above
from app.db import DbSession, make_engine  # noqa: E402
from app.events.models import Event, EventOrganiser  # noqa: E402
from app.programme.models import Session  # noqa: E402

SLUG = "upload-bench"
EMAIL = "organiser@example.org"
PASSWORD = "correct horse battery staple"
TARGET_GROWTH_MB = 30
CHUNK = 1024 * 1024
BOUNDARY = "plenary-upload-bench"


def build_database(directory: Path) -> tuple[str, int]:
    url = f"sqlite:///{directory / 'bench.sqlite3'}"
    config = Config(str(PROJECT_DIR / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, "head")
    engine = make_engine(url)
    with DbSession(engine, expire_on_commit=False) as db:
        user = create_user(db, EMAIL, PASSWORD, name="Bench Organiser")
        event = Event(
            slug=SLUG,
            title="Upload bench",
            start_date=date(2026, 12, 1),
            end_date=date(2026, 12, 1),
            timezone="Europe/Paris",
            is_published=True,
        )
        db.add(event)
        db.flush()
        db.add(EventOrganiser(event_id=event.id, user_id=user.id))
        session = Session(
            event_id=event.id,
            title="Keynote",
            start_at=datetime(2026, 12, 1, 9, tzinfo=UTC),
            end_at=datetime(2026, 12, 1, 10, tzinfo=UTC),
        )
        db.add(session)
        db.commit()
        session_id = session.id
    engine.dispose()
    return url, session_id


def start_server(url: str, directory: Path, port: int, log_path: Path) -> subprocess.Popen[bytes]:
    # Uploads and the generated files stay in the benchmark's temporary directory.
    extra_env = {"UPLOAD_DIR": str(directory / "uploads"), "VAR_DIR": str(directory / "var")}
    return start_harness_server(url, port, log_path, extra_env)


def resident_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) if match else 0


class RssSampler(threading.Thread):
    def __init__(self, pid: int, interval: float = 0.01) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.peak_kib = resident_kib(pid)
        self.samples = 0
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            self.peak_kib = max(self.peak_kib, resident_kib(self.pid))
            self.samples += 1
            time.sleep(self.interval)


def log_in(client: httpx.Client) -> str:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token, "the login page has no CSRF field"
    answer = client.post("/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token.group(1)})
    if answer.status_code != 303:
        raise SystemExit(f"login failed with {answer.status_code}")
    # Logging in starts a new session, with a new token.
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token, "the login page has no CSRF field"
    return token.group(1)


def multipart_body(csrf: str, size: int) -> tuple[int, Iterator[bytes], str]:
    """A browser-like form (token first, then the file), generated as it is sent; its length and sha256."""
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{csrf}\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nslides\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="title"\r\n\r\nBench slides\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="bench.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    pdf_header = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
    padding = b"0" * CHUNK
    digest = hashlib.sha256(pdf_header)
    remaining = size - len(pdf_header)
    while remaining > 0:
        digest.update(padding[: min(CHUNK, remaining)])
        remaining -= CHUNK

    def chunks() -> Iterator[bytes]:
        yield head + pdf_header
        left = size - len(pdf_header)
        while left > 0:
            yield padding if left >= CHUNK else padding[:left]
            left -= CHUNK
        yield tail

    return len(head) + size + len(tail), chunks(), digest.hexdigest()


def upload(client: httpx.Client, path: str, csrf: str, size: int) -> tuple[httpx.Response, str]:
    length, body, sha256 = multipart_body(csrf, size)
    headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}", "Content-Length": str(length)}
    return client.post(path, content=body, headers=headers), sha256


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=200, help="size of the uploaded file in MiB (200)")
    options = parser.parse_args()
    if not 1 <= options.megabytes <= 2048:
        parser.error("--megabytes must be 1 to 2048")
    size = options.megabytes * 1024 * 1024

    with tempfile.TemporaryDirectory(prefix="plenary-upload-bench-") as name:
        directory = Path(name)
        url, session_id = build_database(directory)
        port = free_port()
        base_url = f"http://{HOST}:{port}"
        log_path = directory / "server.log"
        server = start_server(url, directory, port, log_path)
        path = f"/manage/events/{SLUG}/materials/sessions/{session_id}/upload"
        print(f"server pid {server.pid} on {base_url}; uploading {options.megabytes} MiB to {path}")
        failed = True
        try:
            wait_until_healthy(base_url, server)
            with httpx.Client(base_url=base_url, timeout=300) as client:
                csrf = log_in(client)
                cold = resident_kib(server.pid)
                # A small upload first, so one-off start-up allocations are not counted as growth.
                upload(client, path, csrf, 1024 * 1024)
                time.sleep(0.5)
                baseline = resident_kib(server.pid)
                sampler = RssSampler(server.pid)
                sampler.start()
                started = time.perf_counter()
                response, sha256 = upload(client, path, csrf, size)
                took = time.perf_counter() - started
                sampler.stopping.set()
                sampler.join()
            stored = directory / "uploads" / sha256[:2] / sha256
            stored_size = stored.stat().st_size if stored.exists() else 0
            growth_mb = (sampler.peak_kib - baseline) / 1024
            print(f"answer: {response.status_code} -> {response.headers.get('location', '')}")
            state = "complete" if stored_size == size else "MISSING"
            print(f"stored: {stored_size} bytes under {sha256[:12]}… ({state})")
            print(f"time: {took:.1f} s ({options.megabytes / took:.0f} MiB/s), {sampler.samples} RSS samples")
            print(f"server RSS before: {baseline / 1024:.1f} MiB, peak: {sampler.peak_kib / 1024:.1f} MiB")
            print(f"peak growth: {growth_mb:.1f} MiB (target < {TARGET_GROWTH_MB} MiB)")
            cold_growth_mb = (sampler.peak_kib - cold) / 1024
            print(f"  (over the level before the 1 MiB warm-up upload: {cold_growth_mb:.1f} MiB)")
            failed = response.status_code != 303 or stored_size != size or growth_mb >= TARGET_GROWTH_MB
        finally:
            stop_server(server)
            server_log = log_path.read_text(errors="replace").strip()
            if server_log:
                print("\nserver log (last lines):\n" + "\n".join(server_log.splitlines()[-15:]))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
