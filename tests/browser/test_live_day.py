"""The event day in a real browser: a hybrid event generated to be running now, its now-and-next page,
the banner and the "now" mark in the programme, and a room screen that fits a landscape and a portrait
screen without scrolling and asks the server again by itself."""

import pytest

from tests.browser.conftest import ARTIFACTS, LiveServer

pytestmark = pytest.mark.browser

SLUG = "live-now"


def _fits(page: object) -> bool:
    return bool(
        page.evaluate(  # type: ignore[attr-defined]
            "() => document.documentElement.scrollHeight <= window.innerHeight"
            " && document.documentElement.scrollWidth <= window.innerWidth"
        )
    )


def test_the_live_day_in_a_browser(live_server: LiveServer, browser_page: object) -> None:
    live_server.cli(
        "generate", "--slug", SLUG, "--sessions", "40", "--rooms", "4", "--days", "1", "--start", "now"
    )
    page = browser_page

    page.goto(f"{live_server.url}/events/{SLUG}/now")  # type: ignore[attr-defined]
    board = page.locator("#now-board")  # type: ignore[attr-defined]
    board.locator(".now-room").first.wait_for()
    assert "minutes left" in board.inner_text() or "minute left" in board.inner_text()
    page.screenshot(path=str(ARTIFACTS / "live-now.png"), full_page=True)  # type: ignore[attr-defined]

    page.goto(f"{live_server.url}/events/{SLUG}/programme")  # type: ignore[attr-defined]
    page.locator(".now-banner").wait_for()  # type: ignore[attr-defined]
    page.locator(".session-card.is-now .badge.now").first.wait_for()  # type: ignore[attr-defined]
    page.screenshot(path=str(ARTIFACTS / "live-programme.png"))  # type: ignore[attr-defined]

    page.goto(f"{live_server.url}/events/{SLUG}/screens")  # type: ignore[attr-defined]
    screen_url = page.locator(".screen-links a").first.get_attribute("href")  # type: ignore[attr-defined]
    for name, size in (("landscape", (1920, 1080)), ("portrait", (1080, 1920))):
        page.set_viewport_size({"width": size[0], "height": size[1]})  # type: ignore[attr-defined]
        page.goto(screen_url)  # type: ignore[attr-defined]
        page.locator(".screen-room").wait_for()  # type: ignore[attr-defined]
        assert page.locator(".screen-now .screen-title").count() == 1  # type: ignore[attr-defined]
        assert page.locator(".screen-qr svg").count() == 1  # type: ignore[attr-defined]
        assert _fits(page), f"the room screen scrolls at {size}"
        page.screenshot(path=str(ARTIFACTS / f"live-screen-{name}.png"))  # type: ignore[attr-defined]

    # htmx asks for the screen's block again every 15 s, and the page stays one screen.
    with page.expect_response(lambda response: "/screen" in response.url, timeout=25_000):  # type: ignore[attr-defined]
        pass
    page.locator(".screen-room").wait_for()  # type: ignore[attr-defined]
    assert page.locator("#screen-board").count() == 1  # type: ignore[attr-defined]
    assert _fits(page)
