from datetime import datetime

from sqlalchemy import LargeBinary
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, utcnow


class StoredBooklet(SQLModel, table=True):
    """A programme booklet (programme.pdf) built by a worker, kept for every web process to serve.

    In the database rather than the file storage: any web process finds it, it goes with its event, and
    the clean-up of unreferenced files (app.materials.retention) need not know about it. One booklet is
    a few megabytes, and an event keeps only the booklets of its latest version.
    """

    __tablename__ = "stored_booklet"

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", ondelete="CASCADE", index=True)
    # app.exports.booklets.booklet_version: the programme version, language and site address it shows.
    version: str = Field(max_length=64, unique=True)
    pdf: bytes = Field(sa_type=LargeBinary)
    built_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
