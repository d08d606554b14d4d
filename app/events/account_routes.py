"""The account page: who you are, your events with your role in each, your password and sessions.

It lives beside the events because it lists them; the account rules are in app/accounts/service.py.
"""

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from app.accounts import service as account_service
from app.accounts.access import CurrentUser, remember_login
from app.accounts.models import User
from app.accounts.throttle import LoginThrottle
from app.events.queries import events_of
from app.i18n import _
from app.web import Db, SubmittedForm, redirect_after_post, render
from app.web.csrf import require_csrf
from app.web.forms import BoundForm

router = APIRouter(dependencies=[Depends(require_csrf)])


def _account_context(db: Db, user: User, **extra: Any) -> dict[str, Any]:
    return {"account": user, "events": events_of(db, user), "password_form": None, "changed": False, **extra}


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, db: Db, user: CurrentUser, changed: bool = False) -> HTMLResponse:
    return render(request, "accounts/account.html", _account_context(db, user, changed=changed))


def _password_form(
    request: Request, db: Db, user: User, field: str, message: str, status: int
) -> HTMLResponse:
    form: BoundForm[Any] = BoundForm(data={})
    form.add_error(field, message)
    context = _account_context(db, user, password_form=form)
    return render(request, "accounts/account.html", context, blocks=["password_change"], status_code=status)


@router.post("/account/password", response_class=HTMLResponse)
def account_password_change(request: Request, db: Db, user: CurrentUser, data: SubmittedForm) -> Response:
    # Guessing the current password here counts like failed logins: a borrowed session is no oracle.
    throttle: LoginThrottle = request.app.state.login_throttle
    address = request.client.host if request.client else "unknown"
    refusal = throttle.refusal(user.email, address)
    if refusal is not None:
        message = _("Too many attempts; try again in {minutes} minutes.").format(minutes=refusal.minutes)
        return _password_form(request, db, user, "current_password", message, 429)
    try:
        account_service.change_password(
            db, user, str(data.get("current_password") or ""), str(data.get("password") or "")
        )
    except account_service.AccountError as error:
        if error.field == "current_password":
            throttle.failed(user.email, address)
        return _password_form(request, db, user, error.field or "password", error.message, 422)
    remember_login(request, user)  # this session goes on; every other one ends
    return redirect_after_post(request, str(request.url_for("account_page").include_query_params(changed=1)))


@router.post("/account/logout-everywhere")
def account_logout_everywhere(request: Request, db: Db, user: CurrentUser) -> Response:
    account_service.end_all_sessions(db, user)
    request.session.clear()
    return redirect_after_post(request, str(request.url_for("login_page")))
