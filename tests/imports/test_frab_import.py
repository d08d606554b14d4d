"""Importing frab schedules: every real file is read or refused cleanly, bad events are reported in words,
an import is one transaction, a re-import updates in place, and Plenary's own exports come back whole."""

import json
import random
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from app.accounts.models import User
from app.db import DbSession
from app.demo.events import load_demo_events
from app.events.models import Event, EventOrganiser
from app.imports.checks import session_kind
from app.imports.plan import (
    FORMAT_JSON,
    FORMAT_SCHEDULE2,
    FORMAT_XML,
    MAX_IMPORT_BYTES,
    ImportPlan,
    NotASchedule,
    PlannedPerson,
    PlannedSession,
)
from app.imports.readers import read_schedule
from app.imports.writer import ImportSummary, apply_import, preview_import
from app.programme.models import RoleKind, Room, Session, SessionKind, SessionRole, Talk, Track
from app.speakers.models import Speaker
from tests.exports.test_frab import SAMPLES
from tests.factories import add_role, at, make_event, make_room, make_session, make_speaker, make_talk

NEITHER_XML_NOR_JSON = (
    "This file is neither XML nor JSON. "
    "Upload the schedule.xml or schedule.json that pretalx or frab publish."
)
DTD_REFUSED = (
    "This XML file declares a document type or entities, which a schedule never needs; it was not read."
)
REAL_FILES = sorted(
    path.name if path.parent == SAMPLES else f"realworld/{path.name}"
    for path in [*SAMPLES.glob("*.xml"), *SAMPLES.glob("*.json"), *SAMPLES.glob("realworld/*")]
)


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def row_counts(db: DbSession) -> dict[str, int]:
    return {
        model.__name__: db.exec(select(func.count()).select_from(model)).one()
        for model in (Event, EventOrganiser, Room, Track, Speaker, Session, Talk, SessionRole)
    }


# --- Reading: every real file, and anything else ---


def test_every_real_file_is_read_or_refused_with_one_message() -> None:
    outcomes: dict[str, Any] = {}
    for name in REAL_FILES:
        try:
            plan = read_schedule(sample(name))
        except NotASchedule as refusal:
            outcomes[name] = refusal.message
        else:
            outcomes[name] = (
                plan.format,
                len(plan.sessions),
                len(plan.rooms),
                len(plan.tracks),
                len(plan.skipped),
            )

    not_a_schedule = NEITHER_XML_NOR_JSON
    assert outcomes == {
        "bad-38c3-broken.xml": (FORMAT_XML, 11, 2, 7, 5),
        "bad-pretalx-democon-broken.json": (FORMAT_JSON, 34, 2, 2, 2),
        "bad-upstream-invalid-example.json": (FORMAT_JSON, 0, 1, 0, 1),
        "good-38c3-excerpt.xml": (FORMAT_XML, 16, 2, 7, 0),
        "good-hub-schedule2.json": (FORMAT_SCHEDULE2, 2, 5, 7, 0),
        "good-pretalx-democon.json": (FORMAT_JSON, 36, 2, 2, 0),
        "realworld/38c3-schedule.xml": (FORMAT_XML, 1007, 72, 7, 0),
        "realworld/camp2019-schedule.json": (FORMAT_JSON, 79, 2, 7, 0),
        "realworld/debconf23-schedule.xml": (FORMAT_XML, 117, 5, 12, 0),
        "realworld/jres_2022.ics": not_a_schedule,
        "realworld/kielux_2020.ics": not_a_schedule,
        "realworld/linux_conf_au_2020.ics": not_a_schedule,
    }


def test_broken_38c3_file_reports_each_skipped_event_and_why() -> None:
    plan = read_schedule(sample("bad-38c3-broken.xml"))

    assert plan.skipped == (
        "Event 'BioTerrorism Will Save Your Life with the 4 Thieves Vinegar Collective' (id 316) skipped: "
        "its guid 270fa44c-821a-577f-8ca3-33e8d4a8c2a7 is already used by an earlier event.",
        "Event 'ACE up the sleeve: Hacking into Apple's new USB-C Controller' (id 543) skipped: "
        "its duration 45min is not a duration such as 00:45.",
        "Event (id 360) skipped: it has no title.",
        "Event '0, 1 oder 2 - Hackerei und Cyberbrei' (id 508) skipped: its start 25:99 is not a time.",
        "Event 'BlinkenCity: Radio-Controlling Street Lamps and Power Plants' (id 198) skipped: "
        "its room 'Saal Nirgendwo' is not the room it is listed under ('Saal 1').",
    )
    assert plan.notes == ()


