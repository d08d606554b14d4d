import re
from datetime import date

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from app.events.models import AttendanceMode, EventKind, OrganiserRole, Visibility
from app.i18n import _
from app.text import SingleLine
from app.timezones import check_timezone

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def check_slug(value: str) -> str:
    value = value.lower()
    if not SLUG_PATTERN.match(value) or len(value) > 80:
        raise ValueError(_("Use lower-case letters, digits and hyphens, such as prelude-2022."))
    return value


class EventForm(BaseModel):
    slug: str
    title: SingleLine = Field(min_length=1, max_length=300)
    kind: EventKind = EventKind.conference
    start_date: date
    end_date: date
    timezone: str = "Europe/Paris"
    venue: SingleLine = Field(default="", max_length=300)
    attendance_mode: AttendanceMode = AttendanceMode.in_person
    visibility: Visibility = Visibility.public
    description: str = Field(default="", max_length=50_000)

    @field_validator("slug")
    @classmethod
    def _valid_slug(cls, value: str) -> str:
        return check_slug(value)

    @field_validator("timezone")
    @classmethod
    def _valid_timezone(cls, value: str) -> str:
        return check_timezone(value)

    @field_validator("end_date")
    @classmethod
    def _ends_after_start(cls, value: date, info: ValidationInfo) -> date:
        start = info.data.get("start_date")
        if start is not None and value < start:
            raise ValueError(_("The event cannot end before it starts."))
        if start is not None and (value - start).days > 60:
            raise ValueError(_("An event lasts at most 60 days."))
        return value


class CloneForm(BaseModel):
    slug: str
    title: SingleLine = Field(min_length=1, max_length=300)
    start_date: date
    # What to copy: ticked boxes arrive as "on", unticked ones not at all.
    rooms: bool = False
    tracks: bool = False
    sessions: bool = False
    speakers: bool = False
    registration: bool = False

    @field_validator("slug")
    @classmethod
    def _valid_slug(cls, value: str) -> str:
        return check_slug(value)


class OrganiserForm(BaseModel):
    email: SingleLine = Field(min_length=3, max_length=254)
    role: OrganiserRole = OrganiserRole.organiser


class OrganiserRoleForm(BaseModel):
    role: OrganiserRole
