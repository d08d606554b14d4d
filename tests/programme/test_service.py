from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlmodel import select

from app.db import DbSession
from app.errors import DomainError
from app.programme import service
from app.programme.forms import SessionForm
from app.programme.models import RoleKind, Room, Session, SessionKind, SessionRole, Talk, Track
from app.programme.service import MoveDirection, SessionDetails
from app.web.forms import bind_form
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


def details(event: object, **overrides: object) -> SessionDetails:
    values: dict = {
        "title": "Understanding patients' perspective",
        "kind": SessionKind.themed,
        "start_at": at(event, 0, 10),  # type: ignore[arg-type]
        "end_at": at(event, 0, 11),  # type: ignore[arg-type]
    }
    values.update(overrides)
    return SessionDetails(**values)


def test_create_session_stores_the_given_times_room_and_track(db: DbSession) -> None:
    event = make_event(db)
    room, track = make_room(db, event), make_track(db, event)

    session = service.create_session(
        db, event, details(event, room_id=room.id, track_id=track.id, seat_limit=80)
    )

    stored = db.get(Session, session.id)
    assert (stored.start_at, stored.end_at, stored.room_id, stored.track_id, stored.seat_limit) == (
        datetime(2022, 10, 5, 8, 0, tzinfo=UTC),
        datetime(2022, 10, 5, 9, 0, tzinfo=UTC),
        room.id,
        track.id,
        80,
    )


def test_create_session_refuses_an_end_before_the_start(db: DbSession) -> None:
    event = make_event(db)

    with pytest.raises(DomainError) as error:
        service.create_session(db, event, details(event, end_at=at(event, 0, 9)))

    assert (error.value.field, error.value.message) == ("end", "The session must end after it starts.")
    assert db.exec(select(Session)).all() == []


def test_create_session_refuses_a_room_of_another_event(db: DbSession) -> None:
    event = make_event(db)
    other = make_event(db, slug="other-event")
    foreign_room = make_room(db, other)

    with pytest.raises(DomainError) as error:
        service.create_session(db, event, details(event, room_id=foreign_room.id))

    assert (error.value.field, error.value.message) == ("room_id", "Choose one of this event's rooms.")


def test_create_session_refuses_a_track_of_another_event(db: DbSession) -> None:
    event = make_event(db)
    foreign_track = make_track(db, make_event(db, slug="other-event"))

    with pytest.raises(DomainError) as error:
        service.create_session(db, event, details(event, track_id=foreign_track.id))

    assert error.value.field == "track_id"


def test_session_form_on_the_day_clocks_go_back_stores_the_right_utc_instants() -> None:
    # Paris leaves summer time at 03:00 on 30 October 2022: from then on it is UTC+1.
    form = bind_form(
        SessionForm,
        {"title": "Keynote", "kind": "keynote", "day": "2022-10-30", "start": "10:00", "end": "11:00"},
        context={"timezone": "Europe/Paris"},
    )

    result = form.value.details("Europe/Paris")

    assert (result.start_at, result.end_at) == (
        datetime(2022, 10, 30, 9, 0, tzinfo=UTC),
        datetime(2022, 10, 30, 10, 0, tzinfo=UTC),
    )


def test_session_form_refuses_a_time_skipped_when_clocks_go_forward() -> None:
    form = bind_form(
        SessionForm,
        {"title": "Night owls", "day": "2023-03-26", "start": "02:30", "end": "04:00"},
        context={"timezone": "Europe/Paris"},
    )

    assert form.errors == {"start": "This time does not exist on that day: the clocks go forward then."}


def test_update_session_keeps_its_calendar_uid_and_touches_updated_at(db: DbSession) -> None:
    event = make_event(db)
    session = make_session(db, event)
    uid, before = session.uid, session.updated_at

    service.update_session(
        db, event, session, details(event, title="Renamed", start_at=at(event, 1, 9), end_at=at(event, 1, 10))
    )

    stored = db.get(Session, session.id)
    assert (stored.uid, stored.title, stored.start_at) == (uid, "Renamed", at(event, 1, 9))
    assert stored.updated_at > before


