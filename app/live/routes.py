"""The event day's public pages: now and next in every room, the banner on the event and programme pages,
a full-screen page per room for the screen at its door, and the list of those screens for the AV team.

Each page works without JavaScript; with it, htmx asks for the changing block again every 30 s (15 s on a
room screen), and keeps asking after an error, so a screen recovers by itself when the server was away.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.accounts.access import optional_user
from app.db import DbSession
from app.events.access import PublicEvent, public_event
from app.events.models import Event
from app.i18n import _
from app.live.caching import LiveLookup, not_modified, page_key, remember_lookup
from app.live.now import NowAndNext, Phase, now_and_next
from app.live.running_late import AdjustedProgramme, adjusted_programme, adjustments_of
from app.programme.access import PublicProgramme
from app.programme.models import SessionKind
from app.programme.releases import published_programme
from app.programme.snapshot import ProgrammeData
from app.timezones import all_timezones
from app.web import not_found, render, run_with_db
from app.web.caches import caches_of
from app.web.clock import Now
from app.web.conditional import public_page_response
from app.web.qr import qr_svg

router = APIRouter()

NOW_PAGE = "live/now.html"
BANNER = "live/_banner.html"
SCREEN_PAGE = "live/screen.html"
SCREENS_PAGE = "live/screens.html"
SESSION_NOTICE = "live/_session_notice.html"


def _session_url_prefix(request: Request, event: Event) -> str:
    return str(request.url_for("session_page", slug=event.slug, session_id="0")).removesuffix("0")


def _now_context(request: Request, event: Event, board: NowAndNext, notices: list[str]) -> dict[str, Any]:
    session_prefix = _session_url_prefix(request, event)
    return {
        "event": event,
        "board": board,
        "phase": Phase,
        "notices": notices,
        "session_url_prefix": session_prefix,
        "zone_query": f"?tz={board.zone}" if board.zone != event.timezone else "",
        "timezone_options": [(zone, zone.replace("_", " ")) for zone in [*all_timezones(), "UTC"]],
    }


@dataclass(frozen=True)
class PageParts:
    """What a live page adds to the board: its template, its htmx block, and its own values."""

    template: str
    blocks: list[str] = field(default_factory=list)
    context: Callable[[], dict[str, Any]] = dict


async def _live_answer(
    request: Request,
    slug: str,
    now: datetime,
    page: str,
    tz: str,
    build: Callable[[Event, NowAndNext, AdjustedProgramme], PageParts],
    check: Callable[[Event, ProgrammeData], None] | None = None,
) -> Response:
    """A live page: the 304 straight away when the visitor holds it, else the work in a database thread
    (the event and its programme looked up and `check`ed, then the minute's page, built once: the board is
    worked out only then)."""
    answered = not_modified(request, slug, page, tz, now)
    if answered is not None:
        return answered

    def work(db: DbSession) -> Response:
        user = optional_user(request, db)
        event = public_event(slug, db, user)
        published = published_programme(db, event, caches_of(request.app).programme_data)
        lookup = LiveLookup(event, published, adjustments_of(db, event))
        if user is None:
            remember_lookup(request, slug, lookup)
        key, notices, zone, minute = page_key(request, lookup, page, tz, now)
        if check is not None:
            check(event, published.data)

        def body() -> bytes:
            adjusted = adjusted_programme(published.data, lookup.adjustments, event, minute)
            board = now_and_next(
                adjusted.data,
                event,
                minute,
                zone,
                scheduled=adjusted.scheduled,
                room_delays=adjusted.room_delays,
            )
            parts = build(event, board, adjusted)
            context = {
                **_now_context(request, event, board, notices),
                **parts.context(),
                "shared_page": user is None,
            }
            return bytes(render(request, parts.template, context, blocks=parts.blocks).body)

        return public_page_response(request, key, body, user, caches_of(request.app).live_pages)

    return await run_with_db(request, work)


@router.get("/events/{slug}/now", response_class=HTMLResponse)
async def now_page(request: Request, slug: str, now: Now, tz: str = "") -> Response:
    """What is on in each room and what comes next, in the viewer's time zone (`?tz=`)."""
    return await _live_answer(
        request, slug, now, "now", tz, lambda event, board, adjusted: PageParts(NOW_PAGE, ["now_board"])
    )


@router.get("/events/{slug}/now/banner", response_class=HTMLResponse)
async def now_banner(request: Request, slug: str, now: Now, tz: str = "") -> Response:
    """The line the event and programme pages show during the event's days (empty on other days)."""
    return await _live_answer(
        request, slug, now, "banner", tz, lambda event, board, adjusted: PageParts(BANNER)
    )


@router.get("/events/{slug}/rooms/{room_id}/screen", response_class=HTMLResponse)
async def room_screen(request: Request, slug: str, room_id: int, now: Now) -> Response:
    """Full screen, for the screen at the room's door or behind the stage: now, next, the rest of the
    day and a QR code to the session on now, in large type, in the event's time zone."""

    def room_exists(event: Event, data: ProgrammeData) -> None:
        if room_id not in data.index.rooms:
            raise not_found(_("This room is not part of the programme of {event}.").format(event=event.title))

    def screen(event: Event, board: NowAndNext, adjusted: AdjustedProgramme) -> PageParts:
        line = board.room(room_id)
        assert line is not None  # noqa: S101 - room_exists checked it

        def context() -> dict[str, Any]:
            # Drawn only when the minute's page is built: the QR code of the question page of the session on
            # now, or of the next session's page.
            prefix = _session_url_prefix(request, event)
            if line.current is not None and line.current.session.kind != SessionKind.break_:
                url, caption = f"{prefix}{line.current.session.id}/questions", _("Ask a question")
            elif (shown := line.next or line.current) is not None:
                url, caption = f"{prefix}{shown.session.id}", _("Details and slides")
            else:
                url, caption = "", ""
            return {"line": line, "qr_code": qr_svg(url) if url else "", "qr_caption": caption}

        return PageParts(SCREEN_PAGE, ["screen_board"], context)

    return await _live_answer(request, slug, now, f"screen:{room_id}", "", screen, room_exists)


@router.get("/events/{slug}/sessions/{session_id}/live", response_class=HTMLResponse)
async def session_live_notice(
    request: Request, slug: str, session_id: int, now: Now, tz: str = ""
) -> Response:
    """The session page's line when its room runs late: the expected times, the scheduled ones struck
    through (empty when the session keeps its time). The session page stays cached per version."""

    def notice(event: Event, board: NowAndNext, adjusted: AdjustedProgramme) -> PageParts:
        session = adjusted.data.index.sessions.get(session_id)
        scheduled = adjusted.scheduled.get(session_id)
        return PageParts(SESSION_NOTICE, context=lambda: {"session": session, "scheduled": scheduled})

    return await _live_answer(request, slug, now, f"session:{session_id}", tz, notice)


@router.get("/events/{slug}/screens", response_class=HTMLResponse)
def room_screens(request: Request, event: PublicEvent, published: PublicProgramme, now: Now) -> HTMLResponse:
    """Every room's screen address, for the AV team setting up the screens."""
    board = now_and_next(published.data, event, now)
    return render(request, SCREENS_PAGE, _now_context(request, event, board, []))
