"""Emails to attendees: confirmation, waiting list, promotion, cancellation, and the manage link again.

Every message carries the manage link, because the link is the attendee's only key to their registration.
In-person attendees with a seat get their ticket's QR code attached as a PNG.
"""

import logging
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from app.events.models import Event
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

logger = logging.getLogger("plenary.registration")


@dataclass(frozen=True)
class ChosenSeat:
    session: Session
    status: ChoiceStatus


def local_moment(moment: datetime, event: Event) -> str:
    """The moment in the event's zone, in words, with the zone's abbreviation ("CEST", not "+0200")."""
    local = moment.astimezone(ZoneInfo(event.timezone))
    # The zone database's abbreviation: Babel's short names are only offsets in most locales.
    return f"{format_datetime(local, 'EEEE d MMMM y, HH:mm', locale=current_locale.get())} {local.tzname()}"


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
) -> OutgoingMail:
    body = [_("Hello %(name)s,") % {"name": registration.name}, *paragraphs]
    if seats:
        body.append(_("Your sessions:") + "\n" + _session_lines(event, seats))
    attachments: tuple[tuple[str, str, bytes], ...] = ()
    ticket = ticket_for(event, registration, links)
    if ticket is not None:
        body.append(
            _("Your ticket is attached: show its QR code at the entrance. Ticket code: %(code)s")
            % {"code": ticket.code}
        )
        attachments = (("ticket.png", "image/png", ticket.png()),)
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
    event: Event, registration: Registration, links: Links, seats: Sequence[ChosenSeat] = ()
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
    return _compose(event, registration, links, subject, [paragraph % title], seats)


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
    event: Event, registration: Registration, links: Links, seats: Sequence[ChosenSeat] = ()
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
    )


def session_promotion_mail(
    event: Event, registration: Registration, session: Session, links: Links
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
