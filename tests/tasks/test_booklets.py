"""The programme booklet is built by a worker at release time (and when a reader finds none); readers get
the stored PDF or "being prepared, retry in a moment", never a wait for WeasyPrint."""

import time

import pytest
from sqlalchemy import func
from sqlmodel import select

from app.db import DbSession
from app.events.models import Event, EventOrganiser
from app.exports.models import StoredBooklet
from app.tasks.registry import Tasks
from tests.conftest import BrowserLikeClient
from tests.factories import at, make_event, make_room, make_session
from tests.tasks.workers import running_worker


@pytest.fixture
def event(db: DbSession, organiser) -> Event:
    event = make_event(db)
    event.is_published = True
    db.add(event)
    db.add(EventOrganiser(event_id=event.id, user_id=organiser.id))
    db.commit()
    room = make_room(db, event, name="Auditorium")
    make_session(db, event, title="Data governance panel", room_id=room.id, start_at=at(event, 0, 14))
    return event


def booklets(db: DbSession) -> int:
    db.rollback()
    return db.exec(select(func.count()).select_from(StoredBooklet)).one()


def wait_for_booklets(db: DbSession, count: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if booklets(db) >= count:
            return
        time.sleep(0.05)
    pytest.fail(f"{count} booklet(s) not built within a minute")


def test_releasing_has_a_worker_build_the_booklet_before_anyone_asks(
    tasks: Tasks, organiser_client: BrowserLikeClient, db: DbSession, event: Event
) -> None:
    with running_worker(tasks):
        organiser_client.post(f"/manage/events/{event.slug}/releases", {"note": "First programme"})
        wait_for_booklets(db, 1)

    response = organiser_client.get(f"/events/{event.slug}/programme.pdf")

    assert (response.status_code, response.headers["content-type"]) == (200, "application/pdf")
    assert response.content.startswith(b"%PDF")


def test_a_reader_who_finds_no_booklet_is_asked_to_come_back_and_one_build_is_queued(
    tasks: Tasks, client, db: DbSession, event: Event
) -> None:
    from app.programme.releases import release_programme

    release_programme(db, event, "", None)
    url = f"/events/{event.slug}/programme.pdf"

    readers = [client.get(url) for _ in range(3)]
    queued = tasks.queue.pending_count()
    with running_worker(tasks):
        wait_for_booklets(db, 1)
    served = client.get(url)

    first = readers[0]
    assert [reader.status_code for reader in readers] == [503, 503, 503]
    assert (first.headers["retry-after"], first.headers["cache-control"]) == ("10", "no-store")
    assert "The programme booklet is being prepared" in first.text
    assert '<meta http-equiv="refresh" content="10">' in first.text
    assert queued == 1
    assert (served.status_code, served.content[:4]) == (200, b"%PDF")


def test_a_booklet_queued_twice_is_rendered_and_stored_once(
    tasks: Tasks, client, db: DbSession, event: Event
) -> None:
    from app.programme.releases import release_programme

    release_programme(db, event, "", None)
    assert client.get(f"/events/{event.slug}/programme.pdf").status_code == 503
    (task,) = tasks.queue.pending()
    # The same booklet queued again (as by a reader once the first request's mark expired).
    again = tasks.build_booklet(*task.args)

    with running_worker(tasks, workers=1):
        second = again.get(blocking=True, timeout=60)

    assert second is False  # the first stored it; the second found it there
    assert booklets(db) == 1
