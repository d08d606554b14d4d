"""Storage does not grow forever: versions beyond the limit go, and so do files nobody references,
but never a file that is in use or was stored too recently (an upload in progress)."""

import os
import time
from datetime import timedelta
from pathlib import Path

import boto3
import pytest
from sqlmodel import col, select

from app.accounts.models import User
from app.db import DbSession, utcnow
from app.events.models import Event, EventOrganiser
from app.materials import service
from app.materials.models import MaterialKind, MaterialVersion, MaterialVisibility
from app.materials.retention import collect_unreferenced_files, prune_all_versions
from app.programme.models import Session
from app.settings import Settings
from app.storage import LocalStorage, S3Storage, Storage, StoredUpload, content_key, store_bytes
from tests.conftest import BrowserLikeClient
from tests.factories import make_event, make_session, make_speaker
from tests.materials import samples
from tests.materials.conftest import BUCKET
from tests.test_cli import run_cli

LATER = timedelta(hours=2)


@pytest.fixture
def event(db: DbSession, organiser: User) -> Event:
    event = make_event(db)
    db.add(EventOrganiser(event_id=event.id, user_id=organiser.id))
    db.commit()
    return event


@pytest.fixture
def session(db: DbSession, event: Event) -> Session:
    return make_session(db, event)


def _add_slides(
    db: DbSession, session: Session, storage: Storage, content: bytes, keep: int | None = None
) -> MaterialVersion:
    key = store_bytes(storage, content)
    return service.add_file_version(
        db,
        session,
        talk_id=None,
        speaker=None,
        kind=MaterialKind.slides,
        title="Keynote",
        visibility=MaterialVisibility.public,
        upload=StoredUpload(
            key=key, size=len(content), filename="keynote.pdf", content_type="application/pdf"
        ),
        keep_versions=keep,
        storage=storage,
    )


def _age(storage: LocalStorage, *contents: bytes) -> None:
    """Makes files look stored two hours ago, as they would be in real use."""
    past = time.time() - LATER.total_seconds()
    for content in contents:
        os.utime(storage.path_of(content_key(content)), (past, past))


def test_collect_unreferenced_files_deletes_only_old_files_nothing_uses(
    db: DbSession, event: Event, session: Session, storage: Storage
) -> None:
    _add_slides(db, session, storage, b"%PDF slides in the programme")
    speaker = make_speaker(db, event)
    speaker.photo_key = store_bytes(storage, b"a speaker photo")
    db.add(speaker)
    db.commit()
    orphan = store_bytes(storage, b"slides of a deleted material")

    right_away = collect_unreferenced_files(db, storage, utcnow())
    later = collect_unreferenced_files(db, storage, utcnow() + LATER)

    assert (right_away.deleted, right_away.spared_recent) == ((), 1)
    assert (later.deleted, later.spared_recent) == ((orphan,), 0)
    assert sorted(stored.key for stored in storage.stored_files()) == sorted(
        [content_key(b"%PDF slides in the programme"), content_key(b"a speaker photo")]
    )


def test_collect_unreferenced_files_spares_a_file_stored_again_by_an_upload_in_progress(
    db: DbSession, storage: Storage
) -> None:
    key = store_bytes(storage, b"deleted long ago, uploaded again now")
    first = storage.modified_at(key)
    time.sleep(1.1)  # S3 keeps times to the second

    store_bytes(storage, b"deleted long ago, uploaded again now")  # the upload has not recorded it yet
    # Without the second store, the file would be old enough to go: it was stored before the cut-off.
    report = collect_unreferenced_files(db, storage, first + timedelta(hours=1, seconds=0.5))

    assert report.deleted == ()
    assert storage.exists(key) is True


def test_local_storage_sweeps_copies_left_by_a_killed_process(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "uploads")
    key = store_bytes(storage, b"finished upload")
    folder = storage.path_of(key).parent
    abandoned, arriving = folder / ".incoming-abandoned", folder / ".incoming-arriving"
    abandoned.write_bytes(b"half a file")
    arriving.write_bytes(b"a file being copied")
    past = time.time() - LATER.total_seconds()
    os.utime(abandoned, (past, past))

    removed = storage.remove_partial_uploads(utcnow() - timedelta(hours=1))

    assert removed == 1
    assert sorted(p.name for p in folder.iterdir()) == [".incoming-arriving", key]


