"""A hybrid conference's keynote, running now, with its question page, one confirmed online attendee and
the moderator's link."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from app.audience.links import moderator_token
from app.db import DbSession
from tests.live.test_join_links import StreamedDay, streamed_day, token_for
from tests.registration.public_factories import SECRET_KEY


@dataclass
class QuestionDay:
    day: StreamedDay
    page: str  # the audience's question page of the keynote
    online_page: str  # the same, from the online attendee's join link
    moderator: str  # the moderator's page
    during: datetime
    after: datetime


@pytest.fixture
def question_day(db: DbSession, clock: Callable[[datetime], None]) -> QuestionDay:
    day = streamed_day(db)
    keynote = day.keynote
    page = f"/events/{day.event.slug}/sessions/{keynote.id}/questions"
    during = keynote.start_at + timedelta(minutes=20)
    clock(during)
    return QuestionDay(
        day=day,
        page=page,
        online_page=f"{page}?join={token_for(day.online, keynote)}",
        moderator=f"/moderate/{moderator_token(db, SECRET_KEY, keynote)}",
        during=during,
        after=keynote.end_at + timedelta(minutes=1),
    )
