"""What an import keeps and what its report says: nothing is lost or changed without a word.

Runs on the small files in tests/imports/data/ and schedules written here.
"""

import json
import re
from datetime import date
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from fastapi.testclient import TestClient
from sqlmodel import select

from app.accounts.models import User
from app.db import DbSession
from app.events.models import Event
from app.exports.frab import frab_snapshot, schedule_json, schedule_xml
from app.imports.plan import TRACK_PALETTE
from app.imports.readers import read_schedule
from app.imports.writer import apply_import
from app.programme.editions import clone_event
from app.programme.models import Session, SessionKind, SessionLink, Track
from app.programme.releases import published_programme
from app.programme.service import SessionDetails, update_session
from app.speakers.models import Speaker
from app.web import markdown_to_html
from tests.conftest import BrowserLikeClient
from tests.site import site_urls

DATA = Path(__file__).parent / "data"
BASE_URL = "https://plenary.example.org"


def fixture(name: str) -> bytes:
    return (DATA / name).read_bytes()


def imported(db: DbSession, organiser: User, content: bytes, event: Event | None = None) -> Event:
    result = apply_import(db, event, read_schedule(content), organiser=organiser)
    result.event.is_published = True
    db.add(result.event)
    db.commit()
    return result.event


def session_titled(db: DbSession, event: Event, title: str) -> Session:
    return db.exec(select(Session).where(Session.event_id == event.id, Session.title == title)).one()


def exported(db: DbSession, event: Event) -> tuple[ET.Element, dict[str, Any]]:
    snapshot = frab_snapshot(published_programme(db, event), event, site_urls(BASE_URL))
    xml_root = ET.fromstring(schedule_xml(snapshot))  # noqa: S314 - our own export
    json_events = {
        item["title"]: item
        for day in json.loads(schedule_json(snapshot))["schedule"]["conference"]["days"]
        for events in day["rooms"].values()
        for item in events
    }
    return xml_root, json_events


def xml_event(root: ET.Element, title: str) -> ET.Element:
    return next(event for event in root.iter("event") if event.findtext("title") == title)


def frab_json(days: list[dict[str, Any]], **conference: Any) -> bytes:
    document = {
        "schedule": {
            "conference": {
                "acronym": "mini",
                "title": "Mini",
                "time_zone_name": "Europe/Berlin",
                "days": days,
            }
            | conference
        }
    }
    return json.dumps(document).encode()


def event_at(
    event_id: int, title: str, date: str = "2024-05-02T10:00:00+02:00", **fields: Any
) -> dict[str, Any]:
    return {"id": event_id, "title": title, "date": date, "start": date[11:16], "duration": "00:30"} | fields


# --- 1. Recording and stream opt-outs ---


def test_recording_opt_outs_are_kept_shown_and_exported(
    db: DbSession, organiser: User, client: TestClient, organiser_client: BrowserLikeClient
) -> None:
    event = imported(db, organiser, fixture("fidelity-frab.json"))
    session = session_titled(db, event, "OpenCodes")
    # The organiser_client is this event's organiser once the import has made them one.
    builder = organiser_client.get(
        f"/manage/events/{event.slug}/programme?day=2019-08-21&session={session.id}"
    ).text

    page = client.get(f"/events/{event.slug}/sessions/{session.id}").text
    xml_root, json_events = exported(db, event)

    assert (session.do_not_record, session.do_not_stream, session.recording_license) == (
        True,
        True,
        "CC BY-SA",
    )
    assert 'class="badge no-recording">Not recorded</span>' in page
    assert 'class="badge no-stream">Not streamed</span>' in page
    assert re.search(r'name="do_not_record" type="checkbox" value="on" checked', builder)
    assert re.search(r'name="do_not_stream" type="checkbox" value="on" checked', builder)
    recording = xml_event(xml_root, "OpenCodes").find("recording")
    assert (recording.findtext("license"), recording.findtext("optout")) == ("CC BY-SA", "true")
    opencodes = json_events["OpenCodes"]
    assert (opencodes["do_not_record"], opencodes["do_not_stream"], opencodes["recording_license"]) == (
        True,
        True,
        "CC BY-SA",
    )


# --- 2. Indented and HTML descriptions ---


