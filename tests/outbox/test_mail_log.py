"""The organisers' mail log: listing, filters and pages, one message with its personal links masked,
sending failed messages again, and who may see what."""

import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import col

from app.accounts.models import User
from app.accounts.service import create_user
from app.db import DbSession
from app.events.models import Event
from app.mail import EMAIL_TEMPLATES_DIR, OutgoingMail
from app.outbox.models import MailStatus, OutgoingMessage
from app.outbox.service import MAIL_KIND_LABELS, queue_mail
from app.timezones import format_local_datetime
from tests.conftest import BrowserLikeClient, SmtpServer
from tests.factories import make_event
from tests.registration.manage_factories import make_organiser_of

MANAGE_LINK = (
    "http://127.0.0.1:8000/registrations/"
    "eyJyIjoxLCJrIjoiMjdkNTYwNGNiNWI2Nzc0NiJ9.axWrrw.m46KUWh_uP51bNTAuuU3pnENC8A"
)
TOKEN = MANAGE_LINK.rsplit("/", 1)[1]


@pytest.fixture
def event(db: DbSession, organiser: User) -> Event:
    event = make_event(db, slug="mail-test", timezone="Europe/Paris")
    make_organiser_of(db, event, organiser)
    return event


@pytest.fixture
def other_event(db: DbSession) -> Event:
    """Somebody else's event: the organiser of `event` has no role in it."""
    owner = create_user(db, "someone@example.org", "another long password", name="Someone Else")
    other = make_event(db, slug="not-mine", title="Not Mine")
    make_organiser_of(db, other, owner)
    return other


def write(
    db: DbSession,
    event: Event,
    to: str = "ana@example.org",
    *,
    subject: str = "You are registered for Prelude",
    text: str = "Hello Ana,\nsee you there.\n",
    kind: str = "registration/registered",
    status: MailStatus = MailStatus.queued,
    **values: Any,
) -> OutgoingMessage:
    """A message written through the real outbox, then put in `status` as a worker would have."""
    message = queue_mail(db, OutgoingMail(to=to, subject=subject, text=text, kind=kind, event_id=event.id))
    db.commit()
    if status is not MailStatus.queued or values:
        db.execute(
            update(OutgoingMessage)
            .where(col(OutgoingMessage.id) == message.id)
            .values(status=status, **values)
        )
        db.commit()
        db.refresh(message)
    return message


def failed(db: DbSession, event: Event, to: str, **values: Any) -> OutgoingMessage:
    return write(
        db,
        event,
        to,
        subject=f"Registration of {to}",
        status=MailStatus.failed,
        attempts=5,
        last_error="550 5.1.1 No such mailbox",
        **values,
    )


def status_of(db: DbSession, message: OutgoingMessage) -> tuple[MailStatus, int]:
    db.commit()  # ends the test's read transaction, which would still see the old row
    db.refresh(message)
    return message.status, message.attempts


def listed(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'<tr id="message-(\d+)">', html)]


def log_url(event: Event) -> str:
    return f"/manage/events/{event.slug}/mail"


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# The list --------------------------------------------------------------------------------------------


def test_mail_log_lists_the_events_messages_newest_first(
    organiser_client: BrowserLikeClient, db: DbSession, event: Event, other_event: Event
) -> None:
    first = write(db, event, "ana@example.org", created_at=datetime(2022, 9, 1, 8, 0, tzinfo=UTC))
    second = failed(db, event, "ben@example.org")
    third = write(db, event, "chloe@example.org", kind="speakers/portal_link", status=MailStatus.sent)
    write(db, other_event, "stranger@example.org")

    response = organiser_client.get(log_url(event))

    assert response.status_code == 200
    assert listed(response.text) == [third.id, second.id, first.id]
    page = text_of(response.text)
    assert "stranger@example.org" not in page
    assert "Messages 1 to 3 of 3, newest first" in page
    assert "All 3 Queued 1 Sending 0 Sent 1 Will be tried again 0 Failed 1" in page
    # Written at 08:00 UTC, shown on the event's clock (Paris, 10:00 in September).
    assert format_local_datetime(first.created_at, "Europe/Paris") == "Thu 1 Sep 2022, 10:00"
    assert "Thu 1 Sep 2022, 10:00" in page
    assert "Registration confirmation" in page
    assert "Speaker portal link" in page
    assert "550 5.1.1 No such mailbox" in page


