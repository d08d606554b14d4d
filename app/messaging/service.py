"""Writing to a group: checking a draft, previewing it for a real recipient, a test to oneself, and
sending it, each recipient's copy written by a worker in batches that the organiser can stop.

Each copy is an `outgoing_message` of the group message, written with `queue_mail` like every email of
the site: the copies written are the progress, and a worker handed the same message twice writes only
to the people who have none yet.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, update
from sqlmodel import col, select

from app.accounts.models import User
from app.db import DbSession, begin_write_transaction, utcnow
from app.errors import InvalidInput
from app.events.models import Event
from app.feedback.service import feedback_requests
from app.i18n import _, speaking
from app.mail import render_mail
from app.messaging import placeholders
from app.messaging.audiences import PLACEHOLDERS, Recipient, audience_recipients, placeholders_for
from app.messaging.models import Audience, GroupMessage, GroupMessageStatus
from app.outbox.models import MailStatus, OutgoingMessage
from app.outbox.service import queue_mail
from app.programme.models import Session
from app.registration.attendee_programme import stream_links
from app.registration.links import Links
from app.registration.notifications import local_moment
from app.site import PathTemplates, SiteUrls
from app.speakers.links import PortalLinks, ensure_portal_secret

# Copies written per transaction: short enough that a "Stop" waits little, long enough to move on.
BATCH_SIZE = 200
# The routes a copy links to, with their path parameters: a worker builds the links from these paths.
LINKED_ROUTES: dict[str, tuple[str, ...]] = {
    "registration_manage_page": ("token",),
    "registration_calendar": ("calendar_secret",),
    "speaker_portal_page": ("token",),
    "session_join_page": ("token",),
    "feedback_link_page": ("token",),
}


@dataclass(frozen=True)
class MessageLinks:
    registration: Links
    portal: PortalLinks

    @classmethod
    def of(cls, urls: SiteUrls, secret_key: str) -> "MessageLinks":
        return cls(Links(urls, secret_key), PortalLinks(urls, secret_key))

    @classmethod
    def from_paths(cls, base_url: str, paths: Mapping[str, str], secret_key: str) -> "MessageLinks":
        """In a worker, which has no app: from the paths the request that queued the message took."""
        return cls.of(SiteUrls(base_url, PathTemplates(paths)), secret_key)


def link_paths(urls: SiteUrls) -> dict[str, str]:
    """The paths a worker needs to write the links of the copies (handed over with the task)."""
    return dict(PathTemplates.of(urls.router, LINKED_ROUTES).paths)


@dataclass(frozen=True)
class Draft:
    audience: Audience
    subject: str
    body: str
    session_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class CheckedDraft:
    draft: Draft
    subject: placeholders.Pieces
    body: placeholders.Pieces
    recipients: list[Recipient]


@dataclass(frozen=True)
class Rendered:
    recipient: Recipient
    subject: str
    text: str


@dataclass(frozen=True)
class Preview:
    count: int
    rendered: Rendered


def event_sessions(db: DbSession, event: Event) -> list[Session]:
    """The sessions whose registrants can be written to, in time order."""
    return list(
        db.exec(
            select(Session)
            .where(Session.event_id == event.id)
            .order_by(col(Session.start_at), col(Session.id))
        ).all()
    )


def check_draft(db: DbSession, event: Event, draft: Draft) -> CheckedDraft:
    """A draft is sent only with placeholders its audience has, sessions of this event when it is for
    their registrants, and at least one person to write to."""
    allowed = placeholders_for(draft.audience)
    subject = placeholders.parse_placeholders(draft.subject, allowed, "subject", everywhere=PLACEHOLDERS)
    body = placeholders.parse_placeholders(draft.body, allowed, "body", everywhere=PLACEHOLDERS)
    session_ids: tuple[int, ...] = ()
    if draft.audience == Audience.session_registrants:
        known = {session.id for session in event_sessions(db, event)}
        session_ids = tuple(dict.fromkeys(i for i in draft.session_ids if i in known))
        if not session_ids:
            raise InvalidInput(_("Choose at least one session of this event."), field="session_ids")
    draft = Draft(draft.audience, draft.subject, draft.body, session_ids)
    recipients = audience_recipients(db, event, draft.audience, session_ids)
    if not recipients:
        raise InvalidInput(_("Nobody in this audience has an email address."), field="audience")
    return CheckedDraft(draft, subject, body, recipients)


def _join_links(db: DbSession, event: Event, recipient: Recipient, links: Links) -> str:
    if recipient.registration is None:
        return ""
    return "\n".join(
        f"{link.session.title} ({local_moment(link.session.start_at, event)}): {link.url}"
        for link in stream_links(db, event, recipient.registration, links)
    )


def _feedback_links(db: DbSession, event: Event, recipient: Recipient, links: Links) -> str:
    # The sessions ended by the time this copy is written: a follow-up sent after the event has them all.
    if recipient.registration is None:
        return ""
    requests = feedback_requests(db, event, recipient.registration, links.urls, links.secret_key, utcnow())
    return "\n".join(f"{request.session.title}: {request.url}" for request in requests)


def _values(
    db: DbSession, event: Event, recipient: Recipient, needed: set[str], links: MessageLinks
) -> dict[str, str]:
    """The recipient's own values, for the placeholders the message uses (a speaker who never had a
    portal link gets one: the caller saves it or not)."""
    values = {"name": recipient.name}
    registration, speaker = recipient.registration, recipient.speaker
    if registration is not None:
        if "manage_link" in needed:
            values["manage_link"] = links.registration.manage_url(registration)
        if "calendar_link" in needed:
            values["calendar_link"] = links.registration.calendar_url(registration)
        if "join_links" in needed:
            values["join_links"] = _join_links(db, event, recipient, links.registration)
        if "feedback_links" in needed:
            values["feedback_links"] = _feedback_links(db, event, recipient, links.registration)
    if speaker is not None and "portal_link" in needed:
        ensure_portal_secret(speaker)
        db.add(speaker)
        values["portal_link"] = links.portal.url(speaker)
    return values


def render_for(
    db: DbSession, event: Event, checked: CheckedDraft, recipient: Recipient, links: MessageLinks
) -> Rendered:
    """The message as this recipient reads it: their name and their links, nobody else's."""
    values = _values(
        db, event, recipient, placeholders.used(checked.subject) | placeholders.used(checked.body), links
    )
    return Rendered(
        recipient, placeholders.fill(checked.subject, values), placeholders.fill(checked.body, values)
    )


