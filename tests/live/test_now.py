"""Now and next on the day of the demo hybrid conference (prelude-2022, Paris), with a moved clock: what
each room has on now and next, at session boundaries, across midnight in far zones and at a DST change."""

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.db import DbSession
from app.demo.events import load_demo_events
from app.events.models import Event
from app.live.now import NowAndNext, Phase, now_and_next
from app.programme.releases import published_programme
from app.web.clock import current_time
from tests.factories import make_event, make_room, make_session

PARIS = ZoneInfo("Europe/Paris")
SLUG = "prelude-2022"


def paris(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2022, 10, day, hour, minute, second, tzinfo=PARIS)


@pytest.fixture
def prelude(db: DbSession) -> Event:
    return next(event for event in load_demo_events(db) if event.slug == SLUG)


def visible(html: str) -> str:
    """The page's text as read, tags left out."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def board_at(db: DbSession, event: Event, moment: datetime, zone: str | None = None) -> NowAndNext:
    return now_and_next(published_programme(db, event).data, event, moment, zone)


def titles(board: NowAndNext) -> dict[str, tuple[str | None, str | None]]:
    return {
        (line.room.name if line.room else ""): (
            line.current.session.title if line.current else None,
            line.next.session.title if line.next else None,
        )
        for line in board.rooms
    }


def test_each_room_has_its_session_on_now_its_talk_and_its_next(db: DbSession, prelude: Event) -> None:
    board = board_at(db, prelude, paris(5, 11, 30))

    assert board.phase == Phase.running
    hall = board.rooms[0]
    assert hall.room is not None and hall.room.name == "Main auditorium"
    assert hall.current is not None and hall.current.session.title.startswith(
        "Personalised medicine and health"
    )
    assert (
        hall.current.talk is not None
        and hall.current.talk.title == "Paying for diagnostics and companion tests"
    )
    assert hall.current.minutes_left == 60
    assert hall.next is not None and hall.next.session.title.startswith("Genome editing")
    assert hall.next.starts_in == 135
    foyer = board.rooms[1]
    assert (foyer.current, foyer.next and foyer.next.session.title) == (None, "Lunch")


def test_now_changes_exactly_at_the_session_boundary(db: DbSession, prelude: Event) -> None:
    just_before = board_at(db, prelude, paris(5, 10, 29, 30))
    keynote = just_before.rooms[0].current
    assert keynote is not None and keynote.session.title.startswith("The promises of single-cell")
    assert keynote.minutes_left == 1
    assert titles(just_before)["Foyer"] == (None, "Coffee break")

    at_the_end = board_at(db, prelude, paris(5, 10, 30))
    assert titles(at_the_end)["Foyer"][0] == "Coffee break"
    assert at_the_end.rooms[0].current is None
    assert at_the_end.rooms[0].next is not None and at_the_end.rooms[0].next.starts_in == 30


def test_before_and_after_the_event_it_says_when_it_starts_or_that_it_ended(
    db: DbSession, prelude: Event
) -> None:
    before = board_at(db, prelude, paris(4, 18, 0))
    assert before.phase == Phase.before
    assert before.starts_at == paris(5, 8, 30)
    assert not before.is_event_day
    assert before.on_now == []

    first_morning = board_at(db, prelude, paris(5, 7, 0))
    assert first_morning.phase == Phase.before and first_morning.is_event_day

    after = board_at(db, prelude, paris(7, 9, 0))
    assert after.phase == Phase.ended
    assert not after.is_event_day
    assert all(line.current is None and line.next is None for line in after.rooms)


def test_the_rest_of_the_day_is_the_viewers_day_across_midnight(db: DbSession, prelude: Event) -> None:
    # Noon in Paris is 19:00 in Tokyo and 23:00 in Auckland: the afternoon's sessions (14:30 and 16:30 in
    # Paris) are still "today" in Tokyo, and already tomorrow in Auckland.
    def later(zone: str | None) -> list[str]:
        hall = board_at(db, prelude, paris(5, 12, 0), zone).rooms[0]
        return [session.title.split(":")[0] for session in hall.later_today]

    afternoon = ["Understanding patients' perspective in personalised healthcare", "Stakeholder Forum"]
    assert later(None) == afternoon
    assert later("Asia/Tokyo") == afternoon
    assert later("Pacific/Auckland") == []
    auckland = board_at(db, prelude, paris(5, 12, 0), "Pacific/Auckland")
    assert titles(auckland) == titles(board_at(db, prelude, paris(5, 12, 0)))


def test_minutes_left_are_right_across_the_autumn_clock_change(db: DbSession) -> None:
    event = make_event(db, slug="night-2022", start_date=date(2022, 10, 29), end_date=date(2022, 10, 30))
    room = make_room(db, event, name="Studio")
    # 01:30 to 03:30 on the night the clocks go back at 03:00 to 02:00: three real hours.
    start = datetime(2022, 10, 29, 23, 30, tzinfo=UTC)
    make_session(
        db,
        event,
        title="Night of science",
        room_id=room.id,
        start_at=start,
        end_at=start + timedelta(hours=3),
    )
    # 02:30 the second time round (CET) is 01:30 UTC: one hour left.
    board = board_at(db, event, datetime(2022, 10, 30, 1, 30, tzinfo=UTC))
    current = board.rooms[0].current
    assert current is not None and current.minutes_left == 60


def test_cancelled_sessions_are_neither_on_now_nor_next(db: DbSession) -> None:
    event = make_event(db, slug="cancel-2022", start_date=date(2022, 10, 5), end_date=date(2022, 10, 5))
    room = make_room(db, event, name="Salon")
    make_session(
        db,
        event,
        title="Cancelled talk",
        room_id=room.id,
        start_at=paris(5, 9),
        end_at=paris(5, 10),
        is_cancelled=True,
    )
    make_session(db, event, title="Real talk", room_id=room.id, start_at=paris(5, 10), end_at=paris(5, 11))
    board = board_at(db, event, paris(5, 9, 30))
    assert titles(board) == {"Salon": (None, "Real talk")}


# Pages ------------------------------------------------------------------------------------------------


@pytest.fixture
def clock(app: FastAPI) -> Iterator[list[datetime]]:
    """The site's clock, moved by the test: set clock[0]."""
    moment = [paris(5, 11, 30)]
    app.dependency_overrides[current_time] = lambda: moment[0]
    yield moment
    app.dependency_overrides.pop(current_time, None)


