"""What the registration pages must not give away: other events behind an invitation link, who is
registered, and the invitee of someone who deleted their data."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app.db import DbSession, utcnow
from app.events.models import AttendanceMode, Event, Visibility
from app.registration import invitations
from app.registration.models import Invitation, Registration
from app.registration.service import delete_personal_data
from tests.conftest import BrowserLikeClient, SmtpServer
from tests.factories import make_event
from tests.registration.manage_factories import make_organiser_of, make_registration, make_registration_form
from tests.registration.public_factories import (
    SECRET_KEY,
    links,
    mail_text,
    post_registration,
    register,
    subjects,
)

PRIVATE_TITLE = "Board meeting on the merger"
PRIVATE_VENUE = "Villa Secreta, Lake Como"


def _invitation_only(db: DbSession, slug: str, **overrides: object) -> Event:
    event = make_event(
        db,
        slug=slug,
        visibility=Visibility.invitation_only,
        attendance_mode=AttendanceMode.in_person,
        **overrides,
    )
    make_registration_form(db, event)
    return event


def _invite(db: DbSession, event: Event, smtp: SmtpServer, email: str = "guest@example.org") -> str:
    invitation = invitations.create_invitation(
        db, event, email, "Guest", utcnow() + timedelta(days=7), links()
    )
    return invitations.invitation_token(SECRET_KEY, invitation)


def test_invitation_link_of_one_event_does_not_open_another_invitation_only_event(
    client: TestClient, db: DbSession, smtp: SmtpServer
) -> None:
    mine = _invitation_only(db, "my-workshop", title="My workshop")
    _invitation_only(db, "board-2031", title=PRIVATE_TITLE, venue=PRIVATE_VENUE)
    token = _invite(db, mine, smtp)

    own = client.get("/events/my-workshop/register", params={"invitation": token})
    other = client.get("/events/board-2031/register", params={"invitation": token})
    posted = post_registration(
        client, db.exec(select(Event).where(Event.slug == "board-2031")).one(), invitation=token
    )

    assert (own.status_code, "My workshop" in own.text) == (200, True)
    assert other.status_code == 404
    assert PRIVATE_TITLE not in other.text and PRIVATE_VENUE not in other.text
    assert posted.status_code == 404
    assert PRIVATE_TITLE not in posted.text
    db.rollback()
    assert db.exec(select(Registration)).all() == []


@pytest.mark.parametrize("state", ["revoked", "expired", "used"])
def test_unusable_invitation_link_does_not_show_the_event(
    client: TestClient, db: DbSession, smtp: SmtpServer, state: str
) -> None:
    event = _invitation_only(db, "board-2031", title=PRIVATE_TITLE, venue=PRIVATE_VENUE)
    token = _invite(db, event, smtp)
    invitation = db.exec(select(Invitation)).one()
    if state == "revoked":
        invitation.revoked = True
    elif state == "expired":
        invitation.expires_at = utcnow() - timedelta(minutes=1)
    else:
        invitation.used_at = utcnow()
        make_registration(db, event, email="guest@example.org", invitation_id=invitation.id)
    db.add(invitation)
    db.commit()

    page = client.get("/events/board-2031/register", params={"invitation": token})

    assert page.status_code == 403
    assert PRIVATE_TITLE not in page.text and PRIVATE_VENUE not in page.text
    assert 'name="email"' not in page.text


def test_used_invitation_submitted_again_by_its_invitee_gets_the_same_answer(
    client: TestClient, db: DbSession, smtp: SmtpServer
) -> None:
    event = _invitation_only(db, "board-2031", title=PRIVATE_TITLE)
    token = _invite(db, event, smtp)

    first = post_registration(client, event, email="guest@example.org", invitation=token)
    again = post_registration(client, event, email="guest@example.org", invitation=token)
    stranger = post_registration(client, event, email="someone.else@example.org", invitation=token)

    assert (first.status_code, again.status_code) == (303, 303)
    assert first.headers["location"] == again.headers["location"]
    assert stranger.status_code == 403
    assert PRIVATE_TITLE not in stranger.text


def test_full_event_without_waiting_list_answers_alike_for_registered_and_new_addresses(
    client: TestClient, db: DbSession, smtp: SmtpServer
) -> None:
    event = make_event(db, attendance_mode=AttendanceMode.in_person)
    make_registration_form(db, event, in_person_seats=1, waiting_list=False)
    register(db, event, smtp, number=1, email="registered@example.org")
    smtp.messages.clear()

    known = post_registration(client, event, email="registered@example.org")
    unknown = post_registration(client, event, email="newcomer@example.org")

    assert (known.status_code, unknown.status_code) == (422, 422)
    assert "All places to attend in person are taken." in known.text
    assert known.text.replace("registered@example.org", "X") == unknown.text.replace(
        "newcomer@example.org", "X"
    )
    assert [message["To"] for message in smtp.messages] == ["registered@example.org"]
    assert "/registrations/" in mail_text(smtp.messages[0])
    assert len(subjects(smtp)) == 1


def test_delete_my_data_erases_the_invitee_from_the_invitation(
    db: DbSession, smtp: SmtpServer, organiser_client: BrowserLikeClient, organiser: object
) -> None:
    event = _invitation_only(db, "board-2031")
    make_organiser_of(db, event, organiser)  # type: ignore[arg-type]
    token = _invite(db, event, smtp, email="ana.invitee@example.org")
    outcome = register(db, event, smtp, email="ana.invitee@example.org", name="Ana Invitee", invitation=token)

    delete_personal_data(db, event, outcome.registration, links=links())
    page = organiser_client.get("/manage/events/board-2031/invitations")

    db.rollback()
    invitation = db.exec(select(Invitation)).one()
    assert (invitation.email, invitation.name, invitation.used_at is not None) == ("", "", True)
    assert invitations.invitation_status(invitation, utcnow()) == invitations.InvitationStatus.erased
    assert "ana.invitee@example.org" not in page.text and "Ana Invitee" not in page.text
    assert "Used, data deleted" in page.text
