"""The organisers' materials page: who confirmed and uploaded, reminders, links, publishing, access."""

import re
from collections.abc import Callable
from contextlib import AbstractContextManager

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app.accounts.models import User
from app.accounts.service import create_user
from app.db import DbSession
from app.events.models import Event, EventOrganiser
from app.materials import service as material_service
from app.materials.models import Material, MaterialKind, MaterialVersion, MaterialVisibility
from app.materials.overview import materials_overview
from app.programme.models import Confirmation, RoleKind, SessionKind
from app.storage import StoredUpload
from tests.conftest import ORGANISER_PASSWORD, BrowserLikeClient, SmtpServer
from tests.factories import add_role, at, make_event, make_session, make_speaker


@pytest.fixture
def event(db: DbSession, organiser: User) -> Event:
    event = make_event(db)
    db.add(EventOrganiser(event_id=event.id, user_id=organiser.id))
    db.commit()
    return event


def materials_url(event: Event) -> str:
    return f"/manage/events/{event.slug}/materials"


def fake_upload(name: str = "slides.pdf") -> StoredUpload:
    return StoredUpload(key="c" * 64, size=1234, filename=name, content_type="application/pdf")


def reread(db: DbSession) -> None:
    db.rollback()
    db.expire_all()


def test_overview_tells_who_confirmed_and_who_uploaded(db: DbSession, event: Event) -> None:
    session = make_session(db, event)
    uploaded = make_speaker(db, event, name="Ada Uploaded", email="ada@example.org")
    waiting = make_speaker(db, event, name="Bob Waiting", email="bob@example.org")
    chair = make_speaker(db, event, name="Cleo Chair", email="cleo@example.org")
    add_role(db, session, uploaded, confirmation=Confirmation.confirmed)
    add_role(db, session, waiting)
    add_role(db, session, chair, role=RoleKind.chair, confirmation=Confirmation.confirmed, position=2)
    material_service.add_file_version(
        db,
        session,
        talk_id=None,
        speaker=uploaded,
        kind=MaterialKind.slides,
        title="",
        visibility=MaterialVisibility.public,
        upload=fake_upload(),
    )

    [entry] = materials_overview(db, event).sessions

    assert [
        (s.speaker.name, s.confirmation, s.needs_slides, s.has_slides, s.is_missing) for s in entry.speakers
    ] == [
        ("Ada Uploaded", Confirmation.confirmed, True, True, False),
        ("Bob Waiting", Confirmation.pending, True, False, True),
        ("Cleo Chair", Confirmation.confirmed, False, False, False),
    ]
    assert [line.latest.filename for line in entry.materials] == ["slides.pdf"]


def test_overview_never_chases_speakers_of_breaks_cancelled_sessions_or_who_declined(
    db: DbSession, event: Event
) -> None:
    speaker = make_speaker(db, event)
    add_role(db, make_session(db, event, kind=SessionKind.break_, title="Coffee"), speaker)
    add_role(
        db,
        make_session(
            db, event, title="Cancelled", is_cancelled=True, start_at=at(event, 1, 9), end_at=at(event, 1, 10)
        ),
        speaker,
    )
    add_role(
        db,
        make_session(db, event, title="Declined", start_at=at(event, 1, 11), end_at=at(event, 1, 12)),
        speaker,
        confirmation=Confirmation.declined,
    )

    overview = materials_overview(db, event)

    assert overview.missing_speakers == [speaker]  # the break still needs an answer
    assert [(e.session.title, [s.is_missing for s in e.speakers]) for e in overview.sessions] == [
        ("Coffee", [True]),
        ("Cancelled", [False]),
        ("Declined", [False]),
    ]


def test_materials_page_shows_each_sessions_people_and_materials(
    db: DbSession, event: Event, organiser_client: BrowserLikeClient
) -> None:
    session = make_session(db, event)
    add_role(db, session, make_speaker(db, event), confirmation=Confirmation.confirmed, is_remote=True)
    material_service.add_link_material(
        db,
        session,
        talk_id=None,
        speaker=None,
        kind=MaterialKind.recording,
        title="Video",
        url="https://video.example.org/watch/1",
        visibility=MaterialVisibility.hidden,
    )

    response = organiser_client.get(materials_url(event))

    assert response.status_code == 200
    assert "The challenges of health data governance" in response.text
    assert '<span class="badge ok">Confirmed</span>' in response.text
    assert '<span class="badge">remote</span>' in response.text
    assert '<span class="badge draft">Missing</span>' in response.text
    assert 'href="https://video.example.org/watch/1"' in response.text
    assert "1 of 1 people confirmed." in response.text


