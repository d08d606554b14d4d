"""Rating a session after it ended: who may, from when, and giving or changing one's feedback.

- A session is rated once it has ended, at the end the published programme gives it (the latest
  release, or the draft of an event never released); a cancelled session and a break are not rated.
- A registered attendee rates through their personal feedback link (app/feedback/links.py), while their
  registration is confirmed and the session is in their programme. Anyone else rates only when the
  event allows it (`Event.feedback_from_anyone`), known by their browser.
- One rating per person and session: the database's unique (session, voter) settles a double submit,
  whose second request changes the first rating instead of adding one.
- The feedback can be changed for a day after it was first given, then it stays as it is.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import select

from app.db import DbSession, begin_write_transaction, insert_once, saved_id
from app.errors import DomainError, NotFound
from app.events.models import Event
from app.feedback.links import FEEDBACK_LINK, FEEDBACK_TOKEN_MAX_AGE_SECONDS, feedback_url
from app.feedback.models import SessionFeedback
from app.i18n import _
from app.programme.models import Session, SessionKind
from app.programme.releases import ProgrammeDataCache, published_programme
from app.programme.snapshot import SessionData
from app.registration.attendee_programme import attendee_sessions, in_attendee_programme
from app.registration.models import Registration, RegistrationStatus
from app.security import TokenExpired, TokenInvalid
from app.site import SiteUrls
from app.timezones import LONG_DATE_TIME, format_local

# How long after it was first given a person may still change their feedback.
EDIT_WINDOW = timedelta(hours=24)


class FeedbackRefused(DomainError):
    """This person may not rate this session; the message says why in their words."""

    status_code = 403


class FeedbackLinkExpired(FeedbackRefused):
    status_code = 410


class FeedbackNotOpen(DomainError):
    """The session has not ended yet."""

    status_code = 409

    def __init__(self, message: str, opens_at: datetime) -> None:
        super().__init__(message)
        self.opens_at = opens_at


class FeedbackLocked(DomainError):
    """The day to change it is over."""

    status_code = 409


@dataclass(frozen=True)
class Voter:
    """Who rates: "r<registration id>" for a registered attendee, "b<browser id>" for anyone else."""

    key: str
    registration_id: int | None = None

    @classmethod
    def registered(cls, registration: Registration) -> "Voter":
        return cls(f"r{saved_id(registration)}", saved_id(registration))

    @classmethod
    def browser(cls, browser_id: str) -> "Voter":
        return cls(f"b{browser_id}")


@dataclass(frozen=True)
class RatedSession:
    """A session of the event as feedback sees it: its row, and its times as the public programme has them."""

    event: Event
    session: Session
    published: SessionData

    @property
    def opens_at(self) -> datetime:
        return self.published.end_at


def _not_in_programme() -> NotFound:
    return NotFound(_("This session is not part of the programme."))


def rated_session(
    db: DbSession, event: Event, session_id: int, cache: ProgrammeDataCache | None = None
) -> RatedSession:
    """The session, only if it belongs to this event and is on its public programme."""
    session = db.get(Session, session_id)
    if session is None or session.event_id != event.id:
        raise _not_in_programme()
    published = published_programme(db, event, cache).data.index.sessions.get(session_id)
    if published is None:
        raise _not_in_programme()
    return RatedSession(event, session, published)


def feedback_link_target(
    db: DbSession,
    secret_key: str,
    token: str,
    cache: ProgrammeDataCache | None = None,
    max_age_seconds: int = FEEDBACK_TOKEN_MAX_AGE_SECONDS,
) -> tuple[RatedSession, Registration]:
    """The session and registration a personal feedback link names; a forged link, one of another shape
    or one sent before the registration's links were renewed opens nothing."""
    try:
        registration_id, session_id, digest = FEEDBACK_LINK.read_for_session(
            secret_key, token, max_age_seconds
        )
    except TokenExpired as error:
        raise FeedbackLinkExpired(
            _("This link has expired. Open the newest one from your registration page.")
        ) from error
    except TokenInvalid as error:
        raise FeedbackRefused(
            _("This link is not valid. Open the whole link from your email or your registration page.")
        ) from error
    registration = db.get(Registration, registration_id)
    if registration is None or not FEEDBACK_LINK.matches(registration.secret, digest):
        raise FeedbackRefused(
            _(
                "This link no longer works: your registration's links were renewed. Open the one on your "
                "registration page or in your latest email."
            )
        )
    event = db.get(Event, registration.event_id)
    if event is None:
        raise _not_in_programme()
    return rated_session(db, event, session_id, cache), registration


def refusal(
    db: DbSession,
    rated: RatedSession,
    registration: Registration | None,
    now: datetime,
    cache: ProgrammeDataCache | None = None,
) -> DomainError | None:
    """Why this person may not rate this session now, or None when they may."""
    if rated.published.is_cancelled:
        return FeedbackRefused(_("This session was cancelled: there is nothing to rate."))
    if rated.published.kind == SessionKind.break_:
        return FeedbackRefused(_("Breaks are not rated."))
    if registration is None:
        if not rated.event.feedback_from_anyone:
            return FeedbackRefused(
                _(
                    "Feedback on this session is given by registered attendees: open the personal link "
                    "from your email or from your registration page."
                )
            )
    elif registration.status != RegistrationStatus.confirmed:
        return FeedbackRefused(_("Only confirmed registrations give feedback."))
    elif not in_attendee_programme(db, rated.event, registration, rated.session, cache):
        return FeedbackRefused(_("This session is not in your programme: you have no place in it."))
    if now < rated.opens_at:
        moment = format_local(rated.opens_at, rated.event.timezone, LONG_DATE_TIME, with_zone=True)
        return FeedbackNotOpen(
            _("Feedback on this session opens when it ends: {moment}.").format(moment=moment),
            rated.opens_at,
        )
    return None


