"""Password hashing and signed tokens (the CSRF check, which needs the web stack, is in app/web/csrf.py)."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

_hasher = PasswordHasher()


def use_cheap_password_hashing() -> None:
    """For the test suite only: argon2 at its lowest cost, so that thousands of logins take no time.

    Production keeps argon2-cffi's defaults (64 MiB, 3 passes); hashes made either way verify either way,
    since a hash carries its own parameters.
    """
    global _hasher
    _hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


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


@dataclass(frozen=True)
class RevocableLink:
    """A signed link to one record (a registration, a speaker's portal) that a new secret revokes.

    The token carries the record's id and a digest of its secret, signed with the site's key: changing a
    character breaks the signature, one record's token never opens another, and renewing the record's
    secret kills every link sent before.
    """

    purpose: str
    # The payload's keys and the digest's label, as links already sent by email have them.
    id_key: str
    label: str

    def sign(self, secret_key: str, record_id: int, record_secret: str) -> str:
        return sign_token(
            secret_key, self.purpose, {self.id_key: record_id, "k": self._digest(record_secret)}
        )

    def read(self, secret_key: str, token: str, max_age_seconds: int) -> tuple[int, str]:
        """The record id and secret digest; TokenExpired or TokenInvalid when it cannot be trusted."""
        payload = read_token(secret_key, self.purpose, token, max_age_seconds)
        if (
            not isinstance(payload, dict)
            or not isinstance(payload.get(self.id_key), int)
            or not isinstance(payload.get("k"), str)
        ):
            raise TokenInvalid("a token of another shape")
        return payload[self.id_key], payload["k"]

    def matches(self, record_secret: str, digest: str) -> bool:
        return hmac.compare_digest(self._digest(record_secret), digest)

    def _digest(self, record_secret: str) -> str:
        return hashlib.sha256(f"{self.label}:{record_secret}".encode()).hexdigest()[:16]