def test_indented_and_html_descriptions_render_as_text_not_code_or_tags(
    db: DbSession, organiser: User, client: TestClient
) -> None:
    event = imported(db, organiser, fixture("fidelity-frab.xml"))
    indented = session_titled(db, event, "BioTerrorism Will Save Your Life")
    in_html = session_titled(db, event, "Night of the clock change")

    indented_page = client.get(f"/events/{event.slug}/sessions/{indented.id}").text
    html_page = client.get(f"/events/{event.slug}/sessions/{in_html.id}").text

    assert "<pre>" not in indented_page and "<code>" not in indented_page
    assert str(markdown_to_html(indented.description)) == (
        "<p>We all know that custom, hand-made tools are always better than something factory made.</p>\n"
        "<p>Given, however, that the traditional rôle of pharmacists has been revoked, we have to do this "
        "ourselves.</p>\n<p>The choice is yours.</p>\n"
    )
    assert (in_html.abstract, in_html.description) == (
        "Music **all night**, with [our DJ](https://example.org/dj).",
        "- Bring earplugs\n- Bring friends",
    )
    assert '<strong>all night</strong>, with <a href="https://example.org/dj"' in html_page
    assert "&lt;p&gt;" not in html_page and "&lt;b&gt;" not in html_page and "alert(1)" not in html_page


# --- 3. People told apart by their guid or id, not their name ---


def test_people_are_matched_by_guid_and_id_and_names_differing_in_case_stay_apart(
    db: DbSession, organiser: User
) -> None:
    event = imported(db, organiser, fixture("fidelity-frab.xml"))
    imported(db, organiser, fixture("fidelity-frab.xml"), event)
    camp = imported(db, organiser, fixture("fidelity-frab.json"))

    people = db.exec(select(Speaker.name, Speaker.guid).where(Speaker.event_id == event.id)).all()
    camp_people = db.exec(select(Speaker.name, Speaker.source_id).where(Speaker.event_id == camp.id)).all()

    # "Alex Example" and "alex example" have different guids: two people, even after a second import.
    assert sorted(people) == [
        ("Alex Example", "b794c750-830d-53e8-8f28-8a9468f722c5"),
        ("Gabriela Bogk", "0c16ffaa-709d-599f-959f-9a38b911361a"),
        ("alex example", "4cee1e72-681f-5c8b-8dcd-8e58c8f4a445"),
    ]
    assert sorted(camp_people) == [
        ("Ada Lovelace", None),
        ("Alan Turing", None),
        ("Obelix", 4509),
        ("obelix", 4508),
    ]


# --- 4. Language ---


def test_each_sessions_language_is_kept_and_exported(db: DbSession, organiser: User) -> None:
    event = imported(db, organiser, fixture("fidelity-frab.xml"))

    xml_root, json_events = exported(db, event)

    assert {title: item["language"] for title, item in json_events.items()} == {
        "BioTerrorism Will Save Your Life": "de",
        "Night of the clock change": "en",
        "Lunch": None,
    }
    assert [
        xml_event(xml_root, title).findtext("language")
        for title in ("BioTerrorism Will Save Your Life", "Lunch")
    ] == ["de", None]


# --- 5. Everything not taken is in the report ---


def test_unusual_shapes_are_read_and_whatever_is_not_taken_is_reported() -> None:
    plan = read_schedule(
        frab_json(
            [
                {
                    "index": 1,
                    "date": "2024-05-02",
                    # A list of rooms, one of them holding something that is neither room nor event.
                    "rooms": [
                        {"name": "Hall", "events": [event_at(1, "In a listed room", room="Hall")]},
                        event_at(2, "Straight in the list", room="Cellar"),
                        "a note",
                    ],
                },
                {
                    "index": 2,
                    "date": "2024-05-03",
                    "rooms": {
                        "Hall": [
                            event_at(
                                3,
                                "Persons as text",
                                date="2024-05-03T10:00:00+02:00",
                                room="Hall",
                                persons="Ada Lovelace, Alan Turing",
                            ),  # fmt: skip
                            event_at(
                                4,
                                "Overlapping",
                                date="2024-05-03T10:15:00+02:00",
                                room="Hall",
                                persons=[{"public_name": ""}, 7],
                                links=[{"url": "javascript:alert(1)", "title": "x"}],
                            ),  # fmt: skip
                        ]
                    },
                },
            ]
        )
    )

    assert [(s.title, s.room, [p.name for p in s.people]) for s in plan.sessions] == [
        ("In a listed room", "Hall", []),
        ("Straight in the list", "Cellar", []),
        ("Persons as text", "Hall", ["Ada Lovelace", "Alan Turing"]),
        ("Overlapping", "Hall", []),
    ]
    assert plan.skipped == (
        "Entry 3 of the rooms of day 1 skipped: it is neither a room nor an event.",
        "Event 'Overlapping' (id 4) is imported, but left out: a person without a name; an entry of its "
        "persons that is not a person; the link javascript:alert(1), which is not a web address.",
    )
    assert plan.notes == (
        "1 pair of sessions overlaps in one room; both are imported, the programme builder lists them under "
        "Conflicts: Event 'Persons as text' (id 3) and Event 'Overlapping' (id 4) in Hall.",
    )


