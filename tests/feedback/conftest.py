"""A hybrid conference day (tests.factories.make_hybrid_day) whose sessions took place in October 2022,
a confirmed attendee, their personal feedback links, and a clock the app's routes follow."""

from dataclasses import dataclass

import pytest

from app.db import DbSession
from app.events.models import Event
from app.feedback.links import feedback_token
from app.programme.models import Session
from app.registration.models import Registration
from app.speakers.models import Speaker
from tests.factories import make_hybrid_day
from tests.registration.manage_factories import make_registration
from tests.registration.public_factories import SECRET_KEY


@dataclass
class Day:
    event: Event
    keynote: Session  # 09:00-10:00
    panel: Session  # 14:00-15:30, Émilie Müller and Sang-Heon Lee
    coffee: Session
    chair: Speaker
    panelist: Speaker
    attendee: Registration


@pytest.fixture
def day(db: DbSession) -> Day:
    made = make_hybrid_day(db)
    keynote, panel, coffee = made["sessions"]
    chair, panelist = made["speakers"]
    attendee = make_registration(db, made["event"])
    return Day(made["event"], keynote, panel, coffee, chair, panelist, attendee)


def feedback_path(registration: Registration, session: Session) -> str:
    """What the attendee's email or registration page links to."""
    return f"/feedback/{feedback_token(SECRET_KEY, registration, session.id or 0)}"
