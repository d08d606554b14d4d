"""Live updates between processes (app/pubsub.py): a message leaves only when its transaction commits, and
reaches every page of its stream and key on every process; counts are gathered; a lost broker
connection tells the pages to catch up. PostgreSQL's LISTEN/NOTIFY runs when the suite runs on
PostgreSQL, Redis when a Redis server answers on 127.0.0.1:6379 (CI starts one)."""

import asyncio
import os
from collections.abc import AsyncIterator, Sequence

import pytest
import redis
from sqlalchemy import Engine, make_url

from app.db import DbSession
from app.pubsub import (
    RESYNC,
    Broker,
    Channel,
    InProcessBroker,
    LiveHub,
    PostgresBroker,
    RedisBroker,
    broker_for,
)

FRAMES = Channel("test_frames", ("page",))
COUNTS = Channel("test_counts", ("page",), combine=lambda key, counts: repr(sorted(counts.items())).encode())


async def _next(queue: asyncio.Queue[bytes], timeout: float = 5.0) -> bytes:
    return await asyncio.wait_for(queue.get(), timeout)


def _publish(engine: Engine, hub: LiveHub, key: str, payload: str, *, commit: bool = True) -> None:
    with DbSession(engine) as db:
        hub.publish(db, FRAMES.name, key, payload)
        if commit:
            db.commit()
        else:
            db.rollback()


def _round_trip(engine: Engine, broker: Broker) -> list[bytes]:
    async def scenario() -> list[bytes]:
        hub = LiveHub(broker, [FRAMES, COUNTS])
        try:
            async with hub.subscribe("page", "7") as mine, hub.subscribe("page", "8") as other:
                await asyncio.to_thread(_publish, engine, hub, "7", "rolled back", commit=False)
                await asyncio.to_thread(_publish, engine, hub, "7", "committed")
                received = [await _next(mine.queue)]
                assert other.queue.empty()
                return received
        finally:
            await hub.stop()

    return asyncio.run(scenario())


def test_in_process_a_committed_message_reaches_its_key_and_a_rolled_back_one_nothing(engine):
    assert _round_trip(engine, InProcessBroker()) == [b"committed"]


def test_postgresql_notifications_arrive_once_the_transaction_commits(engine, database_url):
    if make_url(database_url).get_backend_name() != "postgresql":
        pytest.skip("runs in the PostgreSQL pass (TEST_DATABASE_URL)")
    broker = broker_for(database_url, None)
    assert isinstance(broker, PostgresBroker)

    assert _round_trip(engine, broker) == [b"committed"]


def _redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        if os.environ.get("CI") == "true":
            pytest.fail("Redis must run in CI (127.0.0.1:6379)")
        pytest.skip("no Redis on 127.0.0.1:6379")
    return url


def test_redis_carries_messages_between_processes_beside_sqlite(engine):
    url = _redis_url()
    broker = broker_for("sqlite:///plenary.sqlite3", url)
    assert isinstance(broker, RedisBroker)

    assert _round_trip(engine, broker) == [b"committed"]


def test_counts_go_out_gathered_with_the_highest_of_each(engine):
    async def scenario() -> list[bytes]:
        hub = LiveHub(InProcessBroker(), [FRAMES, COUNTS], flush_seconds=3600)
        try:
            async with hub.subscribe("page", "7") as page:

                def vote() -> None:
                    with DbSession(engine) as db:
                        for item, value in (("q1", 1), ("q1", 3), ("q2", 1), ("q1", 2)):
                            hub.count(db, COUNTS.name, "7", item, value)
                        db.commit()

                await asyncio.to_thread(vote)
                await asyncio.sleep(0.1)  # the in-process broker hands over on the loop
                hub.flush_counts()
                hub.flush_counts()  # nothing new: nothing sent
                frames = [await _next(page.queue)]
                assert page.queue.empty()
                return frames
        finally:
            await hub.stop()

    assert asyncio.run(scenario()) == [b"[('q1', 3), ('q2', 1)]"]


def test_counts_ride_with_the_changes_being_gathered_in_one_write(engine):
    async def scenario() -> list[bytes]:
        hub = LiveHub(InProcessBroker(), [FRAMES, COUNTS], flush_seconds=3600, batch_seconds=0.3)
        try:
            async with hub.subscribe("page", "7") as page:

                def ask_and_vote() -> None:
                    with DbSession(engine) as db:
                        hub.publish(db, FRAMES.name, "7", "a new question")
                        hub.count(db, COUNTS.name, "7", "q1", 4)
                        db.commit()

                await asyncio.to_thread(ask_and_vote)
                await asyncio.sleep(0.1)  # heard, and the question waits for its batch
                hub.flush_counts()
                assert page.queue.empty(), "the count went out alone, before the batch"
                frames = [await _next(page.queue)]
                await asyncio.sleep(0.4)
                assert page.queue.empty()
                return frames
        finally:
            await hub.stop()

    assert asyncio.run(scenario()) == [b"a new question[('q1', 4)]"]


def test_a_page_that_cannot_keep_up_is_told_to_reconnect(engine):
    async def scenario() -> bool:
        hub = LiveHub(InProcessBroker(), [FRAMES], queue_size=2, batch_seconds=0)
        try:
            async with hub.subscribe("page", "7") as slow:
                for number in range(3):
                    await asyncio.to_thread(_publish, engine, hub, "7", f"change {number}")
                await asyncio.sleep(0.1)
                return slow.overflowed
        finally:
            await hub.stop()

    assert asyncio.run(scenario()) is True


class FlakyBroker(InProcessBroker):
    """Drops the connection once, after its first message."""

    def __init__(self) -> None:
        super().__init__()
        self.connections = 0

    async def listen(self, channels: Sequence[str]) -> AsyncIterator[tuple[str, str]]:
        self.connections += 1
        first = self.connections == 1
        async for message in super().listen(channels):
            yield message
            if first and message[0]:
                raise ConnectionError("the broker went away")


def test_after_a_lost_broker_connection_every_page_is_told_to_catch_up(engine):
    async def scenario() -> list[bytes]:
        hub = LiveHub(FlakyBroker(), [FRAMES], reconnect_seconds=0.05)
        try:
            async with hub.subscribe("page", "7") as page:
                await asyncio.to_thread(_publish, engine, hub, "7", "before the drop")
                return [await _next(page.queue), await _next(page.queue)]
        finally:
            await hub.stop()

    assert asyncio.run(scenario()) == [b"before the drop", RESYNC]