def test_broken_pretalx_file_reports_each_skipped_event_and_why() -> None:
    plan = read_schedule(sample("bad-pretalx-democon-broken.json"))

    assert plan.skipped == (
        "Event 'Focused 5thgeneration hardware' (id 25) skipped: its id is written as text (\"25\"); "
        "frab ids are numbers.",
        "Event (id 26) skipped: it has no title; its duration 1h is not a duration such as 00:45.",
    )


def test_upstream_invalid_example_leaves_nothing_to_import() -> None:
    plan = read_schedule(sample("bad-upstream-invalid-example.json"))

    assert (plan.sessions, plan.skipped) == (
        (),
        (
            "Event 'Internal Penetration Testing Basics' (id 2814) skipped: "
            'its id is written as text ("2814"); frab ids are numbers.',
        ),
    )


def test_frab_xml_event_is_read_with_its_moment_room_track_kind_and_people() -> None:
    plan = read_schedule(sample("good-38c3-excerpt.xml"))

    first = plan.sessions[0]
    assert (
        plan.conference.title,
        plan.conference.timezone,
        plan.conference.start_date,
        plan.conference.end_date,
    ) == (
        "38C3",
        "Europe/Berlin",
        date(2024, 12, 27),
        date(2024, 12, 30),
    )
    assert first == PlannedSession(
        label="Event '38C3: Opening Ceremony' (id 2)",
        guid="270fa44c-821a-577f-8ca3-33e8d4a8c2a7",
        title="38C3: Opening Ceremony",
        kind=SessionKind.talk,
        start_at=datetime(2024, 12, 27, 9, 30, tzinfo=UTC),
        end_at=datetime(2024, 12, 27, 10, 0, tzinfo=UTC),
        room="Saal 1",
        track="CCC",
        abstract="Glad you could make it! Take a seat and buckle up for a ride through four days of chaotic "
        "adventures.",
        description="This ceremony will prepare you for the 38C3 in all its glory, underground and above, "
        "hacks and trolls, art and radical ideas. Let's kick this thing off together!",
        people=(
            PlannedPerson("Gabriela Bogk", guid="0c16ffaa-709d-599f-959f-9a38b911361a"),
            PlannedPerson("Senficon", guid="4cee1e72-681f-5c8b-8dcd-8e58c8f4a445"),
            PlannedPerson("Aline Blankertz", guid="721a267b-b09d-5422-8221-4f9a71cfc727"),
        ),
        source_id=2,
        language="en",
        type_label="Ceremony",
        feedback_url="https://fahrplan.events.ccc.de/congress/2024/fahrplan/talk/HQCCYH/feedback/",
        origin_url="https://fahrplan.events.ccc.de/congress/2024/fahrplan/talk/HQCCYH/",
    )


def test_wall_clock_start_is_read_in_the_conference_zone_and_dates_with_offsets_as_written() -> None:
    debconf = read_schedule(sample("realworld/debconf23-schedule.xml"))
    democon = read_schedule(sample("good-pretalx-democon.json"))

    # DebConf: <date>2023-09-10T05:00:00+00:00</date> and <start>10:30</start> in Asia/Kolkata agree.
    assert (debconf.sessions[0].title, debconf.sessions[0].start_at, debconf.notes) == (
        "Opening Ceremony",
        datetime(2023, 9, 10, 5, 0, tzinfo=UTC),
        (),
    )
    # pretalx's demo says UTC but writes +01:00 dates with matching starts: the dated moment wins.
    assert (democon.conference.timezone, democon.sessions[0].start_at) == (
        "UTC",
        datetime(2020, 12, 14, 8, 0, tzinfo=UTC),
    )


def test_schedule2_events_are_read_with_their_ends_tracks_by_slug_and_roles() -> None:
    plan = read_schedule(sample("good-hub-schedule2.json"))

    first = plan.sessions[0]
    assert (first.title, first.start_at, first.end_at, first.room, first.track, first.people) == (
        "38C3: Opening Ceremony",
        datetime(2024, 12, 27, 9, 30, tzinfo=UTC),
        datetime(2024, 12, 27, 10, 0, tzinfo=UTC),
        "Saal 1",
        "CCC",
        (
            PlannedPerson("Gabriela Bogk", guid="0c16ffaa-709d-599f-959f-9a38b911361a"),
            PlannedPerson("Aline Blankertz", guid="721a267b-b09d-5422-8221-4f9a71cfc727"),
            PlannedPerson("Senficon", guid="4cee1e72-681f-5c8b-8dcd-8e58c8f4a445"),
        ),
    )
    assert (plan.sessions[1].subtitle, plan.sessions[1].abstract[:14]) == (
        "Most Wanted Using Deep Reinforcement Learning",
        "All challenges",
    )


