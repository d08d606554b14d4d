"""Behind a reverse proxy, the visitor's address is X-Forwarded-For, believed from trusted proxies only.

The server is built as `python -m app serve` builds it (uvicorn's Config with `server_options`), so the
test covers uvicorn's proxy-headers middleware as configured by FORWARDED_ALLOW_IPS.
"""

from collections.abc import Iterator

import pytest
import uvicorn
from fastapi.testclient import TestClient

from app.__main__ import server_options
from app.db import DbSession
from app.main import create_app
from app.settings import Settings
from tests.factories import make_event
from tests.registration.manage_factories import make_registration_form
from tests.registration.public_factories import post_registration

PROXY = "172.18.0.2"  # the proxy container, in the network the setting trusts


@pytest.fixture
def served(settings: Settings) -> Iterator[object]:
    settings = Settings(
        **{**settings.model_dump(), "forwarded_allow_ips": "172.18.0.0/16", "registration_rate_limit": 2}
    )
    app = create_app(settings)
    config = uvicorn.Config(app, **server_options(settings))
    config.load()
    yield config.loaded_app
    app.state.engine.dispose()


def _answers(served: object, db: DbSession, peer: str, forwarded_for: list[str]) -> list[int]:
    event = make_event(db)
    make_registration_form(db, event)
    answers = []
    with TestClient(served, client=(peer, 50000), follow_redirects=False) as client:  # type: ignore[arg-type]
        for number, address in enumerate(forwarded_for):
            client.headers["X-Forwarded-For"] = address
            response = post_registration(client, event, email=f"attendee{number}@example.org")
            answers.append(response.status_code)
    return answers


def test_attendees_behind_a_trusted_proxy_are_counted_each_on_their_own(
    served: object, db: DbSession
) -> None:
    answers = _answers(served, db, PROXY, ["198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4"])

    assert answers == [303, 303, 303, 303]


def test_one_attendee_behind_a_trusted_proxy_is_still_limited(served: object, db: DbSession) -> None:
    answers = _answers(served, db, PROXY, ["198.51.100.1"] * 3)

    assert answers == [303, 303, 429]


def test_untrusted_peer_cannot_choose_its_address_with_x_forwarded_for(served: object, db: DbSession) -> None:
    answers = _answers(served, db, "203.0.113.9", ["198.51.100.1", "198.51.100.2", "198.51.100.3"])

    assert answers == [303, 303, 429]


def test_trusted_proxies_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "10.0.0.0/8,192.168.1.10")

    options = server_options(Settings())

    assert (options["proxy_headers"], options["forwarded_allow_ips"]) == (True, "10.0.0.0/8,192.168.1.10")


def test_trusted_proxies_default_to_the_local_host_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)

    assert Settings().forwarded_allow_ips == "127.0.0.1,::1"
