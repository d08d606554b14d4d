"""Outgoing email: through SMTP when SMTP_URL is set, else written as .eml files under var/outbox/.

With no mail server configured, `make run` still works and every message can be read on disk.
The subject and text of each message come from a plain-text template under templates/emails/
(`render_mail`), translated like the pages.
"""

import logging
import smtplib
import ssl
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from functools import cache
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from app.db import utcnow
from app.i18n import current_locale, ngettext, translations_for
from app.settings import PROJECT_DIR, Settings
from app.text import one_line

logger = logging.getLogger("plenary.mail")


Attachment = tuple[str, str, bytes]  # (file name, MIME type, content)


@dataclass(frozen=True)
class OutgoingMail:
    to: str
    subject: str
    text: str
    html: str | None = None
    attachments: tuple[Attachment, ...] = ()
    # For the mail log: the template it came from ("registration/confirmed"), and the event it is about.
    kind: str = ""
    event_id: int | None = None
    # One recipient's copy of an organiser's message to a group (app.messaging).
    group_message_id: int | None = None


EMAIL_TEMPLATES_DIR = PROJECT_DIR / "templates" / "emails"


@cache
def email_environment() -> Environment:
    # Plain text: nothing is escaped (select_autoescape leaves .txt alone), so "R&D <Lyon>" stays as typed.
    # StrictUndefined: a misspelt value must fail in the tests, not send "Hello ," to an attendee.
    environment = Environment(
        loader=FileSystemLoader(EMAIL_TEMPLATES_DIR),
        autoescape=select_autoescape(),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda message: translations_for(current_locale.get()).gettext(message),
        ngettext=ngettext,
        newstyle=True,
    )
    return environment


def render_mail(
    template_name: str,
    context: Mapping[str, Any],
    *,
    to: str,
    event_id: int | None,
    attachments: tuple[Attachment, ...] = (),
) -> OutgoingMail:
    """A message from templates/emails/<template_name>: its `subject` block, and the rest as the text.

    Templates extend `_mail.txt`, which prints the `body` block only; the text ends with one line break.
    """
    template = email_environment().get_template(template_name)
    subject = "".join(template.blocks["subject"](template.new_context(dict(context)))).strip()
    text = template.render(context).strip("\n") + "\n"
    kind = template_name.removesuffix(".txt")
    return OutgoingMail(
        to=to, subject=subject, text=text, attachments=attachments, kind=kind, event_id=event_id
    )


class Mailer(Protocol):
    def send(self, mail: OutgoingMail) -> None: ...


def build_message(mail: OutgoingMail, sender: str) -> EmailMessage:
    """The MIME message; headers come out on one line whatever text they were built from.

    Subjects carry event and session titles, which data stored before titles were checked, or imported,
    may break over lines: a header with a line break would refuse the whole message.
    """
    message = EmailMessage()
    message["From"] = one_line(sender)
    message["To"] = one_line(mail.to)
    message["Subject"] = one_line(mail.subject)
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(domain="plenary.invalid")
    message.set_content(mail.text)
    if mail.html:
        message.add_alternative(mail.html, subtype="html")
    for filename, mime_type, content in mail.attachments:
        maintype, _sep, subtype = mime_type.partition("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=one_line(filename))
    return message


class OutboxMailer:
    """Writes each message as an .eml file, for development and demos without a mail server."""

    def __init__(self, directory: Path, sender: str) -> None:
        self.directory = directory
        self.sender = sender

    def send(self, mail: OutgoingMail) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{utcnow():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
        path = self.directory / name
        # Written aside, then renamed: whoever watches the outbox never reads half a message.
        partial = path.with_name(f".{name}.partial")
        partial.write_bytes(bytes(build_message(mail, self.sender)))
        partial.replace(path)
        logger.info("mail to %s written to %s: %s", one_line(mail.to), path, one_line(mail.subject))


class SmtpMailer:
    def __init__(self, url: str, sender: str, timeout: float = 15.0) -> None:
        parts = urlsplit(url)
        self.scheme = parts.scheme
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (465 if parts.scheme == "smtps" else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.sender = sender
        self.timeout = timeout

    def send(self, mail: OutgoingMail) -> None:
        message = build_message(mail, self.sender)
        if self.scheme == "smtps":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with client:
            if self.scheme == "smtp+starttls":
                client.starttls(context=ssl.create_default_context())
            if self.username:
                client.login(self.username, self.password or "")
            client.send_message(message)


def mailer_from_settings(settings: Settings) -> Mailer:
    if settings.smtp_url:
        return SmtpMailer(settings.smtp_url, settings.mail_from)
    return OutboxMailer(settings.outbox_dir, settings.mail_from)
