"""Public programme pages: the day grid and list, one session, the speakers and one speaker."""

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.accounts.access import optional_user
from app.accounts.models import User
from app.caching import RenderedViews
from app.db import DbSession, utcnow
from app.events.access import PublicEvent, public_event
from app.events.models import Event
from app.i18n import _, current_locale
from app.materials.queries import materials_of_session, materials_of_speaker
from app.programme.access import PublicProgramme
from app.programme.models import SESSION_KIND_LABELS, Session, SessionKind
from app.programme.releases import PublishedProgramme, published_programme
from app.programme.views import (
    ProgrammeFilters,
    ProgrammeView,
    event_speakers,
    programme_day,
    session_detail,
    speaker_detail,
)
from app.speakers.models import Speaker
from app.timezones import all_timezones
from app.web import Db, not_found, render, render_block_html, run_with_db, wants_fragment
from app.web.conditional import (
    CompressedBody,
    accepts_gzip,
    compressed,
    http_date,
    is_not_modified,
    quoted,
    version_tag,
)
from app.web.csrf import csrf_token

router = APIRouter()

VIEWS = ("grid", "list")


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(all_timezones()) | {"UTC"}


@cache
def _timezone_options() -> list[tuple[str, str]]:
    return [(zone, zone.replace("_", " ")) for zone in [*all_timezones(), "UTC"]]


@dataclass(frozen=True)
class ProgrammeRequest:
    """The programme page's query string, read leniently: a bad value is a notice, not an error page."""

    day: date | None
    tz: str
    view: str
    filters: ProgrammeFilters
    notices: list[str]


def read_display_zone(event: Event, tz: str | None, notices: list[str]) -> str:
    if not tz or tz == event.timezone:
        return event.timezone
    if tz in _known_zones():
        return tz
    notices.append(
        _('"{zone}" is not a time zone we know; times are shown in the event\'s zone, {event_zone}.').format(
            zone=tz, event_zone=event.timezone
        )
    )
    return event.timezone


def read_programme_request(
    event: Event, day: str, tz: str, view: str, track: str, room: str, kind: str, q: str
) -> ProgrammeRequest:
    notices: list[str] = []
    zone = read_display_zone(event, tz, notices)
    chosen_day = None
    if day:
        try:
            chosen_day = date.fromisoformat(day)
        except ValueError:
            notices.append(_('"{day}" is not a date; showing the first day instead.').format(day=day))
    if view not in VIEWS:
        notices.append(_("That view does not exist; showing the grid."))
        view = "grid"
    track_id = _read_id(track, _("That track is not part of this event; showing all tracks."), notices)
    room_id = _read_id(room, _("That room is not part of this event; showing all rooms."), notices)
    chosen_kind = None
    if kind:
        try:
            chosen_kind = SessionKind(kind)
        except ValueError:
            notices.append(_("That kind of session does not exist; showing every kind."))
    filters = ProgrammeFilters(track_id=track_id, room_id=room_id, kind=chosen_kind, q=q.strip()[:200])
    return ProgrammeRequest(day=chosen_day, tz=zone, view=view, filters=filters, notices=notices)


def _read_id(value: str, message: str, notices: list[str]) -> int | None:
    if not value:
        return None
    if value.isdigit() and len(value) < 10:
        return int(value)
    notices.append(message)
    return None


@router.get("/events/{slug}/programme", response_class=HTMLResponse, include_in_schema=False)
async def programme_page(
    request: Request,
    slug: str,
    day: str = "",
    tz: str = "",
    view: str = "grid",
    track: str = "",
    room: str = "",
    kind: str = "",
    q: str = "",
) -> Response:
    """The busiest page of an event: found, checked and answered in one worker thread (no hop per step)."""

    def work(db: DbSession) -> Response:
        user = optional_user(request, db)
        event = public_event(slug, db, user)
        published = published_programme(db, event, request.app.state.programme_views)
        asked = read_programme_request(event, day, tz, view, track, room, kind, q)
        return _programme_response(request, event, published, asked, user)

    return await run_with_db(request, work)


