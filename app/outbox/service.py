"""Outgoing email as records: written in the transaction of the change that causes it, handed to the task
queue once that transaction commits, delivered with retries, and listed for the organisers.

A message is never lost between the change and the mail server: if the process stops after the commit and
before the queue has it, `stranded_messages` finds it and the periodic sweep queues it again. A message
is sent twice only when a worker was stopped while handing it to the mail server (it stays "sending", and
is tried again after `SENDING_LEASE`).

A message that is costly to write (a confirmation with its ticket and calendar) may be saved as a `MailSpec`
instead: the worker that takes it writes it (a `MailWriter` of its process), stores what it wrote, then
sends it; a message is written once, and sent as written, however often it is tried.
"""

import json
import logging
import re
import smtplib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from weakref import WeakKeyDictionary, WeakMethod

from sqlalchemy import ColumnElement, Engine, event, func, inspect, or_, update
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import col, select

from app.db import DbSession, begin_write_transaction, utcnow
from app.errors import DomainError
from app.i18n import N_, _
from app.mail import Mailer, OutgoingMail
from app.outbox.models import MailStatus, OutgoingAttachment, OutgoingMessage
from app.text import one_line

logger = logging.getLogger("plenary.mail")

# A worker that took a message this long ago and did not say how it went was stopped while sending.
SENDING_LEASE = timedelta(minutes=5)
# A message queued this long ago that no worker has taken was never handed to the queue (or the queue
# lost it): the sweep hands it over again. Long enough for a busy queue to reach it first.
QUEUED_GRACE = timedelta(minutes=2)
# The longest wait between two attempts, however many there were.
LONGEST_RETRY_WAIT = timedelta(hours=1)

_PENDING = "plenary.outbox.pending"

Dispatch = Callable[[Sequence[int]], None]
# Weak both ways: the dispatcher (a task queue's method) holds the engine, and a strong value would keep
# its key, and with it every app that ever ran, alive (each test's app: gigabytes over a test run).
_dispatchers: "WeakKeyDictionary[Engine, WeakMethod[Dispatch]]" = WeakKeyDictionary()


def queue_mail(db: DbSession, mail: OutgoingMail) -> OutgoingMessage:
    """Writes `mail` in the current transaction; once it commits, the message goes to the task queue."""
    message = OutgoingMessage(
        event_id=mail.event_id,
        kind=mail.kind,
        group_message_id=mail.group_message_id,
        recipient=one_line(mail.to),
        subject=one_line(mail.subject),
        text=mail.text,
        html=mail.html,
    )
    db.add(message)
    db.flush()
    for filename, mime_type, content in mail.attachments:
        db.add(
            OutgoingAttachment(
                message_id=message.id or 0, filename=filename, mime_type=mime_type, content=content
            )
        )
    db.info.setdefault(_PENDING, []).append(message.id)
    return message


@dataclass(frozen=True)
class MailSpec:
    """A message to be written by a worker: to whom, what kind, and what the writer named `writer` needs
    to write it (JSON values: ids and states, never the text)."""

    to: str
    kind: str
    writer: str
    values: Mapping[str, Any] = field(default_factory=dict)
    event_id: int | None = None


# Writes the message of a spec's values in a worker (reading what it needs through `db`).
MailWriter = Callable[[DbSession, Mapping[str, Any]], OutgoingMail]


class MailNotWritten(ValueError):
    """What the message was to be written from is gone (say, the person's data was deleted): trying again
    writes nothing either."""


def queue_mail_spec(db: DbSession, spec: MailSpec, *, message_id: int | None = None) -> OutgoingMessage:
    """Writes the spec of a message in the current transaction; once it commits, the message goes to the
    task queue, whose worker writes it and sends it. `message_id`: an id reserved for it
    (app.db.reserve_ids)."""
    message = OutgoingMessage(
        id=message_id,
        event_id=spec.event_id,
        kind=spec.kind,
        recipient=one_line(spec.to),
        subject="",
        text="",
        spec=json.dumps({"writer": spec.writer, "values": dict(spec.values)}),
    )
    db.add(message)
    # No flush of its own: the row is inserted with the rest of the transaction, and its id is read once
    # committed (a round trip fewer while the caller may hold a lock).
    db.info.setdefault(_PENDING, []).append(message)
    return message


