"""People register for the hybrid demo conference in Chromium; a cancellation hands the seat to the first
person waiting.

The live server has no SMTP_URL, so its emails are .eml files in <VAR_DIR>/outbox: the test points VAR_DIR
at its own temporary directory (before the server starts) and reads the manage links there, as an attendee
would in their inbox.
"""

import re
import time
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from pathlib import Path

import pytest

from tests.browser.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, ARTIFACTS, LiveServer

pytestmark = pytest.mark.browser

SLUG = "prelude-2022"
TITLE = "Prelude to the Future of Medicine"
MANAGE_LINK = re.compile(r"https?://[^\s]+/registrations/[A-Za-z0-9_.\-]+")


@pytest.fixture(autouse=True)
def outbox(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    # Autouse, so it runs before live_server copies the environment for the server it starts.
    monkeypatch.setenv("VAR_DIR", str(tmp_path / "var"))
    return tmp_path / "var" / "outbox"


def _read(path: Path) -> EmailMessage:
    return BytesParser(policy=default_policy).parsebytes(path.read_bytes())


def _mail_to(outbox: Path, address: str, subject: str, timeout: float = 10) -> EmailMessage:
    deadline = time.monotonic() + timeout
    while True:
        messages = [_read(path) for path in sorted(outbox.glob("*.eml"))]
        for message in messages:
            if message["To"] == address and message["Subject"] == subject:
                return message
        if time.monotonic() > deadline:
            arrived = [(message["To"], message["Subject"]) for message in messages]
            raise AssertionError(f"no mail {subject!r} to {address}; the outbox holds {arrived}")
        time.sleep(0.2)


def _manage_link(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    match = MANAGE_LINK.search(body.get_content())
    assert match, "the email carries no manage link"
    return match.group(0)


def _limit_in_person_seats_to_one(page, server: LiveServer) -> None:
    page.goto(f"{server.url}/login")
    page.get_by_label("Email").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{server.url}/manage")
    page.goto(f"{server.url}/manage/events/{SLUG}/registration")
    page.get_by_label("Registration is open").check()
    # The demo conference took place in 2022: without a later closing date its registration is closed.
    page.get_by_label("Closes at (Europe/Paris)").fill("2099-01-01T00:00")
    page.get_by_label("In-person seats").fill("1")
    page.get_by_label("When places run out, offer a waiting list").check()
    with page.expect_response(lambda response: response.request.method == "POST"):
        page.get_by_role("button", name="Save settings").click()
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(ARTIFACTS / "registration-settings.png"), full_page=True)
    page.context.clear_cookies()  # the attendees are not logged in


def _register(page, server: LiveServer, name: str, email: str, mode: str) -> None:
    page.goto(f"{server.url}/events/{SLUG}/register")
    form = page.locator("#registration-form")
    form.get_by_label("Name").fill(name)
    form.get_by_label("Email").fill(email)
    form.get_by_label("Affiliation").fill("Imagine Institute Paris")
    form.get_by_label("Country").select_option("FR")
    form.locator(f"#field-mode-{mode}").check()
    form.get_by_label("I agree that the organisers keep and use these details").check()
    form.get_by_role("button", name="Register").click()
    page.wait_for_url(f"{server.url}/events/{SLUG}/register/thanks")
    page.get_by_role("heading", name="Check your email").wait_for()


def _status_of(page) -> str:
    return page.locator(".registration-state .badge").first.inner_text().strip()


def test_attendees_register_online_and_in_person_and_a_cancellation_promotes_the_first_waiting(
    browser_page, live_server: LiveServer, outbox: Path
) -> None:
    page = browser_page
    _limit_in_person_seats_to_one(page, live_server)

    page.goto(f"{live_server.url}/events/{SLUG}/register")
    assert "1 place left" in page.locator("label[for='field-mode-in_person']").inner_text()
    page.screenshot(path=str(ARTIFACTS / "registration-form.png"), full_page=True)
    _register(page, live_server, "Annarita Rossi", "annarita@example.org", "in_person")
    page.screenshot(path=str(ARTIFACTS / "registration-thanks.png"), full_page=True)
    _register(page, live_server, "Erik Jansen", "erik@example.org", "online")
    _register(page, live_server, "Francesca Bianchi", "francesca@example.org", "in_person")
    _register(page, live_server, "Sang-Heon Park", "sangheon@example.org", "in_person")

    confirmed = _mail_to(outbox, "annarita@example.org", f"You are registered for {TITLE}")
    online = _mail_to(outbox, "erik@example.org", f"You are registered for {TITLE}")
    first_waiting = _mail_to(outbox, "francesca@example.org", f"You are on the waiting list for {TITLE}")
    second_waiting = _mail_to(outbox, "sangheon@example.org", f"You are on the waiting list for {TITLE}")

    # The online attendee's own page carries their personal join links (never the stream's address).
    page.goto(_manage_link(online))
    assert (_status_of(page), page.locator(".registration-state .badge").nth(1).inner_text()) == (
        "Confirmed",
        "Online",
    )
    join = page.locator(".stream-links a", has_text="Join").first
    assert re.fullmatch(r"https?://[^/]+/join/[A-Za-z0-9_.\-]+", join.get_attribute("href") or "")
    assert "stream.example.org" not in page.content()
    page.screenshot(path=str(ARTIFACTS / "registration-online.png"), full_page=True)

    page.goto(_manage_link(first_waiting))
    assert _status_of(page) == "On the waiting list"

    page.goto(_manage_link(confirmed))
    assert _status_of(page) == "Confirmed"
    assert page.locator(".ticket .ticket-code").inner_text().strip() != ""
    page.screenshot(path=str(ARTIFACTS / "registration-manage-ticket.png"), full_page=True)
    page.get_by_label("Yes, cancel my registration").check()
    page.get_by_role("button", name="Cancel my registration").click()
    page.get_by_text("Your registration is cancelled.").wait_for()
    assert _status_of(page) == "Cancelled"
    page.screenshot(path=str(ARTIFACTS / "registration-cancelled.png"), full_page=True)

    promotion = _mail_to(outbox, "francesca@example.org", f"A place is yours: {TITLE}")
    page.goto(_manage_link(promotion))
    assert _status_of(page) == "Confirmed"
    assert page.locator(".ticket .ticket-code").inner_text().strip() != ""
    page.screenshot(path=str(ARTIFACTS / "registration-promoted.png"), full_page=True)

    page.goto(_manage_link(second_waiting))
    assert _status_of(page) == "On the waiting list"
