"""The public iCalendar feeds, read back by two independent parsers (icalendar and vobject)."""

import gzip
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import icalendar
import vobject
from fastapi.testclient import TestClient
from httpx import Response
from sqlmodel import select

from app.db import DbSession
from app.events.models import Event, Visibility
from app.programme.models import RoleKind, Session, SessionKind
from app.speakers.models import Speaker
from app.web.caches import caches_of
from tests.factories import add_role, at, make_event, make_room, make_session, make_speaker, make_track

FEED = "/events/prelude-test/programme.ics"


def parse_both(body: bytes) -> tuple[icalendar.Calendar, object]:
    return icalendar.Calendar.from_ical(body), vobject.readOne(body.decode("utf-8"))


def icalendar_events(body: bytes) -> dict[str, icalendar.Event]:
    return {str(item["summary"]): item for item in icalendar.Calendar.from_ical(body).walk("VEVENT")}


def vobject_events(body: bytes) -> dict[str, object]:
    return {item.summary.value: item for item in vobject.readOne(body.decode("utf-8")).vevent_list}


def utc_times_by_icalendar(body: bytes) -> dict[str, tuple[datetime, datetime]]:
    return {
        title: (item.decoded("dtstart").astimezone(UTC), item.decoded("dtend").astimezone(UTC))
        for title, item in icalendar_events(body).items()
    }


def utc_times_by_vobject(body: bytes) -> dict[str, tuple[datetime, datetime]]:
    return {
        title: (item.dtstart.value.astimezone(UTC), item.dtend.value.astimezone(UTC))
        for title, item in vobject_events(body).items()
    }


def programme(db: DbSession) -> tuple[Event, Session, Session]:
    event = make_event(db)
    room = make_room(db, event)
    track = make_track(db, event)
    keynote = make_session(
        db,
        event,
        title="Opening keynote",
        kind=SessionKind.keynote,
        start_at=at(event, 0, 9),
        end_at=at(event, 0, 10),
        room_id=room.id,
        track_id=track.id,
        abstract="Why **health data** matters.\n\n- governance\n- trust",
    )
    panel = make_session(
        db,
        event,
        title="Panel on trust",
        kind=SessionKind.panel,
        start_at=at(event, 1, 11),
        end_at=at(event, 1, 12),
    )
    add_role(db, keynote, make_speaker(db, event))
    add_role(
        db,
        panel,
        make_speaker(db, event, name="Émilie Durand", affiliation="", email="emilie@example.org"),
        role=RoleKind.moderator,
        is_remote=True,
    )
    return event, keynote, panel


def fetch(client: TestClient, url: str, **headers: str) -> Response:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.text
    return response


def test_programme_feed_reads_the_same_in_two_parsers(db: DbSession, feeds_client: TestClient) -> None:
    event, keynote, panel = programme(db)

    response = fetch(feeds_client, FEED)

    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert response.headers["content-disposition"] == 'inline; filename="prelude-test-programme.ics"'
    calendar, vcalendar = parse_both(response.content)
    assert [str(calendar[name]) for name in ("version", "calscale", "method", "name", "x-wr-calname")] == [
        "2.0",
        "GREGORIAN",
        "PUBLISH",
        event.title,
        event.title,
    ]
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in response.content
    assert b"X-PUBLISHED-TTL:PT1H\r\n" in response.content
    assert [str(zone["tzid"]) for zone in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]
    assert vcalendar.vtimezone.tzid.value == "Europe/Paris"
    expected_times = {
        "Opening keynote": (datetime(2022, 10, 5, 7, tzinfo=UTC), datetime(2022, 10, 5, 8, tzinfo=UTC)),
        "Panel on trust": (datetime(2022, 10, 6, 9, tzinfo=UTC), datetime(2022, 10, 6, 10, tzinfo=UTC)),
    }
    assert utc_times_by_icalendar(response.content) == expected_times
    assert utc_times_by_vobject(response.content) == expected_times
    opening = icalendar_events(response.content)["Opening keynote"]
    assert opening["dtstart"].params["TZID"] == "Europe/Paris"
    assert {
        "uid": str(opening["uid"]),
        "location": str(opening["location"]),
        "url": str(opening["url"]),
        "categories": opening.categories,
        "status": str(opening["status"]),
        "sequence": opening["sequence"],
        "last_modified": opening.decoded("last-modified"),
        "created": opening.decoded("created"),
    } == {
        "uid": f"{keynote.uid}@127.0.0.1",
        "location": "Auditorium, Paris",
        "url": f"http://127.0.0.1:8000/events/prelude-test/sessions/{keynote.id}",
        "categories": ["Keynote", "Health data"],
        "status": "CONFIRMED",
        "sequence": 0,
        "last_modified": keynote.updated_at.replace(microsecond=0),
        "created": keynote.created_at.replace(microsecond=0),
    }
    assert str(opening["description"]).split("\n") == [
        "Speaker: Sang-Heon Lee (Korea University Medicine)",
        "",
        "Why health data matters.",
        "",
        "• governance",
        "• trust",
    ]
    panel_by_vobject = vobject_events(response.content)["Panel on trust"]
    assert panel_by_vobject.description.value == (
        "Moderator: Émilie Durand, remote\n\nHealth Data Hub, TEHDAS and the European Health Data Space."
    )
    assert panel_by_vobject.uid.value == f"{panel.uid}@127.0.0.1"
    assert panel_by_vobject.dtstamp.value == event.updated_at.replace(microsecond=0)


