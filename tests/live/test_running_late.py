"""Running late on the demo conference's day: a stage manager with a stage link (no account) says the
main auditorium runs late, a session started or ended now; the now page and room screens show the new
times with the scheduled ones struck through, the organisers read the log, and the next day starts on
time again."""

import re
from collections.abc import Iterator
from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.accounts.models import User
from app.db import DbSession
from app.demo.events import load_demo_events
from app.events.models import Event
from app.live.models import AdjustmentKind, LiveAdjustment
from app.live.now import NowAndNext
from app.live.running_late import live_board
from app.programme.releases import published_programme
from app.web.clock import current_time
from tests.conftest import BrowserLikeClient, csrf_from
from tests.registration.manage_factories import make_organiser_of

PARIS = ZoneInfo("Europe/Paris")
SLUG = "prelude-2022"


def paris(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2022, 10, day, hour, minute, tzinfo=PARIS)


@pytest.fixture
def prelude(db: DbSession) -> Event:
    return next(event for event in load_demo_events(db) if event.slug == SLUG)


def _hall(db: DbSession, event: Event) -> tuple[int, dict[str, int]]:
    data = published_programme(db, event).data
    hall = next(room.id for room in data.rooms if room.name == "Main auditorium")
    return hall, {session.title: session.id for session in data.sessions}


def _said(
    event: Event,
    room_id: int,
    kind: AdjustmentKind,
    at: datetime,
    minutes: int | None = None,
    session: int | None = None,
) -> LiveAdjustment:
    return LiveAdjustment(
        id=None,
        event_id=event.id,
        room_id=room_id,
        session_id=session,
        kind=kind,
        minutes=minutes,
        happened_at=at,
        made_by="Stage",
    )


def _board(db: DbSession, event: Event, said: list[LiveAdjustment], now: datetime) -> NowAndNext:
    return live_board(published_programme(db, event).data, event, said, now, event.timezone)


def test_a_room_running_late_moves_what_is_on_and_what_comes_next(db: DbSession, prelude: Event) -> None:
    hall, _ids = _hall(db, prelude)
    board = _board(
        db,
        prelude,
        [_said(prelude, hall, AdjustmentKind.delay, paris(5, 11, 35), minutes=10)],
        paris(5, 11, 40),
    )
    line = board.rooms[0]
    assert line.delay == 10
    assert line.current is not None and line.current.session.end_at == paris(5, 12, 40)
    assert line.current.scheduled == (paris(5, 11, 0), paris(5, 12, 30))
    assert line.current.minutes_left == 60
    assert line.next is not None and line.next.session.start_at == paris(5, 13, 55)
    foyer = board.rooms[1]
    assert foyer.delay == 0 and foyer.next is not None and foyer.next.scheduled is None


def test_a_session_started_late_moves_the_sessions_after_it(db: DbSession, prelude: Event) -> None:
    hall, ids = _hall(db, prelude)
    keynote = next(i for title, i in ids.items() if title.startswith("Genome editing"))
    said = [_said(prelude, hall, AdjustmentKind.started, paris(5, 13, 52), session=keynote)]
    line = _board(db, prelude, said, paris(5, 14, 0)).rooms[0]
    assert line.current is not None and (line.current.session.start_at, line.current.session.end_at) == (
        paris(5, 13, 52),
        paris(5, 14, 37),
    )
    assert line.next is not None and line.next.session.start_at == paris(5, 14, 37)
    assert line.delay == 7


def test_a_session_ended_early_moves_nobody_earlier(db: DbSession, prelude: Event) -> None:
    hall, ids = _hall(db, prelude)
    themed = next(i for title, i in ids.items() if title.startswith("Personalised medicine and health"))
    said = [_said(prelude, hall, AdjustmentKind.ended, paris(5, 12, 20), session=themed)]
    line = _board(db, prelude, said, paris(5, 12, 25)).rooms[0]
    assert line.current is None
    assert (
        line.next is not None
        and line.next.session.start_at == paris(5, 13, 45)
        and line.next.scheduled is None
    )


def test_the_next_day_starts_on_time_again(db: DbSession, prelude: Event) -> None:
    hall, _ids = _hall(db, prelude)
    said = [_said(prelude, hall, AdjustmentKind.delay, paris(5, 17, 0), minutes=25)]
    day_two = _board(db, prelude, said, paris(6, 9, 0))
    assert all(line.delay == 0 for line in day_two.rooms)
    assert all(
        (line.current is None or line.current.scheduled is None)
        and (line.next is None or line.next.scheduled is None)
        for line in day_two.rooms
    )


# Through the stage link ------------------------------------------------------------------------------


@pytest.fixture
def clock(app: FastAPI) -> Iterator[list[datetime]]:
    moment = [paris(5, 11, 35)]
    app.dependency_overrides[current_time] = lambda: moment[0]
    yield moment
    app.dependency_overrides.pop(current_time, None)


def _stage_link(organiser_client: BrowserLikeClient, room_id: int | str, label: str) -> str:
    page = organiser_client.get(f"/manage/events/{SLUG}/stage")
    assert page.status_code == 200
    made = organiser_client.post(
        f"/manage/events/{SLUG}/stage/links",
        data={"csrf_token": csrf_from(page.text), "room_id": str(room_id), "label": label},
        follow_redirects=True,
    )
    assert made.status_code == 200
    links = re.findall(r'value="(https?://[^"]+/stage/[^"]+)"', made.text)
    assert links, made.text[:2000]
    return urlsplit(links[-1]).path


