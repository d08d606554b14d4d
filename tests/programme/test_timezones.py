"""Times on the public programme: the event's zone by default, the viewer's on request, and DST days."""

import re
from datetime import UTC, date, datetime

from app.programme.snapshot import load_programme
from app.programme.views import ProgrammeFilters, day_bounds, programme_day
from tests.factories import at, make_event, make_room, make_session


def grid_times(html: str) -> list[str]:
    return re.findall(r'<p class="session-time"[^>]*><time datetime="[^"]+">([^<]+)</time>', html)


def day_tabs(html: str) -> list[str]:
    return re.findall(r'<span class="day-long">([^<]+)</span>', html)


def current_tab(html: str) -> str:
    match = re.search(r'aria-current="page"\s+hx-get="[^"]+day=(\d{4}-\d\d-\d\d)', html)
    assert match, "no current day tab"
    return match.group(1)


def test_programme_page_shows_times_in_the_event_zone_by_default(db, client):
    event = make_event(db)
    make_session(db, event, title="Opening", start_at=at(event, 0, 9), end_at=at(event, 0, 9, 30))

    response = client.get(f"/events/{event.slug}/programme")

    assert (response.status_code, grid_times(response.text)) == (200, ["09:00–09:30"])
    assert "times in Europe/Paris" in response.text


def test_programme_page_in_new_york_shifts_times_and_moves_a_late_session_to_the_day_before(db, client):
    event = make_event(db)
    make_session(db, event, title="Opening", start_at=at(event, 0, 9), end_at=at(event, 0, 10))
    make_session(db, event, title="Night owls", start_at=at(event, 1, 2), end_at=at(event, 1, 3))

    first_day = client.get(f"/events/{event.slug}/programme?tz=America/New_York&day=2022-10-05")
    second_day = client.get(f"/events/{event.slug}/programme?tz=America/New_York&day=2022-10-06")

    # 02:00 in Paris on 6 October is 20:00 on 5 October in New York (both on summer time).
    assert grid_times(first_day.text) == ["03:00–04:00", "20:00–21:00"]
    assert grid_times(second_day.text) == []
    assert "times in America/New York" in first_day.text
    assert day_tabs(first_day.text) == ["Wednesday 5 October", "Thursday 6 October"]


def test_programme_page_far_east_zone_adds_a_day_tab(db, client):
    event = make_event(db)
    make_session(db, event, title="Late panel", start_at=at(event, 1, 18), end_at=at(event, 1, 19))

    response = client.get(f"/events/{event.slug}/programme?tz=Asia/Tokyo&day=2022-10-07")

    assert day_tabs(response.text) == ["Wednesday 5 October", "Thursday 6 October", "Friday 7 October"]
    assert (current_tab(response.text), grid_times(response.text)) == ("2022-10-07", ["01:00–02:00"])


def test_programme_day_across_the_autumn_clock_change_shows_wall_clock_times(db, client):
    event = make_event(db, slug="dst-day", start_date=date(2022, 10, 30), end_date=date(2022, 10, 30))
    room = make_room(db, event)
    morning = make_session(
        db, event, title="Morning", room_id=room.id, start_at=at(event, 0, 9), end_at=at(event, 0, 10)
    )
    afternoon = make_session(
        db, event, title="Afternoon", room_id=room.id, start_at=at(event, 0, 15), end_at=at(event, 0, 16)
    )

    response = client.get(f"/events/{event.slug}/programme")

    db.refresh(morning)
    db.refresh(afternoon)
    # Summer time ended at 01:00 UTC that morning, so both sessions are on CET (UTC+1): 09:00 is 08:00 UTC.
    assert (morning.start_at, afternoon.start_at) == (
        datetime(2022, 10, 30, 8, 0, tzinfo=UTC),
        datetime(2022, 10, 30, 14, 0, tzinfo=UTC),
    )
    assert grid_times(response.text) == ["09:00–10:00", "15:00–16:00"]


