"""Every response carries the security headers, and no page needs what the Content-Security-Policy forbids."""

import re

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlmodel import select

from app.db import DbSession
from app.demo import load_demo_events
from app.main import create_app
from app.programme.models import Session
from app.settings import Settings
from app.speakers import links as portal_links
from app.speakers.models import Speaker
from tests.conftest import BrowserLikeClient

HTMX_CDN = "https://cdn.jsdelivr.net/npm/htmx.org@4.0.1/dist/htmx.min.js"
EXPECTED_CSP = (
    "default-src 'self'; "
    f"script-src 'self' {HTMX_CDN}; "
    "style-src 'self'; "
    "img-src 'self' data: https:; "
    "font-src 'self'; "
    "connect-src 'self'; "
    "object-src 'none'; "
    "base-uri 'self'; "
    "form-action 'self'; "
    "frame-ancestors 'none'"
)
# What the policy blocks: inline scripts, event-handler attributes, style attributes and elements, hx-on.
FORBIDDEN_MARKUP = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|\sstyle\s*=|<style\b|\shx-on[:-]", re.IGNORECASE
)


def _security_headers(response: object) -> dict[str, str | None]:
    names = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy")
    return {name: response.headers.get(name) for name in names}  # type: ignore[attr-defined]


def _get_paths(app: FastAPI, values: dict[str, str]) -> list[str]:
    paths = set()
    for route in iter_route_contexts(app.routes):
        if "GET" not in (route.methods or ()) or route.path_format is None:
            continue
        path = route.path_format
        # An event stream never ends; tests/audience/test_streams.py checks its headers.
        if path.endswith("/stream"):
            continue
        for name in re.findall(r"{(\w+)(?::\w+)?}", path):
            path = re.sub("{" + name + r"(?::\w+)?}", values.get(name, "1"), path)
        paths.add(path)
    return sorted(paths)


@pytest.fixture
def demo_values(db: DbSession, settings: Settings) -> dict[str, str]:
    events = load_demo_events(db)
    event = events[0]
    session = db.exec(select(Session).where(Session.event_id == event.id)).first()
    speaker = db.exec(select(Speaker).where(Speaker.event_id == event.id)).first()
    assert session is not None and speaker is not None
    speaker.portal_secret = "portal-secret-of-the-speaker"
    db.add(speaker)
    db.commit()
    token = portal_links.portal_token(settings.secret_key.get_secret_value(), speaker)
    return {
        "slug": event.slug,
        "session_id": str(session.id),
        "speaker_id": str(speaker.id),
        "token": token,
    }


def test_every_get_route_answers_with_the_security_headers(
    app: FastAPI, admin_client: BrowserLikeClient, demo_values: dict[str, str]
) -> None:
    paths = _get_paths(app, demo_values)
    missing, html_pages, forbidden = [], 0, []
    for path in paths:
        response = admin_client.get(path)
        headers = _security_headers(response)
        expected_referrer = (
            "no-referrer"
            if path.startswith(
                ("/speaker-portal/", "/registrations/", "/join/", "/stage/", "/moderate/", "/feedback/")
            )
            # A question page may carry an online attendee's join link in its address.
            or (path.startswith("/events/") and path.endswith("/questions"))
            else "strict-origin-when-cross-origin"
        )
        if headers != {
            "Content-Security-Policy": EXPECTED_CSP
            if path != "/materials/1/1"
            else headers["Content-Security-Policy"],
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "DENY",
            "Referrer-Policy": expected_referrer,
        }:
            missing.append((path, response.status_code, headers))
        if response.headers.get("content-type", "").startswith("text/html"):
            html_pages += response.status_code == 200
            forbidden += [(path, found) for found in FORBIDDEN_MARKUP.findall(response.text)]

    assert missing == []
    assert forbidden == []
    assert html_pages >= 15
    assert "Strict-Transport-Security" not in admin_client.get("/").headers


def test_error_pages_and_static_files_carry_the_headers(client: TestClient) -> None:
    for response in (
        client.get("/no-such-page"),
        client.get("/static/css/plenary.css"),
        client.get("/openapi.json"),
    ):
        assert _security_headers(response) == {
            "Content-Security-Policy": EXPECTED_CSP,
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "DENY",
            "Referrer-Policy": "strict-origin-when-cross-origin",
        }


def test_personal_links_send_no_referrer(client: TestClient, demo_values: dict[str, str]) -> None:
    response = client.get(f"/speaker-portal/{demo_values['token']}")

    assert response.status_code == 200
    assert response.headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize(
    "overrides",
    [{"base_url": "https://plenary.example.org"}, {"secure_cookies": True}],
    ids=["https-base-url", "secure-cookies"],
)
def test_hsts_is_sent_only_when_served_over_https(settings: Settings, overrides: dict[str, object]) -> None:
    app = create_app(Settings(**{**settings.model_dump(), **overrides}))
    with TestClient(app) as client:
        response = client.get("/")

    assert response.headers["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains"


def test_htmx_is_configured_not_to_inject_its_indicator_styles(client: TestClient) -> None:
    page = client.get("/").text

    assert '<meta name="htmx-config" content=\'{"includeIndicatorCSS": false}\'>' in page
    assert f'<script src="{HTMX_CDN}"' in page


def test_an_unexpected_error_answers_a_page_with_the_security_headers(settings: Settings) -> None:
    app = create_app(settings)

    @app.get("/broken-on-purpose")
    def broken() -> None:
        raise RuntimeError("a bug")

    with TestClient(app, raise_server_exceptions=False) as client:
        page = client.get("/broken-on-purpose", headers={"Accept-Language": "fr"})
        api = client.get("/broken-on-purpose", headers={"Accept": "application/json"})

    assert page.status_code == 500
    assert page.headers["Content-Security-Policy"] == EXPECTED_CSP
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert '<html lang="fr">' in page.text
    assert api.status_code == 500
    assert api.json() == {"detail": "The page could not be shown; please try again in a moment."}
    assert api.headers["X-Frame-Options"] == "DENY"