def test_s3_storage_aborts_multipart_uploads_that_never_finished(
    s3_storage: S3Storage, moto_endpoint: str
) -> None:
    client = boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1")
    client.create_multipart_upload(Bucket=BUCKET, Key=s3_storage.object_name(content_key(b"cut off")))

    # moto reports every multipart upload as initiated in 2010, so only the abort itself is checked here.
    removed = s3_storage.remove_partial_uploads(utcnow() - timedelta(hours=1))

    assert removed == 1
    assert client.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []


def test_uploading_slides_again_keeps_the_last_versions_and_deletes_older_files(
    db: DbSession, event: Event, session: Session, tmp_path: Path
) -> None:
    storage = LocalStorage(tmp_path / "uploads")
    contents = [b"%PDF draft " + bytes([n]) for n in range(1, 6)]
    shared = contents[0]  # the first draft is also attached to another session
    _add_slides(db, make_session(db, event, title="Rehearsal"), storage, shared)
    for content in contents:
        _age(storage, *(c for c in contents if storage.exists(content_key(c))))
        latest = _add_slides(db, session, storage, content, keep=3)

    numbers = db.exec(
        select(MaterialVersion.number)
        .where(MaterialVersion.material_id == latest.material_id)
        .order_by(col(MaterialVersion.number))
    ).all()
    assert numbers == [3, 4, 5]
    assert [storage.exists(content_key(content)) for content in contents] == [True, False, True, True, True]


def test_organiser_upload_beyond_the_limit_keeps_the_newest_versions(
    organiser_client: BrowserLikeClient, db: DbSession, settings: Settings, event: Event, session: Session
) -> None:
    settings.material_versions_kept = 2
    for pages in (1, 2, 3):
        response = organiser_client.post(
            f"/manage/events/{event.slug}/materials/sessions/{session.id}/upload",
            data={"kind": "slides", "visibility": "public", "title": "Keynote"},
            files={"file": (f"keynote-v{pages}.pdf", samples.pdf_bytes(pages=pages), "application/pdf")},
        )
        assert response.status_code == 303  # type: ignore[attr-defined]

    db.rollback()
    versions = db.exec(select(MaterialVersion).order_by(col(MaterialVersion.number))).all()
    assert [(v.number, v.filename) for v in versions] == [(2, "keynote-v2.pdf"), (3, "keynote-v3.pdf")]
    public = organiser_client.client.get(f"/materials/{versions[-1].id}/keynote-v3.pdf")
    assert (public.status_code, public.content) == (200, samples.pdf_bytes(pages=3))


def test_clean_storage_command_deletes_files_nothing_references(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "SECRET_KEY": "cli-test-secret-key-0123456789",
        "UPLOAD_DIR": str(tmp_path / "uploads"),
    }
    assert run_cli(env, "migrate").returncode == 0
    storage = LocalStorage(tmp_path / "uploads")
    old, recent = store_bytes(storage, b"orphan from last year"), store_bytes(storage, b"arriving now")
    past = time.time() - LATER.total_seconds()
    os.utime(storage.path_of(old), (past, past))

    result = run_cli(env, "clean-storage")

    assert (result.returncode, result.stdout) == (
        0,
        "Removed 0 old versions beyond the last 10 of each material; deleted 1 unreferenced files; "
        "kept 1 recent ones for now; swept 0 leftovers of interrupted uploads.\n",
    )
    assert [stored.key for stored in storage.stored_files()] == [recent]


def test_prune_all_versions_applies_a_lowered_limit_to_materials_uploaded_before(
    db: DbSession, session: Session, tmp_path: Path
) -> None:
    storage = LocalStorage(tmp_path / "uploads")
    contents = [b"%PDF before the limit " + bytes([n]) for n in range(1, 5)]
    for content in contents:
        latest = _add_slides(db, session, storage, content)  # no limit then

    removed = prune_all_versions(db, keep=2)

    numbers = db.exec(
        select(MaterialVersion.number).where(MaterialVersion.material_id == latest.material_id)
    ).all()
    assert (sorted(numbers), sorted(removed)) == ([3, 4], sorted(content_key(c) for c in contents[:2]))
