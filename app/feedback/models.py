"""What attendees thought of a session: a rating from 1 to 5 and an optional comment, once per person."""

from datetime import datetime

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, utcnow

COMMENT_MAX_LENGTH = 2000


class SessionFeedback(SQLModel, table=True):
    __tablename__ = "session_feedback"
    __table_args__ = (UniqueConstraint("session_id", "voter_key"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="programme_session.id", ondelete="CASCADE", index=True)
    # "r<registration id>" for a registered attendee, "b<browser id>" for anyone else (if the event allows).
    voter_key: str = Field(max_length=64)
    registration_id: int | None = Field(default=None, foreign_key="registration.id", ondelete="SET NULL")
    rating: int = Field(ge=1, le=5)
    comment: str = Field(default="", sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
