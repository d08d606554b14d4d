"""Public programme pages as a visitor sees them: grid, list, filters, htmx partials, sessions, speakers."""

import re

import pytest

from app.events.models import Visibility
from app.programme.models import RoleKind, SessionKind
from tests.factories import (
    add_role,
    at,
    make_event,
    make_room,
    make_session,
    make_speaker,
    make_talk,
    make_track,
)

PRIVATE_EMAIL = "rajewsky.private@example.org"


def build_conference(db):
    event = make_event(db)
    auditorium = make_room(db, event, name="Auditorium", position=1)
    salon = make_room(db, event, name="Salon", position=2)
    genomics = make_track(db, event, name="Genomics")
    keynote = make_session(
        db,
        event,
        title="The promises of single-cell technologies",
        kind=SessionKind.keynote,
        room_id=auditorium.id,
        track_id=genomics.id,
        start_at=at(event, 0, 9),
        end_at=at(event, 0, 10),
        abstract="Single-cell **sequencing** at scale.",
    )
    governance = make_session(
        db,
        event,
        title="The challenges of health data governance",
        room_id=salon.id,
        start_at=at(event, 0, 9),
        end_at=at(event, 0, 10, 30),
    )
    talk = make_talk(db, governance, title="A cloud-based hospital information system")
    cancelled = make_session(
        db,
        event,
        title="Health economics",
        kind=SessionKind.panel,
        room_id=salon.id,
        start_at=at(event, 0, 14),
        end_at=at(event, 0, 15),
        is_cancelled=True,
    )
    rajewsky = make_speaker(
        db,
        event,
        name="Nikolaus Rajewsky",
        affiliation="MDC Berlin",
        email=PRIVATE_EMAIL,
        bio="Systems *biology*.",
    )
    lee = make_speaker(db, event, name="Sang-Heon Lee", email="sh.lee@example.org")
    add_role(db, keynote, rajewsky)
    add_role(db, governance, lee, talk_id=talk.id, is_remote=True)
    add_role(db, cancelled, rajewsky, role=RoleKind.panelist)
    return {
        "event": event,
        "rooms": (auditorium, salon),
        "track": genomics,
        "sessions": (keynote, governance, cancelled),
        "speakers": (rajewsky, lee),
    }


def session_titles(html: str) -> list[str]:
    return re.findall(r'class="session-title"><a href="[^"]+">([^<]+)</a>', html)


def notices(html: str) -> list[str]:
    return re.findall(r'<p class="notice" role="status">([^<]+)</p>', html)


def test_programme_page_grid_puts_rooms_in_columns(db, client):
    conference = build_conference(db)

    response = client.get("/events/prelude-test/programme")

    assert response.status_code == 200
    assert re.findall(r'<div class="grid-room pc-(\d+)">([^<]+)</div>', response.text) == [
        ("2", "Auditorium"),
        ("3", "Salon"),
    ]
    keynote, governance, cancelled = conference["sessions"]
    assert re.findall(
        r'<article class="session-card kind-\w+(?: is-cancelled)? ([^"]+)">', response.text
    ) == [
        "ps-2 pe-14 pc-2",
        "ps-2 pe-20 pc-3",
        "ps-62 pe-74 pc-3",
    ]


def test_programme_page_list_view_groups_sessions_by_start_time(db, client):
    build_conference(db)

    response = client.get("/events/prelude-test/programme?view=list")

    assert re.findall(r'<h3 id="slot-\d+" class="slot-time">([^<]+)</h3>', response.text) == [
        "09:00",
        "14:00",
    ]
    assert session_titles(response.text) == [
        "The promises of single-cell technologies",
        "The challenges of health data governance",
        "Health economics",
    ]
    assert 'class="programme-grid"' not in response.text


def test_programme_page_marks_cancelled_sessions_and_keeps_them_visible(db, client):
    build_conference(db)

    response = client.get("/events/prelude-test/programme?view=list")

    card = re.search(
        r'<article class="session-card kind-panel is-cancelled">(.*?)</article>', response.text, re.S
    )
    assert card is not None
    assert '<span class="badge cancelled">Cancelled</span>' in card.group(1)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("track={track}", ["The promises of single-cell technologies"]),
        ("room={salon}", ["The challenges of health data governance", "Health economics"]),
        ("kind=panel", ["Health economics"]),
        ("q=SINGLE-cell", ["The promises of single-cell technologies"]),
        ("q=hospital", ["The challenges of health data governance"]),
        ("q=rajewsky", ["The promises of single-cell technologies", "Health economics"]),
        ("q=rajewsky&kind=keynote", ["The promises of single-cell technologies"]),
    ],
    ids=["track", "room", "kind", "session-title", "talk-title", "speaker-name", "search-and-kind"],
)
def test_programme_page_filters_and_search(db, client, query, expected):
    conference = build_conference(db)
    _auditorium, salon = conference["rooms"]
    url = "/events/prelude-test/programme?view=list&" + query.format(
        track=conference["track"].id, salon=salon.id
    )

    response = client.get(url)

    assert (response.status_code, session_titles(response.text)) == (200, expected)
    assert f"{len(expected)} of 3 sessions on this day match" in response.text