def test_feed_lines_are_folded_within_75_octets(db: DbSession, feeds_client: TestClient) -> None:
    event = make_event(db)
    title = "Santé numérique : gouvernance des données de santé en Europe, " * 4
    make_session(db, event, title=title.strip()[:300], abstract="Données « sensibles » — " * 40)

    body = fetch(feeds_client, FEED).content

    lines = body.split(b"\r\n")
    assert lines[-1] == b""
    assert [line for line in lines if len(line) > 75] == []
    assert b"\n" not in body.replace(b"\r\n", b"")
    assert list(icalendar_events(body)) == [title.strip()[:300]]
    assert list(vobject_events(body)) == [title.strip()[:300]]


def test_session_uid_never_changes(db: DbSession, feeds_client: TestClient) -> None:
    event, keynote, _panel = programme(db)
    first = fetch(feeds_client, FEED).content
    again = fetch(feeds_client, FEED).content
    keynote.title = "Opening keynote: health data"
    db.add(keynote)
    db.commit()

    edited = fetch(feeds_client, FEED).content

    def uid_of(body: bytes, title: str) -> str:
        return str(icalendar_events(body)[title]["uid"])

    assert uid_of(first, "Opening keynote") == f"{keynote.uid}@127.0.0.1"
    assert uid_of(again, "Opening keynote") == f"{keynote.uid}@127.0.0.1"
    assert uid_of(edited, "Opening keynote: health data") == f"{keynote.uid}@127.0.0.1"
    assert vobject_events(edited)["Opening keynote: health data"].uid.value == f"{keynote.uid}@127.0.0.1"


def test_cancelled_session_stays_in_the_feed_as_cancelled(db: DbSession, feeds_client: TestClient) -> None:
    event, _keynote, panel = programme(db)
    panel.is_cancelled = True
    db.add(panel)
    db.commit()

    body = fetch(feeds_client, FEED).content

    statuses = {title: str(item["status"]) for title, item in icalendar_events(body).items()}
    assert statuses == {"Opening keynote": "CONFIRMED", "Panel on trust": "CANCELLED"}
    assert {title: item.status.value for title, item in vobject_events(body).items()} == statuses
    assert str(icalendar_events(body)["Panel on trust"]["description"]).startswith(
        "This session is cancelled."
    )


def test_session_across_a_daylight_saving_change_keeps_its_instants(
    db: DbSession, feeds_client: TestClient
) -> None:
    # Paris clocks go back from 03:00 CEST to 02:00 CET on 2022-10-30; New York's change comes a week later.
    event = make_event(db, start_date=date(2022, 10, 29), end_date=date(2022, 10, 30))
    paris = ZoneInfo("Europe/Paris")
    make_session(
        db,
        event,
        title="Night hackathon",
        start_at=datetime(2022, 10, 30, 1, 30, tzinfo=paris),
        end_at=datetime(2022, 10, 30, 4, 0, tzinfo=paris),
    )
    # 02:30 happens twice that night; this session is in the second one, after the change.
    make_session(
        db,
        event,
        title="After the change",
        start_at=datetime(2022, 10, 30, 1, 30, tzinfo=UTC),
        end_at=datetime(2022, 10, 30, 2, 0, tzinfo=UTC),
    )

    body = fetch(feeds_client, FEED).content

    expected = {
        "Night hackathon": (
            datetime(2022, 10, 29, 23, 30, tzinfo=UTC),
            datetime(2022, 10, 30, 3, 0, tzinfo=UTC),
        ),
        "After the change": (
            datetime(2022, 10, 30, 1, 30, tzinfo=UTC),
            datetime(2022, 10, 30, 2, 0, tzinfo=UTC),
        ),
    }
    assert utc_times_by_icalendar(body) == expected
    assert utc_times_by_vobject(body) == expected
    new_york = ZoneInfo("America/New_York")
    hackathon = vobject_events(body)["Night hackathon"]
    seen_in_new_york = [
        f"{hackathon.dtstart.value.astimezone(new_york):%Y-%m-%d %H:%M %Z}",
        f"{hackathon.dtend.value.astimezone(new_york):%Y-%m-%d %H:%M %Z}",
    ]
    assert seen_in_new_york == ["2022-10-29 19:30 EDT", "2022-10-29 23:00 EDT"]
    assert b"DTSTART;TZID=Europe/Paris:20221030T013000\r\n" in body
    assert b"DTEND;TZID=Europe/Paris:20221030T040000\r\n" in body


