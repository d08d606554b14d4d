"""Invitations to invitation-only events: a signed link, sent by email, valid once and until it expires.

The token carries only the invitation's id and event; whether it is still good (expiry, revocation, use)
is read from the database, so an organiser can revoke a link already sent.
"""

import re
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from sqlmodel import col, select

from app.db import DbSession, utcnow
from app.errors import DomainError
from app.events.models import Event
from app.i18n import N_, _
from app.mail import OutgoingMail, render_mail
from app.outbox.service import queue_mail
from app.registration.models import Invitation, Registration
from app.security import TokenExpired, TokenInvalid, read_token, sign_token
from app.timezones import LONG_DATE_TIME, format_local

INVITATION_PURPOSE = "registration-invitation"
# The invitation's own expiry (in the database) is what counts; the signature only has to outlive it.
TOKEN_MAX_AGE_SECONDS = 400 * 24 * 3600
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class InvitationLinks(Protocol):
    def invitation_url(self, event: Event, invitation: Invitation) -> str: ...


class InvitationRefused(DomainError):
    status_code = 403

    def __init__(self, message: str) -> None:
        super().__init__(message, field="invitation")


class InvitationStatus(StrEnum):
    sent = "sent"
    used = "used"
    # Used, and the person who registered with it deleted their data: nothing about them is left.
    erased = "erased"
    expired = "expired"
    revoked = "revoked"


INVITATION_STATUS_LABELS: dict[InvitationStatus, str] = {
    InvitationStatus.sent: N_("Sent"),
    InvitationStatus.used: N_("Used"),
    InvitationStatus.erased: N_("Used, data deleted"),
    InvitationStatus.expired: N_("Expired"),
    InvitationStatus.revoked: N_("Revoked"),
}


def invitation_status(invitation: Invitation, now: datetime) -> InvitationStatus:
    if invitation.used_at is not None:
        return InvitationStatus.erased if invitation.erased else InvitationStatus.used
    if invitation.revoked:
        return InvitationStatus.revoked
    if invitation.expires_at <= now:
        return InvitationStatus.expired
    return InvitationStatus.sent


def invitation_token(secret_key: str, invitation: Invitation) -> str:
    """What the invitation link carries after `?invitation=`."""
    return sign_token(
        secret_key, INVITATION_PURPOSE, {"event": invitation.event_id, "invitation": invitation.id}
    )


def _invitation_mail(event: Event, invitation: Invitation, url: str) -> OutgoingMail:
    context = {
        "name": invitation.name,
        "title": event.title,
        "url": url,
        "valid_until": format_local(invitation.expires_at, event.timezone, LONG_DATE_TIME, with_zone=True),
    }
    return render_mail("registration/invitation.txt", context, to=invitation.email, event_id=event.id)


def create_invitation(
    db: DbSession,
    event: Event,
    email: str,
    name: str,
    expires_at: datetime,
    links: InvitationLinks,
    *,
    now: datetime | None = None,
) -> Invitation:
    """Invites one person by email; an address with an invitation still valid is not invited twice."""
    now = now or utcnow()
    email = email.strip().lower()
    if not EMAIL_PATTERN.match(email):
        raise DomainError(_("Enter an email address such as name@example.org."), field="email")
    if expires_at <= now:
        raise DomainError(_("Choose a date in the future."), field="valid_until")
    pending = db.exec(
        select(Invitation).where(
            Invitation.event_id == event.id,
            Invitation.email == email,
            col(Invitation.used_at).is_(None),
            col(Invitation.revoked).is_(False),
            Invitation.expires_at > now,
        )
    ).first()
    if pending is not None:
        raise DomainError(
            _("{email} already has a valid invitation; revoke it first to send a new one.").format(
                email=email
            ),
            field="email",
        )
    invitation = Invitation(event_id=event.id or 0, email=email, name=name.strip(), expires_at=expires_at)
    db.add(invitation)
    db.flush()
    queue_mail(db, _invitation_mail(event, invitation, links.invitation_url(event, invitation)))
    db.commit()
    return invitation


