"""Import jobs: the organisers' pages run imports on the task queue and show their progress.

An upload is read and checked at once and kept, with its report, as an ImportJob until the organiser
confirms (`prepare_import_job`). Confirming marks the job queued, once (`confirm_import_job`), and hands
its id to the queue. A worker takes it with one atomic UPDATE (`claim_queued_job`), so two workers never
run the same job, and runs `apply_import` (`run_import_job`), posting its progress and a heartbeat to a
`ProgressBoard` that any web process reads (`import_progress`). The job ends done or failed, never
half-way; a job whose worker stopped is reported as interrupted within `LEASE` (at once when the worker
ran on this machine).
"""

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from sqlalchemy import Engine, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from app.accounts.models import User
from app.db import DbSession, begin_write_transaction, saved_id, utcnow
from app.errors import DomainError, InvalidInput
from app.events.models import Event
from app.events.permissions import can_manage_event
from app.i18n import _
from app.imports.models import ImportJob, ImportStatus
from app.imports.readers import read_schedule
from app.imports.writer import ImportResult, ImportSummary, apply_import, preview_import
from app.programme.models import SessionKind

logger = logging.getLogger("plenary.import")


def _process_start(pid: int) -> str:
    """When the process started (clock ticks since boot), or "" when there is no such process to read."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    # The command name (field 2) may hold spaces and brackets: count fields after its last ")".
    return stat.rsplit(")", 1)[-1].split()[19]


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def runner_of_this_process() -> str:
    """Who runs a job: host, boot, process id and its start, so that a restarted server (even one given
    the same process id, as in a container) is not taken for the one that ran it."""
    pid = os.getpid()
    return f"{socket.gethostname()}|{_boot_id()}|{pid}|{_process_start(pid)}"


def runner_is_gone(runner: str) -> bool | None:
    """True when the process that ran a job no longer runs; None when we cannot tell (another machine,
    or a system without /proc)."""
    parts = runner.split("|")
    if len(parts) != 4 or not parts[1] or not parts[3] or not parts[2].isdigit():
        return None
    host, boot, pid, started = parts
    if host != socket.gethostname():
        return None
    if boot != _boot_id():
        return True
    return _process_start(int(pid)) != started


# A job still "running" whose worker is gone was cut off (the worker stopped or was restarted); its
# transaction never committed, so nothing of it was imported.
RUNNER = runner_of_this_process()
_KIND_VALUES = {kind.value for kind in SessionKind}

# How often a running import says it is alive, and how long after its last word it counts as cut off:
# long enough for a busy machine, short enough that the organiser learns it in seconds, not minutes.
HEARTBEAT_SECONDS = 2.0
LEASE = timedelta(seconds=20)
# A confirmed job no worker has taken after this long is handed to the queue again (the hand-over after
# the commit was lost: a crash, or a queue that was down). Taking a job is atomic, so twice is harmless.
REQUEUE_AFTER = timedelta(minutes=2)


@dataclass(frozen=True)
class JobProgress:
    """What a running import last posted: sessions written, sessions in all, who runs it, and when
    (a Unix time, from the worker's clock)."""

    done: int
    total: int
    runner: str
    posted_at: float


class ProgressBoard(Protocol):
    """Where running imports post their progress, read by every web process. Not the database: the
    import is one write transaction, and on SQLite nothing else may write while it runs."""

    def post(self, job_id: int, progress: JobProgress) -> None: ...

    def read(self, job_id: int) -> JobProgress | None: ...

    def clear(self, job_id: int) -> None: ...


def prepare_import_job(
    db: DbSession, user: User, event: Event | None, filename: str, content: bytes
) -> ImportJob:
    """Reads and checks an uploaded file and keeps it, with its report, until the organiser confirms.

    Raises NotASchedule for a file that is no schedule. Unconfirmed uploads older than a day are deleted.
    """
    plan = read_schedule(content)
    summary = preview_import(db, plan, event)
    begin_write_transaction(db)
    stale = db.exec(
        select(ImportJob).where(
            ImportJob.user_id == user.id,
            ImportJob.status == ImportStatus.ready,
            col(ImportJob.created_at) < utcnow() - timedelta(days=1),
        )
    ).all()
    for old in stale:
        db.delete(old)
    job = ImportJob(
        user_id=saved_id(user),
        event_id=event.id if event is not None else None,
        into_new_event=event is None,
        filename=filename[:200],
        content=content,
        summary=summary.to_json(),
        total=len(plan.sessions),
    )
    db.add(job)
    db.commit()
    db.refresh(job)
    return job


def import_job_of(db: DbSession, job_id: int, user: User) -> ImportJob | None:
    """A job its uploader may see: only theirs, and for an existing event only while they still manage it."""
    job = db.get(ImportJob, job_id)
    if job is None or job.user_id != user.id:
        return None
    if job.event_id is not None and not job.into_new_event:
        event = db.get(Event, job.event_id)
        if event is None or not can_manage_event(db, user, event):
            return None
    return job


def job_summary(job: ImportJob) -> ImportSummary | None:
    return ImportSummary.from_json(job.summary) if job.summary else None


def import_progress(board: ProgressBoard, job: ImportJob) -> JobProgress | None:
    """What the worker running this job last posted; None before it starts and once it ends."""
    if job.status != ImportStatus.running or job.id is None:
        return None
    progress = board.read(job.id)
    return progress if progress is not None and progress.runner == job.runner else None


def job_was_interrupted(job: ImportJob, now: datetime, progress: JobProgress | None = None) -> bool:
    """A job still marked running whose worker stopped: its process is gone (known at once on this
    machine), or it has said nothing for longer than the lease (`progress` is what it last posted)."""
    if job.status != ImportStatus.running:
        return False
    if runner_is_gone(job.runner):
        return True
    last_word = job.started_at
    if progress is not None:
        last_word = datetime.fromtimestamp(progress.posted_at, UTC)
    return last_word is not None and now - last_word > LEASE


def chosen_kinds(job: ImportJob, submitted: Mapping[str, object]) -> dict[str, SessionKind]:
    """The session kind the organiser chose for each type of the file (`kind-<n>` for the report's n-th
    type); a type without a valid choice keeps the kind it was read as."""
    summary = job_summary(job)
    kinds: dict[str, SessionKind] = {}
    for index, (type_label, kind, _count) in enumerate(summary.kinds if summary is not None else ()):
        choice = submitted.get(f"kind-{index}", kind)
        kinds[type_label] = (
            SessionKind(choice) if isinstance(choice, str) and choice in _KIND_VALUES else SessionKind(kind)
        )
    return kinds


def start_import_job(
    db: DbSession,
    job: ImportJob,
    enqueue: Callable[[int], object],
    kinds: Mapping[str, SessionKind] | None = None,
) -> bool:
    """Confirms a job, with the kinds chosen for the file's types, and hands it to the task queue;
    False when it was already confirmed."""
    if not confirm_import_job(db, job, kinds):
        return False
    # After the commit: a worker that takes the job at once finds it queued. Should the hand-over be
    # lost, `requeue_waiting_jobs` hands it over again.
    assert job.id is not None  # noqa: S101 - a confirmed job was saved
    enqueue(job.id)
    return True


def confirm_import_job(db: DbSession, job: ImportJob, kinds: Mapping[str, SessionKind] | None = None) -> bool:
    """Marks a checked job as queued, once: a second click, or another process, finds it taken."""
    summary = job_summary(job)
    if summary is not None and summary.problem:
        raise InvalidInput(summary.problem)
    values: dict[str, object] = {"status": ImportStatus.queued, "queued_at": utcnow()}
    if summary is not None and kinds:
        # The report keeps the chosen kinds: the import reads the file with them.
        chosen = tuple(
            (label, (kinds.get(label) or SessionKind(kind)).value, count)
            for label, kind, count in summary.kinds
        )
        values["summary"] = replace(summary, kinds=chosen).to_json()
    begin_write_transaction(db)
    confirmed = db.execute(
        update(ImportJob)
        .where(col(ImportJob.id) == job.id, col(ImportJob.status) == ImportStatus.ready)
        .values(**values)
    )
    db.commit()
    db.refresh(job)
    return bool(confirmed.rowcount == 1)  # type: ignore[attr-defined]


def claim_queued_job(db: DbSession, job_id: int, runner: str = RUNNER) -> bool:
    """Takes a queued job for this worker with one UPDATE ... WHERE status = 'queued': of two workers
    handed the same job, exactly one gets it."""
    begin_write_transaction(db)
    claimed = db.execute(
        update(ImportJob)
        .where(col(ImportJob.id) == job_id, col(ImportJob.status) == ImportStatus.queued)
        .values(status=ImportStatus.running, started_at=utcnow(), runner=runner)
    )
    db.commit()
    return bool(claimed.rowcount == 1)  # type: ignore[attr-defined]


def waiting_job_ids(db: DbSession, now: datetime) -> list[int]:
    """Jobs confirmed more than REQUEUE_AFTER ago that no worker has taken."""
    return [
        job_id
        for job_id in db.exec(
            select(ImportJob.id).where(
                ImportJob.status == ImportStatus.queued,
                col(ImportJob.queued_at) < now - REQUEUE_AFTER,
            )
        )
        if job_id is not None
    ]


def run_import_job(engine: Engine, job_id: int, board: ProgressBoard, runner: str = RUNNER) -> bool:
    """Takes a queued job and imports it in its own database session; the job ends done or failed, never
    half-way. False when another worker had taken it (or it is gone)."""
    with DbSession(engine, expire_on_commit=False) as db:
        if not claim_queued_job(db, job_id, runner):
            return False
        job = db.get(ImportJob, job_id)
        if job is None:
            return False
        user = db.get(User, job.user_id)
        into_new_event = job.into_new_event
        event = db.get(Event, job.event_id) if job.event_id is not None and not into_new_event else None
        content = job.content
        summary = job_summary(job)
        kinds = {label: SessionKind(kind) for label, kind, _count in summary.kinds} if summary else {}
        # Nothing read so far may hold the transaction open: the import takes the write lock first.
        db.rollback()

        def finish(db: DbSession, result: ImportResult) -> None:
            done = db.get(ImportJob, job_id)
            if done is not None:
                done.status, done.finished_at, done.content = ImportStatus.done, utcnow(), b""
                done.event_id, done.summary = result.event.id, result.summary.to_json()
                db.add(done)

        with _heartbeat(board, job_id, job.total, runner) as report:
            try:
                if user is None or (not into_new_event and event is None):
                    raise DomainError(_("The event or the account of this import no longer exists."))
                plan = read_schedule(content, kinds)
                apply_import(db, event, plan, organiser=user, progress=report, finish=finish)
            except Exception as error:
                _mark_failed(db, job_id, error)
    return True


@contextmanager
def _heartbeat(
    board: ProgressBoard, job_id: int, total: int, runner: str
) -> Iterator[Callable[[int, int], None]]:
    """Posts the progress when it moves and every HEARTBEAT_SECONDS besides, from a thread of its own: a
    chunk of sessions, or the wait for another writer of the event, may take longer than the lease."""
    latest = [0, total]
    stop = threading.Event()

    def post() -> None:
        try:
            board.post(job_id, JobProgress(latest[0], latest[1], runner, time.time()))
        except Exception:  # the queue's store is down: the page says less, and the import goes on
            logger.warning("could not post the progress of import job %s", job_id, exc_info=True)

    def report(done: int, total: int) -> None:
        latest[:] = [done, total]
        post()

    def beat() -> None:
        while not stop.wait(HEARTBEAT_SECONDS):
            post()

    post()
    thread = threading.Thread(target=beat, name=f"import-job-{job_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield report
    finally:
        stop.set()
        thread.join()
        try:
            board.clear(job_id)
        except Exception:
            logger.warning("could not clear the progress of import job %s", job_id, exc_info=True)


def _mark_failed(db: DbSession, job_id: int, error: Exception) -> None:
    if isinstance(error, DomainError):
        message = error.message
    elif isinstance(error, IntegrityError):
        message = _("The event's programme changed while importing. Nothing was imported; try again.")
    else:
        logger.exception("import job %s failed", job_id, exc_info=error)
        message = _("The import failed and nothing was imported. Please try again, or report the problem.")
    db.rollback()
    begin_write_transaction(db)
    job = db.get(ImportJob, job_id)
    if job is not None:
        job.status, job.finished_at, job.error, job.content = ImportStatus.failed, utcnow(), message, b""
        db.add(job)
        db.commit()
