"""The printable programme booklet (programme.pdf): HTML laid out for A4 paper by WeasyPrint.

A pure function of a `ProgrammeSnapshot`, like the other exports. The booklet has a cover with the
contents, one section per day (sessions by time slot, with the talks of themed sessions inside them), and
a speaker index giving the pages where each speaker appears.

The booklet is laid out as three documents joined into one PDF: the days first, then the speaker index
and the cover, which print the pages where the days' anchors actually landed. CSS `target-counter()`
would give the same numbers in one document, but WeasyPrint lays out each page that uses it up to three
times and, on every pass, checks each anchor against every reference: on a 1000-session programme the
index took 21 of 48 seconds that way, and takes about 4 with its numbers known in advance.

Nothing is fetched from the network while rendering: abstracts are written by speakers and organisers,
and a Markdown image or link must never make the server request an address of someone's choosing. The
only resources are the booklet's stylesheet and other files under static/.
"""

import mimetypes
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from itertools import groupby
from pathlib import Path
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

import nh3
from babel.dates import format_date, format_datetime, format_time
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markdown_it import MarkdownIt
from markupsafe import Markup
from weasyprint import HTML, Document
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from app.exports.snapshot import ExportedSession, ProgrammeSnapshot
from app.i18n import current_locale, ngettext, translations_for
from app.programme.models import RoleKind
from app.programme.snapshot import name_sort_key
from app.programme.views import RoleView
from app.settings import PROJECT_DIR

MEDIA_TYPE = "application/pdf"
TEMPLATE = "exports/programme_booklet.html"
TEMPLATES_DIR = PROJECT_DIR / "templates"
STATIC_DIR = PROJECT_DIR / "static"
DAY_PATTERN = "EEEE d MMMM y"

# Images are off: a printed booklet has no use for them, and they would be the one thing an abstract could
# make the renderer fetch.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table").disable("image")


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    affiliation: str
    # "Moderator", "Chair"...; empty for a plain speaker, who needs no label.
    role_label: str
    is_remote: bool


@dataclass(frozen=True, slots=True)
class BookletTalk:
    anchor: str
    title: str
    time_label: str
    people: tuple[Person, ...]


@dataclass(frozen=True, slots=True)
class BookletSession:
    anchor: str
    exported: ExportedSession
    abstract: Markup
    people: tuple[Person, ...]
    talks: tuple[BookletTalk, ...]


@dataclass(frozen=True, slots=True)
class TimeSlot:
    label: str
    sessions: tuple[BookletSession, ...]


@dataclass(frozen=True, slots=True)
class BookletDay:
    anchor: str
    label: str
    slots: tuple[TimeSlot, ...]


@dataclass(slots=True)
class IndexEntry:
    name: str
    affiliation: str
    # The sessions and talks where the speaker has a role, in programme order.
    anchors: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class PageReference:
    anchor: str
    page: int


@dataclass(frozen=True, slots=True)
class IndexLine:
    name: str
    affiliation: str
    # One per page: two talks of a speaker on the same page are one number in the index.
    references: tuple[PageReference, ...]


@dataclass(frozen=True)
class Booklet:
    snapshot: ProgrammeSnapshot
    locale: str
    dates: str
    stamped: str
    days: tuple[BookletDay, ...]
    speakers: tuple[IndexEntry, ...]


def render_programme_pdf(snapshot: ProgrammeSnapshot) -> bytes:
    booklet = _booklet(snapshot)
    fonts = FontConfiguration()
    if not booklet.days:
        cover_only: bytes = _render(booklet, "cover", fonts).write_pdf()
        return cover_only
    # The cover's length does not depend on the page numbers it shows, so a first copy without them says
    # where the days start.
    cover_length = len(_render(booklet, "cover", fonts).pages)
    days = _render(booklet, "days", fonts, first_page=cover_length + 1)
    pages: dict[str, int] = {}
    for number, page in enumerate(days.pages, start=cover_length + 1):
        # A day or session split over two pages has its anchor on both; it starts on the first.
        for anchor in page.anchors:
            pages.setdefault(anchor, number)
    parts = [days]
    if booklet.speakers:
        pages["speaker-index"] = cover_length + len(days.pages) + 1
        index = _index_lines(booklet.speakers, pages)
        parts.append(
            _render(booklet, "index", fonts, pages=pages, index=index, first_page=pages["speaker-index"])
        )
    cover = _render(booklet, "cover", fonts, pages=pages)
    booklet_pdf: bytes = cover.copy([page for part in (cover, *parts) for page in part.pages]).write_pdf()
    return booklet_pdf


def pdf_filename(event_slug: str) -> str:
    return f"{event_slug}-programme.pdf"


class StaticFilesOnly(URLFetcher):
    """Serves files under static/ and refuses every other address, whatever its scheme."""

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.scheme == "file" and parts.netloc in ("", "localhost"):
            path = Path(unquote(parts.path)).resolve()
            if path.is_relative_to(STATIC_DIR) and path.is_file():
                content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})
        # WeasyPrint logs the refusal and lays the booklet out without the resource.
        raise ValueError(f"the programme booklet fetches nothing outside static/: {url}")


