"""Administrators invite organisers by email; the link sets a password once."""

import re

from fastapi.testclient import TestClient
from sqlmodel import select

from app.accounts.models import User
from app.db import DbSession
from tests.conftest import BrowserLikeClient, SmtpServer, csrf_from


def _link_in(smtp: SmtpServer) -> str:
    [message] = smtp.messages
    match = re.search(r"http://127\.0\.0\.1:8000(/\S+)", message.get_content())
    assert match, message.get_content()
    return match.group(1)


def _choose_password(client: TestClient, path: str, password: str, confirmation: str | None = None) -> object:
    token = csrf_from(client.get(path).text)
    data = {"password": password, "confirmation": confirmation or password, "csrf_token": token}
    return client.post(path, data=data)


def test_an_invited_organiser_chooses_a_password_and_is_logged_in(
    admin_client: BrowserLikeClient, app: object, smtp: SmtpServer, db: DbSession
) -> None:
    response = admin_client.post("/admin/accounts/invite", {"email": "New@Example.org", "name": "Nina New"})

    assert response.status_code == 200
    assert "Invitation sent to new@example.org." in response.text
    assert smtp.messages[0]["To"] == "new@example.org"
    assert smtp.messages[0]["Subject"] == "Your organiser account on Plenary"
    path = _link_in(smtp)
    invitee = TestClient(app, follow_redirects=False)  # type: ignore[arg-type]
    assert "Welcome to Plenary" in invitee.get(path).text

    chosen = _choose_password(invitee, path, "a password of my own")

    assert (chosen.status_code, chosen.headers["location"]) == (303, "http://testserver/account")  # type: ignore[attr-defined]
    assert "Nina New" in invitee.get("/account").text
    db.rollback()
    user = db.exec(select(User).where(User.email == "new@example.org")).one()
    assert (user.name, user.is_admin, user.has_password) == ("Nina New", False, True)


def test_an_invitation_link_works_once(
    admin_client: BrowserLikeClient, app: object, smtp: SmtpServer
) -> None:
    admin_client.post("/admin/accounts/invite", {"email": "new@example.org"})
    path = _link_in(smtp)
    invitee = TestClient(app, follow_redirects=False)  # type: ignore[arg-type]
    _choose_password(invitee, path, "a password of my own")

    again = invitee.get(path)

    assert again.status_code == 404
    assert "This link was already used or is no longer valid; ask for a new one." in again.text


def test_a_tampered_invitation_link_is_refused(
    admin_client: BrowserLikeClient, client: TestClient, smtp: SmtpServer
) -> None:
    admin_client.post("/admin/accounts/invite", {"email": "new@example.org"})
    path = _link_in(smtp)

    response = client.get(path[:-3] + "abc")

    assert response.status_code == 404
    assert "This link is not valid. Open the whole link from the email." in response.text


def test_an_invited_account_cannot_log_in_before_choosing_a_password(
    admin_client: BrowserLikeClient, app: object, smtp: SmtpServer
) -> None:
    admin_client.post("/admin/accounts/invite", {"email": "new@example.org"})
    other = TestClient(app, follow_redirects=False)  # type: ignore[arg-type]
    token = csrf_from(other.get("/login").text)

    response = other.post("/login", data={"email": "new@example.org", "password": "", "csrf_token": token})

    assert response.status_code == 422


def test_inviting_an_existing_account_says_so(
    admin_client: BrowserLikeClient, organiser: User, smtp: SmtpServer
) -> None:
    response = admin_client.post("/admin/accounts/invite", {"email": organiser.email})

    assert response.status_code == 422
    assert "An account with this email already exists." in response.text
    assert smtp.messages == []


def test_the_passwords_must_match(admin_client: BrowserLikeClient, app: object, smtp: SmtpServer) -> None:
    admin_client.post("/admin/accounts/invite", {"email": "new@example.org"})
    invitee = TestClient(app, follow_redirects=False)  # type: ignore[arg-type]

    response = _choose_password(invitee, _link_in(smtp), "a password of my own", "another password")

    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "The two passwords are not the same." in response.text  # type: ignore[attr-defined]


def test_only_administrators_see_the_accounts_page(organiser_client: BrowserLikeClient, admin: User) -> None:
    response = organiser_client.get("/admin/accounts")

    assert response.status_code == 403
    assert "Only administrators manage accounts." in response.text
    assert 'href="http://testserver/admin/accounts"' not in organiser_client.get("/manage").text


def test_the_accounts_page_lists_accounts_and_their_state(
    admin_client: BrowserLikeClient, organiser: User, smtp: SmtpServer
) -> None:
    admin_client.post("/admin/accounts/invite", {"email": "new@example.org"})
    admin_client.post(f"/admin/accounts/{organiser.id}/active", {"active": "false"})

    page = admin_client.get("/admin/accounts").text

    rows = re.findall(r"<tr>\s*<td>([^<]+)</td>.*?</tr>", page, re.S)
    assert rows == ["admin@example.org", "new@example.org", "organiser@example.org"]
    assert "Invited" in page
    assert "Deactivated" in page
