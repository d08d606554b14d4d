"""Emails to attendees: confirmation, waiting list, promotion, cancellation, and the manage link again.

Every message carries the manage link, because the link is the attendee's only key to their registration.
In-person attendees with a seat get their ticket's QR code attached as a PNG.
"""

import logging
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from babel.dates import format_date

from app.events.models import AttendanceMode, Event
from app.i18n import _, current_locale
from app.mail import Mailer, OutgoingMail
from app.programme.models import Session
from app.registration.links import Links
from app.registration.models import (
    ATTENDANCE_CHOICE_PHRASES,
    ChoiceStatus,
    Registration,
    RegistrationStatus,
)
from app.registration.tickets import ticket_for
from app.timezones import LONG_DATE_TIME, format_local

logger = logging.getLogger("plenary.registration")


@dataclass(frozen=True)
class ChosenSeat:
    session: Session
    status: ChoiceStatus


@dataclass(frozen=True)
class JoinLink:
    title: str
    start_at: datetime
    url: str


@dataclass(frozen=True)
class AttendeeExtras:
    """What an email adds for the attendee's sessions: their calendar file, and the join links of a
    confirmed online attendee."""

    calendar: bytes | None = None
    join_links: Sequence[JoinLink] = ()


def event_dates_and_venue(event: Event) -> str:
    """When and where, in words: "Wednesday 5 October 2022 to Thursday 6 October 2022, Paris, France"."""
    locale = current_locale.get()
    dates = format_date(event.start_date, "EEEE d MMMM y", locale=locale)
    if event.end_date != event.start_date:
        last = format_date(event.end_date, "EEEE d MMMM y", locale=locale)
        dates = _("%(first)s to %(last)s") % {"first": dates, "last": last}
    values = {"title": event.title, "dates": dates, "venue": event.venue}
    if event.attendance_mode == AttendanceMode.online:
        return _("%(title)s takes place online on %(dates)s.") % values
    if not event.venue:
        return _("%(title)s: %(dates)s.") % values
    return _("%(title)s: %(dates)s, %(venue)s.") % values


def local_moment(moment: datetime, event: Event) -> str:
    """The moment in the event's zone, in words, with the zone's abbreviation ("CEST", not "+0200")."""
    return format_local(moment, event.timezone, LONG_DATE_TIME, with_zone=True)


def _session_lines(event: Event, seats: Sequence[ChosenSeat]) -> str:
    lines = []
    for seat in seats:
        state = _("seat confirmed") if seat.status == ChoiceStatus.confirmed else _("on the waiting list")
        lines.append(f"- {seat.session.title} ({local_moment(seat.session.start_at, event)}): {state}")
    return "\n".join(lines)


def _compose(
    event: Event,
    registration: Registration,
    links: Links,
    subject: str,
    paragraphs: list[str],
    seats: Sequence[ChosenSeat] = (),
    extras: AttendeeExtras | None = None,
) -> OutgoingMail:
    body = [_("Hello %(name)s,") % {"name": registration.name}, *paragraphs, event_dates_and_venue(event)]
    if seats:
        body.append(_("Your sessions:") + "\n" + _session_lines(event, seats))
    attachments: tuple[tuple[str, str, bytes], ...] = ()
    if extras is not None and extras.join_links:
        lines = [
            f"- {link.title} ({local_moment(link.start_at, event)}): {link.url}" for link in extras.join_links
        ]
        body.append(_("Join online with these links:") + "\n" + "\n".join(lines))
    ticket = ticket_for(event, registration, links)
    if ticket is not None:
        body.append(
            _("Your ticket is attached: show its QR code at the entrance. Ticket code: %(code)s")
            % {"code": ticket.code}
        )
        attachments = (("ticket.png", "image/png", ticket.png()),)
    if extras is not None and extras.calendar is not None:
        body.append(
            _("Your sessions are in the attached calendar file (%(file)s).") % {"file": f"{event.slug}.ics"}
        )
        attachments = (*attachments, (f"{event.slug}.ics", "text/calendar", extras.calendar))
    body.append(
        _("See or change your registration, or cancel it, with this personal link (keep it to yourself):")
        + "\n"
        + links.manage_url(registration)
    )
    return OutgoingMail(
        to=registration.email, subject=subject, text="\n\n".join(body) + "\n", attachments=attachments
    )


def _mode(registration: Registration) -> str:
    return _(ATTENDANCE_CHOICE_PHRASES[registration.mode])


