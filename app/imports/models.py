from datetime import datetime
from enum import StrEnum

from sqlalchemy import LargeBinary, Text
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, string_enum, utcnow


class ImportStatus(StrEnum):
    # Uploaded and checked; the organiser has the report and has not confirmed yet.
    ready = "ready"
    # Confirmed, waiting for a worker of the task queue to take it.
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


class ImportJob(SQLModel, table=True):
    """One schedule file on its way into an event: uploaded, confirmed, then imported in one transaction.

    The row is written before and after the import, never during it: the import is one long write
    transaction, and on SQLite a second writer would wait for it. Progress while it runs, and the
    worker's sign of life, are posted to the task queue's store (app.imports.jobs.ProgressBoard), which
    every web process reads.
    """

    __tablename__ = "import_job"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="account_user.id", ondelete="CASCADE", index=True)
    # The event imported into; for an import as a new event, the event it created, once it exists.
    event_id: int | None = Field(default=None, foreign_key="event.id", ondelete="CASCADE", index=True)
    into_new_event: bool = False
    filename: str = Field(default="", max_length=200)
    status: ImportStatus = Field(default=ImportStatus.ready, sa_type=string_enum(ImportStatus))
    # Sessions to import, for the progress bar.
    total: int = 0
    # The uploaded file, kept until the import ends so that any app process can run it.
    content: bytes = Field(default=b"", sa_type=LargeBinary)
    # JSON (app.imports.writer.ImportSummary): the report shown before confirming, then the result.
    summary: str = Field(default="", sa_type=Text)
    error: str = Field(default="", sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # When it was confirmed and handed to the queue; a job queued long ago is handed over again.
    queued_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Which worker runs the job ("<host>|<boot id>|<pid>|<start>"): a job whose process is gone was cut off.
    runner: str = Field(default="", max_length=100, sa_column_kwargs={"server_default": ""})