def test_both_occurrences_of_the_repeated_hour_are_written_in_utc(
    db: DbSession, feeds_client: TestClient
) -> None:
    # Paris clocks go back from 03:00 CEST to 02:00 CET on 2022-10-30: 02:30 happens twice. ical.js and
    # node-ical read a local 02:30 as the second one, an hour late for a session in the first.
    event = make_event(db, start_date=date(2022, 10, 29), end_date=date(2022, 10, 30))
    make_session(
        db,
        event,
        title="Before the change",
        start_at=datetime(2022, 10, 30, 0, 30, tzinfo=UTC),  # 02:30 CEST
        end_at=datetime(2022, 10, 30, 0, 50, tzinfo=UTC),  # 02:50 CEST
    )
    make_session(
        db,
        event,
        title="Around the change",
        start_at=datetime(2022, 10, 29, 23, 30, tzinfo=UTC),  # 01:30 CEST
        end_at=datetime(2022, 10, 30, 1, 15, tzinfo=UTC),  # 02:15 CET
    )

    body = fetch(feeds_client, FEED).content

    assert utc_times_by_icalendar(body) == {
        "Before the change": (
            datetime(2022, 10, 30, 0, 30, tzinfo=UTC),
            datetime(2022, 10, 30, 0, 50, tzinfo=UTC),
        ),
        "Around the change": (
            datetime(2022, 10, 29, 23, 30, tzinfo=UTC),
            datetime(2022, 10, 30, 1, 15, tzinfo=UTC),
        ),
    }
    assert b"DTSTART:20221030T003000Z\r\n" in body and b"DTEND:20221030T005000Z\r\n" in body
    assert b"DTSTART;TZID=Europe/Paris:20221030T013000\r\n" in body
    assert b"DTEND:20221030T011500Z\r\n" in body


def test_conditional_request_answers_304_without_building(db: DbSession, feeds_client: TestClient) -> None:
    programme(db)
    first = fetch(feeds_client, FEED, **{"accept-encoding": "identity"})
    etag = first.headers["etag"]
    bare = etag.strip('"')
    caches = caches_of(feeds_client.app)  # type: ignore[arg-type]
    builds_before = caches.exports.misses + caches.programme_data.misses

    answers = [
        feeds_client.get(FEED, headers={"if-none-match": sent, "accept-encoding": "identity"})
        for sent in (etag, bare, f"W/{etag}", f'"other", {etag}', "*")
    ]

    assert [(a.status_code, a.content, a.headers["etag"]) for a in answers] == [(304, b"", etag)] * 5
    assert caches.exports.misses + caches.programme_data.misses == builds_before
    other = feeds_client.get(
        FEED, headers={"if-none-match": '"something-else"', "accept-encoding": "identity"}
    )
    assert (other.status_code, other.content) == (200, first.content)


def test_programme_change_gives_a_new_etag(db: DbSession, feeds_client: TestClient) -> None:
    _event, keynote, _panel = programme(db)
    before = fetch(feeds_client, FEED).headers["etag"]
    keynote.end_at = keynote.end_at.replace(minute=30)
    db.add(keynote)
    db.commit()

    after = feeds_client.get(FEED, headers={"if-none-match": before})

    assert after.status_code == 200
    assert after.headers["etag"] != before
    assert utc_times_by_icalendar(after.content)["Opening keynote"][1] == datetime(
        2022, 10, 5, 8, 30, tzinfo=UTC
    )


def test_if_modified_since_answers_304_until_the_programme_changes(
    db: DbSession, feeds_client: TestClient
) -> None:
    programme(db)
    last_modified = fetch(feeds_client, FEED).headers["last-modified"]

    same = feeds_client.get(FEED, headers={"if-modified-since": last_modified})
    older = feeds_client.get(FEED, headers={"if-modified-since": "Sat, 01 Jan 2022 00:00:00 GMT"})

    assert (same.status_code, same.content) == (304, b"")
    assert older.status_code == 200
    assert older.headers["cache-control"] == "public, max-age=300"


