"""What organisers do to one registration: approve, reject, cancel or edit it. The attendee is told by email.

Rejecting or cancelling frees a seat, and the first person waiting in that mode gets it
(waiting_list.promote_next_waiting), so a cancellation never leaves a seat empty while someone waits.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlmodel import select

from app.db import DbSession, utcnow
from app.errors import DomainError
from app.events.locks import lock_event
from app.events.models import AttendanceMode, Event
from app.i18n import _
from app.mail import OutgoingMail, render_mail
from app.outbox.service import queue_mail
from app.registration import attendee_programme, capacity, notifications, waiting_list
from app.registration.links import Links
from app.registration.models import (
    ATTENDANCE_CHOICE_LABELS,
    ATTENDANCE_CHOICE_PHRASES,
    SEAT_HOLDING_STATUSES,
    Answer,
    AttendanceChoice,
    Registration,
    RegistrationStatus,
)
from app.registration.queries import questions_of, registration_form_of
from app.registration.service import checked_answers


@dataclass(frozen=True)
class RegistrationChanges:
    name: str
    affiliation: str
    country: str
    mode: AttendanceChoice
    answers: Mapping[int, Sequence[str]]  # question id → the values given (several for multiple choice)


@notifications.in_their_language
def _mail(event: Event, registration: Registration, template_name: str, links: Links) -> OutgoingMail:
    context = {
        "name": registration.name,
        "title": event.title,
        "affiliation": registration.affiliation,
        "country": registration.country,
        "attending": _(ATTENDANCE_CHOICE_LABELS[registration.mode]),
        "manage_url": links.manage_url(registration),
    }
    return render_mail(f"registration/{template_name}", context, to=registration.email, event_id=event.id)


def rejection_mail(event: Event, registration: Registration, links: Links) -> OutgoingMail:
    return _mail(event, registration, "rejected.txt", links)


def organiser_cancellation_mail(event: Event, registration: Registration, links: Links) -> OutgoingMail:
    return _mail(event, registration, "cancelled_by_organisers.txt", links)


def update_mail(event: Event, registration: Registration, links: Links) -> OutgoingMail:
    """What the attendee is told after the organisers edited their registration: all of it, as it now is."""
    return _mail(event, registration, "updated.txt", links)


def approve_registration(
    db: DbSession, event: Event, registration: Registration, links: Links
) -> Registration:
    """Approving confirms a registration awaiting approval; its seat was already kept for it."""
    if registration.status != RegistrationStatus.pending:
        raise DomainError(_("Only a registration awaiting approval can be approved."))
    registration.status = RegistrationStatus.confirmed
    registration.updated_at = utcnow()
    db.add(registration)
    db.flush()
    seats = [
        notifications.ChosenSeat(session, status)
        for session, status in capacity.chosen_seats(db, registration)
    ]
    # The same email as a registration confirmed at once, with the ticket for in-person attendees.
    queue_mail(
        db,
        notifications.registration_mail(
            event, registration, links, seats, attendee_programme.mail_extras(db, event, registration, links)
        ),
    )
    db.commit()
    return registration


def reject_registration(
    db: DbSession, event: Event, registration: Registration, links: Links
) -> Registration:
    """Rejecting a registration awaiting approval (or waiting) frees its place for the next person waiting."""
    lock_event(db, event)  # before any change: the freed place is given in the same transaction
    if registration.status not in (RegistrationStatus.pending, RegistrationStatus.waiting):
        raise DomainError(
            _("Only a registration awaiting approval or waiting can be rejected; cancel it instead.")
        )
    held_seat = registration.status in SEAT_HOLDING_STATUSES
    registration.status = RegistrationStatus.rejected
    registration.updated_at = utcnow()
    db.add(registration)
    queue_mail(db, rejection_mail(event, registration, links))
    _give_freed_place(db, event, registration, held_seat, links)
    return registration


def organiser_cancel(db: DbSession, event: Event, registration: Registration, links: Links) -> Registration:
    """Cancelling frees the seat, which goes to the first person waiting in the same mode."""
    lock_event(db, event)
    if registration.status not in (*SEAT_HOLDING_STATUSES, RegistrationStatus.waiting):
        raise DomainError(_("This registration is no longer active."))
    held_seat = registration.status in SEAT_HOLDING_STATUSES
    registration.status = RegistrationStatus.cancelled
    registration.updated_at = utcnow()
    db.add(registration)
    queue_mail(db, organiser_cancellation_mail(event, registration, links))
    _give_freed_place(db, event, registration, held_seat, links)
    return registration


def _give_freed_place(
    db: DbSession, event: Event, registration: Registration, held_seat: bool, links: Links
) -> None:
    """Commits, with the place freed by `registration` given to the next person waiting, if it held one."""
    db.flush()
    if held_seat:
        waiting_list.promote_next_waiting(db, event, registration.mode, links)
    else:
        db.commit()


def _check_mode(event: Event, mode: AttendanceChoice) -> None:
    if event.attendance_mode != AttendanceMode.hybrid and mode.value != event.attendance_mode.value:
        raise DomainError(
            _("This event is attended {mode} only.").format(
                mode=_(ATTENDANCE_CHOICE_PHRASES[AttendanceChoice(event.attendance_mode.value)])
            ),
            field="mode",
        )


def _check_seat_free(db: DbSession, event: Event, registration: Registration, mode: AttendanceChoice) -> None:
    form = registration_form_of(db, event)
    if not capacity.has_free_seat(db, event, form, mode, excluding=registration.id):
        raise DomainError(
            _("There is no {mode} place left for this person.").format(
                mode=_(ATTENDANCE_CHOICE_PHRASES[mode])
            ),
            field="mode",
        )


def organiser_edit(
    db: DbSession,
    event: Event,
    registration: Registration,
    changes: RegistrationChanges,
    links: Links,
) -> Registration:
    """Organisers correct a registration; moving someone to another mode needs a free place there."""
    _check_mode(event, changes.mode)
    answers = checked_answers(questions_of(db, event), changes.answers)
    old_mode = registration.mode
    moves_seat = changes.mode != old_mode and registration.status in SEAT_HOLDING_STATUSES
    if moves_seat:
        # Counting the places of the new mode must not race a registration taking the last one.
        lock_event(db, event)
        _check_seat_free(db, event, registration, changes.mode)
    registration.name = changes.name
    registration.affiliation = changes.affiliation
    registration.country = changes.country
    registration.mode = changes.mode
    registration.updated_at = utcnow()
    db.add(registration)
    existing = {
        answer.question_id: answer
        for answer in db.exec(select(Answer).where(Answer.registration_id == registration.id))
    }
    for question_id, value in answers.items():
        answer = existing.get(question_id) or Answer(
            registration_id=registration.id or 0, question_id=question_id
        )
        answer.value = value
        db.add(answer)
    queue_mail(db, update_mail(event, registration, links))
    db.flush()
    if moves_seat:
        waiting_list.promote_next_waiting(db, event, old_mode, links)
    else:
        db.commit()
    return registration