def test_now_page_shows_each_room_in_the_viewers_zone(
    client: TestClient, prelude: Event, clock: list[datetime]
) -> None:
    page = client.get(f"/events/{SLUG}/now")
    assert page.status_code == 200
    assert "Paying for diagnostics and companion tests" in page.text
    assert "60 minutes left" in page.text
    assert "11:00–12:30" in visible(page.text)
    assert 'hx-trigger="every 30s"' in page.text

    new_york = client.get(f"/events/{SLUG}/now?tz=America/New_York")
    assert "05:00–06:30" in visible(new_york.text)
    assert "Times in America/New York" in new_york.text

    unknown = client.get(f"/events/{SLUG}/now?tz=Mars/Base")
    assert unknown.status_code == 200
    assert "is not a time zone we know" in unknown.text
    assert "11:00–12:30" in visible(unknown.text)


def test_the_next_session_gives_its_day_only_when_it_is_another_day(
    client: TestClient, prelude: Event, clock: list[datetime]
) -> None:
    midday = visible(client.get(f"/events/{SLUG}/now").text)
    clock[0] = paris(5, 20)
    evening = visible(client.get(f"/events/{SLUG}/now").text)

    assert "13:45–" in midday and "Wednesday 5 October" not in midday
    assert "09:00–" in evening and "Thursday 6 October" in evening


