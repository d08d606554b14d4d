"""A real server in a subprocess and Debian's Chromium driven by Playwright (never a downloaded browser)."""

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from app.settings import PROJECT_DIR

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ADMIN_EMAIL = "secretariat@example.org"
ADMIN_PASSWORD = "browser-test-password"
ARTIFACTS = PROJECT_DIR / "test-artifacts"


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@dataclass(frozen=True)
class LiveServer:
    url: str
    env: dict[str, str]

    def cli(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "app", *args],
            env=self.env,
            cwd=PROJECT_DIR,
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'browser.sqlite3'}",
        "SECRET_KEY": "browser-test-secret-key-0123456789",
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "BASE_URL": f"http://127.0.0.1:{port}",
    }
    server = LiveServer(url=f"http://127.0.0.1:{port}", env=env)
    server.cli("migrate")
    server.cli("load-demo")
    server.cli("create-admin", "--email", ADMIN_EMAIL, "--password", ADMIN_PASSWORD, "--name", "Secretariat")
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=PROJECT_DIR,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            pytest.fail(
                "the server did not answer /healthz within 20 s: " + (tmp_path / "server.log").read_text()
            )
        yield server
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest.fixture
def browser_page(live_server: LiveServer) -> Iterator[object]:
    executable = chromium_path()
    if executable is None:
        if os.environ.get("CI") == "true":
            pytest.fail(
                "Chromium is missing: CI must install the Debian packages chromium and chromium-driver"
            )
        pytest.skip("no Chromium found (apt-get install chromium chromium-driver)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, timezone_id="America/New_York")
        page = context.new_page()
        # No network here: the CDN copy of htmx fails fast and the page falls back to the local copy.
        page.route("https://cdn.jsdelivr.net/**", lambda route: route.abort())
        page.set_default_timeout(10_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()
