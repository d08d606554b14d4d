"""Live updates between app processes: what one process changes, the open pages of every process hear.

The broker is an existing engine, never ours: PostgreSQL's LISTEN/NOTIFY when the database is PostgreSQL
(nothing more to run), Redis pub/sub when REDIS_URL is set beside SQLite, and, for the SQLite default
served by one process, that process handing its messages to its own listeners. A message leaves when the
transaction that made the change commits (PostgreSQL: NOTIFY inside the transaction, which the server
delivers at commit; the others: just after it), so no page hears of a change the database does not have.

Each process listens once on the broker and fans every message out to the pages open on it, keyed by a
stream name and a key (a session's id): a message is framed once, not once per page. Counter channels carry
counts that only grow (votes); the hub keeps the highest per item and delivers them together at most once
per `flush_seconds` per key, so a hundred votes a second are one message a second to each page.
"""

import asyncio
import contextlib
import hashlib
import logging
import threading
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field

from sqlalchemy import event, make_url, text
from sqlmodel import Session as DbSession

logger = logging.getLogger("plenary.pubsub")

# What a subscriber's queue receives when the broker connection was lost and is back: messages may have
# been missed, so the page's stream must catch up from the database.
RESYNC = b""
_PENDING = "plenary_pubsub_pending"


class Broker(ABC):
    """Where messages go between processes."""

    @abstractmethod
    def send_in_transaction(self, db: DbSession, messages: Sequence[tuple[str, str]]) -> bool:
        """Sends with the transaction (True), or leaves it to `send_after_commit` (False)."""

    @abstractmethod
    def send_after_commit(self, messages: Sequence[tuple[str, str]]) -> None: ...

    @abstractmethod
    def listen(self, channels: Sequence[str]) -> AsyncIterator[tuple[str, str]]:
        """Every message on these channels, from the moment the iterator's first step returns."""


class PostgresBroker(Broker):
    def __init__(self, database_url: str) -> None:
        url = make_url(database_url).set(drivername="postgresql")
        self.conninfo = url.render_as_string(hide_password=False)

    def send_in_transaction(self, db: DbSession, messages: Sequence[tuple[str, str]]) -> bool:
        for channel, payload in messages:
            db.execute(text("SELECT pg_notify(:channel, :payload)"), {"channel": channel, "payload": payload})
        return True

    def send_after_commit(self, messages: Sequence[tuple[str, str]]) -> None:
        raise AssertionError("PostgreSQL notifications go out with the transaction")

    async def listen(self, channels: Sequence[str]) -> AsyncIterator[tuple[str, str]]:
        import psycopg

        async with await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True) as connection:
            for channel in channels:
                # Channel names are this module's constants, never user input.
                await connection.execute(f'LISTEN "{channel}"')
            yield "", ""  # listening from here on
            async for notification in connection.notifies():
                yield notification.channel, notification.payload


class RedisBroker(Broker):
    """Redis pub/sub. Its channels are named for the database too (`namespace`): two sites sharing one
    Redis server never hear each other, as PostgreSQL's notifications stay within their database."""

    def __init__(self, redis_url: str, namespace: str) -> None:
        import redis

        self.redis_url = redis_url
        self.prefix = f"{namespace}:"
        self.client = redis.Redis.from_url(redis_url)

    def send_in_transaction(self, db: DbSession, messages: Sequence[tuple[str, str]]) -> bool:
        return False

    def send_after_commit(self, messages: Sequence[tuple[str, str]]) -> None:
        try:
            with self.client.pipeline(transaction=False) as pipeline:
                for channel, payload in messages:
                    pipeline.publish(self.prefix + channel, payload)
                pipeline.execute()
        except Exception:
            # The change is saved; pages catch up when they next reconnect or poll.
            logger.warning("live update not published (Redis unavailable)", exc_info=True)

    async def listen(self, channels: Sequence[str]) -> AsyncIterator[tuple[str, str]]:
        import redis.asyncio

        client = redis.asyncio.Redis.from_url(self.redis_url)
        try:
            async with client.pubsub(ignore_subscribe_messages=True) as pubsub:
                await pubsub.subscribe(*(self.prefix + channel for channel in channels))
                yield "", ""
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        channel = message["channel"].decode().removeprefix(self.prefix)
                        yield channel, message["data"].decode()
        finally:
            await client.aclose()


