"""The next edition takes over what the organiser ticks: rooms, tracks, sessions, speakers, registration."""

from datetime import UTC, date, datetime

from sqlmodel import select

from app.accounts.models import User
from app.db import DbSession
from app.programme.editions import CloneChoices
from app.programme.models import Room, Session, SessionRole, Talk, Track
from app.registration.editions import clone_event
from app.registration.models import Question, QuestionKind, Registration, RegistrationForm
from app.speakers.models import Speaker
from tests.factories import (
    add_role,
    at,
    make_event,
    make_room,
    make_session,
    make_speaker,
    make_talk,
    make_track,
)
from tests.registration.manage_factories import make_question, make_registration, make_registration_form


def _event_with_everything(db: DbSession):  # noqa: ANN202
    event = make_event(db, slug="prelude-2022")
    room = make_room(db, event)
    track = make_track(db, event)
    session = make_session(
        db, event, room_id=room.id, track_id=track.id, start_at=at(event, 0, 9), end_at=at(event, 0, 10)
    )
    talk = make_talk(db, session)
    add_role(db, session, make_speaker(db, event), talk_id=talk.id)
    make_registration_form(
        db,
        event,
        in_person_seats=250,
        requires_approval=True,
        privacy_note="Kept a year.",
        opens_at=datetime(2022, 9, 1, 7, 0, tzinfo=UTC),
    )
    make_question(db, event, label="Dietary requirements", position=0)
    make_question(db, event, label="Workshop", kind=QuestionKind.single_choice, options="A\nB", position=1)
    make_registration(db, event)
    return event


def _of(db: DbSession, model: type, event_id: int | None) -> list:
    return list(db.exec(select(model).where(model.event_id == event_id)).all())


def test_by_default_the_next_edition_takes_everything_but_the_registrations(
    db: DbSession, organiser: User
) -> None:
    event = _event_with_everything(db)

    clone = clone_event(
        db, event, "prelude-2023", "Prelude 2023", date(2023, 10, 4), organiser, CloneChoices()
    )

    (session,) = _of(db, Session, clone.id)
    (form,) = _of(db, RegistrationForm, clone.id)
    assert (db.get(Room, session.room_id).event_id, db.get(Track, session.track_id).event_id) == (
        clone.id,
        clone.id,
    )
    assert len(db.exec(select(SessionRole).where(SessionRole.session_id == session.id)).all()) == 1
    assert (form.in_person_seats, form.requires_approval, form.privacy_note) == (250, True, "Kept a year.")
    # Opening moves with the event (364 days later), and the organiser opens registration when ready.
    assert (form.opens_at, form.is_open) == (datetime(2023, 8, 31, 7, 0, tzinfo=UTC), False)
    assert [(q.label, q.options) for q in sorted(_of(db, Question, clone.id), key=lambda q: q.position)] == [
        ("Dietary requirements", ""),
        ("Workshop", "A\nB"),
    ]
    assert _of(db, Registration, clone.id) == []


def test_sessions_copied_without_rooms_tracks_and_speakers_are_unassigned(
    db: DbSession, organiser: User
) -> None:
    event = _event_with_everything(db)
    choices = CloneChoices(rooms=False, tracks=False, speakers=False, registration=False)

    clone = clone_event(db, event, "prelude-2023", "Prelude 2023", date(2023, 10, 4), organiser, choices)

    (session,) = _of(db, Session, clone.id)
    assert (session.room_id, session.track_id, session.start_at) == (None, None, at(clone, 0, 9))
    assert len(db.exec(select(Talk).where(Talk.session_id == session.id)).all()) == 1
    assert db.exec(select(SessionRole).where(SessionRole.session_id == session.id)).all() == []
    for model in (Room, Track, Speaker, RegistrationForm, Question):
        assert _of(db, model, clone.id) == [], model


def test_rooms_and_speakers_without_the_sessions(db: DbSession, organiser: User) -> None:
    event = _event_with_everything(db)
    choices = CloneChoices(sessions=False, tracks=False, registration=False)

    clone = clone_event(db, event, "prelude-2023", "Prelude 2023", date(2023, 10, 4), organiser, choices)

    assert [room.name for room in _of(db, Room, clone.id)] == ["Auditorium"]
    assert [speaker.name for speaker in _of(db, Speaker, clone.id)] == ["Sang-Heon Lee"]
    assert _of(db, Session, clone.id) == []
