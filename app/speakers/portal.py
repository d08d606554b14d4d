"""The speaker portal's key: a signed, expiring link the organisers send, and what the speaker does there.

The token carries the speaker's id and a digest of their `portal_secret`, signed with the site's key:
changing a character breaks the signature, one speaker's link never opens another's portal, and sending
a new link (a new secret) revokes every link sent before.
"""

import secrets
import smtplib
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from pydantic import BaseModel, Field, field_validator
from sqlmodel import col, select

from app.db import DbSession
from app.errors import DomainError, InvalidInput, NotFound
from app.events.forms import check_timezone
from app.events.models import Event
from app.i18n import _, current_locale
from app.mail import Mailer, OutgoingMail
from app.programme.models import ROLE_LABELS, Confirmation, Session, SessionRole, Talk
from app.programme.queries import ProgrammeData
from app.programme.releases import published_programme
from app.security import RevocableLink, TokenExpired, TokenInvalid
from app.speakers.models import Speaker
from app.speakers.photos import prepare_photo
from app.storage import Storage, store_bytes
from app.text import SingleLine

PORTAL_PURPOSE = "speaker-portal"
# Links go out months ahead and speakers upload their slides after the event: a year covers both.
PORTAL_TOKEN_MAX_AGE_SECONDS = 365 * 24 * 3600


class PortalLinkRefused(DomainError):
    status_code = 403


class PortalLinkExpired(PortalLinkRefused):
    status_code = 410


class LinkNotSent(DomainError):
    status_code = 503


PORTAL_LINK = RevocableLink(purpose=PORTAL_PURPOSE, id_key="s", label="portal")


def portal_token(secret_key: str, speaker: Speaker) -> str:
    if speaker.portal_secret is None or speaker.id is None:
        raise ValueError("a portal token needs the speaker's portal_secret")
    return PORTAL_LINK.sign(secret_key, speaker.id, speaker.portal_secret)


def portal_path(token: str) -> str:
    return f"/speaker-portal/{token}"


def portal_url(base_url: str, secret_key: str, speaker: Speaker) -> str:
    """The absolute address of the speaker's portal, for emails."""
    return base_url.rstrip("/") + portal_path(portal_token(secret_key, speaker))


def _refused() -> PortalLinkRefused:
    return PortalLinkRefused(
        _("This link to the speaker portal is not valid. Open the whole link from the organisers' email.")
    )


def speaker_for_portal_token(
    db: DbSession, secret_key: str, token: str, max_age_seconds: int = PORTAL_TOKEN_MAX_AGE_SECONDS
) -> Speaker:
    """The speaker a portal link opens; tampered, expired or replaced links open nothing."""
    try:
        speaker_id, digest = PORTAL_LINK.read(secret_key, token, max_age_seconds)
    except TokenExpired as error:
        raise PortalLinkExpired(
            _("This link to the speaker portal has expired. Ask the organisers to send you a new one.")
        ) from error
    except TokenInvalid as error:
        raise _refused() from error
    speaker = db.get(Speaker, speaker_id)
    if speaker is None or speaker.portal_secret is None:
        raise _refused()
    if not PORTAL_LINK.matches(speaker.portal_secret, digest):
        raise PortalLinkRefused(
            _("This link was replaced by a newer one. Open the latest email from the organisers.")
        )
    return speaker


# --- Sending links --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PortalLinks:
    """Builds portal addresses for emails from the site's base URL and secret key."""

    base_url: str
    secret_key: str

    def url(self, speaker: Speaker) -> str:
        return portal_url(self.base_url, self.secret_key, speaker)

    def photo_url(self, speaker: Speaker) -> str:
        """Where the public pages load the stored photo from (route `speaker_photo`)."""
        return f"{self.base_url.rstrip('/')}/speaker-photos/{speaker.id}/{speaker.photo_key}"


def _check_reachable(speaker: Speaker) -> str:
    if not speaker.email:
        raise InvalidInput(
            _("{name} has no email address; add one on the speaker's page first.").format(name=speaker.name)
        )
    return speaker.email


