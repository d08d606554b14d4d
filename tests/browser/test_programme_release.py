"""An organiser moves a session, releases a new version, and attendees see it in the changelog and the ICS."""

import re

import icalendar
import pytest

from tests.browser.conftest import ARTIFACTS, LiveServer
from tests.browser.test_programme_builder import _log_in

pytestmark = pytest.mark.browser

SLUG = "prelude-2022"
MOVED = "Registration and welcome coffee"


def _feed_entry(page, server: LiveServer, title: str) -> icalendar.Event:
    response = page.request.get(f"{server.url}/events/{SLUG}/programme.ics")
    assert response.status == 200
    calendar = icalendar.Calendar.from_ical(response.body())
    return next(item for item in calendar.walk("VEVENT") if str(item["summary"]) == title)


def test_a_released_move_shows_in_the_public_changelog_and_raises_the_ics_sequence(
    browser_page, live_server: LiveServer
) -> None:
    page = browser_page
    before = _feed_entry(page, live_server, MOVED)
    _log_in(page, live_server)

    page.goto(f"{live_server.url}/manage/events/{SLUG}/programme?day=2022-10-05")
    page.locator(".session-card", has_text=MOVED).get_by_role("link", name=MOVED).click()
    move_form = page.locator("#move-form")
    move_form.wait_for()
    page.wait_for_load_state("networkidle")
    move_form.get_by_label("Room").select_option(label="Main auditorium")
    move_form.get_by_role("button", name="Move session").click()
    page.locator("#builder-grid .session-card", has_text=MOVED).wait_for()
    page.wait_for_load_state("networkidle")

    # Not released yet: the public feed still has the session where it was.
    assert (str(_feed_entry(page, live_server, MOVED)["location"]), int(before["sequence"])) == (
        "Foyer, Paris, France",
        0,
    )

    page.get_by_role("link", name="Release", exact=True).click()
    page.wait_for_url(f"{live_server.url}/manage/events/{SLUG}/releases")
    pending = page.locator("#pending-changes")
    assert "Foyer" in pending.inner_text() and "Main auditorium" in pending.inner_text()
    page.get_by_label("Note for attendees (optional)").fill("Welcome coffee moves to the main auditorium")
    page.get_by_role("button", name="Release version 3").click()
    page.wait_for_selector("text=Version 3 is now the public programme.")

    page.goto(f"{live_server.url}/events/{SLUG}/changelog")
    latest = page.locator("article#version-3")
    text = re.sub(r"\s+", " ", latest.inner_text())
    assert "Welcome coffee moves to the main auditorium" in text
    assert f"{MOVED}: Wed 5 Oct 2022, 08:30–09:15, Foyer" in text
    assert "Wed 5 Oct 2022, 08:30–09:15, Main auditorium" in text
    page.screenshot(path=str(ARTIFACTS / "programme-changelog.png"), full_page=True)

    after = _feed_entry(page, live_server, MOVED)
    assert (str(after["uid"]), int(after["sequence"]), str(after["location"])) == (
        str(before["uid"]),
        1,
        "Main auditorium, Paris, France",
    )