def _programme_response(
    request: Request, event: Event, published: PublishedProgramme, asked: ProgrammeRequest, user: User | None
) -> Response:
    today = datetime.now(ZoneInfo(asked.tz)).date()
    key = (
        str(request.base_url),
        event.id,
        # The released version shown (or, before any release, the draft's change stamp).
        published.version_key,
        asked.day or today,
        asked.tz,
        asked.view,
        asked.filters,
        tuple(asked.notices),
        current_locale.get(),
        wants_fragment(request),
    )
    views: RenderedViews[Any] = request.app.state.programme_views

    def page() -> HTMLResponse:
        view_context = views.get_or_build(
            key, lambda: _programme_view(request, event, published, asked, today)
        )
        # Nothing on this page posts for a visitor who is not logged in: no CSRF token, one page for all.
        context = {**view_context, "shared_page": user is None}
        return render(request, PROGRAMME_TEMPLATE, context, blocks=["programme_grid"])

    if user is None:
        return _shared_page(request, ("programme-page", key), published, page)
    # A logged-in visitor's page has their menu and CSRF token: built for them, still answered with 304.
    tag = version_tag((key, user.id, csrf_token(request)))
    headers = {
        "ETag": quoted(tag),
        "Last-Modified": http_date(published.last_modified),
        "Cache-Control": "private, no-cache",
        "Vary": PAGE_VARY,
    }
    if is_not_modified(request, tag, published.last_modified):
        return Response(status_code=304, headers=headers)
    response = page()
    response.headers.update(headers)
    return response


def _shared_page(
    request: Request, key: Hashable, published: PublishedProgramme, page: Callable[[], HTMLResponse]
) -> Response:
    """The same page for every anonymous visitor: rendered and compressed once per version, then reused."""
    tag = version_tag(key)
    wants_gzip = accepts_gzip(request.headers.get("accept-encoding", ""))
    headers = {
        "Last-Modified": http_date(published.last_modified),
        # Browsers and shared caches may keep it, but must ask again: a new release changes it at once.
        "Cache-Control": "public, no-cache",
        "Vary": f"{PAGE_VARY}, Accept-Encoding",
    }
    if is_not_modified(request, tag, published.last_modified):
        return Response(status_code=304, headers={**headers, "ETag": quoted(tag, gzipped=wants_gzip)})
    views: RenderedViews[CompressedBody] = request.app.state.programme_views
    built = views.get_or_build(key, lambda: compressed(bytes(page().body)))
    if wants_gzip and built.gzipped is not None:
        headers |= {"ETag": quoted(tag, gzipped=True), "Content-Encoding": "gzip"}
        return Response(built.gzipped, media_type="text/html; charset=utf-8", headers=headers)
    headers["ETag"] = quoted(tag)
    return Response(built.body, media_type="text/html; charset=utf-8", headers=headers)


PAGE_VARY = "HX-Request, Cookie, Accept-Language"


# The day's grid is the costly part of the page (hundreds of cards): it is built once per programme
# change and kept in app.state.programme_views, while the page around it (user menu, CSRF token) is
# rendered for each request.
PROGRAMME_TEMPLATE = "programme/programme.html"


@dataclass(frozen=True)
class ProgrammeShell:
    """What the page around the grid needs of the programme, without the day's sessions."""

    day: date | None
    tz: str
    filters: ProgrammeFilters


def _programme_view(
    request: Request, event: Event, published: PublishedProgramme, asked: ProgrammeRequest, today: date
) -> dict[str, object]:
    programme = programme_day(published.data, event, asked.day, asked.filters, tz=asked.tz, today=today)
    context = _programme_context(request, event, programme, asked)
    context["release"] = published.release
    grid_html = render_block_html(request, PROGRAMME_TEMPLATE, "programme_grid", context)
    shell = ProgrammeShell(day=programme.day, tz=programme.tz, filters=programme.filters)
    return {**context, "programme": shell, "grid_html": grid_html}