def test_programme_page_search_without_match_says_so(db, client):
    build_conference(db)

    response = client.get("/events/prelude-test/programme?q=astrophysics")

    assert session_titles(response.text) == []
    assert "0 of 3 sessions on this day match." in response.text
    assert "No session on this day matches these filters." in response.text


@pytest.mark.parametrize(
    ("query", "notice"),
    [
        ("day=2031-02-30", "&#34;2031-02-30&#34; is not a date; showing the first day instead."),
        ("day=2030-01-01", "The programme has no day 2030-01-01; showing 2022-10-05 instead."),
        ("track=abc", "That track is not part of this event; showing all tracks."),
        ("track=424242", "That track is not part of this event; showing all tracks."),
        ("room=-1", "That room is not part of this event; showing all rooms."),
        ("kind=lecture", "That kind of session does not exist; showing every kind."),
        ("view=calendar", "That view does not exist; showing the grid."),
    ],
    ids=["bad-date", "unknown-day", "bad-track", "unknown-track", "bad-room", "bad-kind", "bad-view"],
)
def test_programme_page_bad_query_values_show_a_notice_and_the_programme(db, client, query, notice):
    build_conference(db)

    response = client.get(f"/events/prelude-test/programme?{query}")

    assert (response.status_code, notices(response.text)) == (200, [notice])
    assert len(session_titles(response.text)) == 3