def test_move_session_keeps_its_duration_and_never_deletes_it(db: DbSession) -> None:
    event = make_event(db)
    first_room, second_room = make_room(db, event), make_room(db, event, name="Room B")
    session = make_session(
        db, event, room_id=first_room.id, start_at=at(event, 0, 14), end_at=at(event, 0, 15, 30)
    )
    talk = make_talk(db, session, start_at=at(event, 0, 14, 30), end_at=at(event, 0, 15))

    service.move_session(db, event, session, room_id=second_room.id, start_at=at(event, 1, 9))

    stored = db.get(Session, session.id)
    assert (stored.room_id, stored.start_at, stored.end_at) == (
        second_room.id,
        at(event, 1, 9),
        at(event, 1, 10, 30),
    )
    moved_talk = db.get(Talk, talk.id)
    assert (moved_talk.start_at, moved_talk.end_at) == (at(event, 1, 9, 30), at(event, 1, 10))
    assert len(db.exec(select(Session)).all()) == 1


def test_move_session_refuses_a_room_of_another_event_and_changes_nothing(db: DbSession) -> None:
    event = make_event(db)
    session = make_session(db, event)
    foreign_room = make_room(db, make_event(db, slug="other-event"))

    with pytest.raises(DomainError) as error:
        service.move_session(db, event, session, room_id=foreign_room.id, start_at=at(event, 1, 9))

    db.refresh(session)
    assert (error.value.field, session.start_at, session.room_id) == ("room_id", at(event, 0, 14), None)


def test_cancelled_session_stays_on_the_programme_and_can_be_restored(db: DbSession) -> None:
    event = make_event(db)
    session = make_session(db, event)

    service.cancel_session(db, session)
    cancelled = db.get(Session, session.id).is_cancelled
    service.restore_session(db, session)

    assert (cancelled, db.get(Session, session.id).is_cancelled) == (True, False)


def test_delete_session_removes_its_talks_and_roles(db: DbSession) -> None:
    event = make_event(db)
    session = make_session(db, event)
    talk = make_talk(db, session)
    add_role(db, session, make_speaker(db, event), talk_id=talk.id)

    service.delete_session(db, session)

    assert (
        db.exec(select(Session)).all(),
        db.exec(select(Talk)).all(),
        db.exec(select(SessionRole)).all(),
    ) == (
        [],
        [],
        [],
    )


def titles_in_order(db: DbSession, session: Session) -> list[tuple[int, str]]:
    db.expire_all()
    talks = db.exec(select(Talk).where(Talk.session_id == session.id).order_by(Talk.position)).all()
    return [(talk.position, talk.title) for talk in talks]


def test_talks_are_added_last_and_move_up_and_down(db: DbSession) -> None:
    event = make_event(db)
    session = make_session(db, event)
    for title in ("Health Data Hub", "TEHDAS", "Cloud hospital"):
        service.create_talk(db, session, title=title)
    cloud = db.exec(select(Talk).where(Talk.title == "Cloud hospital")).one()

    service.move_talk(db, session, cloud, MoveDirection.up)
    after_up = titles_in_order(db, session)
    service.move_talk(db, session, cloud, MoveDirection.down)

    assert after_up == [(1, "Health Data Hub"), (2, "Cloud hospital"), (3, "TEHDAS")]
    assert titles_in_order(db, session) == [(1, "Health Data Hub"), (2, "TEHDAS"), (3, "Cloud hospital")]


def test_first_talk_cannot_move_up(db: DbSession) -> None:
    event = make_event(db)
    session = make_session(db, event)
    first = service.create_talk(db, session, title="First")
    service.create_talk(db, session, title="Second")

    service.move_talk(db, session, first, MoveDirection.up)

    assert titles_in_order(db, session) == [(1, "First"), (2, "Second")]


def test_deleting_a_talk_keeps_positions_contiguous(db: DbSession) -> None:
    event = make_event(db)
    session = make_session(db, event)
    service.create_talk(db, session, title="One")
    two = service.create_talk(db, session, title="Two")
    service.create_talk(db, session, title="Three")

    service.delete_talk(db, session, two)

    assert titles_in_order(db, session) == [(1, "One"), (2, "Three")]


def test_create_talk_refuses_an_end_without_a_start(db: DbSession) -> None:
    event = make_event(db)
    session = make_session(db, event)

    with pytest.raises(DomainError) as error:
        service.create_talk(db, session, title="Half timed", end_at=at(event, 0, 15))

    assert (error.value.field, db.exec(select(Talk)).all()) == ("start", [])


def test_add_role_puts_a_speaker_on_a_talk_remotely(db: DbSession) -> None:
    event = make_event(db)
    session = make_session(db, event)
    talk = make_talk(db, session)
    speaker = make_speaker(db, event)

    record = service.add_role(
        db, session, speaker_id=speaker.id, role=RoleKind.speaker, is_remote=True, talk_id=talk.id
    )

    stored = db.get(SessionRole, record.id)
    assert (stored.session_id, stored.talk_id, stored.speaker_id, stored.role, stored.is_remote) == (
        session.id,
        talk.id,
        speaker.id,
        RoleKind.speaker,
        True,
    )


