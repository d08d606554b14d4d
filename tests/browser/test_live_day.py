"""The event day in a real browser: a hybrid event generated to be running now, its now-and-next page,
the banner and the "now" mark in the programme, and a room screen that fits a landscape and a portrait
screen without scrolling and asks the server again by itself."""

import pytest

from tests.browser.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, ARTIFACTS, LiveServer

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
    # On a phone, 375 px wide: one column, nothing wider than the screen.
    page.set_viewport_size({"width": 375, "height": 812})  # type: ignore[attr-defined]
    page.reload()  # type: ignore[attr-defined]
    board.locator(".now-room").first.wait_for()
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")  # type: ignore[attr-defined]
    page.screenshot(path=str(ARTIFACTS / "live-now-phone.png"), full_page=True)  # type: ignore[attr-defined]
    page.set_viewport_size({"width": 1280, "height": 800})  # type: ignore[attr-defined]

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


def test_a_stage_manager_on_a_phone_makes_the_room_late_on_every_screen(
    live_server: LiveServer, browser_page: object
) -> None:
    live_server.cli(
        "generate", "--slug", SLUG, "--sessions", "40", "--rooms", "4", "--days", "1", "--start", "now"
    )
    page = browser_page
    page.goto(f"{live_server.url}/login")  # type: ignore[attr-defined]
    page.get_by_label("Email").fill(ADMIN_EMAIL)  # type: ignore[attr-defined]
    page.get_by_label("Password").fill(ADMIN_PASSWORD)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Log in").click()  # type: ignore[attr-defined]
    page.wait_for_url(f"{live_server.url}/manage")  # type: ignore[attr-defined]

    page.goto(f"{live_server.url}/manage/events/{SLUG}/stage")  # type: ignore[attr-defined]
    page.get_by_label("Room").select_option(label="Main auditorium")  # type: ignore[attr-defined]
    page.get_by_label("Given to").fill("Camille, stage manager")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Make a stage link").click()  # type: ignore[attr-defined]
    stage_url = page.locator("input.copy-link").last.input_value()  # type: ignore[attr-defined]

    phone = page.context.browser.new_context(viewport={"width": 390, "height": 844})  # type: ignore[attr-defined]
    try:
        stage = phone.new_page()
        stage.route("https://cdn.jsdelivr.net/**", lambda route: route.abort())
        stage.goto(stage_url)
        stage.get_by_role("button", name="10 min").click()
        stage.get_by_text("10 minutes late").first.wait_for()
        stage.screenshot(path=str(ARTIFACTS / "live-stage-phone.png"), full_page=True)
    finally:
        phone.close()

    page.goto(f"{live_server.url}/events/{SLUG}/screens")  # type: ignore[attr-defined]
    page.get_by_role("link", name="Main auditorium").click()  # type: ignore[attr-defined]
    page.locator(".screen-late").get_by_text("10 minutes late").wait_for()  # type: ignore[attr-defined]
    page.goto(f"{live_server.url}/events/{SLUG}/now")  # type: ignore[attr-defined]
    page.locator(".now-room del").first.wait_for()  # type: ignore[attr-defined]
    page.goto(f"{live_server.url}/events/{SLUG}/programme")  # type: ignore[attr-defined]
    page.locator(".session-time.is-late del.scheduled").first.wait_for()  # type: ignore[attr-defined]
    page.screenshot(path=str(ARTIFACTS / "live-programme-late.png"))  # type: ignore[attr-defined]
    page.goto(f"{live_server.url}/manage/events/{SLUG}/stage")  # type: ignore[attr-defined]
    assert "Camille, stage manager" in page.locator("table").last.inner_text()  # type: ignore[attr-defined]


def test_a_room_screen_survives_an_outage_and_many_refreshes(
    live_server: LiveServer, browser_page: object
) -> None:
    """A day of polling compressed: the screen's block swapped 120 times keeps the same number of
    elements; requests failing while the server is away change nothing, and the next answer shows again."""
    live_server.cli(
        "generate", "--slug", SLUG, "--sessions", "40", "--rooms", "4", "--days", "1", "--start", "now"
    )
    page = browser_page
    page.set_viewport_size({"width": 1920, "height": 1080})  # type: ignore[attr-defined]
    page.goto(f"{live_server.url}/events/{SLUG}/screens")  # type: ignore[attr-defined]
    page.get_by_role("link", name="Main auditorium").click()  # type: ignore[attr-defined]
    page.locator(".screen-room").wait_for()  # type: ignore[attr-defined]
    url = page.url  # type: ignore[attr-defined]
    count_elements = "() => document.getElementsByTagName('*').length"
    before = page.evaluate(count_elements)  # type: ignore[attr-defined]

    def refresh() -> None:
        page.evaluate(  # type: ignore[attr-defined]
            "(url) => htmx.ajax('GET', url, {target: '#screen-board', swap: 'outerHTML'})", url
        )

    for _ in range(120):
        refresh()
    page.wait_for_timeout(500)  # type: ignore[attr-defined]
    assert page.evaluate(count_elements) == before  # type: ignore[attr-defined]

    # The server is away: the screen keeps what it shows; back, the next poll shows the board again.
    page.route("**/screen", lambda route: route.abort())  # type: ignore[attr-defined]
    refresh()
    page.wait_for_timeout(500)  # type: ignore[attr-defined]
    assert page.locator(".screen-room").count() == 1  # type: ignore[attr-defined]
    page.unroute("**/screen")  # type: ignore[attr-defined]
    with page.expect_response(lambda response: "/screen" in response.url, timeout=25_000):  # type: ignore[attr-defined]
        pass
    page.locator(".screen-room").wait_for()  # type: ignore[attr-defined]
    assert page.evaluate(count_elements) == before  # type: ignore[attr-defined]
