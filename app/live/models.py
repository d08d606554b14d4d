"""Who attended each session: online attendees' first join through their personal link, and people checked
in at a session's door; and the rooms running late, as their stage managers said, through their stage links.

One row per registration and session in each table, whatever the number of clicks or scans: the unique
constraint is what makes "the first one" hold under concurrent requests (app/live/attendance.py writes
with an insert that ignores the duplicate).
"""

import secrets
from datetime import datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, string_enum, utcnow


class SessionJoin(SQLModel, table=True):
    """An online attendee's first join of a session through their own link; later joins add nothing."""

    __tablename__ = "live_session_join"
    __table_args__ = (UniqueConstraint("registration_id", "session_id"),)

    id: int | None = Field(default=None, primary_key=True)
    registration_id: int = Field(foreign_key="registration.id", ondelete="CASCADE")
    session_id: int = Field(foreign_key="programme_session.id", ondelete="CASCADE", index=True)
    joined_at: datetime = Field(sa_type=UTCDateTime)


class SessionCheckIn(SQLModel, table=True):
    """An in-person attendee checked in at the door of one session (a workshop room, a keynote)."""

    __tablename__ = "live_session_checkin"
    __table_args__ = (UniqueConstraint("registration_id", "session_id"),)

    id: int | None = Field(default=None, primary_key=True)
    registration_id: int = Field(foreign_key="registration.id", ondelete="CASCADE")
    session_id: int = Field(foreign_key="programme_session.id", ondelete="CASCADE", index=True)
    checked_in_at: datetime = Field(sa_type=UTCDateTime)


class AdjustmentKind(StrEnum):
    # The room runs this many minutes late from now on (0: on time again).
    delay = "delay"
    # This session started now (early or late): the room's next sessions follow.
    started = "started"
    # This session ended now: the next one starts when it can, not before its time.
    ended = "ended"


class LiveAdjustment(SQLModel, table=True):
    """One thing a stage manager said about a room on the day; the room's running-late state is all of the
    day's adjustments in order, and they are also the log the organisers read (who, when, what)."""

    __tablename__ = "live_adjustment"

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", ondelete="CASCADE", index=True)
    room_id: int = Field(foreign_key="room.id", ondelete="CASCADE")
    session_id: int | None = Field(default=None, foreign_key="programme_session.id", ondelete="CASCADE")
    kind: AdjustmentKind = Field(sa_type=string_enum(AdjustmentKind))
    minutes: int | None = None
    happened_at: datetime = Field(sa_type=UTCDateTime)
    # Who: the stage link's label, or the organiser's email.
    made_by: str = Field(max_length=300)


class StageLink(SQLModel, table=True):
    """A link the organisers give a stage manager, without an account: it opens only the running-late
    controls of one room (or of every room of the event), until it is revoked."""

    __tablename__ = "live_stage_link"

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", ondelete="CASCADE", index=True)
    room_id: int | None = Field(default=None, foreign_key="room.id", ondelete="CASCADE")
    label: str = Field(max_length=200)
    secret: str = Field(default_factory=lambda: secrets.token_urlsafe(24), max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
