"""Emails in each person's language: the site remembers the language an attendee registered in (and the
time zone their browser gave) and the language a speaker reads their portal in, and writes to them in
it, whoever's action sends the message."""

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import select

from app.db import DbSession
from app.i18n import speaking
from app.registration.models import AttendanceChoice, Registration, RegistrationStatus
from app.registration.service import cancel_registration
from app.settings import Settings
from app.speakers.links import PortalLinks, send_portal_link
from app.speakers.models import Speaker
from tests.conftest import SmtpServer
from tests.factories import make_event, make_speaker
from tests.portal.test_portal import portal_path_for
from tests.registration.manage_factories import make_registration_form
from tests.registration.public_factories import links, post_registration, register
from tests.site import site_urls


def _registration(db: DbSession, email: str) -> Registration:
    db.rollback()
    return db.exec(select(Registration).where(Registration.email == email)).one()


def test_the_language_and_zone_of_the_registration_page_are_remembered(
    db: DbSession, client: TestClient, smtp: SmtpServer
) -> None:
    event = make_event(db)
    make_registration_form(db, event)
    client.headers["Accept-Language"] = "fr-FR,fr;q=0.9,en;q=0.5"

    answer = post_registration(client, event, email="ana@example.org", time_zone="America/Sao_Paulo")

    assert answer.status_code == 303
    registration = _registration(db, "ana@example.org")
    assert (registration.language, registration.time_zone) == ("fr", "America/Sao_Paulo")
    assert str(smtp.messages[-1]["Subject"]).startswith("Vous êtes inscrit")


def test_a_zone_the_server_does_not_know_is_dropped_not_refused(
    db: DbSession, client: TestClient, smtp: SmtpServer
) -> None:
    event = make_event(db)
    make_registration_form(db, event)

    answer = post_registration(client, event, email="ben@example.org", time_zone="Mars/Olympus_Mons")

    assert answer.status_code == 303
    registration = _registration(db, "ben@example.org")
    assert (registration.language, registration.time_zone) == ("en", "")


def test_a_promotion_caused_by_someone_else_is_in_the_promoted_persons_language(
    db: DbSession, smtp: SmtpServer
) -> None:
    event = make_event(db)
    make_registration_form(db, event, in_person_seats=1)
    anna = register(db, event, smtp, 1, name="Anna", email="anna@example.org").registration
    with speaking("de"):
        jonas = register(db, event, smtp, 2, name="Jonas", email="jonas@example.org").registration
    assert (jonas.status, jonas.language) == (RegistrationStatus.waiting, "de")

    cancel_registration(db, event, anna, links=links())  # Anna writes in English

    promoted = [m for m in smtp.messages if m["To"] == "jonas@example.org"][-1]
    assert str(promoted["Subject"]).startswith("Ein Platz")
    cancelled = [m for m in smtp.messages if m["To"] == "anna@example.org"][-1]
    assert not str(cancelled["Subject"]).startswith("Ein")


def test_a_speaker_gets_emails_in_the_language_they_read_their_portal_in(
    db: DbSession, app: FastAPI, settings: Settings, smtp: SmtpServer
) -> None:
    event = make_event(db)
    speaker = make_speaker(db, event, name="Lena Vogel", email="lena@example.org")
    path = portal_path_for(db, settings, speaker)
    stamp = speaker.updated_at
    with TestClient(app, headers={"Accept-Language": "de"}) as browser:
        assert browser.get(path).status_code == 200

    db.rollback()
    db.expire_all()
    stored = db.get(Speaker, speaker.id)
    assert stored is not None
    assert stored.language == "de"
    assert stored.updated_at == stamp  # the public profile did not change: the programme's caches stay

    send_portal_link(db, event, stored, links=PortalLinks(site_urls(), settings.resolved_secret_key()))
    message = [m for m in smtp.messages if m["To"] == "lena@example.org"][-1]
    assert str(message["Subject"]) == "Ihre Seite für Vortragende bei Prelude to the Future of Medicine"


def test_an_online_attendee_who_changes_details_keeps_their_zone_when_the_form_sends_none(
    db: DbSession, smtp: SmtpServer
) -> None:
    from app.registration.service import AttendeeChanges, update_registration

    event = make_event(db)
    make_registration_form(db, event)
    chen = register(
        db, event, smtp, 3, email="chen@example.org", mode=AttendanceChoice.online, time_zone="Asia/Singapore"
    ).registration
    changes = AttendeeChanges(name="Chen Wei", affiliation="NUS", country="SG", answers={}, session_ids=[])
    update_registration(db, event, chen, changes, links=links())
    assert _registration(db, "chen@example.org").time_zone == "Asia/Singapore"
