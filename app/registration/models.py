import secrets
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, string_enum, utcnow
from app.i18n import N_


class AttendanceChoice(StrEnum):
    in_person = "in_person"
    online = "online"


class RegistrationStatus(StrEnum):
    pending = "pending"  # waiting for the organiser's approval; holds a seat
    confirmed = "confirmed"
    waiting = "waiting"  # on the waiting list of its mode
    cancelled = "cancelled"
    rejected = "rejected"


class QuestionKind(StrEnum):
    text = "text"
    single_choice = "single_choice"
    multiple_choice = "multiple_choice"
    checkbox = "checkbox"


class ChoiceStatus(StrEnum):
    confirmed = "confirmed"
    waiting = "waiting"


ACTIVE_STATUSES = (RegistrationStatus.pending, RegistrationStatus.confirmed, RegistrationStatus.waiting)
SEAT_HOLDING_STATUSES = (RegistrationStatus.pending, RegistrationStatus.confirmed)
# The address a registration keeps once its person deleted their data: nobody is written to there.
ERASED_EMAIL_DOMAIN = "@deleted.invalid"


def _new_secret() -> str:
    return secrets.token_urlsafe(24)


class RegistrationForm(SQLModel, table=True):
    """How an event takes registrations: dates, limits per mode, moderation, privacy note."""

    __tablename__ = "registration_form"

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", ondelete="CASCADE", unique=True)
    is_open: bool = False
    opens_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closes_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    in_person_seats: int | None = Field(default=None, ge=0)  # None: no limit
    online_places: int | None = Field(default=None, ge=0)
    requires_approval: bool = False
    waiting_list: bool = True
    privacy_note: str = Field(default="", sa_type=Text)


class Question(SQLModel, table=True):
    """A question the organiser adds to an event's registration form."""

    __tablename__ = "registration_question"

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", ondelete="CASCADE", index=True)
    label: str = Field(max_length=300)
    kind: QuestionKind = Field(default=QuestionKind.text, sa_type=string_enum(QuestionKind))
    options: str = Field(default="", sa_type=Text)  # one option per line, for the choice kinds
    is_required: bool = False
    position: int = 0

    @property
    def option_list(self) -> list[str]:
        return [line.strip() for line in self.options.splitlines() if line.strip()]


class Registration(SQLModel, table=True):
    """One person's registration for one event. Its secret is what the signed manage link carries."""

    __tablename__ = "registration"
    __table_args__ = (
        # One active registration per email and event, whatever the race (double click, two tabs,
        # two app processes): the database refuses the second one.
        Index(
            "uq_registration_active_email",
            "event_id",
            "email",
            unique=True,
            sqlite_where=text("status IN ('pending', 'confirmed', 'waiting')"),
            postgresql_where=text("status IN ('pending', 'confirmed', 'waiting')"),
        ),
        Index("ix_registration_event_status_mode", "event_id", "status", "mode"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", ondelete="CASCADE")
    email: str = Field(max_length=254)  # stored lower-cased
    name: str = Field(max_length=200)
    affiliation: str = Field(default="", max_length=300)
    country: str = Field(default="", max_length=2)  # ISO 3166 alpha-2
    mode: AttendanceChoice = Field(default=AttendanceChoice.in_person, sa_type=string_enum(AttendanceChoice))
    status: RegistrationStatus = Field(
        default=RegistrationStatus.confirmed, sa_type=string_enum(RegistrationStatus)
    )
    secret: str = Field(default_factory=_new_secret, max_length=64, unique=True)
    calendar_secret: str = Field(default_factory=_new_secret, max_length=64, unique=True)
    invitation_id: int | None = Field(
        default=None, foreign_key="registration_invitation.id", ondelete="SET NULL"
    )
    consented_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    waiting_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    checked_in_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # What the person's browser said when they registered or last saved their registration: emails to
    # them (reminders, promotions, notices) are written in their language, with times in their zone too.
    # Empty: not known (the sender's language and the event's zone only).
    language: str = Field(default="", max_length=8, sa_column_kwargs={"server_default": ""})
    time_zone: str = Field(default="", max_length=64, sa_column_kwargs={"server_default": ""})
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Answer(SQLModel, table=True):
    __tablename__ = "registration_answer"
    __table_args__ = (UniqueConstraint("registration_id", "question_id"),)

    id: int | None = Field(default=None, primary_key=True)
    registration_id: int = Field(foreign_key="registration.id", ondelete="CASCADE", index=True)
    question_id: int = Field(foreign_key="registration_question.id", ondelete="CASCADE")
    value: str = Field(default="", sa_type=Text)  # multiple choices: one per line


class SessionChoice(SQLModel, table=True):
    """A seat in a parallel session (a workshop panel) chosen at registration."""

    __tablename__ = "registration_session_choice"
    __table_args__ = (UniqueConstraint("registration_id", "session_id"),)

    id: int | None = Field(default=None, primary_key=True)
    registration_id: int = Field(foreign_key="registration.id", ondelete="CASCADE", index=True)
    session_id: int = Field(foreign_key="programme_session.id", ondelete="CASCADE", index=True)
    status: ChoiceStatus = Field(default=ChoiceStatus.confirmed, sa_type=string_enum(ChoiceStatus))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Invitation(SQLModel, table=True):
    """An invitation to an invitation-only event; the emailed link is signed and expires."""

    __tablename__ = "registration_invitation"

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", ondelete="CASCADE", index=True)
    email: str = Field(max_length=254)
    name: str = Field(default="", max_length=200)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def erased(self) -> bool:
        """Used by someone who since deleted their data: the invitee's address and name are gone."""
        return self.used_at is not None and not self.email


ATTENDANCE_CHOICE_LABELS: dict[AttendanceChoice, str] = {
    AttendanceChoice.in_person: N_("In person"),
    AttendanceChoice.online: N_("Online"),
}
# The same modes inside a sentence ("You attend in person."): their own msgids, since German nouns and
# French phrasing do not survive .lower() of the labels above.
ATTENDANCE_CHOICE_PHRASES: dict[AttendanceChoice, str] = {
    AttendanceChoice.in_person: N_("in person"),
    AttendanceChoice.online: N_("online"),
}
STATUS_LABELS: dict[RegistrationStatus, str] = {
    RegistrationStatus.pending: N_("Awaiting approval"),
    RegistrationStatus.confirmed: N_("Confirmed"),
    RegistrationStatus.waiting: N_("On the waiting list"),
    RegistrationStatus.cancelled: N_("Cancelled"),
    RegistrationStatus.rejected: N_("Not accepted"),
}
QUESTION_KIND_LABELS: dict[QuestionKind, str] = {
    QuestionKind.text: N_("Text"),
    QuestionKind.single_choice: N_("Single choice"),
    QuestionKind.multiple_choice: N_("Multiple choice"),
    QuestionKind.checkbox: N_("Checkbox"),
}
