from datetime import datetime

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, utcnow


class Speaker(SQLModel, table=True):
    """A person on an event's programme. The same person in two events is matched by email."""

    __tablename__ = "speaker"

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", ondelete="CASCADE", index=True)
    name: str = Field(max_length=200)
    affiliation: str = Field(default="", max_length=300)
    bio: str = Field(default="", sa_type=Text)
    photo_url: str | None = Field(default=None, max_length=500)
    email: str | None = Field(default=None, max_length=254, index=True)
    timezone: str | None = Field(default=None, max_length=64)
    # The language the speaker last used their portal in: their emails are written in it. Empty: unknown.
    language: str = Field(default="", max_length=8, sa_column_kwargs={"server_default": ""})
    # Stored photo (resized, metadata stripped) in app storage; photo_url stays for an external picture.
    photo_key: str | None = Field(default=None, max_length=200)
    # Signed portal links carry this; replacing it revokes every link sent before.
    portal_secret: str | None = Field(default=None, max_length=64)
    # The person's guid and id in an imported schedule: a second import finds them by these first,
    # since two people may share a name.
    guid: str | None = Field(default=None, max_length=36)
    source_id: int | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Profiles are published as they are edited, not with the programme's releases: this stamp (moved by
    # every write to the row) tells the caches of the released programme that a profile changed.
    updated_at: datetime | None = Field(
        default_factory=utcnow, sa_type=UTCDateTime, sa_column_kwargs={"onupdate": utcnow}
    )
