"""The CSV export of registrations."""

import csv
import io
from datetime import UTC, datetime

from app.programme.models import SessionKind
from app.registration.export import registrations_csv
from app.registration.models import AttendanceChoice, ChoiceStatus, QuestionKind, RegistrationStatus
from tests.factories import make_event, make_session
from tests.registration.manage_factories import (
    answer,
    choose,
    make_organiser_of,
    make_question,
    make_registration,
)


def _rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_registrations_csv_has_bom_header_and_accented_row(db):
    event = make_event(db, timezone="Europe/Paris")
    diet = make_question(db, event, label="Régime alimentaire", position=0)
    panels = make_question(
        db, event, label="Sujets", kind=QuestionKind.multiple_choice, options="Données\nÉthique", position=1
    )
    panel_a = make_session(db, event, title="Panel A: données de santé", seat_limit=20)
    person = make_registration(
        db,
        event,
        name="Hélène Dupré",
        email="helene@example.org",
        affiliation="Université Paris Cité",
        country="FR",
        created_at=datetime(2022, 9, 1, 8, 30, tzinfo=UTC),
    )
    answer(db, person, diet, "Végétarienne")
    answer(db, person, panels, "Données\nÉthique")
    choose(db, person, panel_a, ChoiceStatus.waiting)

    content = registrations_csv(db, event)

    assert content.startswith("\ufeff".encode())
    assert _rows(content) == [
        [
            "Name",
            "Email",
            "Affiliation",
            "Country",
            "Attendance",
            "Status",
            "Registered at (Europe/Paris)",
            "Checked in at",
            "Régime alimentaire",
            "Sujets",
            "Panel A: données de santé",
        ],
        [
            "Hélène Dupré",
            "helene@example.org",
            "Université Paris Cité",
            "FR",
            "In person",
            "Confirmed",
            "2022-09-01 10:30",
            "",
            "Végétarienne",
            "Données; Éthique",
            "Waiting",
        ],
    ]


def test_registrations_csv_neutralises_formulas(db):
    event = make_event(db)
    make_registration(
        db,
        event,
        name='=HYPERLINK("http://evil")',
        mode=AttendanceChoice.online,
        status=RegistrationStatus.waiting,
    )

    rows = _rows(registrations_csv(db, event))

    assert rows[1][:6] == [
        '\'=HYPERLINK("http://evil")',
        "helene.dupre@example.org",
        "Université Paris Cité",
        "FR",
        "Online",
        "On the waiting list",
    ]


def test_registrations_csv_download_for_the_organiser_only(db, organiser, organiser_client):
    mine = make_event(db, slug="mine")
    theirs = make_event(db, slug="theirs")
    make_organiser_of(db, mine, organiser)
    make_registration(db, mine, name="My Attendee", email="mine@example.org")
    make_registration(db, theirs, name="Their Attendee", email="theirs@example.org")

    download = organiser_client.get("/manage/events/mine/registrations.csv")
    forbidden = organiser_client.get("/manage/events/theirs/registrations.csv")

    assert (
        download.status_code,
        download.headers["content-type"],
        download.headers["content-disposition"],
    ) == (
        200,
        "text/csv; charset=utf-8",
        'attachment; filename="mine-registrations.csv"',
    )
    assert [row[0] for row in _rows(download.content)] == ["Name", "My Attendee"]
    assert forbidden.status_code == 403
    assert "Their Attendee" not in forbidden.text


def test_registrations_csv_shows_no_seat_for_a_cancelled_registration(db):
    event = make_event(db)
    workshop = make_session(db, event, title="Primary prevention", kind=SessionKind.workshop, seat_limit=20)
    rows = {}
    for name, status, mode in [
        ("Seated", RegistrationStatus.confirmed, AttendanceChoice.in_person),
        ("Gone", RegistrationStatus.cancelled, AttendanceChoice.in_person),
        ("Remote", RegistrationStatus.confirmed, AttendanceChoice.online),
    ]:
        person = make_registration(
            db, event, name=name, email=f"{name.lower()}@example.org", status=status, mode=mode
        )
        choose(db, person, workshop, ChoiceStatus.confirmed)

    for row in _rows(registrations_csv(db, event))[1:]:
        rows[row[0]] = row[-1]

    assert rows == {"Seated": "Seat", "Gone": "", "Remote": "Online"}
