"""Creating, editing, publishing and deleting events, and giving them to organisers."""

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from app.accounts.models import User
from app.accounts.service import user_by_email
from app.db import DbSession, utcnow
from app.errors import DomainError
from app.events.forms import EventForm
from app.events.models import Event, EventOrganiser
from app.i18n import _


class SlugTaken(DomainError):
    def __init__(self) -> None:
        super().__init__(_("Another event already uses this address; choose another."), field="slug")


def slug_is_free(db: DbSession, slug: str, *, except_event: Event | None = None) -> bool:
    existing = db.exec(select(Event.id).where(Event.slug == slug)).first()
    return existing is None or (except_event is not None and existing == except_event.id)


def create_event(db: DbSession, data: EventForm, creator: User) -> Event:
    """A new event starts as a draft, managed by the person who created it."""
    if not slug_is_free(db, data.slug):
        raise SlugTaken()
    event = Event(**data.model_dump(), is_published=False)
    db.add(event)
    try:
        db.flush()
        db.add(EventOrganiser(event_id=event.id, user_id=creator.id))
        db.commit()
    except IntegrityError as error:
        db.rollback()
        raise SlugTaken() from error
    db.refresh(event)
    return event


def update_event(db: DbSession, event: Event, data: EventForm) -> Event:
    """Editing keeps the programme; sessions keep their times even if the dates change."""
    if not slug_is_free(db, data.slug, except_event=event):
        raise SlugTaken()
    for name, value in data.model_dump().items():
        setattr(event, name, value)
    event.updated_at = utcnow()
    db.add(event)
    try:
        db.commit()
    except IntegrityError as error:
        db.rollback()
        raise SlugTaken() from error
    db.refresh(event)
    return event


def set_published(db: DbSession, event: Event, published: bool) -> Event:
    """Publishing shows the event by its visibility; unpublishing hides it again without losing anything."""
    event.is_published = published
    event.updated_at = utcnow()
    db.add(event)
    db.commit()
    db.refresh(event)
    return event


def delete_event(db: DbSession, event: Event) -> None:
    """Deleting an event deletes its rooms, tracks, sessions, talks and speakers with it."""
    db.delete(event)
    db.commit()


def add_organiser(db: DbSession, event: Event, email: str) -> User:
    """Organisers must already have an account (an admin creates it)."""
    user = user_by_email(db, email)
    if user is None:
        raise DomainError(
            _("No account uses this email; ask an administrator to create it first."), field="email"
        )
    existing = db.exec(
        select(EventOrganiser).where(EventOrganiser.event_id == event.id, EventOrganiser.user_id == user.id)
    ).first()
    if existing is None:
        db.add(EventOrganiser(event_id=event.id, user_id=user.id))
        db.commit()
    return user


def remove_organiser(db: DbSession, event: Event, user_id: int) -> None:
    link = db.exec(
        select(EventOrganiser).where(EventOrganiser.event_id == event.id, EventOrganiser.user_id == user_id)
    ).first()
    if link is not None:
        db.delete(link)
        db.commit()
