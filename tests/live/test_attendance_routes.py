"""The attendance pages over HTTP: counts per session that refresh during the day, the CSV file, and
checking people in at a session's door, with and without htmx."""

import html
import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from app.accounts.service import create_user
from app.events.models import EventOrganiser, OrganiserRole
from app.live import attendance
from app.registration.checkin import checkin_code
from tests.conftest import ORGANISER_PASSWORD, BrowserLikeClient
from tests.live.test_join_links import StreamedDay, streamed_day
from tests.registration.manage_factories import make_organiser_of


@pytest.fixture
def day(db, organiser) -> StreamedDay:
    day = streamed_day(db)
    make_organiser_of(db, day.event, organiser)
    return day


def _text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _rows(page: str) -> list[list[str]]:
    return [
        [_text(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.DOTALL)]
        for row in re.findall(r'<tr data-session="\d+">(.*?)</tr>', page, re.DOTALL)
    ]


def _base(day: StreamedDay) -> str:
    return f"/manage/events/{day.event.slug}/attendance"


def test_attendance_page_counts_each_session_of_the_day(db, day, organiser_client, clock):
    attendance.check_in_to_session(
        db, day.event, day.keynote, day.in_person.id, checkin_code(day.in_person), day.keynote.start_at
    )
    attendance.record_first_join(db, day.online.id, day.keynote.id, day.keynote.start_at)
    clock(day.keynote.start_at + timedelta(minutes=30))

    page = organiser_client.get(_base(day))

    assert page.status_code == 200
    assert _rows(page.text) == [
        ["09:00–10:00", "Opening keynote", "Amphithéâtre", "1", "1", "1", "1", "Check in"],
        ["10:00–10:30", "Coffee", "", "1", "0", "Not streamed", "0", "Check in"],
        ["14:00–15:30", "Data governance panel", "Salon Pasteur", "1", "0", "Not streamed", "0", "Check in"],
    ]
    assert f'href="http://testserver{_base(day)}.csv"' in page.text
    # On the day, the table asks for fresh counts every 30 seconds.
    assert f'hx-get="http://testserver{_base(day)}?day=2022-10-05" hx-trigger="every 30s"' in page.text


def test_the_table_refreshes_as_an_htmx_fragment(db, day, organiser_client, clock):
    clock(day.keynote.start_at)

    fragment = organiser_client.get(f"{_base(day)}?day=2022-10-05", headers={"HX-Request": "true"})

    assert fragment.text.lstrip().startswith('<section id="attendance-table"')
    assert "<html" not in fragment.text
    assert "HX-Request" in fragment.headers["vary"]


def test_another_day_does_not_poll_and_a_bad_day_is_refused(db, day, organiser_client, clock):
    clock(day.keynote.start_at)

    other_day = organiser_client.get(f"{_base(day)}?day=2022-10-06")
    outside = organiser_client.get(f"{_base(day)}?day=2022-11-01")
    garbage = organiser_client.get(f"{_base(day)}?day=tomorrow")

    assert (other_day.status_code, "hx-trigger" in other_day.text) == (200, False)
    assert "No session on this day." in other_day.text
    assert (outside.status_code, "This day is not part of the event." in outside.text) == (404, True)
    assert garbage.status_code == 422


def test_csv_download(db, day, organiser_client):
    response = organiser_client.get(f"{_base(day)}.csv")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="prelude-test-attendance.csv"'
    assert response.content == attendance.attendance_csv(db, day.event)


def test_event_management_page_links_to_attendance(db, day, organiser_client):
    page = organiser_client.get(f"/manage/events/{day.event.slug}")

    assert f'<a class="button" href="http://testserver{_base(day)}">Attendance per session</a>' in page.text
    assert f"/manage/events/{day.event.slug}/stage" in page.text


def test_session_door_finds_and_checks_in_a_person_without_javascript(db, day, organiser_client, clock):
    clock(day.keynote.start_at)
    door = f"{_base(day)}/sessions/{day.keynote.id}"

    found = organiser_client.get(door, params={"q": "anna"})
    response = organiser_client.post(
        f"{door}/checkin/{day.in_person.id}", {"code": checkin_code(day.in_person), "q": "anna"}
    )
    after = organiser_client.get(door, params={"q": "anna"})

    assert "Mark as present" in found.text
    assert "0 checked in of 1 expected in the room" in _text(found.text)
    assert (response.status_code, response.headers["location"]) == (
        303,
        f"http://testserver{door}?q=anna",
    )
    assert "1 checked in of 1 expected in the room" in _text(after.text)
    assert "Checked in at 09:00" in _text(after.text)
    assert "Mark as present" not in after.text


def test_session_door_with_htmx_swaps_the_results_and_welcomes(db, day, organiser_client, clock):
    clock(day.keynote.start_at)
    door = f"{_base(day)}/sessions/{day.keynote.id}"

    response = organiser_client.post(
        f"{door}/checkin/{day.in_person.id}", {"code": checkin_code(day.in_person), "q": "anna"}, htmx=True
    )

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="session-checkin-results"')
    assert "Welcome! Checked in at 09:00." in _text(response.text)


def test_session_door_refuses_an_online_attendee_and_says_why(db, day, organiser_client, clock):
    clock(day.keynote.start_at)
    door = f"{_base(day)}/sessions/{day.keynote.id}"

    response = organiser_client.post(f"{door}/checkin/{day.online.id}", {"code": checkin_code(day.online)})

    assert response.status_code == 409
    assert "This person registered to attend online, not in person." in _text(response.text)
    assert attendance.session_counts(db, day.event, day.keynote).checked_in == 0


def test_session_door_refuses_a_wrong_code_and_another_events_session(db, day, organiser_client):
    door = f"{_base(day)}/sessions/{day.keynote.id}"

    wrong_code = organiser_client.post(f"{door}/checkin/{day.in_person.id}", {"code": "0000000000"})
    no_session = organiser_client.get(f"{_base(day)}/sessions/999999")

    assert (wrong_code.status_code, no_session.status_code) == (404, 404)
    assert "This session is not part of this event." in no_session.text


def test_check_in_staff_work_the_session_doors_but_get_no_csv(db, app, day, clock):
    staff = create_user(db, "door@example.org", ORGANISER_PASSWORD)
    db.add(EventOrganiser(event_id=day.event.id, user_id=staff.id, role=OrganiserRole.checkin))
    db.commit()
    clock(day.keynote.start_at)
    with TestClient(app, follow_redirects=False) as client:
        browser = BrowserLikeClient(client)
        browser.login(staff.email)

        page = browser.get(_base(day))
        marked = browser.post(
            f"{_base(day)}/sessions/{day.keynote.id}/checkin/{day.in_person.id}",
            {"code": checkin_code(day.in_person)},
        )
        csv_file = browser.get(f"{_base(day)}.csv")

    assert page.status_code == 200
    assert ".csv" not in page.text
    assert f'href="http://testserver/manage/events/{day.event.slug}/checkin"' in page.text
    assert marked.status_code == 303
    assert csv_file.status_code == 403
