"""The organisers' registrations list: counts, search and filters, editing, and who may see what."""

import re

import pytest

from app.events.models import AttendanceMode
from app.registration.models import AttendanceChoice, ChoiceStatus, Registration, RegistrationStatus
from app.registration.queries import (
    ModeCounts,
    RegistrationFilters,
    mode_counts,
    registration_list,
    session_counts,
)
from tests.factories import make_event, make_session
from tests.registration.manage_factories import (
    choose,
    make_organiser_of,
    make_question,
    make_registration,
    make_registration_form,
)


def _names(html: str) -> list[str]:
    return re.findall(r"<td><strong>([^<]+)</strong>", html)


@pytest.fixture
def crowd(db):
    """A hybrid event with people in every state, and two parallel panels with seat limits."""
    event = make_event(db, slug="workshop", attendance_mode=AttendanceMode.hybrid)
    form = make_registration_form(db, event, in_person_seats=3, online_places=50)
    panel_a = make_session(db, event, title="Panel A", seat_limit=2)
    panel_b = make_session(db, event, title="Panel B", seat_limit=10)
    people = {
        "ana": make_registration(
            db, event, name="Ana Silva", email="ana@example.org", affiliation="INESC TEC"
        ),
        "ben": make_registration(
            db, event, name="Ben Okafor", email="ben@example.org", status=RegistrationStatus.pending
        ),
        "chloe": make_registration(
            db, event, name="Chloé Martin", email="chloe@example.org", mode=AttendanceChoice.online
        ),
        "dan": make_registration(
            db, event, name="Dan Wu", email="dan@example.org", status=RegistrationStatus.waiting
        ),
        "eva": make_registration(
            db, event, name="Eva Berg", email="eva@example.org", status=RegistrationStatus.cancelled
        ),
    }
    choose(db, people["ana"], panel_a)
    choose(db, people["ben"], panel_a)
    choose(db, people["chloe"], panel_a, ChoiceStatus.waiting)
    choose(db, people["eva"], panel_b)  # cancelled: her seat is free again
    return event, form, panel_a, panel_b, people


def test_mode_counts_per_status(db, crowd):
    event, form, *_rest = crowd

    counts = mode_counts(db, event, form)

    assert counts == [
        ModeCounts(AttendanceChoice.in_person, confirmed=1, pending=1, waiting=1, cancelled=1, limit=3),
        ModeCounts(AttendanceChoice.online, confirmed=1, pending=0, waiting=0, cancelled=0, limit=50),
    ]


def test_session_counts_count_live_seats_only(db, crowd):
    event, _form, panel_a, panel_b, _people = crowd

    counts = session_counts(db, event)

    assert [(c.session.id, c.seats_taken, c.seat_limit, c.waiting) for c in counts] == [
        (panel_a.id, 2, 2, 1),
        (panel_b.id, 0, 10, 0),
    ]


@pytest.mark.parametrize(
    ("filters", "names"),
    [
        (RegistrationFilters(), ["Ana Silva", "Ben Okafor", "Chloé Martin", "Dan Wu", "Eva Berg"]),
        (RegistrationFilters(search="INESC"), ["Ana Silva"]),
        (RegistrationFilters(search="ben@EXAMPLE"), ["Ben Okafor"]),
        (RegistrationFilters(status=RegistrationStatus.waiting), ["Dan Wu"]),
        (RegistrationFilters(mode=AttendanceChoice.online), ["Chloé Martin"]),
        (
            RegistrationFilters(
                search="a", mode=AttendanceChoice.in_person, status=RegistrationStatus.confirmed
            ),
            ["Ana Silva"],
        ),
    ],
    ids=["all", "by-affiliation", "by-email", "by-status", "by-mode", "combined"],
)
def test_registration_list_search_and_filters(db, crowd, filters, names):
    event, *_rest = crowd

    listing = registration_list(db, event, filters)

    assert [row.registration.name for row in listing.rows] == names
    assert listing.total == 5


def test_registration_list_by_session(db, crowd):
    event, _form, panel_a, _panel_b, _people = crowd

    listing = registration_list(db, event, RegistrationFilters(session_id=panel_a.id))

    assert [(row.registration.name, [(c.title, c.status) for c in row.sessions]) for row in listing.rows] == [
        ("Ana Silva", [("Panel A", ChoiceStatus.confirmed)]),
        ("Ben Okafor", [("Panel A", ChoiceStatus.confirmed)]),
        ("Chloé Martin", [("Panel A", ChoiceStatus.waiting)]),
    ]


def test_registration_list_runs_the_same_number_of_queries_for_1_or_3(db, count_queries):
    one = make_event(db, slug="one")
    three = make_event(db, slug="three")
    panel = make_session(db, three, title="Panel", seat_limit=5)
    make_registration(db, one, email="solo@example.org")
    for n in range(3):
        choose(db, make_registration(db, three, email=f"p{n}@example.org"), panel)

    with count_queries() as for_one:
        registration_list(db, one, RegistrationFilters())
    with count_queries() as for_three:
        registration_list(db, three, RegistrationFilters())

    assert len(for_one) == len(for_three)


def test_registrations_page_shows_counts_and_list(db, organiser, organiser_client, crowd):
    event, *_rest = crowd
    make_organiser_of(db, event, organiser)

    page = organiser_client.get("/manage/events/workshop/registrations")

    assert page.status_code == 200
    assert _names(page.text) == ["Ana Silva", "Ben Okafor", "Chloé Martin", "Dan Wu", "Eva Berg"]
    assert "2 of 3 places taken" in page.text
    assert '<dd data-count="in_person-waiting">1</dd>' in page.text
    assert re.search(
        r'<tr data-session="\d+">\s*<th scope="row">Panel A</th>\s*<td>2</td>\s*<td>2</td>\s*<td>1</td>',
        page.text,
    )


