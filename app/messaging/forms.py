from pydantic import BaseModel, Field

from app.errors import InvalidInput
from app.i18n import _
from app.messaging.models import Audience
from app.messaging.reminders import ReminderSetting, ReminderUnit
from app.messaging.service import Draft
from app.text import SingleLine


class ComposeForm(BaseModel):
    audience: Audience
    session_ids: list[int] = Field(default_factory=list)
    subject: SingleLine = Field(min_length=1, max_length=500)
    body: str = Field(min_length=1, max_length=50_000)

    def draft(self) -> Draft:
        return Draft(self.audience, self.subject, self.body, tuple(self.session_ids))


class ReminderForm(BaseModel):
    """Off, or on with how long before the event (an amount of hours or days)."""

    send_reminder: bool = False
    amount: int | None = None  # checked by set_reminder, which says what is allowed
    unit: ReminderUnit = ReminderUnit.days

    def setting(self) -> ReminderSetting | None:
        if not self.send_reminder:
            return None
        if self.amount is None:
            raise InvalidInput(_("Say how long before the event."), field="amount")
        return ReminderSetting(self.amount, self.unit)
