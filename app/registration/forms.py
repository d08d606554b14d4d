"""What attendees type: the public registration form and the forms behind their manage link.

The organiser's questions arrive as `question_<id>` (repeated for multiple choice) and the parallel
sessions chosen as `session_<id>=on`; they are gathered into `answers` and `session_ids` here.
The honeypot `website` is a field people never see; only robots fill it in.
"""

from functools import cache
from typing import Any

from babel import Locale
from pydantic import BaseModel, Field, field_validator, model_validator

from app.i18n import _, current_locale
from app.registration.invitations import EMAIL_PATTERN
from app.registration.models import AttendanceChoice, Question
from app.registration.service import Applicant, AttendeeChanges
from app.text import SingleLine
from app.timezones import zone_or_none

QUESTION_PREFIX = "question_"
SESSION_PREFIX = "session_"


# Two-letter codes CLDR names that are not countries: unknown, groupings and pseudo-regions.
NOT_COUNTRIES = frozenset({"ZZ", "EU", "EZ", "UN", "QO", "XA", "XB"})


@cache
def _territories(locale: str) -> dict[str, str]:
    names = Locale.parse(locale).territories
    return {
        code: name
        for code, name in names.items()
        if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES
    }


def country_options() -> list[tuple[str, str]]:
    """ISO alpha-2 codes with their names in the reader's language, sorted by name."""
    return sorted(_territories(current_locale.get()).items(), key=lambda item: item[1])


def question_fields(questions: list[Question]) -> tuple[str, ...]:
    """Every question field may repeat (multiple choice), so bind_form keeps all values of each."""
    return tuple(f"{QUESTION_PREFIX}{question.id}" for question in questions)


def _gather_dynamic_fields(data: Any) -> Any:
    if not isinstance(data, dict):
        return data
    answers: dict[int, list[str]] = {}
    session_ids: list[int] = []
    for key, value in data.items():
        if key.startswith(QUESTION_PREFIX) and key.removeprefix(QUESTION_PREFIX).isdigit():
            answers[int(key.removeprefix(QUESTION_PREFIX))] = value if isinstance(value, list) else [value]
        elif key.startswith(SESSION_PREFIX) and key.removeprefix(SESSION_PREFIX).isdigit() and value:
            session_ids.append(int(key.removeprefix(SESSION_PREFIX)))
    return {**data, "answers": answers, "session_ids": session_ids}


def _known_country(value: str) -> str:
    code = value.strip().upper()
    if code and code not in _territories("en"):
        raise ValueError(_("Choose a country from the list."))
    return code


class AttendeeDetails(BaseModel):
    name: SingleLine = Field(min_length=1, max_length=200)
    affiliation: SingleLine = Field(default="", max_length=300)
    country: str = ""
    answers: dict[int, list[str]] = Field(default_factory=dict)
    session_ids: list[int] = Field(default_factory=list)
    # Filled in by the page's script from the browser (empty without JavaScript): the person's own zone,
    # for the times in their emails. A zone the server does not know is dropped, not refused.
    time_zone: str = Field(default="", max_length=64)

    _gather = model_validator(mode="before")(_gather_dynamic_fields)

    @field_validator("time_zone")
    @classmethod
    def _time_zone(cls, value: str) -> str:
        return value if zone_or_none(value.strip()) is not None else ""

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        return _known_country(value)

    def changes(self) -> AttendeeChanges:
        return AttendeeChanges(
            name=self.name,
            affiliation=self.affiliation,
            country=self.country,
            answers=self.answers,
            session_ids=self.session_ids,
            time_zone=self.time_zone,
        )


class RegistrationSubmission(AttendeeDetails):
    email: str = Field(max_length=254)
    mode: AttendanceChoice | None = None
    consent: bool = False
    invitation: str | None = Field(default=None, max_length=2000)
    website: str = ""  # the honeypot: must stay empty

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if not EMAIL_PATTERN.match(value):
            raise ValueError(_("Enter an email address such as name@example.org."))
        return value.lower()

    def applicant(self) -> Applicant:
        return Applicant(
            name=self.name,
            email=self.email,
            affiliation=self.affiliation,
            country=self.country,
            mode=self.mode,
            consent=self.consent,
            answers=self.answers,
            session_ids=self.session_ids,
            invitation=self.invitation,
            time_zone=self.time_zone,
        )


class LinkRequest(BaseModel):
    """An attendee who lost their personal link asks for it again."""

    email: str = Field(max_length=254)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if not EMAIL_PATTERN.match(value):
            raise ValueError(_("Enter an email address such as name@example.org."))
        return value.lower()


class ModeSwitch(BaseModel):
    mode: AttendanceChoice


class CancelConfirmation(BaseModel):
    """Cancelling gives the place away at once: the attendee ticks a box first (works without JS)."""

    # Its own name: the data-deletion form on the same page has a `confirm` box.
    confirm_cancel: bool = Field(default=False, validate_default=True)

    @field_validator("confirm_cancel")
    @classmethod
    def _ticked(cls, value: bool) -> bool:
        if not value:
            raise ValueError(
                _("Tick the box to confirm that you want to cancel; your place goes to someone else.")
            )
        return value


class DeleteConfirmation(BaseModel):
    confirm: bool = Field(default=False, validate_default=True)

    @field_validator("confirm")
    @classmethod
    def _ticked(cls, value: bool) -> bool:
        if not value:
            raise ValueError(_("Tick the box to confirm; this cannot be undone."))
        return value
