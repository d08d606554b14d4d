from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, LargeBinary, Text
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, string_enum, utcnow


class MailStatus(StrEnum):
    # Written with the change that caused it; a worker has not taken it yet.
    queued = "queued"
    # A worker is handing it to the mail server right now.
    sending = "sending"
    sent = "sent"
    # The mail server did not answer or refused for now; tried again later.
    retrying = "retrying"
    # Refused for good (an address that does not exist), or still not sent after the last attempt.
    failed = "failed"


class OutgoingMessage(SQLModel, table=True):
    """One email to one person, as it was sent (or is to be): the mail log shows exactly this."""

    __tablename__ = "outgoing_message"
    __table_args__ = (
        Index("ix_outgoing_message_event_id_created_at", "event_id", "created_at"),
        # The sweep looks for messages left behind in a state, oldest first.
        Index("ix_outgoing_message_status_updated_at", "status", "updated_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # None for messages about an account rather than an event (invitation, password reset).
    event_id: int | None = Field(default=None, foreign_key="event.id", ondelete="CASCADE")
    # The template it was written from ("registration/confirmed"): what kind of message it is.
    kind: str = Field(max_length=80)
    # The organiser's message to a group this is one recipient's copy of (app.messaging). No ON DELETE
    # (the migration says why): a group message goes only with its event, and its copies with it.
    group_message_id: int | None = Field(default=None, foreign_key="group_message.id", index=True)
    recipient: str = Field(max_length=320, index=True)
    subject: str = Field(max_length=500)
    text: str = Field(sa_type=Text)
    html: str | None = Field(default=None, sa_type=Text)
    # What a worker writes the message from (JSON, app.outbox.service.MailSpec) when the change that caused
    # it saved only that: subject, text and attachments are empty until then. Writing a confirmation (its
    # text, ticket and calendar) inside the registration would hold the event's lock for it.
    spec: str | None = Field(default=None, sa_type=Text)
    status: MailStatus = Field(default=MailStatus.queued, sa_type=string_enum(MailStatus))
    attempts: int = 0
    # What the mail server (or the connection) said the last time it was not sent.
    last_error: str = Field(default="", sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # The last change of status: a message "sending" for long belongs to a worker that was stopped.
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class OutgoingAttachment(SQLModel, table=True):
    __tablename__ = "outgoing_attachment"

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="outgoing_message.id", ondelete="CASCADE", index=True)
    filename: str = Field(max_length=200)
    mime_type: str = Field(max_length=100)
    content: bytes = Field(sa_type=LargeBinary)
