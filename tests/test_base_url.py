"""Absolute links (emails, QR codes, feeds, exports) point at the address the server is reached on."""

import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.db import make_engine
from app.main import create_app
from app.settings import PROJECT_DIR, Settings
from app.web.base_url import same_address
from tests.conftest import csrf_from
from tests.servers import free_port, mail_files, running_server


def _without_base_url() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("BASE_URL", "HOST", "PORT")}
    return env


@pytest.fixture
def server_on_another_port(tmp_path: Path) -> Iterator[tuple[str, Path, Path]]:
    """`python -m app serve --port P` in a fresh directory, without BASE_URL: (url, outbox, log)."""
    port = free_port()
    env = {
        **_without_base_url(),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'plenary.sqlite3'}",
        "SECRET_KEY": "base-url-test-secret-key-0123456789",
        "VAR_DIR": str(tmp_path / "var"),
        "UPLOAD_DIR": str(tmp_path / "uploads"),
    }
    env.pop("SMTP_URL", None)
    for command in (["migrate"], ["load-demo"]):
        subprocess.run([sys.executable, "-m", "app", *command], env=env, cwd=PROJECT_DIR, check=True)
    # The demo conference took place in 2022: an organiser reopens its registration until next year.
    engine = make_engine(env["DATABASE_URL"])
    with engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE registration_form SET is_open = :yes, closes_at = :later"
                " WHERE event_id = (SELECT id FROM event WHERE slug = 'prelude-2022')"
            ),
            {"yes": True, "later": datetime.now(UTC) + timedelta(days=365)},
        )
    engine.dispose()
    log_path = tmp_path / "server.log"
    url = f"http://127.0.0.1:{port}"
    with running_server(["--port", str(port)], env, url, log_path):
        yield url, tmp_path / "var" / "outbox", log_path


def test_emails_from_a_server_on_another_port_link_to_that_port(
    server_on_another_port: tuple[str, Path, Path],
) -> None:
    url, outbox, log_path = server_on_another_port

    with httpx.Client(base_url=url) as browser:
        page = browser.get("/events/prelude-2022/register")
        response = browser.post(
            "/events/prelude-2022/register",
            data={
                "csrf_token": csrf_from(page.text),
                "name": "Hélène Dupré",
                "email": "helene.dupre@example.org",
                "country": "FR",
                "mode": "in_person",
                "consent": "on",
            },
        )
        assert response.status_code == 303, response.text
        (eml,) = mail_files(outbox)
        message = message_from_bytes(eml.read_bytes(), policy=policy.default)
        text = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
        links = re.findall(r"https?://[^\s<>\"]+", text)
        personal = [link for link in links if "/registrations/" in link]

        assert personal, text
        assert all(link.startswith(f"{url}/") for link in links), links
        assert browser.get(personal[0]).status_code == 200
    assert f"links in emails, feeds and exports use {url}" in log_path.read_text()


def test_without_base_url_links_use_the_address_served() -> None:
    assert str(Settings(_env_file=None, host="127.0.0.1", port=8123).base_url) == "http://127.0.0.1:8123/"
    assert str(Settings(_env_file=None, host="0.0.0.0", port=9000).base_url) == "http://127.0.0.1:9000/"  # noqa: S104
    assert str(Settings(_env_file=None, host="::1", port=9000).base_url) == "http://[::1]:9000/"
    assert Settings(_env_file=None).base_url_derived
    given = Settings(_env_file=None, base_url="https://events.example.org", port=8123)
    assert (str(given.base_url), given.base_url_derived) == ("https://events.example.org/", False)


def test_a_request_on_another_address_is_logged_once(
    caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        secret_key="base-url-test-secret-key-0123456789",
        var_dir=tmp_path,
        base_url="https://events.example.org",
    )
    client = TestClient(create_app(settings), base_url="http://10.0.0.5:8000")

    with caplog.at_level(logging.WARNING, logger="plenary"):
        client.get("/healthz")
        client.get("/healthz")

    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "http://10.0.0.5:8000" in warnings[0]
    assert "https://events.example.org" in warnings[0]


def test_loopback_names_and_default_ports_are_the_same_address() -> None:
    assert same_address("http://127.0.0.1:8123", "localhost:8123", "http")
    assert same_address("https://events.example.org/", "events.example.org", "https")
    assert not same_address("http://127.0.0.1:8000", "127.0.0.1:8123", "http")
    assert not same_address("https://events.example.org", "plenary.internal", "https")
