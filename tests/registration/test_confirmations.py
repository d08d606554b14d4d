"""A registration saves its confirmation as a spec; the worker that delivers it writes it once, as the request
would have, and sends what it wrote however often it is tried."""

import re
from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import col, select

from app.db import DbSession
from app.mail import Mailer, OutgoingMail
from app.outbox.models import MailStatus, OutgoingAttachment, OutgoingMessage
from app.outbox.service import deliver
from app.registration import confirmations, notifications
from app.registration.models import Registration, RegistrationStatus
from app.registration.service import cancel_registration, delete_personal_data
from app.tasks.registry import mail_writers
from tests.conftest import TEST_SECRET_KEY, SmtpServer
from tests.factories import make_event
from tests.registration.manage_factories import make_registration_form
from tests.registration.public_factories import links, mail_text, register, reload, subjects
from tests.site import site_urls


class Refusing:
    """A mail server that is not there (yet)."""

    def send(self, mail: OutgoingMail) -> None:
        raise ConnectionRefusedError("no mail server")


class Keeping:
    def __init__(self) -> None:
        self.sent: list[OutgoingMail] = []

    def send(self, mail: OutgoingMail) -> None:
        self.sent.append(mail)


def _unsigned(text: str) -> str:
    # The manage link's signature carries the second it was made.
    return re.sub(r"/registrations/\S+", "/registrations/(token)", text.replace("\r\n", "\n"))


def _confirmation(db: DbSession, registration: Registration) -> OutgoingMessage:
    db.rollback()
    return db.exec(
        select(OutgoingMessage)
        .where(OutgoingMessage.recipient == registration.email, OutgoingMessage.kind == confirmations.KIND)
        .execution_options(populate_existing=True)
    ).one()


def _deliver(engine: Engine, message: OutgoingMessage, mailer: Mailer, *, writers: bool = True) -> MailStatus:
    delivery = deliver(
        engine,
        message.id or 0,
        mailer,
        max_attempts=3,
        first_wait=timedelta(seconds=1),
        writers=mail_writers(site_urls().router, TEST_SECRET_KEY) if writers else {},
    )
    assert delivery.status is not None
    return delivery.status


def test_the_confirmation_is_saved_as_a_spec_and_written_by_the_worker_as_the_request_wrote_it(
    db: DbSession, smtp: SmtpServer
) -> None:
    event = make_event(db)
    make_registration_form(db, event, in_person_seats=10)
    registration = register(db, event, smtp).registration

    saved = _confirmation(db, registration)
    assert (saved.subject, saved.text, saved.status) == ("", "", MailStatus.queued)
    assert saved.spec is not None

    [message] = smtp.messages
    expected = notifications.registration_mail(event, reload(db, registration), links())
    assert (str(message["Subject"]), _unsigned(mail_text(message))) == (
        expected.subject,
        _unsigned(expected.text),
    )
    assert [part.get_filename() for part in message.iter_attachments()] == ["ticket.png"]
    written = _confirmation(db, registration)
    assert (written.subject, written.text, written.spec) == (expected.subject, expected.text, None)
    assert db.exec(
        select(OutgoingAttachment.filename).where(OutgoingAttachment.message_id == written.id)
    ).all() == ["ticket.png"]


def test_a_confirmation_written_after_a_promotion_says_what_the_person_got_when_registering(
    db: DbSession, smtp: SmtpServer
) -> None:
    event = make_event(db)
    make_registration_form(db, event, in_person_seats=1)
    seated = register(db, event, smtp, 1).registration
    waiting = register(db, event, smtp, 2).registration

    cancel_registration(db, event, seated, links=links())  # before any worker wrote the confirmations

    assert reload(db, waiting).status == RegistrationStatus.confirmed
    to_waiting = [s for m, s in zip(smtp.messages, subjects(smtp), strict=True) if m["To"] == waiting.email]
    assert to_waiting == [
        f"You are on the waiting list for {event.title}",
        f"A place is yours: {event.title}",
    ]


def test_no_confirmation_is_written_for_someone_who_deleted_their_data_meanwhile(
    db: DbSession, engine: Engine, smtp: SmtpServer
) -> None:
    event = make_event(db)
    make_registration_form(db, event, in_person_seats=10)
    registration = register(db, event, smtp).registration
    message = _confirmation(db, registration)

    delete_personal_data(db, event, reload(db, registration), links=links())
    mailer = Keeping()

    assert _deliver(engine, message, mailer) == MailStatus.failed
    assert mailer.sent == []
    assert "deleted" in _confirmation_by_id(db, message.id).last_error


def _confirmation_by_id(db: DbSession, message_id: int | None) -> OutgoingMessage:
    db.rollback()
    found = db.exec(
        select(OutgoingMessage)
        .where(col(OutgoingMessage.id) == message_id)
        .execution_options(populate_existing=True)
    ).one()
    return found


def test_a_confirmation_is_written_once_and_sent_as_written_when_tried_again(
    db: DbSession, engine: Engine, smtp: SmtpServer
) -> None:
    event = make_event(db)
    make_registration_form(db, event, in_person_seats=10)
    registration = register(db, event, smtp).registration
    message = _confirmation(db, registration)

    assert _deliver(engine, message, Refusing()) == MailStatus.retrying
    first = _confirmation_by_id(db, message.id)
    mailer = Keeping()
    # Without any writer: the second attempt must send what the first one wrote.
    assert _deliver(engine, message, mailer, writers=False) == MailStatus.sent

    assert first.spec is None and first.subject
    assert [(mail.to, mail.subject, mail.text) for mail in mailer.sent] == [
        (registration.email, first.subject, first.text)
    ]
    assert [name for name, _type, _content in mailer.sent[0].attachments] == ["ticket.png"]


def test_a_worker_without_the_writer_leaves_the_confirmation_for_one_that_has_it(
    db: DbSession, engine: Engine, smtp: SmtpServer
) -> None:
    event = make_event(db)
    make_registration_form(db, event, in_person_seats=10)
    registration = register(db, event, smtp).registration
    message = _confirmation(db, registration)
    mailer = Keeping()

    assert _deliver(engine, message, mailer, writers=False) == MailStatus.retrying
    assert _confirmation_by_id(db, message.id).spec is not None
    assert _deliver(engine, message, mailer) == MailStatus.sent

    assert [mail.to for mail in mailer.sent] == [registration.email]
