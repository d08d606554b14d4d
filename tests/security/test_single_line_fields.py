"""A line break in a title or a name (a raw POST can send one) never reaches a mail header or a feed line.

Forms refuse it with a message; text already stored with one (older data, imports) still registers,
mails and exports.
"""

import xml.etree.ElementTree as ET  # noqa: S405 - parsing our own output in a test

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar
from pydantic import BaseModel
from sqlmodel import select

from app.db import DbSession
from app.events.forms import EventForm
from app.events.models import Event
from app.mail import OutgoingMail, build_message
from app.programme.forms import RoomForm, SessionForm, TalkForm, TrackForm
from app.registration.forms import RegistrationSubmission
from app.registration.manage_forms import InvitationForm, QuestionForm
from app.speakers.forms import SpeakerForm
from app.speakers.links import PortalLinks, send_portal_link, speaker_for_portal_token
from app.web.forms import bind_form
from tests.conftest import BrowserLikeClient, SmtpServer
from tests.events.test_routes import VALID_EVENT
from tests.factories import add_role, make_event, make_room, make_session, make_speaker, make_track
from tests.registration.manage_factories import make_registration_form
from tests.registration.public_factories import SECRET_KEY, post_registration, subjects
from tests.site import site_urls

SINGLE_LINE_MESSAGE = "Write this on a single line, without line breaks or tabs."


def test_event_form_with_a_line_break_in_the_title_is_refused_with_a_message(
    organiser_client: BrowserLikeClient, db: DbSession
) -> None:
    response = organiser_client.post("/manage/events/new", {**VALID_EVENT, "title": "Vision\r\nBcc: x@evil"})

    assert response.status_code == 422
    assert SINGLE_LINE_MESSAGE in response.text
    db.rollback()
    assert db.exec(select(Event)).all() == []


@pytest.mark.parametrize(
    ("form", "data", "field"),
    [
        (EventForm, {**VALID_EVENT, "venue": "Paris\nLyon"}, "venue"),
        (RoomForm, {"name": "Room\rA"}, "name"),
        (TrackForm, {"name": "Track\x00"}, "name"),
        (
            SessionForm,
            {"title": "Keynote\nX", "day": "2022-10-05", "start": "09:00", "end": "10:00"},
            "title",
        ),
        (TalkForm, {"title": "Talk\u2028two"}, "title"),
        (SpeakerForm, {"name": "Ada\nLovelace"}, "name"),
        (SpeakerForm, {"name": "Ada", "affiliation": "ETH\tZürich"}, "affiliation"),
        (QuestionForm, {"label": "Diet\nBcc: x"}, "label"),
        (
            InvitationForm,
            {"email": "a@example.org", "name": "Bob\r\nSmith", "valid_until": "2031-01-01"},
            "name",
        ),
        (
            RegistrationSubmission,
            {"name": "Hélène\nDupré", "email": "h@example.org", "consent": True},
            "name",
        ),
    ],
    ids=[
        "venue",
        "room",
        "track",
        "session",
        "talk",
        "speaker",
        "affiliation",
        "question",
        "invitee",
        "attendee",
    ],
)
def test_single_line_fields_refuse_control_characters(
    form: type[BaseModel], data: dict[str, str], field: str
) -> None:
    bound = bind_form(form, data, context={"timezone": "Europe/Paris"})

    assert bound.errors.get(field) == SINGLE_LINE_MESSAGE


def test_registration_post_with_a_line_break_in_the_name_is_refused(
    client: TestClient, db: DbSession, smtp: SmtpServer
) -> None:
    event = make_event(db)
    make_registration_form(db, event)

    response = post_registration(client, event, name="Hélène\r\nBcc: all@example.org")

    assert response.status_code == 422
    assert SINGLE_LINE_MESSAGE in response.text
    assert smtp.messages == []


def test_event_with_a_line_break_in_its_stored_title_still_registers_and_mails(
    client: TestClient, db: DbSession, smtp: SmtpServer
) -> None:
    event = make_event(db, title="Prelude\r\nto the Future")
    make_registration_form(db, event)

    response = post_registration(client, event)

    assert response.status_code == 303
    assert client.get(response.headers["location"]).status_code == 200
    assert [message["To"] for message in smtp.messages] == ["helene.dupre@example.org"]
    [subject] = [str(message["Subject"]) for message in smtp.messages]
    assert "\n" not in subject and "\r" not in subject
    assert subjects(smtp) == ["You are registered for Prelude to the Future"]


def test_mail_headers_are_one_line_whatever_the_text() -> None:
    mail = OutgoingMail(
        to="a@example.org\r\nBcc: b@example.org", subject="One\ntwo\rthree\x00", text="Body\n"
    )

    message = build_message(mail, "Plenary\n <noreply@plenary.invalid>")

    assert (message["Subject"], message["Bcc"]) == ("One two three", None)
    assert b"\nBcc:" not in bytes(message)


def test_feeds_of_an_event_with_line_breaks_in_stored_text_parse(client: TestClient, db: DbSession) -> None:
    event = make_event(db, title="Prelude\r\nto\rthe Future\x07", venue="Paris\nCentre")
    room = make_room(db, event, name="Room\r\nA", stream_url="https://stream.example.org/a\n")
    track = make_track(db, event, name="Genomics\rand more")
    session = make_session(db, event, room_id=room.id, track_id=track.id, title="Keynote\r\nBEGIN:VEVENT")
    session.abstract = "First line\r\nsecond\x01 line"
    db.add(session)
    db.commit()
    add_role(db, session, make_speaker(db, event, name="Ada\nLovelace"))

    ics = client.get(f"/events/{event.slug}/programme.ics")
    xml = client.get(f"/events/{event.slug}/schedule.xml")

    assert (ics.status_code, xml.status_code) == (200, 200)
    calendar = Calendar.from_ical(ics.content)
    [entry] = calendar.walk("VEVENT")
    assert (str(calendar["X-WR-CALNAME"]), str(entry["SUMMARY"]), str(entry["LOCATION"])) == (
        "Prelude to the Future",
        "Keynote BEGIN:VEVENT",
        "Room A, Paris Centre",
    )
    schedule = ET.fromstring(xml.content)  # noqa: S314 - our own output
    assert schedule.findtext("conference/title") == "Prelude to the Future"
    assert schedule.findtext(".//event/title") == "Keynote BEGIN:VEVENT"


def test_portal_link_for_an_event_with_a_line_break_in_its_title_is_delivered(
    db: DbSession, smtp: SmtpServer
) -> None:
    event = make_event(db, title="Prelude\r\nSummit")
    speaker = make_speaker(db, event, email="ada@example.org")
    links = PortalLinks(site_urls(), SECRET_KEY)

    url = send_portal_link(db, event, speaker, links=links)

    assert subjects(smtp) == ["Your speaker page for Prelude Summit"]
    assert speaker_for_portal_token(db, SECRET_KEY, url.rsplit("/", 1)[1]).id == speaker.id
