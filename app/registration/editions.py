"""The next edition of an event with its registration set-up: limits, moderation, privacy note, questions."""

from datetime import date, timedelta

from sqlmodel import col, select

from app.accounts.models import User
from app.db import DbSession
from app.events.models import Event
from app.programme import editions
from app.programme.editions import CloneChoices
from app.registration.models import Question, RegistrationForm


def clone_event(
    db: DbSession,
    source: Event,
    slug: str,
    title: str,
    start_date: date,
    creator: User,
    choices: CloneChoices,
) -> Event:
    """The copy of `source` (see app.programme.editions), with its registration set-up when chosen."""
    copy_more = [copy_registration_setup] if choices.registration else []
    return editions.clone_event(db, source, slug, title, start_date, creator, choices, copy_more)


def copy_registration_setup(db: DbSession, source: Event, clone: Event, days: int) -> None:
    """The form's settings and questions, without anyone's registration; the opening and closing dates
    move with the event, and registration starts closed: the organiser opens it when the new edition is
    ready. Runs inside the clone's transaction."""
    form = db.exec(select(RegistrationForm).where(RegistrationForm.event_id == source.id)).first()
    if form is not None:
        values = form.model_dump(exclude={"id", "event_id"})
        copy = RegistrationForm.model_validate({**values, "event_id": clone.id, "is_open": False})
        copy.opens_at = form.opens_at + timedelta(days=days) if form.opens_at else None
        copy.closes_at = form.closes_at + timedelta(days=days) if form.closes_at else None
        db.add(copy)
    questions = db.exec(
        select(Question).where(Question.event_id == source.id).order_by(col(Question.position))
    ).all()
    for question in questions:
        db.add(
            Question.model_validate({**question.model_dump(exclude={"id", "event_id"}), "event_id": clone.id})
        )
