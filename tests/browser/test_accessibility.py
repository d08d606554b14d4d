"""axe-core finds no serious or critical problem on the main pages, and the pages break no rule of the CSP.

axe-core comes from npm into tests/browser/node_modules (`.ci/run` installs it); without it the test
skips, except in CI where it must fail.
"""

import json
import os
from pathlib import Path

import pytest

from tests.browser.conftest import LiveServer
from tests.browser.test_programme_builder import _log_in

pytestmark = pytest.mark.browser

AXE_VERSION = "4.14.1"
AXE_JS = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
SLUG = "prelude-2022"
# Recorded in the page before any of its scripts runs; console errors catch what happens before that.
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


@pytest.fixture
def axe_source() -> str:
    if not AXE_JS.exists():
        install = f"npm install --no-save --prefix tests/browser axe-core@{AXE_VERSION}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"axe-core is missing: CI must run `{install}` first")
        pytest.skip(f"axe-core is missing ({install})")
    return AXE_JS.read_text()


def _problems(page, axe_source: str, url: str, console: list[str]) -> dict[str, list[str]]:
    console.clear()
    page.goto(url)
    # A live page keeps its event stream open: the network is never idle there.
    page.wait_for_load_state("load" if "/questions" in url or "/moderate/" in url else "networkidle")
    page.evaluate(axe_source)
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [
        f"{violation['id']} ({violation['impact']}): "
        + "; ".join(
            node["target"][0] if isinstance(node["target"][0], str) else json.dumps(node["target"])
            for node in violation["nodes"][:5]
        )
        for violation in results["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
    violations = page.evaluate("window.__cspViolations || []")
    return {
        "axe": serious,
        "csp": violations + [line for line in console if "Content Security Policy" in line],
    }


def test_main_pages_pass_axe_and_the_content_security_policy(
    browser_page, live_server: LiveServer, axe_source: str
) -> None:
    page = browser_page
    page.add_init_script(WATCH_CSP)
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    base = live_server.url

    page.goto(f"{base}/events/{SLUG}/programme")
    session_url = page.locator("a[href*='/sessions/']").first.get_attribute("href")
    public = [
        "/docs",
        "/",
        f"/events/{SLUG}",
        f"/events/{SLUG}/programme",
        session_url,
        f"{session_url}/questions",
        f"{session_url}/questions/projector",
    ]
    found = {
        url: _problems(page, axe_source, base + url if url.startswith("/") else url, console)
        for url in public
    }

    _log_in(page, live_server)
    for url in (
        f"/manage/events/{SLUG}",
        f"/manage/events/{SLUG}/programme",
        f"/manage/events/{SLUG}/questions",
    ):
        found[url] = _problems(page, axe_source, base + url, console)
    moderator = page.locator("input.link-field").first.input_value()
    found["moderator page"] = _problems(page, axe_source, moderator, console)

    assert {url: problems for url, problems in found.items() if problems["axe"] or problems["csp"]} == {}
    # htmx read its config from the meta tag and added no style sheet of its own.
    assert page.evaluate("[htmx.config.includeIndicatorCSS, document.adoptedStyleSheets.length]") == [
        False,
        0,
    ]
