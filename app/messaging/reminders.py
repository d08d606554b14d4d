"""Reminders before the event: once, a set time before its first session, each confirmed attendee gets
their own sessions (in the event's zone and theirs), their join links if they attend online, their ticket
if they come in person, their calendar file and their personal link.

A worker looks every minute for events whose reminder is due (app.tasks) and writes the reminders in
batches; whoever already has one is skipped, so a worker stopped in the middle, or two workers, never
remind anyone twice. People who register after the reminder went out have just had their confirmation,
which says the same, and get none.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum

from sqlalchemy import Engine, func
from sqlmodel import col, select

from app.db import DbSession, lock_for_transaction, utcnow
from app.errors import InvalidInput
from app.events.models import Event
from app.i18n import N_, _
from app.mail import OutgoingMail
from app.outbox.models import OutgoingMessage
from app.outbox.service import queue_mail
from app.programme.releases import published_programme
from app.registration import attendee_programme, notifications
from app.registration.links import Links
from app.registration.models import Registration, RegistrationStatus
from app.registration.service import ERASED_EMAIL_DOMAIN
from app.timezones import local_to_utc

REMINDER_KIND = "registration/reminder"
# Reminders written per transaction: a stopped worker loses at most one batch's work, redone next minute.
BATCH_SIZE = 100
# A reminder lists this many of the person's sessions; the rest are in the calendar file and the programme.
SESSIONS_LISTED = 12
LONGEST_WAIT = timedelta(days=30)


class ReminderUnit(StrEnum):
    hours = "hours"
    days = "days"


REMINDER_UNIT_LABELS: dict[ReminderUnit, str] = {
    ReminderUnit.hours: N_("hours before"),
    ReminderUnit.days: N_("days before"),
}
MINUTES_PER_UNIT = {ReminderUnit.hours: 60, ReminderUnit.days: 24 * 60}


@dataclass(frozen=True)
class ReminderSetting:
    """How long before the event the reminder goes out, as the organiser said it (2 days, 6 hours)."""

    amount: int
    unit: ReminderUnit

    @property
    def minutes(self) -> int:
        return self.amount * MINUTES_PER_UNIT[self.unit]

    @classmethod
    def of(cls, minutes: int) -> "ReminderSetting":
        if minutes % MINUTES_PER_UNIT[ReminderUnit.days] == 0:
            return cls(minutes // MINUTES_PER_UNIT[ReminderUnit.days], ReminderUnit.days)
        return cls(max(1, minutes // MINUTES_PER_UNIT[ReminderUnit.hours]), ReminderUnit.hours)


def set_reminder(db: DbSession, event: Event, setting: ReminderSetting | None) -> Event:
    """Turns the reminder off (None) or on, between an hour and 30 days before the event."""
    if setting is not None and (setting.amount < 1 or timedelta(minutes=setting.minutes) > LONGEST_WAIT):
        raise InvalidInput(_("Choose between 1 hour and 30 days before the event."), field="amount")
    event.reminder_minutes_before = setting.minutes if setting is not None else None
    db.add(event)
    db.commit()
    db.refresh(event)
    return event


def event_start(db: DbSession, event: Event) -> datetime:
    """When the event starts: its first session in the published programme that is not cancelled, or
    midnight of its first day in its zone while it has none."""
    starts = [
        session.start_at
        for session in published_programme(db, event).data.sessions
        if not session.is_cancelled
    ]
    return min(starts) if starts else local_to_utc(event.start_date, time(0, 0), event.timezone)


@dataclass(frozen=True)
class ReminderPlan:
    setting: ReminderSetting | None
    starts_at: datetime
    # When the reminder goes out (None: it is off).
    goes_out_at: datetime | None
    sent: int

    @property
    def is_past(self) -> bool:
        return self.goes_out_at is not None and self.goes_out_at <= utcnow()

    @property
    def is_missed(self) -> bool:
        """Set after the event started: none goes out."""
        return self.goes_out_at is not None and self.sent == 0 and self.starts_at <= utcnow()


def reminder_plan(db: DbSession, event: Event) -> ReminderPlan:
    """What the organisers see: the setting, when the reminder goes out, and how many were sent."""
    starts_at = event_start(db, event)
    minutes = event.reminder_minutes_before
    sent = db.exec(
        select(func.count())
        .select_from(OutgoingMessage)
        .where(OutgoingMessage.event_id == event.id, OutgoingMessage.kind == REMINDER_KIND)
    ).one()
    return ReminderPlan(
        setting=ReminderSetting.of(minutes) if minutes else None,
        starts_at=starts_at,
        goes_out_at=starts_at - timedelta(minutes=minutes) if minutes else None,
        sent=sent,
    )


def _due_window(db: DbSession, event: Event, now: datetime) -> tuple[datetime, datetime] | None:
    """(the reminder's moment, the event's start) when it is due now; None before, after or when off."""
    if not event.reminder_minutes_before or not event.is_published:
        return None
    starts_at = event_start(db, event)
    moment = starts_at - timedelta(minutes=event.reminder_minutes_before)
    return (moment, starts_at) if moment <= now < starts_at else None


def events_due(db: DbSession, now: datetime) -> list[int]:
    """The events whose reminder should be going out now (cheap enough to ask every minute)."""
    today = now.astimezone(UTC).date()
    candidates = db.exec(
        select(Event).where(
            col(Event.reminder_minutes_before).is_not(None),
            col(Event.is_published).is_(True),
            col(Event.start_date) >= today - timedelta(days=1),
            col(Event.start_date) <= today + LONGEST_WAIT + timedelta(days=1),
        )
    ).all()
    return [event.id or 0 for event in candidates if _due_window(db, event, now) is not None]


def _reminded(db: DbSession, event: Event) -> set[str]:
    return {
        address.lower()
        for address in db.exec(
            select(OutgoingMessage.recipient).where(
                OutgoingMessage.event_id == event.id, OutgoingMessage.kind == REMINDER_KIND
            )
        ).all()
    }


def _to_remind(db: DbSession, event: Event, moment: datetime) -> list[Registration]:
    """Confirmed attendees who registered before the reminder's moment and have none yet."""
    done = _reminded(db, event)
    registrations = db.exec(
        select(Registration)
        .where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.confirmed,
            col(Registration.created_at) <= moment,
        )
        .order_by(col(Registration.id))
    ).all()
    return [
        registration
        for registration in registrations
        if registration.email not in done and not registration.email.endswith(ERASED_EMAIL_DOMAIN)
    ]


