"""Rating a session over HTTP: a registered attendee's personal link, the public page when the event lets
anyone rate, the form's errors, the day to change it, and the speaker reading it in their portal."""

import html
import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import select

from app.access_log import mask_secrets
from app.db import DbSession
from app.feedback.links import FEEDBACK_LINK
from app.feedback.models import SessionFeedback
from app.registration.links import manage_token
from app.speakers import links as portal_links
from tests.conftest import csrf_from
from tests.factories import at
from tests.feedback.conftest import Day, feedback_path
from tests.registration.public_factories import SECRET_KEY


def _text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _feedback(db: DbSession) -> list[tuple[int, str, int, str]]:
    db.rollback()
    rows = db.exec(select(SessionFeedback).order_by(SessionFeedback.id)).all()
    return [(row.session_id, row.voter_key, row.rating, row.comment) for row in rows]


def _csrf(client: TestClient) -> str:
    """The browser's form token, from any page with a form (a page without one has none to give)."""
    return csrf_from(client.get("/login").text)


def _send(client: TestClient, path: str, htmx: bool = False, **fields: str) -> object:
    page = client.get(path)
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(path, data={"csrf_token": csrf_from(page.text), **fields}, headers=headers)


def test_an_attendee_rates_a_session_with_their_link_without_javascript(db, client, day: Day):
    path = feedback_path(day.attendee, day.panel)

    page = client.get(path)
    sent = client.post(path, data={"csrf_token": csrf_from(page.text), "rating": "4", "comment": "Clear."})
    after = client.get(sent.headers["location"])

    assert page.status_code == 200
    # A radio group with a legend, each rating labelled; the comment has its label.
    assert "<legend>How would you rate this session?" in page.text
    assert re.findall(r'<input type="radio" name="rating" value="(\d)"', page.text) == list("12345")
    assert '<label for="field-comment">Comment (optional)</label>' in page.text
    assert (page.headers["cache-control"], page.headers["referrer-policy"]) == ("no-store", "no-referrer")
    assert (sent.status_code, sent.headers["location"]) == (303, f"http://testserver{path}?saved=1")
    assert _feedback(db) == [(day.panel.id, f"r{day.attendee.id}", 4, "Clear.")]
    text = _text(after.text)
    assert "Thank you: your feedback is saved." in text
    assert "You can change it until" in text
    assert re.findall(r'value="(\d)" required\s+checked', after.text) == ["4"]


def test_an_htmx_submit_gets_the_form_block_back(db, client, day: Day):
    response = _send(client, feedback_path(day.attendee, day.panel), htmx=True, rating="5", comment="")

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="feedback-form"')
    assert "Thank you: your feedback is saved." in _text(response.text)
    assert _feedback(db) == [(day.panel.id, f"r{day.attendee.id}", 5, "")]


def test_changing_within_the_day_and_refused_after_it(db, client, clock, day: Day):
    path = feedback_path(day.attendee, day.panel)
    clock(day.panel.end_at + timedelta(minutes=10))
    _send(client, path, rating="2", comment="Hard to follow.")
    clock(day.panel.end_at + timedelta(hours=20))
    changed = _send(client, path, rating="3", comment="Hard to follow, but useful.")
    csrf = _csrf(client)
    clock(day.panel.end_at + timedelta(days=1, minutes=10))

    late_page = client.get(path)
    late = client.post(path, data={"csrf_token": csrf, "rating": "1"})

    assert changed.status_code == 303
    assert "Your feedback can no longer be changed" in _text(late_page.text)
    assert 'name="rating"' not in late_page.text
    assert "3 out of 5" in _text(late_page.text)
    assert late.status_code == 409
    assert _feedback(db) == [(day.panel.id, f"r{day.attendee.id}", 3, "Hard to follow, but useful.")]


def test_an_invalid_rating_shows_the_form_again_with_422_and_nothing_lost(db, client, day: Day):
    path = feedback_path(day.attendee, day.panel)

    missing = _send(client, path, comment="My comment, typed before choosing.")
    out_of_range = _send(client, path, rating="6", comment="Six stars!")

    assert (missing.status_code, out_of_range.status_code) == (422, 422)
    assert "Choose a rating from 1 to 5." in _text(missing.text)
    assert "My comment, typed before choosing.</textarea>" in missing.text
    assert 'aria-describedby="rating-error"' in out_of_range.text
    assert "Six stars!</textarea>" in out_of_range.text
    assert _feedback(db) == []


def test_a_comment_too_long_is_refused(db, client, day: Day):
    response = _send(client, feedback_path(day.attendee, day.panel), rating="4", comment="x" * 2001)

    assert response.status_code == 422
    assert "A comment has at most 2000 characters; this one has 2001." in _text(response.text)
    assert _feedback(db) == []


