"""Who an organiser can write to: the audiences of an event and the people in each, one per address."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement
from sqlmodel import col, select

from app.db import DbSession
from app.events.models import Event
from app.materials.overview import materials_overview
from app.messaging.models import Audience
from app.programme.models import Confirmation, RoleKind, Session, SessionRole
from app.registration.models import (
    ACTIVE_STATUSES,
    AttendanceChoice,
    ChoiceStatus,
    Registration,
    RegistrationStatus,
    SessionChoice,
)
from app.registration.service import ERASED_EMAIL_DOMAIN
from app.speakers.models import Speaker

REGISTRANT_AUDIENCES = frozenset(
    {
        Audience.registrants,
        Audience.confirmed_in_person,
        Audience.confirmed_online,
        Audience.waiting_list,
        Audience.not_checked_in,
        Audience.session_registrants,
    }
)
SPEAKER_AUDIENCES = frozenset({Audience.speakers, Audience.speakers_without_slides, Audience.chairs})

# What each kind of audience's people have a link for.
REGISTRANT_PLACEHOLDERS = ("name", "manage_link", "calendar_link", "join_links", "feedback_links")
SPEAKER_PLACEHOLDERS = ("name", "portal_link")
PLACEHOLDERS = ("name", "manage_link", "calendar_link", "portal_link", "join_links", "feedback_links")


def placeholders_for(audience: Audience) -> tuple[str, ...]:
    return REGISTRANT_PLACEHOLDERS if audience in REGISTRANT_AUDIENCES else SPEAKER_PLACEHOLDERS


@dataclass(frozen=True)
class Recipient:
    """One person of an audience: a registration or a speaker profile, and the address written to."""

    email: str
    name: str
    registration: Registration | None = None
    speaker: Speaker | None = None

    @property
    def language(self) -> str:
        """The person's language where the site knows it ("" otherwise)."""
        if self.registration is not None and self.registration.language:
            return self.registration.language
        return self.speaker.language if self.speaker is not None else ""


def _registration_conditions(audience: Audience) -> list[ColumnElement[bool]]:
    status = col(Registration.status)
    mode = col(Registration.mode)
    match audience:
        case Audience.confirmed_in_person:
            return [status == RegistrationStatus.confirmed, mode == AttendanceChoice.in_person]
        case Audience.confirmed_online:
            return [status == RegistrationStatus.confirmed, mode == AttendanceChoice.online]
        case Audience.waiting_list:
            return [status == RegistrationStatus.waiting]
        case Audience.not_checked_in:
            return [
                status == RegistrationStatus.confirmed,
                mode == AttendanceChoice.in_person,
                col(Registration.checked_in_at).is_(None),
            ]
        case _:
            return [status.in_(ACTIVE_STATUSES)]


def _registrations(
    db: DbSession, event: Event, audience: Audience, session_ids: Sequence[int]
) -> list[Registration]:
    statement = select(Registration).where(
        Registration.event_id == event.id, *_registration_conditions(audience)
    )
    if audience == Audience.session_registrants:
        chose = select(SessionChoice.registration_id).where(
            col(SessionChoice.session_id).in_(list(session_ids)),
            col(SessionChoice.status) == ChoiceStatus.confirmed,
        )
        statement = statement.where(col(Registration.id).in_(chose))
    return list(db.exec(statement.order_by(col(Registration.name), col(Registration.id))).all())


def _speakers(db: DbSession, event: Event, audience: Audience) -> list[Speaker]:
    if audience == Audience.speakers_without_slides:
        overview = materials_overview(db, event)
        return [
            status.speaker
            for entry in overview.sessions
            for status in entry.speakers
            if status.needs_slides and not status.has_slides and status.confirmation != Confirmation.declined
        ]
    kinds = (
        [RoleKind.chair, RoleKind.moderator]
        if audience == Audience.chairs
        else [RoleKind.speaker, RoleKind.panelist]
    )
    statement = (
        select(Speaker)
        .join(SessionRole, col(SessionRole.speaker_id) == Speaker.id)
        .join(Session, col(Session.id) == SessionRole.session_id)
        .where(
            Session.event_id == event.id,
            col(Session.is_cancelled).is_(False),
            col(SessionRole.role).in_(kinds),
            col(SessionRole.confirmation) != Confirmation.declined,
        )
        .order_by(col(Speaker.name), col(Speaker.id))
    )
    return list(db.exec(statement).all())


def _one_per_address(people: Iterable[Recipient]) -> list[Recipient]:
    seen: dict[str, Recipient] = {}
    for person in people:
        address = person.email.strip().lower()
        if address and not address.endswith(ERASED_EMAIL_DOMAIN):
            seen.setdefault(address, person)
    return list(seen.values())


def audience_recipients(
    db: DbSession, event: Event, audience: Audience, session_ids: Sequence[int] = ()
) -> list[Recipient]:
    """The people of the audience with an email address, each address once; registrations cancelled,
    rejected or erased at their owner's request are never in any audience."""
    if audience in REGISTRANT_AUDIENCES:
        return _one_per_address(
            Recipient(r.email, r.name, registration=r)
            for r in _registrations(db, event, audience, session_ids)
        )
    return _one_per_address(
        Recipient(s.email or "", s.name, speaker=s) for s in _speakers(db, event, audience)
    )