def test_events_straight_in_a_day_are_read_and_events_outside_any_day_are_reported() -> None:
    document = b"""<?xml version="1.0" encoding="utf-8"?>
<schedule><conference><title>Mini</title><acronym>mini</acronym><time_zone_name>Europe/Berlin</time_zone_name>
</conference>
<day date="2024-05-02" index="1">
  <event id="1" guid="11111111-1111-4111-8111-111111111111"><title>In the day</title><room>Hall</room>
    <date>2024-05-02T10:00:00+02:00</date><start>10:00</start><duration>00:30</duration></event>
</day>
<event id="2"><title>Nowhere</title></event>
</schedule>"""

    plan = read_schedule(document)

    assert [(s.title, s.room) for s in plan.sessions] == [("In the day", "Hall")]
    assert plan.skipped == ("Event 'Nowhere' (id 2) left out: it is not inside a day of the schedule.",)


# --- 6. Type labels ---


def test_the_sources_type_label_is_kept_and_exported_and_meals_are_breaks(
    db: DbSession, organiser: User
) -> None:
    event = imported(db, organiser, fixture("fidelity-frab.xml"))

    xml_root, json_events = exported(db, event)
    lunch = session_titled(db, event, "Lunch")

    assert (lunch.kind.value, lunch.type_label) == ("break", "Meal")
    assert {title: item["type"] for title, item in json_events.items()} == {
        "BioTerrorism Will Save Your Life": "Talk 40 (30min +10 Q&A)",
        "Night of the clock change": "DJ Set",
        "Lunch": "Meal",
    }
    assert xml_event(xml_root, "Night of the clock change").findtext("type") == "DJ Set"


# --- 7. Times the clock change makes ambiguous or skips ---


def test_wall_clock_times_on_the_nights_clocks_change_are_noted_not_shifted_silently() -> None:
    plan = read_schedule(
        frab_json(
            [
                {"index": 1, "date": "2024-03-31", "rooms": {"Hall": [
                    {"id": 1, "title": "Skipped hour", "date": "2024-03-31", "start": "02:30",
                     "duration": "00:30"},
                ]}},
                {"index": 2, "date": "2024-10-27", "rooms": {"Hall": [
                    {"id": 2, "title": "Twice", "date": "2024-10-27", "start": "02:30", "duration": "00:30"},
                    {"id": 3, "title": "With offset", "date": "2024-10-27T02:30:00+01:00", "start": "02:30",
                     "duration": "00:30"},
                ]}},
            ]
        )
    )  # fmt: skip

    assert plan.notes == (
        "1 event starts at a time that does not exist in Europe/Berlin (the clocks jump forward that night); "
        "it was read as the time after the jump. Check: Event 'Skipped hour' (id 1).",
        "1 event starts at a time that happens twice in Europe/Berlin (the clocks go back that night) and "
        "the file gives no UTC offset; the earlier one was used. Check: Event 'Twice' (id 2).",
    )


# --- 8. Links, attachments, subtitles, feedback, guids ---


def test_links_attachments_subtitle_feedback_and_guids_are_kept(db: DbSession, organiser: User) -> None:
    event = imported(db, organiser, fixture("fidelity-frab.xml"))
    session = session_titled(db, event, "BioTerrorism Will Save Your Life")
    tracks = db.exec(select(Track.name).where(Track.event_id == event.id)).all()

    xml_root, _json_events = exported(db, event)
    element = xml_event(xml_root, "BioTerrorism Will Save Your Life")

    assert (session.subtitle, session.abstract) == (
        "with the 4 Thieves Vinegar Collective",
        "Governments have criminalized the practice of managing your own health.",
    )
    assert (session.link_list, session.attachment_list) == (
        (
            SessionLink("https://example.org/project", "Project page"),
            SessionLink("https://example.org/paper.pdf", "The paper"),
        ),
        (SessionLink("https://congress.example.org/media/slides.pdf", "Slides"),),
    )
    assert sorted(tracks) == ["Art & Beauty", "Science", "Security"]
    assert [(link.get("href"), link.text) for link in element.iter("link")] == [
        ("https://example.org/project", "Project page"),
        ("https://example.org/paper.pdf", "The paper"),
    ]
    assert element.findtext("feedback_url") == "https://cfp.example.org/fidelity24/talk/ASBXWW/feedback/"
    assert [person.get("guid") for person in element.iter("person")] == [
        "b794c750-830d-53e8-8f28-8a9468f722c5",
        "0c16ffaa-709d-599f-959f-9a38b911361a",
    ]
    saal = next(room for room in xml_root.iter("room") if room.get("name") == "Saal 1")
    assert saal.get("guid") == "ba692ba3-421b-5371-8309-60acc34a3c05"