def deliver_through(engine: Engine, dispatch: Dispatch) -> None:
    """Messages committed through `engine` are handed to `dispatch` (a method of the task queue, which
    its owner keeps) right after, for as long as that queue exists."""
    _dispatchers[engine] = WeakMethod(dispatch)  # a bound method, as said


@event.listens_for(OrmSession, "after_commit")
def _hand_over_committed(session: OrmSession) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    ids = [item if isinstance(item, int) else _committed_id(item) for item in pending]
    bind = session.get_bind()
    reference = _dispatchers.get(bind) if isinstance(bind, Engine) else None
    dispatch = reference() if reference is not None else None
    if dispatch is None:
        return  # no queue in this process (a script): the sweep of the next worker hands them over
    try:
        dispatch(ids)
    except Exception:
        # The change and its messages are saved; the sweep hands them over when the queue is back.
        logger.exception("could not queue messages %s; the sweep will", ids)


def _committed_id(message: OutgoingMessage) -> int:
    # Its identity, which a commit keeps: reading `message.id` would load the expired row again.
    identity = inspect(message).identity
    assert identity is not None  # noqa: S101 - committed, so inserted
    return int(identity[0])


@event.listens_for(OrmSession, "after_rollback")
def _forget_rolled_back(session: OrmSession) -> None:
    session.info.pop(_PENDING, None)


# Delivery -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    status: MailStatus | None  # None: not this worker's to send (already sent, or taken by another)
    retry_in: timedelta | None = None


def retry_wait(attempts: int, first_wait: timedelta) -> timedelta:
    """After the n-th failed attempt: first_wait, then twice as long each time, an hour at most."""
    doubled: timedelta = first_wait * (1 << max(attempts - 1, 0))
    return min(doubled, LONGEST_RETRY_WAIT)


def deliver(
    engine: Engine,
    message_id: int,
    mailer: Mailer,
    *,
    max_attempts: int,
    first_wait: timedelta,
    now: Callable[[], datetime] = utcnow,
    writers: Mapping[str, MailWriter] | None = None,
) -> Delivery:
    """Sends one queued message (written first by one of `writers` when it was saved as a spec); two
    workers given the same message send it once."""
    claimed = _claim(engine, message_id, now())
    if claimed is None:
        return Delivery(None)
    mail, attempts = claimed
    try:
        if isinstance(mail, MailSpec):
            mail = _write(engine, message_id, mail, writers or {})
    except Exception as error:
        # Not written, not sent: tried again like a message the server did not take (the database may be
        # back by then); MailNotWritten fails it at once.
        logger.exception("message %s to %s could not be written", message_id, one_line(mail.to))
        return _not_sent(engine, message_id, mail.to, error, attempts, max_attempts, first_wait, now)
    try:
        mailer.send(mail)
    except (OSError, smtplib.SMTPException, ValueError) as error:
        return _not_sent(engine, message_id, mail.to, error, attempts, max_attempts, first_wait, now)
    _finish(engine, message_id, MailStatus.sent, now())
    return Delivery(MailStatus.sent)


def _not_sent(
    engine: Engine,
    message_id: int,
    to: str,
    error: Exception,
    attempts: int,
    max_attempts: int,
    first_wait: timedelta,
    now: Callable[[], datetime],
) -> Delivery:
    if is_permanent_refusal(error) or attempts >= max_attempts:
        _finish(engine, message_id, MailStatus.failed, now(), error=describe_error(error))
        logger.warning("message %s to %s failed: %s", message_id, one_line(to), describe_error(error))
        return Delivery(MailStatus.failed)
    wait = retry_wait(attempts, first_wait)
    _finish(engine, message_id, MailStatus.retrying, now(), error=describe_error(error), wait=wait)
    return Delivery(MailStatus.retrying, retry_in=wait)


