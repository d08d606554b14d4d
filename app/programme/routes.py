"""Public programme pages: the day grid and list, one session, the speakers and one speaker."""

from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.accounts.access import optional_user
from app.accounts.models import User
from app.db import DbSession, utcnow
from app.events.access import public_event
from app.events.models import Event
from app.i18n import _, current_locale
from app.materials.queries import MaterialItem, materials_of_session, materials_of_speaker
from app.programme.models import SESSION_KIND_LABELS, Session, SessionKind
from app.programme.releases import PublishedProgramme, published_programme
from app.programme.views import (
    ProgrammeFilters,
    ProgrammeView,
    event_speakers,
    programme_day,
    read_display_zone,
    session_detail,
    speaker_detail,
)
from app.speakers.models import Speaker
from app.timezones import all_timezones
from app.web import not_found, render, render_block_html, run_with_db, wants_fragment
from app.web.caches import ProgrammePageKey, SessionPageKey, SpeakerPageKey, SpeakersPageKey, caches_of
from app.web.conditional import public_page_response
from app.web.qr import qr_svg

router = APIRouter()

VIEWS = ("grid", "list")
# Link checkers and crawlers ask HEAD before GET.
PAGE_METHODS = ["GET", "HEAD"]


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


@router.api_route(
    "/events/{slug}/programme", methods=PAGE_METHODS, response_class=HTMLResponse, include_in_schema=False
)
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
        published = published_programme(db, event, caches_of(request.app).programme_data)
        asked = read_programme_request(event, day, tz, view, track, room, kind, q)
        return _programme_response(request, event, published, asked, user)

    return await run_with_db(request, work)


def _programme_response(
    request: Request, event: Event, published: PublishedProgramme, asked: ProgrammeRequest, user: User | None
) -> Response:
    today = datetime.now(ZoneInfo(asked.tz)).date()
    key = ProgrammePageKey(
        base_url=str(request.base_url),
        event_id=event.id or 0,
        version=published.version_key,
        day=asked.day or today,
        tz=asked.tz,
        view=asked.view,
        filters=asked.filters,
        notices=tuple(asked.notices),
        locale=current_locale.get(),
        fragment=wants_fragment(request),
    )
    caches = caches_of(request.app)

    def page() -> bytes:
        view_context = caches.programme_grids.get_or_build(
            key, lambda: _programme_view(request, event, published, asked, today)
        )
        context = {**view_context, "shared_page": user is None}
        return bytes(render(request, PROGRAMME_TEMPLATE, context, blocks=["programme_grid"]).body)

    return public_page_response(
        request, key, page, user, caches.programme_pages, last_modified=published.last_modified
    )


# The day's grid is the costly part of the page (hundreds of cards): it is built once per programme
# change and kept in Caches.programme_grids, while the page around it (user menu, CSRF token) is
# rendered for each logged-in visitor.
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


# The session and speaker pages are served like the programme page: rendered once per version for
# anonymous visitors, and 304 between versions. Their version is the released programme's (which
# includes the speakers' live profiles), the viewer's zone and language, and the published materials,
# which change without a release (and appear when a session ends, for those public after it).