def test_programme_day_across_the_autumn_clock_change_uses_the_offset_of_each_instant(db, client):
    event = make_event(db, slug="dst-instants", start_date=date(2022, 10, 30), end_date=date(2022, 10, 30))
    before_change = datetime(2022, 10, 29, 23, 30, tzinfo=UTC)  # 01:30 CEST
    after_change = datetime(2022, 10, 30, 7, 0, tzinfo=UTC)  # 08:00 CET, not 09:00
    make_session(db, event, title="Night", start_at=before_change, end_at=before_change.replace(minute=45))
    make_session(db, event, title="Early", start_at=after_change, end_at=after_change.replace(minute=30))

    response = client.get(f"/events/{event.slug}/programme?view=list")

    assert grid_times(response.text) == ["01:30–01:45", "08:00–08:30"]


def test_day_bounds_of_the_autumn_clock_change_span_twenty_five_hours():
    start, end = day_bounds(date(2022, 10, 30), "Europe/Paris")

    assert (start, end) == (
        datetime(2022, 10, 29, 22, 0, tzinfo=UTC),
        datetime(2022, 10, 30, 23, 0, tzinfo=UTC),
    )


def test_programme_day_grid_rows_follow_the_wall_clock_on_a_clock_change_day(db):
    event = make_event(db, slug="dst-grid", start_date=date(2022, 10, 30), end_date=date(2022, 10, 30))
    room = make_room(db, event)
    make_session(
        db, event, title="Morning", room_id=room.id, start_at=at(event, 0, 9), end_at=at(event, 0, 10)
    )
    make_session(
        db, event, title="Afternoon", room_id=room.id, start_at=at(event, 0, 15), end_at=at(event, 0, 16)
    )

    view = programme_day(load_programme(db, event), event, None, ProgrammeFilters())

    # Rows are five-minute slots from 09:00 (row 2): 15:00 is six hours, 72 rows, further down.
    assert [(c.session.title, c.row_start, c.row_end) for c in view.grid_cells] == [
        ("Morning", 2, 14),
        ("Afternoon", 74, 86),
    ]
    assert [(mark.label, mark.grid_row) for mark in view.hour_marks][::6] == [("09:00", 2), ("15:00", 74)]


def test_programme_page_unknown_zone_shows_a_notice_and_uses_the_event_zone(db, client):
    event = make_event(db)
    make_session(db, event, title="Opening", start_at=at(event, 0, 9), end_at=at(event, 0, 10))

    response = client.get(f"/events/{event.slug}/programme?tz=Mars/Olympus_Mons")

    assert response.status_code == 200
    assert (
        "&#34;Mars/Olympus_Mons&#34; is not a time zone we know; "
        "times are shown in the event&#39;s zone, Europe/Paris." in response.text
    )
    assert grid_times(response.text) == ["09:00–10:00"]


def test_programme_page_zone_directory_name_is_refused_with_a_notice(db, client):
    event = make_event(db)

    response = client.get(f"/events/{event.slug}/programme?tz=America")

    assert response.status_code == 200
    assert "is not a time zone we know" in response.text


def test_session_page_shows_the_event_zone_and_the_viewer_zone(db, client):
    event = make_event(db)
    session = make_session(db, event, title="Keynote", start_at=at(event, 0, 9), end_at=at(event, 0, 10))

    response = client.get(f"/events/{event.slug}/sessions/{session.id}?tz=America/New_York")

    assert response.status_code == 200
    assert "Wed 5 Oct 2022, 09:00–10:00" in response.text
    assert "In America/New York: Wed 5 Oct 2022, 03:00–04:00 EDT" in response.text


def test_programme_page_select_offers_every_zone_and_marks_the_chosen_one(db, client):
    event = make_event(db)

    response = client.get(f"/events/{event.slug}/programme?tz=Asia/Seoul")

    assert '<option value="Asia/Seoul" selected>Asia/Seoul</option>' in response.text
    assert '<option value="America/New_York" >America/New York</option>' in response.text
