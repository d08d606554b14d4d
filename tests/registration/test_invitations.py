"""Invitations to invitation-only events: signed, expiring links sent by email, valid once."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from app.errors import DomainError
from app.events.models import Visibility
from app.registration.invitations import (
    InvitationRefused,
    InvitationStatus,
    create_invitation,
    invitation_from_token,
    invitation_status,
    invitation_token,
    mark_invitation_used,
    revoke_invitation,
)
from app.registration.links import Links
from app.registration.models import Invitation
from tests.factories import make_event
from tests.registration.manage_factories import make_organiser_of, make_registration
from tests.site import site_urls

SECRET = "test-secret-key-0123456789"
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
NEXT_MONTH = NOW + timedelta(days=30)


@pytest.fixture
def urls():
    return Links(site_urls("https://plenary.example.org"), SECRET)


def _token_in(message) -> str:
    match = re.search(r"\?invitation=(\S+)", message.get_content())
    assert match, message.get_content()
    return match.group(1)


def test_create_invitation_emails_a_link_that_leads_back_to_it(db, smtp, urls):
    event = make_event(db, slug="board", title="Board meeting", visibility=Visibility.invitation_only)

    invitation = create_invitation(db, event, " Ana@Example.org ", "Ana Silva", NEXT_MONTH, urls, now=NOW)

    assert [(m["To"], m["Subject"]) for m in smtp.messages] == [
        ("ana@example.org", "Invitation to Board meeting")
    ]
    body = smtp.messages[0].get_content()
    assert "Hello Ana Silva," in body
    assert (
        f"https://plenary.example.org/events/board/register?invitation={_token_in(smtp.messages[0])}" in body
    )
    assert invitation_from_token(db, event, SECRET, _token_in(smtp.messages[0]), NOW).id == invitation.id
    assert (invitation.email, invitation.name, invitation_status(invitation, NOW)) == (
        "ana@example.org",
        "Ana Silva",
        InvitationStatus.sent,
    )


def test_create_invitation_twice_for_the_same_address_is_refused(db, smtp, urls):
    event = make_event(db)
    create_invitation(db, event, "ana@example.org", "", NEXT_MONTH, urls, now=NOW)

    with pytest.raises(DomainError) as refused:
        create_invitation(db, event, "ANA@example.org", "", NEXT_MONTH, urls, now=NOW)

    assert (refused.value.field, refused.value.message) == (
        "email",
        "ana@example.org already has a valid invitation; revoke it first to send a new one.",
    )
    assert len(smtp.messages) == 1


def test_create_invitation_already_expired_is_refused(db, smtp, urls):
    event = make_event(db)

    with pytest.raises(DomainError) as refused:
        create_invitation(db, event, "ana@example.org", "", NOW - timedelta(days=1), urls, now=NOW)

    assert (refused.value.field, refused.value.message) == ("valid_until", "Choose a date in the future.")
    assert (db.exec(select(Invitation)).all(), smtp.messages) == ([], [])


def _invite(db, event, **overrides) -> Invitation:
    values = {"event_id": event.id, "email": "ana@example.org", "expires_at": NEXT_MONTH}
    values.update(overrides)
    invitation = Invitation(**values)
    db.add(invitation)
    db.commit()
    db.refresh(invitation)
    return invitation


def test_invitation_from_token_refuses_a_tampered_token(db):
    event = make_event(db)
    token = invitation_token(SECRET, _invite(db, event))
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")

    with pytest.raises(InvitationRefused) as refused:
        invitation_from_token(db, event, SECRET, tampered, NOW)

    assert (refused.value.field, refused.value.message) == (
        "invitation",
        "This invitation link is not valid. Check that you opened the whole link from the email.",
    )


def test_invitation_from_token_refuses_a_token_signed_with_another_key(db):
    event = make_event(db)
    token = invitation_token("another-secret-key-987654", _invite(db, event))

    with pytest.raises(InvitationRefused):
        invitation_from_token(db, event, SECRET, token, NOW)


def test_invitation_from_token_refuses_an_expired_invitation(db):
    event = make_event(db, timezone="Europe/Paris")
    token = invitation_token(SECRET, _invite(db, event, expires_at=datetime(2026, 11, 20, 23, 0, tzinfo=UTC)))

    with pytest.raises(InvitationRefused) as refused:
        invitation_from_token(db, event, SECRET, token, NOW)

    assert refused.value.message == (
        "This invitation expired on Saturday 21 November 2026, 00:00 CET. Ask the organisers for a new one."
    )


def test_invitation_from_token_refuses_another_events_invitation(db):
    event = make_event(db, slug="prelude")
    other = make_event(db, slug="board")
    token = invitation_token(SECRET, _invite(db, other))

    with pytest.raises(InvitationRefused) as refused:
        invitation_from_token(db, event, SECRET, token, NOW)

    assert refused.value.message == "This invitation is for another event."


def test_invitation_from_token_refuses_a_used_invitation(db):
    event = make_event(db)
    invitation = _invite(db, event)
    registration = make_registration(db, event, email="ana@example.org")
    mark_invitation_used(db, invitation, registration, NOW)
    db.commit()

    with pytest.raises(InvitationRefused) as refused:
        invitation_from_token(db, event, SECRET, invitation_token(SECRET, invitation), NOW)

    assert refused.value.message == (
        "This invitation has already been used to register. "
        "Your confirmation email has a link to manage your registration."
    )
    assert (registration.invitation_id, invitation_status(invitation, NOW)) == (
        invitation.id,
        InvitationStatus.used,
    )


def test_invitation_from_token_refuses_a_revoked_invitation(db):
    event = make_event(db)
    invitation = revoke_invitation(db, _invite(db, event))

    with pytest.raises(InvitationRefused) as refused:
        invitation_from_token(db, event, SECRET, invitation_token(SECRET, invitation), NOW)

    assert refused.value.message == "This invitation was withdrawn by the organisers."
    assert invitation_status(invitation, NOW) == InvitationStatus.revoked


def test_revoke_a_used_invitation_is_refused(db):
    event = make_event(db)
    invitation = _invite(db, event, used_at=NOW)

    with pytest.raises(DomainError) as refused:
        revoke_invitation(db, invitation)

    assert refused.value.message == "This invitation was already used; cancel the registration instead."


# The invitations page ---------------------------------------------------------------------------


def test_invitations_page_sends_an_invitation_and_lists_it(db, organiser, organiser_client, smtp):
    event = make_event(db, slug="board", title="Board meeting", visibility=Visibility.invitation_only)
    make_organiser_of(db, event, organiser)

    response = organiser_client.post(
        "/manage/events/board/invitations",
        {"email": "ana@example.org", "name": "Ana", "valid_until": "2099-12-31"},
    )
    page = organiser_client.get("/manage/events/board/invitations")

    assert (response.status_code, response.headers["location"]) == (
        303,
        "http://testserver/manage/events/board/invitations",
    )
    assert [m["To"] for m in smtp.messages] == ["ana@example.org"]
    assert "http://127.0.0.1:8000/events/board/register?invitation=" in smtp.messages[0].get_content()
    assert re.search(r"<td>ana@example.org</td>\s*<td>Ana</td>", page.text)
    assert '<span class="badge invitation-sent">Sent</span>' in page.text
    db.rollback()
    stored = db.exec(select(Invitation)).one()
    assert stored.expires_at == datetime(2099, 12, 31, 23, 0, tzinfo=UTC)  # end of the day in Paris


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"email": "not-an-email", "valid_until": "2099-01-01"},
            "email",
            "Enter an email address such as name@example.org.",
        ),
        ({"email": "ana@example.org", "valid_until": ""}, "valid_until", "This field is required."),
        ({"email": "ana@example.org", "valid_until": "soon"}, "valid_until", "Enter a date as YYYY-MM-DD."),
        (
            {"email": "ana@example.org", "valid_until": "2020-01-01"},
            "valid_until",
            "Choose a date in the future.",
        ),
    ],
    ids=["bad-email", "no-date", "bad-date", "past-date"],
)
def test_invitations_page_bad_input_shows_error_and_sends_nothing(
    db, organiser, organiser_client, smtp, data, field, message
):
    event = make_event(db, slug="board")
    make_organiser_of(db, event, organiser)

    response = organiser_client.post("/manage/events/board/invitations", data, htmx=True)

    assert response.status_code == 422
    assert response.text.lstrip().startswith('<section id="invitation-form"')
    assert f'<p class="field-error" id="{field}-error">{message}</p>' in response.text
    db.rollback()
    assert (db.exec(select(Invitation)).all(), smtp.messages) == ([], [])


def test_invitations_page_revoke(db, organiser, organiser_client):
    event = make_event(db, slug="board")
    make_organiser_of(db, event, organiser)
    invitation = _invite(db, event, expires_at=datetime(2099, 1, 1, tzinfo=UTC))

    response = organiser_client.post(f"/manage/events/board/invitations/{invitation.id}/revoke", htmx=True)

    assert response.text.lstrip().startswith('<section id="invitation-list"')
    assert '<span class="badge invitation-revoked">Revoked</span>' in response.text
    db.rollback()
    assert db.get(Invitation, invitation.id).revoked is True


def test_invitations_of_another_event_are_neither_seen_nor_revoked(db, organiser, organiser_client):
    mine = make_event(db, slug="mine")
    theirs = make_event(db, slug="theirs")
    make_organiser_of(db, mine, organiser)
    invitation = _invite(db, theirs, email="planted@example.org", expires_at=datetime(2099, 1, 1, tzinfo=UTC))

    page = organiser_client.get("/manage/events/theirs/invitations")
    direct = organiser_client.post(f"/manage/events/theirs/invitations/{invitation.id}/revoke")
    through_mine = organiser_client.post(f"/manage/events/mine/invitations/{invitation.id}/revoke")
    my_page = organiser_client.get("/manage/events/mine/invitations")

    assert (page.status_code, direct.status_code, through_mine.status_code) == (403, 403, 404)
    assert all("planted@" not in r.text for r in (page, direct, through_mine, my_page))
    db.rollback()
    assert db.get(Invitation, invitation.id).revoked is False
