"""Organisers approve, reject, cancel and edit registrations; the attendee is told by email, and a freed
seat goes to the first person waiting."""

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from app.events.models import AttendanceMode
from app.registration.models import Answer, AttendanceChoice, QuestionKind, Registration, RegistrationStatus
from tests.factories import make_event
from tests.registration.manage_factories import (
    answer,
    make_organiser_of,
    make_question,
    make_registration,
    make_registration_form,
)


@pytest.fixture
def event(db, organiser):
    event = make_event(db, slug="prelude", title="Prelude", attendance_mode=AttendanceMode.hybrid)
    make_organiser_of(db, event, organiser)
    return event


def _url(event, registration, action: str) -> str:
    return f"/manage/events/{event.slug}/registrations/{registration.id}/{action}"


def _status(db, registration) -> RegistrationStatus:
    db.rollback()
    return db.get(Registration, registration.id).status


def _waiting(db, event, email: str, minute: int) -> Registration:
    return make_registration(
        db,
        event,
        name=email.split("@")[0].title(),
        email=email,
        status=RegistrationStatus.waiting,
        waiting_since=datetime(2022, 9, 1, 8, minute, tzinfo=UTC),
    )


def test_approve_confirms_and_emails_the_attendee(db, event, organiser_client, smtp):
    person = make_registration(db, event, status=RegistrationStatus.pending)

    response = organiser_client.post(_url(event, person, "approve"), htmx=True)

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="registration-list"')
    assert _status(db, person) == RegistrationStatus.confirmed
    assert [(m["To"], m["Subject"]) for m in smtp.messages] == [
        ("helene.dupre@example.org", "You are registered for Prelude")
    ]
    assert "http://127.0.0.1:8000/registrations/" in smtp.messages[0].get_body(("plain",)).get_content()
    assert [part.get_filename() for part in smtp.messages[0].iter_attachments()] == [
        "ticket.png",
        "prelude.ics",
    ]


def test_approve_twice_says_why_and_sends_nothing_more(db, event, organiser_client, smtp):
    person = make_registration(db, event, status=RegistrationStatus.confirmed)

    response = organiser_client.post(_url(event, person, "approve"), htmx=True)

    assert response.status_code == 409
    assert (
        '<p class="notice" role="alert">Only a registration awaiting approval can be approved.</p>'
        in response.text
    )
    assert smtp.messages == []


def test_approve_plain_form_goes_back_to_the_filtered_list(db, event, organiser_client):
    person = make_registration(db, event, status=RegistrationStatus.pending)

    response = organiser_client.post(_url(event, person, "approve"), {"status": "pending", "q": "dupr"})

    assert (response.status_code, response.headers["location"]) == (
        303,
        "http://testserver/manage/events/prelude/registrations?q=dupr&status=pending",
    )


def test_reject_pending_gives_the_seat_to_the_first_waiting(db, event, organiser_client, smtp):
    make_registration_form(db, event, in_person_seats=1, requires_approval=True)
    pending = make_registration(db, event, email="pending@example.org", status=RegistrationStatus.pending)
    second = _waiting(db, event, "second@example.org", minute=20)
    first = _waiting(db, event, "first@example.org", minute=10)

    organiser_client.post(_url(event, pending, "reject"))

    assert [_status(db, r) for r in (pending, first, second)] == [
        RegistrationStatus.rejected,
        RegistrationStatus.pending,  # the event is moderated: the promoted person awaits approval in turn
        RegistrationStatus.waiting,
    ]
    assert [m["To"] for m in smtp.messages] == ["pending@example.org", "first@example.org"]
    assert smtp.messages[0]["Subject"] == "Your registration for Prelude"


def test_cancel_confirmed_frees_the_seat_for_the_first_waiting(db, event, organiser_client, smtp):
    make_registration_form(db, event, in_person_seats=1)
    seated = make_registration(db, event, email="seated@example.org")
    waiting = _waiting(db, event, "waiting@example.org", minute=10)

    organiser_client.post(_url(event, seated, "cancel"), htmx=True)

    assert [_status(db, r) for r in (seated, waiting)] == [
        RegistrationStatus.cancelled,
        RegistrationStatus.confirmed,
    ]
    assert [m["To"] for m in smtp.messages] == ["seated@example.org", "waiting@example.org"]
    assert smtp.messages[0]["Subject"] == "Your registration for Prelude was cancelled"


