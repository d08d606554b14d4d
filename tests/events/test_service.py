from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from app.accounts.models import User
from app.db import DbSession
from app.errors import DomainError
from app.events import service as event_service
from app.events.forms import EventForm
from app.events.models import AttendanceMode, Event, EventKind, EventOrganiser, Visibility
from app.events.permissions import can_manage_event, is_listed, is_publicly_viewable
from app.programme.editions import clone_event, next_edition_suggestion
from app.programme.models import Room, Session, SessionRole, Talk
from app.speakers.models import Speaker
from tests.factories import add_role, at, make_event, make_room, make_session, make_speaker, make_talk


def _form(**overrides: object) -> EventForm:
    values: dict[str, object] = {
        "slug": "board-2025",
        "title": "Executive Committee meeting",
        "kind": "meeting",
        "start_date": "2025-04-04",
        "end_date": "2025-04-05",
        "timezone": "Europe/Copenhagen",
        "venue": "Innovation Fund Denmark, Copenhagen",
        "attendance_mode": "in_person",
        "visibility": "invitation_only",
    }
    values.update(overrides)
    return EventForm.model_validate(values)


def test_create_event_starts_as_a_draft_managed_by_its_creator(db: DbSession, organiser: User) -> None:
    event = event_service.create_event(db, _form(), organiser)

    assert (event.slug, event.kind, event.is_published) == ("board-2025", EventKind.meeting, False)
    assert can_manage_event(db, organiser, event)


def test_create_event_with_a_taken_slug_is_refused(db: DbSession, organiser: User) -> None:
    make_event(db, slug="board-2025")

    with pytest.raises(DomainError) as error:
        event_service.create_event(db, _form(), organiser)

    assert error.value.field == "slug"
    assert len(db.exec(select(Event)).all()) == 1


def test_organiser_manages_only_the_events_they_were_given(
    db: DbSession, organiser: User, admin: User
) -> None:
    theirs = event_service.create_event(db, _form(), organiser)
    other = make_event(db, slug="someone-elses")

    assert [can_manage_event(db, organiser, e) for e in (theirs, other)] == [True, False]
    assert [can_manage_event(db, admin, e) for e in (theirs, other)] == [True, True]
    assert can_manage_event(db, None, theirs) is False


@pytest.mark.parametrize(
    ("visibility", "published", "viewable", "listed"),
    [
        (Visibility.public, True, True, True),
        (Visibility.unlisted, True, True, False),
        (Visibility.invitation_only, True, False, False),
        (Visibility.public, False, False, False),
    ],
    ids=["public", "unlisted", "invitation-only", "draft"],
)
def test_visibility_rules(
    db: DbSession, visibility: Visibility, published: bool, viewable: bool, listed: bool
) -> None:
    event = make_event(db, visibility=visibility, is_published=published)

    assert (is_publicly_viewable(event), is_listed(event)) == (viewable, listed)


def test_update_keeps_the_programme(db: DbSession, organiser: User) -> None:
    event = event_service.create_event(db, _form(), organiser)
    make_session(db, event)

    event_service.update_event(db, event, _form(title="ExCo meeting", attendance_mode="hybrid"))

    assert (event.title, event.attendance_mode) == ("ExCo meeting", AttendanceMode.hybrid)
    assert len(db.exec(select(Session).where(Session.event_id == event.id)).all()) == 1


def test_delete_event_removes_its_programme(db: DbSession) -> None:
    event = make_event(db)
    session = make_session(db, event, room_id=make_room(db, event).id)
    add_role(db, session, make_speaker(db, event))
    make_talk(db, session)

    event_service.delete_event(db, event)

    assert [db.exec(select(model)).all() for model in (Event, Session, Room, Speaker, Talk, SessionRole)] == [
        []
    ] * 6


def test_add_organiser_needs_an_existing_account(db: DbSession, organiser: User) -> None:
    event = make_event(db)

    with pytest.raises(DomainError) as error:
        event_service.add_organiser(db, event, "stranger@example.org")
    event_service.add_organiser(db, event, "ORGANISER@example.org")
    event_service.add_organiser(db, event, "organiser@example.org")

    assert error.value.field == "email"
    assert len(db.exec(select(EventOrganiser)).all()) == 1


def test_next_edition_suggestion_moves_the_year_on(db: DbSession) -> None:
    event = make_event(db, slug="prelude-2022", title="Prelude 2022", start_date=date(2022, 10, 5))

    assert next_edition_suggestion(event) == {
        "slug": "prelude-2023",
        "title": "Prelude 2023",
        "start_date": "2023-10-04",
    }


def test_clone_keeps_local_times_across_a_daylight_saving_change(db: DbSession, organiser: User) -> None:
    # 5 October 2022 is summer time in Paris (UTC+2); 5 December 2022 is winter time (UTC+1).
    event = make_event(db, start_date=date(2022, 10, 5), end_date=date(2022, 10, 6))
    room = make_room(db, event)
    session = make_session(db, event, room_id=room.id, start_at=at(event, 0, 9), end_at=at(event, 0, 10, 30))
    talk = make_talk(db, session, start_at=at(event, 0, 9), end_at=at(event, 0, 9, 30))
    add_role(db, session, make_speaker(db, event), talk_id=talk.id, is_remote=True)

    clone = clone_event(db, event, "prelude-winter", "Prelude winter", date(2022, 12, 5), organiser)

    copied = db.exec(select(Session).where(Session.event_id == clone.id)).one()
    copied_room = db.get(Room, copied.room_id)
    copied_role = db.exec(select(SessionRole).where(SessionRole.session_id == copied.id)).one()
    assert (clone.start_date, clone.end_date, clone.is_published) == (
        date(2022, 12, 5),
        date(2022, 12, 6),
        False,
    )
    assert (copied.start_at, copied.end_at) == (
        datetime(2022, 12, 5, 8, 0, tzinfo=UTC),
        datetime(2022, 12, 5, 9, 30, tzinfo=UTC),
    )
    assert copied.uid != session.uid
    assert (copied_room.event_id, copied_room.name) == (clone.id, room.name)
    assert copied_role.is_remote is True
    assert db.get(Speaker, copied_role.speaker_id).event_id == clone.id
    assert can_manage_event(db, organiser, clone)


def test_clone_to_a_taken_slug_is_refused_and_saves_nothing(db: DbSession, organiser: User) -> None:
    event = make_event(db, slug="prelude-2022")
    make_session(db, event)

    with pytest.raises(DomainError):
        clone_event(db, event, "prelude-2022", "Again", date(2023, 10, 4), organiser)

    assert len(db.exec(select(Event)).all()) == 1
    assert len(db.exec(select(Session)).all()) == 1
