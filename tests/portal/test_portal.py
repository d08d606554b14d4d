"""The speaker portal: a signed link opens one speaker's page, where they edit their profile, answer for
their sessions and upload slides."""

import io
import re
import time
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import select

from app.accounts.models import User
from app.db import DbSession
from app.events.models import Event, EventOrganiser
from app.materials.models import Material, MaterialVersion, MaterialVisibility
from app.programme.models import Confirmation, RoleKind, Session, SessionRole
from app.programme.releases import release_programme, unreleased_changes
from app.settings import Settings
from app.speakers import links as portal_links
from app.speakers.models import Speaker
from tests.conftest import BrowserLikeClient, SmtpServer, csrf_from
from tests.factories import add_role, at, make_event, make_session, make_speaker, make_talk
from tests.materials.samples import HTML_BYTES, PDF_BYTES
from tests.site import site_urls


@pytest.fixture
def event(db: DbSession, organiser: User) -> Event:
    event = make_event(db)
    db.add(EventOrganiser(event_id=event.id, user_id=organiser.id))
    db.commit()
    return event


@pytest.fixture
def speaker_client(app: FastAPI) -> Iterator[TestClient]:
    """A browser of its own for the speaker, who has no account: no organiser's cookie comes along."""
    with TestClient(app, follow_redirects=False) as browser:
        yield browser


def reread(db: DbSession) -> None:
    """See what the app committed: end the test's read transaction and forget the objects loaded so far."""
    db.rollback()
    db.expire_all()


def portal_path_for(db: DbSession, settings: Settings, speaker: Speaker) -> str:
    """What the organisers' email would link to, without sending one."""
    if speaker.portal_secret is None:
        speaker.portal_secret = f"secret-of-{speaker.id}"
        db.add(speaker)
        db.commit()
    return site_urls().path(
        "speaker_portal_page",
        token=portal_links.portal_token(settings.secret_key.get_secret_value(), speaker),
    )


def open_portal(client: TestClient, path: str) -> tuple[str, str]:
    page = client.get(path)
    assert page.status_code == 200, page.text
    return page.text, csrf_from(page.text)


def upload_slides(
    client: TestClient,
    path: str,
    session: Session,
    content: bytes = PDF_BYTES,
    filename: str = "slides.pdf",
    visibility: str = "after_session",
) -> object:
    _page, csrf = open_portal(client, path)
    return client.post(
        f"{path}/sessions/{session.id}/slides",
        data={"csrf_token": csrf, "visibility": visibility},
        files={"file": (filename, content, "application/octet-stream")},
    )


def roles_of(db: DbSession, speaker: Speaker) -> list[tuple[int, Confirmation, bool]]:
    reread(db)
    roles = db.exec(select(SessionRole).where(SessionRole.speaker_id == speaker.id).order_by(SessionRole.id))
    return [(role.session_id, role.confirmation, role.is_remote) for role in roles]


# --- The link ------------------------------------------------------------------------------------


def test_portal_link_sent_by_the_organiser_opens_the_speakers_page(
    db: DbSession,
    event: Event,
    organiser_client: BrowserLikeClient,
    speaker_client: TestClient,
    smtp: SmtpServer,
) -> None:
    speaker = make_speaker(db, event)
    add_role(db, make_session(db, event), speaker)

    response = organiser_client.post(
        f"/manage/events/{event.slug}/materials/speakers/{speaker.id}/portal-link"
    )

    assert response.status_code == 303
    [message] = smtp.messages
    assert message["To"] == "sh.lee@example.org"
    assert message["Subject"] == "Your speaker page for Prelude to the Future of Medicine"
    url = re.search(r"http://\S+/speaker-portal/\S+", message.get_content()).group(0)
    page = speaker_client.get(url.removeprefix("http://127.0.0.1:8000"))
    assert page.status_code == 200
    assert "The challenges of health data governance" in page.text
    assert 'value="Sang-Heon Lee"' in page.text
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"


