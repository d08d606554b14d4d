"""A speaker whose upload is refused reads why in the upload form; their sessions stay on the page."""

from pathlib import Path

import pytest
from sqlmodel import select

from app.db import DbSession, make_engine
from app.speakers import links as portal_links
from app.speakers.models import Speaker
from tests.browser.conftest import ARTIFACTS, LiveServer
from tests.materials.samples import HTML_BYTES
from tests.site import site_urls

pytestmark = pytest.mark.browser


def _portal_url(server: LiveServer, name: str) -> str:
    """The link the organisers' email would carry, made as the server makes it."""
    engine = make_engine(server.env["DATABASE_URL"])
    try:
        with DbSession(engine) as db:
            speaker = db.exec(select(Speaker).where(Speaker.name == name)).first()
            speaker.portal_secret = "browser-test-portal-secret"
            db.add(speaker)
            db.commit()
            token = portal_links.portal_token(server.env["SECRET_KEY"], speaker)
    finally:
        engine.dispose()
    return server.url + site_urls().path("speaker_portal_page", token=token)


def test_refused_upload_shows_the_reason_in_the_form_and_keeps_the_sessions(
    browser_page, live_server: LiveServer, tmp_path: Path
) -> None:
    page = browser_page
    page.goto(_portal_url(live_server, "Sang-Heon Lee"))
    titles = page.locator(".portal-session h3").all_inner_texts()
    assert titles, "the demo speaker has sessions"
    disguised = tmp_path / "slides.pdf"
    disguised.write_bytes(HTML_BYTES)
    first = page.locator(".portal-session").first

    first.get_by_label("Slides file").set_input_files(str(disguised))
    first.get_by_role("button", name="Upload slides").click()
    error = page.locator(".portal-session .upload-form .field-error")
    error.wait_for()
    page.screenshot(path=str(ARTIFACTS / "speaker-portal-upload-refused.png"), full_page=True)

    assert error.inner_text().strip() == (
        "This file type is not accepted. Upload a PDF, PowerPoint, Keynote or OpenDocument presentation, "
        "or an MP4, MOV, WebM or MKV video."
    )
    assert page.locator(".portal-session h3").all_inner_texts() == titles
    assert page.get_by_text("Back to the events").count() == 0
    assert page.locator("#portal-profile").count() == 1
