"""The organisers' schedule import: upload a frab file, read the report, confirm, watch it run.

Into an existing event from its management page (`/manage/events/{slug}/import`), or as a new event
(`/manage/import`). The upload is checked at once and kept as an ImportJob; confirming hands the import to
the task queue, and the job's page shows its progress, read from the queue's store so that any web
process can answer (htmx polls it every second; without JavaScript the page refreshes itself), and then
its result.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, BinaryIO

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from app.accounts.access import CurrentUser
from app.accounts.models import User
from app.db import utcnow
from app.events.access import ManagedEvent
from app.events.models import Event
from app.events.permissions import can_create_events
from app.i18n import _, current_locale
from app.imports.jobs import (
    chosen_kinds,
    import_job_of,
    import_progress,
    job_summary,
    job_was_interrupted,
    prepare_import_job,
    start_import_job,
)
from app.imports.models import ImportJob, ImportStatus
from app.imports.plan import MAX_IMPORT_BYTES, NotASchedule
from app.programme.releases import latest_release
from app.tasks.registry import Tasks
from app.uploads.receiving import UploadRefused, receive_upload
from app.uploads.sniffing import FileType
from app.web import Db, SubmittedForm, forbidden, not_found, redirect_after_post, render
from app.web.csrf import require_csrf

router = APIRouter()


class _HeldInMemory:
    """Storage for one uploaded schedule: it is read and kept in the import job, never stored as a file."""

    def __init__(self) -> None:
        self.data = b""

    def put(self, key: str, source: BinaryIO) -> None:
        self.data = source.read(MAX_IMPORT_BYTES + 1)

    def exists(self, key: str) -> bool:
        return bool(self.data)

    def chunks(self, key: str, chunk_size: int = 256 * 1024) -> Iterator[bytes]:
        yield self.data

    def delete(self, key: str) -> None:
        self.data = b""


class ScheduleUpload:
    """The uploaded file, or why there is none."""

    def __init__(
        self, data: bytes = b"", filename: str = "", error: str = "", status_code: int = 200
    ) -> None:
        self.data, self.filename, self.error, self.status_code = data, filename, error, status_code


def _file_type(path: Path) -> FileType:
    # Any content is accepted here: reading it as a schedule is what checks it, with a clearer message.
    # The name keeps the extension of what the content looks like; for anything else, none, so that a
    # refused "photo.jpg" is not called "photo.xml".
    with path.open("rb") as stream:
        head = stream.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] in (b"{", b"["):
        return FileType("application/json", ".json")
    if head[:1] == b"<":
        return FileType("application/xml", ".xml")
    return FileType("application/octet-stream", "")


async def _receive(request: Request) -> ScheduleUpload:
    storage = _HeldInMemory()
    try:
        received = await receive_upload(request, MAX_IMPORT_BYTES, storage, identify=_file_type)
    except UploadRefused as refusal:
        # The form's fields were not read, so the page cannot be shown again with them: an error page.
        raise HTTPException(status_code=refusal.status_code, detail=refusal.message) from refusal
    if received.file is None:
        return ScheduleUpload(error=_("Choose a schedule file to upload."), status_code=422)
    return ScheduleUpload(storage.data, received.file.filename)


async def event_schedule_upload(request: Request, db: Db, event: ManagedEvent) -> ScheduleUpload:
    # Runs after the organiser check (through ManagedEvent) and before require_csrf, which then reads the
    # token from the fields the upload left in the request's form cache.
    await run_in_threadpool(db.close)
    return await _receive(request)


async def new_event_schedule_upload(request: Request, user: CurrentUser) -> ScheduleUpload:
    if not can_create_events(user):
        raise forbidden(_("You may not create events."))
    return await _receive(request)


EventScheduleUpload = Annotated[ScheduleUpload, Depends(event_schedule_upload)]
NewEventScheduleUpload = Annotated[ScheduleUpload, Depends(new_event_schedule_upload)]


def owned_import_job(job_id: int, db: Db, user: CurrentUser) -> ImportJob:
    job = import_job_of(db, job_id, user)
    if job is None:
        raise not_found(_("There is no import at this address."))
    return job


OwnedImportJob = Annotated[ImportJob, Depends(owned_import_job)]


@router.get("/manage/import", response_class=HTMLResponse)
def import_new_page(request: Request, user: CurrentUser) -> HTMLResponse:
    if not can_create_events(user):
        raise forbidden(_("You may not create events."))
    return _upload_page(request, None)


@router.post(
    "/manage/import",
    response_class=HTMLResponse,
    dependencies=[Depends(new_event_schedule_upload), Depends(require_csrf)],
)
def import_new_upload(
    request: Request, db: Db, user: CurrentUser, upload: NewEventScheduleUpload
) -> Response:
    return _accept_upload(request, db, user, None, upload)


@router.get("/manage/events/{slug}/import", response_class=HTMLResponse)
def import_page(request: Request, event: ManagedEvent) -> HTMLResponse:
    return _upload_page(request, event)


@router.post(
    "/manage/events/{slug}/import",
    response_class=HTMLResponse,
    dependencies=[Depends(event_schedule_upload), Depends(require_csrf)],
)
def import_upload(
    request: Request, db: Db, user: CurrentUser, event: ManagedEvent, upload: EventScheduleUpload
) -> Response:
    return _accept_upload(request, db, user, event, upload)


@router.get("/manage/imports/{job_id}", response_class=HTMLResponse)
def import_job_page(request: Request, db: Db, job: OwnedImportJob) -> HTMLResponse:
    event = db.get(Event, job.event_id) if job.event_id is not None else None
    tasks: Tasks = request.app.state.tasks
    progress = import_progress(tasks.board, job)
    context = {
        "job": job,
        "event": event,
        # Once an event has a release, visitors see the release, not the imported draft.
        "released": event is not None and latest_release(db, event) is not None,
        "summary": job_summary(job),
        "progress": (progress.done, progress.total) if progress is not None else None,
        "interrupted": job_was_interrupted(job, utcnow(), progress),
        "statuses": ImportStatus,
    }
    return render(request, "imports/import_job.html", context, blocks=["import_status"])


@router.post("/manage/imports/{job_id}/confirm", dependencies=[Depends(require_csrf)])
def import_confirm(request: Request, db: Db, job: OwnedImportJob, data: SubmittedForm) -> Response:
    # A second click, or a job already done, just shows the job again.
    tasks: Tasks = request.app.state.tasks
    locale = current_locale.get()
    start_import_job(db, job, lambda job_id: tasks.import_schedule(job_id, locale), chosen_kinds(job, data))
    return redirect_after_post(request, str(request.url_for("import_job_page", job_id=job.id)))


def _accept_upload(
    request: Request, db: Db, user: User, event: Event | None, upload: ScheduleUpload
) -> Response:
    if upload.error:
        return _upload_page(request, event, error=upload.error, status_code=upload.status_code)
    try:
        job = prepare_import_job(db, user, event, upload.filename, upload.data)
    except NotASchedule as refusal:
        return _upload_page(request, event, error=refusal.message, filename=upload.filename, status_code=422)
    return redirect_after_post(request, str(request.url_for("import_job_page", job_id=job.id)))


def _upload_page(
    request: Request, event: Event | None, *, error: str = "", filename: str = "", status_code: int = 200
) -> HTMLResponse:
    action = (
        request.url_for("import_upload", slug=event.slug)
        if event is not None
        else request.url_for("import_new_upload")
    )
    context = {
        "event": event,
        "error": error,
        # The file field comes back empty: the message names the file it is about.
        "filename": filename,
        "action": str(action),
        "limit_mb": MAX_IMPORT_BYTES // (1024 * 1024),
    }
    return render(request, "imports/import.html", context, blocks=["import_form"], status_code=status_code)
