"""Sending to a group with a real worker on the real queue (SQLite file, Redis): one message per
recipient reaches the mail server, and a stop halfway writes no more."""

import threading
import time
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import select

from app.db import DbSession, begin_write_transaction, utcnow
from app.messaging import service
from app.messaging.models import GroupMessage, GroupMessageStatus
from app.messaging.service import group_message_progress
from app.outbox.models import OutgoingMessage
from app.registration.models import AttendanceChoice
from app.site import SiteUrls
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


def test_a_message_whose_worker_is_gone_is_taken_over_and_finished(db, organiser, smtp, tasks, worker):  # noqa: F811
    """The hand-over to the queue was lost (the worker crashed, or the queue was away after the commit):
    five minutes without a copy written, the minute's sweep hands it over again, and it goes on from
    where it stopped, nobody getting two copies."""
    event = make_event(db, slug="stalled")
    make_registration_form(db, event)
    for number in range(1, 7):
        register(db, event, number, f"Person{number:02d}", AttendanceChoice.online)
    started = utcnow() - timedelta(minutes=10)
    message = GroupMessage(
        event_id=event.id,
        author_id=organiser.id,
        audience="registrants",
        subject="Slides are online",
        body="Hello {name}",
        total_recipients=6,
        created_at=started,
        started_at=started,
    )
    db.add(message)
    db.commit()
    urls = SiteUrls(str(tasks.settings.base_url), tasks.router)
    links = service.MessageLinks.of(urls, tasks.settings.resolved_secret_key())
    with DbSession(tasks.engine) as worker_db:  # its copies are queued, as a worker's are
        assert service.write_next_batch(worker_db, message.id, links, batch_size=2) is True
    # Two copies written just now: the message is not stalled yet.
    assert service.stalled_group_messages(db, utcnow()) == []
    assert service.stalled_group_messages(db, utcnow() + timedelta(minutes=6)) == [message.id]

    begin_write_transaction(db)  # the worker is delivering the two copies meanwhile
    db.exec(update(OutgoingMessage).values(created_at=started))
    db.commit()
    assert tasks.resume_group_messages.call_local() == 1

    _wait_for(lambda: _message(db).status == GroupMessageStatus.sent)
    _wait_for(lambda: group_message_progress(db, _message(db)).sent == 6)
    recipients = sorted(mail["To"] for mail in smtp.received if mail["Subject"] == "Slides are online")
    assert recipients == [f"person{n:02d}@example.org" for n in range(1, 7)]


def test_two_workers_writing_one_message_write_one_copy_per_person(
    db, app, organiser, organiser_client, smtp
):
    """A message handed over twice (a retry, the sweep) is written by two workers at once: they take
    turns batch by batch, and each person gets one copy, including whoever joined meanwhile."""
    event = make_event(db, slug="twice")
    make_registration_form(db, event)
    make_organiser_of(db, event, organiser)
    for number in range(1, 31):
        register(db, event, number, f"Person{number:02d}", AttendanceChoice.online)
    organiser_client.post(
        "/manage/events/twice/messages", {"audience": "registrants", "subject": "S", "body": "Hello {name}"}
    )
    message = _message(db)
    links = service.MessageLinks.of(app.state.site.urls, app.state.secret_key)
    register(db, event, 31, "Latecomer", AttendanceChoice.online)
    # Read here: two threads reading an expired attribute of the test's handle at once would both load it.
    message_id = message.id

    batches: list[int] = []
    threads = [
        threading.Thread(
            target=lambda: batches.append(
                service.write_group_message(app.state.engine, message_id, links, batch_size=4)
            )
        )
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    db.rollback()
    recipients = db.exec(
        select(OutgoingMessage.recipient).where(OutgoingMessage.group_message_id == message_id)
    ).all()
    assert len(recipients) == len(set(recipients)) == 31
    assert _message(db).status == GroupMessageStatus.sent
    assert _message(db).total_recipients == 31
    assert len(batches) == 2
