"""Import jobs: the organisers' pages run imports in the background and show their progress.

An upload is read and checked at once and kept, with its report, as an ImportJob until the organiser
confirms (`prepare_import_job`). Confirming claims the job, once (`claim_import_job`), and runs
`apply_import` in a thread of this process (`run_in_background`), which counts its progress in memory for
the job's page (`import_progress`). The job ends done or failed, never half-way.
"""

import contextvars
import logging
import os
import socket
import threading
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from app.accounts.models import User
from app.db import DbSession, saved_id, utcnow
from app.errors import DomainError, InvalidInput
from app.events.locks import begin_write_transaction
from app.events.models import Event
from app.events.permissions import can_manage_event
from app.i18n import _
from app.imports.models import ImportJob, ImportStatus
from app.imports.readers import read_schedule
from app.imports.writer import ImportResult, ImportSummary, apply_import, preview_import
from app.programme.models import SessionKind

logger = logging.getLogger("plenary.import")

# A job still "running" after this long, in no process that we can see, was cut off (the server
# stopped); its transaction never committed, so nothing of it was imported. A job run on this machine
# is known to be cut off at once, when the process that ran it is gone.
STALE_AFTER = timedelta(minutes=30)


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


RUNNER = runner_of_this_process()
_KIND_VALUES = {kind.value for kind in SessionKind}

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


def job_was_interrupted(job: ImportJob, now: datetime) -> bool:
    """A job still marked running whose process is gone (the server stopped or restarted), or, when that
    cannot be told, that has been running for longer than any import takes."""
    if job.status != ImportStatus.running or job.id is None or import_progress(job.id) is not None:
        return False
    if runner_is_gone(job.runner):
        return True
    return job.started_at is not None and now - job.started_at > STALE_AFTER


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
    db: DbSession, job: ImportJob, engine: Engine, kinds: Mapping[str, SessionKind] | None = None
) -> bool:
    """Confirms a job, with the kinds chosen for the file's types, and runs it in a background thread;
    False when it was already confirmed."""
    if not claim_import_job(db, job, kinds):
        return False
    run_in_background(engine, job)
    return True


def claim_import_job(db: DbSession, job: ImportJob, kinds: Mapping[str, SessionKind] | None = None) -> bool:
    """Marks a checked job as running, once: a second click, or another process, finds it taken."""
    summary = job_summary(job)
    if summary is not None and summary.problem:
        raise InvalidInput(summary.problem)
    values: dict[str, object] = {"status": ImportStatus.running, "started_at": utcnow(), "runner": RUNNER}
    if summary is not None and kinds:
        # The report keeps the chosen kinds: the import reads the file with them.
        chosen = tuple(
            (label, (kinds.get(label) or SessionKind(kind)).value, count)
            for label, kind, count in summary.kinds
        )
        values["summary"] = replace(summary, kinds=chosen).to_json()
    begin_write_transaction(db)
    claimed = db.execute(
        update(ImportJob)
        .where(col(ImportJob.id) == job.id, col(ImportJob.status) == ImportStatus.ready)
        .values(**values)
    )
    db.commit()
    db.refresh(job)
    # An UPDATE gives a CursorResult, which has the count; SQLModel types every execute() as Result.
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
            summary = job_summary(job)
            kinds = {label: SessionKind(kind) for label, kind, _count in summary.kinds} if summary else {}
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
                plan = read_schedule(content, kinds)
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
