"""The live streams through real servers: two app processes on one database (PostgreSQL's notifications in
the PostgreSQL pass, Redis beside SQLite otherwise), a question asked on one reaching the pages open on
the other within 2 seconds, held questions only on the moderators' stream, votes as counts, and a page
that reconnects with Last-Event-ID getting what it missed."""

import asyncio
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import make_url

from app.audience.links import moderator_token
from app.audience.questions import AUDIENCE_STREAM, update_settings
from app.audience.routes import StreamStart, _stream
from app.pubsub import InProcessBroker, LiveHub
from tests.audience.test_questions import streamed_day
from tests.concurrency.rush import SECRET_KEY, AppServer, running_app_servers
from tests.conftest import csrf_from
from tests.test_pubsub import _redis_url

DELIVERY_SECONDS = 2.0


@dataclass
class Frame:
    kind: str
    event_id: str
    data: dict


@contextmanager
def stream(url: str, last_event_id: str = "") -> Iterator[Callable[[Callable[[Frame], bool]], Frame]]:
    """Opens an event stream; the function it gives waits (2 s at most) for the first frame that matches."""
    headers = {"Accept": "text/event-stream", **({"Last-Event-ID": last_event_id} if last_event_id else {})}
    with httpx.stream(
        "GET", url, headers=headers, timeout=httpx.Timeout(5, read=DELIVERY_SECONDS)
    ) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = response.iter_lines()

        def wait_for(match: Callable[[Frame], bool]) -> Frame:
            deadline = time.monotonic() + DELIVERY_SECONDS
            kind, event_id = "", ""
            for line in lines:
                if line.startswith("event: "):
                    kind = line[7:]
                elif line.startswith("id: "):
                    event_id = line[4:]
                elif line.startswith("data: "):
                    frame = Frame(kind, event_id, json.loads(line[6:]))
                    if match(frame):
                        return frame
                    kind, event_id = "", ""
                if time.monotonic() > deadline:
                    break
            raise AssertionError("no matching event within 2 s")

        yield wait_for


class Visitor:
    """A browser on one of the servers: its own cookies and the page's CSRF token."""

    def __init__(self, server: AppServer, page: str) -> None:
        self.client = httpx.Client(base_url=server.url, timeout=10)
        self.page = page
        self.csrf = csrf_from(self.client.get(page).text)

    def post(self, path: str, **data: str) -> dict:
        response = self.client.post(
            path, data={"csrf_token": self.csrf, **data}, headers={"Accept": "application/json"}
        )
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def two_servers(db, database_url: str, tmp_path: Path) -> Iterator[tuple[list[AppServer], str, str]]:
    day = streamed_day(db)
    keynote = day.keynote
    # The servers run on today's clock: the 2022 keynote keeps its questions open.
    update_settings(db, LiveHub(InProcessBroker(), ()), keynote, moderated=False, closes_at_end=False)
    moderator = f"/moderate/{moderator_token(db, SECRET_KEY, keynote)}"
    page = f"/events/{day.event.slug}/sessions/{keynote.id}/questions"
    extra = {"AUDIENCE_QUESTIONS_PER_MINUTE": "0", "AUDIENCE_VOTES_PER_MINUTE": "0"}
    if make_url(database_url).get_backend_name() != "postgresql":
        extra["REDIS_URL"] = _redis_url()
    with running_app_servers(database_url, 2, tmp_path, extra) as servers:
        yield servers, page, moderator


def test_a_question_asked_on_one_process_reaches_pages_on_the_other(two_servers):
    (first, second), page, moderator = two_servers
    asker = Visitor(second, page)

    with (
        stream(f"{first.url}{page}/stream") as audience,
        stream(f"{second.url}{moderator}/stream") as moderation,
    ):
        asked = asker.post(page, text="Who pays for the data space?", name="Ana")["question"]
        heard = audience(lambda frame: frame.kind == "question")
        moderated = moderation(lambda frame: frame.kind == "question")

        assert (heard.data["text"], heard.data["name"], heard.data["origin"]) == (
            "Who pays for the data space?",
            "Ana",
            "room",
        )
        assert heard.event_id == moderated.event_id == str(asked["rev"])

        Visitor(first, page).post(f"{page}/{asked['id']}/vote")
        counts = audience(lambda frame: frame.kind == "counts")
        assert counts.data == {f"q{asked['id']}": 1}

        # As the page's script votes (JSON, the token in a header): counted before the page middlewares.
        voter = Visitor(second, page)
        voted = voter.client.post(
            f"{page}/{asked['id']}/vote", headers={"Accept": "application/json", "X-CSRF-Token": voter.csrf}
        )
        assert voted.json() == {"id": asked["id"], "votes": 2, "voted": True}
        counts = audience(lambda frame: frame.kind == "counts")
        assert counts.data == {f"q{asked['id']}": 2}


