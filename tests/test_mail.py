from pathlib import Path

from app.mail import OutboxMailer, OutgoingMail, SmtpMailer
from tests.conftest import SmtpServer

MAIL = OutgoingMail(
    to="attendee@example.org",
    subject="Your registration for Prelude to the Future of Medicine",
    text="You are registered. Manage your registration: https://plenary.example/registrations/abc",
    attachments=(("ticket.svg", "image/svg+xml", b"<svg/>"),),
)


def test_smtp_mailer_delivers_to_the_server(smtp: SmtpServer) -> None:
    SmtpMailer(smtp.url, "Plenary <noreply@example.org>").send(MAIL)

    [message] = smtp.messages
    assert (message["To"], message["Subject"]) == ("attendee@example.org", MAIL.subject)
    assert message.get_body(("plain",)).get_content().strip() == MAIL.text
    assert [part.get_filename() for part in message.iter_attachments()] == ["ticket.svg"]


def test_without_smtp_messages_are_written_to_the_outbox(tmp_path: Path) -> None:
    OutboxMailer(tmp_path / "outbox", "Plenary <noreply@example.org>").send(MAIL)

    [written] = list((tmp_path / "outbox").glob("*.eml"))
    content = written.read_text()
    assert "Subject: Your registration for Prelude to the Future of Medicine" in content
    assert "To: attendee@example.org" in content
