from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app.accounts.models import User
from app.accounts.service import create_user
from app.db import DbSession
from app.events.models import Event, EventOrganiser
from app.programme.models import RoleKind, Room, Session, SessionRole, Talk, Track
from app.speakers.models import Speaker
from tests.conftest import ORGANISER_PASSWORD, BrowserLikeClient
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


@pytest.fixture
def event(db: DbSession, organiser: User) -> Event:
    event = make_event(db)
    db.add(EventOrganiser(event_id=event.id, user_id=organiser.id))
    db.commit()
    return event


def everything(db: DbSession) -> list[dict]:
    """Every programme row, to prove a refused form saved nothing."""
    db.rollback()  # end the test's read transaction, so the app's commits are seen
    rows = []
    for model in (Room, Track, Session, Talk, SessionRole):
        rows += [record.model_dump() for record in db.exec(select(model).order_by(model.id)).all()]
    return rows


def builder(event: Event) -> str:
    return f"/manage/events/{event.slug}/programme"


def test_builder_page_shows_sessions_in_their_room_column_with_conflicts(
    db: DbSession, organiser_client: BrowserLikeClient, event: Event
) -> None:
    room = make_room(db, event, name="Amphi Charcot")
    make_session(
        db, event, title="Opening", room_id=room.id, start_at=at(event, 0, 9), end_at=at(event, 0, 10)
    )
    make_session(
        db, event, title="Welcome", room_id=room.id, start_at=at(event, 0, 9), end_at=at(event, 0, 10)
    )
    make_session(db, event, title="Coffee", start_at=at(event, 0, 10), end_at=at(event, 0, 10, 30))

    response = organiser_client.get(builder(event) + "?day=2022-10-05")

    assert response.status_code == 200
    assert '<div class="room-head">Amphi Charcot</div>' in response.text
    assert f'class="slot-filled double-booked" data-room-id="{room.id}" data-start="09:00"' in response.text
    assert 'data-room-id="" data-start="10:00"' in response.text  # Coffee sits in the unassigned column
    assert "Amphi Charcot is booked twice: “Opening” and “Welcome” overlap" in response.text
    assert "HX-Request" in response.headers["vary"].split(", ")


def test_organiser_chooses_which_rooms_the_builder_shows_and_the_choice_is_kept(
    db: DbSession, organiser_client: BrowserLikeClient, event: Event
) -> None:
    shown = make_room(db, event, name="Amphi Charcot")
    hidden = make_room(db, event, name="Salle Pasteur")
    make_session(
        db, event, title="Opening", room_id=shown.id, start_at=at(event, 0, 9), end_at=at(event, 0, 10)
    )
    make_session(
        db, event, title="Poster", room_id=hidden.id, start_at=at(event, 0, 9), end_at=at(event, 0, 10)
    )

    chosen = organiser_client.get(builder(event) + f"?day=2022-10-05&rooms=chosen&room={shown.id}")
    later = organiser_client.get(builder(event) + "?day=2022-10-05", headers={"HX-Request": "true"})
    everything_again = organiser_client.get(builder(event) + "?day=2022-10-05&rooms=chosen")

    for page in (chosen, later):
        assert "Rooms shown: 1 of 2" in page.text
        assert '<div class="room-head">Salle Pasteur</div>' not in page.text
        assert "Opening" in page.text and "Poster" not in page.text  # not moved to "Unassigned"
    assert "Rooms shown: 2 of 2" in everything_again.text
    assert "Poster" in everything_again.text