def test_a_held_question_is_sent_to_the_moderators_only(two_servers):
    (first, second), page, moderator = two_servers
    moderator_visitor = Visitor(second, moderator)
    moderator_visitor.post(f"{moderator}/settings", moderated="on", closes_at_end="")

    with (
        stream(f"{first.url}{page}/stream") as audience,
        stream(f"{second.url}{moderator}/stream") as moderation,
    ):
        Visitor(first, page).post(page, text="A confidential worry")
        told = audience(lambda frame: frame.kind in ("question", "gone"))
        held = moderation(lambda frame: frame.kind == "question")

    assert (told.kind, told.data["held"], "text" in told.data) == ("gone", 1, False)
    assert (held.data["text"], held.data["state"]) == ("A confidential worry", "held")


def test_a_page_that_reconnects_gets_what_it_missed(two_servers):
    (first, second), page, _moderator = two_servers
    visitor = Visitor(first, page)
    seen = visitor.post(page, text="Seen before the drop")["question"]["rev"]
    visitor.post(page, text="Asked while offline")

    with stream(f"{second.url}{page}/stream", last_event_id=str(seen)) as resumed:
        missed = resumed(lambda frame: frame.kind == "question")
        summary = resumed(lambda frame: frame.kind == "summary")

    assert missed.data["text"] == "Asked while offline"
    assert summary.event_id == str(seen + 1)


def test_pages_connecting_together_share_one_read_and_each_gets_what_it_has_not_seen():
    import asyncio

    from app.audience.routes import StreamStart, StreamStarts

    reads: list[str] = []

    def read(name: str, seen: int) -> StreamStart:
        reads.append(name)
        time.sleep(0.05)  # a database read, in a worker thread
        changes = [f"id: {revision}\ndata: {name}\n\n" for revision in range(seen + 1, 6)]
        return StreamStart(7, [*changes, "event: counts\ndata: {}\n\n"], 5, time.monotonic())

    async def keynote_starts() -> list[StreamStart]:
        starts = StreamStarts(seconds=60)
        first = starts.start(("audience", "e/7"), 1, lambda: read("first", 1))
        seen_more = [starts.start(("audience", "e/7"), 3, lambda: read("later", 3)) for _ in range(50)]
        seen_less = starts.start(("audience", "e/7"), 0, lambda: read("older", 0))
        seen_all = starts.start(("audience", "e/7"), 5, lambda: read("up to date", 5))
        return await asyncio.gather(first, *seen_more, seen_less, seen_all)

    first, *seen_more, seen_less, seen_all = asyncio.run(keynote_starts())

    assert sorted(reads) == ["first", "older"]
    heads = ["id: 2", "id: 3", "id: 4", "id: 5", "event: counts"]
    assert [frame.split("\n")[0] for frame in first.frames] == heads
    unseen = ["id: 4\ndata: first\n\n", "id: 5\ndata: first\n\n", "event: counts\ndata: {}\n\n"]
    assert seen_more == [StreamStart(7, unseen, 5, first.read_at)] * 50
    assert seen_less.frames[0] == "id: 1\ndata: older\n\n"
    assert (seen_all.frames, seen_all.revision) == ([], 5)


