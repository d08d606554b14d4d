"""frab imports as queue jobs: on the real queue (a SQLite file, and Redis when it runs), claimed once,
with their progress readable by any process and a worker that stopped reported at once."""

import os
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import func
from sqlmodel import select

from app.accounts.models import User
from app.db import DbSession, utcnow
from app.events.models import Event, EventOrganiser
from app.imports.jobs import (
    LEASE,
    RUNNER,
    JobProgress,
    claim_queued_job,
    confirm_import_job,
    import_progress,
    job_was_interrupted,
    prepare_import_job,
    run_import_job,
    start_import_job,
)
from app.imports.models import ImportJob, ImportStatus
from app.programme.models import Session
from app.settings import PROJECT_DIR, Settings
from app.tasks.registry import Tasks
from tests.conftest import BrowserLikeClient
from tests.exports.test_frab import SAMPLES

SCHEDULE = SAMPLES / "good-38c3-excerpt.xml"
SESSIONS = 16
CUT_OFF = "The server stopped during the import. Nothing was imported; upload the file again."


@pytest.fixture
def event(db: DbSession, organiser: User) -> Event:
    from tests.factories import make_event

    event = make_event(db, slug="prelude-2022")
    db.add(EventOrganiser(event_id=event.id, user_id=organiser.id))
    db.commit()
    return event


def queued_job(db: DbSession, organiser: User, event: Event) -> ImportJob:
    job = prepare_import_job(db, organiser, event, "38c3.xml", SCHEDULE.read_bytes())
    assert confirm_import_job(db, job)
    return job


def reread(db: DbSession, job: ImportJob) -> None:
    # A new transaction: the test's session must not read from the snapshot it took before the worker wrote.
    db.rollback()
    db.refresh(job)


def sessions_of(db: DbSession, event: Event) -> int:
    db.rollback()
    return db.exec(select(func.count()).select_from(Session).where(Session.event_id == event.id)).one()


@pytest.mark.usefixtures("worker")
def test_a_confirmed_import_is_run_by_a_worker_and_leaves_no_progress_behind(
    tasks: Tasks, db: DbSession, organiser: User, event: Event
) -> None:
    job = prepare_import_job(db, organiser, event, "38c3.xml", SCHEDULE.read_bytes())
    handed: list[object] = []

    assert start_import_job(db, job, lambda job_id: handed.append(tasks.import_schedule(job_id, "fr")))
    assert not start_import_job(db, job, lambda job_id: handed.append(tasks.import_schedule(job_id)))
    ran = handed[0].get(blocking=True, timeout=60)  # type: ignore[attr-defined]

    reread(db, job)
    assert (ran, len(handed), job.status, job.runner) == (True, 1, ImportStatus.done, RUNNER)
    assert job.queued_at is not None and job.started_at is not None
    assert sessions_of(db, event) == SESSIONS
    assert tasks.board.read(job.id) is None


@pytest.mark.usefixtures("worker")
def test_two_workers_handed_the_same_job_run_it_once(
    tasks: Tasks, db: DbSession, organiser: User, event: Event
) -> None:
    job = queued_job(db, organiser, event)

    # Handed over twice (a hand-over thought lost and queued again), to a worker of two threads.
    first, second = tasks.import_schedule(job.id), tasks.import_schedule(job.id)
    results = sorted([first.get(blocking=True, timeout=60), second.get(blocking=True, timeout=60)])

    reread(db, job)
    assert results == [False, True]
    assert (job.status, job.error) == (ImportStatus.done, "")
    assert sessions_of(db, event) == SESSIONS


def test_of_two_workers_starting_a_job_at_the_same_moment_one_takes_it(
    app: FastAPI, tasks: Tasks, db: DbSession, organiser: User, event: Event
) -> None:
    job = queued_job(db, organiser, event)
    start = threading.Barrier(2)
    taken: list[bool] = []

    def work(runner: str) -> None:
        start.wait()
        taken.append(run_import_job(app.state.engine, job.id, tasks.board, runner))

    workers = [threading.Thread(target=work, args=(f"{RUNNER}-{n}",)) for n in range(2)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=60)

    reread(db, job)
    assert sorted(taken) == [False, True]
    assert job.status == ImportStatus.done
    assert sessions_of(db, event) == SESSIONS


