"""An organiser builds a programme in Chromium and the public finds it, in the event's time and their own."""

import re

import pytest

from tests.browser.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, ARTIFACTS, LiveServer

pytestmark = pytest.mark.browser


def _log_in(page, server: LiveServer) -> None:
    page.goto(f"{server.url}/login")
    page.get_by_label("Email").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{server.url}/manage")


def _create_event(page, server: LiveServer) -> None:
    page.goto(f"{server.url}/manage/events/new")
    page.get_by_label("Title").fill("Hybrid Symposium 2027")
    page.get_by_label("Address").fill("symposium-2027")
    page.get_by_label("Attendance").select_option("hybrid")
    page.get_by_label("First day").fill("2027-03-10")
    page.get_by_label("Last day").fill("2027-03-11")
    page.get_by_label("Time zone").select_option("Europe/Paris")
    page.get_by_label("Venue").fill("Paris")
    page.get_by_role("button", name="Create event").click()
    page.wait_for_url(f"{server.url}/manage/events/symposium-2027")


def _add_room(page, server: LiveServer, name: str) -> None:
    page.goto(f"{server.url}/manage/events/symposium-2027/rooms")
    page.get_by_label("Name").fill(name)
    page.get_by_role("button", name="Add room").click()
    page.wait_for_selector(f"#room-list td:text-is('{name}')")


def _create_session(page, title: str, start: str, end: str, room: str) -> None:
    form = page.locator("#session-create")
    form.get_by_label("Title").fill(title)
    form.get_by_label("Kind").select_option("keynote")
    form.get_by_label("Starts at").fill(start)
    form.get_by_label("Ends at").fill(end)
    form.get_by_label("Room").select_option(label=room)
    form.get_by_role("button", name="Add session").click()


def test_organiser_builds_publishes_and_public_sees_it_in_both_time_zones(
    browser_page, live_server: LiveServer
) -> None:
    page = browser_page
    _log_in(page, live_server)
    _create_event(page, live_server)
    _add_room(page, live_server, "Amphitheatre")
    _add_room(page, live_server, "Salle Pasteur")

    page.goto(f"{live_server.url}/manage/events/symposium-2027/programme?day=2027-03-10")
    assert page.evaluate("typeof window.htmx") == "object"
    _create_session(page, "Single-cell technologies", "10:00", "11:00", "Amphitheatre")
    amphitheatre_card = page.locator(".session-card", has_text="Single-cell technologies")
    amphitheatre_card.wait_for()
    _create_session(page, "Health data governance", "10:30", "11:30", "Salle Pasteur")
    page.locator(".session-card", has_text="Health data governance").wait_for()
    assert page.locator("#conflict-list").inner_text().count("double-booked") == 0
    # htmx swapped blocks in place: the page was never reloaded, so this marker survives.
    page.evaluate("window.__noReload = true")

    amphitheatre_card.get_by_role("link", name="Single-cell technologies").click()
    move_form = page.locator("#move-form")
    move_form.wait_for()
    # Let htmx finish settling the swapped-in editor before typing into it, as a person would.
    page.wait_for_load_state("networkidle")
    move_form.get_by_label("Room").select_option(label="Salle Pasteur")
    move_form.get_by_role("button", name="Move session").click()

    conflict = page.locator("#conflict-list li", has_text="Salle Pasteur")
    conflict.wait_for()
    assert re.search(r"Salle Pasteur", conflict.inner_text())
    assert page.evaluate("window.__noReload") is True
    page.screenshot(path=str(ARTIFACTS / "builder-conflict.png"), full_page=True)

    page.goto(f"{live_server.url}/manage/events/symposium-2027")
    page.get_by_role("button", name="Publish").click()
    # The draft has the conflict made above: publishing lists it and asks first.
    page.get_by_text("Salle Pasteur is booked twice").wait_for()
    page.get_by_role("button", name="Publish anyway").click()
    page.wait_for_selector("text=Published")

    page.goto(f"{live_server.url}/events/symposium-2027/programme?day=2027-03-10")
    card = page.locator("#programme-grid", has_text="Single-cell technologies")
    card.wait_for()
    assert "10:00" in page.locator(".session-card", has_text="Single-cell technologies").inner_text()
    page.screenshot(path=str(ARTIFACTS / "programme-event-zone.png"), full_page=True)

    # The browser runs in New York (see the fixture): on 10 March 2027, 10:00 in Paris (UTC+1)
    # is 04:00 there (UTC-5).
    page.get_by_role("button", name="My time zone").click()
    page.wait_for_url(re.compile(r"tz=America%2FNew_York"))
    new_york_card = page.locator(".session-card", has_text="Single-cell technologies")
    new_york_card.wait_for()
    assert "04:00" in new_york_card.inner_text()
    page.screenshot(path=str(ARTIFACTS / "programme-viewer-zone.png"), full_page=True)
