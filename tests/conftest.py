"""Each test gets a freshly migrated database: a copied SQLite file, or PostgreSQL with TEST_DATABASE_URL."""

import os
import re
import shutil
import socket
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from pathlib import Path

import pytest
from alembic.config import Config
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, text
from sqlmodel import col, select

from alembic import command
from app.accounts.models import User
from app.accounts.service import create_user
from app.db import DbSession, make_engine
from app.mail import Mailer, SmtpMailer
from app.main import create_app
from app.outbox.models import MailStatus, OutgoingMessage
from app.outbox.service import deliver
from app.security import use_cheap_password_hashing
from app.settings import PROJECT_DIR, Settings
from app.tasks.registry import mail_writers
from app.web.clock import current_time
from tests.site import site_urls

ORGANISER_PASSWORD = "correct horse battery"
TEST_SECRET_KEY = "test-secret-key-0123456789"  # the `settings` fixture's

# Logging in is not what most tests are about: argon2 at its lowest cost (the login tests that measure
# hashing set their own).
use_cheap_password_hashing()


def alembic_upgrade(url: str, revision: str = "head") -> None:
    config = Config(str(PROJECT_DIR / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, revision)


def reset_schema(url: str) -> None:
    if url.startswith("sqlite"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        return
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def truncate_all_tables(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        names = connection.execute(
            text(
                "SELECT tablename FROM pg_tables"
                " WHERE schemaname = 'public' AND tablename != 'alembic_version'"
            )
        ).scalars()
        tables = ", ".join(f'"{name}"' for name in names)
        if tables:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


def normalised_test_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    if url and url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


@pytest.fixture(scope="session")
def migrated_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = normalised_test_url() or f"sqlite:///{tmp_path_factory.mktemp('db') / 'base.sqlite3'}"
    reset_schema(url)
    alembic_upgrade(url, "head")
    return url


@pytest.fixture
def database_url(migrated_url: str, tmp_path: Path) -> Iterator[str]:
    if migrated_url.startswith("sqlite"):
        copy = tmp_path / "test.sqlite3"
        shutil.copy(migrated_url.removeprefix("sqlite:///"), copy)
        yield f"sqlite:///{copy}"
    else:
        yield migrated_url
        truncate_all_tables(migrated_url)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def db(engine: Engine) -> Iterator[DbSession]:
    with DbSession(engine, expire_on_commit=False) as session:
        yield session


@dataclass
class SmtpServer:
    """A real SMTP server in this process (aiosmtpd); `messages` are what arrived, parsed.

    The site queues every email in its database (app.outbox) for a worker to deliver; reading `messages`
    first delivers what the test's site has queued, in order, as a worker would, so that a test reads
    the mail its request caused. tests/tasks runs real workers on the real queue.
    """

    url: str
    received: list[EmailMessage]
    deliver_queued: Callable[[], None] | None = None

    @property
    def messages(self) -> list[EmailMessage]:
        if self.deliver_queued is not None:
            self.deliver_queued()
        return self.received


@contextmanager
def collecting_smtp_server() -> Iterator[tuple[str, list[EmailMessage]]]:
    """A real SMTP server (aiosmtpd) on a free port of 127.0.0.1: its URL, and the messages it received."""
    from aiosmtpd.controller import Controller

    received: list[EmailMessage] = []

    class Collect:
        async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802
            received.append(BytesParser(policy=default_policy).parsebytes(envelope.content))  # type: ignore[attr-defined]
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Collect(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}", received
    finally:
        controller.stop()


@pytest.fixture
def smtp(request: pytest.FixtureRequest) -> Iterator[SmtpServer]:
    with collecting_smtp_server() as (url, received):
        server = SmtpServer(url=url, received=received)
        # The test's database, where its site queues the mail (every test that reads mail has one).
        engine = make_engine(request.getfixturevalue("database_url"))
        mailer = SmtpMailer(server.url, Settings.model_fields["mail_from"].default)
        server.deliver_queued = lambda: deliver_queued_mail(engine, mailer)
        try:
            yield server
        finally:
            engine.dispose()


@pytest.fixture
def settings(database_url: str, tmp_path: Path, smtp: SmtpServer) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key=TEST_SECRET_KEY,
        upload_dir=tmp_path / "up",
        var_dir=tmp_path / "var",
        smtp_url=smtp.url,
    )


def deliver_queued_mail(engine: Engine, mailer: Mailer) -> None:
    """Delivers every message waiting in the database, oldest first, as the workers would (writing those
    saved as a spec with the site's routes and the test key, as a worker of the test's site would)."""
    writers = mail_writers(site_urls().router, TEST_SECRET_KEY)
    with DbSession(engine) as db:
        waiting = db.exec(
            select(OutgoingMessage.id)
            .where(col(OutgoingMessage.status).in_([MailStatus.queued, MailStatus.retrying]))
            .order_by(col(OutgoingMessage.id))
        ).all()
    for message_id in waiting:
        assert message_id is not None
        deliver(engine, message_id, mailer, max_attempts=1, first_wait=timedelta(seconds=1), writers=writers)


@pytest.fixture
def app(settings: Settings) -> Iterator[FastAPI]:
    application = create_app(settings)
    yield application
    application.state.engine.dispose()


@pytest.fixture
def clock(app: FastAPI) -> Iterator[Callable[[datetime], None]]:
    """Sets the time the app's routes see (their `Now` dependency), instead of waiting for it."""

    def set_to(moment: datetime) -> None:
        app.dependency_overrides[current_time] = lambda: moment

    yield set_to
    app.dependency_overrides.pop(current_time, None)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF field"
    return match.group(1)


class BrowserLikeClient:
    """A TestClient that logs in and sends the page's CSRF token with every unsafe request, like a browser."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.csrf = ""

    def login(self, email: str, password: str = ORGANISER_PASSWORD) -> None:
        page = self.client.get("/login")
        response = self.client.post(
            "/login", data={"email": email, "password": password, "csrf_token": csrf_from(page.text)}
        )
        assert response.status_code == 303, response.text
        self.refresh_csrf()

    def refresh_csrf(self) -> None:
        self.csrf = csrf_from(self.client.get("/login").text)

    def get(self, url: str, **kwargs: object) -> object:
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict | None = None, htmx: bool = False, **kwargs: object) -> object:
        headers = dict(kwargs.pop("headers", {}) or {})
        if htmx:
            headers["HX-Request"] = "true"
        return self.client.post(
            url, data={**(data or {}), "csrf_token": self.csrf}, headers=headers, **kwargs
        )


@pytest.fixture
def organiser(db: DbSession) -> User:
    return create_user(db, "organiser@example.org", ORGANISER_PASSWORD, name="Olivia Organiser")


@pytest.fixture
def admin(db: DbSession) -> User:
    return create_user(db, "admin@example.org", ORGANISER_PASSWORD, name="Ada Admin", is_admin=True)


@pytest.fixture
def organiser_client(client: TestClient, organiser: User) -> BrowserLikeClient:
    browser = BrowserLikeClient(client)
    browser.login(organiser.email)
    return browser


@pytest.fixture
def admin_client(client: TestClient, admin: User) -> BrowserLikeClient:
    browser = BrowserLikeClient(client)
    browser.login(admin.email)
    return browser


@pytest.fixture
def count_queries() -> Callable[[], AbstractContextManager[list[str]]]:
    """`with count_queries() as statements:` records every SQL statement any engine runs inside the block."""

    @contextmanager
    def counting() -> Iterator[list[str]]:
        statements: list[str] = []

        def record(conn: object, cursor: object, statement: str, *args: object) -> None:
            statements.append(statement)

        event.listen(Engine, "after_cursor_execute", record)
        try:
            yield statements
        finally:
            event.remove(Engine, "after_cursor_execute", record)

    return counting


@pytest.fixture(scope="session", autouse=True)
def compiled_translations() -> None:
    """The .mo files are build output (git-ignored); compile them as `make translations` does."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    from app.i18n import TRANSLATIONS_DIR, translations_for

    for po_path in TRANSLATIONS_DIR.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file)
            # Written aside and renamed: parallel test workers (pytest-xdist) never read a half-written file.
            partial = mo_path.with_suffix(f".{os.getpid()}.partial")
            with partial.open("wb") as mo_file:
                write_mo(mo_file, catalog)
            partial.replace(mo_path)
    translations_for.cache_clear()
