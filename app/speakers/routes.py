"""Organisers' pages for an event's speakers: list, add, edit, delete."""

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from app.events.access import ManagedEvent
from app.events.models import Event
from app.programme.builder_view import speaker_lines
from app.speakers import service as speaker_service
from app.speakers.access import ManagedSpeaker
from app.speakers.forms import SpeakerForm
from app.speakers.models import Speaker
from app.timezones import all_timezones
from app.web import Db, SubmittedForm, redirect_after_post, render
from app.web.csrf import require_csrf
from app.web.forms import BoundForm, submit_form

router = APIRouter(prefix="/manage/events/{slug}/speakers", dependencies=[Depends(require_csrf)])


def _list_context(db: Db, event: Event, form: BoundForm[Any] | None = None) -> dict[str, Any]:
    return {"event": event, "lines": speaker_lines(db, event), "form": form, "timezones": all_timezones()}


def _edit_context(event: Event, speaker: Speaker, form: BoundForm[Any] | None = None) -> dict[str, Any]:
    return {"event": event, "speaker": speaker, "form": form, "timezones": all_timezones()}


def _list_url(request: Request, event: Event) -> str:
    return str(request.url_for("speakers_manage_page", slug=event.slug))


@router.get("", response_class=HTMLResponse)
def speakers_manage_page(request: Request, db: Db, event: ManagedEvent) -> HTMLResponse:
    return render(request, "speakers/manage.html", _list_context(db, event))


@router.post("", response_class=HTMLResponse)
def speaker_create(request: Request, db: Db, event: ManagedEvent, data: SubmittedForm) -> Response:
    form = submit_form(SpeakerForm, data, lambda value: speaker_service.create_speaker(db, event, value))
    if form.is_valid:
        return redirect_after_post(request, _list_url(request, event))
    context = _list_context(db, event, form)
    return render(request, "speakers/manage.html", context, blocks=["speaker_form"], status_code=422)


@router.get("/{speaker_id}", response_class=HTMLResponse)
def speaker_edit_page(request: Request, event: ManagedEvent, speaker: ManagedSpeaker) -> HTMLResponse:
    return render(request, "speakers/edit.html", _edit_context(event, speaker))


@router.post("/{speaker_id}", response_class=HTMLResponse)
def speaker_update(
    request: Request, db: Db, event: ManagedEvent, speaker: ManagedSpeaker, data: SubmittedForm
) -> Response:
    form = submit_form(
        SpeakerForm, data, lambda value: speaker_service.update_speaker(db, event, speaker, value)
    )
    if form.is_valid:
        return redirect_after_post(request, _list_url(request, event))
    context = _edit_context(event, speaker, form)
    return render(request, "speakers/edit.html", context, blocks=["speaker_form"], status_code=422)


@router.post("/{speaker_id}/delete", response_class=HTMLResponse)
def speaker_delete(request: Request, db: Db, event: ManagedEvent, speaker: ManagedSpeaker) -> Response:
    speaker_service.delete_speaker(db, speaker)
    return redirect_after_post(request, _list_url(request, event))
