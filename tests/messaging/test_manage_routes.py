"""The organisers' pages: composing with preview and a test, sending, progress with Stop, and who may."""

import re

import pytest
from sqlmodel import col, select

from app.messaging import service
from app.messaging.models import GroupMessage, GroupMessageStatus
from app.outbox.models import OutgoingMessage
from tests.factories import make_event
from tests.messaging.crowd import make_crowd
from tests.registration.manage_factories import make_organiser_of
from tests.registration.public_factories import SECRET_KEY
from tests.site import site_urls

BASE = "/manage/events/prelude-test/messages"


@pytest.fixture
def crowd(db, organiser):
    crowd = make_crowd(db)
    make_organiser_of(db, crowd.event, organiser)
    return crowd


def _form(**fields):
    return {
        "audience": "confirmed_online",
        "subject": "Tomorrow, {name}",
        "body": "Join here:\n{join_links}",
        **fields,
    }


def test_compose_page_offers_audiences_sessions_and_placeholders(crowd, organiser_client):
    page = organiser_client.get(f"{BASE}/new")

    assert page.status_code == 200
    assert '<option value="not_checked_in" >Confirmed in person, not checked in</option>' in page.text
    assert "Data governance panel" in page.text
    assert "<code>{portal_link}</code>" in page.text
    assert "Write {{ and }} for a brace." in page.text


def test_preview_shows_the_first_recipient_and_the_count_in_the_form_block(crowd, organiser_client):
    response = organiser_client.post(f"{BASE}/preview", _form(), htmx=True)

    assert response.status_code == 200
    assert "<html" not in response.text
    assert response.text.lstrip().startswith('<section id="compose-form"')
    assert "This message goes to 1 person." in response.text
    assert '<td class="preview-subject">Tomorrow, Dario</td>' in response.text
    # Dario's own join link, shortened like every personal link; never the stream's address.
    assert len(re.findall(r"https?://[^\s<]+/join/[^\s<]+…", response.text)) == 1
    assert "stream.example.org" not in response.text


def test_preview_shows_the_recipients_personal_link_shortened(crowd, organiser_client):
    response = organiser_client.post(f"{BASE}/preview", _form(body="Your page: {manage_link}"), htmx=True)

    [link] = re.findall(r"https?://[^\s<]+/registrations/[^\s<]+", response.text)
    assert link.endswith("…")
    assert len(link.rsplit("/", 1)[1]) == 5  # four characters of the secret, then the ellipsis


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"body": "Your portal: {portal_link}"}, "{portal_link} does not apply to this audience"),
        ({"subject": "Hi {firstname}"}, "{firstname} is not a placeholder"),
        ({"audience": "session_registrants"}, "Choose at least one session of this event."),
        ({"subject": ""}, "This field is required."),
    ],
    ids=["not-for-audience", "unknown", "no-session", "no-subject"],
)
def test_a_bad_draft_is_shown_again_with_its_error_and_nothing_is_sent(
    db, crowd, organiser_client, fields, error
):
    for url in (f"{BASE}/preview", f"{BASE}/test", BASE):
        response = organiser_client.post(url, _form(**fields), htmx=True)

        assert response.status_code == 422
        assert error in response.text
    db.rollback()
    assert db.exec(select(GroupMessage)).all() == []
    assert (
        db.exec(select(OutgoingMessage).where(col(OutgoingMessage.kind).startswith("messaging/"))).all() == []
    )


def test_a_test_goes_to_the_organiser_rendered_for_a_real_recipient(crowd, organiser, organiser_client, smtp):
    response = organiser_client.post(f"{BASE}/test", _form(), htmx=True)

    assert response.status_code == 200
    assert f"A test was sent to {organiser.email}." in response.text
    [test] = [mail for mail in smtp.messages if mail["To"] == organiser.email]
    assert test["Subject"] == "[Test] Tomorrow, Dario"
    assert len(re.findall(r"https?://\S+/join/[A-Za-z0-9_.\-]+", test.get_content())) == 1
    assert "stream.example.org" not in test.get_content()


