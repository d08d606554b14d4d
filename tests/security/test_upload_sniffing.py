"""Hostile uploads: HTML dressed as a video, PDF/HTML polyglots, a PDF header before junk."""

import io
from pathlib import Path
from urllib.parse import quote

import pytest
from pypdf import PdfWriter
from sqlmodel import select

from app.accounts.models import User
from app.db import DbSession
from app.events.models import Event, EventOrganiser
from app.materials.models import MaterialVersion
from app.programme.models import Session
from app.settings import Settings
from app.uploads.sniffing import DamagedFile, sniff_file
from tests.conftest import BrowserLikeClient
from tests.factories import make_event, make_session
from tests.materials import samples
from tests.materials.samples import iso_box

NOT_ACCEPTED = (
    "This file type is not accepted. Upload a PDF, PowerPoint, Keynote or OpenDocument presentation, "
    "or an MP4, MOV, WebM or MKV video."
)
DAMAGED_PDF = (
    "This PDF does not open: it may be damaged or incomplete. Export it again and upload the new file."
)
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
LOCKED_PDF = "This PDF opens only with a password; export it without one and upload the new file."
SCRIPT = b"<script>fetch('/manage').then(r => r.text()).then(steal)</script>"

DISGUISED = [
    # Text whose bytes 4 to 8 happen to spell a QuickTime atom or `ftyp` was taken for a video.
    ("html comment spelling a quicktime atom", b"<!--free-->" + samples.HTML_BYTES),
    ("html comment spelling ftyp", b"<!--ftypisom-->" + samples.HTML_BYTES),
    ("text spelling mdat", b"abcdmdat and then a page " + SCRIPT),
    ("ebml magic before html", b"\x1a\x45\xdf\xa3" + samples.HTML_BYTES),
    ("ebml header without a segment", samples.ebml_bytes(b"webm")[:-40] + samples.HTML_BYTES),
    ("mp4 box sizes past the end", b"\x00\x00\x10\x00ftypisom\x00\x00\x02\x00isomiso2"),
    ("mp4 with html after its ftyp",
     samples.mp4_bytes()[:24] + iso_box(b"free", SCRIPT) + iso_box(b"mdat", b"")),
    ("pdf with html in a comment", samples.pdf_bytes(comment=b"%<!doctype html><html>" + SCRIPT + b"\n")),
    ("pdf with svg in a comment", samples.pdf_bytes(comment=b"%" + samples.SVG_BYTES + b"\n")),
    ("html after a pdf header", b"%PDF-1.7\n" + samples.HTML_BYTES),
    ("pptx with html in a stored entry", samples.zip_bytes({
        "index.html": samples.HTML_BYTES,
        "[Content_Types].xml": b"<Types/>",
        "ppt/presentation.xml": b"<p:presentation/>",
    })),
]  # fmt: skip


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"max_upload_bytes": 64 * 1024})


@pytest.fixture
def event(db: DbSession, organiser: User) -> Event:
    event = make_event(db)
    db.add(EventOrganiser(event_id=event.id, user_id=organiser.id))
    db.commit()
    return event


@pytest.fixture
def session(db: DbSession, event: Event) -> Session:
    return make_session(db, event)


def _url(event: Event, session: Session) -> str:
    return f"/manage/events/{event.slug}/materials/sessions/{session.id}/upload"


def _stored_files(settings: Settings) -> list[str]:
    return sorted(p.name for p in Path(settings.upload_dir).rglob("*") if p.is_file())


def _upload(client: BrowserLikeClient, event: Event, session: Session, name: str, content: bytes) -> object:
    return client.post(
        _url(event, session),
        data={"kind": "slides", "visibility": "public", "title": "Keynote"},
        files={"file": (name, content, "application/octet-stream")},
        headers={"Accept": "application/json"},
    )