@router.api_route(
    "/events/{slug}/sessions/{session_id}",
    methods=PAGE_METHODS,
    response_class=HTMLResponse,
    include_in_schema=False,
)
async def session_page(request: Request, slug: str, session_id: int, tz: str = "") -> Response:
    def work(db: DbSession) -> Response:
        user = optional_user(request, db)
        event = public_event(slug, db, user)
        caches = caches_of(request.app)
        published = published_programme(db, event, caches.programme_data)
        notices: list[str] = []
        zone = read_display_zone(event, tz, notices)
        # A released session may since have been deleted from the draft: it has no materials then.
        found = db.get(Session, session_id)
        materials = materials_of_session(db, found, utcnow()) if found else []
        key = SessionPageKey(
            base_url=str(request.base_url),
            version=published.version_key,
            session_id=session_id,
            tz=zone,
            notices=tuple(notices),
            locale=current_locale.get(),
            materials=materials_stamp(materials),
        )

        def page() -> bytes:
            detail = session_detail(published.data, event, session_id, tz=zone)
            if detail is None:
                message = _("This session is not part of the programme of {event}.")
                raise not_found(message.format(event=event.title))
            questions_url = str(
                request.url_for("audience_questions_page", slug=event.slug, session_id=session_id)
            )
            context = {
                "event": event,
                "detail": detail,
                "session": detail.session,
                "notices": notices,
                "programme_url": _programme_link(request, event, detail.session.day, zone),
                "speaker_url_prefix": _url_prefix(request, "speaker_page", slug=event.slug, speaker_id=0),
                "labels": _card_labels(),
                "materials": materials,
                "shared_page": user is None,
                "questions_url": questions_url,
                "questions_qr": qr_svg(questions_url),
            }
            return bytes(render(request, "programme/session.html", context).body)

        return public_page_response(request, key, page, user, caches.detail_pages)

    return await run_with_db(request, work)


@router.api_route(
    "/events/{slug}/speakers", methods=PAGE_METHODS, response_class=HTMLResponse, include_in_schema=False
)
async def speakers_page(request: Request, slug: str) -> Response:
    def work(db: DbSession) -> Response:
        user = optional_user(request, db)
        event = public_event(slug, db, user)
        caches = caches_of(request.app)
        published = published_programme(db, event, caches.programme_data)
        key = SpeakersPageKey(str(request.base_url), published.version_key, current_locale.get())

        def page() -> bytes:
            context = {
                "event": event,
                "speakers": event_speakers(published.data),
                "speaker_url_prefix": _url_prefix(request, "speaker_page", slug=event.slug, speaker_id=0),
                "shared_page": user is None,
            }
            return bytes(render(request, "programme/speakers.html", context).body)

        return public_page_response(request, key, page, user, caches.detail_pages)

    return await run_with_db(request, work)


@router.api_route(
    "/events/{slug}/speakers/{speaker_id}",
    methods=PAGE_METHODS,
    response_class=HTMLResponse,
    include_in_schema=False,
)
async def speaker_page(request: Request, slug: str, speaker_id: int, tz: str = "") -> Response:
    def work(db: DbSession) -> Response:
        user = optional_user(request, db)
        event = public_event(slug, db, user)
        caches = caches_of(request.app)
        published = published_programme(db, event, caches.programme_data)
        notices: list[str] = []
        zone = read_display_zone(event, tz, notices)
        found = db.get(Speaker, speaker_id)
        materials = materials_of_speaker(db, found, utcnow(), published) if found else []
        key = SpeakerPageKey(
            base_url=str(request.base_url),
            version=published.version_key,
            speaker_id=speaker_id,
            tz=zone,
            notices=tuple(notices),
            locale=current_locale.get(),
            materials=materials_stamp(materials),
        )

        def page() -> bytes:
            detail = speaker_detail(published.data, event, speaker_id, tz=zone)
            if detail is None:
                message = _("This speaker is not on the programme of {event}.")
                raise not_found(message.format(event=event.title))
            context = {
                "event": event,
                "detail": detail,
                "speaker": detail.speaker,
                "tz": zone,
                "notices": notices,
                **_session_links(request, event, zone),
                "labels": _card_labels(),
                "materials": materials,
                "shared_page": user is None,
            }
            return bytes(render(request, "programme/speaker.html", context).body)

        return public_page_response(request, key, page, user, caches.detail_pages)

    return await run_with_db(request, work)


def materials_stamp(materials: list[MaterialItem]) -> tuple[Hashable, ...]:
    """Everything the materials list shows, to put in a page's cache key: a new file, a title changed, a
    material published, hidden or deleted, or one that became public when its session ended, all change it.
    """
    return tuple(
        (
            item.material.id,
            item.material.kind,
            item.material.title,
            item.material.url,
            item.latest.id if item.latest else None,
            item.session.id,
            item.session.title,
            item.speaker.name if item.speaker else None,
        )
        for item in materials
    )