def test_reminder_emails_only_the_speakers_missing_with_their_portal_link(
    db: DbSession, event: Event, organiser_client: BrowserLikeClient, smtp: SmtpServer, client: TestClient
) -> None:
    session = make_session(db, event)
    done = make_speaker(db, event, name="Ada Done", email="ada@example.org")
    pending = make_speaker(db, event, name="Bob Pending", email="bob@example.org")
    no_email = make_speaker(db, event, name="Nora Noemail", email=None)
    for speaker in (done, pending, no_email):
        add_role(
            db,
            session,
            speaker,
            confirmation=Confirmation.confirmed if speaker is done else Confirmation.pending,
        )
    material_service.add_file_version(
        db,
        session,
        talk_id=None,
        speaker=done,
        kind=MaterialKind.slides,
        title="",
        visibility=MaterialVisibility.public,
        upload=fake_upload(),
    )

    response = organiser_client.post(f"{materials_url(event)}/reminders", htmx=True)

    assert response.status_code == 200
    assert "Reminders queued: 1; the mail log shows when each is delivered." in response.text
    assert "1 speakers have no email address" in response.text
    [message] = smtp.messages
    assert (message["To"], message["Subject"]) == (
        "bob@example.org",
        "Reminder: your sessions at Prelude to the Future of Medicine",
    )
    body = message.get_content()
    assert (
        "- The challenges of health data governance: please confirm or decline, please upload your slides"
        in body
    )
    path = re.search(r"/speaker-portal/\S+", body).group(0)
    assert client.get(path).status_code == 200


def test_reminder_keeps_the_link_already_sent_working(
    db: DbSession, event: Event, organiser_client: BrowserLikeClient, smtp: SmtpServer
) -> None:
    speaker = make_speaker(db, event)
    add_role(db, make_session(db, event), speaker)
    organiser_client.post(f"{materials_url(event)}/speakers/{speaker.id}/portal-link")
    first_link = re.search(r"/speaker-portal/\S+", smtp.messages[0].get_content()).group(0)

    organiser_client.post(f"{materials_url(event)}/reminders")

    reminder_link = re.search(r"/speaker-portal/\S+", smtp.messages[1].get_content()).group(0)
    assert organiser_client.get(first_link).status_code == 200
    assert organiser_client.get(reminder_link).status_code == 200


def test_organiser_adds_a_recording_link_to_a_session(
    db: DbSession, event: Event, organiser_client: BrowserLikeClient
) -> None:
    session = make_session(db, event)

    response = organiser_client.post(
        f"{materials_url(event)}/links",
        {
            "session_id": str(session.id),
            "kind": "recording",
            "title": "Recording",
            "visibility": "public",
            "url": "https://www.youtube.com/watch?v=abc",
        },
    )

    assert response.status_code == 303
    reread(db)
    assert [(m.session_id, m.kind, m.title, m.url, m.visibility) for m in db.exec(select(Material))] == [
        (
            session.id,
            MaterialKind.recording,
            "Recording",
            "https://www.youtube.com/watch?v=abc",
            MaterialVisibility.public,
        )
    ]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("javascript:alert(1)", "Enter a web address starting with https:// or http://."),
        ("", "This field is required."),
    ],
    ids=["script-link", "empty"],
)
def test_organiser_link_that_is_not_a_web_address_saves_nothing(
    db: DbSession, event: Event, organiser_client: BrowserLikeClient, url: str, message: str
) -> None:
    session = make_session(db, event)

    response = organiser_client.post(
        f"{materials_url(event)}/links",
        {"session_id": str(session.id), "kind": "link", "visibility": "public", "url": url},
        htmx=True,
    )

    assert response.status_code == 422
    assert response.text.lstrip().startswith('<section id="link-form"')
    assert message in response.text
    reread(db)
    assert db.exec(select(Material)).all() == []


def test_organiser_link_to_another_events_session_is_refused(
    db: DbSession, event: Event, organiser_client: BrowserLikeClient
) -> None:
    foreign = make_session(db, make_event(db, slug="someone-else"))

    response = organiser_client.post(
        f"{materials_url(event)}/links",
        {"session_id": str(foreign.id), "kind": "link", "url": "https://example.org/"},
    )

    assert response.status_code == 404
    reread(db)
    assert db.exec(select(Material)).all() == []


