from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app.accounts.models import User
from app.db import DbSession
from app.events.models import Event, Visibility
from app.programme.models import Room, Session
from tests.conftest import BrowserLikeClient
from tests.factories import make_event, make_room, make_session

VALID_EVENT = {
    "title": "Personalised Medicine – From Vision to Practice",
    "slug": "vision-2031",
    "kind": "conference",
    "attendance_mode": "online",
    "start_date": "2031-02-25",
    "end_date": "2031-02-26",
    "timezone": "Europe/Paris",
    "venue": "Online, hosted from Paris",
    "visibility": "public",
    "description": "About **500 viewers** from 57 countries.",
}


def _events(db: DbSession) -> list[Event]:
    db.rollback()  # end the test's read transaction, so what the app committed is visible
    return list(db.exec(select(Event)).all())


def test_organiser_creates_an_event_as_a_draft(organiser_client: BrowserLikeClient, db: DbSession) -> None:
    response = organiser_client.post("/manage/events/new", VALID_EVENT)

    assert response.status_code == 303
    assert response.headers["location"].endswith("/manage/events/vision-2031")
    [event] = _events(db)
    assert (event.title, event.is_published, event.start_date) == (
        VALID_EVENT["title"],
        False,
        date(2031, 2, 25),
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "", "This field is required."),
        ("slug", "Vision 2031!", "Use lower-case letters, digits and hyphens, such as prelude-2022."),
        ("end_date", "2031-02-20", "The event cannot end before it starts."),
        ("start_date", "25/02/2031", "Enter a date as YYYY-MM-DD."),
        ("timezone", "Mars/Olympus", "Choose a time zone from the list, such as Europe/Paris."),
        ("kind", "festival", "Choose one of the options."),
        ("visibility", "secret", "Choose one of the options."),
    ],
    ids=["no-title", "bad-slug", "ends-before-start", "bad-date", "bad-zone", "bad-kind", "bad-visibility"],
)
def test_event_form_bad_input_shows_the_error_and_saves_nothing(
    organiser_client: BrowserLikeClient, db: DbSession, field: str, value: str, message: str
) -> None:
    response = organiser_client.post("/manage/events/new", {**VALID_EVENT, field: value})

    assert response.status_code == 422
    assert message in response.text
    assert 'aria-invalid="true"' in response.text
    assert _events(db) == []


def test_event_form_keeps_what_was_typed_after_an_error(organiser_client: BrowserLikeClient) -> None:
    response = organiser_client.post("/manage/events/new", {**VALID_EVENT, "end_date": "2031-01-01"})

    assert 'value="Personalised Medicine – From Vision to Practice"' in response.text


def test_event_form_with_a_taken_slug_says_so(organiser_client: BrowserLikeClient, db: DbSession) -> None:
    make_event(db, slug="vision-2031")

    response = organiser_client.post("/manage/events/new", VALID_EVENT)

    assert response.status_code == 422
    assert "Another event already uses this address; choose another." in response.text
    assert len(_events(db)) == 1


def test_htmx_form_error_returns_only_the_form(organiser_client: BrowserLikeClient) -> None:
    response = organiser_client.post("/manage/events/new", {**VALID_EVENT, "title": ""}, htmx=True)

    assert response.status_code == 422
    assert response.text.lstrip().startswith('<form id="event-form"')
    assert "<html" not in response.text
    assert "HX-Request" in response.headers["vary"]


def test_editing_an_event_with_bad_input_keeps_the_saved_values(
    organiser_client: BrowserLikeClient, db: DbSession, organiser: User
) -> None:
    organiser_client.post("/manage/events/new", VALID_EVENT)

    response = organiser_client.post(
        "/manage/events/vision-2031/edit", {**VALID_EVENT, "title": "", "venue": "Lyon"}
    )

    assert response.status_code == 422
    [event] = _events(db)
    assert (event.title, event.venue) == (VALID_EVENT["title"], "Online, hosted from Paris")


def test_saving_the_event_settings_says_so_after_the_redirect(
    organiser_client: BrowserLikeClient, db: DbSession
) -> None:
    organiser_client.post("/manage/events/new", VALID_EVENT)

    response = organiser_client.post("/manage/events/vision-2031/edit", {**VALID_EVENT, "venue": "Lyon"})
    page = organiser_client.get(response.headers["location"])

    assert response.status_code == 303
    assert '<p class="notice ok" role="status">Event settings saved.</p>' in page.text
    assert "Event settings saved." not in organiser_client.get("/manage/events/vision-2031").text


