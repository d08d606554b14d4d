"""Checking people in at the door, from the QR code on their ticket or by searching their name.

The ticket's QR code holds the URL of `Links.checkin_url` (app/registration/links.py): the registration's
id and a short code derived from its secret, so nobody can forge a ticket by changing the id.
"""

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, update
from sqlmodel import col, select

from app.db import DbSession
from app.errors import DomainError, NotFound
from app.events.models import Event
from app.i18n import _
from app.registration.models import AttendanceChoice, Registration, RegistrationStatus
from app.timezones import CLOCK, format_local, in_zone

SEARCH_LIMIT = 25
# What door staff type from a ticket: its code ("12-3fa9c0d2b7"), or the address its QR code holds.
_TICKET_CODE = re.compile(r"(?:^|/checkin/)(\d+)\s*(?:-|\?code=)\s*([0-9a-f]{10})$")


class CheckInRefused(DomainError):
    status_code = 409


@dataclass(frozen=True)
class CheckInCounts:
    present: int
    expected: int  # confirmed in-person registrations


def checkin_code(registration: Registration) -> str:
    """Ten characters derived from the registration's secret: changes if the secret is regenerated."""
    return hashlib.sha256(f"checkin:{registration.secret}".encode()).hexdigest()[:10]


def can_check_in(registration: Registration) -> bool:
    return (
        registration.status == RegistrationStatus.confirmed
        and registration.mode == AttendanceChoice.in_person
    )


def _clock(moment: datetime, event: Event, now: datetime) -> str:
    same_day = in_zone(moment, event.timezone).date() == in_zone(now, event.timezone).date()
    return format_local(moment, event.timezone, CLOCK if same_day else "d MMM, HH:mm")


def ticket_in_event(db: DbSession, event: Event, registration_id: int, code: str) -> Registration:
    """The registration a scanned code stands for; a wrong code or another event's ticket is refused."""
    registration = db.get(Registration, registration_id)
    if (
        registration is None
        or registration.event_id != event.id
        or not hmac.compare_digest(checkin_code(registration), code.strip().lower())
    ):
        raise NotFound(_("This ticket is not valid for this event."), field="code")
    return registration


def refusal_reason(registration: Registration, event: Event, now: datetime) -> str | None:
    """Why this person cannot be checked in, in the words the door staff read; None if they can."""
    if registration.checked_in_at is not None:
        return _("Already checked in at {time}.").format(time=_clock(registration.checked_in_at, event, now))
    return attendance_refusal(registration)


def attendance_refusal(registration: Registration) -> str | None:
    """Why the registration gives this person no place in the room (its status or mode), in the words
    the door staff read; None if it does. The event's door and each session's door (app/live) ask."""
    if registration.status == RegistrationStatus.pending:
        return _("This registration is still awaiting approval.")
    if registration.status == RegistrationStatus.waiting:
        return _("This person is on the waiting list and has no seat.")
    if registration.status in (RegistrationStatus.cancelled, RegistrationStatus.rejected):
        return _("This registration was cancelled.")
    if registration.mode != AttendanceChoice.in_person:
        return _("This person registered to attend online, not in person.")
    return None


def check_in(db: DbSession, event: Event, registration_id: int, code: str, now: datetime) -> Registration:
    """Marks a confirmed in-person attendee as present, once; a second scan says when they came in."""
    registration = ticket_in_event(db, event, registration_id, code)
    reason = refusal_reason(registration, event, now)
    if reason is not None:
        raise CheckInRefused(reason)
    # Two scanners at the door may read the same ticket at once: only the first update finds it unmarked.
    marked = db.exec(
        update(Registration)
        .where(col(Registration.id) == registration.id, col(Registration.checked_in_at).is_(None))
        .values(checked_in_at=now)
    )
    db.commit()
    db.refresh(registration)
    if marked.rowcount == 0:
        raise CheckInRefused(refusal_reason(registration, event, now) or _("Already checked in."))
    return registration


def checkin_counts(db: DbSession, event: Event) -> CheckInCounts:
    present = func.count(col(Registration.checked_in_at))
    expected = func.count()
    row = db.exec(
        select(present, expected).where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.confirmed,
            Registration.mode == AttendanceChoice.in_person,
        )
    ).one()
    return CheckInCounts(present=row[0], expected=row[1])


def _ticket_by_code(db: DbSession, event: Event, text: str) -> Registration | None:
    match = _TICKET_CODE.search(text)
    if match is None:
        return None
    try:
        return ticket_in_event(db, event, int(match[1]), match[2])
    except NotFound:
        return None


def checkin_search(db: DbSession, event: Event, text: str) -> list[Registration]:
    """People registered for the event whose name, email or affiliation contains the text, or the one
    whose ticket code it is."""
    text = text.strip().lower()
    if len(text) < 2:
        return []
    ticket = _ticket_by_code(db, event, text)
    if ticket is not None:
        return [ticket]
    pattern = f"%{text}%"
    statement = (
        select(Registration)
        .where(Registration.event_id == event.id)
        .where(
            or_(
                func.lower(Registration.name).like(pattern),
                func.lower(Registration.email).like(pattern),
                func.lower(Registration.affiliation).like(pattern),
            )
        )
        .order_by(col(Registration.name), col(Registration.id))
        .limit(SEARCH_LIMIT)
    )
    return list(db.exec(statement))
