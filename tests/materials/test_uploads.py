import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import select

from app.accounts.models import User
from app.db import DbSession
from app.events.models import Event, EventOrganiser
from app.materials.models import Material, MaterialKind, MaterialVersion, MaterialVisibility
from app.programme.models import Session
from app.settings import Settings
from app.storage import content_key
from app.uploads.receiving import sanitise_filename
from tests.conftest import BrowserLikeClient
from tests.factories import make_event, make_session
from tests.materials import samples

LIMIT = 64 * 1024
TOO_LARGE = "The file is too large: the limit is 64 KB."
NOT_ACCEPTED = (
    "This file type is not accepted. Upload a PDF, PowerPoint, Keynote or OpenDocument presentation, "
    "or an MP4, MOV, WebM or MKV video."
)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"max_upload_bytes": LIMIT})


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


def _field_part(boundary: str, name: str, value: str) -> str:
    return f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'


def _stored_files(settings: Settings) -> list[str]:
    return sorted(p.name for p in Path(settings.upload_dir).rglob("*") if p.is_file())


def _versions(db: DbSession) -> list[tuple[str, str, str, int]]:
    db.rollback()
    return [
        (m.title, v.filename, v.content_type, v.size)
        for v, m in db.exec(select(MaterialVersion, Material).join(Material)).all()
    ]


def test_upload_stores_a_pdf_by_its_hash_and_returns_to_the_materials_page(
    organiser_client: BrowserLikeClient, db: DbSession, settings: Settings, event: Event, session: Session
) -> None:
    response = organiser_client.post(
        _url(event, session),
        data={"title": "Opening slides", "kind": "slides", "visibility": "public"},
        files={"file": ("Opening.pdf", samples.PDF_BYTES, "application/pdf")},
    )

    assert (response.status_code, response.headers["location"]) == (
        303,
        f"http://testserver/manage/events/{event.slug}/materials",
    )
    assert _versions(db) == [("Opening slides", "Opening.pdf", "application/pdf", len(samples.PDF_BYTES))]
    assert _stored_files(settings) == [content_key(samples.PDF_BYTES)]


def test_upload_of_the_same_file_twice_is_stored_once(
    organiser_client: BrowserLikeClient, db: DbSession, settings: Settings, event: Event, session: Session
) -> None:
    for name in ("first.pdf", "again.pdf"):
        organiser_client.post(
            _url(event, session),
            data={"kind": "slides", "visibility": "public"},
            files={"file": (name, samples.PDF_BYTES, "application/pdf")},
        )

    db.rollback()
    numbers = [v.number for v in db.exec(select(MaterialVersion).order_by(MaterialVersion.number))]
    assert numbers == [1, 2]
    assert _stored_files(settings) == [content_key(samples.PDF_BYTES)]


def test_upload_larger_than_the_limit_is_refused_with_413(
    organiser_client: BrowserLikeClient, db: DbSession, settings: Settings, event: Event, session: Session
) -> None:
    big = samples.PDF_BYTES + b"\x00" * (LIMIT * 2)

    response = organiser_client.post(
        _url(event, session), data={"kind": "slides"}, files={"file": ("big.pdf", big, "application/pdf")}
    )

    assert response.status_code == 413
    assert TOO_LARGE in response.text
    assert (_versions(db), _stored_files(settings)) == ([], [])


def test_upload_over_the_limit_stops_reading_the_body_early(
    app: FastAPI,
    organiser_client: BrowserLikeClient,
    db: DbSession,
    settings: Settings,
    event: Event,
    session: Session,
) -> None:
    # Sent chunked (no Content-Length), so only the check while streaming can stop it.
    boundary = "plenary-test-boundary"
    head = (
        _field_part(boundary, "csrf_token", organiser_client.csrf)
        + f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="huge.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    chunk = b"\x00" * 16 * 1024
    total_chunks = 640  # 10 MB
    sent = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal sent
        yield head + samples.PDF_BYTES
        for _ in range(total_chunks):
            sent += len(chunk)
            yield chunk
        yield f"\r\n--{boundary}--\r\n".encode()

    async def upload() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", cookies=organiser_client.client.cookies
        ) as client:
            return await client.post(
                _url(event, session),
                content=body(),
                headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
            )

    response = asyncio.run(upload())

    assert response.status_code == 413
    assert TOO_LARGE in response.text
    assert sent <= LIMIT + 2 * len(chunk)
    assert (_versions(db), _stored_files(settings)) == ([], [])


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("slides.pdf", samples.HTML_BYTES),
        ("slides.pdf", samples.SVG_BYTES),
        ("report.pptx", samples.docx_bytes()),
        ("notes.ppt", samples.ole2_bytes("WordDocument")),
    ],
    ids=["html-named-pdf", "svg-named-pdf", "docx-named-pptx", "word-named-ppt"],
)
def test_upload_of_a_disguised_file_is_refused(
    organiser_client: BrowserLikeClient,
    db: DbSession,
    settings: Settings,
    event: Event,
    session: Session,
    filename: str,
    content: bytes,
) -> None:
    response = organiser_client.post(
        _url(event, session), data={"kind": "slides"}, files={"file": (filename, content, "application/pdf")}
    )

    assert response.status_code == 415
    assert NOT_ACCEPTED in response.text
    assert (_versions(db), _stored_files(settings)) == ([], [])