def feedback_given(db: DbSession, session_id: int, voter: Voter) -> SessionFeedback | None:
    return db.exec(
        select(SessionFeedback).where(
            SessionFeedback.session_id == session_id, SessionFeedback.voter_key == voter.key
        )
    ).first()


def editable_until(feedback: SessionFeedback) -> datetime:
    return feedback.created_at + EDIT_WINDOW


def _locked() -> FeedbackLocked:
    return FeedbackLocked(
        _("Your feedback can no longer be changed: feedback can be changed for a day after it is given.")
    )


@dataclass(frozen=True)
class FeedbackPage:
    """What the feedback page shows one person: why they cannot rate, or their feedback and whether they
    may still change it."""

    rated: RatedSession
    refused: DomainError | None
    given: SessionFeedback | None
    now: datetime

    @property
    def not_open(self) -> bool:
        return isinstance(self.refused, FeedbackNotOpen)

    @property
    def editable_until(self) -> datetime | None:
        return editable_until(self.given) if self.given is not None else None

    @property
    def can_change(self) -> bool:
        until = self.editable_until
        return self.refused is None and (until is None or self.now < until)


def feedback_page(
    db: DbSession,
    rated: RatedSession,
    voter: Voter | None,
    registration: Registration | None,
    now: datetime,
    cache: ProgrammeDataCache | None = None,
) -> FeedbackPage:
    """The page as this person sees it (`voter` None: a browser that never rated anything)."""
    given = feedback_given(db, saved_id(rated.session), voter) if voter is not None else None
    return FeedbackPage(rated, refusal(db, rated, registration, now, cache), given, now)


def give_feedback(
    db: DbSession,
    rated: RatedSession,
    voter: Voter,
    rating: int,
    comment: str,
    *,
    registration: Registration | None,
    now: datetime,
    cache: ProgrammeDataCache | None = None,
) -> SessionFeedback:
    """Saves the person's rating and comment of an ended session; giving it again within a day changes
    it (a double submit too: the database keeps one per person), later it is refused."""
    refused = refusal(db, rated, registration, now, cache)
    if refused is not None:
        raise refused
    session_id = saved_id(rated.session)
    begin_write_transaction(db)
    values = {
        "session_id": session_id,
        "voter_key": voter.key,
        "registration_id": voter.registration_id,
        "rating": rating,
        "comment": comment,
        "created_at": now,
        "updated_at": now,
    }
    written = insert_once(db, SessionFeedback, values, ("session_id", "voter_key"))
    statement = select(SessionFeedback).where(
        SessionFeedback.session_id == session_id, SessionFeedback.voter_key == voter.key
    )
    if db.get_bind().dialect.name != "sqlite":
        statement = statement.with_for_update()
    feedback = db.exec(statement.execution_options(populate_existing=True)).one()
    if not written:
        if now >= editable_until(feedback):
            db.rollback()
            raise _locked()
        feedback.rating = rating
        feedback.comment = comment
        feedback.updated_at = now
        db.add(feedback)
    db.commit()
    return feedback


def set_feedback_from_anyone(db: DbSession, event: Event, allowed: bool) -> Event:
    """Organisers choose who rates sessions: confirmed registrants only, or anyone with the page's address.
    Feedback already given stays."""
    event.feedback_from_anyone = allowed
    db.add(event)
    db.commit()
    db.refresh(event)
    return event


def sessions_to_rate(
    db: DbSession, event: Event, registration: Registration, now: datetime
) -> list[RatedSession]:
    """The sessions of a confirmed attendee's programme that have ended and can be rated, in time order;
    none for anyone else."""
    if registration.status != RegistrationStatus.confirmed:
        return []
    published = published_programme(db, event).data.index.sessions
    rated = []
    for line in attendee_sessions(db, event, registration):
        data = published.get(saved_id(line.session))
        if (
            data is not None
            and not data.is_cancelled
            and data.kind != SessionKind.break_
            and data.end_at <= now
        ):
            rated.append(RatedSession(event, line.session, data))
    return sorted(rated, key=lambda item: (item.published.start_at, item.published.id))


@dataclass(frozen=True)
class FeedbackRequest:
    """One session an attendee may rate, with their personal link to do so."""

    session: SessionData
    url: str


def feedback_requests(
    db: DbSession, event: Event, registration: Registration, urls: SiteUrls, secret_key: str, now: datetime
) -> list[FeedbackRequest]:
    """The attendee's personal feedback links, one per session of theirs that has ended (none unless
    their registration is confirmed): for their registration page and the follow-up message."""
    return [
        FeedbackRequest(rated.published, feedback_url(urls, secret_key, registration, rated.published.id))
        for rated in sessions_to_rate(db, event, registration, now)
    ]
