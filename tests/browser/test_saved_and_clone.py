"""An organiser sees that their settings were saved, and chooses what the next edition copies."""

import pytest

from tests.browser.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, ARTIFACTS, LiveServer
from tests.browser.test_accounts import _log_in

pytestmark = pytest.mark.browser


def test_saved_messages_and_the_clone_choices(browser_page, live_server: LiveServer) -> None:  # noqa: ANN001
    page = browser_page
    _log_in(page, live_server, ADMIN_EMAIL, ADMIN_PASSWORD)

    page.goto(f"{live_server.url}/manage/events/prelude-2022/edit")
    page.get_by_label("Venue").fill("Paris, France (Institut Pasteur)")
    page.locator("#event-form button[type=submit], form button[type=submit]").last.click()
    page.wait_for_url("**/manage/events/prelude-2022?saved=1")
    assert page.get_by_role("status").filter(has_text="Event settings saved.").is_visible()
    page.screenshot(path=str(ARTIFACTS / "event-settings-saved.png"))

    page.goto(f"{live_server.url}/manage/events/prelude-2022/registration")
    page.locator("#settings-form button[type=submit]").click()
    page.wait_for_url("**/registration?saved=1")
    assert page.get_by_role("status").filter(has_text="Registration settings saved.").is_visible()
    page.screenshot(path=str(ARTIFACTS / "registration-settings-saved.png"))

    page.goto(f"{live_server.url}/manage/events/prelude-2022/clone")
    for label in ("Rooms", "Tracks", "Sessions and talks", "Speakers", "Registration settings and questions"):
        assert page.get_by_label(label, exact=True).is_checked()
    page.get_by_label("Rooms", exact=True).uncheck()
    page.screenshot(path=str(ARTIFACTS / "clone-choices.png"), full_page=True)
    page.get_by_role("button", name="Create the copy").click()
    page.wait_for_url("**/manage/events/prelude-2023")
