"""The manage link: what it opens, what it refuses, and what an attendee does with it."""

import re
import time

from fastapi.testclient import TestClient
from icalendar import Calendar
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlmodel import select

from app.db import DbSession
from app.events.models import Event
from app.programme.models import Room, SessionKind
from app.registration.links import MANAGE_PURPOSE, MANAGE_TOKEN_MAX_AGE_SECONDS, manage_token
from app.registration.models import AttendanceChoice, Registration, RegistrationStatus
from tests.conftest import SmtpServer, csrf_from
from tests.factories import make_event, make_room, make_session
from tests.registration.manage_factories import make_registration_form
from tests.registration.public_factories import (
    SECRET_KEY,
    links,
    post_registration,
    register,
    reload,
    subjects,
)


def _manage_path(registration: Registration) -> str:
    return links().manage_path(registration)


def _post(client: TestClient, path: str, data: dict | None = None, htmx: bool = False):  # noqa: ANN202
    token = csrf_from(client.get("/login").text)
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(path, data={**(data or {}), "csrf_token": token}, headers=headers)


def test_manage_page_shows_the_registration_and_its_ticket(
    client: TestClient, db: DbSession, smtp: SmtpServer
) -> None:
    event = make_event(db)
    make_registration_form(db, event)
    person = register(db, event, smtp, 1, name="Nikolaus Rajewsky").registration

    page = client.get(_manage_path(person))

    assert page.status_code == 200
    assert "Nikolaus Rajewsky" in page.text
    assert "Your ticket" in page.text
    assert "<svg" in page.text
    assert f"{person.id}-" in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"


def test_manage_page_of_a_waiting_person_has_no_ticket(
    client: TestClient, db: DbSession, smtp: SmtpServer
) -> None:
    event = make_event(db)
    make_registration_form(db, event, in_person_seats=0)
    person = register(db, event, smtp, 1).registration

    page = client.get(_manage_path(person))

    assert "You are on the waiting list" in page.text
    assert "Your ticket" not in page.text


def test_tampered_manage_link_is_refused(client: TestClient, db: DbSession, smtp: SmtpServer) -> None:
    event = make_event(db)
    make_registration_form(db, event)
    person = register(db, event, smtp, 1).registration
    path = _manage_path(person)
    tampered = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")

    response = client.get(tampered)

    assert response.status_code == 403
    assert "This link is not valid. Open the whole link from your confirmation email." in response.text
    assert "Attendee 1" not in response.text


def test_expired_manage_link_is_refused(client: TestClient, db: DbSession, smtp: SmtpServer) -> None:
    event = make_event(db)
    make_registration_form(db, event)
    person = register(db, event, smtp, 1).registration
    fresh_token = manage_token(SECRET_KEY, person)

    class LongAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - MANAGE_TOKEN_MAX_AGE_SECONDS - 60

    payload = URLSafeTimedSerializer(SECRET_KEY, salt=MANAGE_PURPOSE).loads(fresh_token)
    old_token = URLSafeTimedSerializer(SECRET_KEY, salt=MANAGE_PURPOSE, signer=LongAgo).dumps(payload)

    response = client.get(f"/registrations/{old_token}")

    assert response.status_code == 410
    assert "This link has expired." in response.text


def test_a_token_opens_only_its_own_registration(client: TestClient, db: DbSession, smtp: SmtpServer) -> None:
    event = make_event(db)
    make_registration_form(db, event)
    alice = register(db, event, smtp, 1, name="Alice Adams").registration
    bob = register(db, event, smtp, 2, name="Bob Brown").registration
    forged_payload = URLSafeTimedSerializer("another-secret-key-0123456789", salt=MANAGE_PURPOSE).dumps(
        {"r": bob.id, "k": "0" * 16}
    )

    alice_page = client.get(_manage_path(alice))
    forged = client.get(f"/registrations/{forged_payload}")

    assert ("Alice Adams" in alice_page.text, "Bob Brown" in alice_page.text) == (True, False)
    assert forged.status_code == 403
    assert "Bob Brown" not in forged.text


