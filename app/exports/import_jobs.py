"""Import jobs: the organisers' pages run imports in the background and show their progress.

An upload is read and checked at once and kept, with its report, as an ImportJob until the organiser
confirms (`prepare_import_job`). Confirming claims the job, once (`claim_import_job`), and runs
`apply_import` in a thread of this process (`run_in_background`), which counts its progress in memory for
the job's page (`import_progress`). The job ends done or failed, never half-way.
"""

import contextvars
import logging
import threading
from datetime import datetime, timedelta

from sqlalchemy import Engine, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from app.accounts.models import User
from app.db import DbSession, utcnow
from app.errors import DomainError, InvalidInput
from app.events.locks import begin_write_transaction
from app.events.models import Event
from app.events.permissions import can_manage_event
from app.exports.frab_import import read_schedule
from app.exports.import_writer import (
    ImportResult,
    ImportSummary,
    apply_import,
    preview_import,
)
from app.exports.models import ImportJob, ImportStatus
from app.i18n import _

logger = logging.getLogger("plenary.import")

# A job still "running" after this long, in no process that we can see, was cut off (the server
# stopped); its transaction never committed, so nothing of it was imported.
STALE_AFTER = timedelta(minutes=30)

_progress: dict[int, tuple[int, int]] = {}
_progress_lock = threading.Lock()


def import_progress(job_id: int) -> tuple[int, int] | None:
    """(sessions written, sessions in all) of a job running in this process; None elsewhere."""
    with _progress_lock:
        return _progress.get(job_id)


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
        user_id=user.id,
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


def job_was_interrupted(job: ImportJob, now: datetime) -> bool:
    """A job still marked running long after it started, in no process of ours: the server stopped."""
    return (
        job.status == ImportStatus.running
        and job.id is not None
        and import_progress(job.id) is None
        and job.started_at is not None
        and now - job.started_at > STALE_AFTER
    )


def start_import_job(db: DbSession, job: ImportJob, engine: Engine) -> bool:
    """Confirms a job and runs it in a background thread; False when it was already confirmed."""
    if not claim_import_job(db, job):
        return False
    run_in_background(engine, job)
    return True


def claim_import_job(db: DbSession, job: ImportJob) -> bool:
    """Marks a checked job as running, once: a second click, or another process, finds it taken."""
    summary = job_summary(job)
    if summary is not None and summary.problem:
        raise InvalidInput(summary.problem)
    begin_write_transaction(db)
    claimed = db.execute(
        update(ImportJob)
        .where(col(ImportJob.id) == job.id, col(ImportJob.status) == ImportStatus.ready)
        .values(status=ImportStatus.running, started_at=utcnow())
    )
    db.commit()
    db.refresh(job)
    return bool(claimed.rowcount == 1)  # type: ignore[attr-defined]


def run_in_background(engine: Engine, job: ImportJob) -> threading.Thread:
    """Runs a claimed job in a thread of this process, which counts its progress for the job's page."""
    if job.id is None:
        raise ValueError("the job must be saved first")
    with _progress_lock:
        _progress[job.id] = (0, job.total)
    # The thread writes its messages in the language of the request that started it.
    context = contextvars.copy_context()
    thread = threading.Thread(
        target=context.run, args=(run_import_job, engine, job.id), name=f"import-job-{job.id}", daemon=True
    )
    thread.start()
    return thread


def run_import_job(engine: Engine, job_id: int) -> None:
    """Imports a claimed job in its own database session; the job ends done or failed, never half-way."""
    try:
        with DbSession(engine, expire_on_commit=False) as db:
            job = db.get(ImportJob, job_id)
            if job is None:
                return
            user = db.get(User, job.user_id)
            into_new_event = job.into_new_event
            event = db.get(Event, job.event_id) if job.event_id is not None and not into_new_event else None
            content = job.content
            # Nothing read so far may hold the transaction open: the import takes the write lock first.
            db.rollback()

            def report(done: int, total: int) -> None:
                with _progress_lock:
                    _progress[job_id] = (done, total)

            def finish(db: DbSession, result: ImportResult) -> None:
                done = db.get(ImportJob, job_id)
                if done is not None:
                    done.status, done.finished_at, done.content = ImportStatus.done, utcnow(), b""
                    done.event_id, done.summary = result.event.id, result.summary.to_json()
                    db.add(done)

            try:
                if user is None or (not into_new_event and event is None):
                    raise DomainError(_("The event or the account of this import no longer exists."))
                plan = read_schedule(content)
                apply_import(db, event, plan, organiser=user, progress=report, finish=finish)
            except Exception as error:
                _mark_failed(db, job_id, error)
    finally:
        with _progress_lock:
            _progress.pop(job_id, None)


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
