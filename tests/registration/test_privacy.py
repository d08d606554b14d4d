"""Nobody sees other people's registrations, or the stream links, through any URL they can guess or open."""

import pytest
from fastapi.testclient import TestClient

from app.db import DbSession
from app.registration.models import AttendanceChoice
from tests.conftest import SmtpServer
from tests.factories import make_event, make_room, make_session
from tests.registration.manage_factories import make_registration_form
from tests.registration.public_factories import links, post_registration, register

SECRET_STREAM = "https://stream.example.org/live/only-for-attendees"
PLANTED_NAME = "Francesca Ferrua"
PLANTED_EMAIL = "francesca.ferrua@example.org"


@pytest.fixture
def planted(db: DbSession, smtp: SmtpServer):  # noqa: ANN201 - (event, session, registration)
    event = make_event(db)
    make_registration_form(db, event)
    room = make_room(db, event, name="Auditorium", stream_url=SECRET_STREAM)
    session = make_session(db, event, title="Genome editing approaches", room_id=room.id)
    person = register(
        db, event, smtp, 1, name=PLANTED_NAME, email=PLANTED_EMAIL, mode=AttendanceChoice.online
    ).registration
    return event, session, person


def test_public_pages_show_no_registration_and_no_stream_link(client: TestClient, planted) -> None:  # noqa: ANN001
    event, session, _person = planted
    urls = [
        "/",
        f"/events/{event.slug}",
        f"/events/{event.slug}/programme",
        f"/events/{event.slug}/sessions/{session.id}",
        f"/events/{event.slug}/register",
        f"/events/{event.slug}/register/thanks",
        f"/api/events/{event.slug}",
        f"/api/events/{event.slug}/programme",
        f"/api/events/{event.slug}/rooms",
        f"/api/events/{event.slug}/sessions/{session.id}",
    ]

    leaks = {
        url: [
            secret
            for secret in (PLANTED_NAME, PLANTED_EMAIL, SECRET_STREAM)
            if secret in client.get(url).text
        ]
        for url in urls
    }

    assert leaks == dict.fromkeys(urls, [])


def test_guessed_registration_urls_open_nothing(client: TestClient, planted) -> None:  # noqa: ANN001
    _event, _session, person = planted
    guesses = [
        f"/registrations/{person.id}",
        f"/registrations/{person.secret}",
        f"/registrations/{person.email}",
        f"/registrations/calendar/{person.id}.ics",
        f"/registrations/calendar/{person.secret}.ics",
    ]

    answers = {url: client.get(url) for url in guesses}

    assert {url: response.status_code for url, response in answers.items()} == {
        guesses[0]: 403,
        guesses[1]: 403,
        guesses[2]: 403,
        guesses[3]: 404,
        guesses[4]: 404,
    }
    assert [url for url, response in answers.items() if PLANTED_NAME in response.text] == []


def test_another_attendees_link_shows_only_their_own_registration(
    client: TestClient,
    db: DbSession,
    smtp: SmtpServer,
    planted,  # noqa: ANN001
) -> None:
    event, _session, _person = planted
    other = register(db, event, smtp, 2, name="Marisa Papaluca", mode=AttendanceChoice.in_person).registration

    page = client.get(links().manage_path(other))

    assert "Marisa Papaluca" in page.text
    assert (PLANTED_NAME in page.text, PLANTED_EMAIL in page.text, SECRET_STREAM in page.text) == (
        False,
        False,
        False,
    )


def test_registered_and_new_addresses_get_the_same_answer(client: TestClient, planted) -> None:  # noqa: ANN001
    event, _session, _person = planted

    registered = post_registration(client, event, name="Anyone", email=PLANTED_EMAIL, mode="online")
    new = post_registration(client, event, name="Anyone", email="nobody.yet@example.org", mode="online")

    assert (registered.status_code, registered.headers["location"]) == (
        new.status_code,
        new.headers["location"],
    )
    assert client.get(registered.headers["location"]).text == client.get(new.headers["location"]).text


def test_manage_pages_of_organisers_need_a_login(client: TestClient, planted) -> None:  # noqa: ANN001
    event, _session, _person = planted

    response = client.get(f"/manage/events/{event.slug}/registrations")

    assert response.status_code == 303
    assert response.headers["location"].startswith("http://testserver/login")
