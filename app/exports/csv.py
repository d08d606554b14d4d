"""The programme as a spreadsheet (programme.csv): one row per session, for organisers' own planning.

A pure function of a `ProgrammeSnapshot`, so it costs no query of its own. The file is UTF-8 with a byte
order mark because Excel reads a CSV without one in the machine's legacy code page and garbles accents.
Start and end are ISO 8601 wall-clock times in the event's zone with their UTC offset
("2022-10-30T14:00+01:00"), so a time in the hour that happens twice when clocks go back is still one
moment, and a spreadsheet in another zone reads them right. Cancelled sessions stay in, flagged, since
organisers plan around them. A cell that a spreadsheet would take for a formula is prefixed with an
apostrophe: titles and names come from speakers and the public, and must never run in an organiser's
spreadsheet.
"""

import csv
import io
from zoneinfo import ZoneInfo

from app.exports.snapshot import ExportedSession, ProgrammeSnapshot
from app.i18n import N_, _
from app.programme.models import RoleKind
from app.programme.views import RoleView

MEDIA_TYPE = "text/csv; charset=utf-8"
BYTE_ORDER_MARK = "\ufeff"
# What Excel, LibreOffice and Google Sheets read as the start of a formula (OWASP "CSV injection"); tab and
# carriage return too, because some of them drop them and read on.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
COLUMNS = (
    N_("Date"),
    N_("Start"),
    N_("End"),
    N_("Room"),
    N_("Track"),
    N_("Kind"),
    N_("Title"),
    N_("Speakers"),
    N_("Talks"),
    N_("Cancelled"),
    N_("Session page"),
)
PEOPLE_SEPARATOR = "; "
TALK_SEPARATOR = " | "


def programme_csv(snapshot: ProgrammeSnapshot) -> bytes:
    zone = ZoneInfo(snapshot.timezone)
    buffer = io.StringIO()
    # CRLF, as RFC 4180 and Excel expect.
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_(column) for column in COLUMNS])
    for exported in snapshot.sessions:
        writer.writerow([neutralise_formula(cell) for cell in _row(exported, zone)])
    return (BYTE_ORDER_MARK + buffer.getvalue()).encode("utf-8")


def csv_filename(event_slug: str) -> str:
    return f"{event_slug}-programme.csv"


def neutralise_formula(cell: str) -> str:
    """The cell as text a spreadsheet shows as typed and never evaluates."""
    return f"'{cell}" if cell.startswith(FORMULA_PREFIXES) else cell


def _row(exported: ExportedSession, zone: ZoneInfo) -> list[str]:
    session = exported.view
    start = session.start_at.astimezone(zone)
    end = session.end_at.astimezone(zone)
    return [
        start.date().isoformat(),
        start.isoformat(timespec="minutes"),
        end.isoformat(timespec="minutes"),
        session.room_name,
        session.track_name,
        session.kind_label,
        session.title,
        PEOPLE_SEPARATOR.join(_people(session.all_roles)),
        TALK_SEPARATOR.join(talk.title for talk in session.talks),
        _("yes") if session.is_cancelled else _("no"),
        exported.page_url,
    ]


def _people(roles: tuple[RoleView, ...]) -> list[str]:
    """Everyone with a role, once per role (a speaker of two talks is listed once), session roles first."""
    seen: set[tuple[int, RoleKind]] = set()
    people: list[str] = []
    for role in roles:
        if (role.speaker_id, role.role) in seen:
            continue
        seen.add((role.speaker_id, role.role))
        person = f"{role.speaker_name} ({role.affiliation})" if role.affiliation else role.speaker_name
        if role.role != RoleKind.speaker:
            person = _("{person}, {role}").format(person=person, role=role.role_label)
        people.append(person)
    return people
