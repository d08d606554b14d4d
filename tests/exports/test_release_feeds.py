"""Feeds follow the released version: SEQUENCE across releases, withdrawn sessions, ETags, join links."""

import icalendar
import vobject
from sqlmodel import select

from app.programme import service as programme_service
from app.programme.models import Room
from app.programme.releases import release_programme
from app.registration.links import JOIN_LINK
from app.registration.models import AttendanceChoice, Registration, RegistrationStatus
from tests.factories import at, make_hybrid_day
from tests.registration.manage_factories import make_registration_form
from tests.registration.public_factories import SECRET_KEY, links, register

FEED = "/events/prelude-test/programme.ics"


def sequences(body: bytes) -> dict[str, tuple[int, int, str]]:
    """SEQUENCE and STATUS of each entry, read by icalendar and by vobject: they must agree."""
    by_icalendar = {
        str(item["summary"]): (int(item["sequence"]), str(item["status"]))
        for item in icalendar.Calendar.from_ical(body).walk("VEVENT")
    }
    by_vobject = {
        item.summary.value: int(item.sequence.value) for item in vobject.readOne(body.decode()).vevent_list
    }
    return {
        title: (sequence, by_vobject[title], status) for title, (sequence, status) in by_icalendar.items()
    }


def hybrid_day(db):
    day = make_hybrid_day(db)
    return day["event"], day["rooms"], day["track"], day["sessions"]


def test_sequence_is_raised_for_the_moved_session_only_and_only_when_released(db, client):
    event, (plenary, _salon), _track, (_keynote, panel, _coffee) = hybrid_day(db)
    release_programme(db, event, "", None)
    first = client.get(FEED)

    programme_service.move_session(db, event, panel, room_id=plenary.id, start_at=at(event, 1, 11))
    unreleased = client.get(FEED)
    release_programme(db, event, "Panel moved to Thursday", None)
    second = client.get(FEED)

    assert sequences(first.content) == {
        "Opening keynote": (0, 0, "CONFIRMED"),
        "Coffee": (0, 0, "CONFIRMED"),
        "Data governance panel": (0, 0, "CONFIRMED"),
    }
    assert unreleased.content == first.content
    assert sequences(second.content) == {
        "Opening keynote": (0, 0, "CONFIRMED"),
        "Coffee": (0, 0, "CONFIRMED"),
        "Data governance panel": (1, 1, "CONFIRMED"),
    }
    moved = next(
        item
        for item in icalendar.Calendar.from_ical(second.content).walk("VEVENT")
        if str(item["summary"]) == "Data governance panel"
    )
    assert (moved.decoded("dtstart"), str(moved["location"])) == (at(event, 1, 11), "Amphithéâtre, Paris")


def test_a_session_deleted_after_a_release_stays_in_the_whole_feed_as_cancelled(db, client):
    event, _rooms, track, (_keynote, _panel, coffee) = hybrid_day(db)
    release_programme(db, event, "", None)
    programme_service.delete_session(db, coffee)
    release_programme(db, event, "No coffee break", None)

    whole = client.get(FEED)
    track_feed = client.get(f"{FEED}?track={track.id}")

    assert sequences(whole.content)["Coffee"] == (1, 1, "CANCELLED")
    assert "Coffee" not in sequences(track_feed.content)


def test_etag_moves_with_releases_not_with_draft_edits(db, client):
    event, (plenary, _salon), _track, (_keynote, panel, _coffee) = hybrid_day(db)
    release_programme(db, event, "", None)
    released = client.get(FEED)
    etag = released.headers["etag"]

    programme_service.move_session(db, event, panel, room_id=plenary.id, start_at=at(event, 1, 11))
    after_edit = client.get(FEED, headers={"If-None-Match": etag})
    release_programme(db, event, "", None)
    after_release = client.get(FEED, headers={"If-None-Match": etag})

    assert (after_edit.status_code, after_release.status_code) == (304, 200)
    assert after_release.headers["etag"] != etag


def test_schedule_version_is_the_release_number_and_note(db, client):
    event, _rooms, _track, _sessions = hybrid_day(db)
    release_programme(db, event, "Final programme", None)

    xml = client.get(f"/events/{event.slug}/schedule.xml")
    schedule = client.get(f"/events/{event.slug}/schedule.json").json()

    assert "<version>1: Final programme</version>" in xml.text
    assert schedule["schedule"]["version"] == "1: Final programme"


def confirmed(db, event, smtp, number, mode):
    registration = register(db, event, smtp, number, mode=mode).registration
    db.rollback()
    stored = db.get(Registration, registration.id)
    assert stored.status == RegistrationStatus.confirmed
    return stored


def test_join_links_are_in_personal_feeds_of_online_attendees_only(db, client, smtp):
    event, _rooms, _track, (keynote, _panel, _coffee) = hybrid_day(db)
    make_registration_form(db, event, in_person_seats=100, online_places=500)
    release_programme(db, event, "", None)
    online = confirmed(db, event, smtp, 1, AttendanceChoice.online)
    in_person = confirmed(db, event, smtp, 2, AttendanceChoice.in_person)

    def conference_lines(url: str) -> dict[str, str]:
        body = client.get(url.removeprefix("http://testserver")).content
        return {
            str(item["summary"]): str(item["conference"])
            for item in icalendar.Calendar.from_ical(body).walk("VEVENT")
            if "conference" in item
        }

    online_feed = client.get(links().calendar_url(online).removeprefix("http://testserver")).content
    vobject_conference = {
        item.summary.value: item.conference.value
        for item in vobject.readOne(online_feed.decode()).vevent_list
        if hasattr(item, "conference")
    }

    def opens(join_url: str) -> tuple[int, int]:
        """The registration and session a join link names (the attendee's own, never the stream's)."""
        token = join_url.split("/join/", 1)[1]
        registration_id, session_id, _digest = JOIN_LINK.read_for_session(SECRET_KEY, token, 60)
        return registration_id, session_id

    stream = db.exec(select(Room.stream_url).where(Room.name == "Amphithéâtre")).one()
    feed_joins = {title: opens(url) for title, url in conference_lines(links().calendar_url(online)).items()}
    assert feed_joins == {"Opening keynote": (online.id, keynote.id)}
    assert {title: opens(url) for title, url in vobject_conference.items()} == feed_joins
    assert stream.encode() not in online_feed
    assert conference_lines(links().calendar_url(in_person)) == {}
    assert b"CONFERENCE" not in client.get(FEED).content
    assert b"stream.example.org" not in client.get(FEED).content


def test_feeds_answer_head_with_the_headers_of_get(db, client):
    hybrid_day(db)

    head = client.head(FEED)
    get = client.get(FEED)

    assert (head.status_code, head.headers["etag"], head.headers["content-type"], head.content) == (
        200,
        get.headers["etag"],
        "text/calendar; charset=utf-8",
        b"",
    )
