"""Audience questions in real browsers, nobody reloading: a viewer asks, the moderator (on a phone) sees it
arrive and approves it, a third person sees it appear and votes, the moderator pins it and the projector
shows it. Once on one server, and once with the people on two app processes behind one PostgreSQL."""

import os
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import psycopg
import pytest

from tests.browser.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    ARTIFACTS,
    LiveServer,
    launched_browser,
    offline_page,
)
from tests.servers import free_port, running_server

pytestmark = pytest.mark.browser

SLUG = "live-questions"
QUESTION = "Will the recordings be subtitled for viewers abroad?"


def _generate(server: LiveServer) -> None:
    server.cli(
        "generate", "--slug", SLUG, "--sessions", "12", "--rooms", "2", "--days", "1", "--start", "now"
    )


def _moderator_link(browser: object, url: str) -> str:
    context = browser.new_context()  # type: ignore[attr-defined]
    page = offline_page(context)
    page.goto(f"{url}/login")
    page.get_by_label("Email").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{url}/manage")
    page.goto(f"{url}/manage/events/{SLUG}/questions")
    link = page.locator("input.link-field").first.input_value()
    page.screenshot(path=str(ARTIFACTS / "questions-manage.png"), full_page=True)
    context.close()
    return link


def _page(browser: object, url: str, **options: object) -> object:
    page = offline_page(browser.new_context(**options))  # type: ignore[attr-defined]
    page.goto(url)  # type: ignore[attr-defined]
    return page


def _ask_approve_vote_pin(browser: object, viewer_url: str, moderator_url: str, name: str) -> None:
    """`viewer_url` is the base address the viewer and the third person use, `moderator_url` the moderator
    link (the projector opens on the moderator's server)."""
    moderator = _page(browser, moderator_url, viewport={"width": 390, "height": 844})
    # Approval first, and questions open whatever the generated session's end.
    moderator.get_by_label("Questions appear only after approval").check()  # type: ignore[attr-defined]
    moderator.get_by_label("Close questions and polls when the session ends").uncheck()  # type: ignore[attr-defined]
    # The form posts and reloads the page: wait for the reload, or a question asked meanwhile (on a loaded
    # machine) would still go up at once.
    with moderator.expect_navigation():  # type: ignore[attr-defined]
        moderator.get_by_role("button", name="Save").click()  # type: ignore[attr-defined]
    assert moderator.get_by_label("Questions appear only after approval").is_checked()  # type: ignore[attr-defined]
    audience_path = moderator.get_by_role("link", name="The audience's page").get_attribute("href")  # type: ignore[attr-defined]
    projector_url = moderator.get_by_role("link", name="Projector view").get_attribute("href")  # type: ignore[attr-defined]
    path = audience_path.split("://", 1)[1].split("/", 1)[1]
    audience_url = f"{viewer_url}/{path}"

    viewer = _page(browser, audience_url, viewport={"width": 390, "height": 844})
    third = _page(browser, audience_url)
    projector = _page(browser, projector_url, viewport={"width": 1280, "height": 720})

    viewer.get_by_label("Your question", exact=True).fill(QUESTION)  # type: ignore[attr-defined]
    viewer.get_by_label("Your name (optional)").fill("Chen, Montréal")  # type: ignore[attr-defined]
    viewer.get_by_role("button", name="Ask").click()  # type: ignore[attr-defined]
    own = viewer.locator("#own-questions")  # type: ignore[attr-defined]
    own.get_by_text(QUESTION).wait_for()
    assert "Waiting for the moderator" in own.inner_text()
    third.locator("[data-held]").get_by_text("1").wait_for()  # type: ignore[attr-defined]
    assert third.locator("#question-list").get_by_text(QUESTION).count() == 0  # type: ignore[attr-defined]

    held = moderator.locator("#held-questions .question").filter(has_text=QUESTION)  # type: ignore[attr-defined]
    held.wait_for()
    moderator.screenshot(path=str(ARTIFACTS / f"questions-moderator-{name}.png"), full_page=True)  # type: ignore[attr-defined]
    # Keyboard alone, as a moderator standing with a phone: focus the button and press Enter.
    held.get_by_role("button", name="Approve").focus()
    moderator.keyboard.press("Enter")  # type: ignore[attr-defined]

    arrived = third.locator("#question-list .question").filter(has_text=QUESTION)  # type: ignore[attr-defined]
    arrived.wait_for()
    viewer.locator("#question-list .question").filter(has_text=QUESTION).wait_for()  # type: ignore[attr-defined]
    assert own.locator(".question").count() == 0
    arrived.get_by_role("button", name="votes. Vote for this question").click()
    arrived.locator('button[aria-pressed="true"]').wait_for()
    viewer.locator("#question-list [data-count]").get_by_text("1").wait_for()  # type: ignore[attr-defined]
    third.screenshot(path=str(ARTIFACTS / f"questions-audience-{name}.png"), full_page=True)  # type: ignore[attr-defined]

    visible = moderator.locator("#question-list .question").filter(has_text=QUESTION)  # type: ignore[attr-defined]
    visible.wait_for()
    visible.get_by_role("button", name="Pin: being answered").click()
    projector.locator("#projector-question").get_by_text(QUESTION).wait_for()  # type: ignore[attr-defined]
    projector.locator("#projector-question").get_by_text("Chen, Montréal").wait_for()  # type: ignore[attr-defined]
    projector.screenshot(path=str(ARTIFACTS / f"questions-projector-{name}.png"))  # type: ignore[attr-defined]
    # A quick poll: it appears on the audience's pages, they vote, the moderator shows the results and puts
    # them on the projector.
    moderator.get_by_label("Question", exact=True).fill("Should the recordings stay online after the event?")  # type: ignore[attr-defined]
    moderator.get_by_label("Answers, one per line").fill("Yes\nNo\nOnly the keynotes")  # type: ignore[attr-defined]
    moderator.get_by_role("button", name="Open the poll").click()  # type: ignore[attr-defined]
    poll = viewer.locator("#poll-list .poll")  # type: ignore[attr-defined]
    poll.get_by_role("heading", name="Should the recordings stay online after the event?").wait_for()
    poll.get_by_label("Only the keynotes").check()
    poll.get_by_role("button", name="Vote").click()
    poll.get_by_text("Thank you, your vote is counted.").wait_for()
    assert poll.locator("meter").count() == 0  # the results stay hidden until shown
    third.locator("#poll-list [data-count]").first.get_by_text("1").wait_for()  # type: ignore[attr-defined]
    moderated_poll = moderator.locator("#poll-list .poll").first  # type: ignore[attr-defined]
    moderated_poll.get_by_role("button", name="Show the results").click()
    moderator.locator("#poll-list .poll").first.get_by_role("button", name="Show on the projector").click()  # type: ignore[attr-defined]
    third.locator("#poll-list .poll-results").get_by_text("Only the keynotes").wait_for()  # type: ignore[attr-defined]
    projector.locator("#projector-poll").get_by_text("Only the keynotes").wait_for()  # type: ignore[attr-defined]
    assert projector.locator("#projector-poll meter").count() == 3  # type: ignore[attr-defined]
    projector.screenshot(path=str(ARTIFACTS / f"questions-projector-poll-{name}.png"))  # type: ignore[attr-defined]
    # Nobody reloaded: each page is still the one it first opened.
    for page, url in ((viewer, audience_url), (third, audience_url), (projector, projector_url)):
        assert page.url == url  # type: ignore[attr-defined]


