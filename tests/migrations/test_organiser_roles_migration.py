"""Organisers given an event before roles existed could do everything: the migration makes them owners."""

from pathlib import Path

from sqlalchemy import text

from app.db import make_engine
from tests.conftest import alembic_upgrade


def test_existing_organisers_become_owners_and_keep_their_sessions(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    alembic_upgrade(url, "9cf9400f3432")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO account_user (id, email, name, password_hash, is_admin, is_active, created_at)"
                " VALUES (1, 'o@example.org', 'O', 'x', 0, 1, '2026-01-01 00:00:00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO event (id, slug, title, kind, start_date, end_date, timezone, venue,"
                " attendance_mode, visibility, is_published, description, created_at, updated_at)"
                " VALUES (1, 'e', 'E', 'conference', '2026-01-01', '2026-01-01', 'UTC', '', 'in_person',"
                " 'public', 1, '', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            )
        )
        connection.execute(text("INSERT INTO event_organiser (event_id, user_id) VALUES (1, 1)"))

    alembic_upgrade(url, "head")

    with engine.connect() as connection:
        role = connection.execute(text("SELECT role FROM event_organiser")).scalar_one()
        generation = connection.execute(text("SELECT session_generation FROM account_user")).scalar_one()
    engine.dispose()
    assert (role, generation) == ("owner", 0)


def test_downgrade_keeps_the_organisers(tmp_path: Path) -> None:
    from alembic.config import Config

    from alembic import command
    from app.settings import PROJECT_DIR

    url = f"sqlite:///{tmp_path / 'down.sqlite3'}"
    alembic_upgrade(url, "head")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO account_user (id, email, name, password_hash, is_admin, is_active,"
                " session_generation, created_at)"
                " VALUES (1, 'o@example.org', 'O', 'x', 0, 1, 3, '2026-01-01')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO event (id, slug, title, kind, start_date, end_date, timezone, venue,"
                " attendance_mode, visibility, is_published, description, created_at, updated_at)"
                " VALUES (1, 'e', 'E', 'conference', '2026-01-01', '2026-01-01', 'UTC', '', 'in_person',"
                " 'public', 1, '', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            )
        )
        connection.execute(
            text("INSERT INTO event_organiser (event_id, user_id, role) VALUES (1, 1, 'checkin')")
        )
    config = Config(str(PROJECT_DIR / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", url)

    command.downgrade(config, "9cf9400f3432")

    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM event_organiser")).scalar_one()
    engine.dispose()
    assert count == 1
