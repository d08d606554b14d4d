"""Change notices at release: each registrant whose chosen sessions moved, changed room or were cancelled,
and each speaker whose session changed, gets one message listing only their own changes; nobody else
gets anything. Written by a worker once per release (app.tasks), unless the event turned them off."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlmodel import col, select

from app.db import DbSession
from app.events.models import Event
from app.i18n import N_, _, speaking
from app.mail import OutgoingMail, render_mail
from app.outbox.service import queue_mail
from app.programme.changelog import ChangeKind, SessionChange, changes_from_json
from app.programme.models import Release, SessionRole
from app.registration.models import ACTIVE_STATUSES, Registration, SessionChoice
from app.registration.notifications import local_moment
from app.registration.service import ERASED_EMAIL_DOMAIN
from app.speakers.models import Speaker

CHANGE_NOTICE_TEMPLATE = "programme/change_notice.txt"

# What else changed of a speaker's session, in their words.
DETAIL_LABELS: dict[str, str] = {
    "title": N_("title"),
    "description": N_("description"),
    "kind": N_("kind of session"),
    "track": N_("track"),
    "talks": N_("talks"),
    "roles": N_("who is on stage"),
}


@dataclass(frozen=True)
class NoticeLinks:
    programme_url: str
    # The session page's address without its id.
    session_url_prefix: str


@dataclass
class _Recipient:
    name: str
    language: str
    changes: dict[int, SessionChange] = field(default_factory=dict)


def affects_attendees(change: SessionChange) -> bool:
    """What an attendee must hear of: their session is gone, or is at another time or place."""
    return change.kind in (ChangeKind.cancelled, ChangeKind.withdrawn) or (
        change.kind == ChangeKind.changed and (change.is_moved or _room_changed(change))
    )


def _room_changed(change: SessionChange) -> bool:
    # A moved session records its old room too, changed or not.
    return change.old_room is not None and change.old_room != change.room


def affects_speakers(change: SessionChange) -> bool:
    return change.kind != ChangeKind.added


def change_notices(db: DbSession, event: Event, release: Release, links: NoticeLinks) -> list[OutgoingMail]:
    """One message per person concerned by `release`, in the event's time zone, oldest session first."""
    changes = changes_from_json(release.changes)
    for_attendees = {change.session_id: change for change in changes if affects_attendees(change)}
    for_speakers = {change.session_id: change for change in changes if affects_speakers(change)}
    recipients: dict[str, _Recipient] = {}
    for registration, session_id in _registrants_of(db, event, for_attendees):
        person = recipients.setdefault(
            registration.email, _Recipient(registration.name, registration.language)
        )
        person.changes[session_id] = for_attendees[session_id]
    for speaker, session_id in _speakers_of(db, for_speakers):
        person = recipients.setdefault(
            (speaker.email or "").lower(), _Recipient(speaker.name, speaker.language)
        )
        person.changes[session_id] = for_speakers[session_id]
    return [
        _notice(event, release, email, person, links)
        for email, person in sorted(recipients.items())
        if email and not email.endswith(ERASED_EMAIL_DOMAIN)
    ]


def queue_change_notices(db: DbSession, release_id: int, links: NoticeLinks) -> int:
    """Writes the release's notices to the mail log (nothing when the event turned them off); commits."""
    release = db.get(Release, release_id)
    event = db.get(Event, release.event_id) if release is not None else None
    if release is None or event is None or not event.change_notices:
        return 0
    notices = change_notices(db, event, release, links)
    for notice in notices:
        queue_mail(db, notice)
    db.commit()
    return len(notices)


def _registrants_of(
    db: DbSession, event: Event, changes: dict[int, SessionChange]
) -> Iterable[tuple[Registration, int]]:
    if not changes:
        return []
    return db.exec(
        select(Registration, SessionChoice.session_id)
        .join(SessionChoice, col(SessionChoice.registration_id) == Registration.id)
        .where(
            Registration.event_id == event.id,
            col(Registration.status).in_(ACTIVE_STATUSES),
            col(SessionChoice.session_id).in_(list(changes)),
        )
        .order_by(col(Registration.id))
    ).all()


def _speakers_of(db: DbSession, changes: dict[int, SessionChange]) -> Iterable[tuple[Speaker, int]]:
    if not changes:
        return []
    return db.exec(
        select(Speaker, SessionRole.session_id)
        .join(SessionRole, col(SessionRole.speaker_id) == Speaker.id)
        .where(col(SessionRole.session_id).in_(list(changes)), col(Speaker.email).is_not(None))
        .distinct()
    ).all()


def _notice(
    event: Event, release: Release, email: str, person: _Recipient, links: NoticeLinks
) -> OutgoingMail:
    with speaking(person.language):
        return _compose_notice(event, release, email, person, links)


def _compose_notice(
    event: Event, release: Release, email: str, person: _Recipient, links: NoticeLinks
) -> OutgoingMail:
    lines = []
    for change in sorted(person.changes.values(), key=lambda c: (c.old_start_at or c.start_at, c.title)):
        gone = change.kind in (ChangeKind.cancelled, ChangeKind.withdrawn)
        lines.append(
            {
                "title": change.title,
                "cancelled": gone,
                "when": local_moment(change.start_at, event),
                "old_when": local_moment(change.old_start_at, event)
                if change.old_start_at
                else (local_moment(change.start_at, event) if gone else None),
                "room": change.room,
                "old_room": change.old_room if _room_changed(change) else None,
                "other": ", ".join(_(DETAIL_LABELS[d]) for d in change.details if d in DETAIL_LABELS),
                "url": f"{links.session_url_prefix}{change.session_id}",
            }
        )
    context = {
        "name": person.name,
        "title": event.title,
        "version": release.number,
        "changes": lines,
        "programme_url": links.programme_url,
        "note": release.note,
    }
    return render_mail(CHANGE_NOTICE_TEMPLATE, context, to=email, event_id=event.id)
