"""A forgotten password is reset by a signed link sent by email; the link dies once used."""

import re

from fastapi.testclient import TestClient

from app.accounts.models import User
from tests.conftest import ORGANISER_PASSWORD, SmtpServer, csrf_from


def _ask_for_reset(client: TestClient, email: str) -> object:
    token = csrf_from(client.get("/password-reset").text)
    return client.post("/password-reset", data={"email": email, "csrf_token": token})


def _link_in(smtp: SmtpServer) -> str:
    [message] = smtp.messages
    match = re.search(r"http://127\.0\.0\.1:8000(/\S+)", message.get_content())
    assert match
    return match.group(1)


def _login(client: TestClient, email: str, password: str) -> int:
    token = csrf_from(client.get("/login").text)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token}).status_code


def test_a_reset_link_sets_a_new_password_and_dies(
    client: TestClient, organiser: User, smtp: SmtpServer
) -> None:
    answer = _ask_for_reset(client, "Organiser@example.org")
    path = _link_in(smtp)
    token = csrf_from(client.get(path).text)

    response = client.post(
        path, data={"password": "my new password", "confirmation": "my new password", "csrf_token": token}
    )

    assert "If an account uses this email, a link to choose a new password is on its way." in answer.text  # type: ignore[attr-defined]
    assert smtp.messages[0]["Subject"] == "Reset your Plenary password"
    assert response.status_code == 303
    assert client.get(path).status_code == 404
    assert _login(client, organiser.email, ORGANISER_PASSWORD) == 422
    assert _login(client, organiser.email, "my new password") == 303


def test_a_reset_for_an_unknown_email_sends_nothing_and_says_the_same(
    client: TestClient, smtp: SmtpServer
) -> None:
    answer = _ask_for_reset(client, "nobody@example.org")

    assert answer.status_code == 200  # type: ignore[attr-defined]
    assert "If an account uses this email, a link to choose a new password is on its way." in answer.text  # type: ignore[attr-defined]
    assert smtp.messages == []


def test_a_reset_link_dies_when_the_password_changes_otherwise(
    client: TestClient, organiser: User, smtp: SmtpServer, db: object
) -> None:
    from app.accounts.service import set_password

    _ask_for_reset(client, organiser.email)
    path = _link_in(smtp)
    db.rollback()  # type: ignore[attr-defined]  # this handle's snapshot predates the request's writes
    set_password(db, organiser, "changed meanwhile")  # type: ignore[arg-type]

    assert client.get(path).status_code == 404


def test_a_reset_ends_every_session(
    client: TestClient, app: object, organiser: User, smtp: SmtpServer
) -> None:
    elsewhere = TestClient(app, follow_redirects=False)  # type: ignore[arg-type]
    assert _login(elsewhere, organiser.email, ORGANISER_PASSWORD) == 303
    _ask_for_reset(client, organiser.email)
    path = _link_in(smtp)
    token = csrf_from(client.get(path).text)

    client.post(
        path, data={"password": "my new password", "confirmation": "my new password", "csrf_token": token}
    )

    assert elsewhere.get("/manage").status_code == 303
