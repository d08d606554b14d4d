"""What visitors tripped over on the public programme (#10 item 17): search across days, clearing filters,
calendar files of one session or speaker, and streamed sessions (never the stream's address)."""

import json
import re

from app.events.models import AttendanceMode
from app.programme.snapshot import RoomData, load_programme, programme_from_json, programme_to_json
from tests.factories import add_role, at, make_event, make_room, make_session, make_speaker

STREAM = "https://stream.example.org/secret-room-link"


def build_two_days(db, **event_overrides):
    event = make_event(db, **event_overrides)
    hall = make_room(db, event, name="Hall", position=1, stream_url=STREAM)
    salon = make_room(db, event, name="Salon", position=2)
    monday = make_session(
        db, event, title="Opening words", room_id=hall.id, start_at=at(event, 0, 9), end_at=at(event, 0, 10)
    )
    make_session(
        db,
        event,
        title="Genomics at scale",
        room_id=salon.id,
        start_at=at(event, 1, 9),
        end_at=at(event, 1, 10),
    )
    make_session(
        db,
        event,
        title="Genomics and ethics",
        room_id=salon.id,
        start_at=at(event, 1, 11),
        end_at=at(event, 1, 12),
    )
    speaker = make_speaker(db, event, name="Ada Lovelace")
    add_role(db, monday, speaker)
    return {"event": event, "monday": monday, "speaker": speaker}


def day_tabs(html: str) -> list[str]:
    tabs = re.findall(r'<nav class="day-tabs".*?</nav>', html, re.DOTALL)[0]
    return [
        " ".join(re.sub(r"<[^>]+>", " ", tab).split())
        for tab in re.findall(r'<span class="day-short"[^>]*>.*?</a>', tabs, re.DOTALL)
    ]


def test_programme_search_shows_matches_per_day_on_the_day_tabs(db, client):
    build_two_days(db)

    html = client.get("/events/prelude-test/programme?day=2022-10-05&q=genomics").text

    assert day_tabs(html) == ["Wed 5 Oct · 0 matches", "Thu 6 Oct · 2 matches"]


def test_programme_search_without_match_today_names_the_days_that_match(db, client):
    build_two_days(db)

    html = client.get("/events/prelude-test/programme?day=2022-10-05&q=genomics").text

    other = re.search(r'<p class="other-days">(.*?)</p>', html, re.DOTALL).group(1)
    assert (
        " ".join(re.sub(r"<[^>]+>", " ", other).split())
        == "Sessions on other days match: Thursday 6 October (2)"
    )
    assert (
        'href="http://testserver/events/prelude-test/programme?day=2022-10-06&amp;view=grid&amp;q=genomics"'
        in other
    )


def test_programme_without_filters_shows_no_match_counts(db, client):
    build_two_days(db)

    html = client.get("/events/prelude-test/programme?day=2022-10-05").text

    assert day_tabs(html) == ["Wed 5 Oct", "Thu 6 Oct"]


def test_programme_clear_filters_link_comes_with_the_htmx_swapped_block(db, client):
    build_two_days(db)

    fragment = client.get(
        "/events/prelude-test/programme?day=2022-10-06&q=genomics", headers={"HX-Request": "true"}
    ).text

    assert re.findall(r'<a class="clear-filters" href="([^"]+)">Clear filters</a>', fragment) == [
        "http://testserver/events/prelude-test/programme?day=2022-10-06&amp;view=grid"
    ]


def test_programme_filters_are_in_a_fold_open_without_javascript(db, client):
    build_two_days(db)

    html = client.get("/events/prelude-test/programme").text

    assert '<details class="programme-filters-fold" id="programme-filters-fold" open>' in html


def test_session_page_links_its_calendar_file(db, client):
    monday = build_two_days(db)["monday"]

    html = client.get(f"/events/prelude-test/sessions/{monday.id}").text

    assert f'href="http://testserver/events/prelude-test/sessions/{monday.id}.ics"' in html


def test_speaker_page_links_its_calendar_file(db, client):
    speaker = build_two_days(db)["speaker"]

    html = client.get(f"/events/prelude-test/speakers/{speaker.id}").text

    assert f'href="http://testserver/events/prelude-test/speakers/{speaker.id}.ics"' in html


def test_streamed_sessions_are_marked_and_the_stream_address_stays_private(db, client):
    monday = build_two_days(db, attendance_mode=AttendanceMode.hybrid)["monday"]

    programme = client.get("/events/prelude-test/programme?day=2022-10-05").text
    session = client.get(f"/events/prelude-test/sessions/{monday.id}").text

    assert re.findall(r'<span class="badge streamed">([^<]+)</span>', programme) == ["Streamed"]
    assert re.findall(r'<span class="badge streamed">([^<]+)</span>', session) == ["Streamed"]
    assert STREAM not in programme + session


def test_sessions_of_an_in_person_event_are_not_marked_streamed(db, client):
    build_two_days(db, attendance_mode=AttendanceMode.in_person)

    html = client.get("/events/prelude-test/programme?day=2022-10-05").text

    assert 'class="badge streamed"' not in html


def test_released_programme_keeps_whether_a_room_streams_but_not_its_address(db):
    event = build_two_days(db)["event"]

    stored = programme_to_json(load_programme(db, event))

    assert STREAM not in stored
    assert [room.is_streamed for room in programme_from_json(stored).rooms] == [True, False]


def test_release_stored_before_streams_were_marked_still_loads(db):
    event = build_two_days(db)["event"]
    stored = json.loads(programme_to_json(load_programme(db, event)))
    for room in stored["rooms"]:
        del room["is_streamed"]

    rooms = programme_from_json(json.dumps(stored)).rooms

    assert rooms[0] == RoomData(id=rooms[0].id, name="Hall", capacity=300, position=1, guid=None)
    assert rooms[0].is_streamed is False
