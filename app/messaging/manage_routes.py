"""The organisers' messages to groups: the list, composing (preview, a test to oneself, sending), and
each message's progress, which refreshes itself while it is written, with its Stop button.

Every page works as plain forms; htmx swaps only the block that changed. Invalid input re-renders the
form with its errors and status 422, and saves nothing.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from app.accounts.access import CurrentUser
from app.db import utcnow
from app.events.access import ManagedEvent
from app.events.models import Event
from app.i18n import _
from app.messaging import reminders, service
from app.messaging.audiences import PLACEHOLDERS, REGISTRANT_PLACEHOLDERS, SPEAKER_PLACEHOLDERS
from app.messaging.forms import ComposeForm, ReminderForm
from app.messaging.models import (
    AUDIENCE_LABELS,
    GROUP_MESSAGE_STATUS_LABELS,
    GroupMessage,
    GroupMessageStatus,
)
from app.outbox.service import masked_links
from app.tasks.registry import Tasks
from app.web import CurrentSite, Db, SubmittedForm, not_found, redirect_after_post, render
from app.web.csrf import require_csrf
from app.web.forms import BoundForm, submit_form

router = APIRouter(prefix="/manage/events/{slug}/messages", dependencies=[Depends(require_csrf)])

LIST_PAGE = "messaging/messages.html"
COMPOSE_PAGE = "messaging/compose.html"
MESSAGE_PAGE = "messaging/message.html"


def managed_group_message(message_id: int, event: ManagedEvent, db: Db) -> GroupMessage:
    message = service.group_message_in_event(db, event, message_id)
    if message is None:
        raise not_found(_("This message does not exist."))
    return message


ManagedGroupMessage = Annotated[GroupMessage, Depends(managed_group_message)]


def _links(site: CurrentSite) -> service.MessageLinks:
    return service.MessageLinks.of(site.urls, site.secret_key)


def _list_context(db: Db, event: Event, reminder_form: BoundForm[Any] | None = None) -> dict[str, Any]:
    return {
        "event": event,
        "lines": service.group_messages_of(db, event),
        "audience_labels": AUDIENCE_LABELS,
        "status_labels": GROUP_MESSAGE_STATUS_LABELS,
        "reminder": reminders.reminder_plan(db, event),
        "reminder_form": reminder_form,
        "reminder_units": [(unit.value, _(label)) for unit, label in reminders.REMINDER_UNIT_LABELS.items()],
    }


@router.get("", response_class=HTMLResponse)
def group_messages_page(request: Request, db: Db, event: ManagedEvent) -> HTMLResponse:
    return render(request, LIST_PAGE, _list_context(db, event))


@router.post("/reminder", response_class=HTMLResponse)
def reminder_save(request: Request, db: Db, event: ManagedEvent, data: SubmittedForm) -> Response:
    form = submit_form(ReminderForm, data, lambda value: reminders.set_reminder(db, event, value.setting()))
    if not form.is_valid:
        db.rollback()
        context = _list_context(db, event, form)
        return render(request, LIST_PAGE, context, blocks=["reminder_settings"], status_code=422)
    if request.headers.get("HX-Request") == "true":
        return render(request, LIST_PAGE, _list_context(db, event), blocks=["reminder_settings"])
    return redirect_after_post(request, str(request.url_for("group_messages_page", slug=event.slug)))


def _compose_context(
    db: Db,
    event: Event,
    form: BoundForm[Any] | None = None,
    preview: service.Preview | None = None,
    notice: str = "",
) -> dict[str, Any]:
    return {
        "event": event,
        "form": form,
        "preview": preview,
        # The organiser reads someone else's message: their personal links stay theirs (as in the mail log).
        "preview_text": masked_links(preview.rendered.text) if preview is not None else "",
        "notice": notice,
        "audience_options": [(audience.value, _(label)) for audience, label in AUDIENCE_LABELS.items()],
        "session_options": [(session.id, session.title) for session in service.event_sessions(db, event)],
        "chosen_sessions": {str(i) for i in (form.data.get("session_ids", []) if form else [])},
        "placeholders": PLACEHOLDERS,
        "registrant_placeholders": REGISTRANT_PLACEHOLDERS,
        "speaker_placeholders": SPEAKER_PLACEHOLDERS,
    }


@router.get("/new", response_class=HTMLResponse)
def group_message_compose_page(request: Request, db: Db, event: ManagedEvent) -> HTMLResponse:
    return render(request, COMPOSE_PAGE, _compose_context(db, event))


def _compose_answer(
    request: Request, db: Db, event: Event, form: BoundForm[Any], notice: str = ""
) -> HTMLResponse:
    preview = form.result if form.is_valid else None
    context = _compose_context(db, event, form, preview, notice)
    status_code = 200 if form.is_valid else 422
    return render(request, COMPOSE_PAGE, context, blocks=["compose_form"], status_code=status_code)


@router.post("/preview", response_class=HTMLResponse)
def group_message_preview(
    request: Request, site: CurrentSite, db: Db, event: ManagedEvent, data: SubmittedForm
) -> HTMLResponse:
    form = submit_form(
        ComposeForm,
        data,
        lambda value: service.preview_message(db, event, value.draft(), _links(site)),
        multi=("session_ids",),
    )
    return _compose_answer(request, db, event, form)


@router.post("/test", response_class=HTMLResponse)
def group_message_test(
    request: Request, site: CurrentSite, db: Db, event: ManagedEvent, user: CurrentUser, data: SubmittedForm
) -> HTMLResponse:
    form = submit_form(
        ComposeForm,
        data,
        lambda value: service.send_test_message(db, event, value.draft(), user, _links(site)),
        multi=("session_ids",),
    )
    notice = _("A test was sent to {email}.").format(email=user.email) if form.is_valid else ""
    return _compose_answer(request, db, event, form, notice)


@router.post("", response_class=HTMLResponse)
def group_message_send(
    request: Request, site: CurrentSite, db: Db, event: ManagedEvent, user: CurrentUser, data: SubmittedForm
) -> Response:
    tasks: Tasks = request.app.state.tasks
    paths = service.link_paths(site.urls)
    form = submit_form(
        ComposeForm,
        data,
        lambda value: service.start_group_message(
            db,
            event,
            user,
            value.draft(),
            now=utcnow(),
            hand_over=lambda message_id: tasks.send_group_message(message_id, paths),
        ),
        multi=("session_ids",),
    )
    if not form.is_valid:
        context = _compose_context(db, event, form)
        return render(request, COMPOSE_PAGE, context, blocks=["compose_form"], status_code=422)
    url = request.url_for("group_message_page", slug=event.slug, message_id=form.result.id)
    return redirect_after_post(request, str(url))


def _message_context(db: Db, event: Event, message: GroupMessage) -> dict[str, Any]:
    return {
        "event": event,
        "message": message,
        "progress": service.group_message_progress(db, message),
        "sending": message.status == GroupMessageStatus.sending,
        "audience_labels": AUDIENCE_LABELS,
        "status_labels": GROUP_MESSAGE_STATUS_LABELS,
    }


@router.get("/{message_id}", response_class=HTMLResponse)
def group_message_page(
    request: Request, db: Db, event: ManagedEvent, message: ManagedGroupMessage
) -> HTMLResponse:
    return render(request, MESSAGE_PAGE, _message_context(db, event, message), blocks=["message_progress"])


@router.post("/{message_id}/stop", response_class=HTMLResponse)
def group_message_stop(
    request: Request, db: Db, event: ManagedEvent, message: ManagedGroupMessage
) -> Response:
    service.stop_group_message(db, message, now=utcnow())
    context = _message_context(db, event, message)
    if request.headers.get("HX-Request") == "true":
        return render(request, MESSAGE_PAGE, context, blocks=["message_progress"])
    return redirect_after_post(
        request, str(request.url_for("group_message_page", slug=event.slug, message_id=message.id))
    )
