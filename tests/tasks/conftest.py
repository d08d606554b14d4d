"""The queue of a test: a SqliteHuey file in the test's directory, or RedisHuey on 127.0.0.1:6379 under a
name of the test's own (skipped when no Redis answers, a failure on CI). Never Huey's immediate mode,
which runs a task inline and hides ordering and retries."""

import os
import uuid
from collections.abc import Iterator

import pytest
import redis
from fastapi import FastAPI

from app.settings import Settings
from app.tasks.queue import make_queue
from app.tasks.registry import Tasks
from app.tasks.worker import EmbeddedConsumer
from tests.tasks.workers import running_worker

REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


@pytest.fixture(params=["sqlite", "redis"])
def queue_settings(request: pytest.FixtureRequest, settings: Settings) -> Settings:
    if request.param == "redis":
        if not redis_answers():
            if os.environ.get("CI") == "true":
                pytest.fail("no Redis on 127.0.0.1:6379 (.ci/run starts it)")
            pytest.skip("no Redis on 127.0.0.1:6379")
        return settings.model_copy(update={"queue_url": REDIS_URL})
    return settings


@pytest.fixture
def tasks(app: FastAPI, queue_settings: Settings) -> Iterator[Tasks]:
    """The app's tasks on the queue under test; on Redis, a queue name no other test uses, emptied after."""
    name = f"plenary-test-{uuid.uuid4().hex}"
    queue = make_queue(queue_settings, name=name if queue_settings.queue_url else None)
    tasks = Tasks(queue, queue_settings, app.state.engine, app)
    app.state.tasks = tasks
    yield tasks
    queue.flush()


@pytest.fixture
def worker(tasks: Tasks) -> Iterator[EmbeddedConsumer]:
    with running_worker(tasks) as consumer:
        yield consumer
