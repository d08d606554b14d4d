"""Helpers for the attendee-side registration tests: a hybrid event with an open form, and registering."""

import re
from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

from app.db import DbSession, utcnow
from app.events.models import Event
from app.registration.links import Links
from app.registration.models import AttendanceChoice, Registration
from app.registration.service import Applicant, RegistrationOutcome, register_attendee
from tests.conftest import SmtpServer, csrf_from
from tests.site import site_urls

BASE_URL = "http://testserver"
SECRET_KEY = "test-secret-key-0123456789"  # the `settings` fixture's key, so links made here open in the app
MANAGE_LINK = re.compile(r"https?://[^/\s]+(/registrations/[A-Za-z0-9_.\-]+)")


def links() -> Links:
    return Links(site_urls(BASE_URL), SECRET_KEY)


def applicant(number: int = 1, **overrides: Any) -> Applicant:
    values: dict[str, Any] = {
        "name": f"Attendee {number}",
        "email": f"attendee{number}@example.org",
        "affiliation": "Karolinska Institutet",
        "country": "SE",
        "consent": True,
        "mode": AttendanceChoice.in_person,
    }
    values.update(overrides)
    return Applicant(**values)


def register(
    db: DbSession,
    event: Event,
    smtp: SmtpServer,
    number: int = 1,
    now: datetime | None = None,
    **overrides: Any,
) -> RegistrationOutcome:
    return register_attendee(db, event, applicant(number, **overrides), now=now or utcnow(), links=links())


def post_registration(client: TestClient, event: Event, **fields: Any) -> Response:
    page = client.get(f"/events/{event.slug}/register")
    token = csrf_from(page.text) if 'name="csrf_token"' in page.text else csrf_from(client.get("/login").text)
    data = {
        "csrf_token": token,
        "name": "Hélène Dupré",
        "email": "helene.dupre@example.org",
        "affiliation": "Université Paris Cité",
        "country": "FR",
        "mode": "in_person",
        "consent": "on",
        **fields,
    }
    return client.post(f"/events/{event.slug}/register", data=data)


def manage_path_in(text: str) -> str:
    match = MANAGE_LINK.search(text)
    assert match, "no manage link in the message"
    return match.group(1)


def mail_text(message: Any) -> str:
    body = message.get_body(preferencelist=("plain",))
    return body.get_content() if body is not None else ""


def reload(db: DbSession, registration: Registration) -> Registration:
    """The registration as the database holds it now (changed by requests or other sessions)."""
    db.rollback()
    db.expire_all()  # with no transaction open, rolling back expires nothing
    fresh = db.get(Registration, registration.id)
    assert fresh is not None
    return fresh


def subjects(smtp: SmtpServer) -> list[str]:
    """Subjects of the messages that arrived (a long subject may be folded onto a second header line)."""
    return [" ".join(str(message["Subject"]).split()) for message in smtp.messages]
