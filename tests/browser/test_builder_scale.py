"""The builder stays usable at real scale: cards as tall as their duration, 72 rooms readable on a laptop."""

import pytest

from tests.browser.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, ARTIFACTS, LiveServer

pytestmark = pytest.mark.browser


def _log_in(page, server: LiveServer) -> None:
    page.goto(f"{server.url}/login")
    page.get_by_label("Email").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{server.url}/manage")


def test_cards_span_their_duration_and_72_rooms_stay_readable(browser_page, live_server: LiveServer) -> None:
    live_server.cli("generate", "--slug", "congress-72", "--sessions", "400", "--rooms", "72", "--days", "2")
    page = browser_page
    _log_in(page, live_server)
    page.goto(f"{live_server.url}/manage/events/congress-72/programme")

    # Every room column is at least as wide as its header box, whatever the number of rooms.
    widths = page.eval_on_selector_all(
        "#builder-grid thead th.room", "cells => cells.map(cell => cell.getBoundingClientRect().width)"
    )
    assert len(widths) == 73  # 72 rooms and "Unassigned"
    assert min(widths) >= 140
    scroller = page.locator(".grid-scroll")
    assert scroller.evaluate("box => box.scrollWidth > box.clientWidth")

    # A card's height follows its duration: rows are 15 minutes, so a card covers exactly its rows.
    spans = page.eval_on_selector_all(
        "#builder-grid td.slot-filled",
        """cells => cells.slice(0, 40).map(cell => {
            const card = cell.querySelector('.session-card');
            const rows = Number(cell.getAttribute('rowspan'));
            const height = element => element.getBoundingClientRect().height;
            return {rows, cell: height(cell), card: height(card)};
        })""",
    )
    first_row = page.locator("#builder-grid tbody tr").first
    row_height = first_row.evaluate("row => row.getBoundingClientRect().height")
    for span in spans:
        assert span["card"] >= span["cell"] - 6
        assert abs(span["cell"] - span["rows"] * row_height) <= span["rows"] + 2
    long_card = max(spans, key=lambda span: span["rows"])
    short_card = min(spans, key=lambda span: span["rows"])
    if long_card["rows"] > short_card["rows"]:
        assert long_card["card"] > short_card["card"] * 1.5

    # Scrolled sideways and down, the time column and the room names stay in view.
    scroller.evaluate("box => { box.scrollLeft = 2000; box.scrollTop = 300; }")
    page.wait_for_timeout(100)
    box = scroller.bounding_box()
    time_cell = page.locator("#builder-grid tbody th.time").nth(20).bounding_box()
    header = page.locator("#builder-grid thead th.room").nth(20).bounding_box()
    assert abs(time_cell["x"] - box["x"]) <= 2
    assert abs(header["y"] - box["y"]) <= 2
    page.screenshot(path=str(ARTIFACTS / "builder-72-rooms.png"), timeout=60_000)

    # Choosing rooms: the organiser keeps three columns, and htmx updates keep the choice.
    page.get_by_text("Rooms shown: 72 of 72").click()
    chooser = page.locator(".room-chooser-form")
    for index in (0, 1, 2):
        chooser.locator("input[type=checkbox]").nth(index).check()
    chooser.get_by_role("button", name="Show these rooms").click()
    page.wait_for_selector("text=Rooms shown: 3 of 72")
    assert page.locator("#builder-grid thead th.room").count() == 4
    page.locator("#builder-grid .session-card a").first.click()
    page.wait_for_selector("#session-editor h2")
    page.wait_for_load_state("networkidle")
    assert page.locator("#builder-grid thead th.room").count() == 4
    page.screenshot(path=str(ARTIFACTS / "builder-3-rooms.png"), full_page=True, timeout=60_000)
    page.get_by_role("link", name="Show all rooms").click()
    page.wait_for_selector("text=Rooms shown: 72 of 72")
