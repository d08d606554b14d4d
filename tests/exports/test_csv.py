"""The programme spreadsheet as an organiser opens it: one row per session, safe to open in Excel."""

import csv
import io
from datetime import date

from fastapi.testclient import TestClient

from app.db import DbSession
from app.events.models import Visibility
from app.programme.models import RoleKind
from tests.factories import (
    add_role,
    at,
    make_event,
    make_room,
    make_session,
    make_speaker,
    make_talk,
    make_track,
)

HEADER = [
    "Date",
    "Start",
    "End",
    "Room",
    "Track",
    "Kind",
    "Title",
    "Speakers",
    "Talks",
    "Cancelled",
    "Session page",
]


def read_rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def test_programme_csv_has_one_row_per_session_in_the_events_time(
    feeds_client: TestClient, db: DbSession
) -> None:
    # 30 October 2022: Paris leaves summer time at 03:00, so 14:00 local is 13:00 UTC, not 12:00.
    event = make_event(db, slug="prelude-2022", start_date=date(2022, 10, 30), end_date=date(2022, 10, 30))
    room = make_room(db, event, name="Amphithéâtre Gaston Berger")
    track = make_track(db, event, name="Données de santé")
    session = make_session(
        db,
        event,
        title="Médecine personnalisée : où en est-on ?",
        start_at=at(event, 0, 14),
        end_at=at(event, 0, 15, 30),
        room_id=room.id,
        track_id=track.id,
    )
    lee = make_speaker(db, event)
    moderator = make_speaker(
        db, event, name="Éloïse Müller", affiliation="Hôpital Necker", email="eloise@example.org"
    )
    first_talk = make_talk(db, session, title="A cloud-based hospital information system", position=1)
    second_talk = make_talk(db, session, title="Consent at scale", position=2)
    add_role(db, session, moderator, role=RoleKind.moderator)
    add_role(db, session, lee, talk_id=first_talk.id)
    add_role(db, session, lee, talk_id=second_talk.id)

    response = feeds_client.get("/events/prelude-2022/programme.csv")

    assert response.content.startswith(b"\xef\xbb\xbf")
    assert (response.headers["content-type"], response.headers["content-disposition"]) == (
        "text/csv; charset=utf-8",
        'attachment; filename="prelude-2022-programme.csv"',
    )
    assert read_rows(response.content) == [
        HEADER,
        [
            "2022-10-30",
            "2022-10-30T14:00+01:00",
            "2022-10-30T15:30+01:00",
            "Amphithéâtre Gaston Berger",
            "Données de santé",
            "Themed session",
            "Médecine personnalisée : où en est-on ?",
            "Éloïse Müller (Hôpital Necker), Moderator; Sang-Heon Lee (Korea University Medicine)",
            "A cloud-based hospital information system | Consent at scale",
            "no",
            f"http://127.0.0.1:8000/events/prelude-2022/sessions/{session.id}",
        ],
    ]
    assert b"@example.org" not in response.content


def test_programme_csv_flags_cancelled_sessions_and_neutralises_formulas(
    feeds_client: TestClient, db: DbSession
) -> None:
    event = make_event(db, slug="prelude-2022")
    make_session(
        db,
        event,
        title='=HYPERLINK("http://evil.example","Click")',
        start_at=at(event, 0, 9),
        end_at=at(event, 0, 10),
    )
    make_session(
        db,
        event,
        title="Closing remarks",
        start_at=at(event, 0, 17),
        end_at=at(event, 0, 18),
        is_cancelled=True,
    )
    speaker = make_speaker(db, event, name="@admin", affiliation="-2+3")
    questions_session = make_session(
        db, event, title="Q&A", start_at=at(event, 0, 12), end_at=at(event, 0, 13)
    )
    add_role(db, questions_session, speaker)

    rows = read_rows(feeds_client.get("/events/prelude-2022/programme.csv").content)

    title, speakers, cancelled = HEADER.index("Title"), HEADER.index("Speakers"), HEADER.index("Cancelled")
    assert [(row[title], row[speakers], row[cancelled]) for row in rows[1:]] == [
        ('\'=HYPERLINK("http://evil.example","Click")', "", "no"),
        ("Q&A", "'@admin (-2+3)", "no"),
        ("Closing remarks", "", "yes"),
    ]


def test_programme_csv_answers_304_to_its_etag(feeds_client: TestClient, db: DbSession) -> None:
    event = make_event(db, slug="prelude-2022")
    make_session(db, event)
    first = feeds_client.get("/events/prelude-2022/programme.csv")

    again = feeds_client.get(
        "/events/prelude-2022/programme.csv", headers={"If-None-Match": first.headers["etag"]}
    )

    assert (again.status_code, again.content) == (304, b"")


def test_programme_csv_of_an_invitation_only_event_is_not_public(
    feeds_client: TestClient, db: DbSession
) -> None:
    make_event(db, slug="exec-committee", visibility=Visibility.invitation_only)

    response = feeds_client.get("/events/exec-committee/programme.csv")

    assert response.status_code == 404
    assert "There is no public event at this address." in response.text


def test_programme_page_links_the_spreadsheet(feeds_client: TestClient, db: DbSession) -> None:
    make_event(db, slug="prelude-2022")

    page = feeds_client.get("/events/prelude-2022/programme").text

    assert 'href="http://testserver/events/prelude-2022/programme.csv" download>Spreadsheet (CSV)</a>' in page
