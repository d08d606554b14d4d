"""Who is in each audience: active registrations and speakers with an address, each address once."""

import pytest

from app.messaging.audiences import audience_recipients
from app.messaging.models import Audience
from tests.messaging.crowd import make_crowd


@pytest.fixture
def crowd(db):
    return make_crowd(db)


@pytest.mark.parametrize(
    ("audience", "emails"),
    [
        (
            Audience.registrants,
            ["anna@example.org", "bruno@example.org", "chloe@example.org", "dario@example.org"],
        ),
        (Audience.confirmed_in_person, ["anna@example.org", "bruno@example.org"]),
        (Audience.confirmed_online, ["dario@example.org"]),
        (Audience.waiting_list, ["chloe@example.org"]),
        (Audience.not_checked_in, ["anna@example.org"]),
        (Audience.speakers, ["sh.lee@example.org", "em@example.org"]),
        (Audience.speakers_without_slides, ["sh.lee@example.org"]),
        (Audience.chairs, ["clara@example.org", "em@example.org"]),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_audience_holds_exactly_its_people(db, crowd, audience, emails):
    recipients = audience_recipients(db, crowd.event, audience)

    assert [person.email for person in recipients] == emails


def test_registrants_of_chosen_sessions_are_those_with_a_seat_in_them(db, crowd):
    chosen = audience_recipients(db, crowd.event, Audience.session_registrants, [crowd.panel.id])
    none_chosen = audience_recipients(db, crowd.event, Audience.session_registrants, [crowd.keynote.id])

    assert [person.email for person in chosen] == ["anna@example.org", "dario@example.org"]
    assert none_chosen == []


def test_cancelled_and_erased_registrations_are_in_no_audience(db, crowd):
    everyone = [
        person.email
        for audience in Audience
        for person in audience_recipients(db, crowd.event, audience, [crowd.panel.id, crowd.keynote.id])
    ]

    assert [email for email in everyone if "eva" in email or "farid" in email or "deleted" in email] == []


def test_a_speaker_with_two_roles_is_written_to_once_and_one_without_address_never(db, crowd):
    chairs = audience_recipients(db, crowd.event, Audience.chairs)

    assert sorted(person.name for person in chairs) == ["Clara Hoffmann", "Émilie Müller"]
    assert all(person.speaker is not None for person in chairs)
