"""The public registration form over HTTP: what a visitor sees and what gets saved."""

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import select

from app.db import DbSession, utcnow
from app.events.models import AttendanceMode, EventKind, Visibility
from app.programme.models import SessionKind
from app.registration import invitations
from app.registration.models import (
    Answer,
    ChoiceStatus,
    QuestionKind,
    Registration,
    RegistrationStatus,
    SessionChoice,
)
from tests.conftest import SmtpServer, csrf_from
from tests.factories import at, make_event, make_session
from tests.registration.manage_factories import make_organiser_of, make_question, make_registration_form
from tests.registration.public_factories import (
    SECRET_KEY,
    links,
    mail_text,
    manage_path_in,
    post_registration,
    subjects,
)


def test_registration_page_shows_form_with_labelled_fields(client: TestClient, db: DbSession) -> None:
    event = make_event(db)
    make_registration_form(db, event)

    page = client.get(f"/events/{event.slug}/register")

    assert page.status_code == 200
    for name in ("name", "email", "affiliation", "country", "consent"):
        assert f'<label for="field-{name}">' in page.text
    assert 'name="mode" type="radio" value="in_person"' in page.text
    assert 'name="mode" type="radio" value="online"' in page.text


def test_registration_submit_redirects_to_thanks_and_emails_manage_link(
    client: TestClient, db: DbSession, smtp: SmtpServer
) -> None:
    event = make_event(db)
    make_registration_form(db, event)

    response = post_registration(client, event)

    assert (response.status_code, response.headers["location"]) == (
        303,
        f"http://testserver/events/{event.slug}/register/thanks",
    )
    thanks = client.get(response.headers["location"])
    assert "Check your email" in thanks.text
    assert [message["To"] for message in smtp.messages] == ["helene.dupre@example.org"]
    manage = client.get(manage_path_in(mail_text(smtp.messages[0])))
    assert "Hélène Dupré" in manage.text


def test_registration_submit_with_missing_fields_shows_errors_and_saves_nothing(
    client: TestClient, db: DbSession
) -> None:
    event = make_event(db)
    make_registration_form(db, event)
    question = make_question(db, event, label="Dietary requirements", is_required=True)

    response = post_registration(client, event, name="", consent="")

    assert response.status_code == 422
    assert "Please correct the highlighted fields; nothing has been saved." in response.text
    assert 'id="name-error"' in response.text
    db.rollback()
    assert db.exec(select(Registration)).all() == []
    response = post_registration(client, event)
    assert response.status_code == 422
    assert f'id="question_{question.id}-error"' in response.text


def test_registration_submit_saves_answers_of_every_kind(client: TestClient, db: DbSession) -> None:
    event = make_event(db)
    make_registration_form(db, event)
    diet = make_question(db, event, label="Dietary requirements")
    topics = make_question(
        db, event, label="Topics", kind=QuestionKind.multiple_choice, options="Genomics\nHealth data\nEthics"
    )
    dinner = make_question(db, event, label="Conference dinner", kind=QuestionKind.checkbox)

    response = post_registration(
        client,
        event,
        **{
            f"question_{diet.id}": "Vegetarian",
            f"question_{topics.id}": ["Genomics", "Ethics"],
            f"question_{dinner.id}": "yes",
        },
    )

    assert response.status_code == 303
    db.rollback()
    answers = {a.question_id: a.value for a in db.exec(select(Answer))}
    assert answers == {diet.id: "Vegetarian", topics.id: "Genomics\nEthics", dinner.id: "yes"}


def test_registration_page_before_opening_says_when_it_opens(client: TestClient, db: DbSession) -> None:
    event = make_event(db)
    make_registration_form(db, event, opens_at=utcnow() + timedelta(days=3))

    page = client.get(f"/events/{event.slug}/register")

    assert "Registration is not open" in page.text
    assert "Registration opens on" in page.text
    assert 'name="email"' not in page.text


def test_registration_submit_after_closing_is_refused_and_saves_nothing(
    client: TestClient, db: DbSession
) -> None:
    event = make_event(db)
    make_registration_form(db, event, closes_at=utcnow() - timedelta(minutes=1))

    response = post_registration(client, event)

    assert response.status_code == 422
    assert "Registration closed on" in response.text
    db.rollback()
    assert db.exec(select(Registration)).all() == []