def test_cancel_through_the_link_frees_the_seat_for_the_first_waiting(
    client: TestClient, db: DbSession, smtp: SmtpServer
) -> None:
    event = make_event(db)
    make_registration_form(db, event, in_person_seats=1)
    person = register(db, event, smtp, 1).registration
    waiting = register(db, event, smtp, 2).registration

    manage_path = _manage_path(person)  # once: the signed token carries the time it was made

    response = _post(client, manage_path + "/cancel", {"confirm_cancel": "on"})

    assert (response.status_code, response.headers["location"]) == (303, f"http://testserver{manage_path}")
    assert (reload(db, person).status, reload(db, waiting).status) == (
        RegistrationStatus.cancelled,
        RegistrationStatus.confirmed,
    )
    assert subjects(smtp)[-2:] == [
        f"Your registration for {event.title} is cancelled",
        f"A place is yours: {event.title}",
    ]
    assert "This registration is no longer active." in client.get(_manage_path(person)).text
    promotion = smtp.messages[-1]
    assert [part.get_filename() for part in promotion.iter_attachments()] == [
        "ticket.png",
        f"{event.slug}.ics",
    ]


def test_details_change_with_htmx_returns_the_block(
    client: TestClient, db: DbSession, smtp: SmtpServer
) -> None:
    event = make_event(db)
    make_registration_form(db, event)
    person = register(db, event, smtp, 1).registration
    path = _manage_path(person)

    response = _post(client, path + "/details", {"name": "Annarita Miccio", "country": "IT"}, htmx=True)

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<article id="registration-manage"')
    assert "Your changes are saved." in response.text
    assert (reload(db, person).name, reload(db, person).country) == ("Annarita Miccio", "IT")


def test_details_change_with_an_empty_name_is_refused_with_422(
    client: TestClient, db: DbSession, smtp: SmtpServer
) -> None:
    event = make_event(db)
    make_registration_form(db, event)
    person = register(db, event, smtp, 1).registration

    response = _post(client, _manage_path(person) + "/details", {"name": "", "country": "XX"})

    assert response.status_code == 422
    assert 'id="name-error"' in response.text
    assert reload(db, person).name == "Attendee 1"


def test_switch_mode_through_the_link(client: TestClient, db: DbSession, smtp: SmtpServer) -> None:
    event = make_event(db)
    make_registration_form(db, event, online_places=0)
    person = register(db, event, smtp, 1).registration

    refused = _post(client, _manage_path(person) + "/mode", {"mode": "online"})

    assert refused.status_code == 422
    assert "There is no place left to attend online" in refused.text
    assert reload(db, person).mode == AttendanceChoice.in_person


def test_delete_personal_data_through_the_link(client: TestClient, db: DbSession, smtp: SmtpServer) -> None:
    event = make_event(db)
    make_registration_form(db, event)
    person = register(db, event, smtp, 1, name="Erik de Vrieze").registration
    path = _manage_path(person)

    unconfirmed = _post(client, path + "/delete")
    confirmed = _post(client, path + "/delete", {"confirm": "on"})
    afterwards = client.get(path)

    assert unconfirmed.status_code == 422
    assert "Tick the box to confirm" in unconfirmed.text
    assert confirmed.status_code == 200
    assert "Your personal data is deleted" in confirmed.text
    assert afterwards.status_code == 403
    db.rollback()
    db.expire_all()  # with no transaction open, rolling back expires nothing
    assert [r.name for r in db.exec(select(Registration))] == [""]


