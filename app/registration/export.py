"""The registrations of an event as a CSV file for spreadsheets.

UTF-8 with a byte order mark, because Excel otherwise reads the file as Windows-1252 and mangles accents.
Cells that a spreadsheet would take for a formula get a leading apostrophe (CSV injection).
"""

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

from app.db import DbSession
from app.events.models import Event
from app.i18n import _
from app.registration.models import (
    ACTIVE_STATUSES,
    ATTENDANCE_CHOICE_LABELS,
    STATUS_LABELS,
    AttendanceChoice,
    ChoiceStatus,
    Registration,
)
from app.registration.queries import (
    RegistrationFilters,
    answers_by_registration,
    questions_of,
    registration_list,
    session_counts,
)
from app.text import spreadsheet_cell

MEDIA_TYPE = "text/csv; charset=utf-8"


def csv_filename(event: Event) -> str:
    return f"{event.slug}-registrations.csv"


def _local(moment: datetime | None, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M") if moment else ""


def _choice_cell(registration: Registration, status: ChoiceStatus | None) -> str:
    """A cancelled or rejected registration holds nothing; an online attendee follows without a seat."""
    if status is None or registration.status not in ACTIVE_STATUSES:
        return ""
    if status == ChoiceStatus.waiting:
        return _("Waiting")
    return _("Online") if registration.mode == AttendanceChoice.online else _("Seat")


def registrations_csv(db: DbSession, event: Event) -> bytes:
    """Every registration, one row each: standard fields, one column per question and per session."""
    tz = ZoneInfo(event.timezone)
    questions = questions_of(db, event)
    sessions = [line.session for line in session_counts(db, event)]
    listing = registration_list(db, event, RegistrationFilters())
    answers = answers_by_registration(db, event)

    output = io.StringIO()
    writer = csv.writer(output)
    # The header too: question labels and session titles are typed by people, and imported.
    writer.writerow(
        spreadsheet_cell(value)
        for value in [
            _("Name"),
            _("Email"),
            _("Affiliation"),
            _("Country"),
            _("Attendance"),
            _("Status"),
            _("Registered at ({zone})").format(zone=event.timezone),
            _("Checked in at"),
            *[question.label for question in questions],
            *[session.title for session in sessions],
        ]
    )
    for row in listing.rows:
        registration = row.registration
        given = answers.get(registration.id or 0, {})
        chosen = {choice.session_id: choice.status for choice in row.sessions}
        writer.writerow(
            [
                spreadsheet_cell(value)
                for value in [
                    registration.name,
                    registration.email,
                    registration.affiliation,
                    registration.country,
                    _(ATTENDANCE_CHOICE_LABELS[registration.mode]),
                    _(STATUS_LABELS[registration.status]),
                    _local(registration.created_at, tz),
                    _local(registration.checked_in_at, tz),
                    *[given.get(question.id or 0, "").replace("\n", "; ") for question in questions],
                    *[_choice_cell(registration, chosen.get(session.id or 0)) for session in sessions],
                ]
            ]
        )
    return ("\ufeff" + output.getvalue()).encode("utf-8")
