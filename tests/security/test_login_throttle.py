"""Failed logins are throttled per account and per address; hashing never holds a database slot."""

import asyncio
import socket
import threading
from collections.abc import Iterator

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.accounts.models import User
from app.main import create_app
from app.settings import Settings
from tests.conftest import ORGANISER_PASSWORD, csrf_from

REDIS_URL = "redis://127.0.0.1:6379/0"
TOO_MANY = "Too many attempts to log in; try again in 15 minutes."


def _login(client: TestClient, email: str, password: str) -> httpx.Response:
    token = csrf_from(client.get("/login").text)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def test_eleventh_attempt_on_one_account_is_refused_even_with_the_right_password(
    client: TestClient, app: FastAPI, organiser: User
) -> None:
    wrong = [_login(client, organiser.email, f"wrong password {n}").status_code for n in range(10)]

    refused = _login(client, organiser.email, ORGANISER_PASSWORD)

    assert wrong == [422] * 10
    assert refused.status_code == 429
    assert TOO_MANY in refused.text
    assert 800 < int(refused.headers["Retry-After"]) <= 900
    assert client.get("/manage").status_code == 303

    app.state.login_throttle.reset()  # the window has passed
    assert _login(client, organiser.email, ORGANISER_PASSWORD).status_code == 303


def test_one_address_failing_on_many_accounts_is_refused(client: TestClient, organiser: User) -> None:
    wrong = [_login(client, f"guess{n}@example.org", "a guessed password").status_code for n in range(30)]

    refused = _login(client, organiser.email, ORGANISER_PASSWORD)

    assert wrong == [422] * 30
    assert (refused.status_code, TOO_MANY in refused.text) == (429, True)


def test_a_successful_login_clears_the_account_count(client: TestClient, organiser: User) -> None:
    for n in range(9):
        _login(client, organiser.email, f"wrong password {n}")
    assert _login(client, organiser.email, ORGANISER_PASSWORD).status_code == 303

    again = [_login(client, organiser.email, f"wrong again {n}").status_code for n in range(9)]

    assert again == [422] * 9
    assert _login(client, organiser.email, ORGANISER_PASSWORD).status_code == 303


def _redis_is_running() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture
def redis_apps(settings: Settings) -> Iterator[tuple[FastAPI, FastAPI]]:
    if not _redis_is_running():
        pytest.skip("no Redis at 127.0.0.1:6379")
    shared = settings.model_copy(update={"redis_url": REDIS_URL})
    first, second = create_app(shared), create_app(shared)
    first.state.login_throttle.reset()
    yield first, second
    first.state.login_throttle.reset()
    for application in (first, second):
        application.state.engine.dispose()


def test_with_redis_two_app_processes_share_the_count(
    redis_apps: tuple[FastAPI, FastAPI], organiser: User
) -> None:
    first, second = redis_apps
    with TestClient(first, follow_redirects=False) as one, TestClient(second, follow_redirects=False) as two:
        wrong = [_login(one, organiser.email, f"wrong password {n}").status_code for n in range(10)]

        refused = _login(two, organiser.email, ORGANISER_PASSWORD)

    assert wrong == [422] * 10
    assert (refused.status_code, TOO_MANY in refused.text) == (429, True)


class HashWatch:
    """Wraps argon2's verify to see, while each hash runs, how many run and how many DB slots are free."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.lock = threading.Lock()
        self.running = 0
        self.most_at_once = 0
        self.free_db_slots: list[int] = []

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        original = PasswordHasher.verify
        watch = self

        def verify(hasher: PasswordHasher, hash: str, password: str) -> bool:  # noqa: A002 - argon2's name
            with watch.lock:
                watch.running += 1
                watch.most_at_once = max(watch.most_at_once, watch.running)
                watch.free_db_slots.append(watch.app.state.db_slots._value)
            try:
                return original(hasher, hash, password)
            finally:
                with watch.lock:
                    watch.running -= 1

        monkeypatch.setattr(PasswordHasher, "verify", verify)


def test_login_lets_go_of_its_database_slot_before_hashing(
    client: TestClient, app: FastAPI, organiser: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.db import POOL_CONNECTIONS

    watch = HashWatch(app)
    watch.install(monkeypatch)

    response = _login(client, organiser.email, ORGANISER_PASSWORD)

    assert response.status_code == 303
    assert watch.free_db_slots == [POOL_CONNECTIONS]


def test_parallel_logins_hash_a_few_at_a_time(
    app: FastAPI, organiser: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    watch = HashWatch(app)
    watch.install(monkeypatch)

    async def burst() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            token = csrf_from((await client.get("/login")).text)
            data = {"email": organiser.email, "password": "not the password", "csrf_token": token}
            responses = await asyncio.gather(*(client.post("/login", data=data) for _ in range(8)))
        return [response.status_code for response in responses]

    statuses = asyncio.run(burst())

    assert statuses == [422] * 8
    assert 1 <= watch.most_at_once <= 3


def test_password_reset_requests_are_throttled_too(client: TestClient, organiser: User, smtp: object) -> None:
    token = csrf_from(client.get("/password-reset").text)
    statuses = [
        client.post("/password-reset", data={"email": organiser.email, "csrf_token": token}).status_code
        for _ in range(11)
    ]

    assert statuses == [200] * 10 + [429]
    assert len(smtp.messages) == 10  # type: ignore[attr-defined]


def test_a_redis_url_of_another_kind_stops_start_up_with_its_name() -> None:
    from pydantic import ValidationError

    from app.settings import describe_settings_error

    with pytest.raises(ValidationError) as error:
        Settings(redis_url="http://127.0.0.1:6379")

    assert describe_settings_error(error.value).startswith("REDIS_URL: Value error, must start with redis://")


def test_guessing_the_current_password_on_the_account_page_is_throttled(organiser_client: object) -> None:
    statuses = [
        organiser_client.post(  # type: ignore[attr-defined]
            "/account/password", {"current_password": f"guess number {n}", "password": "a brand new password"}
        ).status_code
        for n in range(11)
    ]
    last = organiser_client.post(  # type: ignore[attr-defined]
        "/account/password", {"current_password": ORGANISER_PASSWORD, "password": "a brand new password"}
    )

    assert statuses == [422] * 10 + [429]
    assert (last.status_code, "Too many attempts; try again in 15 minutes." in last.text) == (429, True)