# --- 9. UTF-16, track colours ---


def test_a_utf16_schedule_is_read_like_its_utf8_original() -> None:
    original = fixture("fidelity-frab.xml").decode()
    as_utf16 = original.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")

    assert read_schedule(as_utf16).sessions == read_schedule(original.encode()).sessions


def test_tracks_without_a_colour_get_distinct_colours_from_the_palette() -> None:
    plan = read_schedule(
        frab_json(
            [{"index": 1, "date": "2024-05-02", "rooms": {"Hall": [
                event_at(n, f"Talk {n}", track=f"Track {n}") for n in range(1, 5)
            ]}}],
            tracks=[{"name": "Track 1", "color": TRACK_PALETTE[1]}],
        )
    )  # fmt: skip

    assert [(track.name, track.colour) for track in plan.tracks] == [
        ("Track 1", TRACK_PALETTE[1]),
        ("Track 2", TRACK_PALETTE[0]),
        ("Track 3", TRACK_PALETTE[2]),
        ("Track 4", TRACK_PALETTE[3]),
    ]


def test_a_new_kind_in_the_builder_drops_the_imported_type_label(db: DbSession, organiser: User) -> None:
    event = imported(db, organiser, fixture("fidelity-frab.xml"))
    lunch = session_titled(db, event, "Lunch")
    night = session_titled(db, event, "Night of the clock change")

    def details(session: Session, kind: SessionKind, type_label: str) -> SessionDetails:
        return SessionDetails(
            title=session.title,
            kind=kind,
            start_at=session.start_at,
            end_at=session.end_at,
            room_id=session.room_id,
            type_label=type_label,
        )

    update_session(db, event, lunch, details(lunch, SessionKind.social, "Meal"))
    update_session(db, event, night, details(night, SessionKind.workshop, "Night school"))

    assert [(lunch.kind, lunch.type_label), (night.kind, night.type_label)] == [
        (SessionKind.social, ""),
        (SessionKind.workshop, "Night school"),
    ]


def test_xml_persons_written_as_text_are_read_and_nameless_ones_reported() -> None:
    document = b"""<?xml version="1.0" encoding="utf-8"?>
<schedule><conference><title>Mini</title><acronym>mini</acronym><time_zone_name>Europe/Berlin</time_zone_name>
</conference>
<day date="2024-05-02" index="1"><room name="Hall">
  <event id="1" guid="11111111-1111-4111-8111-111111111111"><title>As text</title><room>Hall</room>
    <date>2024-05-02T10:00:00+02:00</date><start>10:00</start><duration>00:30</duration>
    <persons>Ada Lovelace, Alan Turing</persons></event>
  <event id="2" guid="21111111-1111-4111-8111-111111111111"><title>Nameless</title><room>Hall</room>
    <date>2024-05-02T11:00:00+02:00</date><start>11:00</start><duration>00:30</duration>
    <persons><person id="5"> </person><person id="6">Grace Hopper</person></persons></event>
</room></day>
</schedule>"""

    plan = read_schedule(document)

    assert [[person.name for person in session.people] for session in plan.sessions] == [
        ["Ada Lovelace", "Alan Turing"],
        ["Grace Hopper"],
    ]
    assert plan.skipped == ("Event 'Nameless' (id 2) is imported, but left out: a person without a name.",)


def test_the_next_edition_keeps_what_the_import_kept_but_not_the_old_pages(
    db: DbSession, organiser: User
) -> None:
    event = imported(db, organiser, fixture("fidelity-frab.xml"))

    clone = clone_event(db, event, "fidelity-25", "Fidelity 25", date(2025, 11, 1), organiser)
    copied = session_titled(db, clone, "BioTerrorism Will Save Your Life")

    assert (copied.subtitle, copied.language, copied.type_label, copied.do_not_record) == (
        "with the 4 Thieves Vinegar Collective",
        "de",
        "Talk 40 (30min +10 Q&A)",
        True,
    )
    assert copied.description.startswith("We all know that custom")
    assert (copied.feedback_url, copied.origin_url) == ("", "")