KILLED_WORKER = """
import os, signal, sys, time
import app.models
from app.db import DbSession, make_engine
from app.imports.jobs import RUNNER, JobProgress, claim_queued_job
from app.settings import Settings
from app.tasks.board import QueueBoard
from app.tasks.queue import make_queue

settings = Settings()
job_id = int(sys.argv[1])
with DbSession(make_engine(settings.database_url)) as db:
    assert claim_queued_job(db, job_id, RUNNER)
QueueBoard(make_queue(settings)).post(job_id, JobProgress(5, 16, RUNNER, time.time()))
print(RUNNER, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_job_whose_worker_was_killed_mid_import_is_reported_interrupted_at_once(
    organiser_client: BrowserLikeClient,
    tasks: Tasks,
    queue_settings: Settings,
    db: DbSession,
    organiser: User,
    event: Event,
) -> None:
    job = queued_job(db, organiser, event)
    env = {
        **os.environ,
        "DATABASE_URL": queue_settings.database_url,
        "QUEUE_URL": queue_settings.queue_url or "",
        "QUEUE_NAME": tasks.queue.name,
        "SECRET_KEY": "test-secret-key-0123456789",
        "VAR_DIR": str(queue_settings.var_dir),  # where a PostgreSQL site keeps its embedded queue
    }
    # A worker process took the job, posted its progress and was killed (SIGKILL) in the middle.
    worker = subprocess.run(
        [sys.executable, "-c", KILLED_WORKER, str(job.id)],
        env=env,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )

    page = organiser_client.get(f"/manage/imports/{job.id}").text

    reread(db, job)
    assert worker.returncode == -9, worker.stderr
    assert (job.status, job.runner) == (ImportStatus.running, worker.stdout.strip())
    assert tasks.board.read(job.id) is not None
    assert CUT_OFF in page and "hx-trigger" not in page
    assert sessions_of(db, event) == 0


def test_a_worker_on_another_machine_is_alive_while_it_posts_and_cut_off_once_it_stops(
    organiser_client: BrowserLikeClient, tasks: Tasks, db: DbSession, organiser: User, event: Event
) -> None:
    job = queued_job(db, organiser, event)
    elsewhere = "worker-2.internal|boot|4242|1234"
    assert claim_queued_job(db, job.id, elsewhere)
    reread(db, job)
    posted = time.time()
    tasks.board.post(job.id, JobProgress(3, 16, elsewhere, posted))

    progress = import_progress(tasks.board, job)
    page = organiser_client.get(f"/manage/imports/{job.id}").text

    assert progress == JobProgress(3, 16, elsewhere, posted)
    assert "3 of 16 sessions imported." in page and 'hx-trigger="every 1s"' in page
    # Its last word is the lease old: it stopped (the clock is given, not waited for).
    later = utcnow() + LEASE + timedelta(seconds=1)
    assert not job_was_interrupted(job, utcnow(), progress)
    assert job_was_interrupted(job, later, progress)
    # Another worker's stale entry is not this job's progress.
    tasks.board.post(job.id, JobProgress(9, 16, "someone-else", posted))
    assert import_progress(tasks.board, job) is None


@pytest.mark.usefixtures("worker")
def test_a_job_whose_hand_over_was_lost_is_queued_again_by_the_periodic_sweep(
    tasks: Tasks, db: DbSession, organiser: User, event: Event
) -> None:
    job = queued_job(db, organiser, event)  # confirmed, but never handed to the queue
    job.queued_at = utcnow() - timedelta(minutes=3)
    db.add(job)
    db.commit()
    fresh = queued_job(db, organiser, event)

    # The sweep's body, as the scheduler runs it every minute (periodic tasks keep no result to wait for);
    # what it queues is run by the worker.
    requeued = tasks.requeue_imports.call_local()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        reread(db, job)
        if job.status in (ImportStatus.done, ImportStatus.failed):
            break
        time.sleep(0.05)

    reread(db, fresh)
    assert requeued == 1
    assert (job.status, fresh.status) == (ImportStatus.done, ImportStatus.queued)


def test_a_real_worker_killed_in_the_middle_of_a_large_import_leaves_nothing_and_is_reported_at_once(
    organiser_client: BrowserLikeClient,
    tasks: Tasks,
    queue_settings: Settings,
    db: DbSession,
    organiser: User,
    event: Event,
    tmp_path,
) -> None:
    # 38C3's schedule, 1007 sessions: the import reports every 50, so it is caught half-way.
    content = (PROJECT_DIR / "tests/data/samples/realworld/38c3-schedule.xml").read_bytes()
    job = prepare_import_job(db, organiser, event, "38c3.xml", content)
    assert confirm_import_job(db, job)
    tasks.import_schedule(job.id)
    env = {
        **os.environ,
        "DATABASE_URL": queue_settings.database_url,
        "QUEUE_URL": queue_settings.queue_url or "",
        "QUEUE_NAME": tasks.queue.name,
        "SECRET_KEY": "test-secret-key-0123456789",
        "VAR_DIR": str(queue_settings.var_dir),
    }
    with (tmp_path / "worker.log").open("wb") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "app", "worker", "--workers", "1"],
            env=env,
            cwd=PROJECT_DIR,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 120
            progress = None
            while time.monotonic() < deadline and worker.poll() is None:
                progress = tasks.board.read(job.id)
                if progress is not None and 0 < progress.done < progress.total:
                    break
                time.sleep(0.01)
            worker.kill()
        finally:
            worker.wait(timeout=30)

    page = organiser_client.get(f"/manage/imports/{job.id}").text

    assert progress is not None and 0 < progress.done < progress.total, (tmp_path / "worker.log").read_text()
    reread(db, job)
    assert job.status == ImportStatus.running
    assert CUT_OFF in page and "hx-trigger" not in page
    assert sessions_of(db, event) == 0