def _frab_json(events: list[dict[str, Any]], **conference: Any) -> bytes:
    base_event = {"date": "2024-05-02T10:00:00+02:00", "start": "10:00", "duration": "00:30", "room": "Hall"}
    document = {
        "schedule": {
            "conference": {
                "acronym": "mini",
                "title": "Mini",
                "time_zone_name": "Europe/Paris",
                "days": [
                    {"index": 1, "date": "2024-05-02", "rooms": {"Hall": [base_event | e for e in events]}}
                ],
                **conference,
            }
        }
    }
    return json.dumps(document).encode()


@pytest.mark.parametrize(
    ("event", "message"),
    [
        (
            {"id": 1, "duration": "00:00"},
            "Event 'A' (id 1) skipped: its duration 00:00 is not longer than zero.",
        ),
        ({"id": 1, "duration": "400:00"}, "Event 'A' (id 1) skipped: it lasts longer than 14 days (400:00)."),
        (
            {"id": 1, "date": "2024-02-30T10:00:00+02:00"},
            "Event 'A' (id 1) skipped: its date 2024-02-30T10:00:00+02:00 is not a date.",
        ),
        ({"id": 1, "duration": None}, "Event 'A' (id 1) skipped: it has no duration."),
        ({}, "Event 'A' (number 1 in the file) skipped: it has no id."),
        ({"id": 1.5}, "Event 'A' (id 1.5) skipped: its id 1.5 is not a whole number."),
        (
            {"id": 1, "room": "Cellar"},
            "Event 'A' (id 1) skipped: its room 'Cellar' is not the room it is listed under ('Hall').",
        ),
    ],
    ids=[
        "zero-duration",
        "too-long",
        "impossible-date",
        "no-duration",
        "no-id",
        "fractional-id",
        "other-room",
    ],
)
def test_an_event_breaking_a_rule_is_skipped_with_its_reason(event: dict[str, Any], message: str) -> None:
    plan = read_schedule(_frab_json([{"title": "A", **event}, {"id": 2, "title": "Kept"}]))

    assert plan.skipped == (message,)
    assert [session.title for session in plan.sessions] == ["Kept"]


def test_accepted_durations_and_an_event_without_date_read_from_its_day() -> None:
    plan = read_schedule(
        _frab_json(
            [
                {"id": 1, "title": "Colon", "duration": "1:05:30"},
                {"id": 2, "title": "Iso", "duration": "PT1H30M"},
                {"id": 3, "title": "No date", "date": None, "start": "09:15", "duration": "01:00"},
            ]
        )
    )

    assert [(s.title, s.start_at, s.end_at - s.start_at) for s in plan.sessions] == [
        (
            "Colon",
            datetime(2024, 5, 2, 8, 0, tzinfo=UTC),
            timedelta(hours=1, minutes=5, seconds=30),
        ),
        (
            "Iso",
            datetime(2024, 5, 2, 8, 0, tzinfo=UTC),
            timedelta(hours=1, minutes=30),
        ),
        (
            "No date",
            datetime(2024, 5, 2, 7, 15, tzinfo=UTC),
            timedelta(hours=1),
        ),
    ]


def test_a_file_without_a_valid_time_zone_reads_plain_times_in_utc_and_says_so() -> None:
    plan = read_schedule(
        _frab_json(
            [{"id": 1, "guid": str(uuid.uuid4()), "title": "A", "date": None, "start": "09:00"}],
            time_zone_name="Mars/Olympus",
        )
    )

    assert (plan.conference.timezone, plan.sessions[0].start_at, plan.notes) == (
        None,
        datetime(2024, 5, 2, 9, 0, tzinfo=UTC),
        ("The file names no time zone that exists (Mars/Olympus); times without an offset are read in UTC.",),
    )


def test_events_without_a_valid_guid_are_kept_and_noted(db: DbSession) -> None:
    plan = read_schedule(
        _frab_json(
            [
                {"id": 1, "title": "A", "guid": "not-a-uuid"},
                {"id": 2, "title": "B", "date": "2024-05-02T11:00:00+02:00", "start": "11:00"},
            ]
        )
    )

    summary = preview_import(db, plan, None)

    assert [session.guid for session in plan.sessions] == [None, None]
    assert summary.notes == (
        "2 events have no valid guid and get new calendar identities: Event 'A' (id 1), Event 'B' (id 2).",
    )


