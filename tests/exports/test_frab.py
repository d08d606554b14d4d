"""The frab schedule.xml and schedule.json that conference apps read: valid against c3voc's schemas."""

import json
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from lxml import etree

from app.db import DbSession
from app.demo.events import load_demo_events
from app.events.models import Event
from app.exports.frab import frab_snapshot, person_guid, schedule_json, schedule_xml
from app.programme.models import SessionKind
from app.programme.releases import published_programme
from tests.factories import (
    add_role,
    at,
    make_event,
    make_room,
    make_session,
    make_speaker,
    make_talk,
    make_track,
)
from tests.site import site_urls

# c3voc's schemas and schedule files from other tools, vendored (see the README.md and SOURCE.md there).
DATA = Path(__file__).resolve().parents[1] / "data"
SCHEMAS = DATA / "schemas"
SAMPLES = DATA / "samples"
BASE_URL = "https://plenary.example.org"


def xml_errors(document: bytes) -> list[str]:
    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "schedule.xml.xsd")))
    schema.validate(etree.fromstring(document))
    return [f"line {error.line}: {error.message}" for error in schema.error_log]


def json_errors(document: bytes) -> list[str]:
    schema = json.loads((SCHEMAS / "schedule.json.schema.json").read_text())
    # The schema declares draft-06; FormatChecker() also checks the "uuid" format that draft-06 leaves out.
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema, format_checker=jsonschema.FormatChecker())
    return [f"{error.json_path}: {error.message}" for error in validator.iter_errors(json.loads(document))]


def xml_events(document: bytes) -> list[Any]:
    return etree.fromstring(document).findall("day/room/event")


def json_events(document: bytes) -> list[dict[str, Any]]:
    days = json.loads(document)["schedule"]["conference"]["days"]
    return [item for day in days for events in day["rooms"].values() for item in events]


@pytest.fixture
def demo_events(db: DbSession) -> list[Event]:
    return load_demo_events(db)


# --- The validation code itself, proven on files other tools made ---


@pytest.mark.parametrize("name", ["good-38c3-excerpt.xml"])
def test_xml_validation_accepts_a_good_real_schedule(name: str) -> None:
    assert xml_errors((SAMPLES / name).read_bytes()) == []


def test_xml_validation_rejects_a_broken_schedule_for_each_broken_rule() -> None:
    errors = "\n".join(xml_errors((SAMPLES / "bad-38c3-broken.xml").read_bytes()))

    assert ["guid_unique" in errors, "'45min'" in errors, "title" in errors, "'25:99'" in errors] == [
        True
    ] * 4


def test_json_validation_accepts_a_good_real_schedule() -> None:
    assert json_errors((SAMPLES / "good-pretalx-democon.json").read_bytes()) == []


def test_json_validation_rejects_a_broken_schedule_for_each_broken_rule() -> None:
    errors = "\n".join(json_errors((SAMPLES / "bad-pretalx-democon-broken.json").read_bytes()))

    assert ["'not-a-uuid'" in errors, "'25' is not of type" in errors, "'1h'" in errors] == [True] * 3
    assert "'title' is a required property" in errors


def test_json_validation_rejects_the_upstream_invalid_example() -> None:
    assert json_errors((SAMPLES / "bad-upstream-invalid-example.json").read_bytes()) != []


# --- Plenary's own exports ---


def test_schedule_xml_of_every_demo_event_validates(db: DbSession, demo_events: list[Event]) -> None:
    errors = {
        event.slug: xml_errors(
            schedule_xml(frab_snapshot(published_programme(db, event), event, site_urls(BASE_URL)))
        )
        for event in demo_events
    }

    assert errors == {event.slug: [] for event in demo_events}


def test_schedule_json_of_every_demo_event_validates(db: DbSession, demo_events: list[Event]) -> None:
    errors = {
        event.slug: json_errors(
            schedule_json(frab_snapshot(published_programme(db, event), event, site_urls(BASE_URL)))
        )
        for event in demo_events
    }

    assert errors == {event.slug: [] for event in demo_events}


