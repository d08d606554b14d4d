from datetime import date
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from app.accounts.models import User
from app.db import DbSession
from app.events.models import Event, EventOrganiser
from app.materials import service
from app.materials.models import MaterialKind, MaterialVersion, MaterialVisibility
from app.programme.models import Session
from app.settings import Settings
from app.storage import LocalStorage, StoredUpload, store_bytes
from tests.conftest import BrowserLikeClient
from tests.factories import make_event, make_session
from tests.materials import samples

PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


@pytest.fixture
def event(db: DbSession, organiser: User) -> Event:
    event = make_event(db)
    db.add(EventOrganiser(event_id=event.id, user_id=organiser.id))
    db.commit()
    return event


@pytest.fixture
def session(db: DbSession, event: Event) -> Session:
    return make_session(db, event)


def _add(
    db: DbSession,
    settings: Settings,
    session: Session,
    content: bytes,
    filename: str,
    content_type: str,
    visibility: MaterialVisibility = MaterialVisibility.public,
) -> MaterialVersion:
    key = store_bytes(LocalStorage(settings.upload_dir), content)
    upload = StoredUpload(key=key, size=len(content), filename=filename, content_type=content_type)
    return service.add_file_version(
        db,
        session,
        talk_id=None,
        speaker=None,
        kind=MaterialKind.file,
        title=filename,
        visibility=visibility,
        upload=upload,
    )


def _url(version: MaterialVersion) -> str:
    return f"/materials/{version.id}/{quote(version.filename)}"


def _safety_headers(response: object) -> tuple[str, str, str, str]:
    headers = response.headers  # type: ignore[attr-defined]
    return (
        headers["content-type"],
        headers["content-disposition"],
        headers["x-content-type-options"],
        headers["content-security-policy"],
    )


def test_download_of_a_published_pdf_may_open_inline(
    client: TestClient, db: DbSession, settings: Settings, session: Session
) -> None:
    version = _add(db, settings, session, samples.PDF_BYTES, "Opening.pdf", "application/pdf")

    response = client.get(_url(version))

    assert response.content == samples.PDF_BYTES
    assert _safety_headers(response) == (
        "application/pdf",
        "inline; filename=\"Opening.pdf\"; filename*=UTF-8''Opening.pdf",
        "nosniff",
        "sandbox",
    )


def test_download_of_slides_is_an_attachment_with_its_unicode_name(
    client: TestClient, db: DbSession, settings: Settings, session: Session
) -> None:
    version = _add(db, settings, session, samples.pptx_bytes(), "Données de santé.pptx", PPTX)

    response = client.get(_url(version))

    assert response.content == samples.pptx_bytes()
    assert _safety_headers(response) == (
        PPTX,
        "attachment; filename=\"Donnes de sant.pptx\"; filename*=UTF-8''Donn%C3%A9es%20de%20sant%C3%A9.pptx",
        "nosniff",
        "sandbox",
    )


def test_download_of_stored_html_is_never_rendered(
    client: TestClient, db: DbSession, settings: Settings, session: Session
) -> None:
    # Uploads refuse HTML; should one reach storage by another path, it still only downloads.
    version = _add(db, settings, session, samples.HTML_BYTES, "page.html", "text/html")

    response = client.get(_url(version))

    assert _safety_headers(response) == (
        "text/html; charset=utf-8",
        "attachment; filename=\"page.html\"; filename*=UTF-8''page.html",
        "nosniff",
        "sandbox",
    )


def test_download_of_hidden_material_is_refused_to_the_public_but_not_to_organisers(
    client: TestClient,
    organiser_client: BrowserLikeClient,
    db: DbSession,
    settings: Settings,
    session: Session,
) -> None:
    version = _add(
        db, settings, session, samples.PDF_BYTES, "draft.pdf", "application/pdf", MaterialVisibility.hidden
    )

    as_organiser = organiser_client.get(_url(version))
    client.cookies.clear()
    as_public = client.get(_url(version))

    assert (as_organiser.status_code, as_organiser.content) == (200, samples.PDF_BYTES)
    assert as_public.status_code == 404
    assert "This file does not exist or is not public." in as_public.text


def test_download_before_the_session_ends_waits_for_after_session_material(
    client: TestClient, db: DbSession, settings: Settings
) -> None:
    future = make_event(db, slug="future-event", start_date=date(2030, 5, 1), end_date=date(2030, 5, 2))
    session = make_session(db, future)
    version = _add(
        db,
        settings,
        session,
        samples.PDF_BYTES,
        "later.pdf",
        "application/pdf",
        MaterialVisibility.after_session,
    )

    response = client.get(_url(version))

    assert response.status_code == 404
    assert "This file does not exist or is not public." in response.text


def test_download_of_a_draft_events_material_is_refused(
    client: TestClient, db: DbSession, settings: Settings
) -> None:
    draft = make_event(db, slug="draft-event", is_published=False)
    version = _add(db, settings, make_session(db, draft), samples.PDF_BYTES, "a.pdf", "application/pdf")

    response = client.get(_url(version))

    assert response.status_code == 404


def test_download_under_another_name_is_refused(
    client: TestClient, db: DbSession, settings: Settings, session: Session
) -> None:
    version = _add(db, settings, session, samples.PDF_BYTES, "a.pdf", "application/pdf")

    response = client.get(f"/materials/{version.id}/other.html")

    assert response.status_code == 404
    assert "This file does not exist or is not public." in response.text


def test_download_of_an_older_version_still_works(
    client: TestClient, db: DbSession, settings: Settings, session: Session
) -> None:
    first = _add(db, settings, session, samples.PDF_BYTES, "talk.pdf", "application/pdf")
    second = _add(db, settings, session, samples.PDF_BYTES + b"% revised\n", "talk.pdf", "application/pdf")

    responses = [client.get(_url(first)).content, client.get(_url(second)).content]

    assert (first.number, second.number) == (1, 2)
    assert responses == [samples.PDF_BYTES, samples.PDF_BYTES + b"% revised\n"]
