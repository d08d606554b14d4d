"""Sending to a group with a real worker on the real queue (SQLite file, Redis): one message per
recipient reaches the mail server, and a stop halfway writes no more."""

import time

from sqlmodel import select

from app.db import DbSession
from app.messaging import service
from app.messaging.models import GroupMessage, GroupMessageStatus
from app.messaging.service import group_message_progress
from app.registration.models import AttendanceChoice
from tests.factories import make_event
from tests.messaging.crowd import make_crowd, register
from tests.registration.manage_factories import make_organiser_of, make_registration_form
from tests.tasks.conftest import queue_settings, tasks, worker  # noqa: F401 - the real queue's fixtures
from tests.tasks.workers import running_worker


def _wait_for(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _message(db):
    db.rollback()
    return db.exec(select(GroupMessage)).one()


def test_a_worker_delivers_one_copy_to_each_recipient(db, organiser, organiser_client, smtp, tasks, worker):  # noqa: F811
    crowd = make_crowd(db)
    make_organiser_of(db, crowd.event, organiser)
    before = len(smtp.received)
    tasks.group_message_batch = 2

    response = organiser_client.post(
        "/manage/events/prelude-test/messages",
        {"audience": "registrants", "subject": "Programme news for {name}", "body": "See {manage_link}"},
    )

    assert response.status_code == 303
    _wait_for(lambda: group_message_progress(db, _message(db)).sent == 4)
    delivered = sorted((mail["To"], mail["Subject"]) for mail in smtp.received[before:])
    assert delivered == [
        ("anna@example.org", "Programme news for Anna"),
        ("bruno@example.org", "Programme news for Bruno"),
        ("chloe@example.org", "Programme news for Chloe"),
        ("dario@example.org", "Programme news for Dario"),
    ]
    message = _message(db)
    assert message.status == GroupMessageStatus.sent
    assert message.finished_at is not None


def test_stop_halfway_leaves_the_rest_unwritten(db, app, organiser, organiser_client, smtp, tasks):  # noqa: F811
    event = make_event(db, slug="big")
    make_registration_form(db, event)
    make_organiser_of(db, event, organiser)
    for number in range(1, 41):
        register(db, event, number, f"Person{number:02d}", AttendanceChoice.online)
    organiser_client.post(
        "/manage/events/big/messages", {"audience": "registrants", "subject": "S", "body": "Hello {name}"}
    )
    message = _message(db)
    # A first worker writes one batch of 5 (on the app's engine, so its copies are queued), then the
    # organiser presses Stop while the task is still on the queue.
    links = service.MessageLinks.of(app.state.site.urls, app.state.secret_key)
    with DbSession(app.state.engine) as worker_db:
        assert service.write_next_batch(worker_db, message.id or 0, links, batch_size=5) is True
    assert organiser_client.post(f"/manage/events/big/messages/{message.id}/stop").status_code == 303

    with running_worker(tasks):
        _wait_for(
            lambda: tasks.queue.pending_count() == 0 and group_message_progress(db, _message(db)).sent == 5
        )
        time.sleep(0.3)  # the send task, taken last, has had time to write more, were it to

    progress = group_message_progress(db, _message(db))
    assert (progress.written, progress.sent, progress.total) == (5, 5, 40)
    assert _message(db).status == GroupMessageStatus.stopped
    assert len(smtp.received) == 5
