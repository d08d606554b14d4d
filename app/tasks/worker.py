"""Working off the queue: `python -m app worker` (a process of its own, for production), and the worker
that `python -m app serve` runs beside the web server when the queue is the embedded SQLite file, so that
`make run` stays one command."""

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

from huey.consumer import Consumer
from sqlalchemy import Engine

from app.settings import Settings
from app.site import Router
from app.tasks.queue import make_queue
from app.tasks.registry import Tasks

logger = logging.getLogger("plenary.tasks")

# A graceful stop lets running tasks finish; an import may take a minute, so the embedded worker (whose
# server is being stopped by Ctrl-C) waits this long at most, and an unfinished import is then reported
# as interrupted.
EMBEDDED_SHUTDOWN_SECONDS = 10.0


class EmbeddedConsumer(Consumer):
    """A consumer inside another program: the web server owns the signals (Ctrl-C stops it, then this)."""

    def _set_signal_handlers(self) -> None:
        pass


def consumer_options(workers: int, *, max_delay: float = 2.0, periodic: bool = True) -> dict[str, object]:
    # Threads: tasks wait on the database and SMTP, not the CPU, and threads share one engine. An idle
    # worker polls the SQLite or PostgreSQL queue at most every `max_delay` seconds (Redis blocks).
    return {"workers": workers, "worker_type": "thread", "periodic": periodic, "max_delay": max_delay}


def lower_priority(niceness: int) -> None:
    """Runs this process below the web processes: on a machine they share, a registration rush is not
    slowed by its own confirmations being written (bench/README.md, mail burst)."""
    if niceness:
        os.nice(niceness)


def run_worker(settings: Settings, router: Router, workers: int | None = None) -> int:
    """The worker command: runs tasks until SIGINT (finishes what runs) or SIGTERM (stops at once).
    `router` names the app's pages, for the links in the messages the worker writes."""
    lower_priority(settings.worker_niceness)
    tasks = Tasks(make_queue(settings), settings, router=router)
    consumer = Consumer(tasks.queue, **consumer_options(workers or settings.queue_workers))
    consumer.run()
    return 0


@contextmanager
def embedded_worker(
    tasks: Tasks,
    workers: int,
    *,
    max_delay: float = 2.0,
    shutdown_seconds: float = EMBEDDED_SHUTDOWN_SECONDS,
    periodic: bool = True,
) -> Iterator[EmbeddedConsumer]:
    """Runs `tasks` in threads of this process for the duration of the block; stopped (and joined) on the
    way out. `serve` uses it for the embedded queue, and tests for a worker they can see and stop (without
    the minute's periodic tasks, which those tests run themselves when they mean to)."""
    consumer = EmbeddedConsumer(
        tasks.queue,
        shutdown_timeout=shutdown_seconds,
        **consumer_options(workers, max_delay=max_delay, periodic=periodic),
    )
    consumer.start()
    try:
        yield consumer
    finally:
        consumer.stop(graceful=True)


def serve_tasks(settings: Settings, router: Router, engine: Engine | None = None) -> Tasks:
    """The tasks the web app queues (its engine lent to the embedded worker's tasks)."""
    return Tasks(make_queue(settings), settings, engine, router)
