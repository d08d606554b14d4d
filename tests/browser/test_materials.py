"""A speaker opens the link from the organisers' email, edits their bio and uploads a PDF; the organiser
publishes it and the public session page offers it for download."""

import re
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

from tests.browser.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, ARTIFACTS, LiveServer
from tests.materials.samples import PDF_BYTES
from tests.servers import mail_files

pytestmark = pytest.mark.browser

SLUG = "prelude-2022"


@pytest.fixture(autouse=True)
def outbox_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # The live server has no mail server: its emails land as .eml files under VAR_DIR/outbox.
    monkeypatch.setenv("VAR_DIR", str(tmp_path / "var"))
    return tmp_path / "var" / "outbox"


def _log_in(page, server: LiveServer) -> None:
    page.goto(f"{server.url}/login")
    page.get_by_label("Email").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{server.url}/manage")


def _portal_link_from_outbox(outbox: Path) -> str:
    [mail] = mail_files(outbox)
    message = BytesParser(policy=policy.default).parsebytes(mail.read_bytes())
    return re.search(r"http://\S+/speaker-portal/\S+", message.get_content()).group(0)


def test_speaker_uploads_slides_organiser_publishes_public_downloads(
    browser_page, live_server: LiveServer, outbox_in_tmp: Path, tmp_path: Path
) -> None:
    organiser = browser_page
    _log_in(organiser, live_server)
    organiser.goto(f"{live_server.url}/manage/events/{SLUG}")
    organiser.get_by_role("link", name="Slides and recordings").click()
    organiser.wait_for_url(f"{live_server.url}/manage/events/{SLUG}/materials")
    lee_row = organiser.locator("#materials-overview tr", has_text="Sang-Heon Lee").first
    lee_row.get_by_role("button", name="Send portal link").click()
    organiser.locator(".notice", has_text="A new portal link was sent to Sang-Heon Lee").wait_for()
    portal_url = _portal_link_from_outbox(outbox_in_tmp)

    # The speaker has no account: a browser of their own, with no organiser's cookie.
    speaker = organiser.context.browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    speaker.route("https://cdn.jsdelivr.net/**", lambda route: route.abort())
    speaker.goto(portal_url)
    speaker.get_by_label("Biography (Markdown)").fill("Builds **cloud hospital systems** in Seoul.")
    speaker.get_by_role("button", name="Save profile").click()
    speaker.wait_for_load_state("networkidle")
    speaker.reload()
    assert (
        speaker.get_by_label("Biography (Markdown)").input_value()
        == "Builds **cloud hospital systems** in Seoul."
    )

    deck = tmp_path / "Lee - cloud HIS.pdf"
    deck.write_bytes(PDF_BYTES)
    first_session = speaker.locator(".portal-session").first
    session_title = first_session.locator("h3").inner_text().strip()
    first_session.get_by_label("When may the public see them?").select_option("hidden")
    first_session.get_by_label("Slides file").set_input_files(str(deck))
    first_session.get_by_role("button", name="Upload slides").click()
    speaker.locator(".portal-session", has_text="Version 1: Lee - cloud HIS.pdf").wait_for()
    speaker.screenshot(path=str(ARTIFACTS / "speaker-portal-uploaded.png"), full_page=True)

    organiser.reload()
    card = organiser.locator(".material-session-card", has_text="Lee - cloud HIS.pdf")
    session_id = card.get_attribute("id").removeprefix("materials-session-")
    public_url = f"{live_server.url}/events/{SLUG}/sessions/{session_id}"
    visitor = organiser.context.browser.new_context().new_page()
    visitor.route("https://cdn.jsdelivr.net/**", lambda route: route.abort())
    visitor.goto(public_url)
    assert visitor.locator(".published-materials").count() == 0

    card.get_by_role("button", name=re.compile(r"^Public now")).click()
    organiser.locator(".material-session-card", has_text="Lee - cloud HIS.pdf").locator(
        ".badge.ok", has_text="Public"
    ).wait_for()
    organiser.screenshot(path=str(ARTIFACTS / "materials-organiser-published.png"), full_page=True)

    visitor.goto(public_url)
    assert visitor.locator("h1").inner_text() == session_title
    download_link = visitor.locator(".published-materials a", has_text="Slides")
    download_link.wait_for()
    visitor.screenshot(path=str(ARTIFACTS / "session-page-download.png"), full_page=True)
    answer = visitor.request.get(download_link.get_attribute("href"))
    assert (answer.status, answer.headers["content-type"], answer.body()) == (
        200,
        "application/pdf",
        PDF_BYTES,
    )