def test_registration_submit_twice_gives_the_same_answer_and_one_registration(
    client: TestClient, db: DbSession, smtp: SmtpServer
) -> None:
    event = make_event(db)
    make_registration_form(db, event)

    first = post_registration(client, event)
    second = post_registration(client, event, name="Someone Else", mode="online")

    assert (first.status_code, first.headers["location"]) == (second.status_code, second.headers["location"])
    db.rollback()
    saved = db.exec(select(Registration)).all()
    assert [(r.name, r.mode.value) for r in saved] == [("Hélène Dupré", "in_person")]
    assert subjects(smtp) == [
        f"You are registered for {event.title}",
        f"Your registration for {event.title}",
    ]
    assert manage_path_in(mail_text(smtp.messages[1])).startswith("/registrations/")


def test_registration_honeypot_gets_the_success_answer_and_saves_nothing(
    client: TestClient, db: DbSession, smtp: SmtpServer
) -> None:
    event = make_event(db)
    make_registration_form(db, event)

    response = post_registration(client, event, website="http://spam.example")

    assert (response.status_code, response.headers["location"]) == (
        303,
        f"http://testserver/events/{event.slug}/register/thanks",
    )
    db.rollback()
    assert db.exec(select(Registration)).all() == []
    assert smtp.messages == []


def test_registration_rate_limit_answers_429_with_a_clear_page(
    client: TestClient, db: DbSession, app
) -> None:  # noqa: ANN001
    app.state.settings.registration_rate_limit = 2
    event = make_event(db)
    make_registration_form(db, event)

    answers = [post_registration(client, event, email=f"p{n}@example.org").status_code for n in range(3)]
    blocked = post_registration(client, event, email="p4@example.org")

    assert answers == [303, 303, 429]
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.text
    assert int(blocked.headers["Retry-After"]) >= 1
    db.rollback()
    assert len(db.exec(select(Registration)).all()) == 2


def test_registration_with_moderation_is_pending(client: TestClient, db: DbSession, smtp: SmtpServer) -> None:
    event = make_event(db)
    make_registration_form(db, event, requires_approval=True)

    post_registration(client, event)

    db.rollback()
    assert [r.status for r in db.exec(select(Registration))] == [RegistrationStatus.pending]
    assert subjects(smtp) == [f"Your registration for {event.title} awaits approval"]


def test_registration_page_of_invitation_only_event_needs_a_valid_invitation(
    client: TestClient, db: DbSession
) -> None:
    event = make_event(db, visibility=Visibility.invitation_only, attendance_mode=AttendanceMode.in_person)
    make_registration_form(db, event)

    without = client.get(f"/events/{event.slug}/register")
    forged = client.get(f"/events/{event.slug}/register?invitation=forged.token.value")

    assert (without.status_code, forged.status_code) == (404, 404)
    assert event.title not in without.text + forged.text


def test_registration_submit_to_invitation_only_event_without_invitation_saves_nothing(
    organiser_client,
    db: DbSession,
    organiser,  # noqa: ANN001
) -> None:

    event = make_event(db, visibility=Visibility.invitation_only, attendance_mode=AttendanceMode.in_person)
    make_organiser_of(db, event, organiser)
    make_registration_form(db, event)

    response = organiser_client.post(
        f"/events/{event.slug}/register",
        {"name": "Guest", "email": "guest@example.org", "country": "DK", "consent": "on"},
    )

    assert response.status_code == 422
    assert "by invitation only" in response.text
    db.rollback()
    assert db.exec(select(Registration)).all() == []


def test_thanks_page_of_invitation_only_event_does_not_name_it(client: TestClient, db: DbSession) -> None:
    event = make_event(db, visibility=Visibility.invitation_only)

    page = client.get(f"/events/{event.slug}/register/thanks")
    unknown = client.get("/events/no-such-event/register/thanks")

    assert page.status_code == unknown.status_code == 200
    assert event.title not in page.text


def test_invitation_link_opens_the_form_and_registers_once(
    client: TestClient, db: DbSession, smtp: SmtpServer
) -> None:

    event = make_event(db, visibility=Visibility.invitation_only, attendance_mode=AttendanceMode.in_person)
    make_registration_form(db, event)
    invitation = invitations.create_invitation(
        db, event, "guest@example.org", "Guest", utcnow() + timedelta(days=7), links()
    )
    token = invitations.invitation_token(SECRET_KEY, invitation)

    page = client.get(f"/events/{event.slug}/register", params={"invitation": token})
    response = post_registration(client, event, email="guest@example.org", invitation=token)
    used = client.get(f"/events/{event.slug}/register", params={"invitation": token})

    assert page.status_code == 200
    assert f'name="invitation" value="{token}"' in page.text
    assert response.status_code == 303
    assert "This invitation has already been used" in used.text
    assert 'name="email"' not in used.text


