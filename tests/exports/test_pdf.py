"""The printed programme booklet, read back page by page with pypdf as a reader would leaf through it."""

import dataclasses
import io
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pypdf import PdfReader
from sqlmodel import select

from app.db import DbSession
from app.demo.events import load_demo_events
from app.events.models import Event
from app.exports.pdf import (
    MEDIA_TYPE,
    STATIC_DIR,
    StaticFilesOnly,
    pdf_filename,
    render_programme_pdf,
)
from app.exports.snapshot import FeedFilters, ProgrammeSnapshot, SiteLinks, programme_snapshot
from app.i18n import current_locale
from app.programme.models import Session
from app.programme.releases import published_programme, release_programme
from app.programme.service import cancel_session
from app.programme.snapshot import name_sort_key
from tests.factories import add_role, at, make_event, make_session, make_speaker

SITE = SiteLinks(host="plenary.example.org", session_url_prefix="https://plenary.example.org/sessions/")
CANCELLED_KEYNOTE = "The promises of single-cell technologies in personalised medicine"


def snapshot_of(db: DbSession, event: Event) -> ProgrammeSnapshot:
    snapshot = programme_snapshot(published_programme(db, event), event, FeedFilters(), SITE)
    assert snapshot is not None
    return snapshot


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def squashed(text: str) -> str:
    """Text without any white space: a title wrapped over two lines reads the same as on one."""
    return re.sub(r"\s+", "", text)