def registration_mail(
    event: Event,
    registration: Registration,
    links: Links,
    seats: Sequence[ChosenSeat] = (),
    extras: AttendeeExtras | None = None,
) -> OutgoingMail:
    """What a new registration receives, by its status: confirmed, awaiting approval, or waiting."""
    title = {"title": event.title, "mode": _mode(registration)}
    if registration.status == RegistrationStatus.pending:
        subject = _("Your registration for %(title)s awaits approval") % title
        paragraph = _(
            "Thank you for registering for %(title)s (%(mode)s). The organisers approve each registration; "
            "you will receive an email when they have."
        )
    elif registration.status == RegistrationStatus.waiting:
        subject = _("You are on the waiting list for %(title)s") % title
        paragraph = _(
            "All places to attend %(title)s %(mode)s are taken, so you are on the waiting list. If a place "
            "frees up, the first person waiting gets it and is told by email."
        )
    else:
        subject = _("You are registered for %(title)s") % title
        paragraph = _("Your registration for %(title)s (%(mode)s) is confirmed. See you there!")
    return _compose(event, registration, links, subject, [paragraph % title], seats, extras)


def already_registered_mail(
    event: Event, registration: Registration, links: Links, seats: Sequence[ChosenSeat] = ()
) -> OutgoingMail:
    """Sent when someone submits the form again with an address already registered: nothing changed."""
    return _compose(
        event,
        registration,
        links,
        _("Your registration for %(title)s") % {"title": event.title},
        [
            _(
                "The registration form for %(title)s was submitted again with this email address. You "
                "were already registered, so nothing changed. If this was not you, you can ignore this "
                "message."
            )
            % {"title": event.title}
        ],
        seats,
    )


def promotion_mail(
    event: Event,
    registration: Registration,
    links: Links,
    seats: Sequence[ChosenSeat] = (),
    extras: AttendeeExtras | None = None,
) -> OutgoingMail:
    title = {"title": event.title, "mode": _mode(registration)}
    if registration.status == RegistrationStatus.pending:
        paragraph = _(
            "A place to attend %(title)s %(mode)s has freed up and you were first on the waiting list. "
            "The organisers approve each registration; you will receive an email when they have."
        )
    else:
        paragraph = _(
            "Good news: a place to attend %(title)s %(mode)s has freed up and you were first on the "
            "waiting list. Your registration is now confirmed."
        )
    return _compose(
        event,
        registration,
        links,
        _("A place is yours: %(title)s") % title,
        [paragraph % title],
        seats,
        extras,
    )


def session_promotion_mail(
    event: Event,
    registration: Registration,
    session: Session,
    links: Links,
    extras: AttendeeExtras | None = None,
) -> OutgoingMail:
    return _compose(
        event,
        registration,
        links,
        _("A seat is yours: %(session)s") % {"session": session.title},
        [
            _("A seat in %(session)s (%(when)s) has freed up and you were first on its waiting list.")
            % {"session": session.title, "when": local_moment(session.start_at, event)}
        ],
        extras=extras,
    )


def cancellation_mail(event: Event, registration: Registration, links: Links) -> OutgoingMail:
    return _compose(
        event,
        registration,
        links,
        _("Your registration for %(title)s is cancelled") % {"title": event.title},
        [
            _("You cancelled your registration for %(title)s. Your place goes to the next person waiting.")
            % {"title": event.title}
        ],
    )


def manage_link_mail(
    event: Event, registration: Registration, links: Links, *, renewed: bool
) -> OutgoingMail:
    """The personal link again: asked for by its owner, or a new one sent by the organisers."""
    if renewed:
        paragraph = _(
            "The organisers of %(title)s sent you a new personal link to your registration. The links "
            "you received before no longer work."
        )
    else:
        paragraph = _(
            "Someone asked for the personal link to your registration for %(title)s; here it is. If this "
            "was not you, you can ignore this message: nothing changed."
        )
    return _compose(
        event,
        registration,
        links,
        _("Your personal link for %(title)s") % {"title": event.title},
        [paragraph % {"title": event.title}],
    )


def send_quietly(mailer: Mailer, mail: OutgoingMail) -> None:
    """Sends after the change was saved; a mail server that is down must not undo or hide it."""
    try:
        mailer.send(mail)
    except (OSError, smtplib.SMTPException):
        logger.exception("could not send %r to %s", mail.subject, mail.to)