def preview_message(db: DbSession, event: Event, draft: Draft, links: MessageLinks) -> Preview:
    """The message as the audience's first person will read it, and how many people it goes to; nothing
    is saved."""
    checked = check_draft(db, event, draft)
    try:
        return Preview(len(checked.recipients), render_for(db, event, checked, checked.recipients[0], links))
    finally:
        db.rollback()  # a portal secret made only to show a link is not kept


def send_test_message(db: DbSession, event: Event, draft: Draft, user: User, links: MessageLinks) -> Preview:
    """Sends the organiser, to their own address, the message as the audience's first person will read
    it (their links work: a test is a real message), its subject marked as a test."""
    checked = check_draft(db, event, draft)
    begin_write_transaction(db)
    rendered = render_for(db, event, checked, checked.recipients[0], links)
    person = rendered.recipient
    context = {"subject": rendered.subject, "text": rendered.text, "name": person.name, "email": person.email}
    queue_mail(db, render_mail("messaging/test.txt", context, to=user.email, event_id=event.id))
    db.commit()
    return Preview(len(checked.recipients), rendered)


def start_group_message(
    db: DbSession,
    event: Event,
    author: User,
    draft: Draft,
    *,
    now: datetime,
    hand_over: Callable[[int], object],
) -> GroupMessage:
    """Saves the message to the group and hands it to a worker, which writes everyone's copy."""
    checked = check_draft(db, event, draft)
    begin_write_transaction(db)
    message = GroupMessage(
        event_id=event.id or 0,
        author_id=author.id,
        audience=checked.draft.audience,
        session_ids=",".join(str(i) for i in checked.draft.session_ids),
        subject=draft.subject,
        body=draft.body,
        status=GroupMessageStatus.sending,
        total_recipients=len(checked.recipients),
        created_at=now,
        started_at=now,
    )
    db.add(message)
    db.commit()
    db.refresh(message)
    hand_over(message.id or 0)
    return message


