"""A new registration's confirmation, written by a worker from a few values saved with the registration.

Every registration of an event waits for the event's lock (app.events.locks.lock_event) in turn, and
writing the confirmation (its text, the ticket's QR code, the calendar file, the join links) took a
quarter of the time it held it. So the registration saves only what the message must say as of that
moment (the status and mode it got, its seats in sessions, the site's address) as an `app.outbox.MailSpec`;
the worker that delivers the message writes it with `write_confirmation`, once, and sends it as written.
"""

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlmodel import col, select

from app.db import DbSession, saved_id
from app.events.models import Event
from app.mail import OutgoingMail
from app.outbox.service import MailNotWritten, MailSpec
from app.programme.models import Session
from app.registration import attendee_programme, notifications
from app.registration.links import Links
from app.registration.models import (
    ERASED_EMAIL_DOMAIN,
    AttendanceChoice,
    ChoiceStatus,
    Registration,
    RegistrationStatus,
)
from app.registration.notifications import ChosenSeat

WRITER = "registration/confirmation"
KIND = "registration/registered"

# The site's links at a base URL, with the attendee's calendar builder or without (as the request had).
LinksAt = Callable[[str, bool], Links]


def confirmation_spec(
    event: Event, registration: Registration, seats: Sequence[tuple[int, ChoiceStatus]], links: Links
) -> MailSpec:
    """What the worker needs to write `registration`'s confirmation as the request would have."""
    return MailSpec(
        to=registration.email,
        kind=KIND,
        writer=WRITER,
        event_id=event.id,
        values={
            "registration": saved_id(registration),
            "status": registration.status.value,
            "mode": registration.mode.value,
            "seats": [[session_id, status.value] for session_id, status in seats],
            "base_url": links.urls.base_url,
            "calendar": links.attendee_calendar is not None,
        },
    )


def write_confirmation(db: DbSession, values: Mapping[str, Any], links_at: LinksAt) -> OutgoingMail:
    """The confirmation of the spec's registration (nothing is saved). It says what the person got when
    they registered: a seat given since then has its own email."""
    registration = db.get(Registration, values["registration"])
    if registration is None or registration.email.endswith(ERASED_EMAIL_DOMAIN):
        raise MailNotWritten("the registration was deleted before its confirmation was written")
    event = db.get(Event, registration.event_id)
    if event is None:
        raise MailNotWritten("the event was deleted before the confirmation was written")
    # Detached, so that the state it had when registering is never saved over today's.
    db.expunge(registration)
    registration.status = RegistrationStatus(values["status"])
    registration.mode = AttendanceChoice(values["mode"])
    statuses = {int(session_id): ChoiceStatus(status) for session_id, status in values["seats"]}
    sessions = (
        db.exec(
            select(Session)
            .where(col(Session.id).in_(list(statuses)))
            .order_by(col(Session.start_at), col(Session.title))
        ).all()
        if statuses
        else []
    )
    seats = [ChosenSeat(session, statuses[saved_id(session)]) for session in sessions]
    links = links_at(str(values["base_url"]), bool(values["calendar"]))
    return notifications.registration_mail(
        event, registration, links, seats, attendee_programme.mail_extras(db, event, registration, links)
    )
