"""The speaker portal: a speaker opens the signed link from the organisers' email, without an account.

There they edit their profile, answer for each session (confirmed or declined, on site or remote) and
upload their slides. Every page is keyed by the token in the address: it opens one speaker's data only.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field
from sqlmodel import select
from starlette.datastructures import FormData, UploadFile

from app.audience.links import moderator_token, sessions_moderated_by
from app.db import utcnow
from app.events.models import Event
from app.feedback.queries import speaker_feedback
from app.i18n import _, current_locale
from app.materials import service as material_service
from app.materials.models import VISIBILITY_LABELS, Material, MaterialKind, MaterialVisibility
from app.materials.overview import speaker_materials
from app.portal import service as portal
from app.programme.models import Confirmation, Session
from app.speakers import links as speaker_links
from app.speakers.models import Speaker
from app.speakers.photos import MAX_PHOTO_BYTES
from app.storage import StoredFileMissing, read_bytes
from app.timezones import all_timezones
from app.uploads.receiving import AppStorage, ReceivedUpload, UploadRefused, receive_upload
from app.web import CurrentSite, Db, SubmittedForm, not_found, redirect_after_post, render, wants_fragment
from app.web.csrf import CSRF_HEADER, require_csrf
from app.web.forms import BoundForm, bind_form, submit_form

router = APIRouter()
pages_router = APIRouter(prefix="/speaker-portal/{token}", dependencies=[Depends(require_csrf)])
# The slide upload streams the request body itself (the CSRF token is checked by receive_upload, from
# the header or a field before the file), so it cannot sit behind a dependency that parses the form.
upload_router = APIRouter(prefix="/speaker-portal/{token}")
photo_router = APIRouter()

PORTAL_PAGE = "portal/portal.html"


def portal_speaker(request: Request, site: CurrentSite, token: str, db: Db) -> Speaker:
    """The speaker the link opens; a tampered, expired or replaced link is refused with a 4xx page."""
    return speaker_links.speaker_for_portal_token(db, site.secret_key, token)


PortalSpeaker = Annotated[Speaker, Depends(portal_speaker)]


def portal_event(speaker: PortalSpeaker, db: Db) -> Event:
    event = db.get(Event, speaker.event_id)
    if event is None:
        raise not_found(_("This event no longer exists."))
    return event


PortalEvent = Annotated[Event, Depends(portal_event)]


class SlidesForm(BaseModel):
    title: str = Field(default="", max_length=300)
    visibility: MaterialVisibility = MaterialVisibility.after_session


class VisibilityForm(BaseModel):
    visibility: MaterialVisibility


def _private(response: Response) -> Response:
    # The address is the key to the page: keep it out of caches and of other sites' referrer logs.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _moderator_links(request: Request, db: Db, speaker: Speaker) -> dict[int, str]:
    secret_key: str = request.app.state.secret_key
    sessions = [db.get(Session, session_id) for session_id in sessions_moderated_by(db, speaker.id or 0)]
    return {
        session.id or 0: str(
            request.url_for("moderation_page", token=moderator_token(db, secret_key, session))
        )
        for session in sessions
        if session is not None
    }


def _portal_context(
    request: Request,
    db: Db,
    event: Event,
    speaker: Speaker,
    token: str,
    *,
    profile_form: BoundForm[Any] | None = None,
    session_forms: dict[int, BoundForm[Any]] | None = None,
    notice: str | None = None,
) -> dict[str, Any]:
    return {
        "event": event,
        "speaker": speaker,
        "token": token,
        "sessions": portal.portal_sessions(db, event, speaker),
        "materials": speaker_materials(db, speaker),
        "feedback": speaker_feedback(db, event, speaker),
        "moderator_links": _moderator_links(request, db, speaker),
        "profile_form": profile_form,
        "session_forms": session_forms or {},
        "notice": notice,
        "now": utcnow(),
        "timezones": all_timezones(),
        "confirmation_options": [
            (Confirmation.confirmed.value, _("I confirm")),
            (Confirmation.declined.value, _("I cannot come")),
            (Confirmation.pending.value, _("Not sure yet")),
        ],
        "visibility_options": [(value.value, _(label)) for value, label in VISIBILITY_LABELS.items()],
    }


def _portal_url(request: Request, token: str) -> str:
    return str(request.url_for("speaker_portal_page", token=token))


@pages_router.get("", response_class=HTMLResponse)
def speaker_portal_page(
    request: Request, db: Db, token: str, event: PortalEvent, speaker: PortalSpeaker
) -> Response:
    portal.remember_language(db, speaker, current_locale.get())
    return _private(render(request, PORTAL_PAGE, _portal_context(request, db, event, speaker, token)))


def _photo_bytes(data: FormData) -> bytes | None:
    upload = data.get("photo")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    # One byte over the limit is enough for prepare_photo to refuse it; the rest is never read.
    return upload.file.read(MAX_PHOTO_BYTES + 1)


@pages_router.post("/profile", response_class=HTMLResponse)
def speaker_portal_profile_save(
    request: Request,
    site: CurrentSite,
    db: Db,
    storage: AppStorage,
    token: str,
    event: PortalEvent,
    speaker: PortalSpeaker,
    data: SubmittedForm,
) -> Response:
    photo = _photo_bytes(data)
    form = submit_form(
        portal.ProfileForm,
        data,
        lambda value: portal.update_profile(
            db, speaker, value, photo=photo, storage=storage, links=speaker_links.PortalLinks.of(site)
        ),
    )
    if form.is_valid:
        return redirect_after_post(request, _portal_url(request, token))
    db.refresh(speaker)
    context = _portal_context(request, db, event, speaker, token, profile_form=form)
    return _private(render(request, PORTAL_PAGE, context, blocks=["portal_profile"], status_code=422))


@pages_router.post("/sessions/{session_id}/answer", response_class=HTMLResponse)
def speaker_portal_answer(
    request: Request,
    db: Db,
    token: str,
    event: PortalEvent,
    speaker: PortalSpeaker,
    session_id: int,
    data: SubmittedForm,
) -> Response:
    session = portal.speaker_session(db, event, speaker, session_id)
    form = submit_form(
        portal.AnswerForm, data, lambda value: portal.answer_session(db, speaker, session, value)
    )
    status_code = 200 if form.is_valid else 422
    if form.is_valid and not wants_fragment(request):
        return redirect_after_post(request, _portal_url(request, token))
    context = _portal_context(request, db, event, speaker, token, session_forms={session_id: form})
    return _private(
        render(request, PORTAL_PAGE, context, blocks=["portal_sessions"], status_code=status_code)
    )


@pages_router.post("/materials/{material_id}/visibility", response_class=HTMLResponse)
def speaker_portal_visibility(
    request: Request,
    db: Db,
    token: str,
    event: PortalEvent,
    speaker: PortalSpeaker,
    material_id: int,
    data: SubmittedForm,
) -> Response:
    material = db.exec(
        select(Material).where(Material.id == material_id, Material.speaker_id == speaker.id)
    ).first()
    if material is None:
        raise not_found(_("This material is not one of yours."))
    form = submit_form(
        VisibilityForm, data, lambda value: material_service.set_visibility(db, material, value.visibility)
    )
    if form.is_valid and not wants_fragment(request):
        return redirect_after_post(request, _portal_url(request, token))
    context = _portal_context(request, db, event, speaker, token)
    status_code = 200 if form.is_valid else 422
    return _private(
        render(request, PORTAL_PAGE, context, blocks=["portal_sessions"], status_code=status_code)
    )


async def slides_upload(
    request: Request, site: CurrentSite, event: PortalEvent, speaker: PortalSpeaker, storage: AppStorage
) -> ReceivedUpload | UploadRefused:
    # Runs after the token check (through PortalSpeaker), so no byte is stored for a bad link, and
    # before require_csrf, which then reads the token from the fields left in the request's form cache.
    try:
        return await receive_upload(request, site.settings.max_upload_bytes, storage)
    except UploadRefused as refusal:
        if not request.headers.get(CSRF_HEADER):
            # A plain form: its token was in the body, which is gone, so the refusal gets a page of its own.
            raise HTTPException(status_code=refusal.status_code, detail=refusal.message) from refusal
        # htmx sends the token in a header, which require_csrf checks without the body: the portal stays,
        # with the reason in the upload form.
        return refusal


SlidesUpload = Annotated[ReceivedUpload | UploadRefused, Depends(slides_upload)]


@upload_router.post(
    "/sessions/{session_id}/slides",
    response_class=HTMLResponse,
    dependencies=[Depends(slides_upload), Depends(require_csrf)],
)
async def speaker_portal_slides_upload(
    request: Request,
    site: CurrentSite,
    db: Db,
    token: str,
    event: PortalEvent,
    speaker: PortalSpeaker,
    session_id: int,
    received: SlidesUpload,
    storage: AppStorage,
) -> Response:
    session = await run_in_threadpool(portal.speaker_session, db, event, speaker, session_id)
    if isinstance(received, UploadRefused):
        refused = bind_form(SlidesForm, {})
        refused.add_error("file", received.message)
        return await _slides_form_again(
            request, db, event, speaker, token, session_id, refused, status_code=received.status_code
        )
    upload = received.file
    form = bind_form(SlidesForm, received.fields)
    if upload is None:
        form.add_error("file", _("Choose the file of your slides."))
    if form.value is None or upload is None:
        return await _slides_form_again(request, db, event, speaker, token, session_id, form)
    value = form.value
    talk_id = await run_in_threadpool(portal.speaker_talk_id, db, speaker, session)
    await run_in_threadpool(
        lambda: material_service.add_file_version(
            db,
            session,
            talk_id=talk_id,
            speaker=speaker,
            kind=MaterialKind.slides,
            title=value.title or _("Slides"),
            visibility=value.visibility,
            upload=upload,
            keep_versions=site.settings.material_versions_kept,
            storage=storage,
        )
    )
    if not wants_fragment(request):
        return redirect_after_post(request, _portal_url(request, token))
    context = await run_in_threadpool(_portal_context, request, db, event, speaker, token)
    return _private(render(request, PORTAL_PAGE, context, blocks=["portal_sessions"]))


async def _slides_form_again(
    request: Request,
    db: Db,
    event: Event,
    speaker: Speaker,
    token: str,
    session_id: int,
    form: BoundForm[Any],
    *,
    status_code: int = 422,
) -> Response:
    context = await run_in_threadpool(
        lambda: _portal_context(request, db, event, speaker, token, session_forms={session_id: form})
    )
    return _private(
        render(request, PORTAL_PAGE, context, blocks=["portal_sessions"], status_code=status_code)
    )


@photo_router.get("/speaker-photos/{speaker_id}/{key}", name="speaker_photo")
def speaker_photo(db: Db, storage: AppStorage, speaker_id: int, key: str) -> Response:
    """A speaker's current photo; only the key stored on the speaker opens, never any other stored file."""
    speaker = db.get(Speaker, speaker_id)
    if speaker is None or speaker.photo_key is None or speaker.photo_key != key:
        raise not_found(_("This photo does not exist."))
    try:
        content = read_bytes(storage, key)
    except StoredFileMissing as error:
        raise not_found(_("This photo does not exist.")) from error
    media_type = "image/png" if content.startswith(b"\x89PNG") else "image/jpeg"
    return Response(
        content,
        media_type=media_type,
        headers={
            # The key is the content's hash: the same address always holds the same picture.
            "Cache-Control": "public, max-age=31536000, immutable",
            "X-Content-Type-Options": "nosniff",
        },
    )


router.include_router(pages_router)
router.include_router(upload_router)
router.include_router(photo_router)
