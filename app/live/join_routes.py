"""An online attendee's personal join link: the waiting page before the session opens, then the stream.

The page and the redirect are personal (the address is the key): no cache keeps them, and no referrer
carries the link to the streaming site.
"""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from app.db import DbSession
from app.live import joins
from app.timezones import all_timezones
from app.web import current_site, render, run_with_db
from app.web.caches import caches_of
from app.web.clock import Now

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


@router.get("/join/{token}", name="session_join_page")
async def session_join_page(request: Request, now: Now, token: str, tz: str = "") -> Response:
    site = current_site(request)
    opens_minutes = site.settings.join_opens_minutes
    cache = caches_of(request.app).programme_data

    def work(db: DbSession) -> Response:
        try:
            outcome = joins.open_join_link(
                db, site.secret_key, token, now=now, opens_minutes=opens_minutes, zone=tz, cache=cache
            )
        except joins.JoinRefused as refused:
            context = {"refused": refused.message}
            return _private(render(request, JOIN_PAGE, context, status_code=refused.status_code))
        if isinstance(outcome, joins.JoinOpen):
            return _private(RedirectResponse(outcome.stream_url, status_code=303))
        return _private(render(request, JOIN_PAGE, _waiting_context(request, outcome, opens_minutes, token)))

    # One thread hop for the whole join, not one per dependency: a keynote's start brings thousands.
    return await run_with_db(request, work)
