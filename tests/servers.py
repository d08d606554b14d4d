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
