"""Rating a session without HTTP: once it ended, once per person, changeable for a day; who may rate."""

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from app.db import DbSession
from app.errors import NotFound
from app.feedback import service
from app.feedback.models import SessionFeedback
from app.feedback.queries import event_feedback
from app.programme.releases import release_programme
from app.registration.models import RegistrationStatus
from tests.factories import at, make_event
from tests.feedback.conftest import Day
from tests.registration.manage_factories import make_registration


def _all_feedback(db: DbSession) -> list[tuple[int, str, int, str]]:
    db.rollback()
    rows = db.exec(select(SessionFeedback).order_by(SessionFeedback.id)).all()
    return [(row.session_id, row.voter_key, row.rating, row.comment) for row in rows]


def _give(db, day: Day, rating, comment, now, registration=None, voter=None):
    registration = day.attendee if registration is None and voter is None else registration
    rated = service.rated_session(db, day.event, day.panel.id)
    voter = voter or service.Voter.registered(registration)
    return service.give_feedback(db, rated, voter, rating, comment, registration=registration, now=now)


def test_an_attendee_rates_a_session_and_changes_it_within_the_day(db, day):
    ended = day.panel.end_at

    first = _give(db, day, 3, "Too short.", ended + timedelta(minutes=5))
    changed = _give(db, day, 5, "Thinking it over: excellent.", ended + timedelta(hours=23))

    assert _all_feedback(db) == [(day.panel.id, f"r{day.attendee.id}", 5, "Thinking it over: excellent.")]
    assert changed.id == first.id
    assert (changed.created_at, changed.updated_at) == (
        ended + timedelta(minutes=5),
        ended + timedelta(hours=23),
    )


def test_after_a_day_the_feedback_can_no_longer_be_changed(db, day):
    given_at = day.panel.end_at + timedelta(hours=2)
    _give(db, day, 4, "Clear and useful.", given_at)

    with pytest.raises(service.FeedbackLocked) as refused:
        _give(db, day, 1, "Changed my mind.", given_at + timedelta(hours=24))

    assert refused.value.message == (
        "Your feedback can no longer be changed: feedback can be changed for a day after it is given."
    )
    assert _all_feedback(db) == [(day.panel.id, f"r{day.attendee.id}", 4, "Clear and useful.")]


def test_a_double_submit_keeps_one_feedback_per_person(db, day):
    now = day.panel.end_at + timedelta(minutes=1)

    _give(db, day, 4, "Good.", now)
    _give(db, day, 4, "Good.", now)  # the second click of a double click

    assert _all_feedback(db) == [(day.panel.id, f"r{day.attendee.id}", 4, "Good.")]
    # The database itself refuses a second row for the same person and session, whatever the race.
    db.add(SessionFeedback(session_id=day.panel.id, voter_key=f"r{day.attendee.id}", rating=1))
    with pytest.raises(IntegrityError):
        db.commit()


def test_before_the_session_ends_feedback_is_refused_and_says_when_it_opens(db, day):
    with pytest.raises(service.FeedbackNotOpen) as refused:
        _give(db, day, 5, "Early bird.", day.panel.end_at - timedelta(minutes=1))

    assert refused.value.message == (
        "Feedback on this session opens when it ends: Wednesday 5 October 2022, 15:30 CEST."
    )
    assert refused.value.opens_at == day.panel.end_at
    assert _all_feedback(db) == []


def test_the_published_programme_says_when_a_session_ends(db, day):
    release_programme(db, day.event, "Final programme", None, now=at(day.event, 0, 8))
    # The organisers move the panel in their draft afterwards; the public programme still ends it at 15:30.
    day.panel.start_at, day.panel.end_at = at(day.event, 0, 17), at(day.event, 0, 18)
    db.add(day.panel)
    db.commit()

    feedback = _give(db, day, 4, "", at(day.event, 0, 15, 45))

    assert feedback.rating == 4


def test_only_registered_attendees_rate_unless_the_event_lets_anyone(db, day):
    browser = service.Voter.browser("a-browser-id")
    now = day.panel.end_at + timedelta(hours=1)

    with pytest.raises(service.FeedbackRefused) as refused:
        _give(db, day, 2, "Anonymous", now, voter=browser)
    service.set_feedback_from_anyone(db, day.event, True)
    _give(db, day, 2, "Anonymous", now, voter=browser)

    assert refused.value.message.startswith("Feedback on this session is given by registered attendees")
    assert _all_feedback(db) == [(day.panel.id, "ba-browser-id", 2, "Anonymous")]


@pytest.mark.parametrize(
    "status",
    [RegistrationStatus.waiting, RegistrationStatus.pending, RegistrationStatus.cancelled],
    ids=["waiting", "pending", "cancelled"],
)
def test_only_confirmed_registrations_count(db, day, status):
    person = make_registration(db, day.event, email="waiting@example.org", status=status)

    with pytest.raises(service.FeedbackRefused) as refused:
        _give(db, day, 5, "", day.panel.end_at + timedelta(hours=1), registration=person)

    assert refused.value.message == "Only confirmed registrations give feedback."
    assert _all_feedback(db) == []


def test_a_cancelled_session_is_not_rated(db, day):
    day.panel.is_cancelled = True
    db.add(day.panel)
    db.commit()

    with pytest.raises(service.FeedbackRefused) as refused:
        _give(db, day, 1, "", day.panel.end_at + timedelta(hours=1))

    assert refused.value.message == "This session was cancelled: there is nothing to rate."


def test_a_session_of_another_event_is_not_found(db, day):
    other = make_event(db, slug="other-event")

    with pytest.raises(NotFound):
        service.rated_session(db, other, day.panel.id)


def test_the_sessions_to_rate_are_the_attendees_ended_ones_in_time_order(db, day):
    at_noon = at(day.event, 0, 12)
    everyone_after = day.panel.end_at + timedelta(days=3)

    before_panel = service.sessions_to_rate(db, day.event, day.attendee, at_noon)
    after_event = service.sessions_to_rate(db, day.event, day.attendee, everyone_after)

    assert [rated.published.title for rated in before_panel] == ["Opening keynote", "Coffee"]
    assert [rated.published.title for rated in after_event] == [
        "Opening keynote",
        "Coffee",
        "Data governance panel",
    ]


def test_the_organisers_summary_takes_the_same_queries_for_one_rated_session_or_many(db, day, count_queries):
    after = day.panel.end_at + timedelta(hours=1)
    _give(db, day, 4, "One.", after)
    with count_queries() as few:
        one = event_feedback(db, day.event)
    for number, session in enumerate((day.keynote, day.coffee), start=1):
        person = make_registration(db, day.event, email=f"person{number}@example.org")
        rated = service.rated_session(db, day.event, session.id)
        service.give_feedback(
            db, rated, service.Voter.registered(person), 3, "", registration=person, now=after
        )

    with count_queries() as many:
        three = event_feedback(db, day.event)

    assert (len(one.sessions), len(three.sessions)) == (1, 3)
    assert len(many) == len(few)
