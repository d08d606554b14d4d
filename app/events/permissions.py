"""Who may see and manage an event: plain predicates shared by dependencies and templates."""

from sqlmodel import select

from app.accounts.models import User
from app.db import DbSession
from app.events.models import Event, EventOrganiser, Visibility


def is_organiser_of(db: DbSession, user: User, event: Event) -> bool:
    statement = select(EventOrganiser.id).where(
        EventOrganiser.event_id == event.id, EventOrganiser.user_id == user.id
    )
    return db.exec(statement).first() is not None


def can_manage_event(db: DbSession, user: User | None, event: Event) -> bool:
    """Admins manage every event; organisers only the events they were given."""
    if user is None or not user.is_active:
        return False
    return user.is_admin or is_organiser_of(db, user, event)


def can_create_events(user: User | None) -> bool:
    return user is not None and user.is_active


def is_publicly_viewable(event: Event) -> bool:
    """Published public and unlisted events open by their link; drafts and invitation-only events do not."""
    return event.is_published and event.visibility in (Visibility.public, Visibility.unlisted)


def is_listed(event: Event) -> bool:
    return event.is_published and event.visibility == Visibility.public
