"""Moving sessions in the builder with a real mouse and with the keyboard alone."""

import re

import pytest

from tests.browser.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, LiveServer

pytestmark = pytest.mark.browser


def _log_in(page, server: LiveServer) -> None:
    page.goto(f"{server.url}/login")
    page.get_by_label("Email").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{server.url}/manage")


def _cell_of(page, session_id: str) -> dict:
    return page.eval_on_selector(
        f'.session-card[data-session-id="{session_id}"]',
        "card => ({room: card.closest('td').dataset.roomId, start: card.dataset.start})",
    )


def test_organiser_moves_sessions_with_the_mouse_the_keyboard_and_to_another_day(
    browser_page, live_server: LiveServer
) -> None:
    live_server.cli("generate", "--slug", "small-congress", "--sessions", "12", "--rooms", "3", "--days", "2")
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 2000})  # the whole day in view, for the mouse
    _log_in(page, live_server)
    page.goto(f"{live_server.url}/manage/events/small-congress/programme")
    page.evaluate("window.__noReload = true")

    # A real mouse drag (press, move, release), onto an empty cell of another room.
    card = page.locator(".session-card").first
    session_id = card.get_attribute("data-session-id")
    before = _cell_of(page, session_id)
    target = page.locator(
        f'#builder-grid td.slot-empty:not([data-room-id="{before["room"]}"])[data-start="17:00"]'
    ).first
    target_room = target.get_attribute("data-room-id")
    card.scroll_into_view_if_needed()
    card.hover()
    page.mouse.down()
    target_box = target.bounding_box()
    page.mouse.move(target_box["x"] + 10, target_box["y"] + 5, steps=12)
    page.mouse.up()
    page.wait_for_function(
        f"""() => {{
            const card = document.querySelector('.session-card[data-session-id="{session_id}"]');
            return card && card.dataset.start === '17:00';
        }}"""
    )
    assert _cell_of(page, session_id) == {"room": target_room, "start": "17:00"}

    # Keyboard alone: Alt+Down moves 15 minutes later and the focus stays on the moved session.
    link = page.locator(f'.session-card[data-session-id="{session_id}"] .card-title a')
    link.focus()
    page.keyboard.press("Alt+ArrowDown")
    page.wait_for_function(
        f"""() => document.querySelector('.session-card[data-session-id="{session_id}"]')
            .dataset.start === '17:15'"""
    )
    page.wait_for_function(
        f"""() => document.activeElement && document.activeElement.closest(
            '.session-card[data-session-id="{session_id}"]') !== null"""
    )
    assert page.locator("#builder-announce").inner_text().strip() != ""
    assert page.evaluate("window.__noReload") is True

    # Clicking an empty cell prepares a new session there.
    empty = page.locator('#builder-grid td.slot-empty[data-start="08:00"]').first
    empty_room = empty.get_attribute("data-room-id")
    empty.click()
    create = page.locator("#session-create")
    assert create.get_by_label("Starts at").input_value() == "08:00"
    assert create.get_by_label("Ends at").input_value() == "09:00"
    assert create.get_by_label("Room").input_value() == empty_room
    assert page.evaluate("document.activeElement.name") == "title"

    # The speaker picker: typing filters the list; a new speaker is created inline.
    page.locator(f'.session-card[data-session-id="{session_id}"] .card-title a').click()
    page.locator("#role-new-form").wait_for(state="attached")
    page.wait_for_load_state("networkidle")
    page.get_by_text("Add a speaker").click()
    picker = page.locator("#role-new-form")
    speaker_list = picker.get_by_label("Speaker", exact=True)
    last_name = speaker_list.locator("option").nth(1).inner_text().split()[-1]
    picker.get_by_label("Find a speaker").fill(last_name.lower())
    visible = speaker_list.evaluate(
        "list => Array.from(list.options).filter(o => o.value && !o.hidden).map(o => o.textContent)"
    )
    assert visible and all(last_name.lower() in name.lower() for name in visible)
    assert speaker_list.input_value() != ""
    picker.get_by_label("Find a speaker").fill("")
    picker.get_by_label("Name").fill("Ana Costa")
    picker.get_by_role("button", name="Add speaker").click()
    page.locator("#session-editor .role-list", has_text="Ana Costa").wait_for()

    # Moved to the second day from the editor: the address follows the session to that day.
    move_form = page.locator("#move-form")
    move_form.wait_for()
    page.wait_for_load_state("networkidle")
    second_day = move_form.get_by_label("Day").locator("option").nth(1).get_attribute("value")
    move_form.get_by_label("Day").select_option(second_day)
    move_form.get_by_role("button", name="Move session").click()
    page.wait_for_url(re.compile(rf"day={second_day}"))
    assert f"session={session_id}" in page.url
    page.reload()
    assert page.locator(f'.session-card[data-session-id="{session_id}"]').count() == 1