def stop_group_message(db: DbSession, message: GroupMessage, *, now: datetime) -> GroupMessage:
    """No more copies are written once the batch being written is saved; those written are delivered.
    A message already sent or stopped stays as it is."""
    begin_write_transaction(db)
    db.execute(
        update(GroupMessage)
        .where(col(GroupMessage.id) == message.id, col(GroupMessage.status) == GroupMessageStatus.sending)
        .values(status=GroupMessageStatus.stopped, finished_at=now)
    )
    db.commit()
    db.refresh(message)
    return message


# The worker's side ---------------------------------------------------------------------------------


def _lock(db: DbSession, message_id: int) -> GroupMessage | None:
    """The message, its row locked until the batch commits: two workers never write the same batch."""
    begin_write_transaction(db)  # SQLite: one writer at a time
    statement = select(GroupMessage).where(GroupMessage.id == message_id)
    if db.get_bind().dialect.name != "sqlite":
        statement = statement.with_for_update()
    return db.exec(statement.execution_options(populate_existing=True)).first()


def _already_written(db: DbSession, message_id: int, people: Sequence[Recipient]) -> set[str]:
    addresses = [person.email.strip().lower() for person in people]
    return {
        address.lower()
        for address in db.exec(
            select(OutgoingMessage.recipient).where(
                OutgoingMessage.group_message_id == message_id,
                func.lower(OutgoingMessage.recipient).in_(addresses),
            )
        ).all()
    }


def write_next_batch(
    db: DbSession,
    message_id: int,
    links: MessageLinks,
    *,
    batch_size: int = BATCH_SIZE,
    plan: list[Recipient] | None = None,
) -> bool:
    """Writes the copies of up to `batch_size` people who have none yet (commits); False when there is
    nothing more to write: all written (the message is then sent), stopped, or gone.

    `plan` carries a worker's list of the people still to write from one batch to the next: the audience
    is read whole only on the first batch and on the last (which finds anyone who joined meanwhile), not
    on every batch, and each batch asks only about its own people whether another worker wrote to them.
    """
    message = _lock(db, message_id)
    if message is None or message.status != GroupMessageStatus.sending:
        db.rollback()
        return False
    event = db.get(Event, message.event_id)
    assert event is not None  # noqa: S101 - the message goes with its event
    draft = Draft(message.audience, message.subject, message.body, tuple(message.chosen_session_ids))
    allowed = placeholders_for(draft.audience)
    checked = CheckedDraft(
        draft,
        placeholders.parse_placeholders(draft.subject, allowed, "subject", everywhere=PLACEHOLDERS),
        placeholders.parse_placeholders(draft.body, allowed, "body", everywhere=PLACEHOLDERS),
        [],
    )
    if plan:
        candidates = plan[:batch_size]
        del plan[:batch_size]
        written = _already_written(db, message_id, candidates)
        batch = [person for person in candidates if person.email.strip().lower() not in written]
        more = True  # the last batch reads the whole audience again
    else:
        written = {
            address.lower()
            for address in db.exec(
                select(OutgoingMessage.recipient).where(OutgoingMessage.group_message_id == message_id)
            ).all()
        }
        waiting = [
            person
            for person in audience_recipients(db, event, draft.audience, draft.session_ids)
            if person.email.strip().lower() not in written
        ]
        batch = waiting[:batch_size]
        more = len(waiting) > batch_size
        if plan is not None:
            plan.extend(waiting[batch_size:])
    for person in batch:
        # The organiser's words are as written; what the site fills in (dates) is in the person's language.
        with speaking(person.language):
            rendered = render_for(db, event, checked, person, links)
            mail = render_mail(
                "messaging/group.txt",
                {"subject": rendered.subject, "text": rendered.text},
                to=person.email.strip(),
                event_id=event.id,
            )
        queue_mail(db, replace(mail, group_message_id=message_id))
    if not more:
        message.status = GroupMessageStatus.sent
        message.finished_at = utcnow()
        # People who joined the audience while it was being sent got it too.
        message.total_recipients = len(written) + len(batch)
        db.add(message)
    db.commit()
    return more


