"""The feedback form: a rating from 1 to 5 (required) and an optional comment; and the organisers' setting."""

from typing import Any

from pydantic import BaseModel, Field, field_validator

from app.feedback.models import COMMENT_MAX_LENGTH
from app.i18n import N_, _

RATINGS = (1, 2, 3, 4, 5)
# Labels are marked for extraction here and translated where they are shown.
RATING_LABELS: dict[int, str] = {
    1: N_("1 – Poor"),
    2: N_("2 – Fair"),
    3: N_("3 – Good"),
    4: N_("4 – Very good"),
    5: N_("5 – Excellent"),
}


class FeedbackForm(BaseModel):
    # Checked by the validator, which says what is expected, also when nothing was chosen.
    rating: int = Field(default=0, validate_default=True)
    comment: str = ""

    @field_validator("rating", mode="before")
    @classmethod
    def _one_to_five(cls, value: Any) -> int:
        if isinstance(value, str) and value.strip() in {str(rating) for rating in RATINGS}:
            return int(value)
        if isinstance(value, int) and not isinstance(value, bool) and value in RATINGS:
            return value
        raise ValueError(_("Choose a rating from 1 to 5."))

    @field_validator("comment")
    @classmethod
    def _comment(cls, value: str) -> str:
        # Browsers send a line break as two characters; the limit counts it as one, as their field does.
        value = value.replace("\r\n", "\n").strip()
        if len(value) > COMMENT_MAX_LENGTH:
            raise ValueError(
                _("A comment has at most {limit} characters; this one has {length}.").format(
                    limit=COMMENT_MAX_LENGTH, length=len(value)
                )
            )
        return value


class FeedbackSettingsForm(BaseModel):
    # A ticked box arrives as "on", an unticked one not at all.
    feedback_from_anyone: bool = False
