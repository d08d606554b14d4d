"""Public exports of the released programme: iCalendar feeds (the whole programme, optionally one track,
room or kind; a speaker; a session), the frab schedule XML and JSON that conference apps read, the
spreadsheet, and an attendee's personal feed."""

from collections.abc import Callable
from urllib.parse import urlsplit

from fastapi import APIRouter, FastAPI, Request, Response

from app.accounts.access import optional_user
from app.db import DbSession
from app.events.access import public_event
from app.events.models import Event
from app.events.permissions import is_publicly_viewable
from app.exports import booklets, frab
from app.exports import csv as programme_spreadsheet
from app.exports import pdf as booklet
from app.exports.attendee import attendee_calendar
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
from app.i18n import N_, _, current_locale
from app.programme.models import SessionKind
from app.programme.releases import PublishedProgramme, published_programme
from app.registration.links import Links
from app.registration.models import Registration
from app.registration.queries import calendar_of
from app.tasks.registry import Tasks
from app.web import Db, current_site, not_found, render, run_with_db
from app.web.caches import caches_of

router = APIRouter()
# Link checkers and feed readers ask HEAD before GET; uvicorn sends the headers without the body.
FEED_METHODS = ["GET", "HEAD"]

SnapshotBuilder = Callable[[], ProgrammeSnapshot | None]


@router.api_route(
    "/events/{slug}/programme.ics", methods=FEED_METHODS, name="programme_ics", response_class=Response
)
async def programme_ics(
    request: Request, slug: str, track: str = "", room: str = "", kind: str = ""
) -> Response:
    filters = FeedFilters(
        track_id=_read_id(track, _("That track is not part of this event.")),
        room_id=_read_id(room, _("That room is not part of this event.")),
        kind=_read_kind(kind),
    )
    scope = (("track", filters.track_id), ("room", filters.room_id), ("kind", filters.kind))
    subject = "-".join(["programme", *(f"{name}-{value}" for name, value in scope if value is not None)])

    def respond(event: Event, published: PublishedProgramme) -> Response:
        def build() -> ProgrammeSnapshot | None:
            return programme_snapshot(published, event, filters, _site_links(request.app, event))

        message = _("That track or room is not part of this event.")
        return _feed(request, event, published, scope, subject, build, message)

    return await _in_one_thread(request, slug, respond)


@router.api_route(
    "/events/{slug}/speakers/{speaker_id}.ics",
    methods=FEED_METHODS,
    name="speaker_ics",
    response_class=Response,
)
async def speaker_ics(request: Request, slug: str, speaker_id: int) -> Response:
    message = N_("This speaker is not on the programme of {event}.")
    return await _one_feed(request, slug, "speaker", speaker_id, speaker_snapshot, message)


@router.api_route(
    "/events/{slug}/sessions/{session_id}.ics",
    methods=FEED_METHODS,
    name="session_ics",
    response_class=Response,
)
async def session_ics(request: Request, slug: str, session_id: int) -> Response:
    message = N_("This session is not part of the programme of {event}.")
    return await _one_feed(request, slug, "session", session_id, session_snapshot, message)


OneSubjectSnapshot = Callable[[PublishedProgramme, Event, int, SiteLinks], ProgrammeSnapshot | None]


async def _one_feed(
    request: Request, slug: str, subject: str, subject_id: int, snapshot: OneSubjectSnapshot, missing: str
) -> Response:
    """The feed of one speaker or one session; 404 (with `missing`) when the programme has no such one."""

    def respond(event: Event, published: PublishedProgramme) -> Response:
        def build() -> ProgrammeSnapshot | None:
            return snapshot(published, event, subject_id, _site_links(request.app, event))

        message = _(missing).format(event=event.title)
        scope = ((subject, subject_id),)
        return _feed(request, event, published, scope, f"{subject}-{subject_id}", build, message)

    return await _in_one_thread(request, slug, respond)


