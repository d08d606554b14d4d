"""Personal join links: a confirmed online attendee reaches a session's stream through their own signed
link (`Links.join_url`, app/registration/links.py), never through the stream's address.

The link names the registration and the session, signed with the site's key and a digest of the
registration's secret: a changed character, another person's link or one sent before the secret was
renewed opens nothing. Until `opens_minutes` before the session starts it shows a waiting page; from
then on it leads to the room's stream, and the attendee's first join is recorded (app/live/attendance.py).
"""

import math
from collections.abc import Container
from dataclasses import dataclass
from datetime import datetime, timedelta

from babel.dates import format_timedelta
from sqlalchemy import BindParameter, Select, and_, bindparam, exists
from sqlalchemy import select as sa_select
from sqlmodel import col

from app.db import DbSession, each_statement_commits, saved_id
from app.errors import DomainError
from app.events.models import Event
from app.i18n import _, current_locale, ngettext
from app.live import attendance, running_late
from app.live.models import LiveAdjustment, SessionJoin
from app.programme.models import Release, Room, Session
from app.programme.releases import ProgrammeDataCache, released_session_ids
from app.registration.attendee_programme import in_programme_given, is_joinable
from app.registration.links import JOIN_LINK, JOIN_TOKEN_MAX_AGE_SECONDS
from app.registration.models import (
    AttendanceChoice,
    ChoiceStatus,
    Registration,
    RegistrationStatus,
    SessionChoice,
)
from app.security import TokenExpired, TokenInvalid
from app.timezones import zone_or_none

# Beyond this, the countdown says "in 3 hours" or "in 2 days" rather than a number of minutes.
EXACT_MINUTES_UNTIL = 120


class JoinRefused(DomainError):
    """The link opens no stream; the message says why in the attendee's words."""

    status_code = 403


class JoinLinkExpired(JoinRefused):
    status_code = 410


class SessionNotStreamed(JoinRefused):
    status_code = 404


class SessionCancelled(JoinRefused):
    status_code = 410


class SessionEnded(JoinRefused):
    status_code = 410


@dataclass(frozen=True)
class JoinTarget:
    """The registration and session a join link names, and what the pages about it show."""

    event: Event
    registration: Registration
    session: Session
    room: Room | None
    # Read in the same query, for what a join decides next: the attendee's choice of this session, the
    # event's latest release, whether they joined this session already, and whether any of the event's
    # rooms was said to run late.
    choice: ChoiceStatus | None = None
    release_id: int | None = None
    joined: bool = False
    adjusted: bool = False


@dataclass(frozen=True)
class JoinWaiting:
    """Too early: the waiting page, in the attendee's time zone."""

    target: JoinTarget
    zone: str
    now: datetime
    opens_at: datetime
    # When its room runs late (app.live.running_late): the expected start, the programme's being struck.
    expected_start: datetime | None = None

    @property
    def starts_at(self) -> datetime:
        return self.expected_start or self.target.session.start_at

    @property
    def scheduled_start(self) -> datetime | None:
        return self.target.session.start_at if self.expected_start is not None else None

    @property
    def minutes_to_start(self) -> int:
        return max(0, math.ceil((self.starts_at - self.now).total_seconds() / 60))

    @property
    def seconds_to_start(self) -> int:
        return max(0, math.ceil((self.starts_at - self.now).total_seconds()))

    @property
    def seconds_to_open(self) -> int:
        return max(0, math.ceil((self.opens_at - self.now).total_seconds()))

    @property
    def starts_in(self) -> str:
        """The time left until the start, in the reader's language: exact minutes when it is close."""
        minutes = self.minutes_to_start
        if minutes <= EXACT_MINUTES_UNTIL:
            return ngettext("in {num} minute", "in {num} minutes", minutes).format(num=minutes)
        return format_timedelta(
            self.starts_at - self.now, granularity="minute", add_direction=True, locale=current_locale.get()
        )

    @property
    def refresh_seconds(self) -> int:
        """When a page without JavaScript reloads itself: each minute when the start is close, at the
        latest when the link opens, never so often that a page open for days keeps asking."""
        every = 60 if self.minutes_to_start <= EXACT_MINUTES_UNTIL else 600
        return max(1, min(every, self.seconds_to_open))


@dataclass(frozen=True)
class JoinOpen:
    """The session is open: the attendee goes to the stream."""

    stream_url: str
    first_join: bool


def _target_statement() -> Select:
    registration_id: BindParameter[int] = bindparam("registration_id")
    session_id: BindParameter[int] = bindparam("session_id")
    choice = (
        sa_select(col(SessionChoice.status))
        .where(
            col(SessionChoice.registration_id) == registration_id, col(SessionChoice.session_id) == session_id
        )
        .scalar_subquery()
    )
    release = (
        sa_select(col(Release.id))
        .where(col(Release.event_id) == col(Registration.event_id))
        .order_by(col(Release.number).desc())
        .limit(1)
        .scalar_subquery()
    )
    joined = exists().where(
        col(SessionJoin.registration_id) == registration_id, col(SessionJoin.session_id) == session_id
    )
    adjusted = exists().where(col(LiveAdjustment.event_id) == col(Registration.event_id))
    return (
        sa_select(Registration, Event, Session, Room, choice, release, joined, adjusted)
        .outerjoin(Event, col(Event.id) == col(Registration.event_id))
        .outerjoin(
            Session, and_(col(Session.id) == session_id, col(Session.event_id) == col(Registration.event_id))
        )
        .outerjoin(Room, col(Room.id) == col(Session.room_id))
        .where(col(Registration.id) == registration_id)
    )


# Built once: SQLAlchemy then finds its compiled form by the statement's memoised cache key.
_TARGET = _target_statement()


