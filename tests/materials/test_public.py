"""What the public sees of materials: published ones on the session, speaker and materials pages, with a
download; anything not published (yet) appears nowhere, not even in the API."""

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app.db import DbSession
from app.events.models import Event
from app.materials import service as material_service
from app.materials.models import MaterialKind, MaterialVersion, MaterialVisibility
from app.materials.queries import materials_of_session, published_materials
from app.programme.models import Session
from app.settings import Settings
from app.speakers.models import Speaker
from app.storage import LocalStorage, StoredUpload, store_bytes
from tests.factories import add_role, at, make_event, make_session, make_speaker
from tests.materials.samples import PDF_BYTES


@pytest.fixture
def event(db: DbSession) -> Event:
    return make_event(db)


def stored_pdf(settings: Settings, name: str, content: bytes = PDF_BYTES) -> StoredUpload:
    key = store_bytes(LocalStorage(settings.upload_dir), content)
    return StoredUpload(key=key, size=len(content), filename=name, content_type="application/pdf")


def add_slides(
    db: DbSession,
    session: Session,
    speaker: Speaker | None,
    upload: StoredUpload,
    visibility: MaterialVisibility,
) -> int:
    version = material_service.add_file_version(
        db,
        session,
        talk_id=None,
        speaker=speaker,
        kind=MaterialKind.slides,
        title=upload.filename.removesuffix(".pdf"),
        visibility=visibility,
        upload=upload,
    )
    return version.id


@pytest.mark.parametrize(
    ("visibility", "before_start", "during", "after_end"),
    [
        (MaterialVisibility.public, True, True, True),
        (MaterialVisibility.after_session, False, False, True),
        (MaterialVisibility.hidden, False, False, False),
    ],
    ids=["public-now", "after-the-session", "never"],
)
def test_material_visibility_follows_the_chosen_timing(
    db: DbSession,
    event: Event,
    settings: Settings,
    visibility: MaterialVisibility,
    before_start: bool,
    during: bool,
    after_end: bool,
) -> None:
    session = make_session(db, event)
    add_slides(db, session, None, stored_pdf(settings, "deck.pdf"), visibility)
    moments = [session.start_at - timedelta(days=1), session.start_at + timedelta(minutes=10), session.end_at]

    seen = [bool(materials_of_session(db, session, now)) for now in moments]
    listed = [bool(published_materials(db, event, now)) for now in moments]

    assert seen == [before_start, during, after_end]
    assert listed == seen


@pytest.fixture
def planted(db: DbSession, settings: Settings) -> dict[str, object]:
    """A session that has happened with one published deck, one hidden deck, a hidden recording, and a
    session still to come with a deck public only after it."""
    event = make_event(db, slug="archive-2026", start_date=date(2026, 11, 20), end_date=date(2026, 11, 21))
    past = make_session(db, event, title="Past session")
    future = make_session(
        db,
        event,
        title="Future session",
        start_at=at(event, 0, 10) + timedelta(days=400),
        end_at=at(event, 0, 11) + timedelta(days=400),
    )
    speaker = make_speaker(db, event)
    add_role(db, past, speaker)
    add_role(db, future, speaker)
    published = add_slides(
        db, past, speaker, stored_pdf(settings, "published-deck.pdf"), MaterialVisibility.public
    )
    add_slides(
        db,
        past,
        None,
        stored_pdf(settings, "SECRET-hidden-deck.pdf", PDF_BYTES + b"%1"),
        MaterialVisibility.hidden,
    )
    add_slides(
        db,
        future,
        speaker,
        stored_pdf(settings, "SECRET-early-deck.pdf", PDF_BYTES + b"%2"),
        MaterialVisibility.after_session,
    )
    material_service.add_link_material(
        db,
        past,
        talk_id=None,
        speaker=None,
        kind=MaterialKind.recording,
        title="SECRET-recording",
        url="https://video.example.org/SECRET",
        visibility=MaterialVisibility.hidden,
    )
    return {"event": event, "past": past, "future": future, "speaker": speaker, "published": published}


def test_unpublished_material_never_appears_on_public_pages_or_the_api(
    planted: dict[str, object], client: TestClient
) -> None:
    event, past, future, speaker = planted["event"], planted["past"], planted["future"], planted["speaker"]
    slug = event.slug
    pages = {
        "session": client.get(f"/events/{slug}/sessions/{past.id}"),
        "future session": client.get(f"/events/{slug}/sessions/{future.id}"),
        "speaker": client.get(f"/events/{slug}/speakers/{speaker.id}"),
        "materials": client.get(f"/events/{slug}/materials"),
        "api programme": client.get(f"/api/events/{slug}/programme"),
        "api session": client.get(f"/api/events/{slug}/sessions/{past.id}"),
        "api speaker": client.get(f"/api/events/{slug}/speakers/{speaker.id}"),
    }

    assert {name: page.status_code for name, page in pages.items()} == {name: 200 for name in pages}
    assert [name for name, page in pages.items() if "SECRET" in page.text] == []
    assert [name for name, page in pages.items() if "published-deck" in page.text] == [
        "session",
        "speaker",
        "materials",
    ]


def test_hidden_file_cannot_be_downloaded_by_guessing_its_address(
    db: DbSession, planted: dict[str, object], client: TestClient
) -> None:
    hidden = db.exec(
        select(MaterialVersion).where(MaterialVersion.filename == "SECRET-hidden-deck.pdf")
    ).one()

    response = client.get(f"/materials/{hidden.id}/{hidden.filename}")

    assert response.status_code == 404
    assert response.content != PDF_BYTES + b"%1"


def test_public_session_page_offers_the_published_slides_for_download(
    planted: dict[str, object], client: TestClient
) -> None:
    event, past, published = planted["event"], planted["past"], planted["published"]

    page = client.get(f"/events/{event.slug}/sessions/{past.id}")
    download = client.get(f"/materials/{published}/published-deck.pdf")

    link = f'<a href="http://testserver/materials/{published}/published-deck.pdf" download>published-deck</a>'
    assert link in page.text
    assert (download.status_code, download.content) == (200, PDF_BYTES)


def test_event_materials_page_lists_published_materials_by_session(
    db: DbSession, event: Event, settings: Settings, client: TestClient
) -> None:
    first = make_session(db, event, title="Opening")
    second = make_session(db, event, title="Closing", start_at=at(event, 1, 16), end_at=at(event, 1, 17))
    add_slides(db, second, None, stored_pdf(settings, "closing.pdf"), MaterialVisibility.public)
    material_service.add_link_material(
        db,
        first,
        talk_id=None,
        speaker=None,
        kind=MaterialKind.recording,
        title="Opening video",
        url="https://video.example.org/opening",
        visibility=MaterialVisibility.public,
    )

    page = client.get(f"/events/{event.slug}/materials").text

    assert page.index("Opening video") < page.index("closing")
    assert (
        '<a href="https://video.example.org/opening" rel="noopener noreferrer nofollow">Opening video</a>'
        in page
    )
    assert "(PDF, " in page


def test_event_materials_page_of_a_draft_event_is_not_found(db: DbSession, client: TestClient) -> None:
    draft = make_event(db, slug="draft-event", is_published=False)

    response = client.get(f"/events/{draft.slug}/materials")

    assert response.status_code == 404
    assert "There is no public event at this address." in response.text