def test_registrations_page_htmx_search_swaps_only_the_list(db, organiser, organiser_client, crowd):
    event, *_rest = crowd
    make_organiser_of(db, event, organiser)

    response = organiser_client.get(
        "/manage/events/workshop/registrations?q=silva&status=confirmed", headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="registration-list"')
    assert _names(response.text) == ["Ana Silva"]
    assert "1 of 5 registrations" in response.text
    assert "HX-Request" in response.headers["vary"]


def test_registrations_page_ignores_a_filter_it_does_not_know(db, organiser, organiser_client, crowd):
    event, *_rest = crowd
    make_organiser_of(db, event, organiser)

    page = organiser_client.get("/manage/events/workshop/registrations?status=bogus")

    assert page.status_code == 200
    assert len(_names(page.text)) == 5


def test_registration_edit_bad_input_shows_errors_and_saves_nothing(db, organiser, organiser_client):
    event = make_event(db, attendance_mode=AttendanceMode.in_person)
    make_organiser_of(db, event, organiser)
    question = make_question(db, event, label="Dietary requirements", is_required=True)
    person = make_registration(db, event, name="Hélène Dupré")
    url = f"/manage/events/{event.slug}/registrations/{person.id}/edit"

    cases = [
        (
            {"name": "", "mode": "in_person", f"question_{question.id}": "None"},
            "name",
            "This field is required.",
        ),
        (
            {"name": "H", "mode": "in_person", "country": "XX", f"question_{question.id}": "x"},
            "country",
            "Choose a country from the list.",
        ),
        (
            {"name": "H", "mode": "online", f"question_{question.id}": "x"},
            "mode",
            "This event is attended in person only.",
        ),
        ({"name": "H", "mode": "in_person"}, f"question_{question.id}", "This field is required."),
    ]
    responses = [organiser_client.post(url, data, htmx=True) for data, _field, _message in cases]

    assert [r.status_code for r in responses] == [422] * 4
    for response, (_data, field, message) in zip(responses, cases, strict=True):
        assert f'<p class="field-error" id="{field}-error">{message}</p>' in response.text
    db.rollback()
    stored = db.get(Registration, person.id)
    assert (stored.name, stored.country, stored.mode) == ("Hélène Dupré", "FR", AttendanceChoice.in_person)


def test_another_events_organiser_sees_no_registration_through_any_url(db, organiser, organiser_client, smtp):
    mine = make_event(db, slug="mine")
    theirs = make_event(db, slug="theirs")
    make_organiser_of(db, mine, organiser)
    secret = make_registration(
        db, theirs, name="Planted Secret", email="planted@example.org", status=RegistrationStatus.pending
    )
    own = f"/manage/events/mine/registrations/{secret.id}"
    other = f"/manage/events/theirs/registrations/{secret.id}"

    gets = [
        organiser_client.get(url)
        for url in (
            "/manage/events/theirs/registrations",
            "/manage/events/theirs/registrations?q=planted",
            "/manage/events/theirs/registrations.csv",
            f"{other}/edit",
            f"{own}/edit",
            "/manage/events/theirs/checkin?q=planted",
            "/manage/events/mine/registrations?q=planted",
            "/manage/events/mine/checkin?q=planted",
            "/manage/events/mine/registrations.csv",
        )
    ]
    posts = [
        organiser_client.post(url, {"name": "Changed", "mode": "in_person"})
        for url in (
            f"{other}/approve",
            f"{other}/cancel",
            f"{other}/edit",
            f"{own}/approve",
            f"{own}/reject",
            f"{own}/cancel",
            f"{own}/edit",
        )
    ]

    assert [r.status_code for r in gets] == [403, 403, 403, 403, 404, 403, 200, 200, 200]
    assert [r.status_code for r in posts] == [403, 403, 403, 404, 404, 404, 404]
    assert all("Planted" not in r.text and "planted@" not in r.text for r in gets + posts)
    db.rollback()
    stored = db.get(Registration, secret.id)
    assert (stored.name, stored.status) == ("Planted Secret", RegistrationStatus.pending)
    assert smtp.messages == []


def test_admin_sees_any_events_registrations(db, admin_client):
    event = make_event(db, slug="any")
    make_registration(db, event, name="Ana Silva")

    page = admin_client.get("/manage/events/any/registrations")

    assert _names(page.text) == ["Ana Silva"]


@pytest.mark.parametrize(
    "path",
    ["registrations", "registrations.csv", "registration", "invitations", "checkin"],
)
def test_registration_pages_send_anonymous_visitors_to_login(db, client, path):
    event = make_event(db, slug="prelude")

    response = client.get(f"/manage/events/prelude/{path}")

    assert (response.status_code, response.headers["location"]) == (
        303,
        f"http://testserver/login?next=%2Fmanage%2Fevents%2Fprelude%2F{path}",
    )
    assert event.slug == "prelude"


def test_event_manage_page_links_to_registration_pages(db, organiser, organiser_client):
    event = make_event(db, slug="prelude")
    make_organiser_of(db, event, organiser)

    page = organiser_client.get("/manage/events/prelude")

    for path in ("registrations", "registration", "invitations", "checkin"):
        assert f'href="http://testserver/manage/events/prelude/{path}"' in page.text
