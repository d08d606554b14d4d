"""What organisers type in the builder, rooms and tracks pages.

Times are entered in the event's time zone (passed as `context={"timezone": ..., "days": [...]}` to
bind_form) and turned into UTC here, so services only ever see UTC.
"""

import re
from datetime import date, datetime, time
from typing import Any

from pydantic import BaseModel, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from app.i18n import _
from app.programme.models import SEAT_LIMIT_KINDS, RoleKind, SessionKind
from app.programme.service import MoveDirection, SessionDetails
from app.speakers.forms import EMAIL_PATTERN
from app.text import SingleLine
from app.timezones import local_to_utc

COLOUR_PATTERN = re.compile(r"^#[0-9a-fA-F]{6}$")


def _context_timezone(info: ValidationInfo) -> str:
    return str((info.context or {}).get("timezone", "UTC"))


def _check_day(value: date, info: ValidationInfo) -> date:
    days = (info.context or {}).get("days")
    if days is not None and value not in days:
        raise ValueError(_("Choose one of the event's days."))
    return value


class RoomForm(BaseModel):
    name: SingleLine = Field(min_length=1, max_length=120)
    capacity: int | None = Field(default=None, ge=0)
    stream_url: SingleLine | None = Field(default=None, max_length=500)

    @field_validator("stream_url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError(_("Enter a web address starting with https://."))
        return value


class TrackForm(BaseModel):
    name: SingleLine = Field(min_length=1, max_length=120)
    colour: str = "#3b5ba9"

    @field_validator("colour")
    @classmethod
    def _hex_colour(cls, value: str) -> str:
        if not COLOUR_PATTERN.match(value):
            raise ValueError(_("Enter a colour as #rrggbb, such as #1f6f8b."))
        return value.lower()


class SessionForm(BaseModel):
    title: SingleLine = Field(min_length=1, max_length=300)
    kind: SessionKind = SessionKind.talk
    day: date
    start: time
    end: time
    room_id: int | None = None
    track_id: int | None = None
    abstract: str = Field(default="", max_length=20_000)
    seat_limit: int | None = Field(default=None, ge=0)
    subtitle: str = Field(default="", max_length=500)
    description: str = Field(default="", max_length=50_000)
    language: str = Field(default="", max_length=35)
    type_label: str = Field(default="", max_length=100)
    do_not_record: bool = False
    do_not_stream: bool = False

    @field_validator("day")
    @classmethod
    def _event_day(cls, value: date, info: ValidationInfo) -> date:
        return _check_day(value, info)

    @field_validator("start")
    @classmethod
    def _start_exists(cls, value: time, info: ValidationInfo) -> time:
        if "day" in info.data:
            local_to_utc(info.data["day"], value, _context_timezone(info))
        return value

    @field_validator("end")
    @classmethod
    def _end_after_start(cls, value: time, info: ValidationInfo) -> time:
        start = info.data.get("start")
        if start is not None and value <= start:
            raise ValueError(_("The session must end after it starts."))
        if "day" in info.data:
            local_to_utc(info.data["day"], value, _context_timezone(info))
        return value

    @field_validator("seat_limit")
    @classmethod
    def _kind_takes_seats(cls, value: int | None, info: ValidationInfo) -> int | None:
        # Attendees choose a seat at registration in sessions with a limit; nobody chooses a break.
        kind = info.data.get("kind")
        if value is not None and kind is not None and kind not in SEAT_LIMIT_KINDS:
            raise ValueError(_("A break is open to everyone: leave its seat limit empty."))
        return value

    def details(self, timezone: str) -> SessionDetails:
        return SessionDetails(
            title=self.title,
            kind=self.kind,
            start_at=local_to_utc(self.day, self.start, timezone),
            end_at=local_to_utc(self.day, self.end, timezone),
            room_id=self.room_id,
            track_id=self.track_id,
            abstract=self.abstract,
            seat_limit=self.seat_limit,
            subtitle=self.subtitle,
            description=self.description,
            language=self.language,
            type_label=self.type_label,
            do_not_record=self.do_not_record,
            do_not_stream=self.do_not_stream,
        )


class MoveForm(BaseModel):
    room_id: int | None = None
    day: date
    start: time

    @field_validator("day")
    @classmethod
    def _event_day(cls, value: date, info: ValidationInfo) -> date:
        return _check_day(value, info)

    @field_validator("start")
    @classmethod
    def _start_exists(cls, value: time, info: ValidationInfo) -> time:
        if "day" in info.data:
            local_to_utc(info.data["day"], value, _context_timezone(info))
        return value

    def start_at(self, timezone: str) -> datetime:
        return local_to_utc(self.day, self.start, timezone)


class TalkForm(BaseModel):
    """A talk's own times are optional and fall on its session's day (context key "day")."""

    title: SingleLine = Field(min_length=1, max_length=300)
    abstract: str = Field(default="", max_length=20_000)
    start: time | None = None
    end: time | None = None

    @field_validator("start")
    @classmethod
    def _start_exists(cls, value: time | None, info: ValidationInfo) -> time | None:
        day = (info.context or {}).get("day")
        if value is not None and day is not None:
            local_to_utc(day, value, _context_timezone(info))
        return value

    @field_validator("end")
    @classmethod
    def _end_after_start(cls, value: time | None, info: ValidationInfo) -> time | None:
        start = info.data.get("start")
        if value is not None and start is not None and value <= start:
            raise ValueError(_("The talk must end after it starts."))
        day = (info.context or {}).get("day")
        if value is not None and day is not None:
            local_to_utc(day, value, _context_timezone(info))
        return value

    def talk_details(self, day: date, timezone: str) -> dict[str, Any]:
        """The service's keyword arguments: times on the session's day, converted to UTC."""
        return {
            "title": self.title,
            "abstract": self.abstract,
            "start_at": local_to_utc(day, self.start, timezone) if self.start is not None else None,
            "end_at": local_to_utc(day, self.end, timezone) if self.end is not None else None,
        }


class TalkMoveForm(BaseModel):
    direction: MoveDirection


class RoleForm(BaseModel):
    speaker_id: int
    role: RoleKind = RoleKind.speaker
    is_remote: bool = False
    talk_id: int | None = None


class RoleAddForm(BaseModel):
    """Puts a speaker of the event on a session, or a new speaker typed in by name (and email)."""

    speaker_id: int | None = None
    new_speaker_name: SingleLine | None = Field(default=None, max_length=200)
    new_speaker_email: SingleLine | None = Field(default=None, max_length=254)
    role: RoleKind = RoleKind.speaker
    is_remote: bool = False
    talk_id: int | None = None

    @field_validator("new_speaker_email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not EMAIL_PATTERN.match(value):
            raise ValueError(_("Enter an email address, such as name@example.org."))
        return value

    @model_validator(mode="after")
    def _one_speaker(self) -> "RoleAddForm":
        if self.speaker_id is None and not self.new_speaker_name:
            raise PydanticCustomError("value_error", _("Choose a speaker, or type the name of a new one."))
        if self.speaker_id is not None and self.new_speaker_name:
            raise PydanticCustomError("value_error", _("Choose a speaker or type a new name, not both."))
        return self


class ReleaseForm(BaseModel):
    note: str = Field(default="", max_length=500)
    confirm_conflicts: bool = False
    # Unticked: the event's people whose sessions changed hear nothing, at this and later releases.
    change_notices: bool = False
