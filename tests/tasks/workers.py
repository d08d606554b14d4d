"""Workers for tests: the real consumer in threads of the test process, stopped (and joined) at the end of
the block, so that no test leaves one running."""

from collections.abc import Iterator
from contextlib import contextmanager

from app.tasks.registry import Tasks
from app.tasks.worker import EmbeddedConsumer, embedded_worker


@contextmanager
def running_worker(tasks: Tasks, workers: int = 2) -> Iterator[EmbeddedConsumer]:
    # Polls an idle SQLite queue every 50 ms at most, so that a test waits for its task, not the poll.
    # No scheduler: a test runs a periodic task's body itself (`call_local`), so that the minute's own
    # run cannot take its work first.
    with embedded_worker(tasks, workers, max_delay=0.05, shutdown_seconds=60, periodic=False) as consumer:
        yield consumer