def test_builder_htmx_request_gets_only_the_blocks(
    db: DbSession, organiser_client: BrowserLikeClient, event: Event
) -> None:
    make_session(db, event, title="Opening")

    response = organiser_client.get(builder(event), headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert "<html" not in response.text
    assert response.text.lstrip().startswith('<section id="builder-grid"')
    assert 'id="session-editor"' in response.text
    assert "HX-Request" in response.headers["vary"].split(", ")


def test_builder_redirects_anonymous_visitors_to_login(client: TestClient, event: Event) -> None:
    response = client.get(builder(event))

    assert (response.status_code, response.headers["location"]) == (
        303,
        "http://testserver/login?next=%2Fmanage%2Fevents%2Fprelude-test%2Fprogramme",
    )


def test_builder_refuses_someone_who_is_not_an_organiser(
    db: DbSession, client: TestClient, event: Event
) -> None:
    create_user(db, "stranger@example.org", ORGANISER_PASSWORD, name="Stranger")
    stranger = BrowserLikeClient(client)
    stranger.login("stranger@example.org")

    page = stranger.get(builder(event))
    post = stranger.post(
        builder(event) + "/sessions",
        {"title": "Sneaky", "day": "2022-10-05", "start": "09:00", "end": "10:00"},
    )

    assert (page.status_code, post.status_code) == (403, 403)
    assert "You are not an organiser of this event." in page.text
    db.rollback()
    assert db.exec(select(Session)).all() == []


def test_create_session_without_js_redirects_back_to_the_builder(
    db: DbSession, organiser_client: BrowserLikeClient, event: Event
) -> None:
    room = make_room(db, event)

    response = organiser_client.post(
        builder(event) + "/sessions",
        {
            "title": "Keynote",
            "kind": "keynote",
            "day": "2022-10-06",
            "start": "09:00",
            "end": "10:00",
            "room_id": room.id,
        },
    )

    db.rollback()
    created = db.exec(select(Session)).one()
    assert (response.status_code, response.headers["location"]) == (
        303,
        f"http://testserver{builder(event)}?day=2022-10-06&session={created.id}",
    )
    assert (created.title, created.start_at, created.end_at, created.room_id) == (
        "Keynote",
        datetime(2022, 10, 6, 7, 0, tzinfo=UTC),
        datetime(2022, 10, 6, 8, 0, tzinfo=UTC),
        room.id,
    )


def test_create_session_on_the_day_clocks_go_back_stores_utc(
    db: DbSession, organiser_client: BrowserLikeClient, organiser: User
) -> None:
    event = make_event(db, slug="autumn", start_date=date(2022, 10, 29), end_date=date(2022, 10, 31))
    db.add(EventOrganiser(event_id=event.id, user_id=organiser.id))
    db.commit()

    organiser_client.post(
        builder(event) + "/sessions",
        {"title": "Sunday talk", "day": "2022-10-30", "start": "10:00", "end": "11:00"},
    )

    db.rollback()
    created = db.exec(select(Session)).one()
    assert (created.start_at, created.end_at) == (
        datetime(2022, 10, 30, 9, 0, tzinfo=UTC),
        datetime(2022, 10, 30, 10, 0, tzinfo=UTC),
    )


def test_create_session_with_htmx_returns_grid_and_conflicts_out_of_band(
    db: DbSession, organiser_client: BrowserLikeClient, event: Event
) -> None:
    room = make_room(db, event, name="Auditorium")
    make_session(
        db, event, title="Opening", room_id=room.id, start_at=at(event, 0, 9), end_at=at(event, 0, 10)
    )

    response = organiser_client.post(
        builder(event) + "/sessions",
        {"title": "Clash", "day": "2022-10-05", "start": "09:30", "end": "10:30", "room_id": room.id},
        htmx=True,
    )

    assert response.status_code == 200
    assert "<html" not in response.text
    assert '<section id="builder-grid" class="builder-grid" hx-swap-oob="true"' in response.text
    assert '<section id="conflict-list" class="card conflict-list" hx-swap-oob="true"' in response.text
    assert "Auditorium is booked twice: “Opening” and “Clash” overlap" in response.text
    assert "HX-Request" in response.headers["vary"].split(", ")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"title": "Backwards", "day": "2022-10-05", "start": "11:00", "end": "10:00"},
            "The session must end after it starts.",
        ),
        ({"title": "", "day": "2022-10-05", "start": "10:00", "end": "11:00"}, "This field is required."),
        (
            {"title": "Off days", "day": "2022-11-05", "start": "10:00", "end": "11:00"},
            "Choose one of the event&#39;s days.",
        ),
        (
            {"title": "Bad time", "day": "2022-10-05", "start": "10h", "end": "11:00"},
            "Enter a time as HH:MM.",
        ),
        (
            {"title": "Seats", "day": "2022-10-05", "start": "10:00", "end": "11:00", "seat_limit": "-3"},
            "Enter a number that is not negative.",
        ),
        (
            {"title": "Room", "day": "2022-10-05", "start": "10:00", "end": "11:00", "room_id": "9999"},
            "Choose one of this event&#39;s rooms.",
        ),
    ],
    ids=["end-before-start", "no-title", "day-outside-event", "bad-time", "negative-seats", "unknown-room"],
)
def test_create_session_refuses_bad_input_and_saves_nothing(
    db: DbSession, organiser_client: BrowserLikeClient, event: Event, data: dict, message: str
) -> None:
    before = everything(db)

    response = organiser_client.post(builder(event) + "/sessions", data, htmx=True)

    assert response.status_code == 422
    assert message in response.text
    assert response.text.lstrip().startswith('<section id="session-create"')
    assert everything(db) == before


