"""Read-only JSON for public events."""

from datetime import date, datetime

from fastapi import APIRouter
from pydantic import BaseModel

from app.events.access import PublicEvent
from app.events.models import AttendanceMode, Event, EventKind, Visibility
from app.events.queries import listed_events
from app.web import Db

router = APIRouter(prefix="/api", tags=["events"])


class EventPublic(BaseModel):
    slug: str
    title: str
    kind: EventKind
    start_date: date
    end_date: date
    timezone: str
    venue: str
    attendance_mode: AttendanceMode
    visibility: Visibility
    description: str
    updated_at: datetime

    @classmethod
    def of(cls, event: Event) -> "EventPublic":
        return cls.model_validate(event, from_attributes=True)


class EventListPublic(BaseModel):
    upcoming: list[EventPublic]
    past: list[EventPublic]


@router.get("/events", response_model=EventListPublic)
def api_events(db: Db) -> EventListPublic:
    """Published public events, upcoming soonest first and past most recent first."""
    listing = listed_events(db, date.today())  # noqa: DTZ011
    return EventListPublic(
        upcoming=[EventPublic.of(e) for e in listing.upcoming], past=[EventPublic.of(e) for e in listing.past]
    )


@router.get("/events/{slug}", response_model=EventPublic)
def api_event(event: PublicEvent) -> EventPublic:
    """One event by its slug; drafts and invitation-only events answer 404."""
    return EventPublic.of(event)