def _payload_ids(payload: Any) -> tuple[int, int] | None:
    if not isinstance(payload, dict):
        return None
    event_id, invitation_id = payload.get("event"), payload.get("invitation")
    if isinstance(event_id, int) and isinstance(invitation_id, int):
        return event_id, invitation_id
    return None


def invitation_of_link(db: DbSession, event: Event, secret_key: str, token: str) -> Invitation | None:
    """The invitation of this event a link was signed for, whatever its state; None for any other link."""
    try:
        payload = read_token(secret_key, INVITATION_PURPOSE, token, TOKEN_MAX_AGE_SECONDS)
    except TokenInvalid:
        return None
    ids = _payload_ids(payload)
    if ids is None or ids[0] != event.id:
        return None
    invitation = db.get(Invitation, ids[1])
    if invitation is None or invitation.event_id != event.id:
        return None
    return invitation


def _used_by(db: DbSession, invitation: Invitation, email: str | None) -> bool:
    if not email:
        return False
    registration = db.exec(
        select(Registration).where(
            Registration.invitation_id == invitation.id,
            Registration.event_id == invitation.event_id,
            Registration.email == email.strip().lower(),
        )
    ).first()
    return registration is not None


def check_invitation(
    db: DbSession, event: Event, invitation: Invitation, now: datetime, *, email: str | None = None
) -> None:
    """Refuses (InvitationRefused) an invitation withdrawn, expired, or used by anyone but `email`."""
    if invitation.revoked:
        raise InvitationRefused(_("This invitation was withdrawn by the organisers."))
    if invitation.used_at is not None and not _used_by(db, invitation, email):
        raise InvitationRefused(
            _(
                "This invitation has already been used to register. "
                "Your confirmation email has a link to manage your registration."
            )
        )
    if invitation.used_at is None and invitation.expires_at <= now:
        raise InvitationRefused(
            _("This invitation expired on {moment}. Ask the organisers for a new one.").format(
                moment=format_local(invitation.expires_at, event.timezone, LONG_DATE_TIME, with_zone=True)
            )
        )


def invitation_from_token(
    db: DbSession, event: Event, secret_key: str, token: str, now: datetime, *, email: str | None = None
) -> Invitation:
    """The invitation a link stands for, if it may still be used to register for this event (again, by the
    `email` it was used with: an invitee who cancelled may register again)."""
    try:
        payload = read_token(secret_key, INVITATION_PURPOSE, token, TOKEN_MAX_AGE_SECONDS)
    except TokenExpired as error:
        raise InvitationRefused(
            _("This invitation has expired. Ask the organisers for a new one.")
        ) from error
    except TokenInvalid as error:
        raise InvitationRefused(
            _("This invitation link is not valid. Check that you opened the whole link from the email.")
        ) from error
    ids = _payload_ids(payload)
    if ids is None:
        raise InvitationRefused(
            _("This invitation link is not valid. Check that you opened the whole link from the email.")
        )
    invitation = invitation_of_link(db, event, secret_key, token)
    if invitation is None:
        raise InvitationRefused(_("This invitation is for another event."))
    check_invitation(db, event, invitation, now, email=email)
    return invitation


def mark_invitation_used(
    db: DbSession, invitation: Invitation, registration: Registration, now: datetime
) -> None:
    """Spends the invitation on this registration, inside the caller's transaction (it does not commit)."""
    invitation.used_at = now
    registration.invitation_id = invitation.id
    db.add(invitation)
    db.add(registration)


def erase_invitee(db: DbSession, registration: Registration) -> None:
    """Forgets who the invitation used by this registration was sent to, inside the caller's transaction."""
    if registration.invitation_id is None:
        return
    invitation = db.get(Invitation, registration.invitation_id)
    if invitation is not None:
        invitation.email = ""
        invitation.name = ""
        db.add(invitation)


def revoke_invitation(db: DbSession, invitation: Invitation) -> Invitation:
    """Withdraws an invitation so its link stops working; one already used cannot be withdrawn."""
    if invitation.used_at is not None:
        raise DomainError(
            _("This invitation was already used; cancel the registration instead."), field="invitation"
        )
    invitation.revoked = True
    db.add(invitation)
    db.commit()
    return invitation