def test_create_session_bad_input_without_js_shows_the_whole_page(
    db: DbSession, organiser_client: BrowserLikeClient, event: Event
) -> None:
    response = organiser_client.post(
        builder(event) + "/sessions",
        {"title": "Backwards", "day": "2022-10-05", "start": "11:00", "end": "10:00"},
    )

    assert response.status_code == 422
    assert "<html" in response.text
    assert "The session must end after it starts." in response.text
    assert 'value="Backwards"' in response.text


def test_update_session_refuses_bad_input_and_saves_nothing(
    db: DbSession, organiser_client: BrowserLikeClient, event: Event
) -> None:
    session = make_session(db, event)
    foreign_track = make_track(db, make_event(db, slug="elsewhere"))
    before = everything(db)

    response = organiser_client.post(
        f"{builder(event)}/sessions/{session.id}",
        {
            "title": "Renamed",
            "day": "2022-10-05",
            "start": "10:00",
            "end": "11:00",
            "track_id": foreign_track.id,
        },
        htmx=True,
    )

    assert response.status_code == 422
    assert "Choose one of this event&#39;s tracks." in response.text
    assert response.text.lstrip().startswith('<section id="session-editor"')
    assert everything(db) == before


def test_update_session_changes_it(db: DbSession, organiser_client: BrowserLikeClient, event: Event) -> None:
    session = make_session(db, event)
    track = make_track(db, event)

    organiser_client.post(
        f"{builder(event)}/sessions/{session.id}",
        {
            "title": "Renamed",
            "kind": "panel",
            "day": "2022-10-06",
            "start": "16:00",
            "end": "17:00",
            "track_id": track.id,
            "abstract": "New",
            "seat_limit": "40",
        },
    )

    db.rollback()
    assert (session.title, session.kind.value, session.start_at, session.track_id, session.seat_limit) == (
        "Renamed",
        "panel",
        at(event, 1, 16),
        track.id,
        40,
    )


def test_move_session_keeps_its_duration(
    db: DbSession, organiser_client: BrowserLikeClient, event: Event
) -> None:
    room = make_room(db, event, name="Room B")
    session = make_session(db, event, start_at=at(event, 0, 14), end_at=at(event, 0, 15, 30))

    response = organiser_client.post(
        f"{builder(event)}/sessions/{session.id}/move",
        {"room_id": room.id, "day": "2022-10-06", "start": "09:00"},
        htmx=True,
    )

    db.rollback()
    assert response.status_code == 200
    assert (session.room_id, session.start_at, session.end_at) == (
        room.id,
        at(event, 1, 9),
        at(event, 1, 10, 30),
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"day": "2022-10-05", "start": "25:99"}, "Enter a time as HH:MM."),
        ({"day": "", "start": "09:00"}, "This field is required."),
        ({"day": "2022-10-05", "start": "09:00", "room_id": "9999"}, "Choose one of this event&#39;s rooms."),
    ],
    ids=["bad-time", "no-day", "unknown-room"],
)
def test_move_session_refuses_bad_input_and_saves_nothing(
    db: DbSession, organiser_client: BrowserLikeClient, event: Event, data: dict, message: str
) -> None:
    session = make_session(db, event)
    before = everything(db)

    response = organiser_client.post(f"{builder(event)}/sessions/{session.id}/move", data, htmx=True)

    assert response.status_code == 422
    assert message in response.text
    assert everything(db) == before


def test_cancel_and_restore_keep_the_session_visible(
    db: DbSession, organiser_client: BrowserLikeClient, event: Event
) -> None:
    session = make_session(db, event, title="Governance")

    cancelled = organiser_client.post(f"{builder(event)}/sessions/{session.id}/cancel", htmx=True)
    db.rollback()
    was_cancelled = session.is_cancelled
    organiser_client.post(f"{builder(event)}/sessions/{session.id}/restore")
    db.rollback()

    assert '<span class="badge cancelled">Cancelled</span>' in cancelled.text
    assert "Governance" in cancelled.text
    assert (was_cancelled, session.is_cancelled) == (True, False)


