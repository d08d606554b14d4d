"""What organisers type about a speaker."""

import re

from pydantic import BaseModel, Field, field_validator

from app.i18n import _
from app.text import SingleLine
from app.timezones import check_timezone

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class SpeakerForm(BaseModel):
    name: SingleLine = Field(min_length=1, max_length=200)
    affiliation: SingleLine = Field(default="", max_length=300)
    bio: str = Field(default="", max_length=20_000)
    photo_url: SingleLine | None = Field(default=None, max_length=500)
    email: SingleLine | None = Field(default=None, max_length=254)
    timezone: str | None = Field(default=None, max_length=64)

    @field_validator("photo_url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError(_("Enter a web address starting with https://."))
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not EMAIL_PATTERN.match(value):
            raise ValueError(_("Enter an email address, such as name@example.org."))
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str | None) -> str | None:
        return check_timezone(value) if value is not None else None
