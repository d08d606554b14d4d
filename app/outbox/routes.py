"""The organisers' mail log of an event: every message the site wrote for it, its delivery, and sending
the failed ones again.

Personal links in a message (an attendee's manage link, a speaker's portal link) open someone else's
registration or page, so organisers read them masked. The log works as plain links and forms; htmx
swaps only the list.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from app.events.access import ManagedEvent
from app.events.models import Event
from app.i18n import _
from app.outbox import service
from app.outbox.models import MailStatus, OutgoingMessage
from app.outbox.service import MAIL_STATUS_LABELS, mail_kind_label, mail_status_label
from app.web import Db, SubmittedForm, not_found, redirect_after_post, render, wants_fragment
from app.web.csrf import require_csrf

router = APIRouter(prefix="/manage/events/{slug}/mail", dependencies=[Depends(require_csrf)])

LOG_PAGE = "outbox/mail_log.html"
MESSAGE_PAGE = "outbox/message.html"
PAGE_SIZE = service.MAIL_LOG_PAGE_SIZE
# Enough pages for any event; a longer number is not a page the log can have.
LONGEST_NUMBER = 9


@dataclass(frozen=True)
class MailLogQuery:
    status: MailStatus | None = None
    recipient: str = ""
    page: int = 1
    # The copies of one message to a group (app.messaging), from its page.
    group: int | None = None


def _number(values: Mapping[str, Any], name: str) -> int | None:
    value = str(values.get(name, "")).strip()
    # isascii: "²".isdigit() is true, but int() refuses it.
    return int(value) if value.isascii() and value.isdigit() and len(value) <= LONGEST_NUMBER else None


def _query_from(values: Mapping[str, Any]) -> MailLogQuery:
    """The filters of an address or a form; a value that means nothing (an unknown status, page -1) is
    left out rather than refused, like a hand-edited address deserves."""
    status = str(values.get("status", ""))
    return MailLogQuery(
        status=MailStatus(status) if status in set(MailStatus) else None,
        recipient=str(values.get("recipient", "")).strip()[:320],
        page=max(_number(values, "page") or 1, 1),
        group=_number(values, "group"),
    )


def _query_params(query: MailLogQuery, **extra: object) -> dict[str, object]:
    params = {
        "status": query.status.value if query.status else "",
        "recipient": query.recipient,
        "page": query.page if query.page > 1 else "",
        "group": query.group,
        **extra,
    }
    return {key: value for key, value in params.items() if value not in ("", None)}


def _log_url(request: Request, event: Event, query: MailLogQuery, **extra: object) -> str:
    url = str(request.url_for("mail_log_page", slug=event.slug))
    params = _query_params(query, **extra)
    return f"{url}?{urlencode(params)}" if params else url


def _message_url(request: Request, event: Event, message: OutgoingMessage, **extra: object) -> str:
    url = str(request.url_for("mail_message_page", slug=event.slug, message_id=message.id))
    params = {key: value for key, value in extra.items() if value not in ("", None)}
    return f"{url}?{urlencode(params)}" if params else url


def _mail_log_at(db: Db, event: Event, query: MailLogQuery) -> tuple[service.MailLogPage, MailLogQuery]:
    """The page asked for, or the last one when the log has fewer pages (it shrinks as filters change)."""
    log = service.mail_log(
        db,
        event.id or 0,
        status=query.status,
        recipient=query.recipient,
        group_message_id=query.group,
        offset=(query.page - 1) * PAGE_SIZE,
    )
    last_page = max((log.total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    if query.page <= last_page:
        return log, query
    query = replace(query, page=last_page)
    log = service.mail_log(
        db,
        event.id or 0,
        status=query.status,
        recipient=query.recipient,
        group_message_id=query.group,
        offset=(last_page - 1) * PAGE_SIZE,
    )
    return log, query


def _log_context(
    request: Request,
    db: Db,
    event: Event,
    query: MailLogQuery,
    *,
    queued: int | None = None,
    notice: str = "",
) -> dict[str, Any]:
    log, query = _mail_log_at(db, event, query)
    everything = replace(query, status=None, page=1)
    tabs: list[tuple[MailStatus | None, str, int, str]] = [
        (None, _("All"), sum(log.counts.values()), _log_url(request, event, everything))
    ]
    tabs += [
        (
            status,
            mail_status_label(status),
            log.counts[status],
            _log_url(request, event, replace(everything, status=status)),
        )
        for status in MailStatus
    ]
    shown_until = (query.page - 1) * PAGE_SIZE + len(log.messages)
    return {
        "event": event,
        "log": log,
        "query": query,
        "queued": queued,
        "notice": notice,
        "tabs": tabs,
        "status_options": [(status.value, _(label)) for status, label in MAIL_STATUS_LABELS.items()],
        "first_shown": (query.page - 1) * PAGE_SIZE + 1 if log.messages else 0,
        "last_shown": shown_until,
        "older_url": _log_url(request, event, replace(query, page=query.page + 1))
        if shown_until < log.total
        else None,
        "newer_url": _log_url(request, event, replace(query, page=query.page - 1))
        if query.page > 1
        else None,
        "status_label": mail_status_label,
        "kind_label": mail_kind_label,
    }


def managed_message(message_id: int, event: ManagedEvent, db: Db) -> OutgoingMessage:
    message = service.message_of_event(db, event.id or 0, message_id)
    if message is None:
        raise not_found(_("This message is not in the event's mail log."))
    return message


ManagedMessage = Annotated[OutgoingMessage, Depends(managed_message)]


def _message_context(
    db: Db, event: Event, message: OutgoingMessage, *, queued: int | None = None, notice: str = ""
) -> dict[str, Any]:
    return {
        "event": event,
        "message": message,
        # Organisers never read someone's personal link in full: it would let them act as that person.
        "text": service.masked_links(message.text),
        "attachments": service.attached_files(db, message.id or 0),
        "queued": queued,
        "notice": notice,
        "status_label": mail_status_label,
        "kind_label": mail_kind_label,
    }


@router.get("", response_class=HTMLResponse)
def mail_log_page(request: Request, db: Db, event: ManagedEvent) -> HTMLResponse:
    params = request.query_params
    context = _log_context(request, db, event, _query_from(params), queued=_number(params, "queued"))
    return render(request, LOG_PAGE, context, blocks=["mail_log"])


@router.get("/{message_id}", response_class=HTMLResponse)
def mail_message_page(request: Request, db: Db, event: ManagedEvent, message: ManagedMessage) -> HTMLResponse:
    context = _message_context(db, event, message, queued=_number(request.query_params, "queued"))
    return render(request, MESSAGE_PAGE, context)


def _back_to_log(
    request: Request,
    db: Db,
    event: Event,
    data: SubmittedForm,
    *,
    queued: int | None = None,
    notice: str = "",
    status_code: int = 200,
) -> Response:
    """After sending again from the list: the list as it was filtered, with what happened."""
    query = _query_from(data)
    if notice or wants_fragment(request):
        context = _log_context(request, db, event, query, queued=queued, notice=notice)
        return render(request, LOG_PAGE, context, blocks=["mail_log"], status_code=status_code)
    return redirect_after_post(request, _log_url(request, event, query, queued=queued))


@router.post("/resend-failed", response_class=HTMLResponse)
def mail_resend_failed(request: Request, db: Db, event: ManagedEvent, data: SubmittedForm) -> Response:
    queued = service.resend(db, event.id or 0)
    return _back_to_log(request, db, event, data, queued=queued)


@router.post("/{message_id}/resend", response_class=HTMLResponse)
def mail_message_resend(
    request: Request, db: Db, event: ManagedEvent, message: ManagedMessage, data: SubmittedForm
) -> Response:
    from_message_page = data.get("back") == "message"
    try:
        service.resend_message(db, message)
    except service.NotResent as refusal:
        if not from_message_page:
            return _back_to_log(
                request, db, event, data, notice=refusal.message, status_code=refusal.status_code
            )
        context = _message_context(db, event, message, notice=refusal.message)
        return render(request, MESSAGE_PAGE, context, status_code=refusal.status_code)
    if from_message_page:
        return redirect_after_post(request, _message_url(request, event, message, queued=1))
    return _back_to_log(request, db, event, data, queued=1)
