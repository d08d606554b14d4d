"""A schedule imported and exported again says what it said: every field of a frab event, one by one.

Each file is imported into a new event, exported as schedule.xml and schedule.json, and both exports are
read back with the same reader as the file itself: every field of every event must come back. The small
files in tests/imports/data/ and the real ones (38C3, DebConf23, Camp 2019, pretalx's demo, vendored in
tests/data/samples/) all run.
"""

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urljoin
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

import pytest

from app.accounts.models import User
from app.db import DbSession
from app.exports.frab import frab_snapshot, schedule_json, schedule_xml
from app.imports.readers import read_schedule
from app.imports.text import imported_text
from app.imports.writer import apply_import
from app.programme.releases import published_programme
from tests.exports.test_frab import SAMPLES, SCHEMAS, json_errors, xml_errors
from tests.site import site_urls

DATA = Path(__file__).parent / "data"
BASE_URL = "https://plenary.example.org"

# Every element and attribute of a frab <event> in c3voc's schedule.xml.xsd, and what becomes of it.
KEPT = (
    "guid",
    "title",
    "subtitle",
    "type",
    "date",
    "start",
    "duration",
    "room",
    "room_guid",
    "track",
    "language",
    "abstract",
    "description",
    "persons",
    "person_guids",
    "recording_license",
    "recording_optout",
    "links",
    "attachments",
    "logo",
    "feedback_url",
    "origin_url",
)
# Plenary's own addresses for the session: the source's `url` comes back as `origin_url`.
REGENERATED = ("id", "slug", "url", "person_ids")
# Deprecated in the schema ("video_download_url") or pretalx's short code, which only pretalx can give.
NOT_KEPT = ("video_download_url", "code")
XSD_EVENT_FIELDS = {
    "room", "title", "subtitle", "type", "date", "start", "duration", "abstract", "slug", "track", "logo",
    "persons", "language", "description", "recording", "links", "attachments", "video_download_url", "url",
    "feedback_url", "origin_url", "code", "id", "guid",
}  # fmt: skip
# Only the JSON formats have the stream opt-out.
JSON_ONLY = ("do_not_stream",)

VENDORED = ["fidelity-frab.xml", "fidelity-frab.json"]
REAL = [
    "realworld/38c3-schedule.xml",
    "realworld/debconf23-schedule.xml",
    "realworld/camp2019-schedule.json",
    "good-pretalx-democon.json",
]


def _words(text: str | None) -> str:
    return " ".join((text or "").split())


def _when(date_text: str) -> datetime:
    return datetime.fromisoformat(date_text.strip())


def _minutes(duration: str) -> int:
    parts = [int(part) for part in duration.strip().split(":")]
    return parts[0] * 60 + parts[1]


def _event_fields(
    found: dict[str, Any], persons: list[tuple[str, str | None]], base_url: str, zone: ZoneInfo, *, ours: bool
) -> dict[str, Any]:
    """The fields of one event, read the same way from a source file and from our export (`ours`)."""
    logo = (found.get("logo") or "").strip()
    if logo and base_url:
        logo = urljoin(base_url, logo)
    start = _when(found["date"])
    # Our export's `url` is our own page; the source's page comes back as `origin_url`.
    origin = found.get("origin_url") or ("" if ours else found.get("url")) or ""
    return {
        "guid": found["guid"].lower(),
        "title": _words(found["title"]),
        "subtitle": _words(found.get("subtitle")),
        "type": _words(found.get("type"))[:100],
        # The moment; `start` is its wall-clock time in the conference's zone (where a file's `start`
        # disagrees with its `date`, the import takes the date, and says so).
        "date": start,
        "start": start.astimezone(zone).strftime("%H:%M"),
        "duration": timedelta(minutes=_minutes(found["duration"])),
        "room": _words(found["room"]),
        "room_guid": (found.get("room_guid") or "").lower(),
        "track": _words(found.get("track")),
        "language": (found.get("language") or "").strip(),
        "abstract": imported_text(found.get("abstract") or ""),
        "description": imported_text(found.get("description") or ""),
        "persons": sorted(_words(name) for name, _guid in persons),
        "person_guids": sorted((_words(name), guid.lower()) for name, guid in persons if guid),
        "recording_license": _words(found.get("recording_license")),
        "recording_optout": bool(found.get("do_not_record")),
        "do_not_stream": bool(found.get("do_not_stream")),
        "links": found.get("links") or [],
        "attachments": found.get("attachments") or [],
        "logo": logo if logo.startswith(("http://", "https://")) else "",
        "feedback_url": (found.get("feedback_url") or "").strip(),
        "origin_url": origin.strip(),
    }


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo((name or "UTC").strip())
    except (ValueError, KeyError):
        return ZoneInfo("UTC")


def xml_schedule_events(document: bytes, *, ours: bool = False) -> dict[str, dict[str, Any]]:
    root = ET.fromstring(document)  # noqa: S314 - our own test files and exports
    base_url = root.findtext("conference/base_url") or ""
    zone = _zone(root.findtext("conference/time_zone_name"))
    events = {}
    for room in root.iter("room"):
        for element in room.findall("event"):

            def text(tag: str, element: ET.Element = element) -> str:
                return "".join(element.find(tag).itertext()) if element.find(tag) is not None else ""

            def references(tag: str, element: ET.Element = element) -> list[tuple[str, str]]:
                return [
                    (item.get("href", ""), _words("".join(item.itertext()))) for item in element.iter(tag)
                ]

            recording = element.find("recording")
            found: dict[str, Any] = {
                name: text(name)
                for name in (
                    "title", "subtitle", "type", "date", "start", "duration", "room", "track", "language",
                    "abstract", "description", "logo", "feedback_url", "origin_url", "url",
                )
            }  # fmt: skip
            found |= {
                "guid": element.get("guid", ""),
                "room_guid": room.get("guid", ""),
                "recording_license": recording.findtext("license") if recording is not None else "",
                "do_not_record": recording is not None and recording.findtext("optout") == "true",
                "links": references("link"),
                "attachments": references("attachment"),
            }
            persons = [("".join(p.itertext()).strip(), p.get("guid")) for p in element.iter("person")]
            events[found["guid"].lower()] = _event_fields(found, persons, base_url, zone, ours=ours)
    return events