class InProcessBroker(Broker):
    """One process: its listeners get what its own requests publish (the SQLite default)."""

    def __init__(self) -> None:
        self._listeners: list[tuple[asyncio.AbstractEventLoop, asyncio.Queue[tuple[str, str]], set[str]]] = []
        self._lock = threading.Lock()

    def send_in_transaction(self, db: DbSession, messages: Sequence[tuple[str, str]]) -> bool:
        return False

    def send_after_commit(self, messages: Sequence[tuple[str, str]]) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for loop, queue, channels in listeners:
            for channel, payload in messages:
                if channel in channels:
                    with contextlib.suppress(RuntimeError):  # a loop that has just closed
                        loop.call_soon_threadsafe(queue.put_nowait, (channel, payload))

    async def listen(self, channels: Sequence[str]) -> AsyncIterator[tuple[str, str]]:
        queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
        listener = (asyncio.get_running_loop(), queue, set(channels))
        with self._lock:
            self._listeners.append(listener)
        try:
            yield "", ""
            while True:
                yield await queue.get()
        finally:
            with self._lock:
                self._listeners.remove(listener)


def broker_for(database_url: str, redis_url: str | None) -> Broker:
    """PostgreSQL's own notifications with a PostgreSQL database, else Redis when there is one."""
    if make_url(database_url).get_backend_name() == "postgresql":
        return PostgresBroker(database_url)
    if redis_url:
        namespace = hashlib.sha256(make_url(database_url).render_as_string().encode()).hexdigest()[:12]
        return RedisBroker(redis_url, f"plenary-live-{namespace}")
    return InProcessBroker()


@dataclass(frozen=True)
class Channel:
    """A broker channel and the local streams its messages reach.

    `frame` channels carry ready-made messages for the pages; `counter` channels carry counts, delivered
    together through `combine(key, {item: count})` at most once per flush per key.
    """

    name: str
    streams: tuple[str, ...]
    combine: Callable[[str, dict[str, int]], bytes] | None = None


@dataclass(eq=False)  # each page is its own subscriber, kept in sets
class Subscription:
    queue: asyncio.Queue[bytes]
    # Set when the page could not keep up: its stream ends and the browser reconnects and catches up.
    overflowed: bool = False


@dataclass
class _Counts:
    by_key: dict[str, dict[str, int]] = field(default_factory=dict)