def test_portal_tampered_token_is_refused_with_a_clear_page(
    db: DbSession, event: Event, settings: Settings, client: TestClient
) -> None:
    path = portal_path_for(db, settings, make_speaker(db, event))
    tampered = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")

    response = client.get(tampered)

    assert response.status_code == 403
    assert "This link to the speaker portal is not valid." in response.text
    assert "Sang-Heon Lee" not in response.text


def test_portal_token_expired_is_refused_with_a_clear_page(
    db: DbSession, event: Event, settings: Settings, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    speaker = make_speaker(db, event)
    a_year_and_more_ago = time.time() - portal_links.PORTAL_TOKEN_MAX_AGE_SECONDS - 3600
    with monkeypatch.context() as patch:
        patch.setattr("itsdangerous.timed.time.time", lambda: a_year_and_more_ago)
        path = portal_path_for(db, settings, speaker)

    response = client.get(path)

    assert response.status_code == 410
    assert "This link to the speaker portal has expired." in response.text


def test_portal_token_of_one_speaker_never_shows_or_changes_another(
    db: DbSession, event: Event, settings: Settings, client: TestClient
) -> None:
    lee = make_speaker(db, event)
    other = make_speaker(
        db, event, name="Marie Curie-Other", email="other@example.org", bio="Private draft bio"
    )
    lee_session = make_session(db, event)
    other_session = make_session(
        db, event, title="Another person's keynote", start_at=at(event, 1, 9), end_at=at(event, 1, 10)
    )
    add_role(db, lee_session, lee)
    add_role(db, other_session, other)
    path = portal_path_for(db, settings, lee)

    page, csrf = open_portal(client, path)
    answer = client.post(
        f"{path}/sessions/{other_session.id}/answer", data={"csrf_token": csrf, "confirmation": "declined"}
    )
    upload = upload_slides(client, path, other_session)

    assert "Marie Curie-Other" not in page and "Another person's keynote" not in page
    assert answer.status_code == 404
    assert "You have no role in this session." in answer.text
    assert upload.status_code == 404
    assert roles_of(db, other) == [(other_session.id, Confirmation.pending, False)]
    assert db.exec(select(Material)).all() == []


def test_portal_new_link_revokes_the_old_one(
    db: DbSession,
    event: Event,
    organiser_client: BrowserLikeClient,
    speaker_client: TestClient,
    settings: Settings,
    smtp: SmtpServer,
) -> None:
    speaker = make_speaker(db, event)
    old_path = portal_path_for(db, settings, speaker)

    organiser_client.post(f"/manage/events/{event.slug}/materials/speakers/{speaker.id}/portal-link")

    new_path = re.search(r"/speaker-portal/\S+", smtp.messages[0].get_content()).group(0)
    old = speaker_client.get(old_path)
    assert old.status_code == 403
    assert "This link was replaced by a newer one." in old.text
    assert speaker_client.get(new_path).status_code == 200


def test_portal_link_for_a_speaker_without_email_is_refused(
    db: DbSession, event: Event, organiser_client: BrowserLikeClient, smtp: SmtpServer
) -> None:
    speaker = make_speaker(db, event, email=None)

    response = organiser_client.post(
        f"/manage/events/{event.slug}/materials/speakers/{speaker.id}/portal-link"
    )

    assert response.status_code == 422
    assert "Sang-Heon Lee has no email address" in response.text
    assert smtp.messages == []


# --- The profile ---------------------------------------------------------------------------------


def test_portal_profile_saves_bio_name_and_time_zone(
    db: DbSession, event: Event, settings: Settings, client: TestClient
) -> None:
    speaker = make_speaker(db, event)
    path = portal_path_for(db, settings, speaker)
    _page, csrf = open_portal(client, path)

    response = client.post(
        f"{path}/profile",
        data={
            "csrf_token": csrf,
            "name": "Sang-Heon Lee",
            "affiliation": "Seoul National University",
            "bio": "Now works on **federated learning**.",
            "timezone": "America/Toronto",
        },
    )

    assert response.status_code == 303
    reread(db)
    saved = db.get(Speaker, speaker.id)
    assert (saved.affiliation, saved.bio, saved.timezone, saved.email) == (
        "Seoul National University",
        "Now works on **federated learning**.",
        "America/Toronto",
        "sh.lee@example.org",
    )


def test_portal_profile_edit_is_public_at_once_on_a_released_programme(
    db: DbSession, event: Event, organiser: User, settings: Settings, client: TestClient
) -> None:
    speaker = make_speaker(db, event, name="Sang-Heon Lee", affiliation="Korea University", bio="Old bio.")
    session = make_session(db, event, title="Health data governance")
    add_role(db, session, speaker)
    release_programme(db, event, "First programme", organiser)
    # Each public view of the release, with what of the profile it shows.
    views = {
        f"/events/{event.slug}/speakers/{speaker.id}": ("name", "affiliation", "bio"),
        f"/api/events/{event.slug}/speakers/{speaker.id}": ("name", "affiliation", "bio"),
        f"/events/{event.slug}/sessions/{session.id}": ("name",),
        f"/events/{event.slug}/schedule.json": ("name",),
    }
    old = {"name": "Sang-Heon Lee", "affiliation": "Korea University", "bio": "Old bio."}
    new = {"name": "Sang-heon LEE", "affiliation": "Seoul National University", "bio": "Federated learning."}
    before = {url: client.get(url) for url in views}  # warms every cache of this release
    path = portal_path_for(db, settings, speaker)
    _page, csrf = open_portal(client, path)

    saved = client.post(f"{path}/profile", data={"csrf_token": csrf, **new})
    after = {url: client.get(url) for url in views}
    # A client holding the old export gets the new one, not a 304.
    schedule = f"/events/{event.slug}/schedule.json"
    revalidated = client.get(schedule, headers={"If-None-Match": before[schedule].headers["etag"]})

    assert saved.status_code == 303
    shown_before = {url: [old[f] in before[url].text for f in fields] for url, fields in views.items()}
    shown_after = {url: [new[f] in after[url].text for f in fields] for url, fields in views.items()}
    assert shown_before == {url: [True] * len(fields) for url, fields in views.items()}
    assert shown_after == shown_before
    assert [old["affiliation"] in page.text for page in after.values()] == [False] * 4
    assert revalidated.status_code == 200
    reread(db)
    assert unreleased_changes(db, event) == []


def test_portal_profile_with_unknown_time_zone_saves_nothing(
    db: DbSession, event: Event, settings: Settings, client: TestClient
) -> None:
    speaker = make_speaker(db, event)
    path = portal_path_for(db, settings, speaker)
    _page, csrf = open_portal(client, path)

    response = client.post(
        f"{path}/profile",
        data={"csrf_token": csrf, "name": "Sang-Heon Lee", "bio": "Changed", "timezone": "Mars/Olympus"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 422
    assert "Choose a time zone from the list, such as Europe/Paris." in response.text
    assert response.text.lstrip().startswith('<section id="portal-profile"')
    reread(db)
    assert db.get(Speaker, speaker.id).bio == "Works on hospital information systems."


def _camera_photo(size: tuple[int, int], image_format: str = "JPEG") -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {2: (48.0, 51.0, 24.0)}  # GPS latitude: where the picture was taken
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, exif=exif)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("upload_format", "served_type", "served_format"),
    [("JPEG", "image/jpeg", "JPEG"), ("PNG", "image/png", "PNG"), ("WEBP", "image/jpeg", "JPEG")],
    ids=["jpeg", "png", "webp"],
)
def test_portal_photo_is_shrunk_to_600_px_and_stripped_of_exif(
    db: DbSession,
    event: Event,
    settings: Settings,
    client: TestClient,
    upload_format: str,
    served_type: str,
    served_format: str,
) -> None:
    speaker = make_speaker(db, event)
    add_role(db, make_session(db, event), speaker)
    path = portal_path_for(db, settings, speaker)
    _page, csrf = open_portal(client, path)
    original = _camera_photo((2400, 1600), upload_format)
    assert Image.open(io.BytesIO(original)).getexif()  # the test picture does carry EXIF

    response = client.post(
        f"{path}/profile",
        data={"csrf_token": csrf, "name": "Sang-Heon Lee"},
        files={"photo": ("me.img", original, "application/octet-stream")},
    )

    assert response.status_code == 303
    reread(db)
    saved = db.get(Speaker, speaker.id)
    assert saved.photo_url == f"http://127.0.0.1:8000/speaker-photos/{speaker.id}/{saved.photo_key}"
    served = client.get(f"/speaker-photos/{speaker.id}/{saved.photo_key}")
    assert served.headers["content-type"] == served_type
    photo = Image.open(io.BytesIO(served.content))
    assert (photo.format, photo.size) == (served_format, (600, 400))
    assert dict(photo.getexif()) == {}
    assert "exif" not in photo.info and "icc_profile" not in photo.info
    public_page = client.get(f"/events/{event.slug}/speakers/{speaker.id}")
    assert f'src="{saved.photo_url}"' in public_page.text


def test_portal_photo_that_is_not_a_picture_is_refused(
    db: DbSession, event: Event, settings: Settings, client: TestClient
) -> None:
    speaker = make_speaker(db, event)
    path = portal_path_for(db, settings, speaker)
    _page, csrf = open_portal(client, path)

    response = client.post(
        f"{path}/profile",
        data={"csrf_token": csrf, "name": "Renamed", "bio": "Changed"},
        files={"photo": ("me.jpg", HTML_BYTES, "image/jpeg")},
    )

    assert response.status_code == 422
    assert "Choose a JPEG, PNG or WebP picture." in response.text
    reread(db)
    saved = db.get(Speaker, speaker.id)
    assert (saved.name, saved.photo_key) == ("Sang-Heon Lee", None)


def test_speaker_photo_route_serves_only_the_speakers_own_key(
    db: DbSession, event: Event, client: TestClient
) -> None:
    speaker = make_speaker(db, event, photo_key="a" * 64)

    response = client.get(f"/speaker-photos/{speaker.id}/{'b' * 64}")

    assert response.status_code == 404
    assert "This photo does not exist." in response.text


# --- Sessions and answers ------------------------------------------------------------------------


def test_portal_shows_sessions_in_the_event_zone_and_the_speakers_own(
    db: DbSession, event: Event, settings: Settings, client: TestClient
) -> None:
    speaker = make_speaker(db, event, timezone="Asia/Seoul")
    add_role(db, make_session(db, event, start_at=at(event, 0, 14), end_at=at(event, 0, 15, 30)), speaker)

    page, _csrf = open_portal(client, portal_path_for(db, settings, speaker))

    event_time = re.search(r'<dd class="event-time">([^<]+)</dd>', page).group(1)
    own_time = re.search(r'<dd class="own-time">([^<]+)</dd>', page).group(1)
    assert event_time == "Wed 5 Oct 2022, 14:00–15:30 CEST (Europe/Paris)"
    assert own_time == "Wed 5 Oct 2022, 21:00–22:30 KST (Asia/Seoul)"


def test_portal_session_ending_on_the_next_day_in_the_speakers_zone_shows_that_day(
    db: DbSession, event: Event, settings: Settings, client: TestClient
) -> None:
    speaker = make_speaker(db, event, timezone="Asia/Tokyo")
    add_role(db, make_session(db, event, start_at=at(event, 0, 16), end_at=at(event, 0, 18)), speaker)

    page, _csrf = open_portal(client, portal_path_for(db, settings, speaker))

    assert re.search(r'<dd class="own-time">([^<]+)</dd>', page).group(1) == (
        "Wed 5 Oct 2022, 23:00–Thu 6 Oct, 01:00 JST (Asia/Tokyo)"
    )


def test_portal_shows_the_released_time_and_the_speakers_own_talk_slot(
    db: DbSession, event: Event, organiser: User, settings: Settings, client: TestClient
) -> None:
    speaker = make_speaker(db, event, timezone="Europe/Paris")
    panel = make_session(db, event, title="Panel", start_at=at(event, 0, 9), end_at=at(event, 0, 10))
    add_role(db, panel, speaker, role=RoleKind.chair)
    talks = make_session(db, event, title="Short talks", start_at=at(event, 0, 14), end_at=at(event, 0, 16))
    make_talk(db, talks, title="Someone else's talk", start_at=at(event, 0, 14), end_at=at(event, 0, 14, 20))
    own = make_talk(db, talks, title="My talk", start_at=at(event, 0, 14, 20), end_at=at(event, 0, 14, 40))
    add_role(db, talks, speaker, talk_id=own.id)
    release_programme(db, event, "First programme", organiser)
    # The organisers move the panel in their draft and have not released the move.
    panel.start_at, panel.end_at = at(event, 0, 17), at(event, 0, 18)
    db.add(panel)
    late = make_session(db, event, title="Late addition", start_at=at(event, 1, 9), end_at=at(event, 1, 10))
    add_role(db, late, speaker)

    page, _csrf = open_portal(client, portal_path_for(db, settings, speaker))

    shown = re.findall(
        r'<h3 id="session-\d+-title">([^<\n]+).*?<dd class="event-time">([^<]+)</dd>', page, re.S
    )
    assert shown == [
        ("Panel", "Wed 5 Oct 2022, 09:00–10:00 CEST (Europe/Paris)"),
        ("Short talks", "Wed 5 Oct 2022, 14:20–14:40 CEST (Europe/Paris)"),
        ("Late addition", "Thu 6 Oct 2022, 09:00–10:00 CEST (Europe/Paris)"),
    ]
    assert page.count('class="meta not-published"') == 1


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ({"confirmation": "confirmed", "is_remote": "true"}, (Confirmation.confirmed, True)),
        ({"confirmation": "confirmed", "is_remote": "false"}, (Confirmation.confirmed, False)),
        ({"confirmation": "declined", "is_remote": "false"}, (Confirmation.declined, False)),
    ],
    ids=["confirmed-remote", "confirmed-on-site", "declined"],
)
def test_portal_answer_is_saved_on_every_role_of_the_speaker_in_the_session(
    db: DbSession,
    event: Event,
    settings: Settings,
    client: TestClient,
    answer: dict[str, str],
    expected: tuple[Confirmation, bool],
) -> None:
    speaker = make_speaker(db, event)
    session = make_session(db, event)
    other_session = make_session(db, event, title="Later", start_at=at(event, 1, 9), end_at=at(event, 1, 10))
    add_role(db, session, speaker, role=RoleKind.chair)
    add_role(db, session, speaker, talk_id=make_talk(db, session).id)
    add_role(db, other_session, speaker)
    path = portal_path_for(db, settings, speaker)
    _page, csrf = open_portal(client, path)

    response = client.post(f"{path}/sessions/{session.id}/answer", data={"csrf_token": csrf, **answer})

    assert response.status_code == 303
    assert roles_of(db, speaker) == [
        (session.id, *expected),
        (session.id, *expected),
        (other_session.id, Confirmation.pending, False),
    ]


