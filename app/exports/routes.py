"""Public exports: iCalendar feeds (the whole programme, optionally one track, room or kind; a speaker; a
session) and the frab schedule XML and JSON that conference apps read."""

from collections.abc import Callable
from urllib.parse import urlsplit

from fastapi import APIRouter, Request, Response

from app.events.access import PublicEvent
from app.events.models import Event
from app.events.permissions import is_publicly_viewable
from app.exports import csv as programme_spreadsheet
from app.exports import frab
from app.exports.caching import ExportKey, export_response
from app.exports.ical import MEDIA_TYPE, ical_filename, render_ical
from app.exports.snapshot import (
    FeedFilters,
    ProgrammeSnapshot,
    SiteLinks,
    programme_snapshot,
    session_snapshot,
    speaker_snapshot,
)
from app.i18n import _
from app.programme.models import SessionKind
from app.web import Db, not_found

router = APIRouter()

SnapshotBuilder = Callable[[], ProgrammeSnapshot | None]


@router.get("/events/{slug}/programme.ics", name="programme_ics", response_class=Response)
def programme_ics(
    request: Request, db: Db, event: PublicEvent, track: str = "", room: str = "", kind: str = ""
) -> Response:
    filters = FeedFilters(
        track_id=_read_id(track, _("That track is not part of this event.")),
        room_id=_read_id(room, _("That room is not part of this event.")),
        kind=_read_kind(kind),
    )
    scope = (("track", filters.track_id), ("room", filters.room_id), ("kind", filters.kind))
    subject = "-".join(["programme", *(f"{name}-{value}" for name, value in scope if value is not None)])

    def build() -> ProgrammeSnapshot | None:
        return programme_snapshot(db, event, filters, _site_links(request, event))

    return _feed(request, event, scope, subject, build, _("That track or room is not part of this event."))


@router.get("/events/{slug}/speakers/{speaker_id}.ics", name="speaker_ics", response_class=Response)
def speaker_ics(request: Request, db: Db, event: PublicEvent, speaker_id: int) -> Response:
    def build() -> ProgrammeSnapshot | None:
        return speaker_snapshot(db, event, speaker_id, _site_links(request, event))

    message = _("This speaker is not on the programme of {event}.").format(event=event.title)
    return _feed(request, event, (("speaker", speaker_id),), f"speaker-{speaker_id}", build, message)


@router.get("/events/{slug}/sessions/{session_id}.ics", name="session_ics", response_class=Response)
def session_ics(request: Request, db: Db, event: PublicEvent, session_id: int) -> Response:
    def build() -> ProgrammeSnapshot | None:
        return session_snapshot(db, event, session_id, _site_links(request, event))

    message = _("This session is not part of the programme of {event}.").format(event=event.title)
    return _feed(request, event, (("session", session_id),), f"session-{session_id}", build, message)


def _feed(
    request: Request,
    event: Event,
    scope: tuple[tuple[str, object], ...],
    subject: str,
    snapshot: SnapshotBuilder,
    missing_message: str,
) -> Response:
    assert event.id is not None  # noqa: S101 - a loaded event has its id
    key = ExportKey(event_id=event.id, event_updated_at=event.updated_at, format="ics", filters=scope)

    def build() -> bytes:
        found = snapshot()
        if found is None:
            raise not_found(missing_message)
        return render_ical(found)

    filename = ical_filename(event.slug, subject)
    return export_response(request, key, build, MEDIA_TYPE, filename, public=is_publicly_viewable(event))


def _site_links(request: Request, event: Event) -> SiteLinks:
    base_url = str(request.app.state.settings.base_url).rstrip("/")
    # The configured address, not the request's: UIDs and links must not change with the proxy in front.
    session_path = request.app.url_path_for("session_page", slug=event.slug, session_id=0)
    return SiteLinks(
        host=urlsplit(base_url).hostname or "localhost",
        session_url_prefix=f"{base_url}{session_path}".removesuffix("0"),
    )


def _read_id(value: str, message: str) -> int | None:
    if not value:
        return None
    if value.isdigit() and len(value) < 10:
        return int(value)
    raise not_found(message)


def _read_kind(value: str) -> SessionKind | None:
    if not value:
        return None
    try:
        return SessionKind(value)
    except ValueError:
        raise not_found(_("That kind of session does not exist.")) from None


@router.get("/events/{slug}/schedule.xml", name="schedule_xml", response_class=Response)
def schedule_xml_export(request: Request, db: Db, event: PublicEvent) -> Response:
    """The frab schedule XML that conference apps (Giggity, ConfClerk, EventFahrplan) read."""
    return _frab(request, db, event, "xml", frab.schedule_xml, frab.XML_MEDIA_TYPE)


@router.get("/events/{slug}/schedule.json", name="schedule_json", response_class=Response)
def schedule_json_export(request: Request, db: Db, event: PublicEvent) -> Response:
    """The same schedule in frab's JSON form."""
    return _frab(request, db, event, "json", frab.schedule_json, frab.JSON_MEDIA_TYPE)


def _frab(
    request: Request,
    db: Db,
    event: Event,
    extension: str,
    renderer: Callable[[frab.FrabSnapshot], bytes],
    media_type: str,
) -> Response:
    assert event.id is not None  # noqa: S101 - a loaded event has its id
    key = ExportKey(
        event_id=event.id, event_updated_at=event.updated_at, format=f"frab-{extension}", filters=()
    )
    base_url = str(request.app.state.settings.base_url).rstrip("/")

    def build() -> bytes:
        return renderer(frab.frab_snapshot(db, event, base_url))

    filename = f"{event.slug}-schedule.{extension}"
    return export_response(request, key, build, media_type, filename, public=is_publicly_viewable(event))


@router.get("/events/{slug}/programme.csv", name="programme_csv", response_class=Response)
def programme_csv_export(request: Request, db: Db, event: PublicEvent) -> Response:
    """One row per session for organisers' spreadsheets, downloaded rather than shown."""
    assert event.id is not None  # noqa: S101 - a loaded event has its id
    key = ExportKey(event_id=event.id, event_updated_at=event.updated_at, format="csv", filters=())
    filename = programme_spreadsheet.csv_filename(event.slug)

    def build() -> bytes:
        snapshot = programme_snapshot(db, event, FeedFilters(), _site_links(request, event))
        assert snapshot is not None  # noqa: S101 - None only for a track or room filter, and there is none
        return programme_spreadsheet.programme_csv(snapshot)

    media_type = programme_spreadsheet.MEDIA_TYPE
    return export_response(
        request, key, build, media_type, filename, public=is_publicly_viewable(event), download=True
    )
