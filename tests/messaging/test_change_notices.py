"""Change notices at release: one message per person whose sessions moved, changed room or were cancelled
(and per speaker whose session changed), listing only their changes; nobody else hears anything."""

import time
from email.message import EmailMessage

import pytest

from app.db import DbSession
from app.events.models import Event
from app.messaging.change_notices import NoticeLinks, queue_change_notices
from app.programme.models import Session
from app.programme.releases import release_programme
from app.registration.models import AttendanceChoice
from app.registration.service import cancel_registration
from app.tasks.registry import Tasks
from tests.conftest import BrowserLikeClient, SmtpServer
from tests.factories import add_role, at, make_event, make_room, make_session, make_speaker
from tests.registration.manage_factories import make_organiser_of, make_registration_form
from tests.registration.public_factories import links, mail_text, register
from tests.tasks.conftest import queue_settings, tasks, worker  # noqa: F401 - the real queue's fixtures

LINKS = NoticeLinks("https://plenary.example/events/prelude-test/programme", "https://plenary.example/s/")


@pytest.fixture
def conference(db: DbSession, smtp: SmtpServer) -> dict[str, object]:
    """Released once: four workshops people chose at registration, a speaker on two of them."""
    event = make_event(db)
    make_registration_form(db, event)
    amphi, salon = (
        make_room(db, event, name="Amphi A", position=1),
        make_room(db, event, name="Salon", position=2),
    )
    sessions = {
        name: make_session(
            db,
            event,
            title=title,
            room_id=amphi.id,
            seat_limit=30,
            start_at=at(event, 0, hour),
            end_at=at(event, 0, hour + 1),
        )
        for name, title, hour in [
            ("moved", "Single-cell atlas", 9),
            ("room", "Data governance", 11),
            ("cancelled", "Gene therapies", 14),
            ("untouched", "Health economics", 16),
        ]
    }
    ada = make_speaker(db, event, name="Ada Speaker", email="ada@example.org")
    ben = make_speaker(db, event, name="Ben Speaker", email="ben@example.org")
    add_role(db, sessions["room"], ada)
    add_role(db, sessions["untouched"], ben)
    ids = {name: session.id for name, session in sessions.items()}
    people = {
        "anna": register(
            db,
            event,
            smtp,
            1,
            name="Anna",
            email="anna@example.org",
            session_ids=[ids["moved"], ids["untouched"]],
        ),
        "bruno": register(
            db, event, smtp, 2, name="Bruno", email="bruno@example.org", session_ids=[ids["untouched"]]
        ),
        "chloe": register(
            db,
            event,
            smtp,
            3,
            name="Chloe",
            email="chloe@example.org",
            mode=AttendanceChoice.online,
            session_ids=[ids["room"], ids["cancelled"]],
        ),
        "dario": register(
            db, event, smtp, 4, name="Dario", email="dario@example.org", session_ids=[ids["moved"]]
        ),
    }
    cancel_registration(db, event, people["dario"].registration, links=links())
    release_programme(db, event, "", None)
    return {"event": event, "sessions": sessions, "salon": salon}


def _change_the_programme(db: DbSession, conference: dict[str, object]) -> None:
    sessions: dict[str, Session] = conference["sessions"]  # type: ignore[assignment]
    event = conference["event"]
    moved = sessions["moved"]
    moved.start_at, moved.end_at = at(event, 0, 10), at(event, 0, 11)  # type: ignore[arg-type]
    sessions["room"].room_id = conference["salon"].id  # type: ignore[attr-defined]
    sessions["cancelled"].is_cancelled = True
    for session in sessions.values():
        db.add(session)
    db.commit()


def _by_recipient(smtp: SmtpServer) -> dict[str, EmailMessage]:
    return {
        str(message["To"]): message
        for message in smtp.messages
        if "Programme change" in str(message["Subject"])
    }


