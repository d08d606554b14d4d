"""A real `python -m app serve` for tests that need one: the browser tests, and the base-URL test."""

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from app.settings import PROJECT_DIR


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_server(serve_args: list[str], env: dict[str, str], url: str, log_path: Path) -> Iterator[None]:
    """Starts the server, waits until /healthz answers (20 s at most), and stops it afterwards."""
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "app", "serve", *serve_args],
            env=env,
            cwd=PROJECT_DIR,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            else:
                pytest.fail("the server did not answer /healthz within 20 s: " + log_path.read_text())
            yield
        finally:
            process.terminate()
            process.wait(timeout=10)


def mail_files(outbox: Path, count: int = 1, timeout: float = 20.0) -> list[Path]:
    """The .eml files a served site wrote to its outbox, once there are `count` of them: the site's worker
    delivers its mail a moment after the request that queued it."""
    deadline = time.monotonic() + timeout
    while True:
        files = sorted(outbox.glob("*.eml"))
        if len(files) >= count or time.monotonic() > deadline:
            return files
        time.sleep(0.1)
