"""The speaker portal: what a speaker sees with their personal link, and what they answer there.

Their profile and photo, each session they are on (with times as the published programme has them),
confirming or declining a role, on site or remote. The link itself is app.speakers.links.
"""

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, Field, field_validator
from sqlalchemy import update
from sqlmodel import col, select

from app.db import DbSession
from app.errors import DomainError, NotFound
from app.events.models import Event
from app.i18n import _, known_language
from app.programme.models import ROLE_LABELS, Confirmation, Session, SessionRole, Talk
from app.programme.releases import published_programme
from app.programme.snapshot import ProgrammeData
from app.speakers.links import PortalLinks
from app.speakers.models import Speaker
from app.speakers.photos import prepare_photo
from app.storage import Storage, store_bytes
from app.text import SingleLine
from app.timezones import CLOCK, DATE_TIME, check_timezone, format_local, in_zone

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
    start, end = in_zone(start_at, zone), in_zone(end_at, zone)
    start_label = format_local(start, zone, DATE_TIME)
    end_label = format_local(end, zone, CLOCK if end.date() == start.date() else "EEE d MMM, HH:mm")
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


def remember_language(db: DbSession, speaker: Speaker, language: str) -> None:
    """The speaker's emails are written in the language they last read their portal in. Their public
    profile has not changed: the stamp that tells the programme's caches so stays as it is."""
    language = known_language(language)
    if not language or speaker.language == language:
        return
    db.execute(
        update(Speaker)
        .where(col(Speaker.id) == speaker.id)
        .values(language=language, updated_at=Speaker.updated_at)
    )
    db.commit()


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
