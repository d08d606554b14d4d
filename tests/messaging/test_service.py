"""Placeholders filled per recipient, refused when unknown or not for the audience, preview, the test
to oneself, and writing the copies in batches that stop when the organiser says so."""

import re

import pytest
from sqlmodel import col, select

from app.accounts.service import create_user
from app.db import utcnow
from app.errors import InvalidInput
from app.messaging import service
from app.messaging.models import Audience, GroupMessage, GroupMessageStatus
from app.outbox.models import OutgoingMessage
from app.registration.links import JOIN_LINK, registration_for_manage_token
from app.registration.models import AttendanceChoice
from app.speakers.links import speaker_for_portal_token
from tests.factories import make_event, make_session
from tests.messaging.crowd import make_crowd, register
from tests.registration.manage_factories import make_registration_form
from tests.registration.public_factories import SECRET_KEY
from tests.site import site_urls

BODY = (
    "Dear {name},\nyour registration: {manage_link}\ncalendar: {calendar_link}\njoin:\n{join_links}\n"
    "{{not a placeholder}}"
)


@pytest.fixture
def crowd(db):
    return make_crowd(db)


@pytest.fixture
def links():
    return service.MessageLinks.of(site_urls(), SECRET_KEY)


def _copies(db, message_id=None):
    statement = (
        select(OutgoingMessage)
        .where(col(OutgoingMessage.kind).startswith("messaging/"))
        .order_by(col(OutgoingMessage.id))
    )
    if message_id is not None:
        statement = statement.where(OutgoingMessage.group_message_id == message_id)
    db.rollback()
    return list(db.exec(statement).all())


def _registrations_opened_by(db, text):
    return [
        registration_for_manage_token(db, SECRET_KEY, token)
        for token in re.findall(r"/registrations/(?!calendar/)([A-Za-z0-9_.\-]+)", text)
    ]


def _joins_in(text):
    """The registration and session each join link in the text opens."""
    return [
        JOIN_LINK.read_for_session(SECRET_KEY, token, 60)[:2]
        for token in re.findall(r"/join/([A-Za-z0-9_.\-]+)", text)
    ]


def _start(db, event, draft, author):
    handed = []
    message = service.start_group_message(db, event, author, draft, now=utcnow(), hand_over=handed.append)
    assert handed == [message.id]
    return message


def test_each_recipient_reads_their_own_name_and_links_only(db, crowd, links, organiser):
    draft = service.Draft(Audience.registrants, "Hello {name}", BODY)
    message = _start(db, crowd.event, draft, organiser)

    service.write_group_message(db.get_bind(), message.id, links)

    copies = {copy.recipient: copy for copy in _copies(db, message.id)}
    assert sorted(copies) == [
        "anna@example.org",
        "bruno@example.org",
        "chloe@example.org",
        "dario@example.org",
    ]
    registration_links = links.registration
    for key in ("anna", "bruno", "chloe", "dario"):
        person = crowd.people[key]
        db.refresh(person)
        copy = copies[person.email]
        assert copy.subject == f"Hello {person.name}"
        assert copy.kind == "messaging/group"
        # Their manage link opens their registration; their calendar is theirs; nobody else's is there.
        assert [opened.id for opened in _registrations_opened_by(db, copy.text)] == [person.id]
        assert registration_links.calendar_url(person) in copy.text
        assert copy.text.endswith("{not a placeholder}\n")
        others = [crowd.people[other] for other in ("anna", "bruno", "chloe", "dario") if other != key]
        for other in others:
            assert registration_links.calendar_url(other) not in copy.text
    # Join links are for the confirmed online attendee only: their own, never the stream's address.
    assert _joins_in(copies["dario@example.org"].text) == [(crowd.people["dario"].id, crowd.keynote.id)]
    assert _joins_in(copies["anna@example.org"].text) == []
    assert [copy.recipient for copy in copies.values() if "stream.example.org" in copy.text] == []
    db.refresh(message)
    assert (message.status, message.total_recipients) == (GroupMessageStatus.sent, 4)