def test_publishing_shows_the_event_on_the_home_page(
    organiser_client: BrowserLikeClient, client: TestClient, db: DbSession
) -> None:
    organiser_client.post("/manage/events/new", VALID_EVENT)
    before = client.get("/").text

    organiser_client.post("/manage/events/vision-2031/publish", {"published": "true"})

    organiser_client.post("/logout")
    after = client.get("/").text
    assert "Personalised Medicine – From Vision to Practice" not in before
    assert "Personalised Medicine – From Vision to Practice" in after
    assert _events(db)[0].is_published is True


def test_home_lists_only_published_public_events(client: TestClient, db: DbSession) -> None:
    make_event(db, slug="listed", title="Listed conference")
    make_event(db, slug="link-only", title="Link-only workshop", visibility=Visibility.unlisted)
    make_event(db, slug="board", title="Closed board meeting", visibility=Visibility.invitation_only)
    make_event(db, slug="draft", title="Draft training", is_published=False)

    page = client.get("/").text

    shown = [
        title
        for title in ("Listed conference", "Link-only workshop", "Closed board meeting", "Draft training")
        if title in page
    ]
    assert shown == ["Listed conference"]


@pytest.mark.parametrize(
    ("visibility", "published", "status"),
    [
        (Visibility.public, True, 200),
        (Visibility.unlisted, True, 200),
        (Visibility.invitation_only, True, 404),
        (Visibility.public, False, 404),
    ],
    ids=["public", "unlisted", "invitation-only", "draft"],
)
def test_event_page_and_api_follow_visibility(
    client: TestClient, db: DbSession, visibility: Visibility, published: bool, status: int
) -> None:
    make_event(
        db, slug="ev", title="Executive Committee meeting", visibility=visibility, is_published=published
    )

    page = client.get("/events/ev")
    api = client.get("/api/events/ev")

    assert (page.status_code, api.status_code) == (status, status)
    assert ("Executive Committee meeting" in page.text) == (status == 200)
    if status == 404:
        assert api.json() == {"detail": "There is no public event at this address."}


def test_api_lists_only_public_events(client: TestClient, db: DbSession) -> None:
    make_event(db, slug="past-conf", title="Past", start_date=date(2022, 10, 5), end_date=date(2022, 10, 6))
    make_event(db, slug="next-conf", title="Next", start_date=date(2099, 1, 1), end_date=date(2099, 1, 2))
    make_event(db, slug="hidden", title="Hidden", visibility=Visibility.unlisted)

    body = client.get("/api/events").json()

    assert [e["slug"] for e in body["upcoming"]] == ["next-conf"]
    assert [e["slug"] for e in body["past"]] == ["past-conf"]


def test_organiser_of_one_event_cannot_manage_another(
    organiser_client: BrowserLikeClient, db: DbSession
) -> None:
    make_event(db, slug="not-yours")

    page = organiser_client.get("/manage/events/not-yours")
    delete = organiser_client.post("/manage/events/not-yours/delete", {"confirm_slug": "not-yours"})

    assert (page.status_code, delete.status_code) == (403, 403)
    assert "You are not an organiser of this event." in page.text
    assert len(_events(db)) == 1


def test_anonymous_user_is_sent_to_the_login_page(client: TestClient) -> None:
    response = client.get("/manage/events/new")

    assert response.status_code == 303
    assert response.headers["location"] == "http://testserver/login?next=%2Fmanage%2Fevents%2Fnew"


def test_delete_needs_the_slug_typed_to_confirm(admin_client: BrowserLikeClient, db: DbSession) -> None:
    event = make_event(db, slug="prelude-2022")
    make_session(db, event)

    refused = admin_client.post("/manage/events/prelude-2022/delete", {"confirm_slug": "prelude"})
    deleted = admin_client.post("/manage/events/prelude-2022/delete", {"confirm_slug": "prelude-2022"})

    assert refused.status_code == 422
    assert "Type the event&#39;s address exactly to confirm." in refused.text
    assert deleted.status_code == 303
    assert _events(db) == []