def portal_link_mail(event: Event, speaker: Speaker, url: str) -> OutgoingMail:
    text = "\n\n".join(
        [
            _("Hello {name},").format(name=speaker.name),
            _(
                "You are on the programme of {event}. With this personal link you can update your "
                "profile, confirm your sessions, tell us whether you speak on site or remotely, and "
                "upload your slides:"
            ).format(event=event.title),
            url,
            _("Keep this link to yourself: anyone who has it can edit your profile."),
        ]
    )
    subject = _("Your speaker page for {event}").format(event=event.title)
    return OutgoingMail(to=_check_reachable(speaker), subject=subject, text=text + "\n")


def send_portal_link(
    db: DbSession, event: Event, speaker: Speaker, *, mailer: Mailer, links: PortalLinks
) -> str:
    """Sending a portal link replaces the speaker's secret, so every link sent before stops working; when
    the email cannot be sent, the old link keeps working."""
    _check_reachable(speaker)
    old_secret = speaker.portal_secret
    # The new secret is saved only once the email carrying it is out: nothing is flushed before, so no
    # database lock is held while the mail server answers.
    with db.no_autoflush:
        speaker.portal_secret = secrets.token_urlsafe(32)
        url = links.url(speaker)
        mail = portal_link_mail(event, speaker, url)
    try:
        mailer.send(mail)
    except (OSError, smtplib.SMTPException, ValueError) as error:
        speaker.portal_secret = old_secret
        db.rollback()
        raise LinkNotSent(
            _("The email to {name} could not be sent; try again in a moment.").format(name=speaker.name)
        ) from error
    db.add(speaker)
    db.commit()
    return url


def ensure_portal_secret(speaker: Speaker) -> None:
    """Reminders reuse the speaker's current link; a speaker who never had one gets one (caller commits)."""
    if speaker.portal_secret is None:
        speaker.portal_secret = secrets.token_urlsafe(32)


# --- What the speaker sees and answers ------------------------------------------------------------


class ProfileForm(BaseModel):
    name: SingleLine = Field(min_length=1, max_length=200)
    affiliation: SingleLine = Field(default="", max_length=300)
    bio: str = Field(default="", max_length=20_000)
    timezone: str | None = Field(default=None, max_length=64)

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str | None) -> str | None:
        return check_timezone(value) if value is not None else None


class AnswerForm(BaseModel):
    confirmation: Confirmation
    is_remote: bool = False


@dataclass(frozen=True)
class PortalSession:
    """One of the speaker's sessions, with its times in the event's zone and in the speaker's own."""

    session: Session
    roles: list[str]
    talk_titles: list[str]
    event_time: str
    own_time: str | None
    confirmation: Confirmation
    is_remote: bool
    # When the speaker is on (their talk's slot, or the session's), as the public programme says.
    starts_at: datetime
    # False while the session is only in the organisers' draft, not yet on the public programme.
    is_published: bool = True


def _moment_range(start_at: datetime, end_at: datetime, zone: str) -> str:
    start = start_at.astimezone(ZoneInfo(zone))
    end = end_at.astimezone(ZoneInfo(zone))
    start_label = format_datetime(start, "EEE d MMM y, HH:mm", locale=current_locale.get())
    end_pattern = "HH:mm" if end.date() == start.date() else "EEE d MMM, HH:mm"
    end_label = format_datetime(end, end_pattern, locale=current_locale.get())
    return f"{start_label}–{end_label} {start:%Z} ({zone.replace('_', ' ')})"


def _speaker_slot(
    published: ProgrammeData, session: Session, talk_ids: set[int]
) -> tuple[datetime, datetime, bool]:
    """When the speaker is on, as the public programme says: their own talks' slots when the talks have
    them, else the session's time; a session not yet released shows its draft time."""
    released = published.index.sessions.get(session.id or 0)
    if released is None:
        return session.start_at, session.end_at, False
    slots = [
        (talk.start_at, talk.end_at)
        for talk in published.index.talks_of_session.get(released.id, [])
        if talk.id in talk_ids and talk.start_at is not None and talk.end_at is not None
    ]
    if slots:
        return min(start for start, _end in slots), max(end for _start, end in slots), True
    return released.start_at, released.end_at, True