def test_sending_saves_the_message_and_shows_its_progress_with_a_stop_button(db, crowd, organiser_client):
    response = organiser_client.post(BASE, _form())

    assert response.status_code == 303, response.text
    db.rollback()
    message = db.exec(select(GroupMessage)).one()
    assert response.headers["location"].endswith(f"{BASE}/{message.id}")
    assert (message.status, message.total_recipients) == (GroupMessageStatus.sending, 1)
    page = organiser_client.get(f"{BASE}/{message.id}")
    assert 'hx-trigger="every 2s"' in page.text
    assert "Written: 0 of 1" in page.text

    stopped = organiser_client.post(f"{BASE}/{message.id}/stop", htmx=True)

    assert stopped.status_code == 200
    assert stopped.text.lstrip().startswith('<section id="message-progress"')
    assert "hx-trigger" not in stopped.text
    assert "Stopped" in stopped.text
    db.rollback()
    db.refresh(message)
    assert message.status == GroupMessageStatus.stopped
    listing = organiser_client.get(BASE)
    assert re.search(r"Tomorrow, \{name\}</a>", listing.text)
    assert "0 of 1" in listing.text


def test_the_event_page_links_to_messages(crowd, organiser_client):
    page = organiser_client.get("/manage/events/prelude-test")

    assert re.search(rf'href="(http://testserver)?{BASE}"', page.text)


def test_another_events_organiser_can_neither_read_nor_send(db, organiser, organiser_client):
    theirs = make_crowd(db)  # prelude-test, organised by someone else
    mine = make_event(db, slug="mine")
    make_organiser_of(db, mine, organiser)
    message = GroupMessage(event_id=theirs.event.id or 0, audience="registrants", subject="S", body="B")
    db.add(message)
    db.commit()

    answers = [
        organiser_client.get(BASE).status_code,
        organiser_client.get(f"{BASE}/new").status_code,
        organiser_client.post(f"{BASE}/preview", _form()).status_code,
        organiser_client.post(f"{BASE}/test", _form()).status_code,
        organiser_client.post(BASE, _form()).status_code,
        organiser_client.get(f"{BASE}/{message.id}").status_code,
        organiser_client.post(f"{BASE}/{message.id}/stop").status_code,
        # Their message through my event's address is not found.
        organiser_client.get(f"/manage/events/mine/messages/{message.id}").status_code,
    ]

    assert answers == [403] * 7 + [404]
    db.refresh(message)
    assert message.status == GroupMessageStatus.sending


def test_the_mail_log_shows_the_copies_of_one_message(db, crowd, organiser_client, smtp):
    assert smtp.messages  # a worker writes the crowd's confirmations (saved as specs) and sends them
    organiser_client.post(BASE, _form(subject="Copy of one"))
    db.rollback()
    message = db.exec(select(GroupMessage)).one()
    service.write_group_message(db.get_bind(), message.id, service.MessageLinks.of(site_urls(), SECRET_KEY))

    everything = organiser_client.get("/manage/events/prelude-test/mail")
    copies = organiser_client.get(f"/manage/events/prelude-test/mail?group={message.id}")
    page = organiser_client.get(f"{BASE}/{message.id}")

    assert ("Copy of one" in everything.text, "You are registered" in everything.text) == (True, True)
    assert ("Copy of one" in copies.text, "You are registered" in copies.text) == (True, False)
    assert f'/manage/events/prelude-test/mail?group={message.id}"' in page.text
    assert "Written: 1 of 1" in page.text


def test_compose_page_and_errors_speak_french(crowd, organiser_client):
    page = organiser_client.get(f"{BASE}/new", headers={"Accept-Language": "fr"})
    refused = organiser_client.post(
        f"{BASE}/preview", _form(body="{portal_link}"), headers={"Accept-Language": "fr"}
    )

    assert "Écrivez {{ et }} pour une accolade." in page.text
    assert refused.status_code == 422
    assert "{portal_link} ne s&#39;applique pas à ces destinataires" in refused.text