def test_the_board_alone_comes_back_to_htmx_and_follows_the_clock(
    client: TestClient, prelude: Event, clock: list[datetime]
) -> None:
    fragment = client.get(f"/events/{SLUG}/now", headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<section id="now-board"')
    clock[0] = paris(5, 12, 40)
    later = client.get(f"/events/{SLUG}/now", headers={"HX-Request": "true"})
    assert "Lunch" in later.text and "Paying for diagnostics" not in later.text


def test_before_and_after_the_page_says_when_it_starts_and_links_the_archive(
    client: TestClient, prelude: Event, clock: list[datetime]
) -> None:
    clock[0] = paris(1, 12)
    assert "starts on Wed 5 Oct 2022, 08:30" in client.get(f"/events/{SLUG}/now").text
    clock[0] = paris(20, 12)
    ended = client.get(f"/events/{SLUG}/now").text
    assert "has ended" in ended
    assert f'/events/{SLUG}/programme">See the programme' in ended


def test_now_as_json_for_signage_and_bots(client: TestClient, prelude: Event, clock: list[datetime]) -> None:
    answer = client.get(f"/api/events/{SLUG}/now?tz=Asia/Seoul")
    assert answer.status_code == 200
    body = answer.json()
    assert (body["phase"], body["time_zone"]) == ("running", "Asia/Seoul")
    hall = body["rooms"][0]
    assert hall["room"] == "Main auditorium"
    assert hall["now"]["minutes_left"] == 60
    assert hall["now"]["start"] == "2022-10-05T18:00:00+09:00"
    assert hall["now"]["talk"]["title"] == "Paying for diagnostics and companion tests"
    assert hall["now"]["url"].endswith(f"/events/{SLUG}/sessions/{hall['now']['id']}")
    assert hall["next"]["starts_in_minutes"] == 135
    assert "stream" not in answer.text  # the stream address is only for confirmed online attendees


def test_room_screen_shows_now_next_and_a_qr_code(
    client: TestClient, prelude: Event, clock: list[datetime]
) -> None:
    screens = client.get(f"/events/{SLUG}/screens")
    assert screens.status_code == 200
    path = next(
        line.split('"')[1]
        for line in screens.text.splitlines()
        if "Main auditorium</a>" in line and "href=" in line
    )
    screen = client.get(path)
    assert screen.status_code == 200
    assert "Personalised medicine and health economics" in screen.text
    assert "Genome editing" in screen.text
    assert "<svg" in screen.text
    assert 'class="site-header"' not in screen.text
    assert 'hx-trigger="every 15s"' in screen.text
    assert client.get(f"/events/{SLUG}/rooms/999999/screen").status_code == 404


def test_the_banner_shows_only_on_the_events_days(
    client: TestClient, prelude: Event, clock: list[datetime]
) -> None:
    during = client.get(f"/events/{SLUG}/now/banner")
    assert "now-banner" in during.text and "Personalised medicine" in during.text
    clock[0] = paris(1, 12)
    assert client.get(f"/events/{SLUG}/now/banner").text.strip() == ""
    assert 'id="now-banner"' in client.get(f"/events/{SLUG}").text
    assert 'id="now-banner"' in client.get(f"/events/{SLUG}/programme").text


def test_a_draft_events_now_page_is_not_public(db: DbSession, client: TestClient) -> None:
    make_event(db, slug="draft-2022", is_published=False)
    assert client.get("/events/draft-2022/now").status_code == 404
    assert client.get("/api/events/draft-2022/now").status_code == 404


def test_screens_polling_within_the_minute_get_304(
    client: TestClient, prelude: Event, clock: list[datetime]
) -> None:
    path = f"/events/{SLUG}/rooms/{prelude_room_id(client)}/screen"
    first = client.get(path, headers={"HX-Request": "true"})
    tag = first.headers["etag"]
    clock[0] = clock[0] + timedelta(seconds=20)
    same_minute = client.get(path, headers={"HX-Request": "true", "If-None-Match": tag})
    assert (same_minute.status_code, same_minute.content) == (304, b"")
    clock[0] = clock[0] + timedelta(minutes=1)
    next_minute = client.get(path, headers={"HX-Request": "true", "If-None-Match": tag})
    assert next_minute.status_code == 200
    assert next_minute.headers["etag"] != tag
    assert "59 minutes left" in next_minute.text


def prelude_room_id(client: TestClient) -> int:
    rooms = client.get(f"/api/events/{SLUG}/now").json()["rooms"]
    return next(room["room_id"] for room in rooms if room["room"] == "Main auditorium")


def test_the_json_answers_304_within_the_minute(
    client: TestClient, prelude: Event, clock: list[datetime]
) -> None:
    first = client.get(f"/api/events/{SLUG}/now")
    assert first.json()["now"] == "2022-10-05T11:30:00+02:00"
    clock[0] = clock[0] + timedelta(seconds=40)
    again = client.get(f"/api/events/{SLUG}/now", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304


def test_a_screen_holding_the_minutes_page_gets_its_304_without_the_database(
    app: FastAPI, client: TestClient, prelude: Event, clock: list[datetime]
) -> None:
    from sqlalchemy import event as sa_event

    path = f"/events/{SLUG}/rooms/{prelude_room_id(client)}/screen"
    tag = client.get(path, headers={"HX-Request": "true"}).headers["etag"]
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    sa_event.listen(app.state.engine, "before_cursor_execute", count)
    try:
        again = client.get(path, headers={"HX-Request": "true", "If-None-Match": tag})
    finally:
        sa_event.remove(app.state.engine, "before_cursor_execute", count)
    assert again.status_code == 304
    assert statements == []