def portal_sessions(db: DbSession, event: Event, speaker: Speaker) -> list[PortalSession]:
    """The speaker's sessions in time order, at the times the public programme shows; cancelled sessions
    stay listed so the speaker sees the change."""
    roles = db.exec(select(SessionRole).where(SessionRole.speaker_id == speaker.id)).all()
    by_session: dict[int, list[SessionRole]] = {}
    for role in roles:
        by_session.setdefault(role.session_id, []).append(role)
    if not by_session:
        return []
    sessions = db.exec(
        select(Session)
        .where(Session.event_id == event.id, col(Session.id).in_(by_session))
        .order_by(col(Session.start_at), col(Session.id))
    ).all()
    talk_ids = {role.talk_id for role in roles if role.talk_id is not None}
    talks = {talk.id: talk for talk in db.exec(select(Talk).where(col(Talk.id).in_(talk_ids))).all()}
    own_zone = speaker.timezone if speaker.timezone and speaker.timezone != event.timezone else None
    published = published_programme(db, event).data
    result = []
    for session in sessions:
        session_roles = by_session[session.id or 0]
        own_talks = {role.talk_id for role in session_roles if role.talk_id is not None}
        start_at, end_at, is_published = _speaker_slot(published, session, own_talks)
        result.append(
            PortalSession(
                session=session,
                roles=list(dict.fromkeys(_(ROLE_LABELS[role.role]) for role in session_roles)),
                talk_titles=[talks[r.talk_id].title for r in session_roles if r.talk_id in talks],
                event_time=_moment_range(start_at, end_at, event.timezone),
                own_time=_moment_range(start_at, end_at, own_zone) if own_zone else None,
                # One answer covers every role the speaker holds in the session.
                confirmation=session_roles[0].confirmation,
                is_remote=any(role.is_remote for role in session_roles),
                is_published=is_published,
                starts_at=start_at,
            )
        )
    result.sort(key=lambda item: (item.starts_at, item.session.id or 0))
    return result


def speaker_session(db: DbSession, event: Event, speaker: Speaker, session_id: int) -> Session:
    """A session of this event where the speaker has a role; any other is refused as not found."""
    session = db.exec(
        select(Session)
        .join(SessionRole, col(SessionRole.session_id) == Session.id)
        .where(Session.id == session_id, Session.event_id == event.id, SessionRole.speaker_id == speaker.id)
    ).first()
    if session is None:
        raise _not_yours()
    return session


def speaker_talk_id(db: DbSession, speaker: Speaker, session: Session) -> int | None:
    """The talk the speaker's slides belong to, when they present exactly one talk of the session."""
    talk_ids = {
        role.talk_id
        for role in db.exec(
            select(SessionRole).where(
                SessionRole.session_id == session.id, SessionRole.speaker_id == speaker.id
            )
        ).all()
    }
    return talk_ids.pop() if len(talk_ids) == 1 else None


def _not_yours() -> DomainError:
    return NotFound(_("You have no role in this session."))


def update_profile(
    db: DbSession,
    speaker: Speaker,
    data: ProfileForm,
    *,
    photo: bytes | None,
    storage: Storage,
    links: PortalLinks,
) -> Speaker:
    """Speakers edit their public profile; the email stays what the organisers entered.

    A new photo is published shrunk and without its metadata, in place of any picture address.
    """
    prepared = prepare_photo(photo) if photo else None
    for name, value in data.model_dump().items():
        setattr(speaker, name, value)
    if prepared is not None:
        speaker.photo_key = store_bytes(storage, prepared.content)
        speaker.photo_url = links.photo_url(speaker)
    db.add(speaker)
    db.commit()
    db.refresh(speaker)
    return speaker


def answer_session(
    db: DbSession, speaker: Speaker, session: Session, answer: AnswerForm
) -> list[SessionRole]:
    """The speaker's answer (confirmed or declined, on site or remote) applies to all their roles in it."""
    roles = db.exec(
        select(SessionRole).where(SessionRole.session_id == session.id, SessionRole.speaker_id == speaker.id)
    ).all()
    if not roles:
        raise _not_yours()
    for role in roles:
        role.confirmation = answer.confirmation
        role.is_remote = answer.is_remote
        db.add(role)
    db.commit()
    return list(roles)