def test_upload_with_a_hostile_name_is_stored_under_a_safe_name(
    organiser_client: BrowserLikeClient, db: DbSession, event: Event, session: Session
) -> None:
    organiser_client.post(
        _url(event, session),
        data={"kind": "slides", "title": "Slides"},
        files={"file": ("../../../etc/.\x1b[31mpasswd\u202egpj.html", samples.PDF_BYTES, "text/html")},
    )

    assert _versions(db) == [("Slides", "[31mpasswdgpj.pdf", "application/pdf", len(samples.PDF_BYTES))]


@pytest.mark.parametrize(
    ("name", "extension", "expected"),
    [
        ("../../etc/passwd", ".pdf", "passwd.pdf"),
        ("C:\\Users\\ana\\Talk.PPTX", ".pptx", "Talk.pptx"),
        ("...hidden.pdf", ".pdf", "hidden.pdf"),
        ("slides\x00.pdf\r\n", ".pdf", "slides.pdf"),
        ("invoice\u202efdp.exe", ".pdf", "invoicefdp.pdf"),
        ('a"b;c<d>.key', ".key", "a_b_c_d_.key"),
        ("v1.2 final", ".pdf", "v1.2 final.pdf"),
        ("", ".mp4", "file.mp4"),
        ("x" * 300 + ".pdf", ".pdf", "x" * 120 + ".pdf"),
    ],
    ids=[
        "traversal",
        "windows-path",
        "leading-dots",
        "control-chars",
        "rtl-override",
        "quotes",
        "dotted",
        "empty",
        "long",
    ],
)
def test_sanitise_filename_makes_names_safe(name: str, extension: str, expected: str) -> None:
    assert sanitise_filename(name, extension) == expected


def test_upload_without_csrf_token_is_refused_before_storing(
    organiser_client: BrowserLikeClient, db: DbSession, settings: Settings, event: Event, session: Session
) -> None:
    response = organiser_client.client.post(
        _url(event, session),
        data={"kind": "slides"},
        files={"file": ("a.pdf", samples.PDF_BYTES, "application/pdf")},
    )

    assert response.status_code == 403
    assert "This form has expired; reload the page and try again." in response.text
    assert (_versions(db), _stored_files(settings)) == ([], [])


def test_upload_with_csrf_token_after_the_file_is_refused(
    organiser_client: BrowserLikeClient, db: DbSession, settings: Settings, event: Event, session: Session
) -> None:
    boundary = "b0undary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n'.encode()
        + samples.PDF_BYTES
        + b"\r\n"
        + _field_part(boundary, "csrf_token", organiser_client.csrf).encode()
        + f"--{boundary}--\r\n".encode()
    )

    response = organiser_client.client.post(
        _url(event, session),
        content=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )

    assert response.status_code == 403
    assert (_versions(db), _stored_files(settings)) == ([], [])


def test_upload_with_csrf_header_is_accepted(
    organiser_client: BrowserLikeClient, db: DbSession, event: Event, session: Session
) -> None:
    response = organiser_client.client.post(
        _url(event, session),
        data={"kind": "file", "title": "Handout", "visibility": "hidden"},
        files={"file": ("handout.odp", samples.odp_bytes(), "application/octet-stream")},
        headers={"X-CSRF-Token": organiser_client.csrf, "HX-Request": "true"},
    )

    assert (response.status_code, response.headers["HX-Redirect"]) == (
        204,
        f"http://testserver/manage/events/{event.slug}/materials",
    )
    db.rollback()
    material = db.exec(select(Material)).one()
    assert (material.kind, material.visibility) == (MaterialKind.file, MaterialVisibility.hidden)


def test_upload_without_a_file_shows_an_error(
    organiser_client: BrowserLikeClient, db: DbSession, event: Event, session: Session
) -> None:
    # A browser sends an empty file part when no file was chosen.
    response = organiser_client.post(
        _url(event, session), data={"kind": "slides"}, files={"file": ("", b"", "application/octet-stream")}
    )

    assert response.status_code == 422
    assert "Choose a file to upload." in response.text
    assert _versions(db) == []


def test_upload_by_someone_who_is_not_an_organiser_reads_nothing(
    client: TestClient, db: DbSession, settings: Settings, event: Event, session: Session
) -> None:
    response = client.post(
        _url(event, session),
        data={"kind": "slides"},
        files={"file": ("a.pdf", samples.PDF_BYTES, "application/pdf")},
    )

    assert (response.status_code, response.headers["location"].split("?")[0]) == (
        303,
        "http://testserver/login",
    )
    assert (_versions(db), _stored_files(settings)) == ([], [])
