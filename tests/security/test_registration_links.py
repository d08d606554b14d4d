"""Attendee manage links can be replaced: by the organisers (a new link by email, the old one dies) and
asked for again by the attendee on a public form that tells nobody whether an address is registered."""

from fastapi.testclient import TestClient

from app.db import DbSession
from tests.conftest import BrowserLikeClient, SmtpServer, csrf_from
from tests.factories import make_event
from tests.registration.manage_factories import make_organiser_of, make_registration_form
from tests.registration.public_factories import (
    links,
    mail_text,
    manage_path_in,
    register,
    subjects,
)


def test_organiser_sends_a_new_link_and_the_old_one_stops_working(
    db: DbSession, smtp: SmtpServer, organiser_client: BrowserLikeClient, organiser: object
) -> None:
    event = make_event(db)
    make_organiser_of(db, event, organiser)  # type: ignore[arg-type]
    make_registration_form(db, event)
    person = register(db, event, smtp, 1, name="Nikolaus Rajewsky").registration
    old_path = links().manage_path(person)
    smtp.messages.clear()

    page = organiser_client.get(f"/manage/events/{event.slug}/registrations")
    response = organiser_client.post(
        f"/manage/events/{event.slug}/registrations/{person.id}/new-link", {}, htmx=True
    )

    assert "New link" in page.text
    assert response.status_code == 200
    assert "Nikolaus Rajewsky has a new personal link by email; the old one no longer works." in response.text
    assert subjects(smtp) == [f"Your personal link for {event.title}"]
    new_path = manage_path_in(mail_text(smtp.messages[0]))
    assert new_path != old_path
    assert organiser_client.client.get(old_path).status_code == 403
    assert "Nikolaus Rajewsky" in organiser_client.client.get(new_path).text


def _ask_for_link(client: TestClient, slug: str, email: str):  # noqa: ANN202
    page = client.get(f"/events/{slug}/registration-link")
    return client.post(
        f"/events/{slug}/registration-link", data={"email": email, "csrf_token": csrf_from(page.text)}
    )


def test_attendee_asks_for_the_link_again_and_strangers_learn_nothing(
    client: TestClient, db: DbSession, smtp: SmtpServer
) -> None:
    event = make_event(db)
    make_registration_form(db, event)
    person = register(db, event, smtp, 1, email="lost.link@example.org").registration
    old_path = links().manage_path(person)
    smtp.messages.clear()

    known = _ask_for_link(client, event.slug, "Lost.Link@example.org")
    unknown = _ask_for_link(client, event.slug, "never.registered@example.org")

    assert (known.status_code, unknown.status_code) == (200, 200)
    assert known.text == unknown.text
    assert "If this address is registered, we have sent it an email" in known.text
    assert [message["To"] for message in smtp.messages] == ["lost.link@example.org"]
    sent_path = manage_path_in(mail_text(smtp.messages[0]))
    assert client.get(sent_path).status_code == 200
    assert client.get(old_path).status_code == 200  # asking revokes nothing: anyone may ask


def test_link_request_for_an_unknown_event_looks_the_same_and_sends_nothing(
    client: TestClient, db: DbSession, smtp: SmtpServer
) -> None:
    response = _ask_for_link(client, "no-such-event", "someone@example.org")
    invalid = _ask_for_link(client, "no-such-event", "not an address")

    assert response.status_code == 200
    assert "If this address is registered, we have sent it an email" in response.text
    assert (invalid.status_code, "Enter an email address such as name@example.org." in invalid.text) == (
        422,
        True,
    )
    assert smtp.messages == []
