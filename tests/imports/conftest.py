from collections.abc import Iterator

import pytest
from fastapi import FastAPI

from app.tasks.worker import EmbeddedConsumer
from tests.tasks.workers import running_worker


@pytest.fixture
def worker(app: FastAPI) -> Iterator[EmbeddedConsumer]:
    """A worker of the app's own queue (the SQLite file beside the test's database), as `serve` runs."""
    with running_worker(app.state.tasks) as consumer:
        yield consumer