def test_delete_session_removes_it(db: DbSession, organiser_client: BrowserLikeClient, event: Event) -> None:
    session = make_session(db, event)

    response = organiser_client.post(f"{builder(event)}/sessions/{session.id}/delete")

    db.rollback()
    assert (response.status_code, db.exec(select(Session)).all()) == (303, [])


def test_session_of_another_event_is_not_found(
    db: DbSession, organiser_client: BrowserLikeClient, event: Event
) -> None:
    other = make_session(db, make_event(db, slug="elsewhere"))

    response = organiser_client.post(f"{builder(event)}/sessions/{other.id}/cancel")

    db.rollback()
    assert (response.status_code, other.is_cancelled) == (404, False)


def test_talks_are_added_and_reordered(
    db: DbSession, organiser_client: BrowserLikeClient, event: Event
) -> None:
    session = make_session(db, event)
    url = f"{builder(event)}/sessions/{session.id}/talks"
    for title in ("Health Data Hub", "TEHDAS"):
        organiser_client.post(url, {"title": title}, htmx=True)
    db.rollback()
    tehdas = db.exec(select(Talk).where(Talk.title == "TEHDAS")).one()

    response = organiser_client.post(f"{url}/{tehdas.id}/move", {"direction": "up"}, htmx=True)

    db.rollback()
    talks = db.exec(select(Talk).order_by(Talk.position)).all()
    assert [(talk.position, talk.title) for talk in talks] == [(1, "TEHDAS"), (2, "Health Data Hub")]
    assert response.text.index("<strong>TEHDAS</strong>") < response.text.index(
        "<strong>Health Data Hub</strong>"
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": ""}, "This field is required."),
        ({"title": "Backwards", "start": "15:00", "end": "14:30"}, "The talk must end after it starts."),
        ({"title": "Half", "start": "14:00"}, "Give both a start and an end time, or neither."),
    ],
    ids=["no-title", "end-before-start", "start-without-end"],
)
def test_talk_forms_refuse_bad_input_and_save_nothing(
    db: DbSession, organiser_client: BrowserLikeClient, event: Event, data: dict, message: str
) -> None:
    session = make_session(db, event)
    talk = make_talk(db, session, title="Existing")
    before = everything(db)

    created = organiser_client.post(f"{builder(event)}/sessions/{session.id}/talks", data, htmx=True)
    updated = organiser_client.post(
        f"{builder(event)}/sessions/{session.id}/talks/{talk.id}", data, htmx=True
    )

    assert (created.status_code, updated.status_code) == (422, 422)
    assert message in created.text
    assert message in updated.text
    assert everything(db) == before


def test_talk_move_refuses_an_unknown_direction(
    db: DbSession, organiser_client: BrowserLikeClient, event: Event
) -> None:
    session = make_session(db, event)
    talk = make_talk(db, session)
    before = everything(db)

    response = organiser_client.post(
        f"{builder(event)}/sessions/{session.id}/talks/{talk.id}/move", {"direction": "sideways"}, htmx=True
    )

    assert (response.status_code, everything(db)) == (422, before)
    assert "Choose one of the options." in response.text


def test_speaker_role_is_added_and_the_night_conflict_appears(
    db: DbSession, organiser_client: BrowserLikeClient, event: Event
) -> None:
    session = make_session(
        db, event, title="Governance", start_at=at(event, 0, 14), end_at=at(event, 0, 15, 30)
    )
    talk = make_talk(db, session, title="A cloud-based HIS")
    speaker = make_speaker(db, event)

    response = organiser_client.post(
        f"{builder(event)}/sessions/{session.id}/roles",
        {"speaker_id": speaker.id, "role": "speaker", "talk_id": talk.id, "is_remote": "on"},
        htmx=True,
    )

    db.rollback()
    role = db.exec(select(SessionRole)).one()
    assert (role.talk_id, role.speaker_id, role.is_remote) == (talk.id, speaker.id, True)
    assert "Sang-Heon Lee presents “A cloud-based HIS” remotely at night in their time zone" in response.text


