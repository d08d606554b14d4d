"""Uploads that go wrong leave nothing behind and lose nothing: a full disk answers 507 with a clear
message, a client that goes away mid-body leaves no temporary file, and what a killed process left is
swept later."""

import asyncio
import errno
import io
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import select

from app.accounts.models import User
from app.db import DbSession
from app.events.models import Event, EventOrganiser
from app.materials.models import MaterialVersion
from app.materials.retention import spool_dir_of
from app.programme.models import Session
from app.settings import Settings
from app.speakers.models import Speaker
from app.storage import LocalStorage, content_key
from tests.conftest import BrowserLikeClient
from tests.factories import make_event, make_session, make_speaker
from tests.materials import samples
from tests.portal.test_portal import open_portal, portal_path_for, reread

DISK_FULL = (
    "The server has no room left for files, so this file was not saved. Nothing else was changed; "
    "try again later, or tell the organisers."
)
INTERRUPTED = "The upload was interrupted; please send the file again."
TWO_HOURS = 2 * 3600


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


def _upload(
    client: BrowserLikeClient, event: Event, session: Session, name: str, content: bytes, **kw: Any
) -> Any:
    return client.post(
        _url(event, session),
        data={"kind": "slides", "visibility": "public", "title": "Keynote"},
        files={"file": (name, content, "application/pdf")},
        **kw,
    )


def _files_under(path: Path) -> list[str]:
    return sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file())


class _FullDisk:
    """A temporary file on a disk that fills up after `room` bytes, as the real one did."""

    def __init__(self, real: Any, room: int) -> None:
        self._real, self._room = real, room

    def write(self, data: bytes) -> int:
        self._room -= len(data)
        if self._room < 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        return self._real.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def __enter__(self) -> "_FullDisk":
        self._real.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._real.__exit__(*exc)


def _copy_onto_a_full_disk(source: Any, target: Any, length: int = 0) -> None:
    target.write(source.read(100))
    raise OSError(errno.ENOSPC, "No space left on device")


def test_upload_while_spooling_onto_a_full_disk_answers_507_and_keeps_the_published_slides(
    organiser_client: BrowserLikeClient,
    db: DbSession,
    settings: Settings,
    event: Event,
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    good = samples.pdf_bytes(pages=2)
    assert _upload(organiser_client, event, session, "keynote.pdf", good).status_code == 303
    real_temporary_file = tempfile.NamedTemporaryFile
    monkeypatch.setattr(
        tempfile, "NamedTemporaryFile", lambda *a, **kw: _FullDisk(real_temporary_file(*a, **kw), room=200)
    )

    response = _upload(
        organiser_client,
        event,
        session,
        "new.pdf",
        samples.pdf_bytes(pages=5),
        headers={"Accept": "application/json"},
    )

    assert (response.status_code, response.json()) == (507, {"detail": DISK_FULL})
    monkeypatch.undo()
    db.rollback()
    [version] = db.exec(select(MaterialVersion)).all()
    assert (version.number, version.filename) == (1, "keynote.pdf")
    assert _files_under(settings.upload_dir) == [f"{content_key(good)[:2]}/{content_key(good)}"]
    download = organiser_client.client.get(f"/materials/{version.id}/{quote(version.filename)}")
    assert download.content == good


def test_upload_into_a_full_storage_shows_507_in_the_page_and_leaves_no_partial_copy(
    organiser_client: BrowserLikeClient,
    db: DbSession,
    settings: Settings,
    event: Event,
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(shutil, "copyfileobj", _copy_onto_a_full_disk)

    response = _upload(organiser_client, event, session, "keynote.pdf", samples.PDF_BYTES)

    assert response.status_code == 507
    assert DISK_FULL in response.text
    assert db.exec(select(MaterialVersion)).all() == []
    assert _files_under(settings.upload_dir) == []  # no .incoming- copy, no spooled body


def test_speaker_photo_onto_a_full_disk_is_refused_in_the_form_and_changes_nothing(
    db: DbSession, event: Event, settings: Settings, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    speaker = make_speaker(db, event, bio="Works on hospital information systems.")
    path = portal_path_for(db, settings, speaker)
    _page, csrf = open_portal(client, path)
    monkeypatch.setattr(shutil, "copyfileobj", _copy_onto_a_full_disk)
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), (200, 30, 30)).save(buffer, format="PNG")

    response = client.post(
        f"{path}/profile",
        data={"csrf_token": csrf, "name": "Sang-Heon Lee", "bio": "A new bio"},
        files={"photo": ("me.png", buffer.getvalue(), "image/png")},
    )

    assert response.status_code == 422
    assert DISK_FULL in response.text
    reread(db)
    saved = db.get(Speaker, speaker.id)
    assert (saved.bio, saved.photo_key) == ("Works on hospital information systems.", None)


def test_upload_cut_off_by_the_client_mid_body_leaves_no_temporary_file(
    app: FastAPI,
    organiser_client: BrowserLikeClient,
    db: DbSession,
    settings: Settings,
    event: Event,
    session: Session,
) -> None:
    boundary = "plenary-test-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
        f"{organiser_client.csrf}\r\n"
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="keynote.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    cookies = "; ".join(f"{name}={value}" for name, value in organiser_client.client.cookies.items())
    spool = spool_dir_of(settings)
    seen_while_arriving: list[str] = []
    messages = [
        {"type": "http.request", "body": head + samples.PDF_BYTES[:200], "more_body": True},
        {"type": "http.request", "body": b"\x00" * 4096, "more_body": True},
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop(0)
        seen_while_arriving.extend(p.name[:7] for p in spool.iterdir())
        return {"type": "http.disconnect"}  # the speaker closed the laptop

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": _url(event, session),
        "raw_path": _url(event, session).encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"cookie", cookies.encode()),
            (b"content-type", f"multipart/form-data; boundary={boundary}".encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "state": {},
    }

    asyncio.run(app(scope, receive, send))

    assert seen_while_arriving == ["upload-"]  # the body was being spooled there
    assert sent[0]["status"] == 400
    assert INTERRUPTED in b"".join(m.get("body", b"") for m in sent[1:]).decode()
    assert _files_under(settings.upload_dir) == []
    assert db.exec(select(MaterialVersion)).all() == []


def test_next_upload_sweeps_what_a_killed_upload_left_an_hour_ago(
    organiser_client: BrowserLikeClient, settings: Settings, event: Event, session: Session
) -> None:
    storage = LocalStorage(settings.upload_dir)
    spool = spool_dir_of(settings)
    spool.mkdir(parents=True)
    folder = settings.upload_dir / "ab"
    folder.mkdir()
    left = [spool / "upload-killed", folder / ".incoming-killed"]
    arriving = [spool / "upload-arriving", folder / ".incoming-arriving"]
    past = time.time() - TWO_HOURS
    for path in left + arriving:
        path.write_bytes(b"part of a body")
    for path in left:
        os.utime(path, (past, past))

    response = _upload(organiser_client, event, session, "keynote.pdf", samples.PDF_BYTES)

    assert response.status_code == 303
    key = content_key(samples.PDF_BYTES)
    assert _files_under(settings.upload_dir) == sorted(
        [".spool/upload-arriving", "ab/.incoming-arriving", f"{key[:2]}/{key}"]
    )
    assert storage.exists(key) is True