def test_clone_form_bad_input_saves_nothing(admin_client: BrowserLikeClient, db: DbSession) -> None:
    make_event(db, slug="prelude-2022")

    taken = admin_client.post(
        "/manage/events/prelude-2022/clone",
        {"slug": "prelude-2022", "title": "X", "start_date": "2023-10-04"},
    )
    bad_date = admin_client.post(
        "/manage/events/prelude-2022/clone", {"slug": "prelude-2023", "title": "X", "start_date": "soon"}
    )

    assert (taken.status_code, bad_date.status_code) == (422, 422)
    assert "Another event already uses this address; choose another." in taken.text
    assert "Enter a date as YYYY-MM-DD." in bad_date.text
    assert len(_events(db)) == 1


def test_clone_creates_the_next_edition(admin_client: BrowserLikeClient, db: DbSession) -> None:
    make_event(db, slug="prelude-2022")

    response = admin_client.post(
        "/manage/events/prelude-2022/clone",
        {"slug": "prelude-2023", "title": "Prelude 2023", "start_date": "2023-10-04"},
    )

    assert response.headers["location"].endswith("/manage/events/prelude-2023")
    assert sorted(e.slug for e in _events(db)) == ["prelude-2022", "prelude-2023"]


def test_clone_page_lets_the_organiser_choose_what_to_copy(
    admin_client: BrowserLikeClient, db: DbSession
) -> None:
    event = make_event(db, slug="prelude-2022")
    room = make_room(db, event)
    make_session(db, event, room_id=room.id)

    page = admin_client.get("/manage/events/prelude-2022/clone")
    response = admin_client.post(
        "/manage/events/prelude-2022/clone",
        {"slug": "prelude-2023", "title": "Prelude 2023", "start_date": "2023-10-04", "sessions": "on"},
    )

    for part in ("rooms", "tracks", "sessions", "speakers", "registration"):
        assert f'name="{part}" type="checkbox" value="on" checked' in page.text
    assert "<legend>What to copy</legend>" in page.text
    assert response.status_code == 303
    clone = next(e for e in _events(db) if e.slug == "prelude-2023")
    (session,) = db.exec(select(Session).where(Session.event_id == clone.id)).all()
    assert session.room_id is None
    assert db.exec(select(Room).where(Room.event_id == clone.id)).all() == []


def test_clone_form_errors_keep_the_unticked_boxes(admin_client: BrowserLikeClient, db: DbSession) -> None:
    make_event(db, slug="prelude-2022")

    response = admin_client.post(
        "/manage/events/prelude-2022/clone",
        {"slug": "prelude-2022", "title": "X", "start_date": "2023-10-04", "rooms": "on"},
    )

    assert response.status_code == 422
    assert 'name="rooms" type="checkbox" value="on" checked' in response.text
    assert 'name="speakers" type="checkbox" value="on" >' in response.text


def test_adding_an_unknown_organiser_shows_an_error(admin_client: BrowserLikeClient, db: DbSession) -> None:
    make_event(db, slug="prelude-2022")

    response = admin_client.post(
        "/manage/events/prelude-2022/organisers", {"email": "nobody@example.org"}, htmx=True
    )

    assert response.status_code == 422
    assert "No account uses this email; ask an administrator to invite this person first." in response.text
    assert response.text.lstrip().startswith('<section id="organiser-list"')


def test_adding_an_organiser_lets_them_manage_the_event(
    admin_client: BrowserLikeClient, organiser: User, db: DbSession
) -> None:
    make_event(db, slug="prelude-2022")

    response = admin_client.post(
        "/manage/events/prelude-2022/organisers", {"email": organiser.email}, htmx=True
    )

    assert response.status_code == 200
    assert "organiser@example.org" in response.text


def test_event_page_offers_registration_only_while_it_is_open(client: TestClient, db: DbSession) -> None:
    from app.registration.models import RegistrationForm

    event = make_event(db, slug="prelude-2022")
    without_form = client.get("/events/prelude-2022").text
    # The event took place in 2022: without a later closing date its registration closed when it ended.
    closes_at = datetime.now(UTC) + timedelta(days=30)
    db.add(RegistrationForm(event_id=event.id, is_open=True, in_person_seats=100, closes_at=closes_at))
    db.commit()
    open_form = client.get("/events/prelude-2022").text

    assert 'href="http://testserver/events/prelude-2022/register"' not in without_form
    assert "Registration for this event is not open." in without_form
    assert 'href="http://testserver/events/prelude-2022/register"' in open_form
