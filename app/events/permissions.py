"""Who may see and manage an event: plain predicates shared by dependencies and templates.

Roles, from most to least: administrators (every event), owners (everything of their event, including
who else organises it and deleting it), organisers (the programme, speakers and registrations) and
check-in staff (the door check-in pages only).
"""

from typing import Protocol

from sqlmodel import col, select

from app.accounts.models import User
from app.db import DbSession
from app.events.models import Event, EventOrganiser, OrganiserRole, Visibility

MANAGING_ROLES = frozenset({OrganiserRole.owner, OrganiserRole.organiser})


def role_in_event(db: DbSession, user: User | None, event: Event) -> OrganiserRole | None:
    """The user's own role in the event (None for administrators who were not given it)."""
    if user is None or not user.is_active:
        return None
    statement = select(col(EventOrganiser.role)).where(
        EventOrganiser.event_id == event.id, EventOrganiser.user_id == user.id
    )
    return db.exec(statement).first()


def effective_role(db: DbSession, user: User | None, event: Event) -> OrganiserRole | None:
    """What the user may do in the event: administrators count as owners of every event."""
    if user is None or not user.is_active:
        return None
    if user.is_admin:
        return OrganiserRole.owner
    return role_in_event(db, user, event)


def is_organiser_of(db: DbSession, user: User, event: Event) -> bool:
    return role_in_event(db, user, event) is not None


def can_manage_event(db: DbSession, user: User | None, event: Event) -> bool:
    """Admins manage every event; owners and organiser only the events they were given."""
    return effective_role(db, user, event) in MANAGING_ROLES


def can_check_in(db: DbSession, user: User | None, event: Event) -> bool:
    """Everyone given the event, check-in staff included, may check attendees in at the door."""
    return effective_role(db, user, event) is not None


def can_own_event(db: DbSession, user: User | None, event: Event) -> bool:
    """Only owners and admins choose who organises an event, and may delete it."""
    return effective_role(db, user, event) == OrganiserRole.owner


def can_create_events(user: User | None) -> bool:
    return user is not None and user.is_active


class Publication(Protocol):
    """What says whether an event is open by its link: an Event, or those two columns read without it."""

    @property
    def is_published(self) -> bool: ...

    @property
    def visibility(self) -> Visibility: ...


def is_publicly_viewable(event: Publication) -> bool:
    """Published public and unlisted events open by their link; drafts and invitation-only events do not."""
    return event.is_published and event.visibility in (Visibility.public, Visibility.unlisted)


def is_listed(event: Event) -> bool:
    return event.is_published and event.visibility == Visibility.public