def test_a_stage_manager_says_the_room_runs_late_and_every_screen_follows(
    db: DbSession,
    app: FastAPI,
    prelude: Event,
    organiser: User,
    organiser_client: BrowserLikeClient,
    clock: list[datetime],
) -> None:
    make_organiser_of(db, prelude, organiser)
    hall, _ids = _hall(db, prelude)
    path = _stage_link(organiser_client, hall, "Camille, stage manager")
    with TestClient(app) as phone:  # no account, no cookie of the organiser's
        page = phone.get(path)
        assert page.status_code == 200
        assert "Main auditorium" in page.text and "Foyer" not in page.text
        token = csrf_from(page.text)
        said = phone.post(
            f"{path}/adjust",
            data={"csrf_token": token, "room_id": str(hall), "kind": "delay", "minutes": "10"},
            headers={"HX-Request": "true"},
        )
        assert said.status_code == 200
        assert "10 minutes late" in said.text

        refused = phone.post(
            f"{path}/adjust",
            data={"csrf_token": token, "room_id": str(hall), "kind": "delay", "minutes": "9999"},
            headers={"HX-Request": "true"},
        )
        assert refused.status_code == 422 and "up to 720" in refused.text
        foyer = next(room.id for room in published_programme(db, prelude).data.rooms if room.name == "Foyer")
        other_room = phone.post(
            f"{path}/adjust",
            data={"csrf_token": token, "room_id": str(foyer), "kind": "delay", "minutes": "5"},
            headers={"HX-Request": "true"},
        )
        assert other_room.status_code == 422

    now_page = organiser_client.get(f"/events/{SLUG}/now").text
    assert "10 minutes late" in now_page
    assert "<del" in now_page and "11:00–12:30</del>" in now_page
    screen = organiser_client.get(f"/events/{SLUG}/rooms/{hall}/screen").text
    assert "10 minutes late" in screen
    api = organiser_client.get(f"/api/events/{SLUG}/now").json()
    hall_now = next(room for room in api["rooms"] if room["room_id"] == hall)
    assert hall_now["minutes_late"] == 10
    assert hall_now["next"]["start"] == "2022-10-05T13:55:00+02:00"
    assert hall_now["next"]["scheduled_start"] == "2022-10-05T13:45:00+02:00"

    log = organiser_client.get(f"/manage/events/{SLUG}/stage").text
    assert "Camille, stage manager" in log and "Running late: 10 minutes" in log


def test_a_revoked_or_forged_stage_link_opens_nothing(
    db: DbSession,
    app: FastAPI,
    prelude: Event,
    organiser: User,
    organiser_client: BrowserLikeClient,
    clock: list[datetime],
) -> None:
    make_organiser_of(db, prelude, organiser)
    path = _stage_link(organiser_client, "", "AV team")
    with TestClient(app) as phone:
        assert phone.get(path).status_code == 200
        assert phone.get(path[:-3] + "abc").status_code == 404
    page = organiser_client.get(f"/manage/events/{SLUG}/stage")
    link_id = re.findall(r"/stage/links/(\d+)/revoke", page.text)[-1]
    organiser_client.post(
        f"/manage/events/{SLUG}/stage/links/{link_id}/revoke", data={"csrf_token": csrf_from(page.text)}
    )
    with TestClient(app) as phone:
        revoked = phone.get(path)
        assert revoked.status_code == 404
        assert "revoked" in revoked.text


def test_the_session_page_and_the_banner_say_the_room_runs_late(
    db: DbSession, client: TestClient, prelude: Event, clock: list[datetime]
) -> None:
    hall, ids = _hall(db, prelude)
    keynote = next(i for title, i in ids.items() if title.startswith("Genome editing"))
    db.add(_said(prelude, hall, AdjustmentKind.delay, paris(5, 11, 35), minutes=10))
    db.commit()
    page = client.get(f"/events/{SLUG}/sessions/{keynote}")
    assert f"/events/{SLUG}/sessions/{keynote}/live" in page.text
    notice = client.get(f"/events/{SLUG}/sessions/{keynote}/live").text
    assert "now expected 13:55–14:40" in notice and "13:45–14:30</del>" in notice
    foyer_lunch = next(i for title, i in ids.items() if title == "Lunch")
    assert client.get(f"/events/{SLUG}/sessions/{foyer_lunch}/live").text.strip() == ""
    assert "Main auditorium: 10 minutes late" in client.get(f"/events/{SLUG}/now/banner").text


def test_the_programme_gets_the_moved_sessions_as_json(
    db: DbSession, client: TestClient, prelude: Event, clock: list[datetime]
) -> None:
    hall, ids = _hall(db, prelude)
    db.add(_said(prelude, hall, AdjustmentKind.delay, paris(5, 11, 35), minutes=10))
    db.commit()
    late = client.get(f"/api/events/{SLUG}/late").json()
    assert late["rooms"] == [{"room_id": hall, "minutes_late": 10}]
    moved = {item["id"]: item for item in late["sessions"]}
    keynote = next(i for title, i in ids.items() if title.startswith("Genome editing"))
    assert moved[keynote]["start"] == "2022-10-05T11:55:00Z"
    assert moved[keynote]["scheduled_start"] == "2022-10-05T11:45:00Z"
    assert all(ids["Lunch"] != session_id for session_id in moved)
    programme = client.get(f"/events/{SLUG}/programme").text
    assert f'data-late-url="http://testserver/api/events/{SLUG}/late"' in programme
