import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app.accounts.models import User
from app.accounts.service import create_user
from app.db import DbSession
from app.events.models import Event, EventOrganiser
from app.programme.models import Session, SessionRole
from app.speakers.models import Speaker
from tests.conftest import ORGANISER_PASSWORD, BrowserLikeClient
from tests.factories import add_role, make_event, make_session, make_speaker


@pytest.fixture
def event(db: DbSession, organiser: User) -> Event:
    event = make_event(db)
    db.add(EventOrganiser(event_id=event.id, user_id=organiser.id))
    db.commit()
    return event


def speakers_url(event: Event) -> str:
    return f"/manage/events/{event.slug}/speakers"


def all_speakers(db: DbSession) -> list[dict]:
    db.rollback()  # end the test's read transaction, so the app's commits are seen
    return [speaker.model_dump() for speaker in db.exec(select(Speaker).order_by(Speaker.id)).all()]


VALID = {
    "name": "Sang-Heon Lee",
    "affiliation": "Korea University Medicine",
    "email": "sh.lee@example.org",
    "timezone": "Asia/Seoul",
    "photo_url": "https://example.org/lee.jpg",
    "bio": "Works on **hospital information systems**.",
}


def test_speakers_page_lists_the_event_speakers_with_their_roles(
    db: DbSession, organiser_client: BrowserLikeClient, event: Event
) -> None:
    speaker = make_speaker(db, event)
    add_role(db, make_session(db, event), speaker)
    make_speaker(db, make_event(db, slug="elsewhere"), name="Someone Else")

    response = organiser_client.get(speakers_url(event))

    assert response.status_code == 200
    assert "<td>Korea University Medicine</td>" in response.text
    assert "Someone Else" not in response.text
    assert "1 speaker" in response.text


def test_add_speaker_saves_every_field(
    db: DbSession, organiser_client: BrowserLikeClient, event: Event
) -> None:
    response = organiser_client.post(speakers_url(event), VALID)

    db.rollback()
    speaker = db.exec(select(Speaker)).one()
    assert (response.status_code, response.headers["location"]) == (
        303,
        f"http://testserver{speakers_url(event)}",
    )
    assert speaker.model_dump(
        exclude={
            "id",
            "created_at",
            "photo_key",
            "portal_secret",
            "guid",
            "source_id",
            "updated_at",
            "language",
        }
    ) == {
        **VALID,
        "event_id": event.id,
    }


def test_edit_speaker_changes_them_and_keeps_their_roles(
    db: DbSession, organiser_client: BrowserLikeClient, event: Event
) -> None:
    speaker = make_speaker(db, event)
    add_role(db, make_session(db, event), speaker)

    page = organiser_client.get(f"{speakers_url(event)}/{speaker.id}")
    organiser_client.post(
        f"{speakers_url(event)}/{speaker.id}", {**VALID, "name": "Lee Sang-Heon", "timezone": ""}
    )

    db.rollback()
    assert 'value="Sang-Heon Lee"' in page.text
    db.rollback()
    assert (speaker.name, speaker.timezone, len(db.exec(select(SessionRole)).all())) == (
        "Lee Sang-Heon",
        None,
        1,
    )


@pytest.mark.parametrize(
    ("changes", "field_message"),
    [
        ({"name": ""}, "This field is required."),
        ({"timezone": "Mars/Olympus"}, "Choose a time zone from the list, such as Europe/Paris."),
        ({"email": "not an email"}, "Enter an email address, such as name@example.org."),
        ({"photo_url": "ftp://example.org/x.jpg"}, "Enter a web address starting with https://."),
        ({"email": "DANA@example.org"}, "Another speaker of this event already uses this email."),
    ],
    ids=["no-name", "unknown-time-zone", "bad-email", "bad-photo-address", "email-taken"],
)
def test_speaker_forms_refuse_bad_input_and_save_nothing(
    db: DbSession, organiser_client: BrowserLikeClient, event: Event, changes: dict, field_message: str
) -> None:
    make_speaker(db, event, name="Dana", email="dana@example.org")
    speaker = make_speaker(db, event)
    before = all_speakers(db)

    added = organiser_client.post(speakers_url(event), {**VALID, **changes}, htmx=True)
    updated = organiser_client.post(f"{speakers_url(event)}/{speaker.id}", {**VALID, **changes}, htmx=True)

    assert (added.status_code, updated.status_code) == (422, 422)
    assert field_message in added.text
    assert field_message in updated.text
    assert "<html" not in added.text
    assert added.text.lstrip().startswith('<section id="speaker-form"')
    assert "HX-Request" in added.headers["vary"].split(", ")
    assert all_speakers(db) == before


def test_delete_speaker_takes_them_off_sessions_but_keeps_the_sessions(
    db: DbSession, organiser_client: BrowserLikeClient, event: Event
) -> None:
    speaker = make_speaker(db, event)
    add_role(db, make_session(db, event), speaker)

    response = organiser_client.post(f"{speakers_url(event)}/{speaker.id}/delete")

    assert response.status_code == 303
    db.rollback()
    assert (all_speakers(db), db.exec(select(SessionRole)).all(), len(db.exec(select(Session)).all())) == (
        [],
        [],
        1,
    )


def test_speaker_of_another_event_cannot_be_edited_here(
    db: DbSession, organiser_client: BrowserLikeClient, event: Event
) -> None:
    stranger = make_speaker(db, make_event(db, slug="elsewhere"))
    before = all_speakers(db)

    response = organiser_client.post(f"{speakers_url(event)}/{stranger.id}", {**VALID, "name": "Hijacked"})

    assert (response.status_code, all_speakers(db)) == (404, before)


def test_speakers_pages_are_for_organisers_only(db: DbSession, client: TestClient, event: Event) -> None:
    anonymous = client.get(speakers_url(event))
    create_user(db, "stranger@example.org", ORGANISER_PASSWORD, name="Stranger")
    stranger = BrowserLikeClient(client)
    stranger.login("stranger@example.org")

    refused = stranger.post(speakers_url(event), VALID)

    assert (anonymous.status_code, anonymous.headers["location"]) == (
        303,
        "http://testserver/login?next=%2Fmanage%2Fevents%2Fprelude-test%2Fspeakers",
    )
    assert refused.status_code == 403
    assert "You are not an organiser of this event." in refused.text
    assert all_speakers(db) == []
