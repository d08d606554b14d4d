"""Organisers add, edit and remove the speakers of an event."""

from sqlalchemy import func
from sqlmodel import select

from app.db import DbSession, saved_id
from app.errors import DomainError
from app.events.models import Event
from app.i18n import _
from app.speakers.forms import SpeakerForm
from app.speakers.models import Speaker


def check_speaker_email_free(db: DbSession, event: Event, email: str | None, own_id: int | None) -> None:
    if email is None:
        return
    statement = select(Speaker.id).where(
        Speaker.event_id == event.id, func.lower(Speaker.email) == email.lower()
    )
    existing = db.exec(statement).first()
    if existing is not None and existing != own_id:
        raise DomainError(_("Another speaker of this event already uses this email."), field="email")


def create_speaker(db: DbSession, event: Event, data: SpeakerForm) -> Speaker:
    """A speaker belongs to one event; the email (private) links the same person across events."""
    check_speaker_email_free(db, event, data.email, None)
    speaker = Speaker(event_id=saved_id(event), **data.model_dump())
    db.add(speaker)
    db.commit()
    db.refresh(speaker)
    return speaker


def update_speaker(db: DbSession, event: Event, speaker: Speaker, data: SpeakerForm) -> Speaker:
    """Editing a speaker keeps their roles in sessions and talks."""
    check_speaker_email_free(db, event, data.email, speaker.id)
    for name, value in data.model_dump().items():
        setattr(speaker, name, value)
    db.add(speaker)
    db.commit()
    db.refresh(speaker)
    return speaker


def delete_speaker(db: DbSession, speaker: Speaker) -> None:
    """Deleting a speaker takes them off every session and talk; the sessions stay."""
    # The database removes their roles with them (ON DELETE CASCADE on session_role.speaker_id).
    db.delete(speaker)
    db.commit()