def test_portal_answer_with_htmx_returns_the_sessions_block_showing_the_answer(
    db: DbSession, event: Event, settings: Settings, client: TestClient
) -> None:
    speaker = make_speaker(db, event)
    session = make_session(db, event)
    add_role(db, session, speaker)
    path = portal_path_for(db, settings, speaker)
    _page, csrf = open_portal(client, path)

    response = client.post(
        f"{path}/sessions/{session.id}/answer",
        data={"csrf_token": csrf, "confirmation": "confirmed", "is_remote": "true"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="portal-sessions"')
    assert '<span class="badge status-confirmed">Confirmed</span>' in response.text
    assert 'name="is_remote" value="true" checked' in response.text


def test_portal_answer_that_is_not_a_choice_saves_nothing(
    db: DbSession, event: Event, settings: Settings, client: TestClient
) -> None:
    speaker = make_speaker(db, event)
    session = make_session(db, event)
    add_role(db, session, speaker)
    path = portal_path_for(db, settings, speaker)
    _page, csrf = open_portal(client, path)

    response = client.post(
        f"{path}/sessions/{session.id}/answer", data={"csrf_token": csrf, "confirmation": "maybe"}
    )

    assert response.status_code == 422
    assert "Choose one of the options." in response.text
    assert roles_of(db, speaker) == [(session.id, Confirmation.pending, False)]


def test_portal_post_without_csrf_token_is_refused(
    db: DbSession, event: Event, settings: Settings, client: TestClient
) -> None:
    speaker = make_speaker(db, event)
    session = make_session(db, event)
    add_role(db, session, speaker)
    path = portal_path_for(db, settings, speaker)

    answer = client.post(f"{path}/sessions/{session.id}/answer", data={"confirmation": "declined"})
    upload = client.post(
        f"{path}/sessions/{session.id}/slides", files={"file": ("slides.pdf", PDF_BYTES, "application/pdf")}
    )

    assert (answer.status_code, upload.status_code) == (403, 403)
    assert "This form has expired; reload the page and try again." in upload.text
    assert roles_of(db, speaker) == [(session.id, Confirmation.pending, False)]
    assert db.exec(select(Material)).all() == []


# --- Slides --------------------------------------------------------------------------------------


def versions_of(db: DbSession, speaker: Speaker) -> list[tuple[int, str, int, MaterialVisibility]]:
    reread(db)
    rows = db.exec(
        select(MaterialVersion, Material)
        .join(Material, Material.id == MaterialVersion.material_id)
        .where(Material.speaker_id == speaker.id)
        .order_by(MaterialVersion.number)
    ).all()
    return [
        (version.number, version.filename, version.size, material.visibility) for version, material in rows
    ]


def test_portal_slides_upload_and_new_version_keeps_the_old_one_for_organisers(
    db: DbSession,
    event: Event,
    settings: Settings,
    speaker_client: TestClient,
    organiser_client: BrowserLikeClient,
) -> None:
    client = speaker_client
    speaker = make_speaker(db, event)
    session = make_session(db, event)
    add_role(db, session, speaker)
    path = portal_path_for(db, settings, speaker)
    second = PDF_BYTES + b"% revised after rehearsal\n"

    first_upload = upload_slides(client, path, session, filename="Lee talk.pdf", visibility="public")
    second_upload = upload_slides(client, path, session, content=second, filename="Lee talk v2.pdf")

    assert (first_upload.status_code, second_upload.status_code) == (303, 303)
    assert versions_of(db, speaker) == [
        (1, "Lee talk.pdf", len(PDF_BYTES), MaterialVisibility.after_session),
        (2, "Lee talk v2.pdf", len(second), MaterialVisibility.after_session),
    ]
    portal_page, _csrf = open_portal(client, path)
    assert "Version 1: Lee talk.pdf" in portal_page and "Version 2: Lee talk v2.pdf" in portal_page
    manage_page = organiser_client.get(f"/manage/events/{event.slug}/materials").text
    links = re.findall(r'href="http://testserver(/materials/\d+/Lee talk[^"]*)"', manage_page)
    assert len(links) == 2
    old_version = organiser_client.get(links[1])
    assert (old_version.status_code, old_version.content) == (200, PDF_BYTES)


def test_portal_slides_of_a_talk_are_attached_to_that_talk(
    db: DbSession, event: Event, settings: Settings, client: TestClient
) -> None:
    speaker = make_speaker(db, event)
    session = make_session(db, event)
    talk = make_talk(db, session)
    add_role(db, session, speaker, talk_id=talk.id)

    upload_slides(client, portal_path_for(db, settings, speaker), session)

    reread(db)
    assert [(m.session_id, m.talk_id, m.speaker_id) for m in db.exec(select(Material))] == [
        (session.id, talk.id, speaker.id)
    ]


def test_portal_slides_upload_with_htmx_shows_the_new_version(
    db: DbSession, event: Event, settings: Settings, client: TestClient
) -> None:
    speaker = make_speaker(db, event)
    session = make_session(db, event)
    add_role(db, session, speaker)
    path = portal_path_for(db, settings, speaker)
    _page, csrf = open_portal(client, path)

    response = client.post(
        f"{path}/sessions/{session.id}/slides",
        data={"visibility": "hidden"},
        files={"file": ("deck.pdf", PDF_BYTES, "application/pdf")},
        headers={"HX-Request": "true", "X-CSRF-Token": csrf},
    )

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="portal-sessions"')
    assert "Version 1: deck.pdf" in response.text
    assert '<span class="badge draft">Not public</span>' in response.text


def test_portal_slides_upload_of_a_disguised_web_page_is_refused(
    db: DbSession, event: Event, settings: Settings, client: TestClient
) -> None:
    speaker = make_speaker(db, event)
    session = make_session(db, event)
    add_role(db, session, speaker)

    response = upload_slides(client, portal_path_for(db, settings, speaker), session, content=HTML_BYTES)

    assert response.status_code == 415
    assert "This file type is not accepted." in response.text
    assert versions_of(db, speaker) == []


def test_portal_slides_refused_with_htmx_show_the_reason_in_the_form_and_keep_the_sessions(
    db: DbSession, event: Event, settings: Settings, client: TestClient
) -> None:
    speaker = make_speaker(db, event)
    session = make_session(db, event, title="Health data governance")
    add_role(db, session, speaker)
    path = portal_path_for(db, settings, speaker)
    _page, csrf = open_portal(client, path)

    response = client.post(
        f"{path}/sessions/{session.id}/slides",
        data={"visibility": "public"},
        files={"file": ("slides.pdf", HTML_BYTES, "application/pdf")},
        headers={"HX-Request": "true", "X-CSRF-Token": csrf},
    )

    assert response.status_code == 415
    assert response.text.lstrip().startswith('<section id="portal-sessions"')
    assert "Health data governance" in response.text
    assert re.search(r'<p class="field-error" id="file-error">([^<]+)</p>', response.text).group(1) == (
        "This file type is not accepted. Upload a PDF, PowerPoint, Keynote or OpenDocument presentation, "
        "or an MP4, MOV, WebM or MKV video."
    )
    assert versions_of(db, speaker) == []


def test_portal_speaker_chooses_when_their_slides_become_public(
    db: DbSession, event: Event, settings: Settings, client: TestClient
) -> None:
    speaker = make_speaker(db, event)
    session = make_session(db, event)
    add_role(db, session, speaker)
    path = portal_path_for(db, settings, speaker)
    upload_slides(client, path, session)
    material = db.exec(select(Material)).one()
    _page, csrf = open_portal(client, path)

    response = client.post(
        f"{path}/materials/{material.id}/visibility", data={"csrf_token": csrf, "visibility": "hidden"}
    )

    assert response.status_code == 303
    assert versions_of(db, speaker) == [(1, "slides.pdf", len(PDF_BYTES), MaterialVisibility.hidden)]


def test_portal_speaker_cannot_change_material_that_is_not_theirs(
    db: DbSession, event: Event, settings: Settings, client: TestClient
) -> None:
    speaker = make_speaker(db, event)
    session = make_session(db, event)
    add_role(db, session, speaker)
    recording = Material(
        session_id=session.id, kind="recording", url="https://video.example.org/1", visibility="public"
    )
    db.add(recording)
    db.commit()
    path = portal_path_for(db, settings, speaker)
    _page, csrf = open_portal(client, path)

    response = client.post(
        f"{path}/materials/{recording.id}/visibility", data={"csrf_token": csrf, "visibility": "hidden"}
    )

    assert response.status_code == 404
    reread(db)
    assert db.get(Material, recording.id).visibility == MaterialVisibility.public