def _render(
    booklet: Booklet,
    part: str,
    fonts: FontConfiguration,
    *,
    pages: dict[str, int] | None = None,
    index: list[IndexLine] | None = None,
    first_page: int | None = None,
) -> Document:
    html = (
        _environment()
        .get_template(TEMPLATE)
        .render(booklet=booklet, part=part, pages=pages or {}, index=index or [], first_page=first_page)
    )
    return HTML(string=html, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=StaticFilesOnly()).render(
        font_config=fonts
    )


@cache
def _environment() -> Environment:
    # Set up as app.web sets up the pages' templates, without the web stack this module must not import.
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.install_gettext_callables(  # type: ignore[attr-defined]  # added by jinja2.ext.i18n
        gettext=lambda message: translations_for(current_locale.get()).gettext(message),
        ngettext=ngettext,
        newstyle=True,
    )
    return environment


def _booklet(snapshot: ProgrammeSnapshot) -> Booklet:
    locale = current_locale.get()
    zone = ZoneInfo(snapshot.timezone)
    ordered = sorted(enumerate(snapshot.sessions), key=lambda item: item[1].view.start_at)
    days: list[BookletDay] = []
    index: dict[int, IndexEntry] = {}
    for day, day_sessions in groupby(ordered, key=lambda item: item[1].view.day):
        slots: list[TimeSlot] = []
        for start, slot_sessions in groupby(day_sessions, key=lambda item: item[1].view.start_at):
            booklet_sessions = tuple(
                _booklet_session(f"session-{number}", exported, index) for number, exported in slot_sessions
            )
            label = format_time(start.astimezone(zone), "HH:mm", locale=locale)
            slots.append(TimeSlot(label=label, sessions=booklet_sessions))
        days.append(
            BookletDay(
                anchor=f"day-{day.isoformat()}",
                label=format_date(day, DAY_PATTERN, locale=locale),
                slots=tuple(slots),
            )
        )
    speakers = sorted(index.items(), key=lambda item: (name_sort_key(item[1].name), item[0]))
    return Booklet(
        snapshot=snapshot,
        locale=locale,
        dates=_dates_label(snapshot.start_date, snapshot.end_date, locale),
        stamped=format_datetime(snapshot.stamped_at.astimezone(zone), "d MMMM y, HH:mm", locale=locale),
        days=tuple(days),
        speakers=tuple(entry for _speaker_id, entry in speakers),
    )


def _booklet_session(anchor: str, exported: ExportedSession, index: dict[int, IndexEntry]) -> BookletSession:
    session = exported.view
    for role in session.roles:
        _index_entry(index, role).anchors.append(anchor)
    talks: list[BookletTalk] = []
    for number, talk in enumerate(session.talks):
        talk_anchor = f"{anchor}-talk-{number}"
        for role in talk.roles:
            _index_entry(index, role).anchors.append(talk_anchor)
        talks.append(
            BookletTalk(
                anchor=talk_anchor, title=talk.title, time_label=talk.time_label, people=_people(talk.roles)
            )
        )
    return BookletSession(
        anchor=anchor,
        exported=exported,
        # Imported sessions often have only a description (DebConf's): the booklet shows that instead.
        abstract=_abstract_html(session.abstract or session.description),
        people=_people(session.roles),
        talks=tuple(talks),
    )


def _index_entry(index: dict[int, IndexEntry], role: RoleView) -> IndexEntry:
    entry = index.get(role.speaker_id)
    if entry is None:
        entry = index[role.speaker_id] = IndexEntry(name=role.speaker_name, affiliation=role.affiliation)
    return entry


def _index_lines(speakers: Iterable[IndexEntry], pages: dict[str, int]) -> list[IndexLine]:
    lines: list[IndexLine] = []
    for entry in speakers:
        first_on_page: dict[int, str] = {}
        for anchor in entry.anchors:
            first_on_page.setdefault(pages[anchor], anchor)
        references = tuple(PageReference(anchor, page) for page, anchor in sorted(first_on_page.items()))
        lines.append(IndexLine(entry.name, entry.affiliation, references))
    return lines


def _people(roles: Iterable[RoleView]) -> tuple[Person, ...]:
    return tuple(
        Person(
            name=role.speaker_name,
            affiliation=role.affiliation,
            role_label=_role_label(role),
            is_remote=role.is_remote,
        )
        for role in roles
    )


def _role_label(role: RoleView) -> str:
    return "" if role.role == RoleKind.speaker else role.role_label


def _abstract_html(text: str) -> Markup:
    if not text.strip():
        return Markup("")
    # Raw HTML is off in the parser; nh3 cleans once more, as the web pages do.
    return Markup(nh3.clean(_markdown.render(text)))  # noqa: S704 - sanitised by nh3 just above


def _dates_label(start: date, end: date, locale: str) -> str:
    # As the event's web pages write them.
    first = format_date(start, DAY_PATTERN, locale=locale)
    return first if start == end else f"{first} – {format_date(end, DAY_PATTERN, locale=locale)}"
