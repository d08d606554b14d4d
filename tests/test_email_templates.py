"""The email templates (templates/emails/): every one renders in every language, with nothing left
unfilled, as plain text."""

import re
from collections.abc import Iterator
from typing import Any

import pytest

from app.i18n import SUPPORTED_LOCALES, current_locale
from app.mail import EMAIL_TEMPLATES_DIR, render_mail

_ATTENDEE: dict[str, Any] = {
    "name": "Zoë O'Neil",
    "title": "R&D <Lyon> 2027",
    "when_where": "R&D <Lyon> 2027: Monday 3 May 2027, Lyon.",
    "seats": [
        {"title": "Keynote", "when": "Monday 3 May 2027, 09:00 CEST", "confirmed": True},
        {"title": "Panel", "when": "Monday 3 May 2027, 11:00 CEST", "confirmed": False},
    ],
    "join_links": [
        {"title": "Keynote", "when": "Monday 3 May 2027, 09:00 CEST", "url": "https://j.example/1"}
    ],
    "ticket_code": "7-75c83175b1",
    "calendar_file": "rd-lyon.ics",
    "manage_url": "https://plenary.example/registrations/token",
}

SAMPLES: dict[str, list[dict[str, Any]]] = {
    "registration/registered.txt": [
        {**_ATTENDEE, "status": status, "mode": "in person"} for status in ("pending", "waiting", "confirmed")
    ],
    "registration/already_registered.txt": [_ATTENDEE],
    "registration/promoted.txt": [
        {**_ATTENDEE, "status": status, "mode": "online"} for status in ("pending", "confirmed")
    ],
    "registration/session_promoted.txt": [
        {**_ATTENDEE, "session": "Panel", "when": "Monday 3 May 2027, 11:00 CEST"}
    ],
    "registration/cancelled.txt": [_ATTENDEE],
    "registration/reminder.txt": [
        {
            **_ATTENDEE,
            "starts": "Monday 3 May 2027, 09:00 CEST",
            "mode": "online",
            "sessions": [
                {"title": "Keynote", "when": "Monday 3 May 2027, 09:00 CEST", "own_when": "", "room": "A"},
                {
                    "title": "Panel",
                    "when": "Monday 3 May 2027, 11:00 CEST",
                    "own_when": "Mon 3 May 2027, 17:00 +08",
                    "room": "",
                },
            ],
            "more_sessions": more,
            "programme_url": "https://plenary.example/events/rd/programme",
        }
        for more in (0, 3)
    ],
    "registration/manage_link.txt": [{**_ATTENDEE, "renewed": renewed} for renewed in (True, False)],
    "registration/rejected.txt": [_ATTENDEE],
    "registration/cancelled_by_organisers.txt": [_ATTENDEE],
    "registration/updated.txt": [{**_ATTENDEE, "affiliation": "R&D", "country": "FR", "attending": "Online"}],
    "registration/invitation.txt": [
        {
            "name": name,
            "title": "R&D <Lyon> 2027",
            "url": "https://plenary.example/i",
            "valid_until": "30 April",
        }
        for name in ("Ana", "")
    ],
    "speakers/portal_link.txt": [
        {"name": "Ada", "event": "R&D <Lyon> 2027", "url": "https://plenary.example/p"}
    ],
    "materials/reminder.txt": [
        {
            "name": "Ada",
            "event": "R&D <Lyon> 2027",
            "sessions": [
                {"title": "Keynote", "needs": ["please confirm or decline", "please upload your slides"]}
            ],
            "url": "https://plenary.example/p",
        }
    ],
    "accounts/invitation.txt": [{"invited_by": "Boss", "url": "https://plenary.example/w", "days": 7}],
    "accounts/password_reset.txt": [{"url": "https://plenary.example/r", "hours": 2}],
    "programme/change_notice.txt": [
        {
            "name": "Zoë O'Neil",
            "title": "R&D <Lyon> 2027",
            "version": 3,
            "changes": [
                {
                    "title": "Keynote",
                    "cancelled": False,
                    "when": "Monday 3 May 2027, 10:00 CEST",
                    "old_when": "Monday 3 May 2027, 09:00 CEST",
                    "room": "Amphi B",
                    "old_room": "Amphi A",
                    "other": "title",
                    "url": "https://plenary.example/s/1",
                },
                {
                    "title": "Panel",
                    "cancelled": True,
                    "when": "Monday 3 May 2027, 11:00 CEST",
                    "old_when": "Monday 3 May 2027, 11:00 CEST",
                    "room": "",
                    "old_room": None,
                    "other": "",
                    "url": "https://plenary.example/s/2",
                },
            ],
            "programme_url": "https://plenary.example/events/rd/programme",
            "note": note,
        }
        for note in ("Keynote moved to 10:00", "")
    ],
    # A message to a group: the organiser's subject and text, already filled in for the recipient.
    "messaging/group.txt": [{"subject": "R&D <Lyon> 2027: rooms", "text": "Dear Zoë,\n\nsee you in Lyon."}],
    "messaging/test.txt": [
        {
            "subject": "R&D <Lyon> 2027: rooms",
            "text": "Dear Zoë,\n\nsee you in Lyon.",
            "name": "Zoë O'Neil",
            "email": "zoe@example.org",
        }
    ],
}

