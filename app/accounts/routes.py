from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from app.accounts import service as account_service
from app.csrf import require_csrf
from app.forms import BoundForm
from app.i18n import _
from app.web import Db, SubmittedForm, redirect_after_post, render

router = APIRouter(dependencies=[Depends(require_csrf)])


def _safe_next(url: str | None) -> str:
    # Only paths on this site: an absolute or protocol-relative URL would make an open redirect.
    if not url or not url.startswith("/") or url.startswith("//") or "\\" in url:
        return "/manage"
    return url


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> HTMLResponse:  # noqa: A002 - the query name
    return render(request, "accounts/login.html", {"form": None, "error": None, "next_url": _safe_next(next)})


@router.post("/login", response_class=HTMLResponse)
def login_submit(request: Request, db: Db, data: SubmittedForm) -> Response:
    email = str(data.get("email") or "")
    user = account_service.authenticate(db, email, str(data.get("password") or ""))
    next_url = _safe_next(str(data.get("next") or ""))
    if user is None:
        context = {
            "form": BoundForm(data={"email": email}),
            "error": _("The email or password is not right."),
            "next_url": next_url,
        }
        return render(request, "accounts/login.html", context, blocks=["login_form"], status_code=422)
    request.session.clear()  # a new session id on login, against session fixation
    request.session["user_id"] = user.id
    return redirect_after_post(request, next_url)


@router.post("/logout")
def logout(request: Request) -> Response:
    request.session.clear()
    return redirect_after_post(request, "/")
