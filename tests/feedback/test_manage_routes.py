"""The organisers' feedback page: per session and per speaker, the CSV file, who may rate, and nobody else
reading any of it."""

import csv
import html
import io
import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from app.accounts.service import create_user
from app.db import DbSession
from app.events.models import Event
from app.feedback import service
from app.programme.models import RoleKind
from tests.conftest import ORGANISER_PASSWORD, BrowserLikeClient
from tests.factories import add_role, make_event, make_speaker
from tests.feedback.conftest import Day
from tests.registration.manage_factories import make_organiser_of, make_registration

PAGE = "/manage/events/prelude-test/feedback"
CSV = "/manage/events/prelude-test/feedback.csv"


def _text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _rate(db: DbSession, event: Event, session, voter, rating, comment, now, registration=None):
    rated = service.rated_session(db, event, session.id)
    service.give_feedback(db, rated, voter, rating, comment, registration=registration, now=now)


@pytest.fixture
def rated_day(db: DbSession, day: Day, organiser) -> Day:
    """Three ratings of the panel (one by a visitor who is not registered), one of the keynote, whose speaker
    also sits on the panel."""
    make_organiser_of(db, day.event, organiser)
    add_role(db, day.keynote, day.panelist, role=RoleKind.speaker)
    make_speaker(db, day.event, name="Zoe Declined", email="zoe@example.org")
    second = make_registration(db, day.event, name="Bruno", email="bruno@example.org")
    service.set_feedback_from_anyone(db, day.event, True)
    after_panel = day.panel.end_at
    _rate(
        db,
        day.event,
        day.panel,
        service.Voter.registered(day.attendee),
        4,
        "Clear.",
        after_panel + timedelta(minutes=5),
        day.attendee,
    )
    _rate(
        db,
        day.event,
        day.panel,
        service.Voter.registered(second),
        5,
        "",
        after_panel + timedelta(minutes=9),
        second,
    )
    _rate(
        db,
        day.event,
        day.panel,
        service.Voter.browser("visitor"),
        2,
        '=HYPERLINK("http://x")',
        after_panel + timedelta(minutes=20),
    )
    _rate(
        db,
        day.event,
        day.keynote,
        service.Voter.registered(day.attendee),
        3,
        "Too fast.",
        day.keynote.end_at + timedelta(hours=1),
        day.attendee,
    )
    return day


def test_organisers_see_counts_averages_and_comments_per_session_and_speaker(rated_day, organiser_client):
    page = organiser_client.get(PAGE)

    assert page.status_code == 200
    text = _text(page.text)
    assert "Feedback on sessions" in text and "4 ratings" in text
    keynote = page.text.split(f'data-session="{rated_day.keynote.id}"', 1)[1].split("</article>", 1)[0]
    panel = page.text.split(f'data-session="{rated_day.panel.id}"', 1)[1].split("</article>", 1)[0]
    assert "1 rating · average 3.0 out of 5" in _text(keynote)
    assert "3 ratings · average 3.7 out of 5" in _text(panel)
    # Comments newest first; empty ones are not listed; the visitor's is marked, and shown as typed.
    assert re.findall(r"<blockquote>(.*?)</blockquote>", panel) == [
        "=HYPERLINK(&#34;http://x&#34;)",
        "Clear.",
    ]
    assert "2 out of 5 · Wed 5 Oct 2022, 15:50 · not registered" in _text(panel)
    speakers = {
        cells[0]: cells[1:]
        for cells in (
            re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)
            for row in re.findall(r"<tr data-speaker[^>]*>(.*?)</tr>", page.text, re.S)
        )
    }
    # Sang-Heon Lee: the keynote (3) and the panel (4, 5, 2): 14 / 4.
    assert speakers == {"Émilie Müller": ["1", "3", "3.7"], "Sang-Heon Lee": ["2", "4", "3.5"]}


def test_the_averages_follow_the_readers_language(rated_day, organiser_client):
    page = organiser_client.get(PAGE, headers={"Accept-Language": "fr"})

    assert "3,7" in page.text


def test_the_csv_has_one_row_per_rating_and_defuses_formulas(rated_day, organiser_client):
    response = organiser_client.get(CSV)

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="prelude-test-feedback.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    panel = ["Data governance panel", "2022-10-05 14:00", "Émilie Müller, Sang-Heon Lee"]
    assert rows == [
        ["Session", "Start (Europe/Paris)", "Speakers", "Rating", "Comment", "Given at (Europe/Paris)"]
        + ["Registered"],
        ["Opening keynote", "2022-10-05 09:00", "Sang-Heon Lee", "3", "Too fast.", "2022-10-05 11:00", "Yes"],
        [*panel, "2", '\'=HYPERLINK("http://x")', "2022-10-05 15:50", "No"],
        [*panel, "5", "", "2022-10-05 15:39", "Yes"],
        [*panel, "4", "Clear.", "2022-10-05 15:35", "Yes"],
    ]


def test_organisers_choose_whether_anyone_may_rate(db, day, organiser, organiser_client):
    make_organiser_of(db, day.event, organiser)

    page = organiser_client.get(PAGE)
    ticked = organiser_client.post(f"{PAGE}/settings", {"feedback_from_anyone": "on"})
    db.rollback()
    db.refresh(day.event)
    allowed = day.event.feedback_from_anyone
    unticked = organiser_client.post(f"{PAGE}/settings", {}, htmx=True)
    db.rollback()
    db.refresh(day.event)

    assert "Anyone may give feedback (not only registered attendees)" in _text(page.text)
    assert (
        '<input id="field-feedback_from_anyone" name="feedback_from_anyone" type="checkbox" value="on" >'
        in page.text
    )
    assert (ticked.status_code, ticked.headers["location"]) == (303, f"http://testserver{PAGE}?saved=1")
    assert allowed is True
    assert unticked.status_code == 200
    assert unticked.text.lstrip().startswith('<section id="feedback-settings"')
    assert day.event.feedback_from_anyone is False


def test_the_event_page_links_to_the_feedback_page(db, day, organiser, organiser_client):
    make_organiser_of(db, day.event, organiser)

    page = organiser_client.get("/manage/events/prelude-test")

    assert f'href="http://testserver{PAGE}"' in page.text


@pytest.mark.parametrize("url", [PAGE, CSV], ids=["page", "csv"])
def test_nobody_else_reads_the_feedback(db, app, rated_day, url):
    other = make_event(db, slug="other-event")
    stranger = create_user(db, "other-organiser@example.org", ORGANISER_PASSWORD)
    make_organiser_of(db, other, stranger)

    with TestClient(app, follow_redirects=False) as anonymous_client:
        anonymous = anonymous_client.get(url)
    with TestClient(app, follow_redirects=False) as other_client:
        browser = BrowserLikeClient(other_client)
        browser.login(stranger.email)
        refused = browser.get(url)

    assert (anonymous.status_code, anonymous.headers["location"].split("?")[0]) == (
        303,
        "http://testserver/login",
    )
    assert refused.status_code == 403
    for response in (anonymous, refused):
        assert "Clear." not in response.text and "Too fast." not in response.text
