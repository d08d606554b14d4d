"""An organiser imports a frab schedule as a new event through the pages and finds it in the builder."""

import pytest

from tests.browser.conftest import ARTIFACTS, LiveServer
from tests.browser.test_programme_builder import _log_in
from tests.exports.test_frab import SAMPLES

pytestmark = pytest.mark.browser


def test_a_schedule_imported_as_a_new_event_shows_in_the_builder(
    browser_page, live_server: LiveServer
) -> None:
    page = browser_page
    _log_in(page, live_server)

    page.get_by_role("link", name="Import a schedule").click()
    page.locator("#field-file").set_input_files(SAMPLES / "good-38c3-excerpt.xml")
    page.get_by_role("button", name="Upload and check").click()
    report = page.locator("#import-status")
    report.get_by_role("heading", name="What will be imported").wait_for()
    assert "A new draft event, “38C3”, at the address 38c3." in report.inner_text()
    assert "16 new sessions" in report.inner_text()

    page.get_by_role("button", name="Confirm and import").click()
    # The job's page shows the progress until the import ends (htmx polls it), then the result.
    page.get_by_role("heading", name="Imported").wait_for(timeout=60_000)
    assert "Into the new event “38C3”." in page.locator("#import-status").inner_text()
    page.screenshot(path=str(ARTIFACTS / "import-result.png"), full_page=True)

    page.get_by_role("link", name="Open the programme builder").click()
    page.wait_for_url(f"{live_server.url}/manage/events/38c3/programme")
    opening = page.locator(".session-card", has_text="38C3: Opening Ceremony")
    opening.wait_for()
    assert "10:30" in opening.inner_text()
    # Its first day, 27 December 2024, holds four of the sixteen sessions.
    assert page.locator(".session-card").count() == 4
    page.screenshot(path=str(ARTIFACTS / "import-builder.png"), full_page=True)
