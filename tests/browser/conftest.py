"""A real server in a subprocess and Debian's Chromium driven by Playwright (never a downloaded browser)."""

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.settings import PROJECT_DIR
from tests.servers import free_port, running_server

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


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    port = free_port()
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
    serve_args = ["--host", "127.0.0.1", "--port", str(port)]
    with running_server(serve_args, env, server.url, tmp_path / "server.log"):
        yield server


@contextmanager
def launched_browser() -> Iterator[object]:
    """Debian's Chromium through Playwright; a skip without it, except in CI where it must be there."""
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
        try:
            yield browser
        finally:
            browser.close()


def offline_page(context: object) -> object:
    """A new page of the context; no network here: the CDN copy of htmx fails fast and the page falls
    back to the local copy."""
    page = context.new_page()  # type: ignore[attr-defined]
    page.route("https://cdn.jsdelivr.net/**", lambda route: route.abort())
    page.set_default_timeout(10_000)
    return page


@pytest.fixture
def browser_page(live_server: LiveServer) -> Iterator[object]:
    with launched_browser() as browser:
        context = browser.new_context(  # type: ignore[attr-defined]
            viewport={"width": 1280, "height": 900}, timezone_id="America/New_York"
        )
        try:
            yield offline_page(context)
        finally:
            context.close()