def test_a_new_speaker_is_created_from_the_builder_and_put_on_the_session(
    db: DbSession, organiser_client: BrowserLikeClient, event: Event
) -> None:
    session = make_session(db, event, title="Governance")

    response = organiser_client.post(
        f"{builder(event)}/sessions/{session.id}/roles",
        {"new_speaker_name": "Ana Costa", "new_speaker_email": "ana@example.org", "role": "moderator"},
        htmx=True,
    )

    assert response.status_code == 200
    db.rollback()
    speaker = db.exec(select(Speaker).where(Speaker.event_id == event.id)).one()
    role = db.exec(select(SessionRole)).one()
    assert (speaker.name, speaker.email) == ("Ana Costa", "ana@example.org")
    assert (role.speaker_id, role.session_id, role.role) == (speaker.id, session.id, RoleKind.moderator)
    assert "Ana Costa" in response.text


@pytest.mark.parametrize(
    ("data", "message", "added_message"),
    [
        ({"role": "speaker"}, "This field is required.", "Choose a speaker, or type the name of a new one."),
        ({"speaker_id": "{speaker}", "role": "boss"}, "Choose one of the options.", None),
        ({"speaker_id": "{stranger}", "role": "speaker"}, "Choose one of this event&#39;s speakers.", None),
        (
            {"speaker_id": "{speaker}", "new_speaker_name": "Ana Costa", "role": "speaker"},
            None,  # editing a role only ever picks a speaker
            "Choose a speaker or type a new name, not both.",
        ),
        (
            {"new_speaker_name": "Ana Costa", "new_speaker_email": "chair@example.org"},
            None,
            "Another speaker of this event already uses this email.",
        ),
    ],
    ids=["no-speaker", "unknown-role", "speaker-of-another-event", "both", "new-speaker-email-taken"],
)
def test_role_forms_refuse_bad_input_and_save_nothing(
    db: DbSession,
    organiser_client: BrowserLikeClient,
    event: Event,
    data: dict,
    message: str | None,
    added_message: str | None,
) -> None:
    session = make_session(db, event)
    speaker = make_speaker(db, event, email="chair@example.org")
    stranger = make_speaker(db, make_event(db, slug="elsewhere"))
    existing = add_role(db, session, speaker, role=RoleKind.chair)
    filled = {key: value.format(speaker=speaker.id, stranger=stranger.id) for key, value in data.items()}
    before = everything(db)

    added = organiser_client.post(f"{builder(event)}/sessions/{session.id}/roles", filled, htmx=True)
    assert added.status_code == 422
    assert (added_message or message) in added.text
    if message is not None:
        updated = organiser_client.post(
            f"{builder(event)}/sessions/{session.id}/roles/{existing.id}", filled, htmx=True
        )
        assert updated.status_code == 422
        assert message in updated.text
    assert everything(db) == before


def test_role_is_updated_and_removed(
    db: DbSession, organiser_client: BrowserLikeClient, event: Event
) -> None:
    session = make_session(db, event)
    speaker = make_speaker(db, event)
    role = add_role(db, session, speaker)
    url = f"{builder(event)}/sessions/{session.id}/roles/{role.id}"

    organiser_client.post(url, {"speaker_id": speaker.id, "role": "moderator", "is_remote": "on"})
    db.rollback()
    changed = (role.role, role.is_remote)
    organiser_client.post(url + "/remove")

    db.rollback()
    assert (changed, db.exec(select(SessionRole)).all()) == ((RoleKind.moderator, True), [])


# Rooms and tracks -------------------------------------------------------------------------------


def test_rooms_are_listed_added_edited_and_deleted(
    db: DbSession, organiser_client: BrowserLikeClient, event: Event
) -> None:
    url = f"/manage/events/{event.slug}/rooms"

    added = organiser_client.post(url, {"name": "Amphi Charcot", "capacity": "250"})
    db.rollback()
    room = db.exec(select(Room)).one()
    organiser_client.post(f"{url}/{room.id}", {"name": "Amphi Charcot (main)", "capacity": "240"})
    page = organiser_client.get(url)
    deleted = organiser_client.post(f"{url}/{room.id}/delete")

    assert (added.status_code, added.headers["location"]) == (303, f"http://testserver{url}")
    assert "<td>Amphi Charcot (main)</td>" in page.text
    db.rollback()
    assert (deleted.status_code, db.exec(select(Room)).all()) == (303, [])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": ""}, "This field is required."),
        ({"name": "Hall", "capacity": "-1"}, "Enter a number that is not negative."),
        ({"name": "Hall", "capacity": "many"}, "Enter a whole number."),
        (
            {"name": "Hall", "stream_url": "javascript:alert(1)"},
            "Enter a web address starting with https://.",
        ),
        ({"name": "auditorium"}, "This event already has a room with this name."),
    ],
    ids=["no-name", "negative-capacity", "capacity-not-a-number", "bad-stream", "duplicate-name"],
)
def test_room_forms_refuse_bad_input_and_save_nothing(
    db: DbSession, organiser_client: BrowserLikeClient, event: Event, data: dict, message: str
) -> None:
    make_room(db, event, name="Auditorium")
    other = make_room(db, event, name="Room B")
    url = f"/manage/events/{event.slug}/rooms"
    before = everything(db)

    added = organiser_client.post(url, data, htmx=True)
    updated = organiser_client.post(f"{url}/{other.id}", data, htmx=True)

    assert (added.status_code, updated.status_code) == (422, 422)
    assert message in added.text
    assert message in updated.text
    assert added.text.lstrip().startswith('<section id="room-form"')
    assert everything(db) == before


