"""Materials and attendees' programmes follow the programme the public sees: a session added to the
draft after the last release shows nowhere publicly, and neither do its files, until the next release."""

from datetime import date
from urllib.parse import quote

from fastapi.testclient import TestClient

from app.db import DbSession
from app.materials import service
from app.materials.models import MaterialKind, MaterialVersion, MaterialVisibility
from app.programme.models import Session
from app.programme.releases import release_programme
from app.registration.models import AttendanceChoice
from app.settings import Settings
from app.speakers.models import Speaker
from app.storage import LocalStorage, StoredUpload, store_bytes
from tests.conftest import SmtpServer
from tests.factories import add_role, at, make_event, make_room, make_session, make_speaker
from tests.materials.samples import PDF_BYTES
from tests.registration.manage_factories import make_registration_form
from tests.registration.public_factories import links, register


def _slides(
    db: DbSession, settings: Settings, session: Session, name: str, speaker: Speaker | None = None
) -> MaterialVersion:
    key = store_bytes(LocalStorage(settings.upload_dir), PDF_BYTES)
    upload = StoredUpload(key=key, size=len(PDF_BYTES), filename=name, content_type="application/pdf")
    return service.add_file_version(
        db,
        session,
        talk_id=None,
        speaker=speaker,
        kind=MaterialKind.slides,
        title=name.removesuffix(".pdf"),
        visibility=MaterialVisibility.public,
        upload=upload,
    )


def _url(version: MaterialVersion) -> str:
    return f"/materials/{version.id}/{quote(version.filename)}"


def test_materials_of_a_session_added_after_the_last_release_stay_private(
    client: TestClient, db: DbSession, settings: Settings
) -> None:
    event = make_event(db, start_date=date(2022, 10, 5), end_date=date(2022, 10, 6))
    speaker = make_speaker(db, event, name="Ada Lovelace")
    released = make_session(
        db, event, title="Opening keynote", start_at=at(event, 0, 9), end_at=at(event, 0, 10)
    )
    add_role(db, released, speaker)
    released_slides = _slides(db, settings, released, "Opening.pdf", speaker)
    release_programme(db, event, "", None)
    draft = make_session(
        db, event, title="Unannounced merger talk", start_at=at(event, 0, 11), end_at=at(event, 0, 12)
    )
    add_role(db, draft, speaker)
    draft_slides = _slides(db, settings, draft, "Merger.pdf", speaker)

    page = client.get(f"/events/{event.slug}/materials")
    speaker_page = client.get(f"/events/{event.slug}/speakers/{speaker.id}")
    released_download = client.get(_url(released_slides))
    draft_download = client.get(_url(draft_slides))

    assert (page.status_code, "Opening" in page.text) == (200, True)
    assert "Merger" not in page.text and "Unannounced merger talk" not in page.text
    assert (speaker_page.status_code, "Opening" in speaker_page.text) == (200, True)
    assert "Merger" not in speaker_page.text
    assert (released_download.status_code, released_download.content) == (200, PDF_BYTES)
    assert draft_download.status_code == 404


def test_materials_follow_the_draft_before_the_first_release(
    client: TestClient, db: DbSession, settings: Settings
) -> None:
    event = make_event(db)
    session = make_session(db, event, title="Opening keynote")
    slides = _slides(db, settings, session, "Opening.pdf")

    page = client.get(f"/events/{event.slug}/materials")
    download = client.get(_url(slides))

    assert (page.status_code, "Opening" in page.text) == (200, True)
    assert (download.status_code, download.content) == (200, PDF_BYTES)


def test_online_attendee_gets_stream_links_of_released_sessions_only(
    client: TestClient, db: DbSession, smtp: SmtpServer
) -> None:
    event = make_event(db)
    make_registration_form(db, event)
    room = make_room(db, event, name="Main hall", stream_url="https://stream.example.org/main")
    opening = dict(start_at=at(event, 0, 9), end_at=at(event, 0, 10), room_id=room.id)
    make_session(db, event, title="Opening keynote", **opening)
    release_programme(db, event, "", None)
    later = dict(start_at=at(event, 0, 11), end_at=at(event, 0, 12), room_id=room.id)
    make_session(db, event, title="Unannounced merger talk", **later)
    person = register(db, event, smtp, 1, mode=AttendanceChoice.online).registration

    page = client.get(links().manage_path(person))

    assert (page.status_code, "Opening keynote" in page.text) == (200, True)
    assert "Unannounced merger talk" not in page.text
