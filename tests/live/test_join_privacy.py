"""No public page or feed carries a stream's address: only an attendee's own join link leads to it.

The demo events include a hybrid conference and online events whose rooms stream; every public page,
feed and API answer of theirs is fetched (those listed here, and any public route added later), during
the event day, and none may contain an address of a stream.
"""

import re
from datetime import timedelta

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from sqlmodel import col, select

from app.demo.events import load_demo_events
from app.events.models import Event
from app.programme.models import Room, Session
from app.speakers.models import Speaker
from app.web.clock import current_time

# The ids a public route may take, filled from the event under test; routes taking anything else (a
# personal token, a file) are not public pages.
PUBLIC_PARAMETERS = {"slug", "session_id", "speaker_id", "room_id"}


def _unfolded(body: bytes) -> bytes:
    # iCalendar folds lines longer than 75 octets: an address may be split over two lines.
    return body.replace(b"\r\n ", b"").replace(b"\n ", b"")


def _public_paths(app: FastAPI) -> list[str]:
    paths = []
    for route in iter_route_contexts(app.routes):
        path = route.path_format
        if "GET" not in (route.methods or ()) or path is None:
            continue
        if path.startswith(("/manage", "/admin", "/account", "/docs", "/redoc", "/static")):
            continue
        # An event stream never ends; tests/audience reads what the question streams carry.
        if path.endswith("/stream"):
            continue
        if set(re.findall(r"{(\w+)", path)) <= PUBLIC_PARAMETERS:
            paths.append(path)
    return paths


def _urls_of(db, app: FastAPI, event: Event) -> tuple[list[str], list[str]]:
    """The pages that must answer (200), and every public address of the event."""
    sessions = db.exec(select(Session.id).where(Session.event_id == event.id)).all()
    speakers = db.exec(select(Speaker.id).where(Speaker.event_id == event.id)).all()
    rooms = db.exec(select(Room.id).where(Room.event_id == event.id)).all()
    slug = event.slug
    required = [
        f"/events/{slug}",
        *(f"/events/{slug}/programme?day={day.isoformat()}" for day in event.days),
        *(f"/events/{slug}/programme?day={day.isoformat()}&view=list" for day in event.days),
        *(f"/events/{slug}/sessions/{session_id}" for session_id in sessions),
        f"/events/{slug}/programme.ics",
        *(f"/events/{slug}/programme.ics?room={room_id}" for room_id in rooms),
        *(f"/events/{slug}/sessions/{session_id}.ics" for session_id in sessions),
        f"/events/{slug}/schedule.xml",
        f"/events/{slug}/schedule.json",
        f"/events/{slug}/programme.csv",
        f"/api/events/{slug}",
        f"/api/events/{slug}/programme",
        f"/api/events/{slug}/rooms",
        *(f"/api/events/{slug}/sessions/{session_id}" for session_id in sessions),
    ]
    every = list(required)
    for path in _public_paths(app):
        for session_id in sessions[:3] if "{session_id}" in path else [0]:
            for speaker_id in speakers[:2] if "{speaker_id}" in path else [0]:
                for room_id in rooms if "{room_id}" in path else [0]:
                    every.append(
                        path.replace("{slug}", slug)
                        .replace("{session_id}", str(session_id))
                        .replace("{speaker_id}", str(speaker_id))
                        .replace("{room_id}", str(room_id))
                    )
    return required, every


def test_public_pages_feeds_and_api_of_streamed_events_never_contain_a_stream_address(db, app, client):
    events = [event for event in load_demo_events(db) if event.is_published]
    streams = sorted(db.exec(select(Room.stream_url).where(col(Room.stream_url).is_not(None))).all())
    streamed_event_ids = set(db.exec(select(Room.event_id).where(col(Room.stream_url).is_not(None))).all())
    streamed = [event for event in events if event.id in streamed_event_ids]
    assert len(streamed) >= 2, "the demo data has streamed events to test"
    answered, leaks = {}, []

    for event in streamed:
        # During the event's first session, so that "now" pages and screens show what is on.
        first = db.exec(
            select(Session.start_at).where(Session.event_id == event.id).order_by(col(Session.start_at))
        ).first()
        app.dependency_overrides[current_time] = lambda first=first: first + timedelta(minutes=10)
        required, every = _urls_of(db, app, event)
        for url in dict.fromkeys(every):
            response = client.get(url)
            body = _unfolded(response.content)
            if url in required:
                answered[url] = response.status_code
            leaks += [(url, stream) for stream in streams if stream.encode() in body]
    app.dependency_overrides.pop(current_time, None)

    assert leaks == []
    assert {url: status for url, status in answered.items() if status != 200} == {}
    assert len(answered) > 40
