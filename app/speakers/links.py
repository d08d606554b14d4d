"""The speaker portal's key: a signed, expiring link the organisers send, and what the speaker does there.

The token carries the speaker's id and a digest of their `portal_secret`, signed with the site's key:
changing a character breaks the signature, one speaker's link never opens another's portal, and sending
a new link (a new secret) revokes every link sent before.
"""

import secrets
from dataclasses import dataclass

from app.db import DbSession, begin_write_transaction
from app.errors import DomainError, InvalidInput
from app.events.models import Event
from app.i18n import _, speaking
from app.mail import OutgoingMail, render_mail
from app.outbox.service import queue_mail
from app.security import RevocableLink, TokenExpired, TokenInvalid
from app.site import Site, SiteUrls
from app.speakers.models import Speaker

PORTAL_PURPOSE = "speaker-portal"
# Links go out months ahead and speakers upload their slides after the event: a year covers both.
PORTAL_TOKEN_MAX_AGE_SECONDS = 365 * 24 * 3600


class PortalLinkRefused(DomainError):
    status_code = 403


class PortalLinkExpired(PortalLinkRefused):
    status_code = 410


PORTAL_LINK = RevocableLink(purpose=PORTAL_PURPOSE, id_key="s", label="portal")


def portal_token(secret_key: str, speaker: Speaker) -> str:
    if speaker.portal_secret is None or speaker.id is None:
        raise ValueError("a portal token needs the speaker's portal_secret")
    return PORTAL_LINK.sign(secret_key, speaker.id, speaker.portal_secret)


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

    urls: SiteUrls
    secret_key: str

    @classmethod
    def of(cls, site: Site) -> "PortalLinks":
        return cls(site.urls, site.secret_key)

    def url(self, speaker: Speaker) -> str:
        """The absolute address of the speaker's portal, for emails."""
        return self.urls.url("speaker_portal_page", token=portal_token(self.secret_key, speaker))

    def photo_url(self, speaker: Speaker) -> str:
        """Where the public pages load the stored photo from (route `speaker_photo`)."""
        return self.urls.url("speaker_photo", speaker_id=speaker.id, key=speaker.photo_key)


def _check_reachable(speaker: Speaker) -> str:
    if not speaker.email:
        raise InvalidInput(
            _("{name} has no email address; add one on the speaker's page first.").format(name=speaker.name)
        )
    return speaker.email


def portal_link_mail(event: Event, speaker: Speaker, url: str) -> OutgoingMail:
    context = {"name": speaker.name, "event": event.title, "url": url}
    to = _check_reachable(speaker)
    with speaking(speaker.language):
        return render_mail("speakers/portal_link.txt", context, to=to, event_id=event.id)


def send_portal_link(db: DbSession, event: Event, speaker: Speaker, *, links: PortalLinks) -> str:
    """Sending a portal link replaces the speaker's secret, so every link sent before stops working. The
    new secret and the message carrying it are saved together; the mail log shows whether it went out."""
    _check_reachable(speaker)
    begin_write_transaction(db)
    speaker.portal_secret = secrets.token_urlsafe(32)
    url = links.url(speaker)
    db.add(speaker)
    queue_mail(db, portal_link_mail(event, speaker, url))
    db.commit()
    return url


def ensure_portal_secret(speaker: Speaker) -> None:
    """Reminders reuse the speaker's current link; a speaker who never had one gets one (caller commits)."""
    if speaker.portal_secret is None:
        speaker.portal_secret = secrets.token_urlsafe(32)
