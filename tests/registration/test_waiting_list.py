"""Waiting lists: first come, first served; a freed seat goes at once to the first person waiting."""

from datetime import timedelta

from sqlmodel import select

from app.db import DbSession, utcnow
from app.events.models import AttendanceMode, EventKind
from app.programme.models import SessionKind
from app.registration import waiting_list
from app.registration.models import (
    AttendanceChoice,
    ChoiceStatus,
    Registration,
    RegistrationStatus,
    SessionChoice,
)
from app.registration.service import AttendeeChanges, cancel_registration, update_registration
from tests.conftest import SmtpServer
from tests.factories import at, make_event, make_session
from tests.registration.manage_factories import make_registration, make_registration_form
from tests.registration.public_factories import links, mail_text, register, reload, subjects


def test_cancellation_promotes_the_first_person_waiting_and_emails_them(
    db: DbSession, smtp: SmtpServer
) -> None:
    event = make_event(db)
    make_registration_form(db, event, in_person_seats=1)
    now = utcnow()
    seated = register(db, event, smtp, 1, now=now).registration
    first_waiting = register(db, event, smtp, 2, now=now + timedelta(seconds=1)).registration
    second_waiting = register(db, event, smtp, 3, now=now + timedelta(seconds=2)).registration
    smtp.messages.clear()

    cancel_registration(db, event, seated, links=links())

    statuses = [reload(db, r).status for r in (seated, first_waiting, second_waiting)]
    assert statuses == [
        RegistrationStatus.cancelled,
        RegistrationStatus.confirmed,
        RegistrationStatus.waiting,
    ]
    assert [(m["To"], s) for m, s in zip(smtp.messages, subjects(smtp), strict=True)] == [
        ("attendee1@example.org", f"Your registration for {event.title} is cancelled"),
        ("attendee2@example.org", f"A place is yours: {event.title}"),
    ]
    assert "first on the waiting list" in " ".join(mail_text(smtp.messages[1]).split())
    assert [part.get_filename() for part in smtp.messages[1].iter_attachments()] == ["ticket.png"]


def test_waiting_list_order_is_by_waiting_since_not_by_id(db: DbSession, smtp: SmtpServer) -> None:
    event = make_event(db)
    make_registration_form(db, event, in_person_seats=1)
    seated = register(db, event, smtp, 1).registration
    later = make_registration(
        db, event, email="later@example.org", status=RegistrationStatus.waiting, waiting_since=utcnow()
    )
    earlier = make_registration(
        db,
        event,
        email="earlier@example.org",
        status=RegistrationStatus.waiting,
        waiting_since=utcnow() - timedelta(hours=1),
    )

    cancel_registration(db, event, seated, links=links())

    assert (reload(db, earlier).status, reload(db, later).status) == (
        RegistrationStatus.confirmed,
        RegistrationStatus.waiting,
    )


def test_promote_next_waiting_after_an_organiser_freed_a_seat(db: DbSession, smtp: SmtpServer) -> None:
    event = make_event(db)
    make_registration_form(db, event, online_places=1)
    seated = register(db, event, smtp, 1, mode=AttendanceChoice.online).registration
    waiting = register(db, event, smtp, 2, mode=AttendanceChoice.online).registration
    seated.status = RegistrationStatus.rejected
    db.add(seated)
    db.commit()

    promoted = waiting_list.promote_next_waiting(db, event, AttendanceChoice.online, links())

    assert promoted is not None
    assert (promoted.id, reload(db, waiting).status) == (waiting.id, RegistrationStatus.confirmed)
    assert subjects(smtp)[-1] == f"A place is yours: {event.title}"


def test_promote_next_waiting_with_nobody_waiting_changes_nothing(db: DbSession, smtp: SmtpServer) -> None:
    event = make_event(db)
    make_registration_form(db, event, in_person_seats=3)
    register(db, event, smtp, 1)
    smtp.messages.clear()

    promoted = waiting_list.promote_next_waiting(db, event, AttendanceChoice.in_person, links())

    assert (promoted, smtp.messages) == (None, [])


def test_promotion_under_moderation_awaits_approval(db: DbSession, smtp: SmtpServer) -> None:
    event = make_event(db)
    make_registration_form(db, event, in_person_seats=1, requires_approval=True)
    seated = register(db, event, smtp, 1).registration
    waiting = register(db, event, smtp, 2).registration

    cancel_registration(db, event, seated, links=links())

    assert reload(db, waiting).status == RegistrationStatus.pending


def test_waiting_person_keeps_their_turn_when_the_limit_is_raised(db: DbSession, smtp: SmtpServer) -> None:
    event = make_event(db)
    form = make_registration_form(db, event, in_person_seats=1)
    register(db, event, smtp, 1)
    waiting = register(db, event, smtp, 2).registration
    form.in_person_seats = 2
    db.add(form)
    db.commit()

    newcomer = register(db, event, smtp, 3).registration

    assert (reload(db, waiting).status, newcomer.status) == (
        RegistrationStatus.confirmed,
        RegistrationStatus.waiting,
    )


def _panel_event(db: DbSession):  # noqa: ANN202 - (event, panel)
    event = make_event(db, kind=EventKind.workshop, attendance_mode=AttendanceMode.in_person, slug="panels")
    make_registration_form(db, event)
    panel = make_session(
        db,
        event,
        title="Primary prevention",
        kind=SessionKind.workshop,
        seat_limit=1,
        start_at=at(event, 0, 13, 30),
        end_at=at(event, 0, 17),
    )
    return event, panel


def _choice_status(db: DbSession, registration: Registration) -> ChoiceStatus | None:
    db.rollback()
    choice = db.exec(select(SessionChoice).where(SessionChoice.registration_id == registration.id)).first()
    return choice.status if choice else None


def test_session_seat_given_up_goes_to_the_first_person_waiting_for_it(
    db: DbSession, smtp: SmtpServer
) -> None:
    event, panel = _panel_event(db)
    holder = register(db, event, smtp, 1, session_ids=[panel.id]).registration
    waiting = register(db, event, smtp, 2, session_ids=[panel.id]).registration
    smtp.messages.clear()

    update_registration(
        db,
        event,
        holder,
        AttendeeChanges(name="Attendee 1", affiliation="", country="", answers={}, session_ids=[]),
        links=links(),
    )

    assert (_choice_status(db, holder), _choice_status(db, waiting)) == (None, ChoiceStatus.confirmed)
    assert [(m["To"], s) for m, s in zip(smtp.messages, subjects(smtp), strict=True)] == [
        ("attendee2@example.org", "A seat is yours: Primary prevention"),
    ]


def test_cancellation_frees_the_session_seat_too(db: DbSession, smtp: SmtpServer) -> None:
    event, panel = _panel_event(db)
    holder = register(db, event, smtp, 1, session_ids=[panel.id]).registration
    waiting = register(db, event, smtp, 2, session_ids=[panel.id]).registration

    cancel_registration(db, event, holder, links=links())

    assert _choice_status(db, waiting) == ChoiceStatus.confirmed
    assert subjects(smtp)[-1] == "A seat is yours: Primary prevention"
