"""The synchronizer token: kept in the signed session cookie, sent back as a header (htmx) or a form field."""

import secrets

from fastapi import HTTPException, Request

from app.i18n import _
from app.web.request_limits import read_form

CSRF_SESSION_KEY = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"


def csrf_token(request: Request) -> str:
    token = request.session.get(CSRF_SESSION_KEY)
    if not token:
        token = secrets.token_urlsafe(32)
        request.session[CSRF_SESSION_KEY] = token
    return token


async def require_csrf(request: Request) -> None:
    """Refuses unsafe requests without the session's token, sent as a header (htmx) or a form field."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    expected = request.session.get(CSRF_SESSION_KEY)
    if not expected:
        # No session, no token to match: refused before reading a byte of the body.
        raise _form_expired()
    sent = request.headers.get(CSRF_HEADER)
    if not sent:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await read_form(request)
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    if not sent or not secrets.compare_digest(expected, sent):
        raise _form_expired()


def _form_expired() -> HTTPException:
    return HTTPException(status_code=403, detail=_("This form has expired; reload the page and try again."))
