"""Reminders before the event: once, at the moment the organisers chose, each confirmed attendee gets
their own sessions in the event's zone and theirs, their ticket or join links, their calendar file and
their personal link, in their language; nobody waiting, cancelled or registered afterwards gets one."""

import re
import threading
import time
from dataclasses import replace
from datetime import date, timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from app.accounts.models import User
from app.db import DbSession, make_engine, utcnow
from app.events.models import Event
from app.exports.attendee import attendee_calendar
from app.exports.snapshot import SiteLinks
from app.messaging.reminders import (
    REMINDER_KIND,
    ReminderSetting,
    ReminderUnit,
    event_start,
    events_due,
    reminder_plan,
    set_reminder,
    write_reminder_batch,
    write_reminders,
)
from app.outbox.models import OutgoingMessage
from app.registration.links import Links
from app.registration.models import AttendanceChoice, Registration, RegistrationStatus
from app.registration.service import cancel_registration
from app.tasks.registry import Tasks
from tests.conftest import BrowserLikeClient, SmtpServer, csrf_from
from tests.factories import at, make_event, make_room, make_session
from tests.registration.manage_factories import make_organiser_of, make_registration_form
from tests.registration.public_factories import links, mail_text, register
from tests.tasks.conftest import queue_settings, tasks, worker  # noqa: F401 - the real queue's fixtures


def _conference(db: DbSession, smtp: SmtpServer, **event_values: object) -> dict[str, object]:
    """A hybrid day in Paris: a keynote streamed from the Amphi at 09:00 and a workshop at 14:00; one
    in-person seat, so the second person coming in person waits."""
    values: dict[str, object] = {
        "start_date": date(2027, 5, 3),
        "end_date": date(2027, 5, 3),
        "reminder_minutes_before": 24 * 60,
    }
    values.update(event_values)
    event = make_event(db, **values)
    make_registration_form(db, event, in_person_seats=1)
    amphi = make_room(db, event, name="Amphi A", stream_url="https://stream.example/amphi")
    salon = make_room(db, event, name="Salon")
    keynote = make_session(
        db,
        event,
        title="Keynote on cell atlases",
        room_id=amphi.id,
        start_at=at(event, 0, 9),
        end_at=at(event, 0, 10),
    )
    make_session(
        db,
        event,
        title="Workshop on data sharing",
        room_id=salon.id,
        start_at=at(event, 0, 14),
        end_at=at(event, 0, 16),
    )
    people = {
        "anna": register(db, event, smtp, 1, name="Anna Lindqvist", email="anna@example.org"),
        "chen": register(
            db,
            event,
            smtp,
            2,
            name="Chen Wei",
            email="chen@example.org",
            mode=AttendanceChoice.online,
            time_zone="Asia/Singapore",
        ),
        "dora": register(db, event, smtp, 3, name="Dora Waits", email="dora@example.org"),
        "emil": register(
            db, event, smtp, 4, name="Emil Leaves", email="emil@example.org", mode=AttendanceChoice.online
        ),
    }
    cancel_registration(db, event, people["emil"].registration, links=links())
    return {"event": event, "keynote": keynote, **{k: v.registration for k, v in people.items()}}


def reminder_links() -> Links:
    """The links of the tests' site, with the attendee's calendar file that the app attaches."""

    def calendar(db: DbSession, event: Event, registration: Registration) -> bytes:
        return attendee_calendar(
            db, event, registration, None, SiteLinks("testserver", "http://testserver/s/"), links()
        )

    return replace(links(), attendee_calendar=calendar)


def _reminders(db: DbSession, event: Event) -> dict[str, OutgoingMessage]:
    db.rollback()
    db.expire_all()
    rows = db.exec(
        select(OutgoingMessage).where(
            OutgoingMessage.event_id == event.id, OutgoingMessage.kind == REMINDER_KIND
        )
    ).all()
    return {row.recipient: row for row in rows}


def _delivered(smtp: SmtpServer, address: str) -> EmailMessage:
    found = [
        m
        for m in smtp.messages
        if m["To"] == address and str(m["Subject"]).startswith(("Reminder", "Rappel"))
    ]
    assert len(found) == 1, [str(m["Subject"]) for m in smtp.messages if m["To"] == address]
    return found[0]


def test_nothing_goes_out_before_the_moment_nor_once_the_event_has_started(
    db: DbSession, smtp: SmtpServer
) -> None:
    conference = _conference(db, smtp)
    event = conference["event"]
    assert isinstance(event, Event)
    starts = at(event, 0, 9)
    assert event_start(db, event) == starts
    for now in (starts - timedelta(days=1, minutes=1), starts, starts + timedelta(hours=3)):
        assert write_reminder_batch(db, event.id or 0, reminder_links(), now) == (0, False)
        assert events_due(db, now) == []
    assert _reminders(db, event) == {}


