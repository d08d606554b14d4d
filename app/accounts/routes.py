"""Logging in and out, invitations to set a password, and password resets by email."""

import asyncio
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from app.accounts import service as account_service
from app.accounts.access import OptionalUser, remember_login
from app.accounts.models import User
from app.accounts.throttle import LoginThrottle
from app.i18n import _
from app.web import CurrentSite, Db, SubmittedForm, redirect_after_post, render, run_with_db
from app.web.csrf import require_csrf
from app.web.forms import BoundForm

router = APIRouter(dependencies=[Depends(require_csrf)])

# Each argon2 check takes 64 MiB and tens of milliseconds of a core: a burst of logins must queue for a
# few at a time instead of taking the server's memory.
HASHING_AT_ONCE = 3
HASHING_WAIT_SECONDS = 5.0


def _safe_next(url: str | None) -> str:
    # Only paths on this site: an absolute or protocol-relative URL would make an open redirect.
    if not url or not url.startswith("/") or url.startswith("//") or "\\" in url:
        return "/manage"
    return url


def _hashing_slots(request: Request) -> asyncio.Semaphore:
    slots: asyncio.Semaphore | None = getattr(request.app.state, "hashing_slots", None)
    if slots is None:
        # Made on the serving loop, like the database slots (app/web/__init__.py).
        slots = request.app.state.hashing_slots = asyncio.Semaphore(HASHING_AT_ONCE)
    return slots


async def _password_matches(request: Request, user: User | None, password: str) -> bool | None:
    """The check, once one of the few hashing slots is free; None when none freed up in time."""
    slots = _hashing_slots(request)
    try:
        await asyncio.wait_for(slots.acquire(), HASHING_WAIT_SECONDS)
    except TimeoutError:
        return None
    try:
        return await run_in_threadpool(account_service.password_matches, user, password)
    finally:
        slots.release()


def _login_form(request: Request, email: str, next_url: str, error: str, status_code: int) -> HTMLResponse:
    context = {"form": BoundForm(data={"email": email}), "error": error, "next_url": next_url}
    return render(request, "accounts/login.html", context, blocks=["login_form"], status_code=status_code)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> HTMLResponse:  # noqa: A002 - the query name
    return render(request, "accounts/login.html", {"form": None, "error": None, "next_url": _safe_next(next)})


@router.post("/login", response_class=HTMLResponse)
async def login_submit(request: Request, data: SubmittedForm) -> Response:
    # An async route: the account is loaded with a database slot that is let go before the password is
    # hashed, so slow hashes never hold a pool connection while every other page waits for one.
    email = account_service.normalise_email(str(data.get("email") or ""))
    password = str(data.get("password") or "")
    next_url = _safe_next(str(data.get("next") or ""))
    throttle: LoginThrottle = request.app.state.login_throttle
    address = request.client.host if request.client else "unknown"
    refusal = await run_in_threadpool(throttle.refusal, email, address)
    if refusal is not None:
        message = _("Too many attempts to log in; try again in {minutes} minutes.").format(
            minutes=refusal.minutes
        )
        response = _login_form(request, email, next_url, message, 429)
        response.headers["Retry-After"] = str(refusal.retry_after_seconds)
        return response
    user = await run_with_db(request, lambda db: account_service.login_candidate(db, email))
    matches = await _password_matches(request, user, password)
    if matches is None:
        message = _("Too many people are logging in right now; try again in a moment.")
        response = _login_form(request, email, next_url, message, 503)
        response.headers["Retry-After"] = "5"
        return response
    if not matches or user is None:
        await run_in_threadpool(throttle.failed, email, address)
        return _login_form(request, email, next_url, _("The email or password is not right."), 422)
    await run_in_threadpool(throttle.succeeded, email)
    request.session.clear()  # a new session on login, against session fixation
    remember_login(request, user)
    return redirect_after_post(request, next_url)


@router.post("/logout")
def logout(request: Request, db: Db, user: OptionalUser) -> Response:
    if user is not None:
        account_service.end_all_sessions(db, user)
    request.session.clear()
    return redirect_after_post(request, "/")


@router.get("/password-reset", response_class=HTMLResponse)
def password_reset_page(request: Request) -> HTMLResponse:
    return render(request, "accounts/password_reset.html", {"form": None, "sent": False})


@router.post("/password-reset", response_class=HTMLResponse)
def password_reset_request(request: Request, site: CurrentSite, db: Db, data: SubmittedForm) -> Response:
    email = str(data.get("email") or "")
    form: BoundForm[Any] = BoundForm(data={"email": email})
    # Each request sends an email: it counts like a failed login, so nobody floods an inbox from here.
    throttle: LoginThrottle = request.app.state.login_throttle
    key, address = (
        account_service.normalise_email(email),
        request.client.host if request.client else "unknown",
    )
    refusal = throttle.refusal(key, address)
    if refusal is not None:
        form.add_error(
            "email", _("Too many attempts; try again in {minutes} minutes.").format(minutes=refusal.minutes)
        )
        context = {"form": form, "sent": False}
        return render(
            request, "accounts/password_reset.html", context, blocks=["reset_form"], status_code=429
        )
    throttle.failed(key, address)
    account_service.request_password_reset(db, email, links=account_service.AccountLinks.of(site))
    context = {"form": form, "sent": True}
    return render(request, "accounts/password_reset.html", context, blocks=["reset_form"])


def _set_password_page(
    request: Request, user: User, *, form: BoundForm | None = None, status_code: int = 200
) -> HTMLResponse:
    # The form posts back to the link it came from (invitation or reset), token included.
    action = str(request.url.path)
    context = {"account": user, "action": action, "form": form, "welcome": not user.has_password}
    return render(
        request, "accounts/set_password.html", context, blocks=["set_password_form"], status_code=status_code
    )


def _set_password(request: Request, db: Db, user: User, data: SubmittedForm) -> Response:
    password = str(data.get("password") or "")
    form: BoundForm[Any] = BoundForm(data={})
    try:
        account_service.set_password_by_link(db, user, password, str(data.get("confirmation") or ""))
    except account_service.AccountError as error:
        form.add_error(error.field or "password", error.message)
        return _set_password_page(request, user, form=form, status_code=422)
    request.session.clear()
    remember_login(request, user)
    return redirect_after_post(request, str(request.url_for("account_page")))


@router.get("/account/welcome/{token}", response_class=HTMLResponse)
def invitation_page(request: Request, site: CurrentSite, db: Db, token: str) -> HTMLResponse:
    user = account_service.invited_user(db, site.secret_key, token)
    return _set_password_page(request, user)


@router.post("/account/welcome/{token}", response_class=HTMLResponse)
def invitation_accept(
    request: Request, site: CurrentSite, db: Db, token: str, data: SubmittedForm
) -> Response:
    user = account_service.invited_user(db, site.secret_key, token)
    return _set_password(request, db, user, data)


@router.get("/password-reset/{token}", response_class=HTMLResponse)
def password_reset_link_page(request: Request, site: CurrentSite, db: Db, token: str) -> HTMLResponse:
    user = account_service.reset_user(db, site.secret_key, token)
    return _set_password_page(request, user)


@router.post("/password-reset/{token}", response_class=HTMLResponse)
def password_reset_set(
    request: Request, site: CurrentSite, db: Db, token: str, data: SubmittedForm
) -> Response:
    user = account_service.reset_user(db, site.secret_key, token)
    return _set_password(request, db, user, data)
