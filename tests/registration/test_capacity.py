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
from app.registration.queries import session_counts
from app.registration.service import NoSeatLeft, switch_mode
from tests.conftest import SmtpServer
from tests.factories import at, make_event, make_session
from tests.registration.manage_factories import make_registration_form
from tests.registration.public_factories import links, register


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


def _workshop(  # noqa: ANN202 - (event, first panel, second panel, later panel)
    db: DbSession, seats: int = 1, mode: AttendanceMode = AttendanceMode.in_person
):
    event = make_event(db, kind=EventKind.workshop, attendance_mode=mode, slug="milan")
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


@pytest.mark.parametrize("kind", [SessionKind.themed, SessionKind.talk, SessionKind.social], ids=str)
def test_a_seat_limit_on_any_chosen_kind_is_enforced(
    db: DbSession, smtp: SmtpServer, kind: SessionKind
) -> None:
    event = make_event(db)
    make_registration_form(db, event)
    themed = make_session(db, event, title="Genomics in the clinic", kind=kind, seat_limit=2)

    outcomes = [register(db, event, smtp, n, session_ids=[themed.id]) for n in range(1, 4)]

    assert [session.id for session in capacity.choice_sessions(db, event)] == [themed.id]
    assert [status for _r, _s, status in _choices(db)] == [
        ChoiceStatus.confirmed,
        ChoiceStatus.confirmed,
        ChoiceStatus.waiting,
    ]
    assert [o.registration.status for o in outcomes] == [RegistrationStatus.confirmed] * 3


def test_a_break_with_a_seat_limit_is_not_chosen_at_registration(db: DbSession) -> None:
    event = make_event(db)
    make_session(db, event, title="Coffee", kind=SessionKind.break_, seat_limit=2)

    assert capacity.choice_sessions(db, event) == []


def test_online_registrant_does_not_take_the_last_in_person_workshop_seat(
    db: DbSession, smtp: SmtpServer
) -> None:
    event, panel_a, _panel_b, _later = _workshop(db, seats=1, mode=AttendanceMode.hybrid)

    online = register(db, event, smtp, 1, mode=AttendanceChoice.online, session_ids=[panel_a.id]).registration
    in_person = register(db, event, smtp, 2, session_ids=[panel_a.id]).registration
    second_in_person = register(db, event, smtp, 3, session_ids=[panel_a.id]).registration

    assert _choices(db) == [
        (online.id, panel_a.id, ChoiceStatus.confirmed),
        (in_person.id, panel_a.id, ChoiceStatus.confirmed),
        (second_in_person.id, panel_a.id, ChoiceStatus.waiting),
    ]
    counts = {
        line.session.id: (line.seats_taken, line.waiting, line.online) for line in session_counts(db, event)
    }
    assert counts[panel_a.id] == (1, 1, 1)
    left = capacity.seats_left_by_session(db, [panel_a])[panel_a.id]
    assert (left.left, left.is_full) == (0, True)


def test_switching_to_in_person_keeps_a_workshop_seat_only_if_one_is_free(
    db: DbSession, smtp: SmtpServer
) -> None:
    event, panel_a, _panel_b, later = _workshop(db, seats=1, mode=AttendanceMode.hybrid)
    register(db, event, smtp, 1, session_ids=[panel_a.id])
    online = register(db, event, smtp, 2, mode=AttendanceChoice.online, session_ids=[panel_a.id, later.id])

    switch_mode(db, event, online.registration, AttendanceChoice.in_person, links=links())

    choices = {(r, s): status for r, s, status in _choices(db) if r == online.registration.id}
    assert choices == {
        (online.registration.id, panel_a.id): ChoiceStatus.waiting,
        (online.registration.id, later.id): ChoiceStatus.confirmed,
    }


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


def test_the_session_form_refuses_a_seat_limit_on_a_break() -> None:
    from pydantic import ValidationError

    from app.programme.forms import SessionForm

    fields = {"title": "Coffee", "day": "2022-10-05", "start": "10:00", "end": "10:30", "seat_limit": 20}

    with pytest.raises(ValidationError) as refusal:
        SessionForm.model_validate({**fields, "kind": "break"})
    themed = SessionForm.model_validate({**fields, "kind": "themed"})

    assert [error["loc"] for error in refusal.value.errors()] == [("seat_limit",)]
    assert themed.seat_limit == 20
