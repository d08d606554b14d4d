"""An organiser writes to the confirmed online attendees of the hybrid demo conference in Chromium:
composes, previews, sends, and finds the message sent in the mail log and at the mail server.

The live server delivers through SMTP_URL to an aiosmtpd server started here (before the server starts,
so that it finds the address in its environment).
"""

import time
from collections.abc import Iterator
from email.message import EmailMessage

import pytest

from tests.browser.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, ARTIFACTS, LiveServer
from tests.conftest import collecting_smtp_server

pytestmark = pytest.mark.browser

SLUG = "prelude-2022"
SUBJECT = "Streaming tomorrow, Erik Jansen"


@pytest.fixture(autouse=True)
def mail_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[EmailMessage]]:
    with collecting_smtp_server() as (url, received):
        monkeypatch.setenv("SMTP_URL", url)
        yield received


def _log_in(page, server: LiveServer) -> None:
    page.goto(f"{server.url}/login")
    page.get_by_label("Email").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{server.url}/manage")


def _register_online(page, server: LiveServer) -> None:
    # The demo conference took place in 2022: without a later closing date its registration is closed.
    page.goto(f"{server.url}/manage/events/{SLUG}/registration")
    page.get_by_label("Registration is open").check()
    page.get_by_label("Closes at (Europe/Paris)").fill("2099-01-01T00:00")
    with page.expect_response(lambda response: response.request.method == "POST"):
        page.get_by_role("button", name="Save settings").click()
    page.wait_for_load_state("networkidle")
    page.context.clear_cookies()
    page.goto(f"{server.url}/events/{SLUG}/register")
    form = page.locator("#registration-form")
    form.get_by_label("Name").fill("Erik Jansen")
    form.get_by_label("Email").fill("erik@example.org")
    form.get_by_label("Affiliation").fill("Karolinska Institutet")
    form.get_by_label("Country").select_option("SE")
    form.locator("#field-mode-online").check()
    form.get_by_label("I agree that the organisers keep and use these details").check()
    form.get_by_role("button", name="Register").click()
    page.wait_for_url(f"{server.url}/events/{SLUG}/register/thanks")


def _mail_to(received: list[EmailMessage], address: str, subject: str, timeout: float = 15) -> EmailMessage:
    deadline = time.monotonic() + timeout
    while True:
        for message in received:
            if message["To"] == address and message["Subject"] == subject:
                return message
        if time.monotonic() > deadline:
            raise AssertionError(
                f"no {subject!r} to {address}: {[(m['To'], m['Subject']) for m in received]}"
            )
        time.sleep(0.2)


def test_organiser_writes_to_the_online_attendees_and_finds_it_sent(
    browser_page, live_server: LiveServer, mail_server: list[EmailMessage]
) -> None:
    page = browser_page
    _log_in(page, live_server)
    _register_online(page, live_server)
    _log_in(page, live_server)

    page.goto(f"{live_server.url}/manage/events/{SLUG}")
    page.get_by_role("link", name="Messages to groups").click()
    page.get_by_role("link", name="New message").click()
    page.locator("#field-audience").select_option("confirmed_online")
    page.locator("#field-subject").fill("Streaming tomorrow, {name}")
    page.locator("#field-body").fill("Dear {name},\n\nyour registration: {manage_link}\n{join_links}")
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("#message-preview")
    preview.get_by_text("This message goes to 1 person.").wait_for()
    assert preview.locator(".preview-subject").inner_text() == SUBJECT
    assert "Dear Erik Jansen," in preview.locator(".preview-text").inner_text()
    page.screenshot(path=str(ARTIFACTS / "group-message-preview.png"), full_page=True)

    page.get_by_role("button", name="Send", exact=True).click()
    page.wait_for_url(f"{live_server.url}/manage/events/{SLUG}/messages/*")
    # The progress block polls until the worker has written the copy and the mail server took it.
    page.locator("#message-progress .progress-sent").get_by_text("Sent: 1").wait_for(timeout=20_000)
    assert page.locator("#message-progress").get_by_role("button", name="Stop").count() == 0

    page.goto(f"{live_server.url}/manage/events/{SLUG}/mail")
    row = page.locator("tr", has_text=SUBJECT)
    assert "erik@example.org" in row.inner_text()
    assert "Sent" in row.locator(".badge").inner_text()
    message = _mail_to(mail_server, "erik@example.org", SUBJECT)
    assert "Dear Erik Jansen," in message.get_content()
