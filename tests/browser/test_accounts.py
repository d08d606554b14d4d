"""An administrator invites an organiser, who chooses a password and, once added as check-in staff,
is led to the door check-in page only."""

import re
import time
from email.parser import BytesParser
from email.policy import default as default_policy
from pathlib import Path

import pytest

from tests.browser.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, LiveServer

pytestmark = pytest.mark.browser

SLUG = "prelude-2022"
INVITEE = "door.volunteer@example.org"


@pytest.fixture(autouse=True)
def outbox(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    # Autouse, so it runs before live_server copies the environment for the server it starts.
    monkeypatch.setenv("VAR_DIR", str(tmp_path / "var"))
    return tmp_path / "var" / "outbox"


def _invitation_link(outbox: Path, timeout: float = 10) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in outbox.glob("*.eml"):
            text = BytesParser(policy=default_policy).parsebytes(path.read_bytes()).get_content()
            match = re.search(r"https?://\S+/account/welcome/\S+", text)
            if match:
                return match.group(0)
        time.sleep(0.2)
    pytest.fail("no invitation in the outbox")


def _log_in(page, server: LiveServer, email: str, password: str) -> None:  # noqa: ANN001
    page.goto(f"{server.url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{server.url}/manage")


def test_an_invited_volunteer_becomes_check_in_staff(
    browser_page, live_server: LiveServer, outbox: Path
) -> None:  # noqa: ANN001
    page = browser_page
    _log_in(page, live_server, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.goto(f"{live_server.url}/admin/accounts")
    page.wait_for_load_state("networkidle")
    page.get_by_label("Email").fill(INVITEE)
    page.get_by_role("button", name="Send invitation").click()
    page.get_by_text(f"Invitation sent to {INVITEE}.").wait_for()

    page.goto(f"{live_server.url}/manage/events/{SLUG}")
    page.wait_for_load_state("networkidle")
    organisers = page.locator("#organiser-list")
    organisers.get_by_label("Add an organiser by email").fill(INVITEE)
    organisers.get_by_label("Role", exact=True).select_option(label="Check-in staff")
    organisers.get_by_role("button", name="Add organiser").click()
    page.locator("#organiser-list li", has_text=INVITEE).get_by_text("Check-in staff").first.wait_for()
    page.get_by_role("button", name="Log out").click()

    page.goto(_invitation_link(outbox))
    page.get_by_label("New password").fill("volunteer password")
    page.get_by_label("The same password again").fill("volunteer password")
    page.get_by_role("button", name="Save the password").click()
    page.wait_for_url(f"{live_server.url}/account")
    page.get_by_role("link", name="Prelude to the Future of Medicine").click()

    page.wait_for_url(f"{live_server.url}/manage/events/{SLUG}/checkin")
    assert page.get_by_text("Your role: Check-in staff").is_visible()
