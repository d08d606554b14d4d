"""The command line a new user types: migrate, create-admin, load-demo, generate."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import func, select

from app.db import DbSession, make_engine
from app.events.models import Event
from app.programme.models import Session
from app.settings import PROJECT_DIR


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "SECRET_KEY": "cli-test-secret-key-0123456789",
    }


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        env=env,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_migrate_load_demo_twice_and_create_admin(cli_env: dict[str, str]) -> None:
    assert run_cli(cli_env, "migrate").returncode == 0

    first = run_cli(cli_env, "load-demo")
    second = run_cli(cli_env, "load-demo")
    admin = run_cli(
        cli_env, "create-admin", "--email", "secretariat@example.org", "--password", "long enough pw"
    )
    short = run_cli(cli_env, "create-admin", "--email", "x@example.org", "--password", "short")

    assert first.returncode == 0
    assert "prelude-2022" in first.stdout
    assert second.stdout.strip() == "Demo events already present."
    assert admin.stdout.strip() == "Created administrator secretariat@example.org."
    assert (short.returncode, short.stderr.strip()) == (
        1,
        "error: The password must be at least 10 characters long.",
    )


def test_generate_builds_the_requested_conference(cli_env: dict[str, str]) -> None:
    run_cli(cli_env, "migrate")

    result = run_cli(
        cli_env, "generate", "--slug", "synthetic", "--sessions", "120", "--rooms", "6", "--days", "2"
    )
    again = run_cli(
        cli_env, "generate", "--slug", "synthetic", "--sessions", "10", "--rooms", "2", "--days", "1"
    )

    assert result.returncode == 0, result.stderr
    assert again.returncode == 1
    assert again.stderr.startswith("error: ")
    engine = make_engine(cli_env["DATABASE_URL"])
    with DbSession(engine) as db:
        event = db.exec(select(Event).where(Event.slug == "synthetic")).one()
        sessions = db.exec(
            select(func.count()).select_from(Session).where(Session.event_id == event.id)
        ).one()
    engine.dispose()
    assert sessions == 120
    assert event.is_published is True
    assert (event.end_date - event.start_date).days == 1


def test_generate_refuses_nonsense_numbers(cli_env: dict[str, str]) -> None:
    result = run_cli(cli_env, "generate", "--slug", "x", "--sessions", "0")

    assert (result.returncode, result.stderr.strip()) == (
        2,
        "error: --sessions, --rooms and --days must be at least 1",
    )
