"""What the middlewares that answer an event day's busiest requests before the page middlewares and the
router share (app.live.join_routes.JoinFastPath, app.audience.routes.VoteFastPath and StreamFastPath): the
route's own path pattern and clock, the visitor's signed session and language, read as the page middlewares
read them.

Such a middleware answers only the plain case, with the route's own service call; anything else (an
error page, a refusal that needs a page, a visitor without a session) goes on to the route.
"""

import inspect
import json
import re
from base64 import b64decode
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from itsdangerous import BadSignature, TimestampSigner
from starlette.types import Scope

from app.i18n import negotiate_locale
from app.web.clock import current_time

SESSION_COOKIE = "plenary_session"
SESSION_MAX_AGE_SECONDS = 14 * 24 * 3600
LANGUAGE_COOKIE = "lang"


def route_regex(routes: FastAPI, name: str) -> re.Pattern[str]:
    """The path pattern of the route called `name` (the one the router matches)."""
    for route in iter_route_contexts(routes.routes):
        if route.name == name:
            regex: re.Pattern[str] = route.path_regex
            return regex
    raise RuntimeError(f"no route named {name}")


async def request_time(routes: FastAPI) -> datetime:
    """The route's clock, moved by tests through dependency_overrides like the route's own."""
    clock = routes.dependency_overrides.get(current_time, current_time)
    moment = clock()
    now: datetime = await moment if inspect.isawaitable(moment) else moment
    return now


class SignedSession:
    """Reads the session cookie that Starlette's SessionMiddleware writes (signed JSON in base64), with
    the same key and age limit, without writing it back."""

    def __init__(self, secret_key: str) -> None:
        self.signer = TimestampSigner(secret_key)

    def read(self, cookies: Mapping[str, str]) -> dict[str, Any] | None:
        """The session's values; None without a cookie or with one this site did not sign lately."""
        cookie = cookies.get(SESSION_COOKIE)
        if not cookie:
            return None
        try:
            data = json.loads(b64decode(self.signer.unsign(cookie, max_age=SESSION_MAX_AGE_SECONDS)))
        except (BadSignature, ValueError):
            return None
        return data if isinstance(data, dict) else None


def request_language(scope: Scope) -> str:
    """The language of a request, as the page middleware picks it: the `lang` cookie, else the browser's
    Accept-Language."""
    headers = dict(scope.get("headers") or [])
    cookie = headers.get(b"cookie", b"").decode("latin-1")
    chosen = next(
        (part.split("=", 1)[1] for part in cookie.split("; ") if part.startswith(f"{LANGUAGE_COOKIE}=")),
        None,
    )
    return negotiate_locale(chosen or headers.get(b"accept-language", b"").decode("latin-1"))