def test_schedule_ids_guids_and_slugs_are_unique(db: DbSession, demo_events: list[Event]) -> None:
    for event in demo_events:
        snapshot = frab_snapshot(published_programme(db, event), event, site_urls(BASE_URL))
        items = json_events(schedule_json(snapshot))
        exported = [s for s in snapshot.sessions if not s.is_cancelled]

        assert sorted(item["id"] for item in items) == sorted(s.id for s in exported)
        assert len({item["guid"] for item in items}) == len(items)
        assert len({item["slug"] for item in items}) == len(items)
        assert {item["guid"] for item in items} == {s.uid for s in exported}
        assert all(uuid.UUID(item["guid"]).version == 4 for item in items)
        assert all(
            element.findtext("room") == element.getparent().get("name")
            for element in xml_events(schedule_xml(snapshot))
        )


def test_schedule_xml_and_json_carry_the_same_sessions(db: DbSession, demo_events: list[Event]) -> None:
    snapshot = frab_snapshot(published_programme(db, demo_events[0]), demo_events[0], site_urls(BASE_URL))

    from_xml = {
        (int(e.get("id")), e.get("guid"), e.findtext("start"), e.findtext("duration"), e.findtext("room"))
        for e in xml_events(schedule_xml(snapshot))
    }
    from_json = {
        (e["id"], e["guid"], e["start"], e["duration"], e["room"])
        for e in json_events(schedule_json(snapshot))
    }

    assert from_xml == from_json
    assert len(from_xml) > 0


def test_schedule_never_shows_a_speaker_email(db: DbSession, demo_events: list[Event]) -> None:
    event = make_event(db, slug="email-check")
    session = make_session(db, event)
    add_role(db, session, make_speaker(db, event, email="hidden.person@example.org"))

    snapshot = frab_snapshot(published_programme(db, event), event, site_urls(BASE_URL))
    documents = [schedule_xml(snapshot), schedule_json(snapshot)]
    documents += [
        schedule_json(frab_snapshot(published_programme(db, demo), demo, site_urls(BASE_URL)))
        for demo in demo_events
    ]

    assert [b"@example.org" in document for document in documents] == [False] * len(documents)


def test_schedule_lists_speakers_with_id_name_and_derived_guid(db: DbSession) -> None:
    event = make_event(db)
    session = make_session(db, event)
    speaker = make_speaker(db, event, name="Erik de Vrieze")
    add_role(db, session, speaker)

    (item,) = json_events(
        schedule_json(frab_snapshot(published_programme(db, event), event, site_urls(BASE_URL)))
    )

    assert item["persons"] == [
        {"id": speaker.id, "guid": person_guid(BASE_URL, speaker.id), "public_name": "Erik de Vrieze"}
    ]
    assert uuid.UUID(person_guid(BASE_URL, speaker.id)).version == 5


def test_schedule_times_are_in_the_event_zone_across_a_daylight_saving_change(db: DbSession) -> None:
    # Europe/Paris leaves summer time in the night of 24 to 25 October 2026.
    event = make_event(db, slug="dst-days", start_date=date(2026, 10, 24), end_date=date(2026, 10, 25))
    room = make_room(db, event)
    before = make_session(db, event, room_id=room.id, start_at=at(event, 0, 9), end_at=at(event, 0, 10))
    overnight = make_session(db, event, room_id=room.id, start_at=at(event, 0, 23), end_at=at(event, 1, 4))
    after = make_session(db, event, room_id=room.id, start_at=at(event, 1, 9), end_at=at(event, 1, 10, 30))

    document = schedule_json(frab_snapshot(published_programme(db, event), event, site_urls(BASE_URL)))
    conference = json.loads(document)["schedule"]["conference"]
    times = {item["id"]: (item["date"], item["start"], item["duration"]) for item in json_events(document)}
    day_bounds = [(day["date"], day["day_start"], day["day_end"]) for day in conference["days"]]

    assert times == {
        before.id: ("2026-10-24T09:00:00+02:00", "09:00", "01:00"),
        # 23:00 summer time to 04:00 winter time is six hours of real time.
        overnight.id: ("2026-10-24T23:00:00+02:00", "23:00", "06:00"),
        after.id: ("2026-10-25T09:00:00+01:00", "09:00", "01:30"),
    }
    assert day_bounds == [
        ("2026-10-24", "2026-10-24T00:00:00+02:00", "2026-10-25T00:00:00+02:00"),
        ("2026-10-25", "2026-10-25T00:00:00+02:00", "2026-10-26T00:00:00+01:00"),
    ]