def test_before_the_end_the_page_says_when_feedback_opens(db, client, clock, day: Day):
    path = feedback_path(day.attendee, day.panel)
    clock(at(day.event, 0, 15))

    page = client.get(path)
    refused = client.post(path, data={"csrf_token": _csrf(client), "rating": "5"})

    assert page.status_code == 200
    assert "Feedback on this session opens when it ends: Wednesday 5 October 2022, 15:30 CEST." in _text(
        page.text
    )
    assert 'name="rating"' not in page.text
    assert refused.status_code == 409
    assert _feedback(db) == []


def test_a_forged_or_altered_link_opens_nothing(db, client, day: Day):
    token = feedback_path(day.attendee, day.panel).removeprefix("/feedback/")

    response = client.get(f"/feedback/{token[:-2]}xx")

    assert response.status_code == 403
    assert "This link is not valid." in _text(response.text)


def test_on_a_registered_only_event_the_public_page_sends_people_to_their_link(db, client, day: Day):
    path = f"/events/{day.event.slug}/sessions/{day.panel.id}/feedback"

    page = client.get(path)
    refused = client.post(path, data={"csrf_token": _csrf(client), "rating": "5"})

    assert page.status_code == 200
    assert "Feedback on this session is given by registered attendees: open the personal link" in _text(
        page.text
    )
    assert 'name="rating"' not in page.text
    assert refused.status_code == 403
    assert _feedback(db) == []


def test_when_anyone_may_rate_each_browser_rates_once(db, app, client, day: Day):
    day.event.feedback_from_anyone = True
    db.add(day.event)
    db.commit()
    path = f"/events/{day.event.slug}/sessions/{day.panel.id}/feedback"

    first = _send(client, path, rating="5", comment="Loved it.")
    again = _send(client, path, rating="4", comment="Loved it, mostly.")
    with TestClient(app, follow_redirects=False) as other_browser:
        other = _send(other_browser, path, rating="2", comment="")

    assert (first.status_code, again.status_code, other.status_code) == (303, 303, 303)
    rows = _feedback(db)
    assert [(session, rating, comment) for session, _key, rating, comment in rows] == [
        (day.panel.id, 4, "Loved it, mostly."),
        (day.panel.id, 2, ""),
    ]
    assert [key[0] for _session, key, _rating, _comment in rows] == ["b", "b"]
    assert rows[0][1] != rows[1][1]


def test_a_session_not_in_the_events_programme_is_not_found(db, client, day: Day):
    response = client.get(f"/events/{day.event.slug}/sessions/999999/feedback")

    assert response.status_code == 404


def test_the_attendees_page_links_to_the_feedback_of_their_ended_sessions(db, client, day: Day):
    page = client.get(f"/registrations/{manage_token(SECRET_KEY, day.attendee)}")

    tokens = re.findall(r'<a href="http://127.0.0.1:8000/feedback/([^"]+)"', page.text)
    assert "Rate your sessions" in _text(page.text)
    # Each link names the attendee and one of their ended sessions, in time order.
    assert [FEEDBACK_LINK.read_for_session(SECRET_KEY, token, 60)[:2] for token in tokens] == [
        (day.attendee.id, day.keynote.id),
        (day.attendee.id, day.coffee.id),
        (day.attendee.id, day.panel.id),
    ]


def test_feedback_from_a_test_attendee_appears_in_the_speakers_portal(db, app, client, day: Day):
    day.panelist.portal_secret = "panelist-secret"
    db.add(day.panelist)
    db.commit()
    _send(client, feedback_path(day.attendee, day.panel), rating="5", comment="<b>Superb</b> panel!")
    portal = f"/speaker-portal/{portal_links.portal_token(SECRET_KEY, day.panelist)}"

    with TestClient(app, follow_redirects=False) as speaker_browser:
        page = speaker_browser.get(portal)

    assert page.status_code == 200
    section = page.text.split('<section class="portal-feedback"', 1)[1].split("</section>", 1)[0]
    assert "Attendees' feedback" in html.unescape(section)
    assert "1 rating · average 5.0 out of 5" in _text(section)
    # Shown as typed, never as HTML.
    assert "&lt;b&gt;Superb&lt;/b&gt; panel!" in section
    assert "<b>Superb</b>" not in page.text


def test_the_access_log_masks_the_personal_feedback_link(day: Day):
    path = feedback_path(day.attendee, day.panel)

    assert mask_secrets(f"{path}?saved=1") == "/feedback/***?saved=1"
