"""Password hashing and signed tokens (the CSRF check, which needs the web stack, is in app/csrf.py)."""

import secrets
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

_hasher = PasswordHasher()


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
