"""The join link over HTTP: the waiting page (without JavaScript too), the redirect to the stream once the
session opens, the refusals, and the links the attendee's page and calendar feed give."""

import html
import re
from datetime import timedelta
from urllib.parse import urlsplit

import icalendar
import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app.live.models import SessionJoin
from app.registration.models import AttendanceChoice, RegistrationStatus
from app.registration.service import renew_manage_link
from tests.live.test_join_links import STREAM, joins_recorded, person, streamed_day, token_for
from tests.registration.public_factories import links


def _text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_waiting_page_shows_the_start_and_the_minutes_left_without_javascript(db, client, clock):
    day = streamed_day(db)
    clock(day.keynote.start_at - timedelta(minutes=42))

    response = client.get(f"/join/{token_for(day.online, day.keynote)}")

    assert response.status_code == 200
    text = _text(response.text)
    assert "Opening keynote" in text
    assert "It starts on Wed 5 Oct 2022, 09:00 CEST." in text
    assert "Starts in 42 minutes." in text
    assert "This link leads to the stream from 15 minutes before the start, at 08:45." in text
    assert "Times in Europe/Paris." in text
    # Without JavaScript, the page reloads itself when the link opens (27 minutes from now).
    assert '<noscript><meta http-equiv="refresh" content="60"></noscript>' in response.text
    assert 'data-join-opens-in="1620" data-join-starts-in="2520"' in response.text
    assert '<script src="http://testserver/static/js/join-countdown.js" defer></script>' in response.text
    assert STREAM not in response.text and "stream.example.org" not in response.text
    assert (response.headers["cache-control"], response.headers["referrer-policy"]) == (
        "no-store",
        "no-referrer",
    )


def test_waiting_page_reloads_at_the_opening_when_it_is_close(db, client, clock):
    day = streamed_day(db)
    clock(day.keynote.start_at - timedelta(minutes=15, seconds=20))

    response = client.get(f"/join/{token_for(day.online, day.keynote)}")

    assert '<noscript><meta http-equiv="refresh" content="20"></noscript>' in response.text


def test_waiting_page_speaks_the_attendees_zone_or_the_one_asked_for(db, client, clock):
    day = streamed_day(db)
    day.online.time_zone = "America/New_York"
    db.add(day.online)
    db.commit()
    clock(day.keynote.start_at - timedelta(days=1))
    url = f"/join/{token_for(day.online, day.keynote)}"

    own = _text(client.get(url).text)
    asked = _text(client.get(url, params={"tz": "Asia/Tokyo"}).text)

    assert ("It starts on Wed 5 Oct 2022, 03:00 EDT." in own, "Times in America/New_York." in own) == (
        True,
        True,
    )
    assert ("It starts on Wed 5 Oct 2022, 16:00 JST." in asked, "Times in Asia/Tokyo." in asked) == (
        True,
        True,
    )
    assert "Starts in 1 day." in own


def test_once_open_the_link_redirects_to_the_stream_and_records_the_join(db, client, clock):
    day = streamed_day(db)
    now = day.keynote.start_at - timedelta(minutes=10)
    clock(now)

    response = client.get(f"/join/{token_for(day.online, day.keynote)}")

    assert (response.status_code, response.headers["location"]) == (303, STREAM)
    assert (response.headers["cache-control"], response.headers["referrer-policy"]) == (
        "no-store",
        "no-referrer",
    )
    # Answered before the page middlewares (app.live.join_routes.JoinFastPath), with every answer's headers.
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "default-src" in response.headers["content-security-policy"]
    db.rollback()
    rows = db.exec(select(SessionJoin.registration_id, SessionJoin.session_id, SessionJoin.joined_at)).all()
    assert [tuple(row) for row in rows] == [(day.online.id, day.keynote.id, now)]