def test_tracks_are_added_and_edited(
    db: DbSession, organiser_client: BrowserLikeClient, event: Event
) -> None:
    url = f"/manage/events/{event.slug}/tracks"

    organiser_client.post(url, {"name": "Health data", "colour": "#1F6F8B"})
    db.rollback()
    track = db.exec(select(Track)).one()
    organiser_client.post(f"{url}/{track.id}", {"name": "Data", "colour": "#000000"})
    page = organiser_client.get(url)

    db.rollback()
    assert (track.name, track.colour) == ("Data", "#000000")
    assert "<td>Data</td>" in page.text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "colour": "#000000"}, "This field is required."),
        ({"name": "Ethics", "colour": "red"}, "Enter a colour as #rrggbb, such as #1f6f8b."),
        ({"name": "Health data", "colour": "#000000"}, "This event already has a track with this name."),
    ],
    ids=["no-name", "bad-colour", "duplicate-name"],
)
def test_track_forms_refuse_bad_input_and_save_nothing(
    db: DbSession, organiser_client: BrowserLikeClient, event: Event, data: dict, message: str
) -> None:
    make_track(db, event, name="Health data")
    other = make_track(db, event, name="Ethics")
    url = f"/manage/events/{event.slug}/tracks"
    before = everything(db)

    added = organiser_client.post(url, data, htmx=True)
    updated = organiser_client.post(f"{url}/{other.id}", data, htmx=True)

    assert (added.status_code, updated.status_code) == (422, 422)
    assert message in added.text
    assert message in updated.text
    assert everything(db) == before


def test_rooms_and_tracks_pages_are_for_organisers_only(
    db: DbSession, client: TestClient, event: Event
) -> None:
    anonymous = client.get(f"/manage/events/{event.slug}/rooms")
    create_user(db, "stranger@example.org", ORGANISER_PASSWORD, name="Stranger")
    stranger = BrowserLikeClient(client)
    stranger.login("stranger@example.org")

    refused = stranger.get(f"/manage/events/{event.slug}/tracks")

    assert (anonymous.status_code, anonymous.headers["location"]) == (
        303,
        "http://testserver/login?next=%2Fmanage%2Fevents%2Fprelude-test%2Frooms",
    )
    assert refused.status_code == 403
    assert "You are not an organiser of this event." in refused.text


def test_builder_page_query_count_does_not_grow_with_the_programme(
    db: DbSession,
    organiser_client: BrowserLikeClient,
    event: Event,
    count_queries: Callable[[], AbstractContextManager[list[str]]],
) -> None:
    room = make_room(db, event)
    first = make_session(db, event, room_id=room.id)
    add_role(db, first, make_speaker(db, event), talk_id=make_talk(db, first).id)
    with count_queries() as one_session:
        organiser_client.get(f"{builder(event)}?session={first.id}")
    for hour in (9, 10):
        more = make_session(
            db, event, room_id=room.id, start_at=at(event, 0, hour), end_at=at(event, 0, hour + 1)
        )
        speaker = make_speaker(db, event, email=f"s{hour}@example.org")
        add_role(db, more, speaker, talk_id=make_talk(db, more).id)
        add_role(db, first, speaker, talk_id=make_talk(db, first, title=f"Talk {hour}").id)

    with count_queries() as three_sessions:
        organiser_client.get(f"{builder(event)}?session={first.id}")

    assert len(three_sessions) == len(one_session)
