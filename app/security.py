"""Password hashing, signed tokens and the CSRF check."""

import secrets
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import HTTPException, Request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.i18n import _

_hasher = PasswordHasher()
CSRF_SESSION_KEY = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A hash to verify against when the email is unknown, so a login takes as long either way.
UNKNOWN_USER_HASH = _hasher.hash(secrets.token_urlsafe(16))


class TokenInvalid(Exception):
    pass


class TokenExpired(TokenInvalid):
    pass


def sign_token(secret_key: str, purpose: str, payload: Any) -> str:
    return URLSafeTimedSerializer(secret_key, salt=purpose).dumps(payload)


def read_token(secret_key: str, purpose: str, token: str, max_age_seconds: int) -> Any:
    try:
        return URLSafeTimedSerializer(secret_key, salt=purpose).loads(token, max_age=max_age_seconds)
    except SignatureExpired as error:
        raise TokenExpired(str(error)) from error
    except BadSignature as error:
        raise TokenInvalid(str(error)) from error


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
    sent = request.headers.get(CSRF_HEADER)
    if not sent:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    if not expected or not sent or not secrets.compare_digest(expected, sent):
        raise HTTPException(
            status_code=403, detail=_("This form has expired; reload the page and try again.")
        )
