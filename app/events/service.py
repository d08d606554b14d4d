"""Creating, editing, publishing and deleting events, and giving them to organisers."""

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from app.accounts.models import User
from app.accounts.service import user_by_email
from app.db import DbSession, saved_id, utcnow
from app.errors import DomainError
from app.events.forms import EventForm
from app.events.models import Event, EventOrganiser, OrganiserRole
from app.i18n import _


class SlugTaken(DomainError):
    def __init__(self) -> None:
        super().__init__(_("Another event already uses this address; choose another."), field="slug")


def slug_is_free(db: DbSession, slug: str, *, except_event: Event | None = None) -> bool:
    existing = db.exec(select(Event.id).where(Event.slug == slug)).first()
    return existing is None or (except_event is not None and existing == except_event.id)


def create_event(db: DbSession, data: EventForm, creator: User) -> Event:
    """A new event starts as a draft, owned by the person who created it."""
    if not slug_is_free(db, data.slug):
        raise SlugTaken()
    event = Event(**data.model_dump(), is_published=False)
    db.add(event)
    try:
        db.flush()
        db.add(EventOrganiser(event_id=saved_id(event), user_id=saved_id(creator), role=OrganiserRole.owner))
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


class LastOwner(DomainError):
    def __init__(self) -> None:
        super().__init__(_("An event keeps at least one owner: make someone else owner first."), field="role")


def _organiser_link(db: DbSession, event: Event, user_id: int) -> EventOrganiser | None:
    return db.exec(
        select(EventOrganiser).where(EventOrganiser.event_id == event.id, EventOrganiser.user_id == user_id)
    ).first()


def _owner_count(db: DbSession, event: Event) -> int:
    statement = select(func.count()).where(
        EventOrganiser.event_id == event.id, EventOrganiser.role == OrganiserRole.owner
    )
    return db.exec(statement).one()


def add_organiser(
    db: DbSession, event: Event, email: str, role: OrganiserRole = OrganiserRole.organiser
) -> User:
    """Co-organisers need an account (an administrator invites them); adding them again sets the role."""
    user = user_by_email(db, email)
    if user is None or not user.is_active:
        raise DomainError(
            _("No account uses this email; ask an administrator to invite this person first."), field="email"
        )
    link = _organiser_link(db, event, saved_id(user))
    if link is None:
        db.add(EventOrganiser(event_id=saved_id(event), user_id=saved_id(user), role=role))
        db.commit()
    elif link.role != role:
        change_organiser_role(db, event, link.user_id, role)
    return user


def change_organiser_role(db: DbSession, event: Event, user_id: int, role: OrganiserRole) -> None:
    """A role changes at once; the last owner of an event cannot step down."""
    link = _organiser_link(db, event, user_id)
    if link is None or link.role == role:
        return
    if link.role == OrganiserRole.owner and _owner_count(db, event) <= 1:
        raise LastOwner()
    link.role = role
    db.add(link)
    db.commit()


def remove_organiser(db: DbSession, event: Event, user_id: int) -> None:
    """Removing takes the event away from that person; the last owner cannot be removed."""
    link = _organiser_link(db, event, user_id)
    if link is None:
        return
    if link.role == OrganiserRole.owner and _owner_count(db, event) <= 1:
        raise LastOwner()
    db.delete(link)
    db.commit()
