from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta

import pytest
from sqlmodel import func, select

from app.db import DbSession
from app.errors import InvalidInput
from app.events.models import Event
from app.materials import service
from app.materials.models import Material, MaterialKind, MaterialVersion, MaterialVisibility
from app.materials.queries import (
    materials_of_session,
    published_materials,
)
from app.programme.models import Session
from app.storage import StoredUpload, content_key
from tests.factories import at, make_event, make_session, make_speaker, make_talk


def _count(db: DbSession, model: type) -> int:
    return db.exec(select(func.count()).select_from(model)).one()


def _upload(content: bytes = b"%PDF-1.7 slides", filename: str = "slides.pdf") -> StoredUpload:
    return StoredUpload(
        key=content_key(content), size=len(content), filename=filename, content_type="application/pdf"
    )


def _slides(
    db: DbSession, session: Session, visibility: MaterialVisibility, **overrides: object
) -> MaterialVersion:
    values: dict = {
        "talk_id": None,
        "speaker": None,
        "kind": MaterialKind.slides,
        "title": "Slides",
        "visibility": visibility,
        "upload": _upload(),
    }
    values.update(overrides)
    return service.add_file_version(db, session, **values)


@pytest.fixture
def event(db: DbSession) -> Event:
    return make_event(db)


@pytest.fixture
def session(db: DbSession, event: Event) -> Session:
    return make_session(db, event)


def test_add_file_version_keeps_older_versions_of_a_speakers_slides(
    db: DbSession, event: Event, session: Session
) -> None:
    speaker = make_speaker(db, event)
    first = _slides(
        db, session, MaterialVisibility.public, speaker=speaker, upload=_upload(b"%PDF v1", "draft.pdf")
    )

    second = _slides(
        db, session, MaterialVisibility.public, speaker=speaker, upload=_upload(b"%PDF v2", "final.pdf")
    )

    [item] = materials_of_session(db, session, at(event, 0, 9), include_hidden=True)
    assert (second.material_id, second.number) == (first.material_id, 2)
    assert [(v.number, v.filename, v.uploaded_by_speaker_id) for v in item.versions] == [
        (2, "final.pdf", speaker.id),
        (1, "draft.pdf", speaker.id),
    ]


def test_add_file_version_of_another_speaker_is_another_material(
    db: DbSession, event: Event, session: Session
) -> None:
    first = _slides(db, session, MaterialVisibility.public, speaker=make_speaker(db, event))

    second = _slides(
        db,
        session,
        MaterialVisibility.public,
        speaker=make_speaker(db, event, name="Ana", email="ana@example.org"),
    )

    assert second.material_id != first.material_id
    assert second.number == 1


def test_add_file_version_refuses_a_talk_of_another_session(
    db: DbSession, event: Event, session: Session
) -> None:
    other_talk = make_talk(db, make_session(db, event, title="Other"))

    with pytest.raises(InvalidInput) as refused:
        _slides(db, session, MaterialVisibility.public, talk_id=other_talk.id)

    assert (refused.value.field, refused.value.message) == (
        "talk_id",
        "This talk is not part of the session.",
    )
    assert _count(db, Material) == 0


def test_add_file_version_refuses_a_speaker_of_another_event(db: DbSession, session: Session) -> None:
    stranger = make_speaker(db, make_event(db, slug="other-event"))

    with pytest.raises(InvalidInput) as refused:
        _slides(db, session, MaterialVisibility.public, speaker=stranger)

    assert refused.value.message == "This speaker is not part of the event."