def _feed(
    request: Request,
    event: Event,
    published: PublishedProgramme,
    scope: tuple[tuple[str, object], ...],
    subject: str,
    snapshot: SnapshotBuilder,
    missing_message: str,
) -> Response:
    key = _export_key(published, "ics", scope)

    def build() -> bytes:
        found = snapshot()
        if found is None:
            raise not_found(missing_message)
        return render_ical(found)

    filename = ical_filename(event.slug, subject)
    exports = caches_of(request.app).exports
    return export_response(
        request, key, build, MEDIA_TYPE, filename, cache=exports, public=is_publicly_viewable(event)
    )


async def _in_one_thread(
    request: Request, slug: str, respond: Callable[[Event, PublishedProgramme], Response]
) -> Response:
    """Finds the public event and its released programme, then answers, all in one worker thread.

    An export served from cache costs about a millisecond; handing the request to a worker thread once
    per dependency (user, event, programme) and again for the route cost more than that, so these hot
    read-only routes take their database handle and do everything in a single hop.
    """

    def work(db: DbSession) -> Response:
        event = public_event(slug, db, optional_user(request, db))
        return respond(event, published_programme(db, event, caches_of(request.app).programme_data))

    return await run_with_db(request, work)


def _export_key(
    published: PublishedProgramme, format_name: str, scope: tuple[tuple[str, object], ...] = ()
) -> ExportKey:
    return ExportKey(
        version=published.version_key,
        last_modified=published.last_modified,
        format=format_name,
        filters=scope,
    )


def _site_links(app: FastAPI, event: Event) -> SiteLinks:
    base_url = str(app.state.settings.base_url).rstrip("/")
    # The configured address, not the request's: UIDs and links must not change with the proxy in front.
    session_path = app.url_path_for("session_page", slug=event.slug, session_id=0)
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


@router.api_route(
    "/events/{slug}/schedule.xml", methods=FEED_METHODS, name="schedule_xml", response_class=Response
)
async def schedule_xml_export(request: Request, slug: str) -> Response:
    """The frab schedule XML that conference apps (Giggity, ConfClerk, EventFahrplan) read."""

    def respond(event: Event, published: PublishedProgramme) -> Response:
        return _frab(request, event, published, "xml", frab.schedule_xml, frab.XML_MEDIA_TYPE)

    return await _in_one_thread(request, slug, respond)


@router.api_route(
    "/events/{slug}/schedule.json", methods=FEED_METHODS, name="schedule_json", response_class=Response
)
async def schedule_json_export(request: Request, slug: str) -> Response:
    """The same schedule in frab's JSON form."""

    def respond(event: Event, published: PublishedProgramme) -> Response:
        return _frab(request, event, published, "json", frab.schedule_json, frab.JSON_MEDIA_TYPE)

    return await _in_one_thread(request, slug, respond)


def _frab(
    request: Request,
    event: Event,
    published: PublishedProgramme,
    extension: str,
    renderer: Callable[[frab.FrabSnapshot], bytes],
    media_type: str,
) -> Response:
    key = _export_key(published, f"frab-{extension}")
    urls = current_site(request).urls

    def build() -> bytes:
        return renderer(frab.frab_snapshot(published, event, urls))

    filename = f"{event.slug}-schedule.{extension}"
    exports = caches_of(request.app).exports
    return export_response(
        request, key, build, media_type, filename, cache=exports, public=is_publicly_viewable(event)
    )


@router.api_route(
    "/events/{slug}/programme.csv", methods=FEED_METHODS, name="programme_csv", response_class=Response
)
async def programme_csv_export(request: Request, slug: str) -> Response:
    """One row per session for organisers' spreadsheets, downloaded rather than shown."""
    return await _in_one_thread(request, slug, lambda event, published: _csv(request, event, published))


