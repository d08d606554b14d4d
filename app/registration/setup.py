"""How organisers set up an event's registration: dates, limits, moderation, and the questions asked."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func
from sqlmodel import select

from app.db import DbSession
from app.errors import DomainError
from app.events.models import Event
from app.i18n import _
from app.registration.models import Question, QuestionKind, RegistrationForm
from app.registration.queries import questions_of, registration_form_of

CHOICE_KINDS = (QuestionKind.single_choice, QuestionKind.multiple_choice)


class QuestionMove(StrEnum):
    up = "up"
    down = "down"


@dataclass(frozen=True)
class RegistrationSettings:
    is_open: bool
    opens_at: datetime | None  # UTC
    closes_at: datetime | None  # UTC
    in_person_seats: int | None
    online_places: int | None
    requires_approval: bool
    waiting_list: bool
    privacy_note: str


@dataclass(frozen=True)
class QuestionDetails:
    label: str
    kind: QuestionKind
    options: str
    is_required: bool


def save_registration_settings(
    db: DbSession, event: Event, settings: RegistrationSettings
) -> RegistrationForm:
    """Saves how the event takes registrations; the first save creates the event's registration form."""
    if settings.opens_at and settings.closes_at and settings.closes_at <= settings.opens_at:
        raise DomainError(_("Registration must close after it opens."), field="closes_at")
    form = registration_form_of(db, event) or RegistrationForm(event_id=event.id or 0)
    form.is_open = settings.is_open
    form.opens_at = settings.opens_at
    form.closes_at = settings.closes_at
    form.in_person_seats = settings.in_person_seats
    form.online_places = settings.online_places
    form.requires_approval = settings.requires_approval
    form.waiting_list = settings.waiting_list
    form.privacy_note = settings.privacy_note
    db.add(form)
    db.commit()
    db.refresh(form)
    return form


def _clean_options(details: QuestionDetails) -> str:
    if details.kind not in CHOICE_KINDS:
        return ""
    options = [line.strip() for line in details.options.splitlines() if line.strip()]
    if len(options) < 2:
        raise DomainError(_("Give at least two options, one per line."), field="options")
    if len({option.casefold() for option in options}) != len(options):
        raise DomainError(_("Each option must be different."), field="options")
    return "\n".join(options)


def add_question(db: DbSession, event: Event, details: QuestionDetails) -> Question:
    """Adds a question at the end of the form; choice questions need at least two options."""
    options = _clean_options(details)
    last = db.exec(select(func.max(Question.position)).where(Question.event_id == event.id)).one()
    question = Question(
        event_id=event.id or 0,
        label=details.label,
        kind=details.kind,
        options=options,
        is_required=details.is_required,
        position=(last + 1) if last is not None else 0,
    )
    db.add(question)
    db.commit()
    db.refresh(question)
    return question


def update_question(db: DbSession, question: Question, details: QuestionDetails) -> Question:
    """Changes a question; answers already given stay as they were typed."""
    question.options = _clean_options(details)
    question.label = details.label
    question.kind = details.kind
    question.is_required = details.is_required
    db.add(question)
    db.commit()
    db.refresh(question)
    return question


def delete_question(db: DbSession, question: Question) -> None:
    """Deletes a question with the answers given to it."""
    db.delete(question)
    db.commit()


def move_question(db: DbSession, event: Event, question: Question, direction: QuestionMove) -> list[Question]:
    """Moves a question one place up or down; the first cannot go up nor the last down."""
    questions = questions_of(db, event)
    index = next(i for i, candidate in enumerate(questions) if candidate.id == question.id)
    other = index - 1 if direction == QuestionMove.up else index + 1
    if 0 <= other < len(questions):
        questions[index], questions[other] = questions[other], questions[index]
    for position, each in enumerate(questions):
        each.position = position
        db.add(each)
    db.commit()
    return questions