def test_confirmed_attendees_are_reminded_once_with_their_own_sessions(
    db: DbSession, smtp: SmtpServer
) -> None:
    conference = _conference(db, smtp)
    event = conference["event"]
    assert isinstance(event, Event)
    now = at(event, 0, 9) - timedelta(hours=23)
    assert events_due(db, now) == [event.id]

    assert write_reminder_batch(db, event.id or 0, reminder_links(), now) == (2, False)
    assert write_reminder_batch(db, event.id or 0, reminder_links(), now + timedelta(minutes=1)) == (0, False)
    assert set(_reminders(db, event)) == {"anna@example.org", "chen@example.org"}

    anna = _delivered(smtp, "anna@example.org")
    assert str(anna["Subject"]) == (
        "Reminder: Prelude to the Future of Medicine starts on Monday 3 May 2027, 09:00 CEST"
    )
    text = mail_text(anna)
    assert "- Monday 3 May 2027, 09:00 CEST: Keynote on cell atlases (Amphi A)" in text
    assert "- Monday 3 May 2027, 14:00 CEST: Workshop on data sharing (Salon)" in text
    assert "where you are" not in text  # her zone is not known
    assert "stream.example" not in text  # she comes in person
    attachments = {part.get_filename(): part for part in anna.iter_attachments()}
    assert set(attachments) == {"ticket.png", "prelude-test.ics"}
    assert "Keynote on cell atlases" in attachments["prelude-test.ics"].get_content()

    chen = mail_text(_delivered(smtp, "chen@example.org"))
    # Her own zone too, and her join link (never the stream's address), since she is confirmed online.
    assert "- Monday 3 May 2027, 09:00 CEST (Mon 3 May 2027, 15:00 +08 where you are): Keynote" in chen
    assert len(re.findall(r"https?://\S+/join/[A-Za-z0-9_.\-]+", chen)) == 1
    assert "https://stream.example/amphi" not in chen
    assert "ticket" not in chen.lower()


def test_people_registering_after_the_reminder_went_out_get_none(db: DbSession, smtp: SmtpServer) -> None:
    conference = _conference(db, smtp)
    event = conference["event"]
    assert isinstance(event, Event)
    moment = at(event, 0, 9) - timedelta(days=1)
    late = conference["anna"]
    assert isinstance(late, Registration)
    late.created_at = moment + timedelta(minutes=5)
    db.add(late)
    db.commit()
    assert write_reminder_batch(db, event.id or 0, reminder_links(), moment + timedelta(minutes=10)) == (
        1,
        False,
    )
    assert set(_reminders(db, event)) == {"chen@example.org"}


def test_reminders_are_written_in_each_persons_language(db: DbSession, smtp: SmtpServer) -> None:
    conference = _conference(db, smtp)
    event = conference["event"]
    chen = conference["chen"]
    assert isinstance(event, Event) and isinstance(chen, Registration)
    chen.language = "fr"
    db.add(chen)
    db.commit()
    write_reminders(db.get_bind(), event.id or 0, reminder_links(), at(event, 0, 9) - timedelta(hours=2))  # type: ignore[arg-type]
    message = _delivered(smtp, "chen@example.org")
    assert str(message["Subject"]).startswith("Rappel")
    assert "lundi 3 mai 2027" in mail_text(message)
    assert str(_delivered(smtp, "anna@example.org")["Subject"]).startswith("Reminder")