# What a template or a catalogue entry left unfilled would look like in the text.
LEFTOVERS = re.compile(r"\{\{|\}\}|\{%|%\}|%\(\w+\)|\{\w+\}")


def _rendered(locale: str, name: str, context: dict[str, Any]) -> tuple[str, str]:
    token = current_locale.set(locale)
    try:
        mail = render_mail(name, context, to="someone@example.org", event_id=None)
    finally:
        current_locale.reset(token)
    return mail.subject, mail.text


def _cases() -> Iterator[Any]:
    for name, contexts in SAMPLES.items():
        for index, context in enumerate(contexts):
            yield pytest.param(name, context, id=f"{name}-{index}")


def test_every_email_template_has_samples() -> None:
    on_disk = {
        path.relative_to(EMAIL_TEMPLATES_DIR).as_posix()
        for path in EMAIL_TEMPLATES_DIR.rglob("*.txt")
        if not path.name.startswith("_")
    }

    assert on_disk == set(SAMPLES)


@pytest.mark.parametrize(("name", "context"), list(_cases()))
@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_email_renders_whole_in_every_language(locale: str, name: str, context: dict[str, Any]) -> None:
    subject, text = _rendered(locale, name, context)

    assert subject and "\n" not in subject
    assert LEFTOVERS.findall(subject + text) == []
    assert text.endswith("\n") and not text.endswith("\n\n") and not text.startswith("\n")
    assert "\n\n\n" not in text


# The organiser's own words, sent as written: there is nothing of ours to translate.
WRITTEN_BY_ORGANISERS = {"messaging/group.txt"}


@pytest.mark.parametrize(
    ("name", "context"), [case for case in _cases() if case.values[0] not in WRITTEN_BY_ORGANISERS]
)
@pytest.mark.parametrize("locale", [locale for locale in SUPPORTED_LOCALES if locale != "en"])
def test_email_is_translated(locale: str, name: str, context: dict[str, Any]) -> None:
    english = _rendered("en", name, context)

    translated = _rendered(locale, name, context)

    assert translated[0] != english[0]
    assert translated[1] != english[1]


def test_email_text_is_not_html_escaped() -> None:
    subject, text = _rendered("en", "speakers/portal_link.txt", SAMPLES["speakers/portal_link.txt"][0])

    assert subject == "Your speaker page for R&D <Lyon> 2027"
    assert text == (
        "Hello Ada,\n\n"
        "You are on the programme of R&D <Lyon> 2027. With this personal link you can update your profile, "
        "confirm your sessions, tell us whether you speak on site or remotely, and upload your slides:\n\n"
        "https://plenary.example/p\n\n"
        "Keep this link to yourself: anyone who has it can edit your profile.\n"
    )


def test_attendee_email_lays_out_every_part() -> None:
    subject, text = _rendered("en", "registration/registered.txt", SAMPLES["registration/registered.txt"][2])

    assert subject == "You are registered for R&D <Lyon> 2027"
    assert text == (
        "Hello Zoë O'Neil,\n\n"
        "Your registration for R&D <Lyon> 2027 (in person) is confirmed. See you there!\n\n"
        "R&D <Lyon> 2027: Monday 3 May 2027, Lyon.\n\n"
        "Your sessions:\n"
        "- Keynote (Monday 3 May 2027, 09:00 CEST): seat confirmed\n"
        "- Panel (Monday 3 May 2027, 11:00 CEST): on the waiting list\n\n"
        "Join online with these links:\n"
        "- Keynote (Monday 3 May 2027, 09:00 CEST): https://j.example/1\n\n"
        "Your ticket is attached: show its QR code at the entrance. Ticket code: 7-75c83175b1\n\n"
        "Your sessions are in the attached calendar file (rd-lyon.ics).\n\n"
        "See or change your registration, or cancel it, with this personal link (keep it to yourself):\n"
        "https://plenary.example/registrations/token\n"
    )


def test_attendee_email_leaves_out_parts_it_has_not() -> None:
    context = {**_ATTENDEE, "seats": [], "join_links": [], "ticket_code": None, "calendar_file": None}

    _subject, text = _rendered("en", "registration/cancelled.txt", context)

    assert text == (
        "Hello Zoë O'Neil,\n\n"
        "You cancelled your registration for R&D <Lyon> 2027. Your place goes to the next person waiting.\n\n"
        "R&D <Lyon> 2027: Monday 3 May 2027, Lyon.\n\n"
        "See or change your registration, or cancel it, with this personal link (keep it to yourself):\n"
        "https://plenary.example/registrations/token\n"
    )