def test_programme_page_htmx_request_gets_only_the_grid_block(db, client):
    build_conference(db)

    response = client.get("/events/prelude-test/programme?q=hospital", headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="programme-grid"')
    assert "<html" not in response.text
    assert "programme-filters" not in response.text
    assert "HX-Request" in response.headers["vary"]
    assert session_titles(response.text) == ["The challenges of health data governance"]


def test_programme_page_full_page_also_varies_on_htmx(db, client):
    build_conference(db)

    response = client.get("/events/prelude-test/programme")

    assert response.text.lstrip().startswith("<!doctype html>")
    assert "HX-Request" in response.headers["vary"]


def test_programme_page_filter_form_works_without_js_and_enhances_with_htmx(db, client):
    build_conference(db)

    html = client.get("/events/prelude-test/programme").text

    form = re.search(r'<form class="programme-filters"[^>]*>', html).group(0)
    assert 'method="get"' in form
    assert 'hx-get="http://testserver/events/prelude-test/programme"' in form
    assert 'hx-target="#programme-grid"' in form
    assert 'hx-push-url="true"' in form
    assert '<select id="field-tz" name="tz"' in html
    assert "js/programme.js" in html
    assert "<script>" not in html


def test_programme_page_labels_every_form_control(db, client):
    build_conference(db)

    html = client.get("/events/prelude-test/programme").text

    form = re.search(r'<form class="programme-filters".*?</form>', html, re.S).group(0)
    control_ids = re.findall(r'<(?:input|select|textarea) id="([^"]+)"', form)
    label_targets = re.findall(r'<label for="([^"]+)"', form)
    assert control_ids == ["field-q", "field-track", "field-room", "field-kind", "field-tz"]
    assert label_targets == control_ids


def test_programme_page_day_tabs_are_links_marking_the_current_day(db, client):
    build_conference(db)

    html = client.get("/events/prelude-test/programme?day=2022-10-06").text

    day_nav = re.search(r'<nav class="day-tabs".*?</nav>', html, re.S).group(0)
    tabs = re.findall(r'<li><a href="([^"]+)"( aria-current="page")?', day_nav)
    assert tabs == [
        ("http://testserver/events/prelude-test/programme?day=2022-10-05&amp;view=grid", ""),
        (
            "http://testserver/events/prelude-test/programme?day=2022-10-06&amp;view=grid",
            ' aria-current="page"',
        ),
    ]
    assert "No sessions on this day." in html


def test_session_page_shows_time_room_track_abstract_talks_and_speakers(db, client):
    conference = build_conference(db)
    keynote, governance, _cancelled = conference["sessions"]
    rajewsky, lee = conference["speakers"]

    keynote_page = client.get(f"/events/prelude-test/sessions/{keynote.id}")
    governance_page = client.get(f"/events/prelude-test/sessions/{governance.id}")

    assert keynote_page.status_code == 200
    assert "<h1>The promises of single-cell technologies</h1>" in keynote_page.text
    assert "Wed 5 Oct 2022, 09:00–10:00" in keynote_page.text
    assert "<dd>Auditorium</dd>" in keynote_page.text
    assert "<dd>Genomics</dd>" in keynote_page.text
    assert "<p>Single-cell <strong>sequencing</strong> at scale.</p>" in keynote_page.text
    assert (
        f'<a href="http://testserver/events/prelude-test/speakers/{rajewsky.id}">Nikolaus Rajewsky</a>'
        in (keynote_page.text)
    )
    assert "A cloud-based hospital information system" in governance_page.text
    assert f'<a href="http://testserver/events/prelude-test/speakers/{lee.id}">Sang-Heon Lee</a>' in (
        governance_page.text
    )
    assert '<span class="badge remote">remote</span>' in governance_page.text


def test_session_page_marks_a_cancelled_session(db, client):
    conference = build_conference(db)
    cancelled = conference["sessions"][2]

    response = client.get(f"/events/prelude-test/sessions/{cancelled.id}")

    assert response.status_code == 200
    assert "This session has been cancelled." in response.text
    assert '<span class="badge cancelled">Cancelled</span>' in response.text


def test_session_page_of_another_event_is_not_found_with_a_message(db, client):
    build_conference(db)
    other = make_event(db, slug="other-event", title="Other event")
    foreign = make_session(db, other, title="Elsewhere")

    response = client.get(f"/events/prelude-test/sessions/{foreign.id}")

    assert response.status_code == 404
    assert "This session is not part of the programme of Prelude to the Future of Medicine." in response.text


def test_speakers_page_lists_speakers_with_a_role_by_name(db, client):
    conference = build_conference(db)
    make_speaker(db, conference["event"], name="Aaron Without Role", email="aaron@example.org")

    response = client.get("/events/prelude-test/speakers")

    assert response.status_code == 200
    assert re.findall(r'<h2 class="speaker-name"><a href="[^"]+">([^<]+)</a>', response.text) == [
        "Nikolaus Rajewsky",
        "Sang-Heon Lee",
    ]


def test_speaker_page_shows_bio_and_sessions_with_roles(db, client):
    conference = build_conference(db)
    rajewsky, _lee = conference["speakers"]

    response = client.get(f"/events/prelude-test/speakers/{rajewsky.id}")

    assert response.status_code == 200
    assert "<h1>Nikolaus Rajewsky</h1>" in response.text
    assert '<p class="affiliation">MDC Berlin</p>' in response.text
    assert "<p>Systems <em>biology</em>.</p>" in response.text
    assert session_titles(response.text) == ["The promises of single-cell technologies", "Health economics"]
    assert re.findall(r'<p class="speaker-roles">([^<]+)</p>', response.text) == ["Speaker", "Panelist"]


def test_speaker_page_of_another_event_is_not_found_with_a_message(db, client):
    build_conference(db)
    other = make_event(db, slug="other-event")
    outsider = make_speaker(db, other, name="Outsider")

    response = client.get(f"/events/prelude-test/speakers/{outsider.id}")

    assert response.status_code == 404
    assert "This speaker is not on the programme of Prelude to the Future of Medicine." in response.text


@pytest.mark.parametrize(
    "overrides",
    [{"is_published": False}, {"visibility": Visibility.invitation_only}],
    ids=["draft", "invitation-only"],
)
def test_public_pages_of_hidden_events_are_not_found(db, client, overrides):
    event = make_event(db, slug="hidden", **overrides)
    session = make_session(db, event)
    speaker = make_speaker(db, event)
    add_role(db, session, speaker)

    responses = [
        client.get(url)
        for url in (
            "/events/hidden/programme",
            f"/events/hidden/sessions/{session.id}",
            "/events/hidden/speakers",
            f"/events/hidden/speakers/{speaker.id}",
        )
    ]

    assert [r.status_code for r in responses] == [404, 404, 404, 404]
    assert all("There is no public event at this address." in r.text for r in responses)
    assert all(session.title not in r.text for r in responses)


def test_programme_page_of_an_unlisted_event_opens_by_its_link(db, client):
    event = make_event(db, slug="unlisted", visibility=Visibility.unlisted)
    make_session(db, event, title="By the link only")

    response = client.get("/events/unlisted/programme")

    assert (response.status_code, session_titles(response.text)) == (200, ["By the link only"])


def test_draft_programme_is_visible_to_its_organiser(db, organiser, organiser_client):
    from app.events.models import EventOrganiser

    event = make_event(db, slug="draft", is_published=False)
    db.add(EventOrganiser(event_id=event.id, user_id=organiser.id))
    db.commit()
    make_session(db, event, title="Work in progress")

    response = organiser_client.get("/events/draft/programme")

    assert (response.status_code, session_titles(response.text)) == (200, ["Work in progress"])


def test_public_pages_never_show_a_speaker_email(db, client):
    conference = build_conference(db)
    rajewsky, lee = conference["speakers"]
    keynote, governance, cancelled = conference["sessions"]

    pages = [
        client.get(url).text
        for url in (
            "/events/prelude-test/programme",
            "/events/prelude-test/programme?view=list",
            "/events/prelude-test/programme?day=2022-10-05&tz=Asia/Seoul",
            *(f"/events/prelude-test/sessions/{s.id}" for s in (keynote, governance, cancelled)),
            "/events/prelude-test/speakers",
            f"/events/prelude-test/speakers/{rajewsky.id}",
            f"/events/prelude-test/speakers/{lee.id}",
        )
    ]
    search_by_email = client.get(f"/events/prelude-test/programme?view=list&q={PRIVATE_EMAIL}")

    assert ["@example.org" in page for page in pages] == [False] * len(pages)
    assert session_titles(search_by_email.text) == []


def build_programme(db, slug, count):
    event = make_event(db, slug=slug)
    rooms = [make_room(db, event, name=f"Room {n}", position=n) for n in range(3)]
    track = make_track(db, event)
    sessions = []
    for n in range(count):
        session = make_session(
            db,
            event,
            title=f"Session {n}",
            room_id=rooms[n % 3].id,
            track_id=track.id,
            start_at=at(event, 0, 8 + n // 3),
            end_at=at(event, 0, 8 + n // 3, 50),
        )
        talk = make_talk(db, session, title=f"Talk {n}")
        add_role(db, session, make_speaker(db, event, name=f"Chair {n}"), role=RoleKind.chair)
        add_role(db, session, make_speaker(db, event, name=f"Speaker {n}"), talk_id=talk.id)
        sessions.append(session)
    return event, sessions


def test_programme_page_runs_the_same_queries_for_one_session_and_for_thirty(db, client, count_queries):
    build_programme(db, "one", 1)
    build_programme(db, "thirty", 30)
    # Warm-up: first-request work is not the page's, and each programme's data is read once, then kept.
    client.get("/events/one/programme?view=list")
    client.get("/events/thirty/programme?view=list")

    with count_queries() as one:
        one_page = client.get("/events/one/programme")
    with count_queries() as thirty:
        thirty_page = client.get("/events/thirty/programme")

    assert (len(session_titles(one_page.text)), len(session_titles(thirty_page.text))) == (1, 30)
    assert len(thirty) == len(one)


def test_programme_page_is_built_once_per_programme_change(db, client, count_queries):
    event, _sessions = build_programme(db, "thirty", 30)
    first = client.get("/events/thirty/programme")

    with count_queries() as again_statements:
        again = client.get("/events/thirty/programme")
    make_session(db, event, title="Late addition", start_at=at(event, 0, 19), end_at=at(event, 0, 20))
    after_change = client.get("/events/thirty/programme")

    assert again.text == first.text
    selects = [statement for statement in again_statements if statement.lstrip().startswith("SELECT")]
    assert [("FROM event" in selects[0]), ("FROM programme_release" in selects[1]), len(selects)] == [
        True,
        True,
        2,
    ]
    assert "Late addition" not in first.text
    assert "Late addition" in after_change.text


def test_session_page_runs_the_same_queries_for_small_and_large_sessions(db, client, count_queries):
    _small_event, small_sessions = build_programme(db, "one", 1)
    large_event, _sessions = build_programme(db, "thirty", 30)
    large = make_session(db, large_event, title="Marathon")
    for n in range(10):
        talk = make_talk(db, large, title=f"Part {n}", position=n)
        add_role(db, large, make_speaker(db, large_event, name=f"Guest {n}"), talk_id=talk.id)
    # Each programme's data is read once, then kept; what is left is the page's own work.
    client.get(f"/events/one/sessions/{small_sessions[0].id}")
    client.get(f"/events/thirty/sessions/{large.id}")

    with count_queries() as small_statements:
        client.get(f"/events/one/sessions/{small_sessions[0].id}")
    with count_queries() as large_statements:
        page = client.get(f"/events/thirty/sessions/{large.id}")

    assert page.text.count('class="talk"') == 10
    assert len(large_statements) == len(small_statements)
