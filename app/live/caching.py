"""The event day's pages and JSON, answered 304 without the database: a screen polling within the minute
holds the page the last lookup named (kept LOOKUP_SECONDS), so its revalidation costs no query and no
thread (app.live.routes and app.live.api both answer this way)."""

import time
from dataclasses import dataclass
from datetime import datetime

from fastapi import Request, Response

from app.events.models import Event
from app.i18n import current_locale
from app.live.models import LiveAdjustment
from app.programme.releases import PublishedProgramme
from app.programme.views import read_display_zone
from app.web import wants_fragment
from app.web.caches import LivePageKey, caches_of
from app.web.conditional import (
    HTML,
    conditional_response,
    is_not_modified,
    public_page_response,
    version_tag,
)


@dataclass(frozen=True)
class LiveLookup:
    """What a live page's version is named from: the event, its released programme, the day's adjustments."""

    event: Event
    published: PublishedProgramme
    adjustments: list[LiveAdjustment]


# A screen polling within the minute is answered 304 from what the last request looked up, if that is this
# recent: no database, no thread. A stage manager's change reaches the other processes' screens this much
# later (their polls are 15 s apart).
LOOKUP_SECONDS = 2.0


def page_key(
    request: Request, lookup: LiveLookup, page: str, tz: str, now: datetime
) -> tuple[LivePageKey, list[str], str, datetime]:
    notices: list[str] = []
    zone = read_display_zone(lookup.event, tz, notices)
    minute = now.replace(second=0, microsecond=0)
    adjustments = lookup.adjustments
    key = LivePageKey(
        base_url=str(request.base_url),
        page=page,
        event_id=lookup.event.id or 0,
        version=lookup.published.version_key,
        live=(len(adjustments), adjustments[-1].id if adjustments else 0),
        minute=minute,
        tz=zone,
        notices=tuple(notices),
        locale=current_locale.get(),
        fragment=wants_fragment(request),
    )
    return key, notices, zone, minute


def not_modified(
    request: Request, slug: str, page: str, tz: str, now: datetime, media_type: str = HTML
) -> Response | None:
    """The 304 of an anonymous visitor (a screen) who holds this minute's page, from a fresh lookup."""
    if "if-none-match" not in request.headers or request.session.get("user_id") is not None:
        return None
    remembered = caches_of(request.app).live_lookups.get(slug)
    if remembered is None or time.monotonic() - remembered[0] > LOOKUP_SECONDS:
        return None
    key = page_key(request, remembered[1], page, tz, now)[0]
    if not is_not_modified(request, version_tag(key), None):
        return None

    def unreachable() -> bytes:
        raise AssertionError("a 304 builds nothing")

    if media_type != HTML:
        cache = caches_of(request.app).live_pages
        return conditional_response(
            request, key, unreachable, media_type, cache=cache, cache_control="public, no-cache"
        )
    return public_page_response(request, key, unreachable, None, caches_of(request.app).live_pages)


def remember_lookup(request: Request, slug: str, lookup: LiveLookup) -> None:
    caches_of(request.app).live_lookups[slug] = (time.monotonic(), lookup)
