import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from app.settings import PROJECT_DIR, Settings


def test_secret_key_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    first = Settings(var_dir=tmp_path).resolved_secret_key()
    second = Settings(var_dir=tmp_path).resolved_secret_key()

    assert first == second
    assert len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_a_given_secret_key_is_used_as_is(tmp_path: Path) -> None:
    settings = Settings(secret_key="a-secret-from-the-environment", var_dir=tmp_path)

    assert settings.resolved_secret_key() == "a-secret-from-the-environment"
    assert not (tmp_path / "secret_key").exists()


def test_postgresql_urls_use_the_psycopg_driver() -> None:
    assert Settings(database_url="postgresql://plenary@db/plenary").database_url == (
        "postgresql+psycopg://plenary@db/plenary"
    )


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "DATABASE_URL",
            "mysql://root@localhost/plenary",
            "DATABASE_URL: Value error, must start with sqlite://",
        ),
        ("SECRET_KEY", "short", "SECRET_KEY: Value error, must be at least 16 characters long"),
        ("BASE_URL", "not a url", "BASE_URL: Input should be a valid URL"),
    ],
    ids=["database", "secret", "base-url"],
)
def test_a_bad_setting_stops_start_up_with_a_clear_message(variable: str, value: str, message: str) -> None:
    env = {**os.environ, variable: value}

    result = subprocess.run(
        [sys.executable, "-m", "app", "serve"],
        env=env,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert result.returncode == 2
    assert result.stderr.startswith(message)
    assert "Traceback" not in result.stderr


def test_settings_validation_error_names_the_variable() -> None:
    with pytest.raises(ValidationError):
        Settings(database_url="oracle://x")


def test_a_sqlite_database_in_a_missing_folder_is_created(tmp_path: Path) -> None:
    from app.db import database_answers, make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'var' / 'fresh' / 'plenary.sqlite3'}")

    assert database_answers(engine) is True
    assert (tmp_path / "var" / "fresh" / "plenary.sqlite3").exists()
    engine.dispose()
