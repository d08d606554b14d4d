"""Downloading materials, and the organisers' streamed upload of a file to a session.

Downloads are served so that nothing uploaded can run in our origin: the stored (sniffed) Content-Type,
`nosniff`, a sandboxing CSP, and `attachment` for everything but PDF.
"""

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field

from app.accounts.access import OptionalUser
from app.db import utcnow
from app.events.access import ManagedEvent
from app.i18n import _
from app.materials import service
from app.materials.models import MaterialKind, MaterialVisibility
from app.materials.queries import downloadable_version
from app.programme.access import ManagedSession
from app.uploads.receiving import AppStorage, ReceivedUpload, UploadRefused, receive_upload
from app.uploads.sniffing import PDF
from app.web import CurrentSite, Db, not_found, redirect_after_post, render
from app.web.csrf import require_csrf
from app.web.forms import submit_form

router = APIRouter()


# Download ---------------------------------------------------------------------------------------


def _content_disposition(filename: str, content_type: str) -> str:
    disposition = "inline" if content_type == PDF else "attachment"
    fallback = "".join(char for char in filename if char.isascii() and char not in '"\\') or "download"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


@router.get("/materials/{version_id}/{filename}", name="material_download")
def material_download(
    db: Db, user: OptionalUser, storage: AppStorage, version_id: int, filename: str
) -> StreamingResponse:
    version = downloadable_version(db, version_id, filename, user, utcnow())
    if version is None or not storage.exists(version.storage_key):
        raise not_found(_("This file does not exist or is not public."))
    headers = {
        "Content-Disposition": _content_disposition(version.filename, version.content_type),
        "Content-Length": str(version.size),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox",
        # Visibility can change at any time, so no shared cache may keep a copy.
        "Cache-Control": "private, no-cache",
    }
    return StreamingResponse(
        storage.chunks(version.storage_key), media_type=version.content_type, headers=headers
    )


# Organisers' upload -----------------------------------------------------------------------------


class UploadForm(BaseModel):
    kind: MaterialKind = MaterialKind.slides
    title: str = Field(default="", max_length=300)
    visibility: MaterialVisibility = MaterialVisibility.after_session
    talk_id: int | None = None


async def organiser_upload(
    request: Request, site: CurrentSite, db: Db, session: ManagedSession, storage: AppStorage
) -> ReceivedUpload:
    # Runs after the organiser check (through ManagedSession) and before require_csrf, which then reads
    # the token from the fields this left in the request's form cache.
    # An upload can take minutes: give the database connection back to the pool meanwhile.
    await run_in_threadpool(db.close)
    try:
        return await receive_upload(request, site.settings.max_upload_bytes, storage)
    except UploadRefused as refusal:
        raise HTTPException(status_code=refusal.status_code, detail=refusal.message) from refusal


OrganiserUpload = Annotated[ReceivedUpload, Depends(organiser_upload)]


@router.post(
    "/manage/events/{slug}/materials/sessions/{session_id}/upload",
    name="material_upload",
    dependencies=[Depends(organiser_upload), Depends(require_csrf)],
)
async def material_upload(
    request: Request,
    site: CurrentSite,
    db: Db,
    event: ManagedEvent,
    session: ManagedSession,
    received: OrganiserUpload,
    storage: AppStorage,
) -> Response:
    upload = received.file
    if upload is None:
        return _refused(request, _("Choose a file to upload."))
    form = await run_in_threadpool(
        submit_form,
        UploadForm,
        received.fields,
        lambda value: service.add_file_version(
            db,
            session,
            talk_id=value.talk_id,
            speaker=None,
            kind=value.kind,
            title=value.title,
            visibility=value.visibility,
            upload=upload,
            keep_versions=site.settings.material_versions_kept,
            storage=storage,
        ),
    )
    if not form.is_valid:
        return _refused(request, " ".join(form.errors.values()))
    return redirect_after_post(request, str(request.url_for("materials_page", slug=event.slug)))


def _refused(request: Request, message: str) -> Response:
    context = {"status_code": 422, "title": _("Invalid input"), "message": message}
    return render(request, "error.html", context, blocks=["content"], status_code=422)