def join_target(
    db: DbSession, secret_key: str, token: str, max_age_seconds: int = JOIN_TOKEN_MAX_AGE_SECONDS
) -> JoinTarget:
    """The registration and session a join link names; a forged link, one of another shape or one sent
    before the registration's secret was renewed opens nothing. One query, which also reads what the
    join decides next (`JoinTarget`): a keynote's start brings thousands of joins a minute."""
    try:
        registration_id, session_id, digest = JOIN_LINK.read_for_session(secret_key, token, max_age_seconds)
    except TokenExpired as error:
        raise JoinLinkExpired(
            _("This link has expired. Open the newest one from your registration page.")
        ) from error
    except TokenInvalid as error:
        raise JoinRefused(
            _("This link is not valid. Open the whole link from your email or your registration page.")
        ) from error
    row = db.execute(_TARGET, {"registration_id": registration_id, "session_id": session_id}).first()
    if row is None or not JOIN_LINK.matches(row[0].secret, digest):
        raise JoinRefused(
            _(
                "This link no longer works: your registration's links were renewed. Open the one on your "
                "registration page or in your latest email."
            )
        )
    registration, event, session, room, choice, release_id, joined, adjusted = row
    if session is None or event is None:
        raise SessionNotStreamed(_("This session is no longer part of the programme."))
    return JoinTarget(
        event,
        registration,
        session,
        room,
        choice=ChoiceStatus(choice) if choice is not None else None,
        release_id=release_id,
        joined=bool(joined),
        adjusted=bool(adjusted),
    )


def check_may_join(db: DbSession, target: JoinTarget, cache: ProgrammeDataCache | None = None) -> None:
    """Only a confirmed online attendee joins, and only a streamed session of their programme that still
    takes place; anyone else learns why, and nobody learns the stream's address."""
    registration, session = target.registration, target.session
    if registration.status in (RegistrationStatus.cancelled, RegistrationStatus.rejected):
        raise JoinRefused(_("This registration is no longer active, so its links open no session."))
    if registration.status == RegistrationStatus.waiting:
        raise JoinRefused(
            _("You are on the waiting list: this link opens the session once you have a place.")
        )
    if registration.status == RegistrationStatus.pending:
        raise JoinRefused(
            _(
                "The organisers have not approved your registration yet: this link opens the session once "
                "they have."
            )
        )
    if registration.mode != AttendanceChoice.online:
        raise JoinRefused(
            _(
                "You registered to attend in person, so the sessions are in the room, not online. To follow "
                "online, change how you attend on your registration page."
            )
        )
    if session.is_cancelled:
        raise SessionCancelled(_("This session was cancelled."))
    if not is_joinable(session, target.room):
        raise SessionNotStreamed(_("This session is not streamed: there is nothing to join online."))

    def released() -> Container[int] | None:
        if target.release_id is None:
            return None
        return released_session_ids(db, saved_id(target.event), target.release_id, cache)

    if not in_programme_given(session, target.choice, released):
        raise JoinRefused(_("This session is not in your programme: you have no place in it."))


def attendee_zone(target: JoinTarget, requested: str = "") -> str:
    """The zone the waiting page shows times in: the one asked for, else the attendee's own, else the
    event's. An unknown name is ignored."""
    for name in (requested, target.registration.time_zone):
        if zone_or_none(name) is not None:
            return name
    return target.event.timezone


def join_session(
    db: DbSession,
    target: JoinTarget,
    *,
    now: datetime,
    opens_minutes: int,
    zone: str = "",
    expected_start: datetime | None = None,
    cache: ProgrammeDataCache | None = None,
) -> JoinWaiting | JoinOpen:
    """From `opens_minutes` before its start (the expected one when its room runs late), the link leads to
    the stream and the attendee's first join is recorded; before that, the waiting page. Anyone who may
    not join is refused (JoinRefused)."""
    check_may_join(db, target, cache)
    session = target.session
    ends_at = session.end_at + ((expected_start - session.start_at) if expected_start else timedelta())
    if now >= ends_at:
        # Nothing to join any more, and a late click must not count as attending.
        raise SessionEnded(
            _("This session has ended. Its slides and recording, when there are some, are on its page.")
        )
    opens_at = (expected_start or target.session.start_at) - timedelta(minutes=opens_minutes)
    if now < opens_at:
        return JoinWaiting(target, attendee_zone(target, zone), now, opens_at, expected_start)
    assert target.room is not None and target.room.stream_url  # noqa: S101 - check_may_join saw the stream
    stream_url = target.room.stream_url
    if target.joined:
        # A reload or a second tab, the commonest join at a keynote: nothing to write.
        return JoinOpen(stream_url, first_join=False)
    first = attendance.insert_first_join(db, saved_id(target.registration), saved_id(target.session), now)
    return JoinOpen(stream_url, first)


def open_join_link(
    db: DbSession,
    secret_key: str,
    token: str,
    *,
    now: datetime,
    opens_minutes: int,
    zone: str = "",
    cache: ProgrammeDataCache | None = None,
) -> JoinWaiting | JoinOpen:
    """What a join link opens now (`join_target`, then `join_session`), with the session's expected
    start when its room runs late; JoinRefused when it opens nothing."""
    # Reads, then at most the first join's insert: no transaction around them, one round trip each.
    each_statement_commits(db)
    target = join_target(db, secret_key, token)
    expected_start = (
        running_late.expected_start(db, target.event, saved_id(target.session), cache)
        if target.adjusted
        else None
    )
    return join_session(
        db,
        target,
        now=now,
        opens_minutes=opens_minutes,
        zone=zone,
        expected_start=expected_start,
        cache=cache,
    )
