"""How big a programme is: sessions (and how many cancelled), rooms, tracks and speakers.

Counted in the database for the draft (the event pages), or from a programme's data for a released version.
"""

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from app.db import DbSession
from app.events.models import Event
from app.programme.models import (
    Room,
    Session,
    Track,
)
from app.programme.snapshot import ProgrammeData
from app.speakers.models import Speaker


@dataclass(frozen=True)
class EventOverview:
    sessions: int
    cancelled: int
    rooms: int
    tracks: int
    speakers: int


def event_overview(db: DbSession, event: Event) -> EventOverview:
    def count(statement: SelectOfScalar[int]) -> int:
        return int(db.exec(statement).one())

    return EventOverview(
        sessions=count(select(func.count()).select_from(Session).where(Session.event_id == event.id)),
        cancelled=count(
            select(func.count())
            .select_from(Session)
            .where(Session.event_id == event.id, col(Session.is_cancelled).is_(True))
        ),
        rooms=count(select(func.count()).select_from(Room).where(Room.event_id == event.id)),
        tracks=count(select(func.count()).select_from(Track).where(Track.event_id == event.id)),
        speakers=count(select(func.count()).select_from(Speaker).where(Speaker.event_id == event.id)),
    )


def programme_overview(data: "ProgrammeData") -> EventOverview:
    """The same counts for a programme's data: what the public sees of a released version."""
    return EventOverview(
        sessions=len(data.sessions),
        cancelled=sum(session.is_cancelled for session in data.sessions),
        rooms=len(data.rooms),
        tracks=len(data.tracks),
        speakers=len(data.speakers),
    )