def test_cancel_waiting_promotes_nobody(db, event, organiser_client, smtp):
    make_registration_form(db, event, in_person_seats=1)
    seated = make_registration(db, event, email="seated@example.org")
    waiting = _waiting(db, event, "waiting@example.org", minute=10)
    later = _waiting(db, event, "later@example.org", minute=20)

    organiser_client.post(_url(event, waiting, "cancel"))

    assert [_status(db, r) for r in (seated, waiting, later)] == [
        RegistrationStatus.confirmed,
        RegistrationStatus.cancelled,
        RegistrationStatus.waiting,
    ]
    assert [m["To"] for m in smtp.messages] == ["waiting@example.org"]


def test_cancel_a_cancelled_registration_is_refused(db, event, organiser_client, smtp):
    person = make_registration(db, event, status=RegistrationStatus.cancelled)

    response = organiser_client.post(_url(event, person, "cancel"), htmx=True)

    assert response.status_code == 409
    assert "This registration is no longer active." in response.text
    assert smtp.messages == []


def test_edit_changes_details_and_answers_and_emails(db, event, organiser_client, smtp):
    diet = make_question(db, event, label="Diet", position=0)
    topics = make_question(
        db, event, label="Topics", kind=QuestionKind.multiple_choice, options="Data\nEthics\nLaw", position=1
    )
    person = make_registration(db, event)
    answer(db, person, diet, "None")

    response = organiser_client.client.post(
        _url(event, person, "edit"),
        data={
            "csrf_token": organiser_client.csrf,
            "name": "Hélène Dupré-Martin",
            "affiliation": "Inserm",
            "country": "BE",
            "mode": "online",
            f"question_{diet.id}": "Vegetarian",
            f"question_{topics.id}": ["Data", "Law"],
        },
    )

    assert (response.status_code, response.headers["location"]) == (
        303,
        "http://testserver/manage/events/prelude/registrations",
    )
    db.rollback()
    stored = db.get(Registration, person.id)
    assert (stored.name, stored.affiliation, stored.country, stored.mode) == (
        "Hélène Dupré-Martin",
        "Inserm",
        "BE",
        AttendanceChoice.online,
    )
    answers = db.exec(
        select(Answer.question_id, Answer.value).where(Answer.registration_id == person.id)
    ).all()
    assert sorted(answers) == sorted([(diet.id, "Vegetarian"), (topics.id, "Data\nLaw")])
    assert [(m["To"], m["Subject"]) for m in smtp.messages] == [
        ("helene.dupre@example.org", "Your registration for Prelude was updated")
    ]
    assert "Attending: Online" in smtp.messages[0].get_content()


def test_edit_to_a_full_mode_is_refused_and_saves_nothing(db, event, organiser_client, smtp):
    make_registration_form(db, event, online_places=1)
    make_registration(db, event, email="online@example.org", mode=AttendanceChoice.online)
    person = make_registration(db, event, name="Hélène Dupré")

    response = organiser_client.post(
        _url(event, person, "edit"), {"name": "Renamed", "mode": "online"}, htmx=True
    )

    assert response.status_code == 422
    assert (
        '<p class="field-error" id="mode-error">There is no online place left for this person.</p>'
        in response.text
    )
    db.rollback()
    stored = db.get(Registration, person.id)
    assert (stored.name, stored.mode) == ("Hélène Dupré", AttendanceChoice.in_person)
    assert smtp.messages == []


def test_edit_moving_to_online_frees_the_in_person_seat(db, event, organiser_client, smtp):
    make_registration_form(db, event, in_person_seats=1)
    seated = make_registration(db, event, email="seated@example.org")
    waiting = _waiting(db, event, "waiting@example.org", minute=10)

    organiser_client.post(_url(event, seated, "edit"), {"name": "Seated", "mode": "online"})

    assert _status(db, waiting) == RegistrationStatus.confirmed
    assert [m["To"] for m in smtp.messages] == ["seated@example.org", "waiting@example.org"]


def test_edit_page_shows_current_answers(db, event, organiser_client):
    topics = make_question(
        db, event, label="Topics", kind=QuestionKind.multiple_choice, options="Data\nEthics"
    )
    person = make_registration(db, event)
    answer(db, person, topics, "Ethics")

    page = organiser_client.get(_url(event, person, "edit"))

    assert page.status_code == 200
    assert f'name="question_{topics.id}" value="Ethics"\n                     checked' in page.text
    assert f'name="question_{topics.id}" value="Data"\n                     >' in page.text
