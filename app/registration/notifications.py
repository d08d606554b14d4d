"""Emails to attendees: confirmation, waiting list, promotion, cancellation, and the manage link again.

Every message carries the manage link, because the link is the attendee's only key to their registration.
In-person attendees with a seat get their ticket's QR code attached as a PNG.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from typing import Concatenate, ParamSpec

from babel.dates import format_date

from app.events.models import AttendanceMode, Event
from app.i18n import _, current_locale, speaking
from app.mail import Attachment, OutgoingMail, render_mail
from app.programme.models import Session
from app.registration.links import Links
from app.registration.models import (
    ATTENDANCE_CHOICE_PHRASES,
    ChoiceStatus,
    Registration,
)
from app.registration.tickets import ticket_for
from app.timezones import DATE_TIME, LONG_DATE_TIME, format_local, in_zone, zone_or_none

JOIN_LINKS_IN_EMAILS = 12


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
        dates = _("{first} to {last}").format(first=dates, last=last)
    values = {"title": event.title, "dates": dates, "venue": event.venue}
    if event.attendance_mode == AttendanceMode.online:
        return _("{title} takes place online on {dates}.").format(**values)
    if not event.venue:
        return _("{title}: {dates}.").format(**values)
    return _("{title}: {dates}, {venue}.").format(**values)


Params = ParamSpec("Params")
Compose = Callable[Concatenate[Event, Registration, Params], OutgoingMail]


def in_their_language(compose: Compose[Params]) -> Compose[Params]:
    """The email is written in the attendee's language when the site knows it: a promotion caused by
    someone else's cancellation, or a message an organiser's action sends, is not in that person's."""

    @wraps(compose)
    def written(
        event: Event, registration: Registration, /, *args: Params.args, **kwargs: Params.kwargs
    ) -> OutgoingMail:
        with speaking(registration.language):
            return compose(event, registration, *args, **kwargs)

    return written


def local_moment(moment: datetime, event: Event) -> str:
    """The moment in the event's zone, in words, with the zone's abbreviation ("CEST", not "+0200")."""
    return format_local(moment, event.timezone, LONG_DATE_TIME, with_zone=True)


def _compose(
    template_name: str,
    event: Event,
    registration: Registration,
    links: Links,
    message: Mapping[str, object],
    seats: Sequence[ChosenSeat] = (),
    extras: AttendeeExtras | None = None,
) -> OutgoingMail:
    """Renders templates/emails/registration/<template_name>, around which registration/_layout.txt puts
    what every attendee email carries."""
    attachments: tuple[Attachment, ...] = ()
    ticket = ticket_for(event, registration, links)
    if ticket is not None:
        attachments = (("ticket.png", "image/png", ticket.png()),)
    calendar_file = None
    if extras is not None and extras.calendar is not None:
        calendar_file = f"{event.slug}.ics"
        attachments = (*attachments, (calendar_file, "text/calendar", extras.calendar))
    context = {
        "name": registration.name,
        "title": event.title,
        "when_where": event_dates_and_venue(event),
        "seats": [
            {
                "title": seat.session.title,
                "when": local_moment(seat.session.start_at, event),
                "confirmed": seat.status == ChoiceStatus.confirmed,
            }
            for seat in seats
        ],
        # A congress's whole programme would make an email of thousands of lines: the next ones, then the
        # registration page, which lists them all.
        "join_links": [
            {"title": link.title, "when": local_moment(link.start_at, event), "url": link.url}
            for link in (extras.join_links if extras is not None else ())[:JOIN_LINKS_IN_EMAILS]
        ],
        "more_join_links": max(0, len(extras.join_links) - JOIN_LINKS_IN_EMAILS) if extras is not None else 0,
        "ticket_code": ticket.code if ticket is not None else None,
        "calendar_file": calendar_file,
        "manage_url": links.manage_url(registration),
        **message,
    }
    return render_mail(
        f"registration/{template_name}",
        context,
        to=registration.email,
        event_id=event.id,
        attachments=attachments,
    )


def _mode(registration: Registration) -> str:
    return _(ATTENDANCE_CHOICE_PHRASES[registration.mode])


@in_their_language
def registration_mail(
    event: Event,
    registration: Registration,
    links: Links,
    seats: Sequence[ChosenSeat] = (),
    extras: AttendeeExtras | None = None,
) -> OutgoingMail:
    """What a new registration receives, by its status: confirmed, awaiting approval, or waiting."""
    message = {"status": registration.status.value, "mode": _mode(registration)}
    return _compose("registered.txt", event, registration, links, message, seats, extras)


@in_their_language
def already_registered_mail(
    event: Event, registration: Registration, links: Links, seats: Sequence[ChosenSeat] = ()
) -> OutgoingMail:
    """Sent when someone submits the form again with an address already registered: nothing changed."""
    return _compose("already_registered.txt", event, registration, links, {}, seats)


@in_their_language
def promotion_mail(
    event: Event,
    registration: Registration,
    links: Links,
    seats: Sequence[ChosenSeat] = (),
    extras: AttendeeExtras | None = None,
) -> OutgoingMail:
    message = {"status": registration.status.value, "mode": _mode(registration)}
    return _compose("promoted.txt", event, registration, links, message, seats, extras)


@in_their_language
def session_promotion_mail(
    event: Event,
    registration: Registration,
    session: Session,
    links: Links,
    extras: AttendeeExtras | None = None,
) -> OutgoingMail:
    message = {"session": session.title, "when": local_moment(session.start_at, event)}
    return _compose("session_promoted.txt", event, registration, links, message, extras=extras)


@in_their_language
def cancellation_mail(event: Event, registration: Registration, links: Links) -> OutgoingMail:
    return _compose("cancelled.txt", event, registration, links, {})


@in_their_language
def manage_link_mail(
    event: Event, registration: Registration, links: Links, *, renewed: bool
) -> OutgoingMail:
    """The personal link again: asked for by its owner, or a new one sent by the organisers."""
    return _compose("manage_link.txt", event, registration, links, {"renewed": renewed})


@dataclass(frozen=True)
class ReminderLine:
    """One of the attendee's sessions in a reminder: in the event's zone, and in theirs when it differs."""

    title: str
    when: str
    own_when: str
    room: str


def reminder_lines(
    event: Event, registration: Registration, sessions: Sequence[tuple[Session, str]]
) -> list[ReminderLine]:
    own_zone = zone_or_none(registration.time_zone)
    lines = []
    for session, room in sessions:
        own_when = ""
        if (
            own_zone is not None
            and in_zone(session.start_at, own_zone).utcoffset()
            != in_zone(session.start_at, event.timezone).utcoffset()
        ):
            own_when = format_local(session.start_at, own_zone, DATE_TIME, with_zone=True)
        lines.append(ReminderLine(session.title, local_moment(session.start_at, event), own_when, room))
    return lines


@in_their_language
def reminder_mail(
    event: Event,
    registration: Registration,
    links: Links,
    sessions: Sequence[tuple[Session, str]],
    more_sessions: int,
    starts_at: datetime,
    programme_url: str,
    extras: AttendeeExtras | None = None,
) -> OutgoingMail:
    """Before the event: when it starts, the attendee's sessions (in both zones), their join links (only
    for those confirmed online), their ticket and calendar, and their personal link."""
    message = {
        "starts": local_moment(starts_at, event),
        "sessions": reminder_lines(event, registration, sessions),
        "more_sessions": more_sessions,
        "programme_url": programme_url,
        "mode": _mode(registration),
    }
    return _compose("reminder.txt", event, registration, links, message, extras=extras)