def test_add_link_material_accepts_a_recording_address(db: DbSession, event: Event, session: Session) -> None:
    material = service.add_link_material(
        db,
        session,
        talk_id=None,
        speaker=None,
        kind=MaterialKind.recording,
        title="Recording",
        url=" https://video.example.org/watch/42 ",
        visibility=MaterialVisibility.after_session,
    )

    assert (material.kind, material.url, material.visibility) == (
        MaterialKind.recording,
        "https://video.example.org/watch/42",
        MaterialVisibility.after_session,
    )


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://files.example.org/x",
        "https://",
    ],
    ids=["javascript", "data", "ftp", "no-host"],
)
def test_add_link_material_refuses_addresses_that_are_not_web_pages(
    db: DbSession, session: Session, url: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        service.add_link_material(
            db,
            session,
            talk_id=None,
            speaker=None,
            kind=MaterialKind.link,
            title="Link",
            url=url,
            visibility=MaterialVisibility.public,
        )

    assert (refused.value.field, refused.value.message) == (
        "url",
        "Enter a web address starting with https:// or http://.",
    )


def test_published_materials_follow_the_visibility_timing(
    db: DbSession, event: Event, session: Session
) -> None:
    _slides(db, session, MaterialVisibility.public, title="Now", upload=_upload(b"%PDF now"))
    _slides(
        db,
        session,
        MaterialVisibility.after_session,
        kind=MaterialKind.file,
        title="After",
        upload=_upload(b"%PDF a"),
    )
    _slides(
        db,
        session,
        MaterialVisibility.hidden,
        kind=MaterialKind.file,
        title="Never",
        upload=_upload(b"%PDF h"),
    )

    during = [i.material.title for i in published_materials(db, event, session.end_at - timedelta(minutes=1))]
    after = [i.material.title for i in published_materials(db, event, session.end_at)]
    much_later = [
        i.material.title for i in published_materials(db, event, session.end_at + timedelta(days=400))
    ]

    assert during == ["Now"]
    assert after == ["Now", "After"]
    assert much_later == ["Now", "After"]


def test_materials_of_session_shows_hidden_material_only_to_organisers(
    db: DbSession, event: Event, session: Session
) -> None:
    _slides(db, session, MaterialVisibility.hidden, title="Draft")

    public = materials_of_session(db, session, at(event, 1, 9))
    organisers = materials_of_session(db, session, at(event, 1, 9), include_hidden=True)

    assert public == []
    assert [item.material.title for item in organisers] == ["Draft"]


def test_set_visibility_publishes_hidden_material(db: DbSession, event: Event, session: Session) -> None:
    version = _slides(db, session, MaterialVisibility.hidden)
    material = db.get(Material, version.material_id)

    service.set_visibility(db, material, MaterialVisibility.public)

    assert [i.material.id for i in published_materials(db, event, at(event, 0, 9))] == [material.id]


def test_delete_material_removes_it_with_its_versions(db: DbSession, event: Event, session: Session) -> None:
    version = _slides(db, session, MaterialVisibility.public)
    _slides(db, session, MaterialVisibility.public, upload=_upload(b"%PDF v2"))
    material = db.get(Material, version.material_id)

    service.delete_material(db, material)

    assert (_count(db, Material), _count(db, MaterialVersion)) == (0, 0)


def test_published_materials_takes_the_same_number_of_queries_for_one_or_three_sessions(
    db: DbSession, event: Event, count_queries: Callable[[], AbstractContextManager[list[str]]]
) -> None:
    def add_session_with_slides(index: int) -> None:
        session = make_session(
            db, event, title=f"S{index}", start_at=at(event, 0, 9 + index), end_at=at(event, 0, 10 + index)
        )
        speaker = make_speaker(db, event, name=f"Speaker {index}", email=f"s{index}@example.org")
        talk = make_talk(db, session)
        _slides(
            db,
            session,
            MaterialVisibility.public,
            speaker=speaker,
            talk_id=talk.id,
            upload=_upload(bytes([index])),
        )

    add_session_with_slides(0)
    with count_queries() as one:
        assert len(published_materials(db, event, at(event, 1, 9))) == 1
    add_session_with_slides(1)
    add_session_with_slides(2)
    with count_queries() as three:
        assert len(published_materials(db, event, at(event, 1, 9))) == 3

    assert len(one) == len(three)