def test_two_workers_writing_the_same_reminders_remind_everyone_exactly_once(
    db: DbSession, smtp: SmtpServer, database_url: str
) -> None:
    event = make_event(db, start_date=date(2027, 5, 3), end_date=date(2027, 5, 3), reminder_minutes_before=60)
    make_registration_form(db, event)
    make_session(db, event, title="Opening", start_at=at(event, 0, 9), end_at=at(event, 0, 10))
    for number in range(30):
        register(db, event, smtp, number, mode=AttendanceChoice.online)
    now = at(event, 0, 8, 30)
    engine = make_engine(database_url)
    written: list[int] = []

    def write_all(target: Engine) -> None:
        written.append(write_reminders(target, event.id or 0, reminder_links(), now, batch_size=4))

    try:
        threads = [threading.Thread(target=write_all, args=(engine,)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        engine.dispose()
    assert sum(written) == 30
    assert len(_reminders(db, event)) == 30
    rows = db.exec(select(OutgoingMessage.recipient).where(OutgoingMessage.kind == REMINDER_KIND)).all()
    assert len(rows) == 30


@pytest.mark.usefixtures("worker")
def test_the_worker_sends_the_reminders_whose_moment_has_come(
    db: DbSession,
    tasks: Tasks,  # noqa: F811
    smtp: SmtpServer,
) -> None:
    soon = utcnow() + timedelta(hours=2)
    event = make_event(
        db, start_date=soon.date(), end_date=soon.date() + timedelta(days=1), reminder_minutes_before=24 * 60
    )
    make_registration_form(db, event)
    make_session(db, event, title="Opening keynote", start_at=soon, end_at=soon + timedelta(hours=1))
    ines = register(db, event, smtp, 1, name="Ines Moreau", email="ines@example.org").registration
    ines.created_at = utcnow() - timedelta(days=3)  # registered well before the reminder's moment
    db.add(ines)
    db.commit()
    tasks.reminder_batch = 1
    assert tasks.send_reminders.call_local() == 1
    assert tasks.send_reminders.call_local() == 0
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if any(m["To"] == "ines@example.org" and "Reminder" in str(m["Subject"]) for m in smtp.received):
            break
        time.sleep(0.1)
    reminder = [m for m in smtp.received if m["To"] == "ines@example.org" and "Reminder" in str(m["Subject"])]
    assert len(reminder) == 1
    assert "Opening keynote" in mail_text(reminder[0])


def test_organisers_set_the_reminder_and_see_when_it_goes_out(
    db: DbSession, organiser: User, organiser_client: BrowserLikeClient, smtp: SmtpServer
) -> None:
    client = organiser_client
    conference = _conference(db, smtp, reminder_minutes_before=None)
    event = conference["event"]
    assert isinstance(event, Event)
    make_organiser_of(db, event, organiser)
    page = client.get(f"/manage/events/{event.slug}/messages")
    assert page.status_code == 200
    assert "No reminder is sent." in page.text
    token = csrf_from(page.text)
    url = f"/manage/events/{event.slug}/messages/reminder"

    saved = client.post(
        url,
        data={"csrf_token": token, "send_reminder": "on", "amount": "2", "unit": "days"},
        follow_redirects=True,
    )
    assert saved.status_code == 200
    assert "Goes out on Sat 1 May 2027, 09:00" in saved.text
    db.rollback()
    db.refresh(event)
    assert event.reminder_minutes_before == 2 * 24 * 60
    assert reminder_plan(db, event).setting == ReminderSetting(2, ReminderUnit.days)

    for data, message in [
        ({"send_reminder": "on", "amount": "", "unit": "hours"}, "Say how long before the event."),
        (
            {"send_reminder": "on", "amount": "31", "unit": "days"},
            "Choose between 1 hour and 30 days before the event.",
        ),
        (
            {"send_reminder": "on", "amount": "0", "unit": "hours"},
            "Choose between 1 hour and 30 days before the event.",
        ),
        ({"send_reminder": "on", "amount": "two", "unit": "days"}, "number"),
        ({"send_reminder": "on", "amount": "2", "unit": "weeks"}, "hours"),
    ]:
        refused = client.post(url, data={"csrf_token": token, **data}, headers={"HX-Request": "true"})
        assert refused.status_code == 422, data
        assert message in refused.text, (data, refused.text[:2000])
        db.rollback()
        db.refresh(event)
        assert event.reminder_minutes_before == 2 * 24 * 60  # nothing saved

    turned_off = client.post(
        url, data={"csrf_token": token, "amount": "2", "unit": "days"}, follow_redirects=True
    )
    assert "No reminder is sent." in turned_off.text
    db.rollback()
    db.refresh(event)
    assert event.reminder_minutes_before is None


def test_set_reminder_keeps_hours_and_days_as_said(db: DbSession) -> None:
    event = make_event(db)
    set_reminder(db, event, ReminderSetting(6, ReminderUnit.hours))
    assert event.reminder_minutes_before == 360
    assert ReminderSetting.of(360) == ReminderSetting(6, ReminderUnit.hours)
    assert ReminderSetting.of(48 * 60) == ReminderSetting(2, ReminderUnit.days)
    set_reminder(db, event, None)
    assert event.reminder_minutes_before is None


def test_waiting_and_cancelled_people_are_not_reminded(db: DbSession, smtp: SmtpServer) -> None:
    conference = _conference(db, smtp)
    dora, emil = conference["dora"], conference["emil"]
    assert isinstance(dora, Registration) and isinstance(emil, Registration)
    db.refresh(dora)
    db.refresh(emil)
    assert dora.status == RegistrationStatus.waiting
    assert emil.status == RegistrationStatus.cancelled
    event = conference["event"]
    assert isinstance(event, Event)
    write_reminders(db.get_bind(), event.id or 0, reminder_links(), at(event, 0, 8))  # type: ignore[arg-type]
    assert set(_reminders(db, event)) == {"anna@example.org", "chen@example.org"}
