"""A session cookie stops working once its user logs out, changes or resets the password."""

from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.accounts.models import User
from tests.conftest import ORGANISER_PASSWORD, BrowserLikeClient


def _copy_of_cookie(app: FastAPI, source: TestClient) -> TestClient:
    thief = TestClient(app, follow_redirects=False)
    thief.cookies.set("plenary_session", source.cookies["plenary_session"])
    return thief


def test_a_cookie_copied_before_logout_opens_nothing_after(
    app: FastAPI, organiser_client: BrowserLikeClient
) -> None:
    copied = _copy_of_cookie(app, organiser_client.client)
    assert copied.get("/manage").status_code == 200

    organiser_client.post("/logout")

    response = copied.get("/manage")
    assert (response.status_code, response.headers["location"]) == (
        303,
        "http://testserver/login?next=%2Fmanage",
    )


def test_changing_the_password_ends_other_sessions_and_keeps_this_one(
    app: FastAPI, organiser_client: BrowserLikeClient
) -> None:
    other_device = _copy_of_cookie(app, organiser_client.client)

    response = organiser_client.post(
        "/account/password", {"current_password": ORGANISER_PASSWORD, "password": "a brand new password"}
    )

    assert (response.status_code, response.headers["location"]) == (
        303,
        "http://testserver/account?changed=1",
    )
    assert organiser_client.get("/account").status_code == 200
    assert other_device.get("/account").status_code == 303


def test_logging_out_everywhere_ends_every_session(app: FastAPI, organiser_client: BrowserLikeClient) -> None:
    other_device = _copy_of_cookie(app, organiser_client.client)

    organiser_client.post("/account/logout-everywhere")

    assert organiser_client.get("/manage").status_code == 303
    assert other_device.get("/manage").status_code == 303


def test_a_deactivated_account_is_logged_out(
    app: FastAPI, admin_client: BrowserLikeClient, organiser: User
) -> None:
    organiser_browser = BrowserLikeClient(TestClient(app, follow_redirects=False))
    organiser_browser.login(organiser.email)

    admin_client.post(f"/admin/accounts/{organiser.id}/active", {"active": "false"})

    assert organiser_browser.get("/manage").status_code == 303
