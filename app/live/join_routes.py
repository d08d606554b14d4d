"""An online attendee's personal join link: the waiting page before the session opens, then the stream.

The page and the redirect are personal (the address is the key): no cache keeps them, and no referrer
carries the link to the streaming site.
"""

from datetime import datetime
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from app.db import DbSession
from app.live import joins
from app.timezones import all_timezones
from app.web import current_site, render, run_with_db
from app.web.caches import caches_of
from app.web.clock import Now
from app.web.fast_paths import request_time, route_regex

router = APIRouter()

JOIN_PAGE = "live/join.html"


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _waiting_context(
    request: Request, waiting: joins.JoinWaiting, opens_minutes: int, token: str
) -> dict[str, Any]:
    session_id = waiting.target.session.id
    questions = request.url_for(
        "audience_questions_page", slug=waiting.target.event.slug, session_id=session_id
    )
    return {
        "waiting": waiting,
        # The same link opens the session's questions as this attendee's, from online.
        "questions_url": str(questions.include_query_params(join=token)),
        "event": waiting.target.event,
        "session": waiting.target.session,
        "room": waiting.target.room,
        "opens_minutes": opens_minutes,
        "zones": [(zone, zone.replace("_", " ")) for zone in [*all_timezones(), "UTC"]],
    }


def _open_link(
    request: Request, db: DbSession, token: str, now: datetime, tz: str = ""
) -> joins.JoinWaiting | joins.JoinOpen:
    site = current_site(request)
    return joins.open_join_link(
        db,
        site.secret_key,
        token,
        now=now,
        opens_minutes=site.settings.join_opens_minutes,
        zone=tz,
        cache=caches_of(request.app).programme_data,
    )


def _to_stream(outcome: joins.JoinOpen) -> Response:
    return _private(RedirectResponse(outcome.stream_url, status_code=303))


@router.get("/join/{token}", name="session_join_page")
async def session_join_page(request: Request, now: Now, token: str, tz: str = "") -> Response:
    def work(db: DbSession) -> Response:
        try:
            outcome = _open_link(request, db, token, now, tz)
        except joins.JoinRefused as refused:
            context = {"refused": refused.message}
            return _private(render(request, JOIN_PAGE, context, status_code=refused.status_code))
        if isinstance(outcome, joins.JoinOpen):
            return _to_stream(outcome)
        opens_minutes = current_site(request).settings.join_opens_minutes
        return _private(render(request, JOIN_PAGE, _waiting_context(request, outcome, opens_minutes, token)))

    # One thread hop for the whole join, not one per dependency: a keynote's start brings thousands.
    return await run_with_db(request, work)


class JoinFastPath:
    """Answers a join link that opens the stream before the page middlewares and the router.

    At a keynote's start thousands of attendees open their link within a minute, and the redirect needs
    none of what a page does (session cookie, language, form limits, some 150 routes tried in turn): that
    was two thirds of a join's time. Whatever else a link opens (the waiting page, a refusal, an error)
    is left to `session_join_page`, which renders it like any page. Sits inside SecurityHeaders, so the
    redirect has the headers of every answer.
    """

    def __init__(self, app: ASGIApp, *, routes: FastAPI) -> None:
        self.app = app
        self.routes = routes
        self.path = route_regex(routes, "session_join_page")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = self.path.match(scope["path"]) if scope["type"] == "http" else None
        if found is None or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        token = found["token"]
        now = await request_time(self.routes)

        def work(db: DbSession) -> joins.JoinWaiting | joins.JoinOpen | None:
            try:
                return _open_link(request, db, token, now)
            except joins.JoinRefused:
                return None

        try:
            outcome = await run_with_db(request, work)
        except Exception:  # noqa: BLE001 - the route below answers (and logs) it like any other page
            outcome = None
        if isinstance(outcome, joins.JoinOpen):
            await _to_stream(outcome)(scope, receive, send)
            return
        await self.app(scope, receive, send)
