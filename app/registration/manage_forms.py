"""What organisers type on the registration pages: settings, questions, invitations, edits, list filters.

Dates and times are entered in the event's time zone (`context={"timezone": ...}` given to bind_form)
and turned into UTC here, so services only ever see UTC.
"""

from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any

from babel import Locale
from pydantic import BaseModel, Field, ValidationInfo, field_validator

from app.i18n import _, current_locale
from app.registration.invitations import EMAIL_PATTERN
from app.registration.models import AttendanceChoice, QuestionKind, RegistrationStatus
from app.registration.moderation import RegistrationChanges
from app.registration.queries import RegistrationFilters
from app.registration.setup import QuestionDetails, QuestionMove, RegistrationSettings
from app.text import SingleLine
from app.timezones import local_to_utc

QUESTION_FIELD_PREFIX = "question_"


@cache
def _territories(locale: str) -> dict[str, str]:
    names = Locale.parse(locale).territories
    return {code: name for code, name in names.items() if len(code) == 2 and code.isalpha() and code != "ZZ"}


def country_options() -> list[tuple[str, str]]:
    """ISO alpha-2 codes with their names in the reader's language, sorted by name."""
    names = _territories(current_locale.get())
    return sorted(names.items(), key=lambda item: item[1])


def _to_utc(value: datetime | None, info: ValidationInfo) -> datetime | None:
    if value is None:
        return None
    timezone = (info.context or {}).get("timezone", "UTC")
    return local_to_utc(value.date(), value.time(), timezone)


class RegistrationSettingsForm(BaseModel):
    is_open: bool = False
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    in_person_seats: int | None = Field(default=None, ge=0, le=1_000_000)
    online_places: int | None = Field(default=None, ge=0, le=1_000_000)
    requires_approval: bool = False
    waiting_list: bool = False
    privacy_note: str = Field(default="", max_length=20_000)

    @field_validator("opens_at", "closes_at", mode="before")
    @classmethod
    def _in_event_zone(cls, value: Any, info: ValidationInfo) -> datetime | None:
        if value is None or isinstance(value, datetime):
            return _to_utc(value.replace(tzinfo=None) if value else None, info)
        try:
            local = datetime.strptime(str(value).replace("T", " ")[:16], "%Y-%m-%d %H:%M")  # noqa: DTZ007 - wall-clock time of the event's zone
        except ValueError:
            raise ValueError(_("Enter a date and time as YYYY-MM-DD HH:MM.")) from None
        return _to_utc(local, info)

    def settings(self) -> RegistrationSettings:
        return RegistrationSettings(**self.model_dump())


class QuestionForm(BaseModel):
    label: SingleLine = Field(min_length=1, max_length=300)
    kind: QuestionKind = QuestionKind.text
    options: str = Field(default="", max_length=5_000)
    is_required: bool = False

    def details(self) -> QuestionDetails:
        return QuestionDetails(**self.model_dump())


class QuestionMoveForm(BaseModel):
    direction: QuestionMove


class InvitationForm(BaseModel):
    email: str = Field(min_length=3, max_length=254)
    name: SingleLine = Field(default="", max_length=200)
    valid_until: date

    @field_validator("email")
    @classmethod
    def _looks_like_email(cls, value: str) -> str:
        if not EMAIL_PATTERN.match(value):
            raise ValueError(_("Enter an email address such as name@example.org."))
        return value.lower()

    def expires_at(self, timezone: str) -> datetime:
        """The end of the chosen day in the event's time zone."""
        return local_to_utc(self.valid_until + timedelta(days=1), time(0, 0), timezone)


class RegistrationEditForm(BaseModel):
    name: SingleLine = Field(min_length=1, max_length=200)
    affiliation: SingleLine = Field(default="", max_length=300)
    country: str = Field(default="", max_length=2)
    mode: AttendanceChoice
    answers: dict[int, list[str]] = Field(default_factory=dict)

    @field_validator("country")
    @classmethod
    def _known_country(cls, value: str) -> str:
        value = value.upper()
        if value and value not in _territories("en"):
            raise ValueError(_("Choose a country from the list."))
        return value

    def changes(self) -> RegistrationChanges:
        return RegistrationChanges(
            name=self.name,
            affiliation=self.affiliation,
            country=self.country,
            mode=self.mode,
            answers=self.answers,
        )


def edit_form_data(data: Any, multiple_choice_ids: list[int]) -> dict[str, Any]:
    """The submitted fields, with the `question_<id>` fields gathered into `answers`."""
    values: dict[str, Any] = {}
    answers: dict[int, list[str]] = {}
    for key in data:
        if key == "csrf_token":
            continue
        items = [item for item in data.getlist(key) if isinstance(item, str)]
        if key.startswith(QUESTION_FIELD_PREFIX) and key.removeprefix(QUESTION_FIELD_PREFIX).isdigit():
            question_id = int(key.removeprefix(QUESTION_FIELD_PREFIX))
            answers[question_id] = items if question_id in multiple_choice_ids else items[-1:]
            values[key] = answers[question_id] if question_id in multiple_choice_ids else "".join(items[-1:])
        else:
            values[key] = items[-1] if items else ""
    values["answers"] = answers
    return values


class FilterForm(BaseModel):
    q: str = Field(default="", max_length=200)
    status: RegistrationStatus | None = None
    mode: AttendanceChoice | None = None
    session: int | None = None

    def filters(self) -> RegistrationFilters:
        return RegistrationFilters(search=self.q, status=self.status, mode=self.mode, session_id=self.session)