def test_a_page_that_fell_behind_gets_what_queued_up_meanwhile_in_one_write():
    async def scenario() -> list[bytes]:
        hub = LiveHub(InProcessBroker(), [])
        begun = StreamStart(session_id=7, frames=[], revision=4, read_at=time.monotonic())
        frames = _stream(hub, AUDIENCE_STREAM, begun, lambda seen: [])
        try:
            first = asyncio.ensure_future(anext(frames))
            while hub.subscriber_count == 0:
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.05)  # the page waits for its next frame
            # Three changes arrive before the page's task runs again (a busy process).
            for number in (5, 6, 7):
                hub._deliver(AUDIENCE_STREAM, "7", f"id: {number}\ndata: change {number}\n\n".encode())
            return [await asyncio.wait_for(first, 5)]
        finally:
            await frames.aclose()
            await hub.stop()

    written = asyncio.run(scenario())
    assert written == [b"id: 5\ndata: change 5\n\nid: 6\ndata: change 6\n\nid: 7\ndata: change 7\n\n"]


def test_a_page_connecting_catches_up_from_the_database_only_what_the_process_no_longer_holds():
    from app.audience.questions import AUDIENCE_CHANNEL, LIVE_CHANNELS

    async def connect(hub: LiveHub, read_at: float, catch_ups: list[int]) -> list[bytes]:
        # The page read the session at revision 4, before change 5 was heard.
        begun = StreamStart(session_id=7, frames=[], revision=4, read_at=read_at)
        frames = _stream(hub, AUDIENCE_STREAM, begun, lambda seen: catch_ups.append(seen) or ["id: 5\n\n"])
        try:
            first = asyncio.ensure_future(anext(frames))
            while hub.subscriber_count < 2:
                await asyncio.sleep(0.01)
            hub.flush_frames()
            return [await asyncio.wait_for(first, 5)]
        finally:
            await frames.aclose()

    async def scenario(written_before: bool, recent_frames: int = 500) -> tuple[list[int], list[bytes]]:
        hub = LiveHub(InProcessBroker(), LIVE_CHANNELS, batch_seconds=60, recent_frames=recent_frames)
        await hub.started()
        catch_ups: list[int] = []
        try:
            async with hub.subscribe(AUDIENCE_STREAM, "7"):  # a page already open
                read_at = time.monotonic()
                hub._receive(AUDIENCE_CHANNEL, "7\nid: 5\ndata: change 5\n\n")
                if written_before:
                    hub.flush_frames()
                return catch_ups, await connect(hub, read_at, catch_ups)
        finally:
            await hub.stop()

    # Still gathered for the next write: it reaches the new page with it.
    assert asyncio.run(scenario(written_before=False)) == ([], [b"id: 5\ndata: change 5\n\n"])
    # Written to the other pages already: the process still holds it.
    assert asyncio.run(scenario(written_before=True)) == ([], [b"id: 5\ndata: change 5\n\n"])
    # Written, and no longer held: read from the database.
    assert asyncio.run(scenario(written_before=True, recent_frames=0)) == ([4], [b"id: 5\n\n"])


def test_a_page_connecting_to_a_process_that_has_just_started_reads_once(db, engine, monkeypatch):
    from types import SimpleNamespace

    from starlette.requests import Request

    from app.audience import questions as question_service
    from app.audience.questions import LIVE_CHANNELS
    from app.audience.routes import _open_stream

    keynote = streamed_day(db).keynote
    reads: list[int] = []
    changes_since = question_service.changes_since

    def counted(*args, **kwargs):
        reads.append(1)
        return changes_since(*args, **kwargs)

    monkeypatch.setattr(question_service, "changes_since", counted)

    async def scenario() -> None:
        # A process that has served no stream yet: its hub is not listening when the page connects.
        hub = LiveHub(InProcessBroker(), LIVE_CHANNELS)
        app = SimpleNamespace(state=SimpleNamespace(engine=engine, live=hub))
        request = Request({"type": "http", "method": "GET", "path": "/", "headers": [], "app": app})
        response = await _open_stream(
            request, AUDIENCE_STREAM, "page", lambda _db: keynote.id or 0, 0, moderator=False
        )
        frames = response.body_iterator
        try:
            first = asyncio.ensure_future(anext(frames))
            while hub.subscriber_count == 0:
                await asyncio.sleep(0.01)
            hub._deliver(AUDIENCE_STREAM, str(keynote.id), b"id: 1\ndata: {}\n\n")
            assert await asyncio.wait_for(first, 5) == b"id: 1\ndata: {}\n\n"
        finally:
            await frames.aclose()
            await hub.stop()

    asyncio.run(scenario())
    assert len(reads) == 1  # what it missed before connecting, read once: no catch-up read after