def test_feed_is_gzipped_for_clients_that_accept_it(db: DbSession, feeds_client: TestClient) -> None:
    programme(db)

    plain = fetch(feeds_client, FEED, **{"accept-encoding": "identity"})
    raw = feeds_client.build_request("GET", FEED, headers={"accept-encoding": "gzip"})
    zipped = feeds_client.send(raw, stream=True)
    compressed = b"".join(zipped.iter_raw())

    assert "content-encoding" not in plain.headers
    assert zipped.headers["content-encoding"] == "gzip"
    assert gzip.decompress(compressed) == plain.content
    assert len(compressed) < len(plain.content)
    # Each encoding has its own strong tag, and either one sent back gets a 304.
    assert zipped.headers["etag"] == plain.headers["etag"][:-1] + '-gzip"'
    again = feeds_client.get(
        FEED, headers={"if-none-match": zipped.headers["etag"], "accept-encoding": "gzip"}
    )
    assert again.status_code == 304


def test_filters_keep_only_the_sessions_asked_for(db: DbSession, feeds_client: TestClient) -> None:
    event, keynote, _panel = programme(db)

    by_track = fetch(feeds_client, f"{FEED}?track={keynote.track_id}").content
    by_room = fetch(feeds_client, f"{FEED}?room={keynote.room_id}").content
    by_kind = fetch(feeds_client, f"{FEED}?kind=panel").content

    assert list(icalendar_events(by_track)) == ["Opening keynote"]
    assert str(icalendar.Calendar.from_ical(by_track)["name"]) == f"{event.title} – Health data"
    assert list(vobject_events(by_room)) == ["Opening keynote"]
    assert list(icalendar_events(by_kind)) == ["Panel on trust"]
    assert list(vobject_events(by_kind)) == ["Panel on trust"]


def test_speaker_and_session_feeds(db: DbSession, feeds_client: TestClient) -> None:
    event, keynote, panel = programme(db)
    speaker_id = db.exec(select(Speaker.id).where(Speaker.name == "Émilie Durand")).one()

    speaker_feed = fetch(feeds_client, f"/events/prelude-test/speakers/{speaker_id}.ics")
    session_feed = fetch(feeds_client, f"/events/prelude-test/sessions/{keynote.id}.ics")

    assert list(icalendar_events(speaker_feed.content)) == ["Panel on trust"]
    assert list(vobject_events(speaker_feed.content)) == ["Panel on trust"]
    assert str(icalendar.Calendar.from_ical(speaker_feed.content)["name"]) == f"{event.title} – Émilie Durand"
    assert speaker_feed.headers["content-disposition"] == (
        f'inline; filename="prelude-test-speaker-{speaker_id}.ics"'
    )
    assert list(icalendar_events(session_feed.content)) == ["Opening keynote"]
    assert list(vobject_events(session_feed.content)) == ["Opening keynote"]


def test_unknown_or_hidden_feeds_answer_404(db: DbSession, feeds_client: TestClient) -> None:
    event, _keynote, _panel = programme(db)
    other = make_event(db, slug="other-event")
    elsewhere = make_session(db, other, title="Elsewhere")
    silent = make_speaker(db, event, name="No Role", email="norole@example.org")
    make_event(db, slug="draft-event", is_published=False)
    make_event(db, slug="invited-only", visibility=Visibility.invitation_only)

    urls = [
        "/events/prelude-test/speakers/999999.ics",
        f"/events/prelude-test/speakers/{silent.id}.ics",
        "/events/prelude-test/sessions/999999.ics",
        f"/events/prelude-test/sessions/{elsewhere.id}.ics",
        f"{FEED}?track=999999",
        f"{FEED}?room=999999",
        f"{FEED}?track=abc",
        f"{FEED}?kind=party",
        "/events/no-such-event/programme.ics",
        "/events/draft-event/programme.ics",
        "/events/invited-only/programme.ics",
    ]
    answers = {url: feeds_client.get(url) for url in urls}

    assert {url: answer.status_code for url, answer in answers.items()} == dict.fromkeys(urls, 404)
    assert all(b"BEGIN:VCALENDAR" not in answer.content for answer in answers.values())


def test_feeds_never_show_a_speaker_email(db: DbSession, feeds_client: TestClient) -> None:
    event, keynote, panel = programme(db)
    speakers = db.exec(select(Speaker).where(Speaker.event_id == event.id)).all()

    bodies = [
        fetch(feeds_client, FEED).content,
        fetch(feeds_client, f"/events/prelude-test/sessions/{keynote.id}.ics").content,
        fetch(feeds_client, f"/events/prelude-test/sessions/{panel.id}.ics").content,
        *(fetch(feeds_client, f"/events/prelude-test/speakers/{s.id}.ics").content for s in speakers),
    ]

    emails = [s.email.encode() for s in speakers if s.email]
    assert len(emails) == 2
    assert [
        (email, body) for body in bodies for email in emails if email in body.replace(b"\r\n ", b"")
    ] == []