def test_schedule_leaves_out_cancelled_sessions(db: DbSession) -> None:
    event = make_event(db)
    kept = make_session(db, event, title="Opening")
    make_session(
        db, event, title="Called off", is_cancelled=True, start_at=at(event, 1, 9), end_at=at(event, 1, 10)
    )
    snapshot = frab_snapshot(published_programme(db, event), event, site_urls(BASE_URL))

    in_json = [item["title"] for item in json_events(schedule_json(snapshot))]
    in_xml = [element.findtext("title") for element in xml_events(schedule_xml(snapshot))]

    assert (in_json, in_xml) == (["Opening"], ["Opening"])
    assert json_events(schedule_json(snapshot))[0]["id"] == kept.id


def test_schedule_maps_a_session_to_a_frab_event(db: DbSession) -> None:
    event = make_event(db, slug="prelude-2022")
    room = make_room(db, event, name="Amphithéâtre")
    track = make_track(db, event, name="Health data")
    session = make_session(
        db,
        event,
        title="Données de santé: l'Europe!",
        room_id=room.id,
        track_id=track.id,
        kind=SessionKind.panel,
    )

    (item,) = json_events(
        schedule_json(frab_snapshot(published_programme(db, event), event, site_urls(BASE_URL)))
    )

    assert item == {
        "id": session.id,
        "guid": session.uid,
        "date": "2022-10-05T14:00:00+02:00",
        "start": "14:00",
        "duration": "01:30",
        "room": "Amphithéâtre",
        "slug": f"prelude_2022-{session.id}-donnees-de-sante-l-europe",
        "url": f"{BASE_URL}/events/prelude-2022/sessions/{session.id}",
        "title": "Données de santé: l'Europe!",
        "subtitle": "",
        "track": "Health data",
        "type": "Panel",
        "language": None,
        "abstract": "Health Data Hub, TEHDAS and the European Health Data Space.",
        "description": "",
        "recording_license": "",
        "do_not_record": False,
        "do_not_stream": False,
        "persons": [],
        "links": [],
        "attachments": [],
    }


def test_schedule_puts_sessions_without_a_room_in_an_extra_room(db: DbSession) -> None:
    event = make_event(db)
    make_room(db, event, name="Auditorium")
    make_session(db, event, title="Coffee break", kind=SessionKind.break_)
    snapshot = frab_snapshot(published_programme(db, event), event, site_urls(BASE_URL))

    rooms = [room["name"] for room in json.loads(schedule_json(snapshot))["schedule"]["conference"]["rooms"]]
    (item,) = json_events(schedule_json(snapshot))

    assert (rooms, item["room"]) == (["Auditorium", "All rooms"], "All rooms")


def test_schedule_guids_of_rooms_and_people_stay_the_same_between_exports(db: DbSession) -> None:
    event = make_event(db)
    room = make_room(db, event)
    session = make_session(db, event, room_id=room.id)
    add_role(db, session, make_speaker(db, event))

    first = schedule_xml(frab_snapshot(published_programme(db, event), event, site_urls(BASE_URL)))
    second = schedule_xml(frab_snapshot(published_programme(db, event), event, site_urls(BASE_URL)))

    assert first == second
    assert b'<room name="Auditorium" guid="' in first


@pytest.mark.parametrize("session_count", [1, 10])
def test_schedule_reads_a_fixed_number_of_queries(
    db: DbSession, count_queries: Any, session_count: int
) -> None:
    event = make_event(db)
    room = make_room(db, event)
    speaker = make_speaker(db, event)
    for hour in range(session_count):
        session = make_session(
            db, event, room_id=room.id, start_at=at(event, 0, 8 + hour), end_at=at(event, 0, 9 + hour)
        )
        add_role(db, session, speaker)
        make_talk(db, session)

    with count_queries() as statements:
        schedule_xml(frab_snapshot(published_programme(db, event), event, site_urls(BASE_URL)))

    # The latest release (none here), then the draft: rooms, tracks, sessions, talks, roles, speakers.
    assert len(statements) == 7
