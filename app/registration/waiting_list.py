"""The waiting lists: one per attendance mode, and one per parallel session. First come, first served.

A freed seat goes at once to the first person waiting (by `waiting_since` for a mode, by when they chose
the session for a session), who is told by email. Nobody is ever promoted past the limit: the seats are
counted under the event's lock (app.events.locks.lock_event).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlmodel import col, select

from app.db import DbSession, utcnow
from app.events.locks import lock_event
from app.events.models import Event
from app.outbox.service import queue_mail
from app.programme.models import Session
from app.registration import attendee_programme, capacity, notifications
from app.registration.links import Links
from app.registration.models import (
    SEAT_HOLDING_STATUSES,
    AttendanceChoice,
    ChoiceStatus,
    Registration,
    RegistrationForm,
    RegistrationStatus,
    SessionChoice,
)
from app.registration.notifications import ChosenSeat
from app.registration.queries import registration_form_of


@dataclass
class Promotions:
    """Who got a place in this transaction, to be told by email once it is committed."""

    registrations: list[Registration] = field(default_factory=list)
    session_seats: list[tuple[Registration, Session]] = field(default_factory=list)

    def extend(self, other: "Promotions") -> None:
        self.registrations.extend(other.registrations)
        self.session_seats.extend(other.session_seats)


def status_with_seat(form: RegistrationForm | None) -> RegistrationStatus:
    """A person given a seat is confirmed, or awaits approval when the organisers moderate."""
    return (
        RegistrationStatus.pending
        if form is not None and form.requires_approval
        else RegistrationStatus.confirmed
    )


def fill_free_seats(
    db: DbSession,
    event: Event,
    form: RegistrationForm | None,
    mode: AttendanceChoice,
    *,
    taken: int | None = None,
) -> list[Registration]:
    """Gives the mode's free seats to the people waiting longest; the caller holds the lock and commits
    (and may say how many seats are `taken`, counted under the lock)."""
    limit = capacity.mode_limit(form, mode)
    free = (
        None if limit is None else limit - (capacity.seats_taken(db, event, mode) if taken is None else taken)
    )
    if free is not None and free <= 0:
        return []  # before building the statement: this runs under the event's lock
    statement = (
        select(Registration)
        .where(
            Registration.event_id == event.id,
            Registration.mode == mode,
            Registration.status == RegistrationStatus.waiting,
        )
        .order_by(col(Registration.waiting_since).asc(), col(Registration.id).asc())
        .limit(free)
    )
    promoted = list(db.exec(statement))
    for registration in promoted:
        registration.status = status_with_seat(form)
        registration.waiting_since = None
        registration.updated_at = utcnow()
        db.add(registration)
    db.flush()
    return promoted


def recheck_session_seats(db: DbSession, registration: Registration) -> None:
    """After a switch to attending in person, a session chosen while online keeps its seat only if the room
    has one left; otherwise the person waits for it, behind those already waiting. The caller holds the lock.
    """
    statement = select(SessionChoice, Session).join(Session, col(Session.id) == SessionChoice.session_id)
    statement = statement.where(
        SessionChoice.registration_id == registration.id, SessionChoice.status == ChoiceStatus.confirmed
    )
    for choice, session in db.exec(statement).all():
        if session.seat_limit is None or registration.mode == AttendanceChoice.online:
            continue
        # The count already includes this person, now in person.
        if capacity.session_seats_taken(db, [session.id or 0])[session.id or 0] > session.seat_limit:
            choice.status = ChoiceStatus.waiting
            choice.created_at = utcnow()
            db.add(choice)
            db.flush()


def fill_free_session_seats(db: DbSession, event: Event) -> list[tuple[Registration, Session]]:
    """Gives free seats in sessions to the in-person attendees who asked first and hold a seat at the event;
    online attendees holding a place follow every session they chose (they take no seat)."""
    promoted: list[tuple[Registration, Session]] = []
    sessions = capacity.choice_sessions(db, event)
    taken = capacity.session_seats_taken(db, [session.id or 0 for session in sessions])
    for session in sessions:
        waiting = (
            select(SessionChoice, Registration)
            .join(Registration, col(Registration.id) == SessionChoice.registration_id)
            .where(
                SessionChoice.session_id == session.id,
                SessionChoice.status == ChoiceStatus.waiting,
                col(Registration.status).in_(SEAT_HOLDING_STATUSES),
            )
            .order_by(col(SessionChoice.created_at).asc(), col(SessionChoice.id).asc())
        )
        for choice, registration in db.exec(
            waiting.where(Registration.mode == AttendanceChoice.online)
        ).all():
            choice.status = ChoiceStatus.confirmed
            db.add(choice)
            promoted.append((registration, session))
        statement = waiting.where(Registration.mode == AttendanceChoice.in_person)
        if session.seat_limit is not None:
            free = session.seat_limit - taken[session.id or 0]
            if free <= 0:
                continue
            statement = statement.limit(free)
        for choice, registration in db.exec(statement).all():
            choice.status = ChoiceStatus.confirmed
            db.add(choice)
            promoted.append((registration, session))
    db.flush()
    return promoted


def fill_all_free_seats(
    db: DbSession, event: Event, form: RegistrationForm | None, modes: Sequence[AttendanceChoice]
) -> Promotions:
    """After seats were freed: the modes first, so people just promoted can also get their sessions."""
    promotions = Promotions()
    for mode in modes:
        promotions.registrations.extend(fill_free_seats(db, event, form, mode))
    promotions.session_seats.extend(fill_free_session_seats(db, event))
    return promotions


def fill_free_seats_before_newcomer(
    db: DbSession,
    event: Event,
    form: RegistrationForm | None,
    mode: AttendanceChoice,
    seats: capacity.ModeSeats,
) -> tuple[Promotions, bool]:
    """`fill_all_free_seats` for someone registering in `mode`, given the mode's `seats` counted under the
    lock, and whether a seat is left for them: the lists are read only when somebody is on them."""
    promotions = Promotions()
    taken = seats.taken
    if seats.waiting:
        promotions.registrations.extend(fill_free_seats(db, event, form, mode, taken=taken))
        taken += len(promotions.registrations)
    if seats.waiting_for_sessions or promotions.registrations:
        promotions.session_seats.extend(fill_free_session_seats(db, event))
    limit = capacity.mode_limit(form, mode)
    return promotions, limit is None or taken < limit


def announce_promotions(db: DbSession, event: Event, promotions: Promotions, links: Links) -> None:
    """Queues an email to everyone promoted, in the transaction that promotes them: nobody hears of a
    seat that was not saved, and nobody promoted is left without hearing of it."""
    promoted_ids = {registration.id for registration in promotions.registrations}
    for registration in promotions.registrations:
        seats = [ChosenSeat(session, status) for session, status in capacity.chosen_seats(db, registration)]
        queue_mail(
            db,
            notifications.promotion_mail(
                event,
                registration,
                links,
                seats,
                attendee_programme.mail_extras(db, event, registration, links),
            ),
        )
    for registration, session in promotions.session_seats:
        if registration.id in promoted_ids:
            continue  # their promotion email already lists their sessions
        queue_mail(
            db,
            notifications.session_promotion_mail(
                event,
                registration,
                session,
                links,
                attendee_programme.mail_extras(db, event, registration, links),
            ),
        )


def promote_next_waiting(
    db: DbSession, event: Event, mode: AttendanceChoice, links: Links
) -> Registration | None:
    """A freed seat goes to the first person waiting in that mode, who is told by email.

    Every seat free at that moment is filled (in the mode and in the parallel sessions), so a seat never
    stays empty while someone waits; returns the first person promoted in the mode, if any.
    """
    lock_event(db, event)
    promotions = fill_all_free_seats(db, event, registration_form_of(db, event), [mode])
    announce_promotions(db, event, promotions, links)
    db.commit()
    return promotions.registrations[0] if promotions.registrations else None