def is_permanent_refusal(error: Exception) -> bool:
    """A 5xx answer (no such mailbox, rejected content) or a message that cannot be built: trying again
    would be refused the same way. Everything else (no connection, 4xx) may pass later."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _text in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    return isinstance(error, ValueError)


def describe_error(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{address}: {code} {_text(answer)}" for address, (code, answer) in error.recipients.items()
        )
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code} {_text(error.smtp_error)}"
    return f"{type(error).__name__}: {error}"


def _text(answer: bytes | str) -> str:
    return answer.decode("utf-8", "replace") if isinstance(answer, bytes) else answer


def _claim(engine: Engine, message_id: int, now: datetime) -> tuple[OutgoingMail | MailSpec, int] | None:
    with DbSession(engine) as db:
        taken = db.execute(
            update(OutgoingMessage)
            .where(
                col(OutgoingMessage.id) == message_id,
                col(OutgoingMessage.status).in_([MailStatus.queued, MailStatus.retrying]),
            )
            .values(status=MailStatus.sending, attempts=OutgoingMessage.attempts + 1, updated_at=now)
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            db.rollback()
            return None
        message = db.get(OutgoingMessage, message_id)
        assert message is not None  # noqa: S101 - just updated
        attempts = message.attempts
        if message.spec is not None:
            stored = json.loads(message.spec)
            spec = MailSpec(
                to=message.recipient,
                kind=message.kind,
                writer=stored["writer"],
                values=stored["values"],
                event_id=message.event_id,
            )
            db.commit()
            return spec, attempts
        attachments = db.exec(
            select(OutgoingAttachment)
            .where(OutgoingAttachment.message_id == message_id)
            .order_by(col(OutgoingAttachment.id))
        ).all()
        mail = OutgoingMail(
            to=message.recipient,
            subject=message.subject,
            text=message.text,
            html=message.html,
            attachments=tuple((a.filename, a.mime_type, a.content) for a in attachments),
            kind=message.kind,
            event_id=message.event_id,
        )
        db.commit()
    return mail, attempts


def _write(
    engine: Engine, message_id: int, spec: MailSpec, writers: Mapping[str, MailWriter]
) -> OutgoingMail:
    """Writes a claimed message from its spec and stores it as written, so that a retry (or a resend)
    sends the same message and the mail log shows it."""
    writer = writers.get(spec.writer)
    if writer is None:
        # Another worker (made with the site's routes) may write it: tried again, then failed.
        raise RuntimeError(f"no writer {spec.writer!r} for this message in this process")
    with DbSession(engine, expire_on_commit=False) as db:
        mail = writer(db, spec.values)
        begin_write_transaction(db)  # SQLite: the reads above end, the writer's lock is taken
        stored = db.execute(
            update(OutgoingMessage)
            .where(
                col(OutgoingMessage.id) == message_id,
                col(OutgoingMessage.status) == MailStatus.sending,
                col(OutgoingMessage.spec).is_not(None),
            )
            .values(
                recipient=one_line(mail.to),
                subject=one_line(mail.subject),
                text=mail.text,
                html=mail.html,
                spec=None,
            )
        )
        if stored.rowcount != 1:  # type: ignore[attr-defined]
            db.rollback()
            raise RuntimeError(f"message {message_id} was no longer this worker's to write")
        for filename, mime_type, content in mail.attachments:
            db.add(
                OutgoingAttachment(
                    message_id=message_id, filename=filename, mime_type=mime_type, content=content
                )
            )
        db.commit()
    return OutgoingMail(
        to=one_line(mail.to),
        subject=one_line(mail.subject),
        text=mail.text,
        html=mail.html,
        attachments=mail.attachments,
        kind=spec.kind,
        event_id=spec.event_id,
    )


def _finish(
    engine: Engine,
    message_id: int,
    status: MailStatus,
    now: datetime,
    *,
    error: str = "",
    wait: timedelta | None = None,
) -> None:
    values: dict[str, object] = {"status": status, "updated_at": now}
    if status is MailStatus.sent:
        values.update(sent_at=now, next_attempt_at=None)
    else:
        values.update(last_error=error[:2000], next_attempt_at=now + wait if wait else None)
    with DbSession(engine) as db:
        db.execute(
            update(OutgoingMessage)
            .where(col(OutgoingMessage.id) == message_id, col(OutgoingMessage.status) == MailStatus.sending)
            .values(**values)
        )
        db.commit()


# The sweep ----------------------------------------------------------------------------------------


def stranded_messages(db: DbSession, now: datetime) -> list[int]:
    """Messages no worker will send unless they are queued again: queued but never taken, taken by a
    worker that stopped while sending, or waiting for a retry that the queue no longer holds. Those
    "sending" are set back to "retrying" (and commit)."""
    interrupted = [
        message_id
        for message_id in db.exec(
            select(OutgoingMessage.id).where(
                col(OutgoingMessage.status) == MailStatus.sending,
                col(OutgoingMessage.updated_at) < now - SENDING_LEASE,
            )
        ).all()
        if message_id is not None
    ]
    if interrupted:
        db.execute(
            update(OutgoingMessage)
            .where(
                col(OutgoingMessage.id).in_(interrupted), col(OutgoingMessage.status) == MailStatus.sending
            )
            .values(status=MailStatus.retrying, next_attempt_at=now, last_error="interrupted while sending")
        )
    db.commit()
    left_behind = db.exec(
        select(OutgoingMessage.id).where(
            or_(
                (col(OutgoingMessage.status) == MailStatus.queued)
                & (col(OutgoingMessage.updated_at) < now - QUEUED_GRACE),
                (col(OutgoingMessage.status) == MailStatus.retrying)
                & (col(OutgoingMessage.next_attempt_at) < now - QUEUED_GRACE),
            )
        )
    ).all()
    return sorted({*interrupted, *(i for i in left_behind if i is not None)})


# The mail log -------------------------------------------------------------------------------------


# What the mail log calls each status and each kind of message; marked with N_() and translated
# where shown, in the reader's language.
MAIL_STATUS_LABELS: dict[MailStatus, str] = {
    MailStatus.queued: N_("Queued"),
    MailStatus.sending: N_("Sending"),
    MailStatus.sent: N_("Sent"),
    MailStatus.retrying: N_("Will be tried again"),
    MailStatus.failed: N_("Failed"),
}

# A message's kind is the email template it was written from (templates/emails/<kind>.txt).
MAIL_KIND_LABELS: dict[str, str] = {
    "accounts/invitation": N_("Organiser account invitation"),
    "accounts/password_reset": N_("Password reset"),
    "materials/reminder": N_("Reminder to upload slides"),
    "registration/registered": N_("Registration confirmation"),
    "registration/already_registered": N_("Already registered"),
    "registration/promoted": N_("Place from the waiting list"),
    "registration/session_promoted": N_("Seat in a session from the waiting list"),
    "registration/reminder": N_("Reminder before the event"),
    "registration/cancelled": N_("Registration cancelled by the attendee"),
    "registration/cancelled_by_organisers": N_("Registration cancelled by the organisers"),
    "registration/rejected": N_("Registration not accepted"),
    "registration/updated": N_("Registration changed by the organisers"),
    "registration/manage_link": N_("Personal link"),
    "registration/invitation": N_("Invitation to register"),
    "speakers/portal_link": N_("Speaker portal link"),
    "messaging/group": N_("Message to a group"),
    "programme/change_notice": N_("Programme change notice"),
    "messaging/test": N_("Test of a message to a group"),
}


def mail_status_label(status: MailStatus) -> str:
    return _(MAIL_STATUS_LABELS[status])


def mail_kind_label(kind: str) -> str:
    """The kind in words; a kind without a label (a template added later) shows as it is stored."""
    label = MAIL_KIND_LABELS.get(kind)
    return _(label) if label is not None else kind


@dataclass(frozen=True)
class MailLogPage:
    messages: list[OutgoingMessage]
    total: int
    counts: dict[MailStatus, int]


MAIL_LOG_PAGE_SIZE = 100


def mail_log(
    db: DbSession,
    event_id: int,
    *,
    status: MailStatus | None = None,
    recipient: str = "",
    group_message_id: int | None = None,
    offset: int = 0,
    limit: int = MAIL_LOG_PAGE_SIZE,
) -> MailLogPage:
    """The event's messages, newest first, filtered by status, by part of the recipient's address, and
    to the copies of one message to a group."""
    conditions: list[ColumnElement[bool]] = [col(OutgoingMessage.event_id) == event_id]
    if group_message_id is not None:
        conditions.append(col(OutgoingMessage.group_message_id) == group_message_id)
    if recipient.strip():
        conditions.append(col(OutgoingMessage.recipient).icontains(recipient.strip(), autoescape=True))
    counts = dict(
        db.exec(
            select(OutgoingMessage.status, func.count())
            .where(*conditions)
            .group_by(col(OutgoingMessage.status))
        ).all()
    )
    if status is not None:
        conditions.append(col(OutgoingMessage.status) == status)
    messages = db.exec(
        select(OutgoingMessage)
        .where(*conditions)
        .order_by(col(OutgoingMessage.id).desc())
        .offset(offset)
        .limit(limit)
    ).all()
    total = counts.get(status, 0) if status is not None else sum(counts.values())
    return MailLogPage(list(messages), total, {s: counts.get(s, 0) for s in MailStatus})


def resend(db: DbSession, event_id: int, message_ids: Sequence[int] | None = None) -> int:
    """Queues failed messages of the event again (the given ones, or all); returns how many. Commits."""
    conditions: list[ColumnElement[bool]] = [
        col(OutgoingMessage.event_id) == event_id,
        col(OutgoingMessage.status) == MailStatus.failed,
    ]
    if message_ids is not None:
        conditions.append(col(OutgoingMessage.id).in_(list(message_ids)))
    ids = [i for i in db.exec(select(OutgoingMessage.id).where(*conditions)).all() if i is not None]
    if ids:
        db.execute(
            update(OutgoingMessage)
            .where(col(OutgoingMessage.id).in_(ids))
            .values(status=MailStatus.queued, attempts=0, next_attempt_at=None, updated_at=utcnow())
        )
        db.info.setdefault(_PENDING, []).extend(ids)
    db.commit()
    return len(ids)


class NotResent(DomainError):
    """Only a failed message is queued again: any other was sent, or is still on its way."""


def resend_message(db: DbSession, message: OutgoingMessage) -> None:
    """Queues one failed message of an event again (commits); a message that has not failed is refused,
    since sending it again would reach its recipient twice."""
    if message.id is None or message.event_id is None or resend(db, message.event_id, [message.id]) == 0:
        db.refresh(message)
        raise NotResent(
            _("Only a failed message can be sent again; this one is: {status}.").format(
                status=mail_status_label(message.status)
            )
        )


def message_of_event(db: DbSession, event_id: int, message_id: int) -> OutgoingMessage | None:
    """One message of the event's mail log; None for a message of another event, or of none."""
    message = db.get(OutgoingMessage, message_id)
    return message if message is not None and message.event_id == event_id else None