@pytest.mark.parametrize(
    ("case", "status", "message"),
    [
        ("cancelled", 403, "This registration is no longer active, so its links open no session."),
        ("waiting", 403, "You are on the waiting list: this link opens the session once you have a place."),
        (
            "pending",
            403,
            "The organisers have not approved your registration yet: this link opens the session once "
            "they have.",
        ),
        (
            "in-person",
            403,
            "You registered to attend in person, so the sessions are in the room, not online.",
        ),
        ("session-cancelled", 410, "This session was cancelled."),
        ("not-streamed", 404, "This session is not streamed: there is nothing to join online."),
        (
            "forged",
            403,
            "This link is not valid. Open the whole link from your email or your registration page.",
        ),
        ("renewed", 403, "This link no longer works: your registration's links were renewed."),
    ],
)
def test_a_link_that_opens_nothing_says_why_and_gives_no_address(
    db, client, clock, smtp, case, status, message
):
    day = streamed_day(db)
    registration, session = day.online, day.keynote
    if case in ("cancelled", "waiting", "pending"):
        registration = person(
            db, day.event, "Someone", mode=AttendanceChoice.online, status=RegistrationStatus(case)
        )
    elif case == "in-person":
        registration = day.in_person
    elif case == "session-cancelled":
        session.is_cancelled = True
        db.add(session)
        db.commit()
    elif case == "not-streamed":
        session = day.panel
    token = token_for(registration, session)
    if case == "forged":
        token = token[:-2] + ("xy" if not token.endswith("xy") else "yz")
    elif case == "renewed":
        renew_manage_link(db, day.event, registration, links=links())
    clock(session.start_at)

    response = client.get(f"/join/{token}")

    assert response.status_code == status
    assert message in _text(response.text)
    assert "stream.example.org" not in response.text
    assert "location" not in response.headers
    assert response.headers["cache-control"] == "no-store"
    db.rollback()
    assert db.exec(select(SessionJoin)).all() == []


def test_attendees_page_links_to_the_join_page_which_leads_to_the_stream(db, client: TestClient, clock):
    day = streamed_day(db)
    page = client.get(links().manage_path(day.online))
    [join_url] = re.findall(r'href="([^"]*/join/[^"]+)"', page.text)
    clock(day.keynote.start_at)

    response = client.get(urlsplit(join_url).path)

    assert STREAM not in page.text
    assert "Each one leads to the session's stream from 15 minutes before it starts." in _text(page.text)
    assert (response.status_code, response.headers["location"]) == (303, STREAM)


def test_personal_feed_conference_property_is_the_join_link(db, client: TestClient, clock):
    day = streamed_day(db)
    feed = client.get(urlsplit(links().calendar_url(day.online)).path)
    conferences = {
        str(item["summary"]): str(item["conference"])
        for item in icalendar.Calendar.from_ical(feed.content).walk("VEVENT")
        if "conference" in item
    }
    clock(day.keynote.start_at)

    response = client.get(urlsplit(conferences["Opening keynote"]).path)

    assert list(conferences) == ["Opening keynote"]
    assert b"stream.example.org" not in feed.content
    assert (response.status_code, response.headers["location"]) == (303, STREAM)


def test_when_the_room_runs_late_the_countdown_waits_for_the_expected_start(db, client, clock):
    from app.live.models import AdjustmentKind, LiveAdjustment

    day = streamed_day(db)
    said_at = day.keynote.start_at - timedelta(minutes=30)
    db.add(
        LiveAdjustment(
            event_id=day.event.id,
            room_id=day.plenary.id,
            kind=AdjustmentKind.delay,
            minutes=20,
            happened_at=said_at,
            made_by="Stage manager",
        )
    )
    db.commit()
    # 10 minutes before the scheduled start, 30 before the expected one: still the waiting page.
    clock(day.keynote.start_at - timedelta(minutes=10))

    response = client.get(f"/join/{token_for(day.online, day.keynote)}")

    assert response.status_code == 200
    text = _text(response.text)
    assert "It starts on Wed 5 Oct 2022, 09:20 CEST." in text
    assert "(the room runs late)" in text and "Starts in 30 minutes." in text
    clock(day.keynote.start_at + timedelta(minutes=6))
    assert client.get(f"/join/{token_for(day.online, day.keynote)}").status_code == 303


def test_the_attendees_own_page_shows_the_expected_time_of_a_late_room(db, client, clock):
    from app.live.models import AdjustmentKind, LiveAdjustment
    from app.registration.links import manage_token
    from tests.registration.public_factories import SECRET_KEY

    day = streamed_day(db)
    db.add(
        LiveAdjustment(
            event_id=day.event.id,
            room_id=day.plenary.id,
            kind=AdjustmentKind.delay,
            minutes=15,
            happened_at=day.keynote.start_at - timedelta(minutes=30),
            made_by="Stage manager",
        )
    )
    db.commit()
    page = client.get(f"/registrations/{manage_token(SECRET_KEY, day.online)}")
    assert page.status_code == 200
    text = _text(page.text)
    assert "09:00 Wed 5 Oct 2022, 09:15" in text and "(the room runs late)" in text


def test_once_the_session_has_ended_the_link_says_so_and_counts_nobody(db, client, clock):
    day = streamed_day(db)
    clock(day.keynote.end_at + timedelta(minutes=1))

    response = client.get(f"/join/{token_for(day.online, day.keynote)}", follow_redirects=False)

    assert response.status_code == 410
    assert "This session has ended." in _text(response.text)
    assert STREAM not in response.text
    assert joins_recorded(db) == []
