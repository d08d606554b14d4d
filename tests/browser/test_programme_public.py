"""A visitor searches the demo programme on a laptop and on a phone (#10 item 17): the search covers every
day, "Clear filters" appears without a reload, phones get the list with the filters folded, and nothing is
cut off at 375 px."""

import pytest

from tests.browser.conftest import ARTIFACTS, LiveServer

pytestmark = pytest.mark.browser

SLUG = "prelude-2022"


def _overflowing(page) -> list[str]:
    """Elements reaching past the right edge of the window, outside the grid's own sideways scroller."""
    return page.evaluate(
        """() => {
          const width = document.documentElement.clientWidth;
          const out = [];
          for (const el of document.querySelectorAll("body *")) {
            if (el.closest(".grid-scroll, .visually-hidden, details:not([open])")) continue;
            const box = el.getBoundingClientRect();
            if (box.width && box.right > width + 1) {
              out.push(el.tagName + "." + el.className + " " + Math.round(box.right));
            }
          }
          return out;
        }"""
    )


def test_programme_search_on_a_laptop_covers_every_day(browser_page, live_server: LiveServer) -> None:
    page = browser_page
    page.goto(f"{live_server.url}/events/{SLUG}/programme")
    assert page.locator("#programme-grid").get_attribute("data-view") == "grid"
    assert page.locator("#programme-filters-fold").evaluate("fold => fold.open") is True
    # The main auditorium is streamed at this hybrid event; its address never appears on the page.
    assert page.locator("#programme-grid .badge.streamed").count() > 0
    assert "stream.example.org" not in page.content()

    search = page.get_by_label("Search titles and speakers")
    search.fill("governance")
    search.press("Enter")

    page.locator(".other-days").wait_for()
    assert "q=governance" in page.url
    tabs = [" ".join(text.split()) for text in page.locator(".day-tabs a").all_inner_texts()]
    assert tabs == ["Wednesday 5 October · 0 matches", "Thursday 6 October · 1 match"]
    # The link to clear the search came with the swapped block, without a reload.
    assert page.get_by_role("link", name="Clear filters").is_visible()
    page.screenshot(path=str(ARTIFACTS / "programme-search-1280.png"), full_page=True)

    page.locator(".other-days a").click()
    page.locator("#programme-grid[data-day='2022-10-06']").wait_for()
    assert page.locator(".session-title").all_inner_texts() == ["The challenges of health data governance"]

    page.get_by_role("link", name="Clear filters").click()
    page.wait_for_url(f"{live_server.url}/events/{SLUG}/programme?day=2022-10-06&view=grid")
    assert search.input_value() == ""
    assert page.locator(".session-title").count() > 5


def test_programme_on_a_phone_shows_the_list_with_filters_folded(
    browser_page, live_server: LiveServer
) -> None:
    page = browser_page.context.browser.new_context(viewport={"width": 375, "height": 800}).new_page()
    page.route("https://cdn.jsdelivr.net/**", lambda route: route.abort())
    page.goto(f"{live_server.url}/events/{SLUG}/programme")

    page.locator("#programme-grid[data-view='list']").wait_for()
    assert page.locator("#programme-filters-fold").evaluate("fold => fold.open") is False
    assert page.url.endswith("view=list")
    page.screenshot(path=str(ARTIFACTS / "programme-list-375.png"), full_page=True)
    page.screenshot(path=str(ARTIFACTS / "programme-list-375-top.png"))
    assert _overflowing(page) == []

    page.get_by_text("Search and filters").click()
    assert page.get_by_label("Search titles and speakers").is_visible()
    page.screenshot(path=str(ARTIFACTS / "programme-filters-375.png"), full_page=True)
    assert _overflowing(page) == []

    # A visitor may still choose the grid: it scrolls sideways inside its own box.
    page.get_by_role("link", name="Grid").click()
    page.locator("#programme-grid[data-view='grid']").wait_for()
    page.screenshot(path=str(ARTIFACTS / "programme-grid-375.png"), full_page=True)
    top = page.evaluate("window.scrollY + document.querySelector('.grid-scroll').getBoundingClientRect().top")
    page.screenshot(
        path=str(ARTIFACTS / "programme-grid-375-top.png"),
        full_page=True,
        clip={"x": 0, "y": top, "width": 375, "height": 900},
    )
    assert _overflowing(page) == []
    # No card's text runs out of its column (a long word such as "β-hemoglobinopathies" wraps).
    assert (
        page.evaluate(
            """() => [...document.querySelectorAll('.programme-grid .session-card')]
             .filter(card => card.scrollWidth > card.clientWidth + 1)
             .map(card => card.innerText.slice(0, 40))"""
        )
        == []
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.context.close()