def reminder_for(
    db: DbSession, event: Event, registration: Registration, links: Links, starts_at: datetime
) -> OutgoingMail:
    """One attendee's reminder (nothing is saved)."""
    sessions = [
        (line.session, line.room.name if line.room is not None else "")
        for line in attendee_programme.attendee_sessions(db, event, registration)
        if not line.session.is_cancelled
    ]
    return notifications.reminder_mail(
        event,
        registration,
        links,
        sessions[:SESSIONS_LISTED],
        len(sessions) - len(sessions[:SESSIONS_LISTED]),
        starts_at,
        links.urls.url("programme_page", slug=event.slug),
        attendee_programme.mail_extras(db, event, registration, links),
    )


def write_reminder_batch(
    db: DbSession, event_id: int, links: Links, now: datetime, *, batch_size: int = BATCH_SIZE
) -> tuple[int, bool]:
    """Writes the reminders of up to `batch_size` people (commits); returns how many, and whether more
    are left. Nothing when the event's reminder is not due at `now`."""
    # Two workers on the same event take turns, each reading who has a reminder after the other's batch.
    lock_for_transaction(db, f"reminders:{event_id}")
    event = db.get(Event, event_id)
    window = _due_window(db, event, now) if event is not None else None
    if event is None or window is None:
        db.rollback()
        return 0, False
    moment, starts_at = window
    waiting = _to_remind(db, event, moment)
    for registration in waiting[:batch_size]:
        queue_mail(db, reminder_for(db, event, registration, links, starts_at))
    db.commit()
    return min(batch_size, len(waiting)), len(waiting) > batch_size


def write_reminders(
    engine: Engine, event_id: int, links: Links, now: datetime, *, batch_size: int = BATCH_SIZE
) -> int:
    """Every reminder of the event still to write, a batch per transaction; returns how many."""
    total, more = 0, True
    while more:
        with DbSession(engine, expire_on_commit=False) as db:
            written, more = write_reminder_batch(db, event_id, links, now, batch_size=batch_size)
        total += written
    return total
