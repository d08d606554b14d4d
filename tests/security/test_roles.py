"""Every login-only route, tried by every role: the table below is the rule, and a new route must join it.

Anonymous visitors are sent to the login page; check-in staff open only the check-in pages; organisers
manage their events but not who organises them; owners and administrators do everything of an event;
only administrators manage accounts. An organiser of another event is refused with 403.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from app.accounts.access import current_user
from app.accounts.service import create_user
from app.db import DbSession
from app.events.models import EventOrganiser, OrganiserRole
from tests.conftest import ORGANISER_PASSWORD, BrowserLikeClient
from tests.factories import make_event
from tests.test_csrf_guard import _routes_with_dependencies

ANY_ACCOUNT, CHECK_IN, MANAGE, OWNER, ADMIN = "any account", "check-in", "manage", "owner", "admin"

# Who may open each route that needs a login. A new route that needs a login fails the test until it is
# classified here.
ROUTE_LEVELS: dict[str, str] = {
    # The user's own account and event list; creating events and importing into a new one.
    "account_page": ANY_ACCOUNT,
    "account_password_change": ANY_ACCOUNT,
    "account_logout_everywhere": ANY_ACCOUNT,
    "manage_events_page": ANY_ACCOUNT,
    "event_new_page": ANY_ACCOUNT,
    "event_create": ANY_ACCOUNT,
    "import_new_page": ANY_ACCOUNT,
    "import_new_upload": ANY_ACCOUNT,
    "import_job_page": ANY_ACCOUNT,
    "import_confirm": ANY_ACCOUNT,
    # Accounts.
    "accounts_page": ADMIN,
    "account_invite": ADMIN,
    "account_set_active": ADMIN,
    # Who organises an event, and deleting it.
    "event_delete": OWNER,
    "event_organiser_add": OWNER,
    "event_organiser_role": OWNER,
    "event_organiser_remove": OWNER,
    # The door.
    "checkin_page": CHECK_IN,
    "checkin_ticket_page": CHECK_IN,
    "checkin_mark": CHECK_IN,
    "attendance_page": CHECK_IN,
    "session_checkin_page": CHECK_IN,
    "session_checkin_mark": CHECK_IN,
    # Everything else of an event.
    **dict.fromkeys(
        [
            "event_manage_page",
            "event_edit_page",
            "event_update",
            "event_publish",
            "event_clone_page",
            "event_clone",
            "builder_page",
            "builder_session_create",
            "builder_session_update",
            "builder_session_move",
            "builder_session_cancel",
            "builder_session_restore",
            "builder_session_delete",
            "builder_talk_create",
            "builder_talk_update",
            "builder_talk_move",
            "builder_talk_delete",
            "builder_role_add",
            "builder_role_update",
            "builder_role_remove",
            "rooms_page",
            "room_create",
            "room_update",
            "room_delete",
            "tracks_page",
            "track_create",
            "track_update",
            "track_delete",
            "speakers_manage_page",
            "speaker_create",
            "speaker_edit_page",
            "speaker_update",
            "speaker_delete",
            "import_page",
            "import_upload",
            "releases_page",
            "release_submit",
            "registrations_page",
            "registration_approve",
            "registration_reject",
            "registration_cancel",
            "registration_link_renew",
            "registration_edit_page",
            "registration_update",
            "registrations_csv",
            "registration_settings_page",
            "registration_settings_save",
            "question_create",
            "question_update",
            "question_move",
            "question_delete",
            "invitations_page",
            "invitation_create",
            "invitation_revoke",
            "material_upload",
            "materials_page",
            "materials_reminders_send",
            "speaker_portal_link_send",
            "material_link_add",
            "material_visibility_set",
            "material_delete",
            "mail_log_page",
            "mail_message_page",
            "mail_message_resend",
            "mail_resend_failed",
            "group_messages_page",
            "group_message_compose_page",
            "group_message_preview",
            "group_message_test",
            "group_message_send",
            "group_message_page",
            "group_message_stop",
            "reminder_save",
            "attendance_csv",
            "feedback_manage_page",
            "feedback_settings_save",
            "feedback_csv",
            "stage_links_page",
            "stage_link_create",
            "stage_link_revoke",
            "questions_manage_page",
            "questions_renew_link",
            "questions_manage_csv",
        ],  # fmt: skip
        MANAGE,
    ),
}

ROLES = ["anonymous", "check-in staff", "organiser of another event", "organiser", "owner", "admin"]
ALLOWED: dict[str, set[str]] = {
    ANY_ACCOUNT: set(ROLES) - {"anonymous"},
    CHECK_IN: {"check-in staff", "organiser", "owner", "admin"},
    MANAGE: {"organiser", "owner", "admin"},
    OWNER: {"owner", "admin"},
    ADMIN: {"admin"},
}
# Ends the session it is called with, so it is tried last.
SESSION_ENDING = {"account_logout_everywhere"}


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str


def _needs_login(route: APIRoute) -> bool:
    def calls(dependant: object) -> Iterator[object]:
        for dependency in dependant.dependencies:  # type: ignore[attr-defined]
            yield dependency.call
            yield from calls(dependency)

    return current_user in set(calls(route.dependant))


def _login_routes(app: FastAPI) -> list[Endpoint]:
    endpoints = []
    for route, _inherited in _routes_with_dependencies(app.routes):
        if _needs_login(route) or route.path.startswith(("/manage", "/admin")):
            for method in sorted(route.methods - {"HEAD"}):
                endpoints.append(Endpoint(route.name, method, route.path))
    return sorted(endpoints, key=lambda e: (e.name in SESSION_ENDING, e.path, e.method))


def _url(path: str) -> str:
    # The event under test by its slug; any other id names nothing (a 404 after the role check).
    return re.sub(r"\{(\w+)(:\w+)?\}", lambda m: "the-event" if m.group(1) == "slug" else "999999", path)


def _outcome(response: object) -> str:
    status = response.status_code  # type: ignore[attr-defined]
    if status == 303 and "/login?next=" in response.headers.get("location", ""):  # type: ignore[attr-defined]
        return "login"
    if status == 403:
        return "forbidden"
    if status >= 500:
        return f"error {status}"
    return "allowed"


def _expected(level: str, role: str) -> str:
    if role == "anonymous":
        return "login"
    return "allowed" if role in ALLOWED[level] else "forbidden"


def test_every_route_that_needs_a_login_is_classified(app: FastAPI) -> None:
    names = {endpoint.name for endpoint in _login_routes(app)}

    assert sorted(names - ROUTE_LEVELS.keys()) == [], "classify these routes in ROUTE_LEVELS"
    assert sorted(ROUTE_LEVELS.keys() - names) == []


def test_every_management_route_needs_a_login(app: FastAPI) -> None:
    unguarded = [
        route.path
        for route, _inherited in _routes_with_dependencies(app.routes)
        if route.path.startswith(("/manage", "/admin", "/account")) and not _needs_login(route)
    ]

    # The links from invitation emails are opened before the person has a password.
    assert unguarded == ["/account/welcome/{token}", "/account/welcome/{token}"]


@pytest.fixture
def browser_as(app: FastAPI, db: DbSession) -> Iterator[object]:
    event = make_event(db, slug="the-event", is_published=False)
    other = make_event(db, slug="other-event")
    people = {
        "check-in staff": (event, OrganiserRole.checkin),
        "organiser": (event, OrganiserRole.organiser),
        "owner": (event, OrganiserRole.owner),
        "organiser of another event": (other, OrganiserRole.owner),
    }
    emails = {}
    for role, (given, organiser_role) in people.items():
        user = create_user(db, f"{role.replace(' ', '-')}@example.org", ORGANISER_PASSWORD)
        db.add(EventOrganiser(event_id=given.id, user_id=user.id, role=organiser_role))
        emails[role] = user.email
    emails["admin"] = create_user(db, "admin@example.org", ORGANISER_PASSWORD, is_admin=True).email
    db.commit()

    clients: list[TestClient] = []

    def browser(role: str) -> BrowserLikeClient:
        client = TestClient(app, follow_redirects=False)
        clients.append(client)
        browser = BrowserLikeClient(client)
        if role == "anonymous":
            browser.refresh_csrf()  # a real form token, so the refusal is about the login
        else:
            browser.login(emails[role])
        return browser

    yield browser
    for client in clients:
        client.close()


@pytest.mark.parametrize("role", ROLES)
def test_each_role_opens_exactly_what_its_role_allows(app: FastAPI, browser_as: object, role: str) -> None:
    browser = browser_as(role)  # type: ignore[operator]
    expected, seen = {}, {}

    for endpoint in _login_routes(app):
        url = _url(endpoint.path)
        response = browser.get(url) if endpoint.method == "GET" else browser.post(url, {})
        key = f"{endpoint.method} {endpoint.path}"
        expected[key] = _expected(ROUTE_LEVELS[endpoint.name], role)
        seen[key] = _outcome(response)

    assert seen == expected


def test_an_unknown_event_is_not_found_for_every_role(browser_as: object) -> None:
    statuses = {role: browser_as(role).get("/manage/events/no-such-event").status_code for role in ROLES[1:]}  # type: ignore[operator]

    assert statuses == dict.fromkeys(ROLES[1:], 404)
