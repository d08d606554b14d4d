"""Seat limits: in-person seats and online places per event, and seats in the sessions people choose.

Pending and confirmed registrations hold a seat; people waiting do not. A session's seat limit counts the
people in the room: online attendees who choose a session follow it online, take none of its seats and
are never put on its waiting list. Seats are counted only after
`lock_event` (app/events/locks.py), so two registrations (in two threads or two app processes) never
take the same last seat.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, bindparam, func, or_
from sqlalchemy.sql.compiler import SQLCompiler
from sqlmodel import col, select

from app.db import DbSession, psycopg_connection, saved_id
from app.events.locks import lock_event
from app.events.models import Event
from app.programme.models import SEAT_LIMIT_KINDS, Session, SessionKind
from app.registration.models import (
    SEAT_HOLDING_STATUSES,
    AttendanceChoice,
    ChoiceStatus,
    Registration,
    RegistrationForm,
    RegistrationStatus,
    SessionChoice,
)


def mode_limit(form: RegistrationForm | None, mode: AttendanceChoice) -> int | None:
    """The event's limit for this mode; None means no limit."""
    if form is None:
        return None
    return form.in_person_seats if mode == AttendanceChoice.in_person else form.online_places


def seats_taken(db: DbSession, event: Event, mode: AttendanceChoice, *, excluding: int | None = None) -> int:
    statement = (
        select(func.count())
        .select_from(Registration)
        .where(
            Registration.event_id == event.id,
            Registration.mode == mode,
            col(Registration.status).in_(SEAT_HOLDING_STATUSES),
        )
    )
    if excluding is not None:
        statement = statement.where(Registration.id != excluding)
    return db.exec(statement).one()


@dataclass(frozen=True)
class ModeSeats:
    """Under the event's lock, for someone registering in a mode: the seats taken in it, how many people
    wait for one, and whether anyone holding a place waits for a seat in a session."""

    taken: int
    waiting: int
    waiting_for_sessions: bool


def form_and_mode_seats(
    db: DbSession, event: Event, mode: AttendanceChoice
) -> tuple[RegistrationForm | None, ModeSeats]:
    """The form as committed now (even if this transaction read it before) and the counts of the mode,
    in one statement: every registration of the event waits for the others' statements under the lock."""
    row = db.exec(_FORM_AND_MODE_SEATS, params={"event_id": saved_id(event), "mode": mode}).first()
    if row is None:
        return None, ModeSeats(seats_taken(db, event, mode), 0, False)
    form, taken, waiting, sessions_waited_for = row
    return form, ModeSeats(taken, waiting, bool(sessions_waited_for))


def locked_form_and_mode_seats(
    db: DbSession, event: Event, form: RegistrationForm | None, mode: AttendanceChoice
) -> tuple[RegistrationForm | None, ModeSeats]:
    """`lock_event`, then `form_and_mode_seats`, given the form this transaction read before the lock.

    On PostgreSQL both statements go to the server together (psycopg's pipeline mode), one round trip
    fewer while every other registration of the event waits: the server runs the counts once the lock
    is granted, with a snapshot of that moment, exactly as if they were sent after it. The form read
    before is read again only if it changed meanwhile."""
    if form is None or db.get_bind().dialect.name != "postgresql":
        lock_event(db, event)
        return form_and_mode_seats(db, event, mode)
    lock, counts = _pipelined_statements(db)
    parameters = {"event_id": saved_id(event), "mode": mode}
    state = counts.construct_expanded_state(parameters)
    processors = state.processors or {}
    values = {
        name: processors[name](value) if name in processors else getattr(value, "value", value)
        for name, value in state.parameters.items()
    }
    raw = psycopg_connection(db)
    with raw.pipeline():
        raw.execute(lock, {"event_id": saved_id(event)})
        cursor = raw.execute(state.statement, values)
    row = cursor.fetchone()
    if row is None:  # the form was deleted meanwhile (the lock is held now)
        return form_and_mode_seats(db, event, mode)
    *columns, taken, waiting, sessions_waited_for = row
    if any(getattr(form, column.key) != value for column, value in zip(_FORM_COLUMNS, columns, strict=True)):
        db.refresh(form)
    return form, ModeSeats(taken, waiting, bool(sessions_waited_for))


def _mode_seats_columns() -> list[Any]:
    """The counts of `form_and_mode_seats`: seats held in the mode, people waiting in it, and whether
    anyone holding a seat waits for a session's seat."""
    in_mode = (Registration.event_id == bindparam("event_id")) & (Registration.mode == bindparam("mode"))

    def count_of(statuses: Sequence[RegistrationStatus]) -> Any:
        return (
            select(func.count())
            .select_from(Registration)
            .where(in_mode, col(Registration.status).in_(statuses))
            .scalar_subquery()
        )

    waiting_for_sessions = (
        select(SessionChoice.id)
        .join(Registration, col(Registration.id) == SessionChoice.registration_id)
        .join(Session, col(Session.id) == SessionChoice.session_id)
        .where(
            Session.event_id == bindparam("event_id"),
            is_chosen_at_registration(),
            col(Session.is_cancelled).is_(False),
            SessionChoice.status == ChoiceStatus.waiting,
            col(Registration.status).in_(SEAT_HOLDING_STATUSES),
        )
        .exists()
    )
    return [count_of(SEAT_HOLDING_STATUSES), count_of([RegistrationStatus.waiting]), waiting_for_sessions]


def _form_and_mode_seats_statement() -> Any:
    # Built once: building this statement cost more than running it.
    return (
        select(RegistrationForm, *_mode_seats_columns())
        .where(RegistrationForm.event_id == bindparam("event_id"))
        .execution_options(populate_existing=True)
    )