def json_schedule_events(document: bytes, *, ours: bool = False) -> dict[str, dict[str, Any]]:
    schedule = json.loads(document)["schedule"]
    conference = schedule["conference"]
    base_url = schedule.get("base_url") or ""
    zone = _zone(conference.get("time_zone_name"))
    room_guids = {room["name"]: room.get("guid", "") for room in conference.get("rooms", [])}
    events = {}
    for day in conference["days"]:
        rooms = day["rooms"]
        pairs = (
            rooms.items() if isinstance(rooms, dict) else [(room["name"], room["events"]) for room in rooms]
        )
        for room_name, items in pairs:
            for item in items:
                found = dict(item)
                found["room_guid"] = room_guids.get(room_name, "")
                for key in ("links", "attachments"):
                    found[key] = [(ref["url"], _words(ref.get("title"))) for ref in item.get(key) or []]
                persons_value = item.get("persons") or []
                if isinstance(persons_value, str):
                    persons_value = [{"public_name": name.strip()} for name in persons_value.split(",")]
                persons = [(p.get("public_name") or p.get("name"), p.get("guid")) for p in persons_value]
                events[item["guid"].lower()] = _event_fields(found, persons, base_url, zone, ours=ours)
    return events


def read_events(name: str, document: bytes) -> dict[str, dict[str, Any]]:
    return xml_schedule_events(document) if name.endswith(".xml") else json_schedule_events(document)


def round_trip(db: DbSession, organiser: User, document: bytes) -> tuple[bytes, bytes]:
    result = apply_import(db, None, read_schedule(document), organiser=organiser)
    snapshot = frab_snapshot(published_programme(db, result.event), result.event, site_urls(BASE_URL))
    return schedule_xml(snapshot), schedule_json(snapshot)


# Fields the source may leave empty, where the export must then write something of its own: a type
# (our kind's label) and guids (derived ones).
FILLED_IN = ("type", "room_guid")


def came_back(field: str, expected: Any, exported: dict[str, Any] | None) -> bool:
    if exported is None:
        return False
    if field in FILLED_IN and not expected:
        return True
    if field == "person_guids":
        # People the source gave no guid get derived ones.
        return set(expected) <= set(exported[field])
    return bool(exported[field] == expected)


def differences(
    source: dict[str, dict[str, Any]], exported: dict[str, dict[str, Any]], fields: tuple[str, ...]
) -> dict[str, list[str]]:
    """For each field, the guids of the events whose value did not come back (an empty list: all did)."""
    return {
        field: [
            guid
            for guid, expected in source.items()
            if not came_back(field, expected[field], exported.get(guid))
        ]
        for field in fields
    }


def _check_round_trip(db: DbSession, organiser: User, name: str, document: bytes) -> None:
    source = read_events(name, document)
    as_xml, as_json = round_trip(db, organiser, document)

    in_xml = xml_schedule_events(as_xml, ours=True)
    in_json = json_schedule_events(as_json, ours=True)

    nothing_lost = {field: [] for field in KEPT}
    assert differences(source, in_xml, KEPT) == nothing_lost
    assert differences(source, in_json, KEPT) == nothing_lost
    if name.endswith(".json"):
        assert differences(source, in_json, JSON_ONLY) == {field: [] for field in JSON_ONLY}


def test_the_field_lists_cover_every_field_of_a_frab_event() -> None:
    named = {"room_guid", "person_guids", "recording_license", "recording_optout", "person_ids"}
    covered = (set(KEPT) | set(REGENERATED) | set(NOT_KEPT)) - named
    assert covered | {"recording"} == XSD_EVENT_FIELDS


def test_the_field_lists_follow_the_schema() -> None:
    schema = ET.parse(SCHEMAS / "schedule.xml.xsd").getroot()  # noqa: S314 - the vendored schema
    xs = "{http://www.w3.org/2001/XMLSchema}"
    event_type = next(item for item in schema.iter(f"{xs}complexType") if item.get("name") == "event")
    named = {item.get("name") for item in event_type.iter() if item.tag in (f"{xs}element", f"{xs}attribute")}
    assert named == XSD_EVENT_FIELDS


@pytest.mark.parametrize("name", VENDORED)
def test_a_vendored_schedule_round_trips_field_by_field(db: DbSession, organiser: User, name: str) -> None:
    _check_round_trip(db, organiser, name, (DATA / name).read_bytes())


@pytest.mark.parametrize("name", REAL)
def test_a_real_schedule_round_trips_field_by_field(db: DbSession, organiser: User, name: str) -> None:
    _check_round_trip(db, organiser, name, (SAMPLES / name).read_bytes())


@pytest.mark.parametrize("name", VENDORED + REAL)
def test_an_imported_schedule_exports_valid_files(db: DbSession, organiser: User, name: str) -> None:
    path = DATA / name if name in VENDORED else SAMPLES / name
    as_xml, as_json = round_trip(db, organiser, path.read_bytes())

    assert (xml_errors(as_xml), json_errors(as_json)) == ([], [])
