"""The follow-up message: an organiser writes to the registrants with {feedback_links}; each copy, queued
in the mail outbox like every email, carries that person's own links to rate their sessions that ended."""

import re

import pytest
from sqlmodel import col, select

from app.db import utcnow
from app.errors import InvalidInput
from app.feedback.links import FEEDBACK_LINK
from app.messaging import service
from app.messaging.models import Audience
from app.outbox.models import MailStatus, OutgoingMessage
from tests.conftest import csrf_from
from tests.messaging.crowd import make_crowd
from tests.registration.public_factories import SECRET_KEY
from tests.site import site_urls

BODY = "Dear {name},\nthank you for coming. How was it?\n{feedback_links}\n"


def _copies(db, message_id):
    db.rollback()
    statement = (
        select(OutgoingMessage)
        .where(OutgoingMessage.group_message_id == message_id)
        .order_by(col(OutgoingMessage.recipient))
    )
    return {copy.recipient: copy for copy in db.exec(statement).all()}


def _titles_in(text):
    return re.findall(r"^(.+): http://testserver/feedback/", text, re.M)


def _links_in(text):
    """The registration and session each feedback link in the text opens."""
    return [
        FEEDBACK_LINK.read_for_session(SECRET_KEY, token, 60)[:2]
        for token in re.findall(r"/feedback/([A-Za-z0-9_.\-]+)", text)
    ]


def test_the_follow_up_message_carries_each_persons_feedback_links(db, client, organiser):
    crowd = make_crowd(db)  # its day was in October 2022: every session has ended
    links = service.MessageLinks.of(site_urls(), SECRET_KEY)
    draft = service.Draft(Audience.registrants, "Your feedback, {name}", BODY)
    message = service.start_group_message(
        db, crowd.event, organiser, draft, now=utcnow(), hand_over=lambda _id: None
    )

    service.write_group_message(db.get_bind(), message.id, links)

    copies = _copies(db, message.id)
    anna, bruno = crowd.people["anna"], crowd.people["bruno"]
    assert {copy.status for copy in copies.values()} == {MailStatus.queued}  # through the mail outbox
    # Anna has a seat on the panel; Bruno none (it is chosen at registration), so he is not asked about it.
    assert _titles_in(copies["anna@example.org"].text) == [
        "Opening keynote",
        "Coffee",
        "Data governance panel",
    ]
    assert _titles_in(copies["bruno@example.org"].text) == ["Opening keynote", "Coffee"]
    assert {registration for registration, _session in _links_in(copies["anna@example.org"].text)} == {
        anna.id
    }
    assert (bruno.id, crowd.keynote.id) in _links_in(copies["bruno@example.org"].text)
    assert (anna.id, crowd.panel.id) in _links_in(copies["anna@example.org"].text)
    # Chloe is on the waiting list: she attended nothing, and gets no link.
    assert _links_in(copies["chloe@example.org"].text) == []
    assert copies["chloe@example.org"].text.startswith("Dear Chloe,")

    link = re.search(r"http://testserver(/feedback/\S+)", copies["anna@example.org"].text).group(1)
    page = client.get(link)
    sent = client.post(link, data={"csrf_token": csrf_from(page.text), "rating": "5"})
    assert "Your feedback on “Opening keynote”" in page.text
    assert sent.status_code == 303


def test_the_placeholder_is_offered_for_registrants_only(db, organiser):
    crowd = make_crowd(db)
    draft = service.Draft(Audience.speakers, "Thanks", "Rate: {feedback_links}")

    with pytest.raises(InvalidInput) as refused:
        service.check_draft(db, crowd.event, draft)

    assert refused.value.message == (
        "{feedback_links} does not apply to this audience. You can use: {name}, {portal_link}."
    )