def test_a_question_travels_from_viewer_to_moderator_to_audience_and_projector(
    live_server: LiveServer,
) -> None:
    _generate(live_server)
    with launched_browser() as browser:
        link = _moderator_link(browser, live_server.url)
        _ask_approve_vote_pin(browser, live_server.url, link, "one-process")


@pytest.fixture
def postgres_database() -> Iterator[str]:
    name = f"plenary_browser_{uuid.uuid4().hex[:8]}"
    admin = "postgresql://root@127.0.0.1/postgres"
    try:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip("no PostgreSQL on 127.0.0.1:5432")
    try:
        yield f"postgresql+psycopg://root@127.0.0.1/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_same_with_the_people_on_two_app_processes_on_postgresql(
    postgres_database: str, tmp_path: Path
) -> None:
    ports = [free_port(), free_port()]
    base_env = {
        **os.environ,
        "DATABASE_URL": postgres_database,
        "SECRET_KEY": "browser-test-secret-key-0123456789",
        "UPLOAD_DIR": str(tmp_path / "uploads"),
    }
    servers = [
        LiveServer(url=f"http://127.0.0.1:{port}", env={**base_env, "BASE_URL": f"http://127.0.0.1:{port}"})
        for port in ports
    ]
    first, second = servers
    first.cli("migrate")
    first.cli("create-admin", "--email", ADMIN_EMAIL, "--password", ADMIN_PASSWORD, "--name", "Secretariat")
    _generate(first)
    with ExitStack() as stack:
        for number, (server, port) in enumerate(zip(servers, ports, strict=True)):
            serve_args = ["--host", "127.0.0.1", "--port", str(port)]
            stack.enter_context(
                running_server(serve_args, server.env, server.url, tmp_path / f"server-{number}.log")
            )
        with launched_browser() as browser:
            # The moderator and the projector on the second process, the viewer and the third person on
            # the first.
            link = _moderator_link(browser, second.url)
            _ask_approve_vote_pin(browser, first.url, link, "two-processes")