def test_speakers_get_their_own_portal_link(db, crowd, links, organiser):
    draft = service.Draft(Audience.speakers, "Slides", "Hi {name}, upload here: {portal_link}")
    message = _start(db, crowd.event, draft, organiser)

    service.write_group_message(db.get_bind(), message.id, links)

    for copy in _copies(db, message.id):
        url = copy.text.split("upload here: ")[1].strip()
        token = url.rsplit("/speaker-portal/", 1)[1]
        assert speaker_for_portal_token(db, SECRET_KEY, token).email == copy.recipient


@pytest.mark.parametrize(
    ("audience", "subject", "body", "field", "message"),
    [
        (
            Audience.registrants,
            "Hi",
            "Upload: {portal_link}",
            "body",
            "{portal_link} does not apply to this audience",
        ),
        (Audience.speakers, "Your seat {manage_link}", "Hi", "subject", "{manage_link} does not apply"),
        (Audience.registrants, "Hi", "Dear {nmae}", "body", "{nmae} is not a placeholder"),
        (Audience.registrants, "Hi", "Dear {name!r}", "body", "{name!r} is not a placeholder"),
        (
            Audience.registrants,
            "Hi",
            "Dear {name.__class__}",
            "body",
            "{name.__class__} is not a placeholder",
        ),
        (Audience.registrants, "Hi", "A lone { brace", "body", "A single { or } is not a placeholder"),
    ],
    ids=["not-for-audience", "not-for-speakers", "unknown", "conversion", "attribute", "lone-brace"],
)
def test_a_bad_placeholder_is_refused_naming_it(db, crowd, links, audience, subject, body, field, message):
    with pytest.raises(InvalidInput) as refused:
        service.preview_message(db, crowd.event, service.Draft(audience, subject, body), links)

    assert refused.value.field == field
    assert message in refused.value.message


def test_preview_renders_for_the_first_recipient_and_saves_nothing(db, crowd, links):
    draft = service.Draft(Audience.confirmed_online, "For {name}", "Join: {join_links}")

    preview = service.preview_message(db, crowd.event, draft, links)

    assert (preview.count, preview.rendered.recipient.email) == (1, "dario@example.org")
    assert preview.rendered.subject == "For Dario"
    assert _joins_in(preview.rendered.text) == [(crowd.people["dario"].id, crowd.keynote.id)]
    assert "stream.example.org" not in preview.rendered.text
    assert _copies(db) == []


def test_preview_for_a_speaker_without_a_link_keeps_no_portal_secret(db, crowd, links):
    draft = service.Draft(Audience.chairs, "Chairing", "{portal_link}")

    service.preview_message(db, crowd.event, draft, links)

    db.refresh(crowd.speakers["clara"])
    assert crowd.speakers["clara"].portal_secret is None


def test_a_test_goes_to_the_organiser_only_rendered_for_a_real_recipient(db, crowd, links, organiser, smtp):
    draft = service.Draft(Audience.waiting_list, "Still waiting, {name}?", "Manage: {manage_link}")

    service.send_test_message(db, crowd.event, draft, organiser, links)

    [test] = [mail for mail in smtp.messages if mail["To"] == organiser.email]
    assert (test["To"], test["Subject"]) == (organiser.email, "[Test] Still waiting, Chloe?")
    assert "as Chloe (chloe@example.org) will read it" in test.get_content()
    assert [opened.id for opened in _registrations_opened_by(db, test.get_content())] == [
        crowd.people["chloe"].id
    ]
    assert [copy.kind for copy in _copies(db)] == ["messaging/test"]
    assert db.exec(select(GroupMessage)).all() == []


