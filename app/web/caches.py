"""The per-process caches of the public programme: one per kind of value, each with its own key type.

`create_app` makes one `Caches` per application; routes reach it with the `AppCaches` dependency (or
`caches_of(app)` where there is no request). Every key names a version by stamps read from the shared
database (releases, Event.updated_at, speaker profiles, materials), so a change is never served stale
and nothing is ever invalidated: old keys just fall out of the least-recently-used maps.
"""

from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any, cast

from fastapi import Depends, Request
from starlette.applications import Starlette

from app.caching import RenderedViews
from app.programme.releases import ProgrammeDataCache, ProgrammeDataKey
from app.programme.snapshot import ProgrammeData
from app.web.conditional import CompressedBody


@dataclass(frozen=True)
class ExportKey:
    """What an export is made from, named before anything is built."""

    # PublishedProgramme.version_key: the released version and the event details shown with it.
    version: Hashable
    last_modified: datetime
    format: str
    # The feed's scope and filters, e.g. (("track", 3), ("kind", "talk")) or (("speaker", 12),).
    filters: tuple[tuple[str, Hashable], ...] = ()


@dataclass(frozen=True)
class RenderedExportKey:
    export: ExportKey
    # The labels inside the file are translated; the site address is in every link and UID.
    locale: str
    base_url: str


@dataclass(frozen=True)
class ProgrammePageKey:
    """One view of the programme page, as every visitor asking for it sees it (their menu aside)."""

    base_url: str
    event_id: int
    # The released version shown (or, before any release, the draft's change stamp).
    version: Hashable
    day: date
    tz: str
    view: str
    filters: Hashable
    notices: tuple[str, ...]
    locale: str
    fragment: bool


@dataclass(frozen=True)
class SessionPageKey:
    base_url: str
    version: Hashable
    session_id: int
    tz: str
    notices: tuple[str, ...]
    locale: str
    # The published materials as listed (they change without a release, and some appear when the
    # session ends): app.programme.routes.materials_stamp.
    materials: tuple[Hashable, ...]


@dataclass(frozen=True)
class SpeakerPageKey:
    base_url: str
    version: Hashable
    speaker_id: int
    tz: str
    notices: tuple[str, ...]
    locale: str
    materials: tuple[Hashable, ...]


@dataclass(frozen=True)
class SpeakersPageKey:
    base_url: str
    version: Hashable
    locale: str


@dataclass(frozen=True)
class ApiProgrammeKey:
    version: Hashable
    day: date | None
    locale: str


DetailPageKey = SessionPageKey | SpeakerPageKey | SpeakersPageKey


@dataclass(frozen=True)
class LivePageKey:
    """One of the event day's pages (now and next, its banner, a room screen) as of one minute: what they
    show changes with the minute, the released version and the rooms' running-late state."""

    base_url: str
    page: str
    event_id: int
    version: Hashable
    # The rooms' running-late state: how many adjustments were said, and the last one's id.
    live: Hashable
    minute: datetime
    tz: str
    notices: tuple[str, ...]
    locale: str
    fragment: bool


@dataclass(frozen=True)
class Caches:
    # Each released version's programme, parsed once (the draft's too, before the first release).
    programme_data: ProgrammeDataCache
    # The programme page's costly part, the day's grid, with the context around it.
    programme_grids: RenderedViews[ProgrammePageKey, dict[str, object]]
    # Whole pages as anonymous visitors get them, with their gzip copy.
    programme_pages: RenderedViews[ProgrammePageKey, CompressedBody]
    # Session, speaker and speakers pages: many small pages, so more of them are kept.
    detail_pages: RenderedViews[DetailPageKey, CompressedBody]
    api_programme: RenderedViews[ApiProgrammeKey, bytes]
    exports: RenderedViews[RenderedExportKey, CompressedBody]
    # Slow to make (seconds) and large: apart, so feeds cannot push them out.
    booklets: RenderedViews[RenderedExportKey, CompressedBody]
    # Now and next and the room screens: each minute's page, asked for by every screen polling it.
    live_pages: RenderedViews[LivePageKey, CompressedBody]
    # Per event slug, when a live page last looked its version up, and what it found (app.live.routes).
    live_lookups: dict[str, tuple[float, Any]] = field(default_factory=dict)

    @classmethod
    def new(cls) -> "Caches":
        return cls(
            programme_data=RenderedViews[ProgrammeDataKey, ProgrammeData](max_entries=16),
            programme_grids=RenderedViews(max_entries=64),
            programme_pages=RenderedViews(max_entries=64),
            detail_pages=RenderedViews(max_entries=1024),
            api_programme=RenderedViews(max_entries=32),
            exports=RenderedViews(max_entries=64),
            booklets=RenderedViews(max_entries=8),
            live_pages=RenderedViews(max_entries=256),
        )


def caches_of(app: Starlette) -> Caches:
    """The application's caches, where there is no request to depend on (emails, routes in one thread)."""
    return cast(Caches, app.state.caches)


def request_caches(request: Request) -> Caches:
    return caches_of(request.app)


AppCaches = Annotated[Caches, Depends(request_caches)]