@dataclass(frozen=True)
class AttachedFile:
    filename: str
    mime_type: str
    size: int


def attached_files(db: DbSession, message_id: int) -> list[AttachedFile]:
    """The files a message carries (a ticket, a calendar), without their content."""
    rows = db.exec(
        select(
            OutgoingAttachment.filename,
            OutgoingAttachment.mime_type,
            func.length(OutgoingAttachment.content),
        )
        .where(OutgoingAttachment.message_id == message_id)
        .order_by(col(OutgoingAttachment.id))
    ).all()
    return [AttachedFile(filename, mime_type, size or 0) for filename, mime_type, size in rows]


# Long runs of letters, digits and -_.= in a link are the secret of someone's personal link.
_SECRET = re.compile(r"[A-Za-z0-9_\-.=~]{20,}")
_LINK = re.compile(r"https?://[^\s<>\"']+")


def masked_links(text: str) -> str:
    """`text` with the secret part of every personal link hidden, for organisers reading the log:
    a manage, portal or calendar link opens someone's registration or speaker page."""

    def mask_link(link: re.Match[str]) -> str:
        scheme, _sep, rest = link.group(0).partition("://")
        host, slash, path = rest.partition("/")
        hidden = _SECRET.sub(lambda secret: secret.group(0)[:4] + "…", path)
        return f"{scheme}://{host}{slash}{hidden}"

    return _LINK.sub(mask_link, text)
