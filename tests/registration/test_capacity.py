"""Seat limits per attendance mode and per parallel session, counted under the event's lock."""

import threading

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from app.db import DbSession
from app.events.models import AttendanceMode, EventKind
from app.programme.models import SessionKind
from app.registration import capacity
from app.registration.models import (
    AttendanceChoice,
    ChoiceStatus,
    Registration,
    RegistrationStatus,
    SessionChoice,
)
from app.registration.service import NoSeatLeft
from tests.conftest import SmtpServer
from tests.factories import at, make_event, make_session
from tests.registration.manage_factories import make_registration_form
from tests.registration.public_factories import register


def test_in_person_limit_puts_the_next_person_on_the_waiting_list(db: DbSession, smtp: SmtpServer) -> None:
    event = make_event(db)
    make_registration_form(db, event, in_person_seats=2)

    outcomes = [register(db, event, smtp, n, mode=AttendanceChoice.in_person) for n in range(1, 4)]

    assert [o.registration.status for o in outcomes] == [
        RegistrationStatus.confirmed,
        RegistrationStatus.confirmed,
        RegistrationStatus.waiting,
    ]
    assert outcomes[2].registration.waiting_since is not None


def test_limits_per_mode_are_separate(db: DbSession, smtp: SmtpServer) -> None:
    event = make_event(db)
    make_registration_form(db, event, in_person_seats=1, online_places=1)

    statuses = [
        register(db, event, smtp, 1, mode=AttendanceChoice.in_person).registration.status,
        register(db, event, smtp, 2, mode=AttendanceChoice.online).registration.status,
        register(db, event, smtp, 3, mode=AttendanceChoice.online).registration.status,
    ]

    assert statuses == [
        RegistrationStatus.confirmed,
        RegistrationStatus.confirmed,
        RegistrationStatus.waiting,
    ]


def test_unlimited_mode_never_fills(db: DbSession, smtp: SmtpServer) -> None:
    event = make_event(db)
    make_registration_form(db, event, in_person_seats=0, online_places=None)

    statuses = {
        register(db, event, smtp, n, mode=AttendanceChoice.online).registration.status for n in range(5)
    }

    assert statuses == {RegistrationStatus.confirmed}


def test_full_mode_without_waiting_list_refuses_with_a_clear_message(db: DbSession, smtp: SmtpServer) -> None:
    event = make_event(db)
    make_registration_form(db, event, in_person_seats=1, waiting_list=False)
    register(db, event, smtp, 1, mode=AttendanceChoice.in_person)

    with pytest.raises(NoSeatLeft) as refusal:
        register(db, event, smtp, 2, mode=AttendanceChoice.in_person)

    assert (refusal.value.message, refusal.value.field) == (
        "All places to attend in person are taken.",
        "mode",
    )
    db.rollback()
    assert len(db.exec(select(Registration)).all()) == 1


def test_pending_registrations_hold_seats(db: DbSession, smtp: SmtpServer) -> None:
    event = make_event(db)
    make_registration_form(db, event, in_person_seats=1, requires_approval=True)

    first = register(db, event, smtp, 1, mode=AttendanceChoice.in_person).registration
    second = register(db, event, smtp, 2, mode=AttendanceChoice.in_person).registration

    assert (first.status, second.status) == (RegistrationStatus.pending, RegistrationStatus.waiting)


def _workshop(db: DbSession, seats: int = 1):  # noqa: ANN202 - (event, first panel, second panel, later panel)
    event = make_event(db, kind=EventKind.workshop, attendance_mode=AttendanceMode.in_person, slug="milan")
    make_registration_form(db, event)
    panel_a = make_session(
        db,
        event,
        title="Primary prevention",
        kind=SessionKind.workshop,
        seat_limit=seats,
        start_at=at(event, 0, 13, 30),
        end_at=at(event, 0, 17),
    )
    panel_b = make_session(
        db,
        event,
        title="Disease reclassification",
        kind=SessionKind.workshop,
        seat_limit=seats,
        start_at=at(event, 0, 13, 30),
        end_at=at(event, 0, 17),
    )
    later = make_session(
        db,
        event,
        title="New tools impact",
        kind=SessionKind.workshop,
        seat_limit=None,
        start_at=at(event, 1, 9),
        end_at=at(event, 1, 11),
    )
    return event, panel_a, panel_b, later


def _choices(db: DbSession) -> list[tuple[int, int, ChoiceStatus]]:
    db.rollback()
    rows = db.exec(select(SessionChoice).order_by(SessionChoice.registration_id, SessionChoice.session_id))
    return [(c.registration_id, c.session_id, c.status) for c in rows]


def test_session_limit_confirms_until_full_then_waits(db: DbSession, smtp: SmtpServer) -> None:
    event, panel_a, _panel_b, later = _workshop(db, seats=1)

    first = register(db, event, smtp, 1, session_ids=[panel_a.id, later.id]).registration
    second = register(db, event, smtp, 2, session_ids=[panel_a.id]).registration

    assert _choices(db) == [
        (first.id, panel_a.id, ChoiceStatus.confirmed),
        (first.id, later.id, ChoiceStatus.confirmed),
        (second.id, panel_a.id, ChoiceStatus.waiting),
    ]
    assert (first.status, second.status) == (RegistrationStatus.confirmed, RegistrationStatus.confirmed)


def test_sessions_at_the_same_time_cannot_both_be_chosen(db: DbSession, smtp: SmtpServer) -> None:
    event, panel_a, panel_b, _later = _workshop(db)

    with pytest.raises(Exception) as refusal:  # noqa: PT011 - a DomainError naming the field
        register(db, event, smtp, 1, session_ids=[panel_a.id, panel_b.id])

    assert refusal.value.field == "sessions"  # type: ignore[attr-defined]
    assert _choices(db) == []


def test_a_session_that_is_not_offered_cannot_be_chosen(db: DbSession, smtp: SmtpServer) -> None:
    event, _a, _b, _later = _workshop(db)
    plenary = make_session(db, event, title="Welcome", kind=SessionKind.talk)

    with pytest.raises(Exception) as refusal:  # noqa: PT011 - a DomainError naming the field
        register(db, event, smtp, 1, session_ids=[plenary.id])

    assert refusal.value.field == "sessions"  # type: ignore[attr-defined]


def test_seats_left_are_what_the_form_shows(db: DbSession, smtp: SmtpServer) -> None:
    event, panel_a, panel_b, later = _workshop(db, seats=2)
    register(db, event, smtp, 1, session_ids=[panel_a.id])

    left = capacity.seats_left_by_session(db, capacity.choice_sessions(db, event))

    assert {sid: (s.left, s.is_full) for sid, s in left.items()} == {
        panel_a.id: (1, False),
        panel_b.id: (2, False),
        later.id: (None, False),
    }


def test_in_person_limit_holds_when_threads_register_at_once(
    engine: Engine, db: DbSession, smtp: SmtpServer
) -> None:
    event = make_event(db)
    make_registration_form(db, event, in_person_seats=5)
    errors: list[BaseException] = []

    def one(number: int) -> None:
        try:
            with DbSession(engine, expire_on_commit=False) as own:
                mine = own.get(type(event), event.id)
                register(own, mine, smtp, number, mode=AttendanceChoice.in_person)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    db.rollback()
    statuses = [r.status for r in db.exec(select(Registration))]
    assert errors == []
    assert (statuses.count(RegistrationStatus.confirmed), statuses.count(RegistrationStatus.waiting)) == (
        5,
        15,
    )
