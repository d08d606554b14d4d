"""Organisers' materials page (who confirmed, who uploaded, reminders, links, publishing) and the public
list of everything published for an event."""

from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from app.db import utcnow
from app.events.access import ManagedEvent, PublicEvent
from app.events.models import Event
from app.i18n import _
from app.materials import overview
from app.materials import service as material_service
from app.materials.models import (
    MATERIAL_KIND_LABELS,
    VISIBILITY_LABELS,
    Material,
    MaterialKind,
    MaterialVisibility,
)
from app.materials.queries import published_materials
from app.programme.models import Session
from app.speakers import links as portal_links
from app.speakers.access import ManagedSpeaker
from app.speakers.models import Speaker
from app.web import CurrentSite, Db, SubmittedForm, not_found, redirect_after_post, render, wants_fragment
from app.web.csrf import require_csrf
from app.web.forms import BoundForm, submit_form

router = APIRouter(dependencies=[Depends(require_csrf)])

MANAGE_PAGE = "materials/manage.html"


class LinkForm(BaseModel):
    session_id: int
    kind: MaterialKind = MaterialKind.recording
    title: str = Field(default="", max_length=300)
    url: str = Field(min_length=1, max_length=1000)
    visibility: MaterialVisibility = MaterialVisibility.public


class VisibilityForm(BaseModel):
    visibility: MaterialVisibility


def managed_material(material_id: int, event: ManagedEvent, db: Db) -> Material:
    material = db.get(Material, material_id)
    session = db.get(Session, material.session_id) if material else None
    if material is None or session is None or session.event_id != event.id:
        raise not_found(_("This material does not exist."))
    return material


def _event_session(db: Db, event: Event, session_id: int) -> Session:
    session = db.get(Session, session_id)
    if session is None or session.event_id != event.id:
        raise not_found(_("This session is not part of the programme."))
    return session


ManagedMaterial = Annotated[Material, Depends(managed_material)]


def _manage_context(
    db: Db, event: Event, *, link_form: BoundForm[Any] | None = None, notices: list[str] | None = None
) -> dict[str, Any]:
    materials = overview.materials_overview(db, event)
    return {
        "event": event,
        "overview": materials,
        "link_form": link_form,
        "notices": notices or [],
        "now": utcnow(),
        "session_options": [(entry.session.id, f"{entry.session.title}") for entry in materials.sessions],
        "link_kind_options": [
            (kind.value, _(MATERIAL_KIND_LABELS[kind]))
            for kind in (MaterialKind.recording, MaterialKind.link)
        ],
        "visibility_options": [(value.value, _(label)) for value, label in VISIBILITY_LABELS.items()],
        "material_kind_labels": MATERIAL_KIND_LABELS,
        "material_visibility_labels": VISIBILITY_LABELS,
    }


def _page_url(request: Request, event: Event, notice: Mapping[str, object]) -> str:
    url = str(request.url_for("materials_page", slug=event.slug))
    return f"{url}?{urlencode(notice)}" if notice else url


def _count(params: Mapping[str, object], name: str) -> int:
    value = str(params.get(name, ""))
    # isdecimal, not isdigit: "²" is a digit that int() refuses.
    return int(value) if value.isdecimal() and value.isascii() and len(value) < 6 else 0


def _notices(db: Db, event: Event, params: Mapping[str, object]) -> list[str]:
    """What the last action did, read back from the address it redirected to."""
    notices = []
    if "sent" in params:
        notices.append(
            _("Reminders queued: {count}; the mail log shows when each is delivered.").format(
                count=_count(params, "sent")
            )
        )
    if _count(params, "no_email"):
        notices.append(
            _("{count} speakers have no email address; add one on their speaker page.").format(
                count=_count(params, "no_email")
            )
        )
    if _count(params, "link_sent"):
        speaker = db.get(Speaker, _count(params, "link_sent"))
        if speaker is not None and speaker.event_id == event.id:
            notices.append(
                _("A new portal link was sent to {name}; older links no longer open.").format(
                    name=speaker.name
                )
            )
    return notices


@router.get("/manage/events/{slug}/materials", response_class=HTMLResponse)
def materials_page(request: Request, db: Db, event: ManagedEvent) -> HTMLResponse:
    notices = _notices(db, event, request.query_params)
    return render(request, MANAGE_PAGE, _manage_context(db, event, notices=notices))


def _after_change(
    request: Request, db: Db, event: Event, notice: Mapping[str, object] | None = None
) -> Response:
    notice = notice or {}
    if wants_fragment(request):
        context = _manage_context(db, event, notices=_notices(db, event, notice))
        return render(request, MANAGE_PAGE, context, blocks=["materials_overview"])
    return redirect_after_post(request, _page_url(request, event, notice))


@router.post("/manage/events/{slug}/materials/reminders", response_class=HTMLResponse)
def materials_reminders_send(request: Request, site: CurrentSite, db: Db, event: ManagedEvent) -> Response:
    result = overview.send_reminders(db, event, links=portal_links.PortalLinks.of(site))
    notice = {"sent": len(result.sent), "no_email": len(result.without_email)}
    return _after_change(request, db, event, notice)


@router.post("/manage/events/{slug}/materials/speakers/{speaker_id}/portal-link", response_class=HTMLResponse)
def speaker_portal_link_send(
    request: Request, site: CurrentSite, db: Db, event: ManagedEvent, speaker: ManagedSpeaker
) -> Response:
    portal_links.send_portal_link(db, event, speaker, links=portal_links.PortalLinks.of(site))
    return _after_change(request, db, event, {"link_sent": speaker.id})


@router.post("/manage/events/{slug}/materials/links", response_class=HTMLResponse)
def material_link_add(request: Request, db: Db, event: ManagedEvent, data: SubmittedForm) -> Response:
    form = submit_form(
        LinkForm,
        data,
        lambda value: material_service.add_link_material(
            db,
            _event_session(db, event, value.session_id),
            talk_id=None,
            speaker=None,
            kind=value.kind,
            title=value.title,
            url=value.url,
            visibility=value.visibility,
        ),
    )
    if form.is_valid:
        return redirect_after_post(request, _page_url(request, event, {}))
    context = _manage_context(db, event, link_form=form)
    return render(request, MANAGE_PAGE, context, blocks=["link_form"], status_code=422)


@router.post("/manage/events/{slug}/materials/{material_id}/visibility", response_class=HTMLResponse)
def material_visibility_set(
    request: Request, db: Db, event: ManagedEvent, material: ManagedMaterial, data: SubmittedForm
) -> Response:
    form = submit_form(
        VisibilityForm, data, lambda value: material_service.set_visibility(db, material, value.visibility)
    )
    if not form.is_valid:
        context = _manage_context(db, event, notices=[form.errors.get("visibility", "")])
        return render(request, MANAGE_PAGE, context, blocks=["materials_overview"], status_code=422)
    return _after_change(request, db, event)


@router.post("/manage/events/{slug}/materials/{material_id}/delete", response_class=HTMLResponse)
def material_delete(request: Request, db: Db, event: ManagedEvent, material: ManagedMaterial) -> Response:
    material_service.delete_material(db, material)
    return _after_change(request, db, event)


@router.get("/events/{slug}/materials", response_class=HTMLResponse)
def event_materials_page(request: Request, db: Db, event: PublicEvent) -> HTMLResponse:
    context = {"event": event, "materials": published_materials(db, event, utcnow())}
    return render(request, "materials/event.html", context)
