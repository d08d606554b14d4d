"""Checking people in at the door: the rule without HTTP, then the phone pages."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from app.errors import NotFound
from app.events.models import Event
from app.registration.checkin import (
    CheckInCounts,
    CheckInRefused,
    check_in,
    checkin_code,
    checkin_counts,
)
from app.registration.links import Links
from app.registration.models import AttendanceChoice, Registration, RegistrationStatus
from app.registration.tickets import ticket_code
from tests.factories import make_event
from tests.registration.manage_factories import make_organiser_of, make_registration
from tests.site import site_urls

MORNING = datetime(2022, 10, 5, 7, 12, tzinfo=UTC)  # 09:12 in Paris


def test_check_in_marks_a_confirmed_in_person_attendee_present(db):
    event = make_event(db)
    person = make_registration(db, event)

    checked = check_in(db, event, person.id, checkin_code(person), MORNING)

    db.rollback()
    assert (checked.id, db.get(Registration, person.id).checked_in_at) == (person.id, MORNING)


def test_check_in_twice_says_when_they_came_in(db):
    event = make_event(db, timezone="Europe/Paris")
    person = make_registration(db, event)
    check_in(db, event, person.id, checkin_code(person), MORNING)

    with pytest.raises(CheckInRefused) as refused:
        check_in(db, event, person.id, checkin_code(person), MORNING.replace(minute=40))

    assert refused.value.message == "Already checked in at 09:12."
    db.rollback()
    assert db.get(Registration, person.id).checked_in_at == MORNING


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"mode": AttendanceChoice.online}, "This person registered to attend online, not in person."),
        ({"status": RegistrationStatus.pending}, "This registration is still awaiting approval."),
        ({"status": RegistrationStatus.waiting}, "This person is on the waiting list and has no seat."),
        ({"status": RegistrationStatus.cancelled}, "This registration was cancelled."),
    ],
    ids=["online", "pending", "waiting", "cancelled"],
)
def test_check_in_refuses_who_has_no_seat(db, overrides, message):
    event = make_event(db)
    person = make_registration(db, event, **overrides)

    with pytest.raises(CheckInRefused) as refused:
        check_in(db, event, person.id, checkin_code(person), MORNING)

    assert refused.value.message == message
    db.rollback()
    assert db.get(Registration, person.id).checked_in_at is None


def test_check_in_with_wrong_code_or_other_event_is_not_valid(db):
    event = make_event(db, slug="prelude")
    other = make_event(db, slug="other")
    person = make_registration(db, event)
    elsewhere = make_registration(db, other, email="someone@example.org")

    with pytest.raises(NotFound) as wrong_code:
        check_in(db, event, person.id, "0000000000", MORNING)
    with pytest.raises(NotFound) as other_event:
        check_in(db, event, elsewhere.id, checkin_code(elsewhere), MORNING)

    assert [wrong_code.value.message, other_event.value.message] == [
        "This ticket is not valid for this event."
    ] * 2


def test_checkin_counts_present_of_confirmed_in_person(db):
    event = make_event(db)
    present = make_registration(db, event, email="a@example.org", checked_in_at=MORNING)
    make_registration(db, event, email="b@example.org")
    make_registration(db, event, email="c@example.org", mode=AttendanceChoice.online)
    make_registration(db, event, email="d@example.org", status=RegistrationStatus.cancelled)
    make_registration(db, event, email="e@example.org", status=RegistrationStatus.waiting)

    assert present.checked_in_at == MORNING
    assert checkin_counts(db, event) == CheckInCounts(present=1, expected=2)


# The door pages ---------------------------------------------------------------------------------


def test_checkin_page_scanned_url_shows_person_and_button(db, organiser, organiser_client):
    event = make_event(db)
    make_organiser_of(db, event, organiser)
    person = make_registration(db, event, name="Sang-Heon Lee", affiliation="Korea University Medicine")

    page = organiser_client.get(ticket_path(event, person))

    assert page.status_code == 200
    assert "<h1>Sang-Heon Lee</h1>" in page.text
    assert "Mark as present" in page.text
    assert "0 present of 1 expected" in page.text


def test_checkin_page_mark_present_then_again_says_already(db, organiser, organiser_client):
    event = make_event(db)
    make_organiser_of(db, event, organiser)
    person = make_registration(db, event)
    url = f"/manage/events/{event.slug}/checkin/{person.id}"

    first = organiser_client.post(url, {"code": checkin_code(person)}, htmx=True)
    second = organiser_client.post(url, {"code": checkin_code(person)}, htmx=True)

    assert first.status_code == 200
    assert "Welcome! Checked in at" in first.text
    assert "1 present of 1 expected" in first.text
    assert second.status_code == 409
    db.rollback()
    stored = db.get(Registration, person.id)
    local = stored.checked_in_at.astimezone(ZoneInfo(event.timezone))
    assert f'<p class="ticket-message" role="alert">Already checked in at {local:%H:%M}.</p>' in second.text


def test_checkin_page_plain_form_redirects_to_the_ticket(db, organiser, organiser_client):
    event = make_event(db)
    make_organiser_of(db, event, organiser)
    person = make_registration(db, event)

    response = organiser_client.post(
        f"/manage/events/{event.slug}/checkin/{person.id}", {"code": checkin_code(person)}
    )

    assert (response.status_code, response.headers["location"]) == (
        303,
        f"http://testserver{ticket_path(event, person)}&welcome=1",
    )


def test_checkin_from_the_search_list_welcomes_the_person_first_time(db, organiser, organiser_client):
    event = make_event(db)
    make_organiser_of(db, event, organiser)
    person = make_registration(db, event, name="Sang-Heon Lee")
    listed = organiser_client.get(f"/manage/events/{event.slug}/checkin?q=sang")
    assert f'<input type="hidden" name="code" value="{checkin_code(person)}">' in listed.text

    # The list's plain form posts, then the browser follows the redirect to the ticket page.
    page = organiser_client.post(
        f"/manage/events/{event.slug}/checkin/{person.id}",
        {"code": checkin_code(person)},
        follow_redirects=True,
    )
    rescanned = organiser_client.get(ticket_path(event, person))

    db.rollback()
    local = db.get(Registration, person.id).checked_in_at.astimezone(ZoneInfo(event.timezone))
    assert page.status_code == 200
    assert f"Welcome! Checked in at {local:%H:%M}." in page.text
    assert "Already checked in" not in page.text
    assert f"Already checked in at {local:%H:%M}." in rescanned.text


@pytest.mark.parametrize(
    "typed",
    ["{code}", " {upper} ", "{url}"],
    ids=["ticket-code", "upper-case-with-spaces", "scanned-address"],
)
def test_checkin_search_finds_the_ticket_code(db, organiser, organiser_client, typed):
    event = make_event(db)
    make_organiser_of(db, event, organiser)
    person = make_registration(db, event, name="Sang-Heon Lee", email="lee@example.org")
    make_registration(db, event, name="Marc Durand", email="marc@example.org")
    code = ticket_code(person)
    text = typed.format(
        code=code, upper=code.upper(), url=f"https://plenary.example{ticket_path(event, person)}"
    )

    response = organiser_client.get(f"/manage/events/{event.slug}/checkin", params={"q": text})

    assert response.status_code == 200
    assert "<strong>Sang-Heon Lee</strong>" in response.text
    assert "Marc Durand" not in response.text


def test_checkin_search_ticket_code_of_another_event_finds_nobody(db, organiser, organiser_client):
    mine = make_event(db, slug="mine")
    theirs = make_event(db, slug="theirs")
    make_organiser_of(db, mine, organiser)
    stranger = make_registration(db, theirs, name="Their Attendee", email="their@example.org")
    forged = f"{stranger.id}-{'0' * 10}"

    found = [
        organiser_client.get(f"/manage/events/{mine.slug}/checkin", params={"q": text}).text
        for text in (ticket_code(stranger), forged)
    ]

    assert ["Their Attendee" in page for page in found] == [False, False]


def test_checkin_page_wrong_code_is_refused(db, organiser, organiser_client):
    event = make_event(db)
    make_organiser_of(db, event, organiser)
    person = make_registration(db, event, name="Hidden Person")

    page = organiser_client.get(f"/manage/events/{event.slug}/checkin/{person.id}?code=abcdef1234")
    mark = organiser_client.post(f"/manage/events/{event.slug}/checkin/{person.id}", {"code": "abcdef1234"})

    assert (page.status_code, mark.status_code) == (404, 404)
    assert "This ticket is not valid for this event." in page.text
    assert "Hidden Person" not in page.text
    db.rollback()
    assert db.get(Registration, person.id).checked_in_at is None


def test_checkin_page_online_attendee_is_refused(db, organiser, organiser_client):
    event = make_event(db)
    make_organiser_of(db, event, organiser)
    person = make_registration(db, event, mode=AttendanceChoice.online)

    page = organiser_client.get(ticket_path(event, person))
    mark = organiser_client.post(
        f"/manage/events/{event.slug}/checkin/{person.id}", {"code": checkin_code(person)}
    )

    assert "Mark as present" not in page.text
    assert "This person registered to attend online, not in person." in page.text
    assert mark.status_code == 409
    db.rollback()
    assert db.get(Registration, person.id).checked_in_at is None


def test_checkin_page_search_by_name_live_results(db, organiser, organiser_client):
    event = make_event(db)
    make_organiser_of(db, event, organiser)
    make_registration(db, event, name="Hélène Dupré", email="helene@example.org")
    make_registration(db, event, name="Marc Durand", email="marc@example.org")

    response = organiser_client.get(
        f"/manage/events/{event.slug}/checkin?q=dupr", headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="checkin-results"')
    assert "<strong>Hélène Dupré</strong>" in response.text
    assert "Marc Durand" not in response.text


def test_checkin_page_of_another_event_is_forbidden(db, organiser, organiser_client):
    theirs = make_event(db, slug="theirs")
    mine = make_event(db, slug="mine")
    make_organiser_of(db, mine, organiser)
    person = make_registration(db, theirs, name="Their Attendee")

    search = organiser_client.get("/manage/events/theirs/checkin?q=their")
    ticket = organiser_client.get(ticket_path(theirs, person))
    through_mine = organiser_client.get(
        f"/manage/events/mine/checkin/{person.id}?code={checkin_code(person)}"
    )

    assert (search.status_code, ticket.status_code, through_mine.status_code) == (403, 403, 404)
    assert all("Their Attendee" not in r.text for r in (search, ticket, through_mine))


def test_checkin_page_anonymous_goes_to_login(db, client):
    event = make_event(db)

    response = client.get(f"/manage/events/{event.slug}/checkin")

    assert (response.status_code, response.headers["location"]) == (
        303,
        f"http://testserver/login?next=%2Fmanage%2Fevents%2F{event.slug}%2Fcheckin",
    )


def ticket_path(event: Event, registration: Registration) -> str:
    """The path the ticket's QR code holds, as the app builds it."""
    return Links(site_urls(), "unused").checkin_path(event, registration)