_FORM_COLUMNS = list(RegistrationForm.__table__.columns)  # type: ignore[attr-defined]
_compiled_for_pipeline: dict[str, tuple[str, SQLCompiler]] = {}


def _pipelined_statements(db: DbSession) -> tuple[str, SQLCompiler]:
    """The lock's SQL and the counts' compiled statement (the form's columns, then the counts), for
    the driver itself; compiled once per dialect."""
    dialect = db.get_bind().dialect
    if dialect.name not in _compiled_for_pipeline:
        lock = select(Event.id).where(Event.id == bindparam("event_id")).with_for_update()
        counts = select(*_FORM_COLUMNS, *_mode_seats_columns()).where(
            RegistrationForm.event_id == bindparam("event_id")
        )
        _compiled_for_pipeline[dialect.name] = (
            str(lock.compile(dialect=dialect)),
            counts.compile(dialect=dialect),
        )
    return _compiled_for_pipeline[dialect.name]


def has_free_seat(
    db: DbSession,
    event: Event,
    form: RegistrationForm | None,
    mode: AttendanceChoice,
    *,
    excluding: int | None = None,
) -> bool:
    limit = mode_limit(form, mode)
    return limit is None or seats_taken(db, event, mode, excluding=excluding) < limit


def is_chosen_at_registration() -> ColumnElement[bool]:
    """Workshops, and every session with a seat limit of a kind that offers one (not breaks)."""
    limited = col(Session.seat_limit).is_not(None) & col(Session.kind).in_(sorted(SEAT_LIMIT_KINDS))
    return or_(col(Session.kind) == SessionKind.workshop, limited)


def offers_a_choice(session: Session) -> bool:
    """The same rule as `is_chosen_at_registration`, for one session already loaded."""
    return session.kind == SessionKind.workshop or (
        session.seat_limit is not None and session.kind in SEAT_LIMIT_KINDS
    )


def choice_sessions(db: DbSession, event: Event, *, fresh: bool = False) -> list[Session]:
    """The sessions people choose a seat in when they register: workshops and those with a seat limit.
    `fresh`: as committed now, even those this transaction read before (their seat limits may have changed).
    """
    statement = (
        select(Session)
        .where(
            Session.event_id == event.id, is_chosen_at_registration(), col(Session.is_cancelled).is_(False)
        )
        .order_by(col(Session.start_at), col(Session.title))
    )
    if fresh:
        statement = statement.execution_options(populate_existing=True)
    return list(db.exec(statement))


def session_seats_taken(db: DbSession, session_ids: list[int]) -> dict[int, int]:
    """Confirmed seats in each session, held by in-person registrations that themselves hold a seat."""
    if not session_ids:
        return {}
    statement = (
        select(SessionChoice.session_id, func.count())
        .join(Registration, col(Registration.id) == SessionChoice.registration_id)
        .where(
            col(SessionChoice.session_id).in_(session_ids),
            SessionChoice.status == ChoiceStatus.confirmed,
            col(Registration.status).in_(SEAT_HOLDING_STATUSES),
            Registration.mode == AttendanceChoice.in_person,
        )
        .group_by(col(SessionChoice.session_id))
    )
    taken = dict.fromkeys(session_ids, 0)
    for session_id, number in db.exec(statement):
        taken[session_id] = number
    return taken


def chosen_seats(db: DbSession, registration: Registration) -> list[tuple[Session, ChoiceStatus]]:
    """The sessions this person chose, in programme order, with whether they have the seat or wait for it."""
    statement = (
        select(Session, SessionChoice.status)
        .join(SessionChoice, col(SessionChoice.session_id) == Session.id)
        .where(SessionChoice.registration_id == registration.id)
        .order_by(col(Session.start_at), col(Session.title))
    )
    return [(session, ChoiceStatus(status)) for session, status in db.exec(statement)]


def session_has_free_seat(db: DbSession, session: Session, mode: AttendanceChoice) -> bool:
    """Whether a person attending in this mode gets a seat now; online, there is always room."""
    if session.seat_limit is None or mode == AttendanceChoice.online:
        return True
    return session_seats_taken(db, [session.id or 0])[session.id or 0] < session.seat_limit


@dataclass(frozen=True)
class SeatsLeft:
    """What the form shows next to a mode or a session: None means unlimited."""

    limit: int | None
    taken: int

    @property
    def left(self) -> int | None:
        return None if self.limit is None else max(self.limit - self.taken, 0)

    @property
    def is_full(self) -> bool:
        return self.limit is not None and self.taken >= self.limit


def seats_left_by_mode(
    db: DbSession, event: Event, form: RegistrationForm | None
) -> dict[AttendanceChoice, SeatsLeft]:
    statement = (
        select(Registration.mode, func.count())
        .where(Registration.event_id == event.id, col(Registration.status).in_(SEAT_HOLDING_STATUSES))
        .group_by(Registration.mode)
    )
    taken = {AttendanceChoice(mode): number for mode, number in db.exec(statement)}
    return {mode: SeatsLeft(mode_limit(form, mode), taken.get(mode, 0)) for mode in AttendanceChoice}


def seats_left_by_session(db: DbSession, sessions: list[Session]) -> dict[int, SeatsLeft]:
    taken = session_seats_taken(db, [session.id or 0 for session in sessions])
    return {session.id or 0: SeatsLeft(session.seat_limit, taken[session.id or 0]) for session in sessions}


_FORM_AND_MODE_SEATS = _form_and_mode_seats_statement()