def lines_of(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def body_lines(text: str) -> list[str]:
    """A programme page's lines without its running header and page number (pypdf reads those last)."""
    return lines_of(text)[:-2]


def running_header(text: str) -> str:
    return lines_of(text)[-2]


def printed_page_number(text: str) -> str:
    return lines_of(text)[-1]


@pytest.fixture
def prelude(db: DbSession) -> Event:
    """The Prelude demo conference, released again after its opening keynote was cancelled."""
    load_demo_events(db)
    event = db.exec(select(Event).where(Event.slug == "prelude-2022")).one()
    keynote = db.exec(select(Session).where(Session.title == CANCELLED_KEYNOTE)).one()
    cancel_session(db, keynote)
    release_programme(
        db, event, "The opening keynote is cancelled", None, now=datetime(2022, 10, 4, 16, 0, tzinfo=UTC)
    )
    return event


@pytest.fixture
def prelude_booklet(db: DbSession, prelude: Event) -> tuple[ProgrammeSnapshot, list[str]]:
    snapshot = snapshot_of(db, prelude)
    return snapshot, page_texts(render_programme_pdf(snapshot))


def test_booklet_opens_with_a_cover_and_its_contents(
    prelude_booklet: tuple[ProgrammeSnapshot, list[str]],
) -> None:
    _snapshot, pages = prelude_booklet

    cover = lines_of(pages[0])

    assert cover[:4] == [
        "PROGRAMME",
        "Prelude to the Future of Medicine",
        "Wednesday 5 October 2022 – Thursday 6 October 2022",
        "Paris, France",
    ]
    assert cover[-2:] == [
        "All times are local times at the event (Europe/Paris).",
        "Version 3 of the programme, released 4 October 2022, 18:00.",
    ]
    contents = {
        match["entry"]: int(match["page"])
        for line in cover
        if (match := re.fullmatch(r"(?P<entry>[^.]+?)\s*(?:\. ?)+\s*(?P<page>\d+)", line))
    }
    # Each entry of the contents names the page where that part begins.
    assert {entry: body_lines(pages[page - 1])[0] for entry, page in contents.items()} == {
        "Wednesday 5 October 2022": "Wednesday 5 October 2022",
        "Thursday 6 October 2022": "Thursday 6 October 2022",
        "Speaker index": "Speaker index",
    }
    # The cover has no number; every other page prints its own.
    assert [printed_page_number(page) for page in pages[1:]] == [str(n) for n in range(2, len(pages) + 1)]
    assert {running_header(page) for page in pages[1:]} == {
        "Prelude to the Future of Medicine Wednesday 5 October 2022",
        "Prelude to the Future of Medicine Thursday 6 October 2022",
        "Prelude to the Future of Medicine Speaker index",
    }


def test_booklet_prints_every_session_by_day_with_its_speakers(
    prelude_booklet: tuple[ProgrammeSnapshot, list[str]],
) -> None:
    snapshot, pages = prelude_booklet
    programme_pages = [body_lines(page) for page in pages[1:] if body_lines(page)[0] != "Speaker index"]

    printed = squashed("".join("".join(lines) for lines in programme_pages))

    assert [
        title for title in (s.view.title for s in snapshot.sessions) if squashed(title) not in printed
    ] == []
    names = {role.speaker_name for s in snapshot.sessions for role in s.view.all_roles}
    assert len(names) == 5
    assert [name for name in names if squashed(name) not in printed] == []
    # Sessions stay in the day they belong to, in time order.
    by_day = {
        day: squashed("".join(page for page in pages[1:] if running_header(page).endswith(day)))
        for day in ("Wednesday 5 October 2022", "Thursday 6 October 2022")
    }
    wednesday, thursday = by_day.values()
    assert wednesday.index(squashed("Registration and welcome coffee")) < wednesday.index(
        squashed("Opening of the conference")
    )
    governance = squashed("The challenges of health data governance")
    assert (governance in wednesday, governance in thursday) == (False, True)


def test_cancelled_session_stays_in_the_booklet_marked_cancelled(
    prelude_booklet: tuple[ProgrammeSnapshot, list[str]],
) -> None:
    _snapshot, pages = prelude_booklet

    printed = squashed("".join(pages))

    assert squashed(f"CANCELLED {CANCELLED_KEYNOTE}") in printed
    assert printed.count("CANCELLED") == 1


def test_speaker_index_gives_the_pages_where_each_speaker_is_printed(
    prelude_booklet: tuple[ProgrammeSnapshot, list[str]],
) -> None:
    snapshot, pages = prelude_booklet
    speakers = {role.speaker_name: role.affiliation for s in snapshot.sessions for role in s.view.all_roles}
    index_lines = [
        line for page in pages[1:] if body_lines(page)[0] == "Speaker index" for line in body_lines(page)[1:]
    ]

    listed = {}
    for line in index_lines:
        match = re.fullmatch(r"(?P<name>[^,]+), (?P<affiliation>.+?)\s+(?P<pages>\d+(?:, \d+)*)", line)
        assert match, line
        listed[match["name"]] = (match["affiliation"], [int(page) for page in match["pages"].split(", ")])

    assert list(listed) == sorted(speakers, key=name_sort_key)
    assert {name: affiliation for name, (affiliation, _pages) in listed.items()} == speakers
    # Each number is a page where the speaker's session or talk is printed, and no such page is missing.
    printed_on = {
        name: [
            number
            for number, text in enumerate(pages[1:], start=2)
            if body_lines(text)[0] != "Speaker index"
            and squashed(name) in squashed("".join(body_lines(text)))
        ]
        for name in speakers
    }
    assert {name: numbers for name, (_affiliation, numbers) in listed.items()} == printed_on


def test_day_headings_follow_the_current_language(db: DbSession, prelude: Event) -> None:
    snapshot = snapshot_of(db, prelude)
    token = current_locale.set("fr")
    try:
        pages = page_texts(render_programme_pdf(snapshot))
    finally:
        current_locale.reset(token)

    day_starts = [body_lines(page)[0] for page in pages[1:] if "octobre" in body_lines(page)[0]]
    assert day_starts == ["mercredi 5 octobre 2022", "jeudi 6 octobre 2022"]
    assert lines_of(pages[0])[2] == "mercredi 5 octobre 2022 – jeudi 6 octobre 2022"


def test_a_huge_abstract_and_a_300_character_title_are_printed_whole(db: DbSession) -> None:
    event = make_event(db)
    # One word of 300 letters cannot wrap at a space: it must break rather than run off the page.
    title = "Pharmacogenomics" * 18 + "Ends" * 3
    assert len(title) == 300
    paragraph = "Large cohorts now make it possible to study treatment selection in severe asthma. " * 8
    abstract = "\n\n".join([*(f"Part {number}: {paragraph}" for number in range(1, 121)), "- last\n- items"])
    make_session(db, event, title=title, abstract=abstract, start_at=at(event, 0, 9), end_at=at(event, 0, 10))

    pages = page_texts(render_programme_pdf(snapshot_of(db, event)))

    printed = squashed("".join("".join(body_lines(page)) for page in pages[1:]))
    assert len(pages) > 10
    assert squashed(title) in printed
    assert printed.count(squashed(paragraph)) == 120


class _Recorder(BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self) -> None:
        self.requests.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        # Quiet: the test reads `requests`, not the server's log.
        return


@pytest.fixture
def listening_server() -> Iterator[str]:
    """A local web server that counts what it is asked for: the booklet must ask it for nothing."""
    _Recorder.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_html_in_an_abstract_is_printed_as_text_and_nothing_is_fetched(
    db: DbSession, listening_server: str
) -> None:
    event = make_event(db)
    abstract = (
        f'<b>Bold?</b> <img src="{listening_server}/raw.png"> <script>alert(1)</script>\n\n'
        f"![tracker]({listening_server}/markdown.png) and **strong** words, "
        f"<link rel=stylesheet href='{listening_server}/style.css'>"
    )
    session = make_session(db, event, title="Escaping", abstract=abstract)
    add_role(db, session, make_speaker(db, event, name="<i>Ada</i> Lovelace", affiliation="<u>Lab</u>"))

    page = page_texts(render_programme_pdf(snapshot_of(db, event)))[1]

    printed = squashed(page)
    assert (
        squashed(f'<b>Bold?</b> <img src="{listening_server}/raw.png"> <script>alert(1)</script>') in printed
    )
    assert squashed("<i>Ada</i> Lovelace (<u>Lab</u>)") in printed
    assert _Recorder.requests == []


def test_the_booklet_reads_only_files_of_the_static_folder() -> None:
    fetcher = StaticFilesOnly()

    stylesheet = fetcher.fetch((STATIC_DIR / "css" / "booklet.css").as_uri())

    assert (stylesheet.content_type, stylesheet.read()) == (
        "text/css",
        (STATIC_DIR / "css" / "booklet.css").read_bytes(),
    )
    for refused in (
        "file:///etc/passwd",
        (STATIC_DIR / ".." / "pyproject.toml").as_uri(),
        "http://127.0.0.1:9/style.css",
        "data:text/css,body{}",
    ):
        with pytest.raises(ValueError, match="fetches nothing outside static/"):
            fetcher.fetch(refused)


def test_a_programme_without_sessions_is_a_cover_saying_so(db: DbSession) -> None:
    event = make_event(db, updated_at=datetime(2022, 9, 1, 8, 0, tzinfo=UTC))

    pages = page_texts(render_programme_pdf(snapshot_of(db, event)))

    assert [lines_of(page) for page in pages] == [
        [
            "PROGRAMME",
            "Prelude to the Future of Medicine",
            "Wednesday 5 October 2022 – Thursday 6 October 2022",
            "Paris",
            "No sessions are on the programme yet.",
            "All times are local times at the event (Europe/Paris).",
            "Programme as of 1 September 2022, 10:00.",
        ]
    ]


def test_booklet_is_a_pdf_named_after_the_event(db: DbSession) -> None:
    pdf = render_programme_pdf(snapshot_of(db, make_event(db)))

    assert (pdf[:5], MEDIA_TYPE, pdf_filename("prelude-2022")) == (
        b"%PDF-",
        "application/pdf",
        "prelude-2022-programme.pdf",
    )


@pytest.mark.parametrize(
    "stamped_at",
    [
        datetime(2026, 12, 6, 3, 57, tzinfo=UTC),
        datetime(2022, 10, 4, 16, 0, tzinfo=UTC),
        datetime(2023, 5, 1, 7, 5, tzinfo=UTC),
        datetime(2024, 9, 30, 21, 45, tzinfo=UTC),
    ],
    ids=["december", "october", "may", "september"],
)
def test_the_cover_note_never_leaves_a_word_alone_on_its_line(
    db: DbSession, prelude: Event, stamped_at: datetime
) -> None:
    snapshot = dataclasses.replace(snapshot_of(db, prelude), stamped_at=stamped_at)

    cover = lines_of(page_texts(render_programme_pdf(snapshot))[0])

    note = cover[cover.index(next(line for line in cover if line.startswith("All"))) :]
    assert note[0] == "All times are local times at the event (Europe/Paris).", note
    assert len(note) == 2 and note[1].startswith("Version 3 of the programme, released "), note
