"""Owners choose who organises their event and with which role; the pages say which role you have."""

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import select

from app.accounts.models import User
from app.accounts.service import create_user
from app.db import DbSession
from app.events.models import Event, EventOrganiser, OrganiserRole
from tests.conftest import ORGANISER_PASSWORD, BrowserLikeClient
from tests.factories import make_event


def _give(db: DbSession, event: Event, user: User, role: OrganiserRole) -> None:
    db.add(EventOrganiser(event_id=event.id, user_id=user.id, role=role))
    db.commit()


def _roles(db: DbSession, event: Event) -> dict[str, str]:
    db.rollback()
    rows = db.exec(
        select(User.email, EventOrganiser.role)
        .join(EventOrganiser, EventOrganiser.user_id == User.id)
        .where(EventOrganiser.event_id == event.id)
    ).all()
    return {email: str(role) for email, role in rows}


def _browser(app: FastAPI, email: str) -> BrowserLikeClient:
    browser = BrowserLikeClient(TestClient(app, follow_redirects=False))
    browser.login(email)
    return browser


def test_an_owner_adds_a_co_organiser_with_a_role(
    organiser_client: BrowserLikeClient, organiser: User, db: DbSession
) -> None:
    event = make_event(db, slug="prelude-2022")
    _give(db, event, organiser, OrganiserRole.owner)
    create_user(db, "door@example.org", ORGANISER_PASSWORD)

    response = organiser_client.post(
        "/manage/events/prelude-2022/organisers", {"email": "door@example.org", "role": "checkin"}, htmx=True
    )

    assert response.status_code == 200
    assert _roles(db, event) == {"organiser@example.org": "owner", "door@example.org": "checkin"}
    assert "Check-in staff" in response.text


def test_an_owner_changes_a_role(organiser_client: BrowserLikeClient, organiser: User, db: DbSession) -> None:
    event = make_event(db, slug="prelude-2022")
    _give(db, event, organiser, OrganiserRole.owner)
    helper = create_user(db, "helper@example.org", ORGANISER_PASSWORD)
    _give(db, event, helper, OrganiserRole.checkin)

    response = organiser_client.post(
        f"/manage/events/prelude-2022/organisers/{helper.id}/role", {"role": "owner"}, htmx=True
    )

    assert response.status_code == 200
    assert _roles(db, event) == {"organiser@example.org": "owner", "helper@example.org": "owner"}


def test_the_last_owner_can_be_neither_removed_nor_demoted(
    admin_client: BrowserLikeClient, organiser: User, db: DbSession
) -> None:
    event = make_event(db, slug="prelude-2022")
    _give(db, event, organiser, OrganiserRole.owner)

    removed = admin_client.post(f"/manage/events/prelude-2022/organisers/{organiser.id}/remove", htmx=True)
    demoted = admin_client.post(
        f"/manage/events/prelude-2022/organisers/{organiser.id}/role", {"role": "organiser"}, htmx=True
    )

    message = "An event keeps at least one owner: make someone else owner first."
    assert (removed.status_code, message in removed.text) == (409, True)
    assert (demoted.status_code, message in demoted.text) == (422, True)
    assert _roles(db, event) == {"organiser@example.org": "owner"}


def test_an_organiser_sees_the_organiser_list_without_changing_it_nor_deleting_the_event(
    organiser_client: BrowserLikeClient, organiser: User, db: DbSession
) -> None:
    event = make_event(db, slug="prelude-2022")
    _give(db, event, organiser, OrganiserRole.organiser)

    page = organiser_client.get("/manage/events/prelude-2022").text

    assert "Your role: Organiser" in page
    assert "Only the event's owners and administrators change who organises it." in page
    assert "Add organiser" not in page
    assert 'id="danger-zone"' not in page
    assert "Programme builder" in page


def test_check_in_staff_are_led_to_the_check_in_page_only(app: FastAPI, db: DbSession) -> None:
    event = make_event(db, slug="prelude-2022")
    staff = create_user(db, "door@example.org", ORGANISER_PASSWORD)
    _give(db, event, staff, OrganiserRole.checkin)
    browser = _browser(app, staff.email)

    listing = browser.get("/manage").text
    checkin = browser.get("/manage/events/prelude-2022/checkin")
    manage = browser.get("/manage/events/prelude-2022")

    assert 'href="http://testserver/manage/events/prelude-2022/checkin"' in listing
    assert 'href="http://testserver/manage/events/prelude-2022"' not in listing
    assert "Your role: Check-in staff" in listing
    assert checkin.status_code == 200
    assert "Your role: Check-in staff" in checkin.text
    assert "/manage/events/prelude-2022/registrations" not in checkin.text
    assert manage.status_code == 403
    assert "Your role in this event is check-in staff: you may open the check-in pages only." in manage.text


def test_the_account_page_lists_my_events_and_my_role(app: FastAPI, db: DbSession) -> None:
    owned = make_event(db, slug="owned", title="Owned Event")
    door = make_event(db, slug="door", title="Door Event")
    user = create_user(db, "me@example.org", ORGANISER_PASSWORD, name="Mia Me")
    _give(db, owned, user, OrganiserRole.owner)
    _give(db, door, user, OrganiserRole.checkin)

    page = _browser(app, user.email).get("/account").text

    assert "Mia Me" in page
    assert "me@example.org" in page
    assert "Owned Event</a></td>\n        <td>Owner</td>" in page
    assert "Door Event</a></td>\n        <td>Check-in staff</td>" in page


def test_a_password_change_needs_the_current_password(organiser_client: BrowserLikeClient) -> None:
    response = organiser_client.post(
        "/account/password", {"current_password": "not it at all", "password": "a brand new password"}
    )

    assert response.status_code == 422
    assert "The current password is not right." in response.text