def _csv(request: Request, event: Event, published: PublishedProgramme) -> Response:
    key = _export_key(published, "csv")
    filename = programme_spreadsheet.csv_filename(event.slug)

    def build() -> bytes:
        snapshot = programme_snapshot(published, event, FeedFilters(), _site_links(request.app, event))
        assert snapshot is not None  # noqa: S101 - None only for a track or room filter, and there is none
        return programme_spreadsheet.programme_csv(snapshot)

    media_type = programme_spreadsheet.MEDIA_TYPE
    exports = caches_of(request.app).exports
    public = is_publicly_viewable(event)
    return export_response(
        request, key, build, media_type, filename, cache=exports, public=public, download=True
    )


@router.api_route(
    "/events/{slug}/programme.pdf", methods=FEED_METHODS, name="programme_pdf", response_class=Response
)
async def programme_pdf_export(request: Request, slug: str) -> Response:
    """The printable booklet: days, rooms, sessions and speakers, with a speaker index."""
    return await _in_one_thread(request, slug, lambda event, published: _pdf(request, event, published))


def _pdf(request: Request, event: Event, published: PublishedProgramme) -> Response:
    # Built by a worker and stored (app/exports/booklets.py): a reader never waits for WeasyPrint. A
    # stored booklet is served like every export (memory cache, ETag, 304); a missing one is queued,
    # and the reader is asked to come back in a moment.
    key = _export_key(published, "pdf")
    locale = current_locale.get()
    version = booklets.booklet_version(published, locale, current_site(request).urls.base_url)

    def build() -> bytes:
        with DbSession(request.app.state.engine) as db:
            pdf = booklets.stored_booklet(db, version)
        if pdf is None:
            raise _BookletNotBuilt
        return pdf

    filename = booklet.pdf_filename(event.slug)
    booklet_cache = caches_of(request.app).booklets
    try:
        return export_response(
            request,
            key,
            build,
            booklet.MEDIA_TYPE,
            filename,
            cache=booklet_cache,
            public=is_publicly_viewable(event),
        )
    except _BookletNotBuilt:
        tasks: Tasks = request.app.state.tasks
        tasks.queue_booklet(event, version, locale, _site_links(request.app, event))
        return _booklet_pending(request, event)


class _BookletNotBuilt(Exception):
    pass


# Seconds a reader (or a download tool honouring Retry-After) waits before asking again.
BOOKLET_RETRY_AFTER = 10


def _booklet_pending(request: Request, event: Event) -> Response:
    context = {"event": event, "retry_after": BOOKLET_RETRY_AFTER}
    response = render(request, "exports/booklet_pending.html", context, status_code=503)
    response.headers["Retry-After"] = str(BOOKLET_RETRY_AFTER)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.api_route(
    "/registrations/calendar/{calendar_secret}.ics",
    methods=FEED_METHODS,
    name="registration_calendar",
    response_class=Response,
)
def registration_calendar(request: Request, db: Db, calendar_secret: str) -> Response:
    """An attendee's own programme, at a secret address they can renew; join links for online attendees."""
    found = calendar_of(db, calendar_secret)
    if found is None:
        raise not_found(
            _("This calendar address no longer works. Copy the new one from your registration page.")
        )
    event, registration = found
    return Response(
        attendee_calendar(
            db,
            event,
            registration,
            caches_of(request.app).programme_data,
            _site_links(request.app, event),
            Links.of(current_site(request)),
        ),
        media_type=MEDIA_TYPE,
        # Personal, and changes with the attendee's choices: never kept by any cache.
        headers={"Cache-Control": "private, no-store"},
    )


def attendee_calendars(app: FastAPI) -> Callable[[DbSession, Event, Registration], bytes]:
    """What registration emails attach: the attendee's own calendar, as their personal feed serves it."""

    def build(db: DbSession, event: Event, registration: Registration) -> bytes:
        programme_data = caches_of(app).programme_data
        # The site is made after this builder, which it holds; by the time an email is written, it is there.
        join_links = Links.of(app.state.site)
        return attendee_calendar(db, event, registration, programme_data, _site_links(app, event), join_links)

    return build