def test_add_role_refuses_a_speaker_of_another_event(db: DbSession) -> None:
    event = make_event(db)
    session = make_session(db, event)
    stranger = make_speaker(db, make_event(db, slug="other-event"))

    with pytest.raises(DomainError) as error:
        service.add_role(db, session, speaker_id=stranger.id)

    assert (error.value.field, db.exec(select(SessionRole)).all()) == ("speaker_id", [])


def test_add_role_refuses_a_talk_of_another_session(db: DbSession) -> None:
    event = make_event(db)
    session = make_session(db, event)
    other_talk = make_talk(db, make_session(db, event, title="Other"))

    with pytest.raises(DomainError) as error:
        service.add_role(db, session, speaker_id=make_speaker(db, event).id, talk_id=other_talk.id)

    assert error.value.field == "talk_id"


def test_add_role_refuses_the_same_speaker_twice_in_one_place(db: DbSession) -> None:
    event = make_event(db)
    session = make_session(db, event)
    speaker = make_speaker(db, event)
    service.add_role(db, session, speaker_id=speaker.id, role=RoleKind.moderator)

    with pytest.raises(DomainError) as error:
        service.add_role(db, session, speaker_id=speaker.id, role=RoleKind.panelist)

    assert (error.value.message, len(db.exec(select(SessionRole)).all())) == (
        "This speaker already has a role in this session.",
        1,
    )


def test_update_and_remove_role(db: DbSession) -> None:
    event = make_event(db)
    session = make_session(db, event)
    speaker = make_speaker(db, event)
    record = service.add_role(db, session, speaker_id=speaker.id)

    service.update_role(db, session, record, speaker_id=speaker.id, role=RoleKind.chair, is_remote=True)
    updated = db.get(SessionRole, record.id)
    changed = (updated.role, updated.is_remote)
    service.remove_role(db, session, record)

    assert (changed, db.exec(select(SessionRole)).all()) == ((RoleKind.chair, True), [])


def test_room_names_are_unique_within_an_event(db: DbSession) -> None:
    event = make_event(db)
    service.create_room(db, event, name="Auditorium")

    with pytest.raises(DomainError) as error:
        service.create_room(db, event, name="auditorium")

    assert (error.value.field, len(db.exec(select(Room)).all())) == ("name", 1)


def test_deleting_a_room_keeps_its_sessions_unassigned(db: DbSession) -> None:
    event = make_event(db)
    room = service.create_room(db, event, name="Auditorium", capacity=300)
    session = make_session(db, event, room_id=room.id)
    stamped = session.updated_at

    service.delete_room(db, room)

    db.expire_all()
    moved = db.get(Session, session.id)
    # Its change stamp moves too: calendar feeds show the session's new place as a change.
    assert (moved.room_id, moved.updated_at > stamped, db.exec(select(Room)).all()) == (None, True, [])


def test_tracks_are_created_updated_and_deleted_keeping_sessions(db: DbSession) -> None:
    event = make_event(db)
    track = service.create_track(db, event, name="Health data", colour="#1F6F8B")
    session = make_session(db, event, track_id=track.id)

    service.update_track(db, track, event, name="Data", colour="#000000")
    renamed = (db.get(Track, track.id).name, db.get(Track, track.id).colour)
    service.delete_track(db, track)

    db.expire_all()
    assert (renamed, db.get(Session, session.id).track_id) == (("Data", "#000000"), None)


def test_session_form_days_outside_the_event_are_refused() -> None:
    days = [date(2022, 10, 5), date(2022, 10, 6)]

    form = bind_form(
        SessionForm,
        {"title": "Late", "day": "2022-10-09", "start": "10:00", "end": "11:00"},
        context={"timezone": "Europe/Paris", "days": days},
    )

    assert form.errors == {"day": "Choose one of the event's days."}


def test_local_day_and_time_helpers_agree_with_factories(db: DbSession) -> None:
    event = make_event(db)
    form = bind_form(SessionForm, {"title": "T", "day": "2022-10-05", "start": "14:00", "end": "15:30"})

    result = form.value.details(event.timezone)

    assert (result.start_at, result.end_at - result.start_at) == (
        at(event, 0, 14),
        timedelta(hours=1, minutes=30),
    )
    assert form.value.start == time(14, 0)