class LiveHub:
    """This process's end of the broker: one listener, many pages."""

    def __init__(
        self,
        broker: Broker,
        channels: Sequence[Channel],
        *,
        flush_seconds: float = 1.0,
        batch_seconds: float = 0.5,
        queue_size: int = 500,
        reconnect_seconds: float = 1.0,
        recent_seconds: float = 30.0,
        recent_frames: int = 500,
    ) -> None:
        self.broker = broker
        self.channels = {channel.name: channel for channel in channels}
        self.flush_seconds = flush_seconds
        self.batch_seconds = batch_seconds
        self.queue_size = queue_size
        self.reconnect_seconds = reconnect_seconds
        self.recent_seconds = recent_seconds
        self.recent_frames = recent_frames
        self._subscribers: dict[tuple[str, str], set[Subscription]] = {}
        self._counts: dict[str, _Counts] = {name: _Counts() for name, c in self.channels.items() if c.combine}
        self._task: asyncio.Task[None] | None = None
        self._flusher: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        # Frames gathered for `batch_seconds`, then handed to each page as one write.
        self._frames: dict[tuple[str, str], list[bytes]] = {}
        self._frames_due = False
        # Per stream and key, the frames passed (handed to the pages, or heard while none was subscribed)
        # in the last `recent_seconds`, at most `recent_frames`, as (when, event id, frame), and the
        # moment after which every frame passed is among them: a page that connects catches up from here
        # instead of from the database. Frames still gathered for the next write are not passed yet: a
        # page that subscribes before it gets them with that write.
        self._recent: dict[tuple[str, str], deque[tuple[float, int, bytes]]] = {}
        self._recent_complete_after: dict[tuple[str, str], float] = {}
        # Since when this process has heard everything.
        self._listening_since: float | None = None

    # -- publishing (any thread, inside a database transaction) --

    def publish(self, db: DbSession, channel: str, key: str, payload: str) -> None:
        """`payload` reaches the `key` subscribers of the channel's streams once `db` commits."""
        db.info.setdefault(_PENDING, []).append((self.broker, channel, f"{key}\n{payload}"))

    def count(self, db: DbSession, channel: str, key: str, item: str, value: int) -> None:
        """A count that only grows, delivered with the key's other counts at the next flush."""
        self.publish(db, channel, key, f"{item}\n{value}")

    def count_notification(self, channel: str, key: str, item: str) -> tuple[str, str] | None:
        """For a PostgreSQL statement that announces the count it changes itself (`pg_notify` in it, one
        round trip less than `count`): the broker's channel and the start of the payload, the count to be
        appended. None when the broker is not PostgreSQL's: then `count` it."""
        if not isinstance(self.broker, PostgresBroker):
            return None
        return channel, f"{key}\n{item}\n"

    # -- listening (the event loop) --

    @property
    def subscriber_count(self) -> int:
        return sum(len(subscribers) for subscribers in self._subscribers.values())

    def passed_since(self, stream: str, key: str, seen: int, read_at: float) -> list[bytes] | None:
        """The frames of `key` on `stream` newer than revision `seen` that were passed already, for a page
        whose read at `read_at` (time.monotonic()) saw up to `seen`: every change it lacks was heard after
        that read. None when this process cannot tell (it was not listening all along since, or has
        dropped frames passed since): then the page reads them from the database."""
        if not self.heard_everything_since(read_at):
            return None
        complete_after = self._recent_complete_after.get((stream, key))
        if complete_after is not None and complete_after >= read_at:
            return None
        return [frame for _, event_id, frame in self._recent.get((stream, key), ()) if event_id > seen]

    def heard_everything_since(self, moment: float) -> bool:
        """Whether every message published after `moment` (time.monotonic()) reached this process."""
        return self._listening_since is not None and self._listening_since <= moment

    async def started(self) -> None:
        """Waits until this process listens on the broker (started by the first page that asks)."""
        if self._task is None or self._task.done():
            # A new event for each start: an event waited on in one loop cannot be waited on in another.
            self._ready = asyncio.Event()
            self._task = asyncio.create_task(self._listen(self._ready), name="plenary-live-listener")
            self._flusher = asyncio.create_task(self._flush_counts(), name="plenary-live-counts")
        await self._ready.wait()

    @contextlib.asynccontextmanager
    async def subscribe(self, stream: str, key: str) -> AsyncIterator[Subscription]:
        await self.started()
        subscription = Subscription(asyncio.Queue(self.queue_size))
        subscribers = self._subscribers.setdefault((stream, key), set())
        subscribers.add(subscription)
        try:
            yield subscription
        finally:
            subscribers.discard(subscription)
            if not subscribers:
                self._subscribers.pop((stream, key), None)

    async def stop(self) -> None:
        for task in (self._task, self._flusher):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _listen(self, ready: asyncio.Event) -> None:
        first = True
        while True:
            try:
                async for channel, payload in self.broker.listen(list(self.channels)):
                    if not channel:
                        self._listening_since = time.monotonic()
                        if not first:
                            self.flush_frames()
                            self._deliver_everywhere(RESYNC)
                        first = False
                        ready.set()
                        continue
                    self._receive(channel, payload)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("live updates: broker connection lost, reconnecting", exc_info=True)
            self._listening_since = None
            await asyncio.sleep(self.reconnect_seconds)

    def _receive(self, channel_name: str, payload: str) -> None:
        channel = self.channels.get(channel_name)
        key, _, body = payload.partition("\n")
        if channel is None or not body:
            return
        if channel.combine is None:
            frame = body.encode()
            for stream in channel.streams:
                if self.batch_seconds > 0 and (stream, key) in self._subscribers:
                    self._frames.setdefault((stream, key), []).append(frame)
                else:
                    self._pass(stream, key, [frame])
                    self._deliver(stream, key, frame)
            if self._frames and not self._frames_due:
                self._frames_due = True
                asyncio.get_running_loop().call_later(self.batch_seconds, self.flush_frames)
            return
        item, _, value = body.partition("\n")
        with contextlib.suppress(ValueError):
            counts = self._counts[channel_name].by_key.setdefault(key, {})
            counts[item] = max(counts.get(item, 0), int(value))

    def flush_frames(self) -> None:
        frames, self._frames, self._frames_due = self._frames, {}, False
        for (stream, key), batch in frames.items():
            self._pass(stream, key, batch)
            self._deliver(stream, key, batch[0] if len(batch) == 1 else b"".join(batch))

    def _pass(self, stream: str, key: str, frames: list[bytes]) -> None:
        """Notes frames with an event id as passed: handed to the pages, or heard with none subscribed."""
        now = time.monotonic()
        recent = self._recent.setdefault((stream, key), deque())
        for frame in frames:
            event_id = last_event_id(frame)
            if event_id:
                recent.append((now, event_id, frame))
        self._forget_old((stream, key), now)

    def _forget_old(self, stream_key: tuple[str, str], now: float) -> None:
        recent = self._recent[stream_key]
        while recent and (now - recent[0][0] > self.recent_seconds or len(recent) > self.recent_frames):
            self._recent_complete_after[stream_key] = recent.popleft()[0]

    async def _flush_counts(self) -> None:
        while True:
            await asyncio.sleep(self.flush_seconds)
            self.flush_counts()
            now = time.monotonic()
            for stream_key in self._recent:
                self._forget_old(stream_key, now)

    def flush_counts(self) -> None:
        for channel_name, pending in self._counts.items():
            channel = self.channels[channel_name]
            by_key, pending.by_key = pending.by_key, {}
            for key, counts in by_key.items():
                if channel.combine is None or not any(
                    (stream, key) in self._subscribers for stream in channel.streams
                ):
                    continue
                frame = channel.combine(key, counts)
                for stream in channel.streams:
                    if self._frames_due and (stream, key) in self._subscribers:
                        # Rides with the frames being gathered (due within `batch_seconds`): one write
                        # per page, not two, and with thousands of pages writes are the cost.
                        self._frames.setdefault((stream, key), []).append(frame)
                    else:
                        self._deliver(stream, key, frame)

    def _deliver(self, stream: str, key: str, frame: bytes) -> None:
        for subscription in self._subscribers.get((stream, key), ()):
            self._put(subscription, frame)

    def _deliver_everywhere(self, frame: bytes) -> None:
        for subscribers in self._subscribers.values():
            for subscription in subscribers:
                self._put(subscription, frame)

    @staticmethod
    def _put(subscription: Subscription, frame: bytes) -> None:
        try:
            subscription.queue.put_nowait(frame)
        except asyncio.QueueFull:
            subscription.overflowed = True