def _feed_uids(client: TestClient, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    return sorted(str(component["UID"]) for component in calendar.walk("VEVENT"))


def test_calendar_feed_lists_the_programme_and_only_chosen_parallel_sessions(
    client: TestClient, db: DbSession, smtp: SmtpServer
) -> None:
    event = make_event(db)
    make_registration_form(db, event)
    room = make_room(db, event, name="Salle Pasteur")
    keynote = make_session(
        db, event, title="Single-cell technologies", kind=SessionKind.keynote, room_id=room.id
    )
    chosen = make_session(db, event, title="Panel A", kind=SessionKind.workshop, seat_limit=5)
    other = make_session(db, event, title="Panel B", kind=SessionKind.workshop, seat_limit=5)
    person = register(db, event, smtp, 1, session_ids=[chosen.id]).registration

    url = links().calendar_url(person).removeprefix("http://testserver")
    uids = _feed_uids(client, url)
    calendar = Calendar.from_ical(client.get(url).content)
    keynote_event = next(c for c in calendar.walk("VEVENT") if str(c["UID"]) == f"{keynote.uid}@127.0.0.1")

    # The same UIDs as the public feeds (uid@host of BASE_URL), so calendars merge the two.
    assert uids == sorted([f"{keynote.uid}@127.0.0.1", f"{chosen.uid}@127.0.0.1"])
    assert f"{other.uid}@127.0.0.1" not in uids
    assert str(keynote_event["SUMMARY"]) == "Single-cell technologies"
    assert str(keynote_event["LOCATION"]) == "Salle Pasteur, Paris"
    assert keynote_event.decoded("DTSTART") == keynote.start_at


def test_new_calendar_link_kills_the_old_one(client: TestClient, db: DbSession, smtp: SmtpServer) -> None:
    event = make_event(db)
    make_registration_form(db, event)
    person = register(db, event, smtp, 1).registration
    old_url = links().calendar_url(person).removeprefix("http://testserver")

    response = _post(client, _manage_path(person) + "/new-calendar-link")

    new_url = links().calendar_url(reload(db, person)).removeprefix("http://testserver")
    assert response.status_code == 303
    assert new_url != old_url
    assert client.get(old_url).status_code == 404
    assert client.get(new_url).status_code == 200


def _streamed_event(db: DbSession) -> tuple[Event, Room]:
    event = make_event(db)
    make_registration_form(db, event)
    room = make_room(db, event, name="Auditorium", stream_url="https://stream.example.org/secret-room")
    make_session(db, event, title="Opening keynote", room_id=room.id)
    return event, room


def test_stream_links_are_shown_to_confirmed_online_attendees(
    client: TestClient, db: DbSession, smtp: SmtpServer
) -> None:
    event, room = _streamed_event(db)
    online = register(db, event, smtp, 1, mode=AttendanceChoice.online).registration

    page = client.get(_manage_path(online))

    # Their own join link (app/live/joins.py), never the stream's address.
    assert len(re.findall(r'href="https?://[^/"]+/join/[^"]+"', page.text)) == 1
    assert room.stream_url not in page.text
    assert "Attend online" in page.text


def test_stream_links_are_not_shown_to_in_person_attendees(
    client: TestClient, db: DbSession, smtp: SmtpServer
) -> None:
    event, room = _streamed_event(db)
    in_person = register(db, event, smtp, 1, mode=AttendanceChoice.in_person).registration

    page = client.get(_manage_path(in_person))

    assert room.stream_url not in page.text


def test_cancel_without_ticking_the_confirmation_keeps_the_registration(
    client: TestClient, db: DbSession, smtp: SmtpServer
) -> None:
    event = make_event(db)
    make_registration_form(db, event)
    person = register(db, event, smtp, 1).registration
    manage_path = _manage_path(person)
    sent_before = len(smtp.messages)

    page = client.get(manage_path)
    response = _post(client, manage_path + "/cancel")

    assert 'name="confirm_cancel"' in page.text
    assert response.status_code == 422
    assert "Tick the box to confirm that you want to cancel" in response.text
    assert reload(db, person).status == RegistrationStatus.confirmed
    assert len(smtp.messages) == sent_before


def test_a_person_who_cancelled_can_register_again(
    client: TestClient, db: DbSession, smtp: SmtpServer
) -> None:
    event = make_event(db)
    make_registration_form(db, event)
    person = register(db, event, smtp, 1).registration
    _post(client, _manage_path(person) + "/cancel", {"confirm_cancel": "on"})

    response = post_registration(client, event, email="attendee1@example.org", name="Attendee 1")

    assert response.status_code == 303
    db.rollback()
    db.expire_all()  # with no transaction open, rolling back expires nothing
    statuses = [r.status for r in db.exec(select(Registration).order_by(Registration.id))]
    assert statuses == [RegistrationStatus.cancelled, RegistrationStatus.confirmed]
    assert subjects(smtp)[-1] == f"You are registered for {event.title}"
