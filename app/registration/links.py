"""Links attendees get by email: the signed manage link, the personal calendar feed, the check-in URL,
and an online attendee's personal link to join each session.

The manage and join links are RevocableLinks (app/security.py): regenerating the registration's secret
(when its personal data is deleted, or the organiser renews its link) kills every link sent before.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from app.db import DbSession
from app.errors import DomainError
from app.events.models import Event
from app.i18n import _
from app.registration.checkin import checkin_code
from app.registration.invitations import invitation_token
from app.registration.models import Invitation, Registration
from app.security import RevocableLink, TokenExpired, TokenInvalid, read_token, sign_token
from app.site import Site, SiteUrls

MANAGE_PURPOSE = "registration-manage"
# Long enough to manage a registration made months ahead and to reach the recordings afterwards.
MANAGE_TOKEN_MAX_AGE_SECONDS = 400 * 24 * 3600


class ManageLinkRefused(DomainError):
    status_code = 403


class ManageLinkExpired(ManageLinkRefused):
    status_code = 410


MANAGE_LINK = RevocableLink(purpose=MANAGE_PURPOSE, id_key="r", label="manage")


def manage_token(secret_key: str, registration: Registration) -> str:
    assert registration.id is not None  # noqa: S101 - a saved registration has its id
    return MANAGE_LINK.sign(secret_key, registration.id, registration.secret)


def registration_for_manage_token(
    db: DbSession, secret_key: str, token: str, max_age_seconds: int = MANAGE_TOKEN_MAX_AGE_SECONDS
) -> Registration:
    """The registration the link opens; a link sent before its personal data was deleted opens nothing."""
    try:
        registration_id, digest = MANAGE_LINK.read(secret_key, token, max_age_seconds)
    except TokenExpired as error:
        raise ManageLinkExpired(
            _("This link has expired. Write to the organisers of the event to receive a new one.")
        ) from error
    except TokenInvalid as error:
        raise ManageLinkRefused(
            _("This link is not valid. Open the whole link from your confirmation email.")
        ) from error
    registration = db.get(Registration, registration_id)
    if registration is None or not MANAGE_LINK.matches(registration.secret, digest):
        raise ManageLinkRefused(
            _("This link no longer opens a registration: it was cancelled and its personal data deleted.")
        )
    return registration


JOIN_PURPOSE = "session-join"
# Join links travel in the emails and the calendar file sent at registration, months ahead.
JOIN_TOKEN_MAX_AGE_SECONDS = MANAGE_TOKEN_MAX_AGE_SECONDS


@dataclass(frozen=True)
class SessionRevocableLink(RevocableLink):
    """A RevocableLink that also names one session: the session's id is signed with the record's, so a
    link to one session never opens another, and a new secret still revokes them all."""

    def sign_for_session(self, secret_key: str, record_id: int, record_secret: str, session_id: int) -> str:
        payload = {self.id_key: record_id, "s": session_id, "k": self._digest(record_secret)}
        return sign_token(secret_key, self.purpose, payload)

    def read_for_session(self, secret_key: str, token: str, max_age_seconds: int) -> tuple[int, int, str]:
        """The record id, session id and secret digest; TokenExpired or TokenInvalid when it cannot be
        trusted."""
        payload = read_token(secret_key, self.purpose, token, max_age_seconds)
        if (
            not isinstance(payload, dict)
            or not isinstance(payload.get(self.id_key), int)
            or not isinstance(payload.get("s"), int)
            or not isinstance(payload.get("k"), str)
        ):
            raise TokenInvalid("a token of another shape")
        return payload[self.id_key], payload["s"], payload["k"]


JOIN_LINK = SessionRevocableLink(purpose=JOIN_PURPOSE, id_key="r", label="join")


def join_token(secret_key: str, registration: Registration, session_id: int) -> str:
    assert registration.id is not None  # noqa: S101 - a saved registration has its id
    return JOIN_LINK.sign_for_session(secret_key, registration.id, registration.secret, session_id)


# Builds an attendee's own calendar (.ics), given by the app: the exports that render it stand above
# registration.
AttendeeCalendar = Callable[[DbSession, Event, Registration], bytes]


@dataclass(frozen=True)
class Links:
    """Absolute URLs for emails and QR codes, from the site's base URL and secret key; and the attendee's
    calendar file that emails attach, when the app provides it."""

    urls: SiteUrls
    secret_key: str
    attendee_calendar: AttendeeCalendar | None = field(default=None, compare=False)

    @classmethod
    def of(cls, site: Site) -> "Links":
        return cls(site.urls, site.secret_key, site.attendee_calendar)

    def manage_path(self, registration: Registration) -> str:
        return self.urls.path("registration_manage_page", token=manage_token(self.secret_key, registration))

    def manage_url(self, registration: Registration) -> str:
        return self.urls.url("registration_manage_page", token=manage_token(self.secret_key, registration))

    def join_url(self, registration: Registration, session_id: int) -> str:
        """An online attendee's own link to one session (app/live/joins.py): never the stream's address."""
        return self.urls.url("session_join_page", token=join_token(self.secret_key, registration, session_id))

    def questions_url(self, slug: str, registration: Registration, session_id: int) -> str:
        """A session's question page as this online attendee's own: their questions and votes count as
        theirs, from online (the join link in the address says who they are)."""
        token = join_token(self.secret_key, registration, session_id)
        return self.urls.url("audience_questions_page", {"join": token}, slug=slug, session_id=session_id)

    def calendar_url(self, registration: Registration) -> str:
        return self.urls.url("registration_calendar", calendar_secret=registration.calendar_secret)

    def checkin_path(self, event: Event, registration: Registration) -> str:
        return self.urls.path(
            "checkin_ticket_page",
            {"code": checkin_code(registration)},
            slug=event.slug,
            registration_id=registration.id,
        )

    def checkin_url(self, event: Event, registration: Registration) -> str:
        """What the ticket's QR code holds: the door staff's check-in page for this ticket."""
        return self.urls.base_url.rstrip("/") + self.checkin_path(event, registration)

    def invitation_url(self, event: Event, invitation: Invitation) -> str:
        token = invitation_token(self.secret_key, invitation)
        return self.urls.url("registration_page", {"invitation": token}, slug=event.slug)