@pytest.mark.parametrize(
    ("type_label", "kind"),
    [
        ("Themed session", SessionKind.themed),
        ("keynote", SessionKind.keynote),
        ("Workshop (2h)", SessionKind.workshop),
        ("BoF (45 minutes)", SessionKind.workshop),
        ("HANDS-ON", SessionKind.workshop),
        ("Podium discussion", SessionKind.panel),
        ("DJ Set", SessionKind.social),
        ("Coffee break", SessionKind.break_),
        ("LIGHTNING_TALK", SessionKind.talk),
        ("lecture", SessionKind.talk),
        ("other", SessionKind.talk),
        ("", SessionKind.talk),
    ],
)
def test_frab_types_become_session_kinds(type_label: str, kind: SessionKind) -> None:
    assert session_kind(type_label) == kind


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<schedule><conference><title>&lol3;</title></conference></schedule>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE schedule [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<schedule><conference><title>&secret;</title></conference></schedule>"""


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"  \n\t", "The file is empty."),
        (
            b"BEGIN:VCALENDAR",
            NEITHER_XML_NOR_JSON,
        ),
        (
            b"<html><body>Not found</body></html>",
            "This XML file is not a frab schedule: its root element is <html>, not <schedule>.",
        ),
        (b"<schedule><day/></schedule>", "This XML file is not a frab schedule: it has no <conference>."),
        (
            b"<schedule><conference>",
            "This file is not well-formed XML (no element found: line 1, column 22).",
        ),
        (b"[1, 2, 3]", 'This JSON file is not a frab schedule: it has no "schedule" object.'),
        (
            b'{"schedule": {"conference": "x"}}',
            'This JSON file is not a frab schedule: it has no "conference" object.',
        ),
        (b'{"schedule": ', "This file is not valid JSON (Expecting value: line 1 column 14 (char 13))."),
        (
            BILLION_LAUGHS,
            DTD_REFUSED,
        ),
        (
            EXTERNAL_ENTITY,
            DTD_REFUSED,
        ),
        (b"x" * (MAX_IMPORT_BYTES + 1), "The file is larger than 20 MB; a schedule file is far smaller."),
    ],
    ids=[
        "empty",
        "blank",
        "ics",
        "html",
        "no-conference",
        "truncated-xml",
        "json-list",
        "json-no-conference",
        "truncated-json",
        "billion-laughs",
        "external-entity",
        "too-large",
    ],
)
def test_a_file_that_is_no_schedule_is_refused_with_one_message(content: bytes, message: str) -> None:
    with pytest.raises(NotASchedule) as refusal:
        read_schedule(content)

    assert refusal.value.message == message


def _garbage() -> list[tuple[str, bytes]]:
    rng = random.Random(5)
    cases = [
        ("deep-json", b"[" * 200_000),
        ("deep-xml", b"<schedule>" + b"<a>" * 100_000),
        (
            "deep-json-schedule",
            b'{"schedule": {"conference": {"days": ' + b"[" * 50_000 + b"]" * 50_000 + b"}}}",
        ),
        (
            "wrong-json-types",
            json.dumps(
                {
                    "schedule": {
                        "conference": {
                            "title": 5,
                            "days": [
                                1,
                                "a",
                                None,
                                {"date": 3, "rooms": {"R": [1, {"title": ["x"], "id": {}, "persons": "p"}]}},
                            ],
                            "rooms": [None, {"name": 4}],
                            "tracks": "t",
                        }
                    }
                }
            ).encode(),
        ),
        (
            "wrong-schedule2-types",
            json.dumps(
                {
                    "schedule": {
                        "conference": {"rooms": [{"name": "R", "guid": 3}]},
                        "events": [
                            None,
                            {"room": "R", "track": 5, "participants": [None, {"role": 3}], "start": 7},
                        ],
                    }
                }
            ).encode(),
        ),
        (
            "xml-empty-everything",
            b"<schedule><conference/><day><room><event><persons><person/></persons></event></room></day></schedule>",
        ),
        (
            "latin1-xml",
            "<?xml version='1.0' encoding='ISO-8859-1'?>"
            "<schedule><conference><title>Caf\xe9</title></conference></schedule>".encode("latin-1"),
        ),
        ("unknown-encoding", b"<?xml version='1.0' encoding='klingon'?><schedule/>"),
        ("utf16-json", '{"schedule": {"conference": {}}}'.encode("utf-16")),
        (
            "huge-number",
            b'{"schedule": {"conference": {"days": [{"rooms": {"R": [{"id": ' + b"9" * 5000 + b"}]}}]}}}",
        ),
    ]
    # Real files cut short or with bytes flipped.
    real_files = ("good-38c3-excerpt.xml", "good-pretalx-democon.json", "good-hub-schedule2.json")
    for name in real_files:
        original = sample(name)
        for cut in rng.sample(range(1, len(original)), 15):
            cases.append((f"{name}-cut-{cut}", original[:cut]))
        for round_ in range(15):
            mutated = bytearray(original)
            for _ in range(rng.randint(1, 30)):
                mutated[rng.randrange(len(mutated))] = rng.randrange(256)
            cases.append((f"{name}-mutated-{round_}", bytes(mutated)))
    for size in (1, 10, 1000, 100_000):
        cases.append((f"random-{size}", rng.randbytes(size)))
    return cases


@pytest.mark.parametrize(("name", "content"), _garbage(), ids=[name for name, _ in _garbage()])
def test_garbage_gives_a_plan_or_one_clear_refusal_never_a_crash(name: str, content: bytes) -> None:
    try:
        plan = read_schedule(content)
    except NotASchedule as refusal:
        assert refusal.message
    else:
        assert isinstance(plan, ImportPlan)


# --- Applying a plan ---


def test_38c3_imports_as_a_new_draft_event_with_progress_reported(db: DbSession, organiser: User) -> None:
    plan = read_schedule(sample("realworld/38c3-schedule.xml"))
    reported: list[tuple[int, int]] = []

    result = apply_import(
        db, None, plan, organiser=organiser, progress=lambda done, total: reported.append((done, total))
    )

    event = result.event
    assert (
        event.slug,
        event.title,
        event.timezone,
        event.start_date,
        event.end_date,
        event.is_published,
    ) == (
        "38c3",
        "38C3",
        "Europe/Berlin",
        date(2024, 12, 27),
        date(2024, 12, 30),
        False,
    )
    assert db.exec(select(EventOrganiser.user_id).where(EventOrganiser.event_id == event.id)).all() == [
        organiser.id
    ]
    assert row_counts(db) == {
        "Event": 1,
        "EventOrganiser": 1,
        "Room": 72,
        "Track": 7,
        "Speaker": 571,  # by guid: six names differ from another only in case
        "Session": 1007,
        "Talk": 0,
        "SessionRole": sum(len(session.people) for session in plan.sessions),
    }
    assert reported == [(0, 1007)] + [(min(n, 1007), 1007) for n in range(50, 1051, 50)]
    assert (result.summary.sessions_new, result.summary.rooms_new, result.summary.speakers_new) == (
        1007,
        72,
        571,
    )
    first = db.exec(select(Session).where(Session.uid == "270fa44c-821a-577f-8ca3-33e8d4a8c2a7")).one()
    assert (first.title, first.start_at, first.event_id) == (
        "38C3: Opening Ceremony",
        datetime(2024, 12, 27, 9, 30, tzinfo=UTC),
        event.id,
    )


def test_a_failing_import_leaves_nothing_behind(db: DbSession, organiser: User) -> None:
    plan = read_schedule(sample("realworld/38c3-schedule.xml"))
    before = row_counts(db)

    class Stop(Exception):
        pass

    def stop_half_way(done: int, total: int) -> None:
        if done >= 500:
            raise Stop

    with pytest.raises(Stop):
        apply_import(db, None, plan, organiser=organiser, progress=stop_half_way)

    assert row_counts(db) == before


def test_a_database_error_late_in_the_import_rolls_back_an_existing_event_too(
    db: DbSession, organiser: User
) -> None:
    event = make_event(db, slug="prelude-2022")
    room = make_room(db, event, name="Saal 1")
    make_session(db, event, title="Already there", room_id=room.id)
    plan = read_schedule(sample("good-38c3-excerpt.xml"))
    broken = plan.sessions[-1]
    # A session ending as it starts: the database's check constraint refuses it at the last flush.
    bad_plan = replace(plan, sessions=(*plan.sessions[:-1], replace(broken, end_at=broken.start_at)))
    before = row_counts(db)

    with pytest.raises(IntegrityError, match="ends_after_start"):
        apply_import(db, event, bad_plan)

    assert row_counts(db) == before
    assert db.exec(select(Session.title).where(Session.event_id == event.id)).all() == ["Already there"]


def test_reimport_into_the_same_event_updates_sessions_in_place(db: DbSession, organiser: User) -> None:
    first = apply_import(db, None, read_schedule(sample("good-38c3-excerpt.xml")), organiser=organiser)
    event = first.event
    opening = db.exec(select(Session).where(Session.uid == "270fa44c-821a-577f-8ca3-33e8d4a8c2a7")).one()
    senficon = db.exec(
        select(SessionRole)
        .join(Speaker)
        .where(Speaker.name == "Senficon", SessionRole.session_id == opening.id)
    ).one()
    senficon.role = RoleKind.moderator  # set by the organiser after the first import
    db.add(senficon)
    db.commit()
    ids_before = dict(db.exec(select(Session.uid, Session.id).where(Session.event_id == event.id)).all())
    changed = (
        sample("good-38c3-excerpt.xml")
        .replace(b"<title>38C3: Opening Ceremony</title>", b"<title>Opening Ceremony, day 1</title>")
        .replace(b"<date>2024-12-27T10:30:00+01:00</date>", b"<date>2024-12-27T11:00:00+01:00</date>")
        .replace(b'<person guid="721a267b-b09d-5422-8221-4f9a71cfc727">Aline Blankertz</person>', b"")
    )

    second = apply_import(db, event, read_schedule(changed))

    db.expire_all()
    ids_after = dict(db.exec(select(Session.uid, Session.id).where(Session.event_id == event.id)).all())
    opening = db.get(Session, opening.id)
    people = db.exec(
        select(Speaker.name, SessionRole.role)
        .join(SessionRole, col(SessionRole.speaker_id) == Speaker.id)
        .where(SessionRole.session_id == opening.id)
        .order_by(SessionRole.position)
    ).all()
    assert ids_after == ids_before
    assert (opening.title, opening.start_at) == (
        "Opening Ceremony, day 1",
        datetime(2024, 12, 27, 10, 0, tzinfo=UTC),
    )
    assert people == [("Gabriela Bogk", RoleKind.speaker), ("Senficon", RoleKind.moderator)]
    summary = second.summary
    assert (summary.sessions_new, summary.sessions_updated, summary.rooms_new, summary.speakers_new) == (
        0,
        16,
        0,
        0,
    )
    # Aline Blankertz stays a speaker of the event; only her role in the opening went.
    assert (
        db.exec(select(func.count()).select_from(Speaker).where(Speaker.name == "Aline Blankertz")).one() == 1
    )


def test_guids_used_by_another_event_get_new_uids_and_a_note(db: DbSession, organiser: User) -> None:
    plan = read_schedule(sample("good-38c3-excerpt.xml"))
    first = apply_import(db, None, plan, organiser=organiser)

    second = apply_import(db, None, plan, organiser=organiser)
    again = apply_import(db, second.event, plan)

    uids = db.exec(select(Session.uid).where(Session.event_id == second.event.id)).all()
    assert second.event.slug == "38c3-2"
    assert len(uids) == 16 and not set(uids) & {s.guid for s in plan.sessions}
    assert first.summary.notes == ()
    assert second.summary.notes == (
        "16 events' guids are already the calendar identities of sessions of another event; "
        "they get new ones: "
        "Event '38C3: Opening Ceremony' (id 2), "
        "Event 'BioTerrorism Will Save Your Life with the 4 Thieves Vinegar Collective' (id 316), "
        "Event 'ACE up the sleeve: Hacking into Apple's new USB-C Controller' (id 543), "
        "Event 'Als die Kommentarspalten brannten – 11 Monate Einsatz in Gaza' (id 360), "
        "Event '0, 1 oder 2 - Hackerei und Cyberbrei' (id 508) and 11 more.",
    )
    # The new uids are derived from the event and the guid: the same file imported again finds them.
    assert (again.summary.sessions_new, again.summary.sessions_updated, again.summary.notes) == (0, 16, ())
    assert sorted(db.exec(select(Session.uid).where(Session.event_id == second.event.id)).all()) == sorted(
        uids
    )


def test_events_without_guid_are_found_again_by_their_id(db: DbSession, organiser: User) -> None:
    plan = read_schedule(_frab_json([{"id": 1, "title": "A"}, {"id": 2, "title": "B"}]))
    first = apply_import(db, None, plan, organiser=organiser)

    again = apply_import(db, first.event, plan)

    assert (first.summary.sessions_new, again.summary.sessions_new, again.summary.sessions_updated) == (
        2,
        0,
        2,
    )
    assert db.exec(select(func.count()).select_from(Session)).one() == 2


def test_preview_into_an_event_names_the_sessions_outside_its_dates(db: DbSession) -> None:
    event = make_event(db, start_date=date(2024, 5, 2), end_date=date(2024, 5, 2), timezone="Europe/Paris")
    plan = read_schedule(
        _frab_json(
            [
                {"id": 1, "title": "Morning"},
                {"id": 2, "title": "Eve", "date": "2024-05-01T18:00:00+02:00", "start": "18:00"},
                {
                    "id": 3,
                    "title": "Late",
                    "date": "2024-05-02T23:00:00+02:00",
                    "start": "23:00",
                    "duration": "01:00",
                },
                {
                    "id": 4,
                    "title": "Night",
                    "date": "2024-05-02T23:30:00+02:00",
                    "start": "23:30",
                    "duration": "01:00",
                },
            ]
        )
    )

    summary = preview_import(db, plan, event)

    # "Late" ends at midnight, on the event's day; "Night" runs past it, as the builder's conflicts say.
    assert summary.notes[-1] == (
        "2 sessions fall outside the event's dates; the programme builder lists them under Conflicts until "
        "you move them or change the event's dates: Event 'Eve' (id 2), Event 'Night' (id 4)."
    )
    assert (summary.first_day, summary.last_day, summary.timezone) == (
        date(2024, 5, 2),
        date(2024, 5, 2),
        "Europe/Paris",
    )
    assert ImportSummary.from_json(summary.to_json()) == summary


def test_preview_of_a_new_event_takes_its_dates_and_time_zone_from_the_file(db: DbSession) -> None:
    plan = read_schedule(_frab_json([{"id": 1, "title": "A"}], start="2024-05-01", end="2024-05-03"))

    summary = preview_import(db, plan, None)

    assert (summary.event_slug, summary.first_day, summary.last_day, summary.timezone) == (
        "mini",
        date(2024, 5, 1),
        date(2024, 5, 3),
        "Europe/Paris",
    )


def test_preview_of_a_new_event_longer_than_60_days_names_the_problem(db: DbSession) -> None:
    plan = read_schedule(_frab_json([{"id": 1, "title": "A"}], start="2024-01-01", end="2024-06-30"))

    summary = preview_import(db, plan, None)

    assert (summary.problem, summary.sessions_new) == ("An event lasts at most 60 days.", 1)


# --- Round trip: Plenary's export, imported into an empty event, gives the same programme ---


def programme_of(db: DbSession, event: Event) -> dict[str, Any]:
    """The programme as the export can carry it: every role as "speaker", people on talks only there."""
    zone = ZoneInfo(event.timezone)

    def local(moment: datetime) -> str:
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")

    rooms = db.exec(select(Room).where(Room.event_id == event.id).order_by(Room.position, Room.id)).all()
    tracks = db.exec(select(Track).where(Track.event_id == event.id)).all()
    room_names = {room.id: room.name for room in rooms}
    track_names = {track.id: track.name for track in tracks}
    sessions = []
    for session in db.exec(
        select(Session).where(Session.event_id == event.id, col(Session.is_cancelled).is_(False))
    ).all():
        roles = db.exec(
            select(SessionRole.talk_id, Speaker.name)
            .join(Speaker, col(Speaker.id) == SessionRole.speaker_id)
            .where(SessionRole.session_id == session.id)
            .order_by(SessionRole.position, SessionRole.id)
        ).all()
        talks = db.exec(
            select(Talk).where(Talk.session_id == session.id).order_by(Talk.position, Talk.id)
        ).all()
        on_talks = {name for talk_id, name in roles if talk_id is not None}
        sessions.append(
            (
                local(session.start_at),
                local(session.end_at),
                room_names.get(session.room_id),
                session.title,
                session.kind,
                track_names.get(session.track_id),
                session.abstract,
                tuple(
                    dict.fromkeys(
                        (name, RoleKind.speaker)
                        for talk_id, name in roles
                        if talk_id is None and name not in on_talks
                    )
                ),
                tuple(
                    (
                        talk.title,
                        tuple(
                            dict.fromkeys(
                                (name, RoleKind.speaker) for talk_id, name in roles if talk_id == talk.id
                            )
                        ),
                    )
                    for talk in talks
                ),
            )
        )
    return {
        "event": (event.title, event.timezone, event.start_date, event.end_date),
        "rooms": [room.name for room in rooms],
        "tracks": sorted((track.name, track.colour) for track in tracks),
        "sessions": sorted(sessions, key=lambda item: (item[0], item[2] or "", item[3])),
        "speakers": sorted(
            db.exec(
                select(Speaker.name).where(Speaker.event_id == event.id).join(SessionRole).distinct()
            ).all()
        ),
    }


@pytest.fixture
def demo_events(db: DbSession) -> list[Event]:
    return load_demo_events(db)


@pytest.mark.parametrize("extension", ["xml", "json"])
def test_every_demo_event_round_trips_through_its_export(
    db: DbSession, demo_events: list[Event], admin: User, admin_client: Any, extension: str
) -> None:
    exported = {}
    for event in demo_events:
        response = admin_client.get(f"/events/{event.slug}/schedule.{extension}")
        assert response.status_code == 200, response.text
        exported[event.slug] = response.content
    db.expire_all()

    results = {
        slug: apply_import(db, None, read_schedule(content), organiser=admin)
        for slug, content in exported.items()
    }

    originals = {event.slug: programme_of(db, event) for event in demo_events}
    copies = {slug: programme_of(db, result.event) for slug, result in results.items()}
    assert copies == originals
    # (sessions, talks): the comparison above covers real programmes, talks included.
    assert {
        slug: (len(p["sessions"]), sum(len(s[8]) for s in p["sessions"])) for slug, p in copies.items()
    } == {
        "prelude-2022": (18, 20),
        "vision-to-practice-2021": (13, 2),
        "data-workshop-2017": (17, 6),
        "exec-committee-2017": (15, 0),
        "data-management-training-2023": (2, 0),
        "family-meeting-2023": (4, 0),
    }
    assert {slug: result.summary.skipped for slug, result in results.items()} == {
        slug: () for slug in exported
    }
    if extension == "json":
        capacities = {
            slug: [
                room.capacity
                for room in db.exec(
                    select(Room).where(Room.event_id == r.event.id).order_by(Room.position)
                ).all()
            ]
            for slug, r in results.items()
        }
        assert capacities == {
            event.slug: [
                room.capacity
                for room in db.exec(
                    select(Room).where(Room.event_id == event.id).order_by(Room.position, Room.id)
                ).all()
            ]
            for event in demo_events
        }


def test_a_session_without_room_and_talks_with_people_round_trip(
    db: DbSession, admin: User, admin_client: Any
) -> None:
    event = make_event(db, slug="prelude-2022", timezone="Europe/Paris")
    hall = make_room(db, event, name="Hall")
    make_session(
        db,
        event,
        title="Welcome coffee",
        kind=SessionKind.break_,
        room_id=None,
        start_at=at(event, 0, 8),
        end_at=at(event, 0, 9),
    )
    themed = make_session(
        db,
        event,
        title="Data (and) governance",
        kind=SessionKind.themed,
        room_id=hall.id,
        start_at=at(event, 0, 9),
        end_at=at(event, 0, 10, 30),
    )
    ada, alan, chair = (
        make_speaker(db, event, name="Lovelace, Ada"),
        make_speaker(db, event, name="Alan Turing"),
        make_speaker(db, event, name="Grace Hopper"),
    )
    add_role(db, themed, chair, role=RoleKind.chair)
    first = make_talk(db, themed, title="Gene therapy (ADA-SCID)")
    add_role(db, themed, ada, talk_id=first.id)
    add_role(db, themed, alan, talk_id=first.id, role=RoleKind.panelist)
    make_talk(db, themed, title="Discussion (open floor)")
    content = admin_client.get("/events/prelude-2022/schedule.xml").content
    db.expire_all()

    result = apply_import(db, None, read_schedule(content), organiser=admin)

    copy = programme_of(db, result.event)
    assert copy == programme_of(db, event)
    assert [entry[2:4] for entry in copy["sessions"]] == [
        (None, "Welcome coffee"),
        ("Hall", "Data (and) governance"),
    ]
    assert copy["sessions"][1][7:] == (
        (("Grace Hopper", RoleKind.speaker),),
        (
            (
                "Gene therapy (ADA-SCID)",
                (("Lovelace, Ada", RoleKind.speaker), ("Alan Turing", RoleKind.speaker)),
            ),
            ("Discussion (open floor)", ()),
        ),
    )
