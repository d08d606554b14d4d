"""An organiser releasing a programme with conflicts sees them and confirms before the public does."""

import pytest

from tests.browser.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, ARTIFACTS, LiveServer

pytestmark = pytest.mark.browser


def test_release_with_conflicts_lists_them_and_needs_a_tick(browser_page, live_server: LiveServer) -> None:
    live_server.cli("generate", "--slug", "busy-congress", "--sessions", "60", "--rooms", "3", "--days", "1")
    page = browser_page
    page.goto(f"{live_server.url}/login")
    page.get_by_label("Email").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/manage")

    # The generator released version 1: move a session 15 minutes so that the draft has changed.
    page.goto(f"{live_server.url}/manage/events/busy-congress/programme")
    card = page.locator(".session-card").first
    session_id = card.get_attribute("data-session-id")
    start = card.get_attribute("data-start")
    card.locator(".card-title a").focus()
    page.keyboard.press("Alt+ArrowDown")
    page.wait_for_function(
        f"""() => document.querySelector('.session-card[data-session-id="{session_id}"]')
            .dataset.start !== '{start}'"""
    )
    page.goto(f"{live_server.url}/manage/events/busy-congress/releases")
    conflicts = page.locator(".open-conflicts li")
    if conflicts.count() == 0:
        pytest.skip("the generated programme has no conflict to confirm")
    page.get_by_label("Note for attendees (optional)").fill("Room changes")
    page.get_by_role("button", name="Release version").click()
    page.get_by_text("confirm that the public may see it as it is").wait_for()
    page.screenshot(path=str(ARTIFACTS / "release-conflicts.png"), full_page=True)
    page.locator("input[name=confirm_conflicts]").check()
    page.get_by_role("button", name="Release version").click()
    page.get_by_text("is now the public programme").wait_for()
