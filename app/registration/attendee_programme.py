"""What an attendee will attend: their sessions, their join links, and what their emails carry of them.

Below the service and the waiting list, which both send emails with the attendee's calendar attached.
"""

import logging
from collections.abc import Callable, Container
from dataclasses import dataclass

from sqlmodel import col, select

from app.db import DbSession, saved_id
from app.events.models import Event
from app.programme import releases
from app.programme.models import Room, Session, SessionKind
from app.registration import capacity
from app.registration.links import Links
from app.registration.models import (
    SEAT_HOLDING_STATUSES,
    AttendanceChoice,
    ChoiceStatus,
    Registration,
    RegistrationStatus,
    SessionChoice,
)
from app.registration.notifications import AttendeeExtras, JoinLink

logger = logging.getLogger("plenary.registration")


@dataclass(frozen=True)
class AttendeeSession:
    session: Session
    room: Room | None
    choice: ChoiceStatus | None  # None: part of everyone's programme, not a chosen session


def attendee_sessions(db: DbSession, event: Event, registration: Registration) -> list[AttendeeSession]:
    """The attendee's programme: every session of the public programme (the latest release, if any),
    except the parallel ones they did not get a seat in."""
    chosen = dict(
        db.exec(
            select(SessionChoice.session_id, SessionChoice.status).where(
                SessionChoice.registration_id == registration.id
            )
        ).all()
    )
    offered = {session.id for session in capacity.choice_sessions(db, event)}
    statement = (
        select(Session, Room)
        .join(Room, col(Room.id) == Session.room_id, isouter=True)
        .where(Session.event_id == event.id)
        .order_by(col(Session.start_at), col(Session.title))
    )
    # A session added to the draft since the last release is not announced yet; one chosen is known.
    released = (
        {item.id for item in releases.published_programme(db, event).data.sessions}
        if releases.latest_release(db, event) is not None
        else None
    )
    sessions = []
    for session, room in db.exec(statement):
        choice = ChoiceStatus(chosen[session.id]) if session.id in chosen else None
        if session.id in offered and choice != ChoiceStatus.confirmed:
            continue
        if released is not None and session.id not in released and choice is None:
            continue
        sessions.append(AttendeeSession(session, room, choice))
    return sessions


def in_attendee_programme(
    db: DbSession,
    event: Event,
    registration: Registration,
    session: Session,
    cache: releases.ProgrammeDataCache | None = None,
) -> bool:
    """Whether `session` is one of `attendee_sessions` (the same rules), asked for one session."""
    choice = db.exec(
        select(SessionChoice.status).where(
            SessionChoice.registration_id == registration.id, SessionChoice.session_id == session.id
        )
    ).first()

    def released() -> Container[int] | None:
        release = releases.latest_release(db, event)
        return releases.released_session_ids(db, saved_id(event), release.id, cache) if release else None

    return in_programme_given(session, ChoiceStatus(choice) if choice is not None else None, released)


def in_programme_given(
    session: Session, choice: ChoiceStatus | None, released: Callable[[], Container[int] | None]
) -> bool:
    """`in_attendee_programme` once its facts are read: the attendee's choice of the session, and the
    latest release's session ids (None before the first release), asked for only when the rule needs them.
    A join link, opened thousands of times a minute at a keynote's start, reads the facts with its other
    lookups in one query (app.live.joins)."""
    if capacity.offers_a_choice(session) and not session.is_cancelled and choice != ChoiceStatus.confirmed:
        return False
    if choice is None:
        ids = released()
        return ids is None or session.id in ids
    return True


@dataclass(frozen=True)
class StreamLink:
    session: Session
    url: str  # the attendee's own join link (app/live/joins.py), never the stream's address
    # The session's question page as theirs (app/audience), to ask from online.
    questions_url: str = ""


def is_joinable(session: Session, room: Room | None) -> bool:
    """A session online attendees can join: it takes place, in a room with a stream, its speakers did not
    ask not to be streamed, and it is not a break (nothing to follow)."""
    return (
        room is not None
        and bool(room.stream_url)
        and not session.is_cancelled
        and not session.do_not_stream
        and session.kind != SessionKind.break_
    )


def may_join_online(registration: Registration) -> bool:
    return (
        registration.mode == AttendanceChoice.online and registration.status == RegistrationStatus.confirmed
    )


def stream_links(
    db: DbSession, event: Event, registration: Registration, links: Links, *, with_questions: bool = False
) -> list[StreamLink]:
    """Join links are for confirmed online attendees only, one per streamed session of their programme;
    everyone else gets none. Each leads through the attendee's personal join page, which keeps the
    stream's address to itself until the session opens. `with_questions` adds each session's question
    page as theirs (the attendee's page; emails and feeds, written by workers, carry the join links only)."""
    if not may_join_online(registration):
        return []
    return [
        StreamLink(
            line.session,
            links.join_url(registration, saved_id(line.session)),
            links.questions_url(event.slug, registration, saved_id(line.session)) if with_questions else "",
        )
        for line in attendee_sessions(db, event, registration)
        if is_joinable(line.session, line.room)
    ]


def mail_extras(db: DbSession, event: Event, registration: Registration, links: Links) -> AttendeeExtras:
    """The calendar of their sessions for people holding a place, and the join links for those confirmed
    online (calendar apps ignore the file's CONFERENCE property, so the links go in the text too)."""
    calendar = None
    if links.attendee_calendar is not None and registration.status in SEAT_HOLDING_STATUSES:
        try:
            calendar = links.attendee_calendar(db, event, registration)
        except Exception:
            # The change is saved already: the email goes out without the file rather than not at all.
            logger.exception("could not build the calendar of registration %s", registration.id)
    joins = tuple(
        JoinLink(link.session.title, link.session.start_at, link.url)
        for link in stream_links(db, event, registration, links)
    )
    return AttendeeExtras(calendar=calendar, join_links=joins)
