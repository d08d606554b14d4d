from datetime import datetime
from enum import StrEnum

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, string_enum, utcnow
from app.i18n import N_


class Audience(StrEnum):
    registrants = "registrants"
    confirmed_in_person = "confirmed_in_person"
    confirmed_online = "confirmed_online"
    waiting_list = "waiting_list"
    not_checked_in = "not_checked_in"
    session_registrants = "session_registrants"
    speakers = "speakers"
    speakers_without_slides = "without_slides"  # stored in 20 characters
    chairs = "chairs"


AUDIENCE_LABELS: dict[Audience, str] = {
    Audience.registrants: N_("All registrants"),
    Audience.confirmed_in_person: N_("Confirmed, in person"),
    Audience.confirmed_online: N_("Confirmed, online"),
    Audience.waiting_list: N_("On the waiting list"),
    Audience.not_checked_in: N_("Confirmed in person, not checked in"),
    Audience.session_registrants: N_("Registrants of chosen sessions"),
    Audience.speakers: N_("Speakers"),
    Audience.speakers_without_slides: N_("Speakers without slides"),
    Audience.chairs: N_("Session chairs and moderators"),
}


class GroupMessageStatus(StrEnum):
    # A worker writes the recipients' messages, a batch at a time.
    sending = "sending"
    # Every recipient's message is written (the mail log shows their delivery).
    sent = "sent"
    # The organiser stopped it: no more messages are written.
    stopped = "stopped"


GROUP_MESSAGE_STATUS_LABELS: dict[GroupMessageStatus, str] = {
    GroupMessageStatus.sending: N_("Sending"),
    GroupMessageStatus.sent: N_("Sent"),
    GroupMessageStatus.stopped: N_("Stopped"),
}


class GroupMessage(SQLModel, table=True):
    """One message an organiser wrote to an audience of the event; each recipient's copy is an
    `outgoing_message` pointing here, so the copies written are its progress."""

    __tablename__ = "group_message"

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", ondelete="CASCADE", index=True)
    author_id: int | None = Field(default=None, foreign_key="account_user.id", ondelete="SET NULL")
    audience: Audience = Field(sa_type=string_enum(Audience))
    # The chosen sessions' ids, comma-separated (only for the registrants of chosen sessions).
    session_ids: str = Field(default="", max_length=2000)
    subject: str = Field(max_length=500)
    body: str = Field(sa_type=Text)
    status: GroupMessageStatus = Field(
        default=GroupMessageStatus.sending, sa_type=string_enum(GroupMessageStatus)
    )
    # How many people the audience had when it was sent.
    total_recipients: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    @property
    def chosen_session_ids(self) -> list[int]:
        return [int(part) for part in self.session_ids.split(",") if part.strip().isdigit()]