def test_workshop_form_offers_the_panels_and_saves_the_choice(
    client: TestClient, db: DbSession, smtp: SmtpServer
) -> None:

    event = make_event(db, kind=EventKind.workshop, attendance_mode=AttendanceMode.in_person)
    make_registration_form(db, event)
    panel = make_session(
        db,
        event,
        title="Working panel: Primary prevention",
        kind=SessionKind.workshop,
        seat_limit=12,
        start_at=at(event, 0, 13, 30),
        end_at=at(event, 0, 17),
    )

    page = client.get(f"/events/{event.slug}/register")
    response = post_registration(client, event, mode="", **{f"session_{panel.id}": "on"})

    assert "Working panel: Primary prevention" in page.text
    assert "12 seats left" in page.text
    assert response.status_code == 303
    db.rollback()
    assert [(c.session_id, c.status) for c in db.exec(select(SessionChoice))] == [
        (panel.id, ChoiceStatus.confirmed)
    ]


def test_registration_form_error_with_htmx_swaps_only_the_form(client: TestClient, db: DbSession) -> None:
    event = make_event(db)
    make_registration_form(db, event)
    page = client.get(f"/events/{event.slug}/register")

    response = client.post(
        f"/events/{event.slug}/register",
        data={"csrf_token": csrf_from(page.text), "name": "Ada", "email": "not-an-address"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 422
    assert response.text.lstrip().startswith('<form id="registration-form"')
    assert "Enter an email address such as name@example.org." in response.text


def test_past_demo_conference_says_registration_closed_and_refuses_it(
    client: TestClient, db: DbSession
) -> None:
    from app.demo.events import load_demo_events

    load_demo_events(db)

    event_page = client.get("/events/prelude-2022").text
    form_page = client.get("/events/prelude-2022/register").text
    response = client.post(
        "/events/prelude-2022/register",
        data={
            "csrf_token": csrf_from(client.get("/login").text),
            "name": "Hélène Dupré",
            "email": "helene.dupre@example.org",
            "mode": "in_person",
            "consent": "on",
        },
    )

    closed = "Registration closed on Friday 7 October 2022, 00:00 CEST."
    assert 'href="http://testserver/events/prelude-2022/register"' not in event_page
    assert closed in event_page
    assert closed in form_page
    assert 'name="email"' not in form_page
    assert response.status_code == 422
    assert closed in response.text
    db.rollback()
    assert db.exec(select(Registration).where(Registration.email == "helene.dupre@example.org")).all() == []


def test_registration_closing_date_set_after_the_event_keeps_it_open(
    client: TestClient, db: DbSession, smtp: SmtpServer
) -> None:
    event = make_event(db)  # in 2022
    make_registration_form(db, event, closes_at=utcnow() + timedelta(days=1))

    response = post_registration(client, event)

    assert response.status_code == 303
    db.rollback()
    assert [r.email for r in db.exec(select(Registration))] == ["helene.dupre@example.org"]


def test_confirmation_email_says_when_and_where_and_carries_the_sessions_and_join_link(
    client: TestClient, db: DbSession, smtp: SmtpServer
) -> None:
    from icalendar import Calendar

    from tests.factories import make_room

    event = make_event(
        db, timezone="Europe/Paris", venue="Paris, France", attendance_mode=AttendanceMode.hybrid
    )
    make_registration_form(db, event)
    room = make_room(db, event, stream_url="https://stream.example.org/auditorium")
    panel = make_session(
        db,
        event,
        title="Working panel: Primary prevention",
        kind=SessionKind.workshop,
        seat_limit=12,
        room_id=room.id,
        start_at=at(event, 0, 13, 30),
        end_at=at(event, 0, 17),
    )

    response = post_registration(client, event, mode="online", **{f"session_{panel.id}": "on"})

    assert response.status_code == 303
    message = smtp.messages[-1]
    text = mail_text(message)
    assert (
        "Prelude to the Future of Medicine: Wednesday 5 October 2022 to Thursday 6 October 2022, "
        "Paris, France." in text
    )
    assert (
        "- Working panel: Primary prevention (Wednesday 5 October 2022, 13:30 CEST): seat confirmed" in text
    )
    assert "+0200" not in text
    # The attendee's own join link (app/live/joins.py), never the stream's address.
    assert re.search(
        r"- Working panel: Primary prevention \(Wednesday 5 October 2022, 13:30 CEST\): https?://[^/\s]+/join/\S+",
        text,
    )
    assert "https://stream.example.org/auditorium" not in text
    calendars = [part for part in message.iter_attachments() if part.get_content_type() == "text/calendar"]
    assert [part.get_filename() for part in calendars] == [f"{event.slug}.ics"]
    calendar = Calendar.from_ical(calendars[0].get_content())
    sessions = [str(item["summary"]) for item in calendar.walk("VEVENT")]
    assert "Working panel: Primary prevention" in sessions
