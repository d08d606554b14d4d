from pydantic import BaseModel, Field

from app.messaging.models import Audience
from app.messaging.service import Draft
from app.text import SingleLine


class ComposeForm(BaseModel):
    audience: Audience
    session_ids: list[int] = Field(default_factory=list)
    subject: SingleLine = Field(min_length=1, max_length=500)
    body: str = Field(min_length=1, max_length=50_000)

    def draft(self) -> Draft:
        return Draft(self.audience, self.subject, self.body, tuple(self.session_ids))