def _programme_context(
    request: Request, event: Event, programme: ProgrammeView, asked: ProgrammeRequest
) -> dict[str, object]:
    page_url = str(request.url_for("programme_page", slug=event.slug))
    filters = asked.filters
    current = {
        "day": programme.day.isoformat() if programme.day else "",
        "view": asked.view,
        "track": filters.track_id or "",
        "room": filters.room_id or "",
        "kind": filters.kind.value if filters.kind else "",
        "q": filters.q,
        "tz": asked.tz if asked.tz != event.timezone else "",
    }

    def link(**changes: object) -> str:
        params = {key: value for key, value in {**current, **changes}.items() if value not in ("", None)}
        return f"{page_url}?{urlencode(params)}" if params else page_url

    return {
        "event": event,
        "programme": programme,
        "view": asked.view,
        "notices": asked.notices + programme.notices,
        "page_url": page_url,
        "day_urls": {tab.day: link(day=tab.day.isoformat()) for tab in programme.days},
        "view_urls": {name: link(view=name) for name in VIEWS},
        "clear_url": link(track="", room="", kind="", q=""),
        "event_zone_url": link(tz=""),
        **_session_links(request, event, asked.tz),
        "track_options": [(track.id, track.name) for track in programme.tracks],
        "room_options": [(room.id, room.name) for room in programme.rooms],
        "kind_options": [(kind.value, _(label)) for kind, label in SESSION_KIND_LABELS.items()],
        "timezone_options": _timezone_options(),
        "labels": _card_labels(),
    }


def _session_links(request: Request, event: Event, tz: str) -> dict[str, str]:
    # url_for walks every route; a page with hundreds of cards builds links from one prefix instead.
    prefix = _url_prefix(request, "session_page", slug=event.slug, session_id=0)
    suffix = f"?{urlencode({'tz': tz})}" if tz != event.timezone else ""
    return {"session_url_prefix": prefix, "session_url_suffix": suffix}


def _url_prefix(request: Request, name: str, **params: object) -> str:
    """The page's address with the trailing id 0 cut off, so templates append each record's id."""
    return str(request.url_for(name, **params)).removesuffix("0")


def _programme_link(request: Request, event: Event, day: date, tz: str) -> str:
    params = {"day": day.isoformat(), **({"tz": tz} if tz != event.timezone else {})}
    return f"{request.url_for('programme_page', slug=event.slug)}?{urlencode(params)}"


def _card_labels() -> dict[str, str]:
    return {"cancelled": _("Cancelled"), "remote": _("remote"), "with": _("With"), "streamed": _("Streamed")}


@router.get("/events/{slug}/sessions/{session_id}", response_class=HTMLResponse, include_in_schema=False)
def session_page(
    request: Request, db: Db, event: PublicEvent, published: PublicProgramme, session_id: int, tz: str = ""
) -> HTMLResponse:
    notices: list[str] = []
    zone = read_display_zone(event, tz, notices)
    detail = session_detail(published.data, event, session_id, tz=zone)
    if detail is None:
        raise not_found(_("This session is not part of the programme of {event}.").format(event=event.title))
    context = {
        "event": event,
        "detail": detail,
        "session": detail.session,
        "notices": notices,
        "programme_url": _programme_link(request, event, detail.session.day, zone),
        "speaker_url_prefix": _url_prefix(request, "speaker_page", slug=event.slug, speaker_id=0),
        "labels": _card_labels(),
        # A released session may since have been deleted from the draft: it has no materials then.
        "materials": materials_of_session(db, found, utcnow())
        if (found := db.get(Session, session_id))
        else [],
    }
    return render(request, "programme/session.html", context)


@router.get("/events/{slug}/speakers", response_class=HTMLResponse, include_in_schema=False)
def speakers_page(request: Request, event: PublicEvent, published: PublicProgramme) -> HTMLResponse:
    context = {
        "event": event,
        "speakers": event_speakers(published.data),
        "speaker_url_prefix": _url_prefix(request, "speaker_page", slug=event.slug, speaker_id=0),
    }
    return render(request, "programme/speakers.html", context)


@router.get("/events/{slug}/speakers/{speaker_id}", response_class=HTMLResponse, include_in_schema=False)
def speaker_page(
    request: Request, db: Db, event: PublicEvent, published: PublicProgramme, speaker_id: int, tz: str = ""
) -> HTMLResponse:
    notices: list[str] = []
    zone = read_display_zone(event, tz, notices)
    detail = speaker_detail(published.data, event, speaker_id, tz=zone)
    if detail is None:
        raise not_found(_("This speaker is not on the programme of {event}.").format(event=event.title))
    context = {
        "event": event,
        "detail": detail,
        "speaker": detail.speaker,
        "tz": zone,
        "notices": notices,
        **_session_links(request, event, zone),
        "labels": _card_labels(),
        "materials": materials_of_speaker(db, found, utcnow())
        if (found := db.get(Speaker, speaker_id))
        else [],
    }
    return render(request, "programme/speaker.html", context)
