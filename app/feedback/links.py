"""A registered attendee's personal feedback link: one session, one registration, signed.

Built like the join link (app/registration/links.py): the token names the registration and the session,
signed with the site's key and a digest of the registration's secret, so a changed character, another
person's link or one sent before the registration's links were renewed opens nothing. It carries no
power over the registration itself: a forwarded feedback link lets its reader rate one session, never
change or cancel the registration (which the manage link would).
"""

from app.registration.links import MANAGE_TOKEN_MAX_AGE_SECONDS, SessionRevocableLink
from app.registration.models import Registration
from app.site import SiteUrls

FEEDBACK_LINK = SessionRevocableLink(purpose="session-feedback", id_key="r", label="feedback")
# Sent with the follow-up message, days or weeks after the event; a year is more than enough.
FEEDBACK_TOKEN_MAX_AGE_SECONDS = MANAGE_TOKEN_MAX_AGE_SECONDS


def feedback_token(secret_key: str, registration: Registration, session_id: int) -> str:
    assert registration.id is not None  # noqa: S101 - a saved registration has its id
    return FEEDBACK_LINK.sign_for_session(secret_key, registration.id, registration.secret, session_id)


def feedback_url(urls: SiteUrls, secret_key: str, registration: Registration, session_id: int) -> str:
    """The absolute address of the attendee's feedback page for one session, for emails."""
    return urls.url("feedback_link_page", token=feedback_token(secret_key, registration, session_id))


def feedback_path(urls: SiteUrls, secret_key: str, registration: Registration, session_id: int) -> str:
    return urls.path("feedback_link_page", token=feedback_token(secret_key, registration, session_id))
