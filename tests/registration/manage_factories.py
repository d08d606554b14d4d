"""Records for the organisers' registration tests; each function commits, as a user action would."""

from datetime import timedelta
from typing import Any

from app.accounts.models import User
from app.db import DbSession, utcnow
from app.events.models import Event, EventOrganiser
from app.programme.models import Session
from app.registration.models import (
    Answer,
    ChoiceStatus,
    Question,
    Registration,
    RegistrationForm,
    SessionChoice,
)


def _save(db: DbSession, record: Any) -> Any:
    db.add(record)
    db.commit()
    db.refresh(record)
    return record


def make_registration_form(db: DbSession, event: Event, **overrides: Any) -> RegistrationForm:
    # The factory's events took place in 2022, and a form without a closing date closes when its event
    # ends: a form made open here stays open until a date after the tests run.
    values: dict[str, Any] = {
        "event_id": event.id,
        "is_open": True,
        "waiting_list": True,
        "closes_at": utcnow() + timedelta(days=365),
    }
    values.update(overrides)
    return _save(db, RegistrationForm(**values))


def make_registration(db: DbSession, event: Event, **overrides: Any) -> Registration:
    values: dict[str, Any] = {
        "event_id": event.id,
        "name": "Hélène Dupré",
        "email": "helene.dupre@example.org",
        "affiliation": "Université Paris Cité",
        "country": "FR",
    }
    values.update(overrides)
    return _save(db, Registration(**values))


def make_question(db: DbSession, event: Event, **overrides: Any) -> Question:
    values: dict[str, Any] = {"event_id": event.id, "label": "Dietary requirements"}
    values.update(overrides)
    return _save(db, Question(**values))


def answer(db: DbSession, registration: Registration, question: Question, value: str) -> Answer:
    return _save(db, Answer(registration_id=registration.id, question_id=question.id, value=value))


def choose(
    db: DbSession, registration: Registration, session: Session, status: ChoiceStatus = ChoiceStatus.confirmed
) -> SessionChoice:
    return _save(db, SessionChoice(registration_id=registration.id, session_id=session.id, status=status))


def make_organiser_of(db: DbSession, event: Event, user: User) -> EventOrganiser:
    return _save(db, EventOrganiser(event_id=event.id, user_id=user.id))
