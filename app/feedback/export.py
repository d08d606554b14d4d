"""The feedback of an event as a CSV file: one row per rating, without who gave it.

UTF-8 with a byte order mark (for Excel), and every cell a spreadsheet would take for a formula starts
with an apostrophe: comments are typed by anyone (CSV injection), as in app/registration/export.py.
"""

import csv
import io

from app.db import DbSession
from app.events.models import Event
from app.feedback.queries import event_feedback
from app.i18n import _
from app.text import spreadsheet_cell
from app.timezones import in_zone

MEDIA_TYPE = "text/csv; charset=utf-8"


def csv_filename(event: Event) -> str:
    return f"{event.slug}-feedback.csv"


def feedback_csv(db: DbSession, event: Event) -> bytes:
    """Session (with its start), speakers, rating, comment, when it was given, and whether a registered
    attendee gave it; in programme order, the newest feedback of a session first."""
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow(
        spreadsheet_cell(value)
        for value in [
            _("Session"),
            _("Start ({zone})").format(zone=event.timezone),
            _("Speakers"),
            _("Rating"),
            _("Comment"),
            _("Given at ({zone})").format(zone=event.timezone),
            _("Registered"),
        ]
    )
    for summary in event_feedback(db, event).sessions:
        start = in_zone(summary.session.start_at, event.timezone).strftime("%Y-%m-%d %H:%M")
        for entry in summary.entries:
            values: list[str | int] = [
                summary.session.title,
                start,
                ", ".join(summary.speakers),
                entry.rating,
                entry.comment,
                in_zone(entry.given_at, event.timezone).strftime("%Y-%m-%d %H:%M"),
                _("Yes") if entry.registered else _("No"),
            ]
            writer.writerow([spreadsheet_cell(value) for value in values])
    return ("\ufeff" + output.getvalue()).encode("utf-8")