@pytest.mark.parametrize("visibility", ["public", "after_session", "hidden"])
def test_organiser_publishes_or_hides_a_material(
    db: DbSession, event: Event, organiser_client: BrowserLikeClient, visibility: str
) -> None:
    session = make_session(db, event)
    version = material_service.add_file_version(
        db,
        session,
        talk_id=None,
        speaker=None,
        kind=MaterialKind.slides,
        title="Deck",
        visibility=MaterialVisibility.hidden if visibility != "hidden" else MaterialVisibility.public,
        upload=fake_upload(),
    )

    response = organiser_client.post(
        f"{materials_url(event)}/{version.material_id}/visibility", {"visibility": visibility}
    )

    assert response.status_code == 303
    reread(db)
    assert db.get(Material, version.material_id).visibility == MaterialVisibility(visibility)


def test_organiser_removes_a_material_with_its_versions(
    db: DbSession, event: Event, organiser_client: BrowserLikeClient
) -> None:
    session = make_session(db, event)
    version = material_service.add_file_version(
        db,
        session,
        talk_id=None,
        speaker=None,
        kind=MaterialKind.slides,
        title="Deck",
        visibility=MaterialVisibility.public,
        upload=fake_upload(),
    )

    response = organiser_client.post(f"{materials_url(event)}/{version.material_id}/delete", htmx=True)

    assert response.status_code == 200
    assert "No materials yet." in response.text
    reread(db)
    assert (db.exec(select(Material)).all(), db.exec(select(MaterialVersion)).all()) == ([], [])


@pytest.fixture
def other_organiser_client(db: DbSession, client: TestClient, event: Event) -> BrowserLikeClient:
    other_event = make_event(db, slug="other-event")
    stranger = create_user(db, "stranger@example.org", ORGANISER_PASSWORD, name="Stranger")
    db.add(EventOrganiser(event_id=other_event.id, user_id=stranger.id))
    db.commit()
    browser = BrowserLikeClient(client)
    browser.login(stranger.email)
    return browser


def test_another_events_organiser_is_refused_everywhere(
    db: DbSession, event: Event, other_organiser_client: BrowserLikeClient, smtp: SmtpServer
) -> None:
    session = make_session(db, event)
    speaker = make_speaker(db, event)
    add_role(db, session, speaker)
    version = material_service.add_file_version(
        db,
        session,
        talk_id=None,
        speaker=speaker,
        kind=MaterialKind.slides,
        title="Deck",
        visibility=MaterialVisibility.hidden,
        upload=fake_upload(),
    )
    url = materials_url(event)

    answers = [
        other_organiser_client.get(url),
        other_organiser_client.post(f"{url}/reminders"),
        other_organiser_client.post(f"{url}/speakers/{speaker.id}/portal-link"),
        other_organiser_client.post(
            f"{url}/links", {"session_id": str(session.id), "kind": "link", "url": "https://example.org/"}
        ),
        other_organiser_client.post(f"{url}/{version.material_id}/visibility", {"visibility": "public"}),
        other_organiser_client.post(f"{url}/{version.material_id}/delete"),
    ]

    assert [answer.status_code for answer in answers] == [403] * 6
    assert "You are not an organiser of this event." in answers[0].text
    assert smtp.messages == []
    reread(db)
    assert [(m.visibility, m.url) for m in db.exec(select(Material))] == [(MaterialVisibility.hidden, None)]


def test_materials_page_runs_the_same_number_of_queries_for_1_or_3_sessions(
    db: DbSession,
    event: Event,
    organiser_client: BrowserLikeClient,
    count_queries: Callable[[], AbstractContextManager[list[str]]],
) -> None:
    def add_session(index: int) -> None:
        session = make_session(
            db, event, title=f"S{index}", start_at=at(event, 0, 9 + index), end_at=at(event, 0, 10 + index)
        )
        speaker = make_speaker(db, event, name=f"P{index}", email=f"p{index}@example.org")
        add_role(db, session, speaker)
        material_service.add_file_version(
            db,
            session,
            talk_id=None,
            speaker=speaker,
            kind=MaterialKind.slides,
            title="",
            visibility=MaterialVisibility.public,
            upload=fake_upload(),
        )

    add_session(0)
    with count_queries() as one:
        organiser_client.get(materials_url(event))
    add_session(1)
    add_session(2)
    with count_queries() as three:
        organiser_client.get(materials_url(event))

    assert len(three) == len(one)


@pytest.mark.parametrize("count", ["²", "٣", "99999999", "-1", "x"])
def test_a_notice_count_that_is_not_a_plain_number_is_ignored(
    event: Event, organiser_client: BrowserLikeClient, count: str
) -> None:
    response = organiser_client.get(f"{materials_url(event)}?sent={count}&no_email={count}")

    assert response.status_code == 200
    assert "Reminders queued: 0;" in response.text
