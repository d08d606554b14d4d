"""The links that open a session's audience pages. The moderator's link: a session's chair, or the person
relaying online questions in the room, opens the moderation page of one session without an account, and
renewing the session's moderator secret revokes every such link. And an online attendee's own join link,
which makes their questions and votes theirs (from online) rather than a browser's (from the room)."""

from sqlmodel import col, select

from app.audience.models import AudienceSettings
from app.audience.questions import Asker, renew_moderator_link
from app.db import DbSession
from app.errors import NotFound
from app.i18n import _
from app.programme.models import RoleKind, Session, SessionRole
from app.registration.links import JOIN_LINK, JOIN_TOKEN_MAX_AGE_SECONDS
from app.registration.models import AttendanceChoice, Registration, RegistrationStatus
from app.security import RevocableLink, TokenExpired, TokenInvalid

MODERATOR_LINK = RevocableLink(purpose="audience-moderator", id_key="s", label="moderator")
# Given for an event's days; a year is long enough for any event to be over.
MODERATOR_LINK_MAX_AGE = 366 * 24 * 3600


def moderator_token(db: DbSession, secret_key: str, session: Session) -> str:
    """The session's moderator link token; the first one asked for saves the session's secret."""
    settings = db.get(AudienceSettings, session.id)
    if settings is None:
        settings = renew_moderator_link(db, session)
    return MODERATOR_LINK.sign(secret_key, session.id or 0, settings.moderator_secret)


def session_from_moderator_token(db: DbSession, secret_key: str, token: str) -> Session:
    """The session a moderator link opens; NotFound for a forged, altered or revoked link."""
    try:
        session_id, digest = MODERATOR_LINK.read(secret_key, token, MODERATOR_LINK_MAX_AGE)
    except (TokenExpired, TokenInvalid) as error:
        raise NotFound(_("This moderator link does not work. Ask the organisers for a new one.")) from error
    session = db.get(Session, session_id)
    settings = db.get(AudienceSettings, session_id)
    if session is None or settings is None or not MODERATOR_LINK.matches(settings.moderator_secret, digest):
        raise NotFound(_("This moderator link was revoked. Ask the organisers for a new one."))
    return session


def online_asker(db: DbSession, secret_key: str, token: str, session_id: int) -> Asker | None:
    """The confirmed online attendee whose join link for this session came with the request, or None: the
    question then comes from the room (a browser)."""
    try:
        registration_id, token_session_id, digest = JOIN_LINK.read_for_session(
            secret_key, token, JOIN_TOKEN_MAX_AGE_SECONDS
        )
    except (TokenExpired, TokenInvalid):
        return None
    registration = db.get(Registration, registration_id)
    if (
        token_session_id != session_id
        or registration is None
        or not JOIN_LINK.matches(registration.secret, digest)
        or registration.status != RegistrationStatus.confirmed
        or registration.mode != AttendanceChoice.online
    ):
        return None
    return Asker.registration(registration_id)


def sessions_moderated_by(db: DbSession, speaker_id: int) -> set[int]:
    """The sessions in which this speaker is the chair or the moderator: their portal gives them the
    moderator link of each."""
    roles = db.exec(
        select(SessionRole.session_id).where(
            col(SessionRole.speaker_id) == speaker_id,
            col(SessionRole.role).in_([RoleKind.chair, RoleKind.moderator]),
        )
    )
    return set(roles)