def test_each_person_concerned_gets_one_message_with_only_their_changes(
    db: DbSession, smtp: SmtpServer, conference: dict[str, object]
) -> None:
    _change_the_programme(db, conference)
    release = release_programme(db, conference["event"], "Keynote day reshuffled", None)  # type: ignore[arg-type]

    written = queue_change_notices(db, release.id or 0, LINKS)
    notices = _by_recipient(smtp)

    # Bruno's only session did not change, Dario cancelled, Ben's session is untouched.
    assert (written, sorted(notices)) == (3, ["ada@example.org", "anna@example.org", "chloe@example.org"])
    anna = mail_text(notices["anna@example.org"])
    assert "Single-cell atlas" in anna and "Health economics" not in anna
    assert "Now Wednesday 5 October 2022, 10:00 CEST (was Wednesday 5 October 2022, 09:00 CEST)." in anna
    assert "Now in" not in anna  # the room stayed
    assert "https://plenary.example/s/" in anna and "Keynote day reshuffled" in anna
    chloe = mail_text(notices["chloe@example.org"])
    assert "Now in Salon (was Amphi A)." in chloe
    assert "Gene therapies" in chloe and "Cancelled (it was on" in chloe
    assert "Data governance" in mail_text(notices["ada@example.org"])
    assert (
        str(notices["anna@example.org"]["Subject"]) == "Programme change: Prelude to the Future of Medicine"
    )


def test_a_release_that_moves_nobodys_session_writes_nothing(
    db: DbSession, smtp: SmtpServer, conference: dict[str, object]
) -> None:
    sessions: dict[str, Session] = conference["sessions"]  # type: ignore[assignment]
    sessions["untouched"].abstract = "Now with a longer abstract."
    db.add(sessions["untouched"])
    db.commit()
    release = release_programme(db, conference["event"], "", None)  # type: ignore[arg-type]

    written = queue_change_notices(db, release.id or 0, LINKS)

    # Ben speaks there, so he hears of it (the description changed); attendees do not.
    assert written == 1
    assert sorted(_by_recipient(smtp)) == ["ben@example.org"]
    assert "Also changed: description." in mail_text(_by_recipient(smtp)["ben@example.org"])


@pytest.fixture
def changed_draft(
    db: DbSession, conference: dict[str, object], organiser, organiser_client: BrowserLikeClient
) -> Event:
    """The conference managed by the logged-in organiser, its draft changed since version 1."""
    event: Event = conference["event"]  # type: ignore[assignment]
    make_organiser_of(db, event, organiser)
    _change_the_programme(db, conference)
    return event


def test_the_organiser_turns_notices_off_on_the_release_form_and_nobody_hears(
    db: DbSession,
    changed_draft: Event,
    organiser_client: BrowserLikeClient,
    tasks: Tasks,  # noqa: F811
) -> None:
    page = organiser_client.get(f"/manage/events/{changed_draft.slug}/releases")

    response = organiser_client.post(f"/manage/events/{changed_draft.slug}/releases", {"note": ""})

    db.rollback()
    db.expire_all()
    assert 'name="change_notices" type="checkbox" value="on" checked' in page.text
    assert response.status_code == 303
    assert db.get(Event, changed_draft.id).change_notices is False  # type: ignore[union-attr]
    # No worker runs here: what the release queued is still on the queue, and no notice is among it.
    queued = [task.name for task in tasks.queue.pending()]
    assert "build_booklet" in queued
    assert "send_change_notices" not in queued


@pytest.mark.usefixtures("worker")
def test_releasing_from_the_page_has_a_worker_tell_the_people_concerned(
    smtp: SmtpServer, changed_draft: Event, organiser_client: BrowserLikeClient
) -> None:
    event = changed_draft
    response = organiser_client.post(
        f"/manage/events/{event.slug}/releases",
        {"note": "", "change_notices": "on"},
    )

    assert response.status_code == 303
    deadline = time.monotonic() + 20
    while len([m for m in smtp.received if "Programme change" in str(m["Subject"])]) < 3:
        assert time.monotonic() < deadline, [str(m["Subject"]) for m in smtp.received]
        time.sleep(0.05)
    notices = sorted(str(m["To"]) for m in smtp.received if "Programme change" in str(m["Subject"]))
    assert notices == ["ada@example.org", "anna@example.org", "chloe@example.org"]
    anna = next(
        m
        for m in smtp.received
        if str(m["To"]) == "anna@example.org" and "Programme change" in str(m["Subject"])
    )
    assert f"/events/{event.slug}/sessions/" in mail_text(anna)
