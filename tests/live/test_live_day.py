"""The demo hybrid conference (prelude-2022) played as a live day with a moved clock: now and next change
at a session boundary, a delay said through a stage link shows on the room screen and the now page, an
online attendee joins and is counted, and a cancelled one cannot join."""

import re
from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import col, select

from app.accounts.models import User
from app.db import DbSession
from app.demo.events import load_demo_events
from app.live.attendance import session_counts
from app.programme.models import Session
from app.registration.links import join_token
from app.registration.models import AttendanceChoice, RegistrationStatus
from app.web.clock import current_time
from tests.conftest import BrowserLikeClient, csrf_from
from tests.registration.manage_factories import make_organiser_of, make_registration
from tests.registration.public_factories import SECRET_KEY

PARIS = ZoneInfo("Europe/Paris")
SLUG = "prelude-2022"
STREAM = "https://stream.example.org/prelude-2022/main-auditorium"


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2022, 10, 5, hour, minute, tzinfo=PARIS)


def board_text(client: TestClient, path: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", client.get(path, headers={"HX-Request": "true"}).text).split())


def test_prelude_played_as_a_live_day(
    db: DbSession, app: FastAPI, client: TestClient, organiser: User, organiser_client: BrowserLikeClient
) -> None:
    event = next(event for event in load_demo_events(db) if event.slug == SLUG)
    make_organiser_of(db, event, organiser)
    keynote = db.exec(
        select(Session).where(col(Session.title).startswith("The promises of single-cell"))
    ).first()
    assert keynote is not None
    online = make_registration(
        db, event, name="Chen Wei", email="chen@example.org", mode=AttendanceChoice.online
    )
    cancelled = make_registration(
        db,
        event,
        name="Emil Left",
        email="emil@example.org",
        mode=AttendanceChoice.online,
        status=RegistrationStatus.cancelled,
    )
    moment = [at(9, 44)]
    app.dependency_overrides[current_time] = lambda: moment[0]
    try:
        # Now and next change at the boundary: the opening, then the keynote.
        assert "Opening of the conference" in board_text(client, f"/events/{SLUG}/now").split("Next")[0]
        moment[0] = at(9, 45)
        board = board_text(client, f"/events/{SLUG}/now")
        assert "The promises of single-cell technologies" in board.split("Next")[0]

        # The stage manager says the main auditorium runs 10 minutes late.
        page = organiser_client.get(f"/manage/events/{SLUG}/stage")
        hall = re.search(r'<option value="(\d+)">Main auditorium</option>', page.text)
        assert hall is not None
        made = organiser_client.post(
            f"/manage/events/{SLUG}/stage/links",
            data={"csrf_token": csrf_from(page.text), "room_id": hall.group(1), "label": "Camille"},
            follow_redirects=True,
        )
        stage_path = urlsplit(re.findall(r'value="(https?://[^"]+/stage/[^"]+)"', made.text)[-1]).path
        with TestClient(app) as phone:
            form = phone.get(stage_path)
            said = phone.post(
                f"{stage_path}/adjust",
                data={
                    "csrf_token": csrf_from(form.text),
                    "room_id": hall.group(1),
                    "kind": "delay",
                    "minutes": "10",
                },
                headers={"HX-Request": "true"},
            )
            assert said.status_code == 200
        screen = board_text(client, f"/events/{SLUG}/rooms/{hall.group(1)}/screen")
        assert "10 minutes late" in screen
        assert "10 minutes late" in board_text(client, f"/events/{SLUG}/now")

        # An online attendee joins (the stream opens), and is counted once; a cancelled one cannot join.
        joined = client.get(f"/join/{join_token(SECRET_KEY, online, keynote.id)}", follow_redirects=False)
        assert (joined.status_code, joined.headers["location"]) == (303, STREAM)
        client.get(f"/join/{join_token(SECRET_KEY, online, keynote.id)}", follow_redirects=False)
        refused = client.get(f"/join/{join_token(SECRET_KEY, cancelled, keynote.id)}", follow_redirects=False)
        assert refused.status_code == 403 and STREAM not in refused.text
        db.rollback()
        counts = session_counts(db, event, db.get(Session, keynote.id))
        assert counts.joined == 1
    finally:
        app.dependency_overrides.pop(current_time, None)
