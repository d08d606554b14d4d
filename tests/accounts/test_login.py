from fastapi.testclient import TestClient

from app.accounts.models import User
from tests.conftest import ORGANISER_PASSWORD, csrf_from


def _login(client: TestClient, email: str, password: str, next_url: str = "") -> object:
    token = csrf_from(client.get("/login").text)
    return client.post(
        "/login", data={"email": email, "password": password, "next": next_url, "csrf_token": token}
    )


def test_login_with_the_right_password_opens_the_manage_page(client: TestClient, organiser: User) -> None:
    response = _login(client, "Organiser@Example.org", ORGANISER_PASSWORD)

    assert response.status_code == 303
    assert response.headers["location"] == "/manage"
    assert "Your events" in client.get("/manage").text


def test_login_with_a_wrong_password_says_so_and_keeps_the_email(client: TestClient, organiser: User) -> None:
    response = _login(client, organiser.email, "not the password")

    assert response.status_code == 422
    assert "The email or password is not right." in response.text
    assert 'value="organiser@example.org"' in response.text
    assert client.get("/manage").status_code == 303


def test_login_never_redirects_to_another_site(client: TestClient, organiser: User) -> None:
    response = _login(client, organiser.email, ORGANISER_PASSWORD, next_url="//evil.example/steal")

    assert response.headers["location"] == "/manage"


def test_logout_ends_the_session(client: TestClient, organiser: User) -> None:
    _login(client, organiser.email, ORGANISER_PASSWORD)
    token = csrf_from(client.get("/login").text)

    client.post("/logout", data={"csrf_token": token})

    assert client.get("/manage").status_code == 303


def test_healthz_answers_when_the_database_does(client: TestClient) -> None:
    response = client.get("/healthz")

    assert (response.status_code, response.text) == (200, "ok")