def write_group_message(
    engine: Engine, message_id: int, links: MessageLinks, *, batch_size: int = BATCH_SIZE
) -> int:
    """Writes every copy still to write, a batch per transaction, checking between batches whether the
    organiser stopped it; returns the number of batches written."""
    batches = 0
    more = True
    plan: list[Recipient] = []
    while more:
        with DbSession(engine, expire_on_commit=False) as db:
            more = write_next_batch(db, message_id, links, batch_size=batch_size, plan=plan)
        batches += 1
    return batches


# Reading -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    total: int
    written: int
    sent: int
    failed: int


def _progress_of(db: DbSession, message_ids: Sequence[int]) -> dict[int, dict[MailStatus, int]]:
    counts: dict[int, dict[MailStatus, int]] = {i: {} for i in message_ids}
    if message_ids:
        rows = db.exec(
            select(OutgoingMessage.group_message_id, OutgoingMessage.status, func.count())
            .where(col(OutgoingMessage.group_message_id).in_(list(message_ids)))
            .group_by(col(OutgoingMessage.group_message_id), col(OutgoingMessage.status))
        ).all()
        for message_id, status, count in rows:
            if message_id is not None:
                counts[message_id][MailStatus(status)] = count
    return counts


def _progress(message: GroupMessage, counts: dict[MailStatus, int]) -> Progress:
    return Progress(
        total=message.total_recipients,
        written=sum(counts.values()),
        sent=counts.get(MailStatus.sent, 0),
        failed=counts.get(MailStatus.failed, 0),
    )


def group_message_progress(db: DbSession, message: GroupMessage) -> Progress:
    """Copies written, sent and failed (from the mail log) out of the audience's size."""
    return _progress(message, _progress_of(db, [message.id or 0])[message.id or 0])


def group_messages_of(db: DbSession, event: Event) -> list[tuple[GroupMessage, Progress]]:
    """The event's messages to groups, newest first, each with its progress (one query for all)."""
    messages = list(
        db.exec(
            select(GroupMessage)
            .where(GroupMessage.event_id == event.id)
            .order_by(col(GroupMessage.id).desc())
        ).all()
    )
    counts = _progress_of(db, [m.id or 0 for m in messages])
    return [(message, _progress(message, counts[message.id or 0])) for message in messages]


def group_message_in_event(db: DbSession, event: Event, message_id: int) -> GroupMessage | None:
    message = db.get(GroupMessage, message_id)
    return message if message is not None and message.event_id == event.id else None


# A message being written commits a batch every second or so; this long without a copy written, the worker
# that had it is gone (stopped, or its retries spent while the database was away).
STALLED_AFTER = timedelta(minutes=5)


def stalled_group_messages(db: DbSession, now: datetime, quiet: timedelta = STALLED_AFTER) -> list[int]:
    """Messages still "sending" with no copy written for `quiet`: a worker hands them over again, and it
    writes only to the people who have no copy yet."""
    stalled = []
    for message in db.exec(select(GroupMessage).where(GroupMessage.status == GroupMessageStatus.sending)):
        last_copy = db.exec(
            select(func.max(OutgoingMessage.created_at)).where(OutgoingMessage.group_message_id == message.id)
        ).one()
        if (last_copy or message.started_at or now) <= now - quiet:
            stalled.append(message.id or 0)
    return stalled