@pytest.mark.parametrize("content", [c[1] for c in DISGUISED], ids=[c[0] for c in DISGUISED])
def test_sniff_file_refuses_markup_and_fake_containers(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "upload.bin"
    path.write_bytes(content)

    assert sniff_file(path) is None


@pytest.mark.parametrize(
    "content",
    [b"%PDF-1.7\n" + bytes(range(256)) * 40, samples.PDF_BYTES[: len(samples.PDF_BYTES) // 2]],
    ids=["pdf header before junk", "pdf cut in half"],
)
def test_sniff_file_says_a_pdf_that_does_not_open_is_damaged(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "slides.pdf"
    path.write_bytes(content)

    with pytest.raises(DamagedFile):
        sniff_file(path)


@pytest.mark.parametrize(
    ("name", "content"),
    [("talk.mp4", DISGUISED[1][1]), ("talk.pdf", DISGUISED[7][1]), ("talk.mov", DISGUISED[0][1])],
    ids=["html as mp4", "pdf html polyglot", "html as mov"],
)
def test_upload_of_markup_in_disguise_is_refused_and_not_stored(
    organiser_client: BrowserLikeClient,
    db: DbSession,
    settings: Settings,
    event: Event,
    session: Session,
    name: str,
    content: bytes,
) -> None:
    response = _upload(organiser_client, event, session, name, content)

    assert (response.status_code, response.json()) == (415, {"detail": NOT_ACCEPTED})  # type: ignore[attr-defined]
    assert _stored_files(settings) == []
    assert db.exec(select(MaterialVersion)).all() == []


def test_upload_of_a_pdf_header_before_junk_keeps_the_published_slides(
    organiser_client: BrowserLikeClient, db: DbSession, settings: Settings, event: Event, session: Session
) -> None:
    good = samples.pdf_bytes(pages=3)
    first = _upload(organiser_client, event, session, "keynote.pdf", good)
    assert first.status_code == 303  # type: ignore[attr-defined]

    broken = _upload(organiser_client, event, session, "keynote-final.pdf", b"%PDF-1.7\n" + b"\x8f" * 4000)

    assert (broken.status_code, broken.json()) == (422, {"detail": DAMAGED_PDF})  # type: ignore[attr-defined]
    db.rollback()
    versions = db.exec(select(MaterialVersion)).all()
    assert [(v.number, v.filename) for v in versions] == [(1, "keynote.pdf")]
    organiser_client.client.cookies.clear()
    public = organiser_client.client.get(f"/materials/{versions[0].id}/{quote(versions[0].filename)}")
    assert (public.status_code, public.content) == (200, good)
    listed = organiser_client.client.get(f"/events/{event.slug}/materials")
    assert f"/materials/{versions[0].id}/keynote.pdf" in listed.text


@pytest.mark.parametrize(
    ("name", "content", "content_type", "disposition"),
    [
        ("deck.pdf", samples.PDF_BYTES, "application/pdf", "inline"),
        ("demo.mp4", samples.mp4_bytes(), "video/mp4", "attachment"),
        ("deck.pptx", samples.pptx_bytes(), PPTX, "attachment"),
    ],
    ids=["pdf", "video", "pptx"],
)
def test_download_of_an_accepted_upload_carries_safe_headers(
    organiser_client: BrowserLikeClient,
    db: DbSession,
    event: Event,
    session: Session,
    name: str,
    content: bytes,
    content_type: str,
    disposition: str,
) -> None:
    uploaded = _upload(organiser_client, event, session, name, content)
    assert uploaded.status_code == 303  # type: ignore[attr-defined]
    db.rollback()
    version = db.exec(select(MaterialVersion)).one()
    organiser_client.client.cookies.clear()

    response = organiser_client.client.get(f"/materials/{version.id}/{quote(version.filename)}")

    assert (
        response.headers["content-type"],
        response.headers["content-disposition"],
        response.headers["x-content-type-options"],
        response.headers["content-security-policy"],
    ) == (content_type, f"{disposition}; filename=\"{name}\"; filename*=UTF-8''{name}", "nosniff", "sandbox")


def _encrypted_pdf(user_password: str) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(samples.pdf_bytes(pages=2)))
    writer.encrypt(user_password=user_password, owner_password="organiser", algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_upload_of_a_pdf_locked_with_a_password_is_refused_but_not_one_only_restricted(
    organiser_client: BrowserLikeClient, db: DbSession, event: Event, session: Session
) -> None:
    locked = _upload(organiser_client, event, session, "locked.pdf", _encrypted_pdf("secret"))
    restricted = _upload(organiser_client, event, session, "no-printing.pdf", _encrypted_pdf(""))

    assert (locked.status_code, locked.json()) == (422, {"detail": LOCKED_PDF})  # type: ignore[attr-defined]
    assert restricted.status_code == 303  # type: ignore[attr-defined]
    db.rollback()
    assert [v.filename for v in db.exec(select(MaterialVersion))] == ["no-printing.pdf"]