def test_mail_log_shows_an_unknown_kind_as_stored(
    organiser_client: BrowserLikeClient, db: DbSession, event: Event
) -> None:
    write(db, event, kind="newsletter/monthly")

    page = text_of(organiser_client.get(log_url(event)).text)

    assert "newsletter/monthly" in page


def test_mail_log_without_messages_says_so(organiser_client: BrowserLikeClient, event: Event) -> None:
    response = organiser_client.get(log_url(event))

    assert response.status_code == 200
    assert listed(response.text) == []
    assert "No emails have been written for this event yet." in response.text


def test_mail_log_filters_by_status(organiser_client: BrowserLikeClient, db: DbSession, event: Event) -> None:
    write(db, event, "ana@example.org", status=MailStatus.sent)
    ben = failed(db, event, "ben@example.org")
    chloe = failed(db, event, "chloe@example.org")

    response = organiser_client.get(log_url(event), params={"status": "failed"})

    assert listed(response.text) == [chloe.id, ben.id]
    assert 'aria-current="page">Failed <span class="badge">2</span>' in response.text
    assert '<option value="failed" selected>' in response.text


def test_mail_log_filters_by_recipient_in_an_htmx_fragment(
    organiser_client: BrowserLikeClient, db: DbSession, event: Event
) -> None:
    write(db, event, "ana@example.org")
    ben = failed(db, event, "ben@example.org")
    write(db, event, "benedict@example.org", status=MailStatus.sent)
    benedict_again = write(db, event, "benedict@example.org")

    response = organiser_client.get(
        log_url(event), params={"recipient": " BEN "}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="mail-log"')
    assert "HX-Request" in response.headers["vary"]
    assert listed(response.text)[0] == benedict_again.id
    assert listed(response.text)[-1] == ben.id
    assert len(listed(response.text)) == 3
    # The counts follow the recipient filter.
    assert "All 3 Queued 1 Sending 0 Sent 1 Will be tried again 0 Failed 1" in text_of(response.text)


def test_mail_log_with_a_filter_matching_nothing_says_so(
    organiser_client: BrowserLikeClient, db: DbSession, event: Event
) -> None:
    write(db, event, "ana@example.org")

    response = organiser_client.get(log_url(event), params={"recipient": "nobody"})

    assert listed(response.text) == []
    assert "No message matches these filters." in response.text


def test_mail_log_pages_a_hundred_messages_at_a_time(
    organiser_client: BrowserLikeClient, db: DbSession, event: Event
) -> None:
    messages = [
        queue_mail(db, OutgoingMail(to=f"p{n}@example.org", subject="Hi", text="Hi\n", event_id=event.id))
        for n in range(103)
    ]
    db.commit()
    newest_first = [message.id for message in reversed(messages)]

    first_page = organiser_client.get(log_url(event))
    second_page = organiser_client.get(log_url(event), params={"page": "2"})

    assert listed(first_page.text) == newest_first[:100]
    assert 'href="http://testserver/manage/events/mail-test/mail?page=2" rel="next"' in first_page.text
    assert 'rel="prev"' not in first_page.text
    assert listed(second_page.text) == newest_first[100:]
    assert "Messages 101 to 103 of 103, newest first" in second_page.text
    assert 'href="http://testserver/manage/events/mail-test/mail" rel="prev"' in second_page.text
    assert 'rel="next"' not in second_page.text


@pytest.mark.parametrize(
    "params",
    [
        {"status": "nonsense"},
        {"status": "QUEUED"},
        {"page": "-1"},
        {"page": "0"},
        {"page": "abc"},
        {"page": "²"},
        {"page": "99999999999999999999999"},
        {"page": "999999999"},
        {"queued": "-3"},
        {"recipient": "x" * 5000},
    ],
    ids=[
        "unknown-status",
        "status-case",
        "negative-page",
        "page-zero",
        "page-not-a-number",
        "page-superscript",
        "page-too-large",
        "page-past-the-end",
        "bad-notice",
        "long-search",
    ],
)
def test_mail_log_ignores_query_values_that_mean_nothing(
    organiser_client: BrowserLikeClient, db: DbSession, event: Event, params: dict[str, str]
) -> None:
    message = write(db, event, "x" * 10 + "@example.org")

    response = organiser_client.get(log_url(event), params=params)

    assert response.status_code == 200
    expected = [] if "recipient" in params else [message.id]
    assert listed(response.text) == expected
    assert "queued again" not in response.text


def test_mail_log_query_count_does_not_grow_with_messages(
    organiser_client: BrowserLikeClient,
    db: DbSession,
    event: Event,
    count_queries: Callable[[], AbstractContextManager[list[str]]],
) -> None:
    write(db, event)
    with count_queries() as one:
        organiser_client.get(log_url(event))
    write(db, event, "ben@example.org")
    failed(db, event, "chloe@example.org")
    with count_queries() as three:
        response = organiser_client.get(log_url(event))

    assert len(listed(response.text)) == 3
    assert len(three) == len(one)


def test_event_manage_page_links_to_the_mail_log(organiser_client: BrowserLikeClient, event: Event) -> None:
    response = organiser_client.get(f"/manage/events/{event.slug}")

    assert f'href="http://testserver/manage/events/{event.slug}/mail">Mail log</a>' in response.text


# One message ---------------------------------------------------------------------------------------------


def test_message_page_masks_personal_links(
    organiser_client: BrowserLikeClient, db: DbSession, event: Event
) -> None:
    message = write(
        db,
        event,
        subject="Your personal link for Prelude",
        kind="registration/manage_link",
        text=f"Hello Ana,\n\nChange or cancel your registration: {MANAGE_LINK}\n\nSee you!\n",
    )

    response = organiser_client.get(f"{log_url(event)}/{message.id}")

    assert response.status_code == 200
    assert "http://127.0.0.1:8000/registrations/eyJy…" in response.text
    assert TOKEN not in response.text
    assert TOKEN[:20] not in response.text
    assert "Change or cancel your registration:" in response.text
    page = text_of(response.text)
    assert "To ana@example.org" in page
    assert "Kind Personal link" in page
    assert "Status Queued" in page


def test_message_page_shows_delivery_of_a_failed_message(
    organiser_client: BrowserLikeClient, db: DbSession, event: Event
) -> None:
    message = failed(db, event, "ben@example.org")

    response = organiser_client.get(f"{log_url(event)}/{message.id}")

    page = text_of(response.text)
    assert "Attempts 5" in page
    assert "Last error 550 5.1.1 No such mailbox" in page
    assert "Send again" in page


def test_message_of_another_event_is_not_found(
    organiser_client: BrowserLikeClient, db: DbSession, event: Event, organiser: User
) -> None:
    # The organiser manages both events, but a message is only found under its own event's address.
    second = make_event(db, slug="second-event", title="Second Event")
    make_organiser_of(db, second, organiser)
    message = failed(db, second, "ben@example.org")

    page = organiser_client.get(f"{log_url(event)}/{message.id}")
    resend = organiser_client.post(f"{log_url(event)}/{message.id}/resend")
    missing = organiser_client.get(f"{log_url(event)}/987654")

    assert (page.status_code, resend.status_code, missing.status_code) == (404, 404, 404)
    assert "This message is not in the event&#39;s mail log." in page.text
    assert status_of(db, message) == (MailStatus.failed, 5)


def test_mail_log_of_another_organisers_event_is_refused(
    organiser_client: BrowserLikeClient, db: DbSession, other_event: Event
) -> None:
    message = failed(db, other_event, "stranger@example.org", text=f"Your link: {MANAGE_LINK}\n")

    responses = [
        organiser_client.get(log_url(other_event)),
        organiser_client.get(f"{log_url(other_event)}/{message.id}"),
        organiser_client.post(f"{log_url(other_event)}/{message.id}/resend"),
        organiser_client.post(f"{log_url(other_event)}/resend-failed"),
    ]

    assert [response.status_code for response in responses] == [403, 403, 403, 403]
    assert all("stranger@example.org" not in response.text for response in responses)
    assert all(TOKEN[:20] not in response.text for response in responses)
    assert status_of(db, message) == (MailStatus.failed, 5)


# Sending again -----------------------------------------------------------------------------------------


def test_resend_one_failed_message_queues_it_and_it_is_delivered(
    organiser_client: BrowserLikeClient, db: DbSession, event: Event, smtp: SmtpServer
) -> None:
    ben = failed(db, event, "ben@example.org")
    chloe = failed(db, event, "chloe@example.org")

    response = organiser_client.post(f"{log_url(event)}/{ben.id}/resend", {"status": "failed"})

    assert response.status_code == 303
    assert (
        response.headers["location"]
        == "http://testserver/manage/events/mail-test/mail?status=failed&queued=1"
    )
    assert status_of(db, ben) == (MailStatus.queued, 0)
    assert status_of(db, chloe) == (MailStatus.failed, 5)
    after = organiser_client.get(response.headers["location"])
    assert "1 message queued again." in after.text
    assert listed(after.text) == [chloe.id]
    assert [(mail["To"], mail["Subject"]) for mail in smtp.messages] == [
        ("ben@example.org", "Registration of ben@example.org")
    ]
    assert status_of(db, ben) == (MailStatus.sent, 1)


def test_resend_from_the_message_page_returns_to_it(
    organiser_client: BrowserLikeClient, db: DbSession, event: Event
) -> None:
    message = failed(db, event, "ben@example.org")

    response = organiser_client.post(f"{log_url(event)}/{message.id}/resend", {"back": "message"})

    assert response.status_code == 303
    location = response.headers["location"]
    assert location == f"http://testserver/manage/events/mail-test/mail/{message.id}?queued=1"
    page = text_of(organiser_client.get(location).text)
    assert "1 message queued again." in page
    assert "Status Queued" in page


def test_resend_all_failed_queues_only_this_events_failed_messages(
    organiser_client: BrowserLikeClient, db: DbSession, event: Event, other_event: Event, smtp: SmtpServer
) -> None:
    ben = failed(db, event, "ben@example.org")
    chloe = failed(db, event, "chloe@example.org")
    sent = write(db, event, "ana@example.org", status=MailStatus.sent, attempts=1)
    elsewhere = failed(db, other_event, "stranger@example.org")

    response = organiser_client.post(f"{log_url(event)}/resend-failed", htmx=True)

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="mail-log"')
    assert "2 messages queued again." in response.text
    assert [status_of(db, m)[0] for m in (ben, chloe, sent, elsewhere)] == [
        MailStatus.queued,
        MailStatus.queued,
        MailStatus.sent,
        MailStatus.failed,
    ]
    assert sorted(mail["To"] for mail in smtp.messages) == ["ben@example.org", "chloe@example.org"]
    assert [status_of(db, m)[0] for m in (ben, chloe, elsewhere)] == [
        MailStatus.sent,
        MailStatus.sent,
        MailStatus.failed,
    ]


def test_resend_all_failed_without_any_says_so(
    organiser_client: BrowserLikeClient, db: DbSession, event: Event
) -> None:
    write(db, event, status=MailStatus.sent)

    response = organiser_client.post(f"{log_url(event)}/resend-failed")

    assert response.headers["location"] == "http://testserver/manage/events/mail-test/mail?queued=0"
    assert "No failed messages to send again." in organiser_client.get(response.headers["location"]).text


@pytest.mark.parametrize("back", ["", "message"], ids=["from-list", "from-message-page"])
def test_resending_a_sent_message_is_refused(
    organiser_client: BrowserLikeClient, db: DbSession, event: Event, smtp: SmtpServer, back: str
) -> None:
    message = write(db, event, status=MailStatus.sent, attempts=1)

    response = organiser_client.post(f"{log_url(event)}/{message.id}/resend", {"back": back})

    assert response.status_code == 409
    assert "Only a failed message can be sent again; this one is: Sent." in response.text
    assert status_of(db, message) == (MailStatus.sent, 1)
    assert smtp.messages == []


def test_resending_a_sent_message_by_htmx_answers_with_the_list(
    organiser_client: BrowserLikeClient, db: DbSession, event: Event
) -> None:
    message = write(db, event, status=MailStatus.sent, attempts=1)

    response = organiser_client.post(f"{log_url(event)}/{message.id}/resend", htmx=True)

    assert response.status_code == 409
    assert response.text.lstrip().startswith('<section id="mail-log"')
    assert "Only a failed message can be sent again; this one is: Sent." in response.text


# Labels --------------------------------------------------------------------------------------------------


def test_every_email_template_has_a_kind_label() -> None:
    kinds = {
        path.relative_to(EMAIL_TEMPLATES_DIR).with_suffix("").as_posix()
        for path in EMAIL_TEMPLATES_DIR.rglob("*.txt")
        if not path.name.startswith("_")
    }

    assert kinds == set(MAIL_KIND_LABELS)