def last_event_id(frames: bytes) -> int:
    """The id of the last server-sent event in `frames` that has one (0: none)."""
    start = frames.rfind(b"\n\nid: ", 0, len(frames) - 2)
    start = start + 2 if start >= 0 else (0 if frames.startswith(b"id: ") else -1)
    if start < 0:
        return 0
    number = frames[start + 4 : frames.find(b"\n", start)]
    return int(number) if number.isdigit() else 0


def _pending(db: DbSession) -> list[tuple[Broker, str, str]]:
    pending: list[tuple[Broker, str, str]] = db.info.get(_PENDING, [])
    return pending


def _by_broker(pending: list[tuple[Broker, str, str]]) -> Iterator[tuple[Broker, list[tuple[str, str]]]]:
    brokers: dict[int, tuple[Broker, list[tuple[str, str]]]] = {}
    for broker, channel, payload in pending:
        brokers.setdefault(id(broker), (broker, []))[1].append((channel, payload))
    yield from brokers.values()


@event.listens_for(DbSession, "before_commit")
def _send_with_transaction(db: DbSession) -> None:
    pending = _pending(db)
    if not pending:
        return
    kept = [
        entry
        for broker, messages in _by_broker(pending)
        if not broker.send_in_transaction(db, messages)
        for entry in pending
        if entry[0] is broker
    ]
    db.info[_PENDING] = kept


@event.listens_for(DbSession, "after_commit")
def _send_after_commit(db: DbSession) -> None:
    pending = db.info.pop(_PENDING, None)
    for broker, messages in _by_broker(pending or []):
        broker.send_after_commit(messages)


@event.listens_for(DbSession, "after_rollback")
def _forget_on_rollback(db: DbSession) -> None:
    db.info.pop(_PENDING, None)
