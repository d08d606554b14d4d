"""The worker command and the worker that `serve` runs for the embedded queue: real processes, started and
stopped by their PID, working off the queue the web app writes to."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine

from app.accounts.models import User
from app.db import DbSession
from app.imports.jobs import confirm_import_job, prepare_import_job
from app.imports.models import ImportJob, ImportStatus
from app.settings import PROJECT_DIR, Settings
from app.tasks.queue import is_embedded, make_queue, queue_file
from app.tasks.registry import CLEAN_STORAGE_AT, Tasks
from tests.exports.test_frab import SAMPLES
from tests.factories import make_event
from tests.servers import free_port, running_server


def environment(settings: Settings, tasks: Tasks) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "QUEUE_URL": settings.queue_url or "",
        "QUEUE_NAME": tasks.queue.name,
        "SECRET_KEY": "test-secret-key-0123456789",
        "VAR_DIR": str(settings.var_dir),  # where a PostgreSQL site keeps its embedded queue
        "UPLOAD_DIR": str(settings.upload_dir),
    }


def queued_import(db: DbSession, organiser: User) -> ImportJob:
    event = make_event(db, slug="prelude-2022")
    job = prepare_import_job(
        db, organiser, event, "38c3.xml", (SAMPLES / "good-38c3-excerpt.xml").read_bytes()
    )
    assert confirm_import_job(db, job)
    return job


def wait_for_status(engine: Engine, job_id: int, *statuses: ImportStatus) -> ImportStatus:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with DbSession(engine) as db:
            job = db.get(ImportJob, job_id)
            assert job is not None
            if job.status in statuses:
                return job.status
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not reach {statuses} within a minute")


@contextmanager
def process(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as output:
        started = subprocess.Popen(args, env=env, cwd=PROJECT_DIR, stdout=output, stderr=subprocess.STDOUT)
        try:
            yield started
        finally:
            if started.poll() is None:
                started.kill()
                started.wait(timeout=10)


def test_the_worker_command_runs_queued_imports_and_stops_on_ctrl_c(
    tasks: Tasks, queue_settings: Settings, engine: Engine, db: DbSession, organiser: User, tmp_path: Path
) -> None:
    job = queued_import(db, organiser)
    tasks.import_schedule(job.id)
    command = [sys.executable, "-m", "app", "worker", "--workers", "2"]

    with process(command, environment(queue_settings, tasks), tmp_path / "worker.log") as worker:
        status = wait_for_status(engine, job.id, ImportStatus.done, ImportStatus.failed)
        worker.send_signal(signal.SIGINT)
        exit_code = worker.wait(timeout=30)

    assert status == ImportStatus.done, (tmp_path / "worker.log").read_text()
    assert exit_code == 0


# serve runs a worker for the embedded queue only: with a Redis queue, workers are their own processes.
@pytest.mark.parametrize("queue_settings", ["sqlite"], indirect=True)
def test_serve_works_off_the_embedded_queue_itself_and_stops_with_it(
    tasks: Tasks, queue_settings: Settings, engine: Engine, db: DbSession, organiser: User, tmp_path: Path
) -> None:
    job = queued_import(db, organiser)
    tasks.import_schedule(job.id)
    port = free_port()
    env = {**environment(queue_settings, tasks), "BASE_URL": f"http://127.0.0.1:{port}"}

    # running_server stops it with SIGTERM and waits 10 s at most: serving and working both stop.
    with running_server(
        ["--host", "127.0.0.1", "--port", str(port)], env, env["BASE_URL"], tmp_path / "serve.log"
    ):
        status = wait_for_status(engine, job.id, ImportStatus.done, ImportStatus.failed)

    assert status == ImportStatus.done, (tmp_path / "serve.log").read_text()


def test_the_worker_command_refuses_no_workers() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "app", "worker", "--workers", "0"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stderr) == (2, "error: --workers must be at least 1\n")


def test_the_embedded_queue_lives_beside_a_sqlite_database_and_redis_is_named_by_url(tmp_path: Path) -> None:
    sqlite = Settings(database_url=f"sqlite:///{tmp_path / 'site.sqlite3'}", var_dir=tmp_path / "var")
    postgres = Settings(database_url="postgresql+psycopg://root@127.0.0.1/x", var_dir=tmp_path / "var")
    on_redis = sqlite.model_copy(update={"queue_url": "redis://127.0.0.1:6379/3"})

    assert queue_file(sqlite) == tmp_path / "site.queue.sqlite3"
    assert queue_file(postgres) == tmp_path / "var" / "queue.sqlite3"
    assert (is_embedded(sqlite), is_embedded(on_redis)) == (True, False)
    assert type(make_queue(on_redis)).__name__ == "RedisHuey"
    assert make_queue(sqlite).storage.filename == str(tmp_path / "site.queue.sqlite3")


def test_the_storage_clean_up_is_a_daily_task_run_once_a_day_however_many_workers_ask(tasks: Tasks) -> None:
    from datetime import UTC, datetime

    def at(hour: int) -> datetime:
        # The scheduler asks with naive UTC times (the queue is made with utc=True).
        return datetime(2026, 12, 6, hour, 17, tzinfo=UTC).replace(tzinfo=None)

    first = tasks.clean_storage_daily.call_local()
    second = tasks.clean_storage_daily.call_local()

    assert (first, second) == (True, False)
    assert CLEAN_STORAGE_AT(at(3)) and not CLEAN_STORAGE_AT(at(4))
    assert "clean_storage_daily" in {task.__name__ for task in tasks.queue._registry._periodic_tasks}


def test_a_worker_runs_below_the_web_processes() -> None:
    """Side work takes the CPU that requests leave (WORKER_NICENESS, 10 by default)."""
    script = (
        "import os; from app.settings import Settings; from app.tasks.worker import lower_priority; "
        "before = os.nice(0); lower_priority(Settings().worker_niceness); print(os.nice(0) - before)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=PROJECT_DIR
    )

    assert result.stdout.strip() == "10"
