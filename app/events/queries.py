from dataclasses import dataclass
from datetime import date

from sqlalchemy import bindparam
from sqlmodel import col, select

from app.accounts.models import User
from app.db import DbSession
from app.events.models import Event, EventOrganiser, OrganiserRole, Visibility


@dataclass(frozen=True)
class EventListing:
    upcoming: list[Event]
    past: list[Event]


def listed_events(db: DbSession, today: date) -> EventListing:
    """Published public events: upcoming soonest first, past most recent first."""
    events = db.exec(
        select(Event)
        .where(col(Event.is_published).is_(True), Event.visibility == Visibility.public)
        .order_by(col(Event.start_date))
    ).all()
    upcoming = [event for event in events if event.end_date >= today]
    past = sorted(
        (event for event in events if event.end_date < today), key=lambda e: e.start_date, reverse=True
    )
    return EventListing(upcoming=upcoming, past=past)


_EVENT_BY_SLUG = select(Event).where(Event.slug == bindparam("slug"))


def event_by_slug(db: DbSession, slug: str) -> Event | None:
    # Built once: nearly every page starts here.
    return db.exec(_EVENT_BY_SLUG, params={"slug": slug}).first()


def managed_events(db: DbSession, user: User) -> list[Event]:
    statement = select(Event).order_by(col(Event.start_date).desc())
    if not user.is_admin:
        statement = statement.join(EventOrganiser, col(EventOrganiser.event_id) == Event.id).where(
            EventOrganiser.user_id == user.id
        )
    return list(db.exec(statement).all())


@dataclass(frozen=True)
class OrganiserEntry:
    user: User
    role: OrganiserRole


def organisers_of(db: DbSession, event: Event) -> list[OrganiserEntry]:
    rows = db.exec(
        select(User, col(EventOrganiser.role))
        .join(EventOrganiser, col(EventOrganiser.user_id) == User.id)
        .where(EventOrganiser.event_id == event.id)
        .order_by(col(User.email))
    ).all()
    return [OrganiserEntry(user=user, role=role) for user, role in rows]


@dataclass(frozen=True)
class EventWithRole:
    event: Event
    role: OrganiserRole


def events_of(db: DbSession, user: User) -> list[EventWithRole]:
    """The events the user was given, with their role in each (for their account page)."""
    rows = db.exec(
        select(Event, col(EventOrganiser.role))
        .join(EventOrganiser, col(EventOrganiser.event_id) == Event.id)
        .where(EventOrganiser.user_id == user.id)
        .order_by(col(Event.start_date).desc())
    ).all()
    return [EventWithRole(event=event, role=role) for event, role in rows]


def roles_in_events(db: DbSession, user: User) -> dict[int, OrganiserRole]:
    rows = db.exec(
        select(col(EventOrganiser.event_id), col(EventOrganiser.role)).where(
            EventOrganiser.user_id == user.id
        )
    ).all()
    return dict(rows)