def test_sessions_audience_needs_a_session_of_this_event(db, crowd, links):
    elsewhere = make_session(db, make_event(db, slug="other"))
    with pytest.raises(InvalidInput) as refused:
        service.preview_message(
            db,
            crowd.event,
            service.Draft(Audience.session_registrants, "Hi", "Hi", (elsewhere.id or 0, 99999)),
            links,
        )

    assert refused.value.field == "session_ids"


def test_an_empty_audience_is_refused(db, links):
    event = make_event(db, slug="empty")

    with pytest.raises(InvalidInput) as refused:
        service.preview_message(db, event, service.Draft(Audience.registrants, "Hi", "Hi"), links)

    assert (refused.value.field, refused.value.message) == (
        "audience",
        "Nobody in this audience has an email address.",
    )


@pytest.fixture
def many(db):
    event = make_event(db, slug="many")
    make_registration_form(db, event)
    for number in range(1, 24):
        register(db, event, number, f"Person{number:02d}", AttendanceChoice.online)
    return event


def test_stop_between_batches_writes_no_more(db, many, links, organiser):
    message = _start(db, many, service.Draft(Audience.registrants, "News", "Hello {name}"), organiser)

    assert service.write_next_batch(db, message.id, links, batch_size=5) is True
    service.stop_group_message(db, message, now=utcnow())
    batches = service.write_group_message(db.get_bind(), message.id, links, batch_size=5)

    db.refresh(message)
    assert (batches, message.status, len(_copies(db, message.id))) == (1, GroupMessageStatus.stopped, 5)
    assert service.group_message_progress(db, message) == service.Progress(
        total=23, written=5, sent=0, failed=0
    )


def test_a_message_handed_over_twice_writes_each_copy_once(db, many, links, organiser):
    message = _start(db, many, service.Draft(Audience.registrants, "News", "Hello {name}"), organiser)

    service.write_next_batch(db, message.id, links, batch_size=7)  # a first worker, interrupted
    service.write_group_message(db.get_bind(), message.id, links, batch_size=5)
    service.write_group_message(db.get_bind(), message.id, links, batch_size=5)  # handed over again

    recipients = [copy.recipient for copy in _copies(db, message.id)]
    assert (len(recipients), len(set(recipients))) == (23, 23)


def test_stopping_a_sent_message_changes_nothing(db, many, links, organiser):
    message = _start(db, many, service.Draft(Audience.registrants, "News", "Hi"), organiser)
    service.write_group_message(db.get_bind(), message.id, links)

    service.stop_group_message(db, message, now=utcnow())

    assert message.status == GroupMessageStatus.sent


def test_list_of_messages_counts_progress_per_message(db, many, links, organiser):
    first = _start(db, many, service.Draft(Audience.registrants, "One", "Hi"), organiser)
    service.write_group_message(db.get_bind(), first.id, links)
    second = _start(db, many, service.Draft(Audience.registrants, "Two", "Hi"), organiser)

    lines = service.group_messages_of(db, many)

    assert [(m.subject, p.written, p.total) for m, p in lines] == [("Two", 0, 23), ("One", 23, 23)]
    assert second.status == GroupMessageStatus.sending


def test_the_organiser_who_sends_is_its_author(db, many, organiser):
    other = create_user(db, "second@example.org", "a-long-password-123", name="Second")
    message = _start(db, many, service.Draft(Audience.registrants, "One", "Hi"), other)

    assert message.author_id == other.id


def test_a_worker_with_only_the_handed_over_paths_writes_every_placeholder(db, crowd):
    # A worker has no app: it names pages with the paths the request that queued the message took.
    urls = site_urls()
    worker_links = service.MessageLinks.from_paths(urls.base_url, service.link_paths(urls), SECRET_KEY)
    body = "{name}: {manage_link} {calendar_link}\n{join_links}\n{feedback_links}"
    draft = service.Draft(Audience.confirmed_online, "For {name}", body)

    preview = service.preview_message(db, crowd.event, draft, worker_links)

    assert _joins_in(preview.rendered.text) == [(crowd.people["dario"].id, crowd.keynote.id)]
