"""Administrators' page of accounts: the list, invitations of organisers, deactivation."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from app.accounts import service as account_service
from app.accounts.access import CurrentUser
from app.accounts.models import User
from app.errors import DomainError
from app.i18n import _
from app.web import CurrentSite, Db, SubmittedForm, forbidden, not_found, redirect_after_post, render
from app.web.csrf import require_csrf
from app.web.forms import BoundForm

router = APIRouter(prefix="/admin/accounts", dependencies=[Depends(require_csrf)])


def admin_user(user: CurrentUser) -> User:
    if not user.is_admin:
        raise forbidden(_("Only administrators manage accounts."))
    return user


AdminUser = Annotated[User, Depends(admin_user)]


def _accounts_context(db: Db, **extra: Any) -> dict[str, Any]:
    return {"accounts": account_service.all_users(db), "invite_form": None, "invited": None, **extra}


@router.get("", response_class=HTMLResponse)
def accounts_page(request: Request, db: Db, admin: AdminUser) -> HTMLResponse:
    return render(request, "accounts/admin_accounts.html", _accounts_context(db))


@router.post("/invite", response_class=HTMLResponse)
def account_invite(
    request: Request, site: CurrentSite, db: Db, admin: AdminUser, data: SubmittedForm
) -> Response:
    email, name = str(data.get("email") or ""), str(data.get("name") or "")
    form: BoundForm[Any] = BoundForm(data={"email": email, "name": name})
    try:
        invited = account_service.invite_organiser(
            db, email, name, admin, links=account_service.AccountLinks.of(site)
        )
    except DomainError as error:
        form.add_error(error.field or "email", error.message)
        context = _accounts_context(db, invite_form=form)
        return render(
            request, "accounts/admin_accounts.html", context, blocks=["account_list"], status_code=422
        )
    context = _accounts_context(db, invited=invited)
    return render(request, "accounts/admin_accounts.html", context, blocks=["account_list"])


@router.post("/{user_id}/active", response_class=HTMLResponse)
def account_set_active(
    request: Request, db: Db, admin: AdminUser, user_id: int, data: SubmittedForm
) -> Response:
    account = db.get(User, user_id)
    if account is None:
        raise not_found(_("There is no such account."))
    account_service.set_active(db, account, data.get("active") == "true", by=admin)
    return redirect_after_post(request, str(request.url_for("accounts_page")))
