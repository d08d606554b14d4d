from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import Text, UniqueConstraint, false, true
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, string_enum, utcnow
from app.i18n import N_


class EventKind(StrEnum):
    conference = "conference"
    workshop = "workshop"
    training = "training"
    meeting = "meeting"


class AttendanceMode(StrEnum):
    in_person = "in_person"
    online = "online"
    hybrid = "hybrid"


class Visibility(StrEnum):
    public = "public"
    unlisted = "unlisted"
    invitation_only = "invitation_only"


class OrganiserRole(StrEnum):
    owner = "owner"  # everything, including the organiser list and deleting the event
    organiser = "organiser"  # the programme, speakers, registrations; not the organiser list
    checkin = "checkin"  # the door check-in pages only


class Event(SQLModel, table=True):
    __tablename__ = "event"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True, index=True)
    title: str = Field(max_length=300)
    kind: EventKind = Field(default=EventKind.conference, sa_type=string_enum(EventKind))
    start_date: date
    end_date: date
    timezone: str = Field(default="Europe/Paris", max_length=64)
    venue: str = Field(default="", max_length=300)
    attendance_mode: AttendanceMode = Field(
        default=AttendanceMode.in_person, sa_type=string_enum(AttendanceMode)
    )
    visibility: Visibility = Field(default=Visibility.public, sa_type=string_enum(Visibility))
    is_published: bool = False
    description: str = Field(default="", sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # When the draft programme (sessions, talks, rooms, tracks, who is on stage) last changed; unlike
    # updated_at, publishing or editing the event's details does not move it. None: never changed.
    programme_changed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # At each programme release, registrants and speakers whose sessions moved, changed room or were
    # cancelled get a message listing their changes; organisers may turn it off.
    change_notices: bool = Field(default=True, sa_column_kwargs={"server_default": true()})
    # Confirmed registrants are reminded this long before the event starts (app.messaging.reminders);
    # None: no reminder.
    reminder_minutes_before: int | None = None
    # Who may rate a session after it ended (app.feedback): confirmed registrants only, or anyone.
    feedback_from_anyone: bool = Field(default=False, sa_column_kwargs={"server_default": false()})

    @property
    def days(self) -> list[date]:
        return [
            self.start_date + timedelta(days=n) for n in range((self.end_date - self.start_date).days + 1)
        ]


class EventOrganiser(SQLModel, table=True):
    """A person given an event, with the role that says what of it they may open."""

    __tablename__ = "event_organiser"
    __table_args__ = (UniqueConstraint("event_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", ondelete="CASCADE", index=True)
    user_id: int = Field(foreign_key="account_user.id", ondelete="CASCADE", index=True)
    # Whoever creates an event (by hand, by cloning or by importing) owns it; others are given a role.
    role: OrganiserRole = Field(default=OrganiserRole.owner, sa_type=string_enum(OrganiserRole))


# Labels are marked for extraction here and translated where they are shown.
EVENT_KIND_LABELS: dict[EventKind, str] = {
    EventKind.conference: N_("Conference"),
    EventKind.workshop: N_("Workshop"),
    EventKind.training: N_("Training"),
    EventKind.meeting: N_("Meeting"),
}
ATTENDANCE_LABELS: dict[AttendanceMode, str] = {
    AttendanceMode.in_person: N_("In person"),
    AttendanceMode.online: N_("Online"),
    AttendanceMode.hybrid: N_("Hybrid (in person and online)"),
}
ORGANISER_ROLE_LABELS: dict[OrganiserRole, str] = {
    OrganiserRole.owner: N_("Owner"),
    OrganiserRole.organiser: N_("Organiser"),
    OrganiserRole.checkin: N_("Check-in staff"),
}
VISIBILITY_LABELS: dict[Visibility, str] = {
    Visibility.public: N_("Public: listed on the home page"),
    Visibility.unlisted: N_("Unlisted: only people with the link"),
    Visibility.invitation_only: N_("Invitation only: not shown to the public"),
}
