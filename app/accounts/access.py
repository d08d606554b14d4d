"""Who is asking: the logged-in user of a request, as FastAPI dependencies.

`OptionalUser` is None for visitors; `CurrentUser` sends visitors to the login page (LoginRequired, answered
in app.main) and comes back to the page they asked for afterwards.
"""

from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from app.accounts.models import User
from app.web import Db


class LoginRequired(Exception):
    """Raised by dependencies; main.py answers with a redirect to the login page."""

    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


def remember_login(request: Request, user: User) -> None:
    """Keeps the user logged in with this cookie, until their session generation moves on."""
    request.session["user_id"] = user.id
    request.session["generation"] = user.session_generation


def optional_user(request: Request, db: Db) -> User | None:
    user_id = request.session.get("user_id")
    if user_id is None:
        return None
    user = db.get(User, user_id)
    # A cookie from before a logout, a password change or a reset carries an older generation: a copy
    # of it opens nothing.
    if user is None or not user.is_active or request.session.get("generation") != user.session_generation:
        request.session.pop("user_id", None)
        request.session.pop("generation", None)
        return None
    request.state.user = user
    return user


async def _optional_user(request: Request, db: Db) -> User | None:
    # Async, so that a visitor (no user in the cookie) costs no hop to a worker thread; only reading a
    # signed-in user from the database takes one.
    if request.session.get("user_id") is None:
        return None
    return await run_in_threadpool(optional_user, request, db)


async def current_user(request: Request, user: Annotated[User | None, Depends(_optional_user)]) -> User:
    if user is None:
        raise LoginRequired(str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""))
    return user


OptionalUser = Annotated[User | None, Depends(_optional_user)]
CurrentUser = Annotated[User, Depends(current_user)]
