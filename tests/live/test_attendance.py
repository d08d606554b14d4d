"""Attendance without HTTP: checking people in at a session's door, the counts per session that
organisers follow during the day, and their CSV file."""

import csv
import io
from datetime import date, timedelta

import pytest

from app.errors import NotFound
from app.live import attendance
from app.live.attendance import SessionCheckInRefused
from app.programme.models import SessionKind
from app.registration.checkin import checkin_code
from app.registration.models import AttendanceChoice, ChoiceStatus, RegistrationStatus, SessionChoice
from tests.factories import at, make_session
from tests.live.test_join_links import person, streamed_day


def _door(db, day, registration, session, now):
    return attendance.check_in_to_session(
        db, day.event, session, registration.id, checkin_code(registration), now
    )


def _crowd(db):
    """The streamed day with a seated workshop, and people of every kind around it."""
    day = streamed_day(db)
    workshop = make_session(
        db,
        day.event,
        title="Hands-on workshop",
        kind=SessionKind.workshop,
        seat_limit=10,
        room_id=day.salon.id,
        start_at=at(day.event, 0, 11),
        end_at=at(day.event, 0, 12),
    )
    seated = person(db, day.event, "Sam Seated")
    waiting_seat = person(db, day.event, "Wanda Waits")
    online_seat = person(db, day.event, "Olga Online", mode=AttendanceChoice.online)
    person(db, day.event, "Gone Away", status=RegistrationStatus.cancelled)
    person(db, day.event, "Pat Pending", status=RegistrationStatus.pending)
    for registration, status in (
        (seated, ChoiceStatus.confirmed),
        (waiting_seat, ChoiceStatus.waiting),
        (online_seat, ChoiceStatus.confirmed),
    ):
        db.add(SessionChoice(registration_id=registration.id, session_id=workshop.id, status=status))
    db.commit()
    return day, workshop, seated, waiting_seat, online_seat


# The door of a session ----------------------------------------------------------------------------


def test_confirmed_in_person_attendee_is_checked_in_to_a_session_once(db):
    day = streamed_day(db)
    nine = day.keynote.start_at

    _door(db, day, day.in_person, day.keynote, nine)
    with pytest.raises(SessionCheckInRefused) as again:
        _door(db, day, day.in_person, day.keynote, nine + timedelta(minutes=20))

    assert again.value.message == "Already checked in to this session at 09:00."
    [line] = attendance.checkin_lines(db, day.event, day.keynote, [day.in_person], nine)
    assert (line.checked_in_at, line.reason, line.can_check_in) == (
        nine,
        "Already checked in to this session at 09:00.",
        False,
    )


def test_checking_in_to_one_session_leaves_the_others_and_the_events_door_alone(db):
    day = streamed_day(db)

    _door(db, day, day.in_person, day.keynote, day.keynote.start_at)

    [panel_line] = attendance.checkin_lines(db, day.event, day.panel, [day.in_person], day.panel.start_at)
    db.refresh(day.in_person)
    assert (panel_line.can_check_in, day.in_person.checked_in_at) == (True, None)


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("online", "This person registered to attend online, not in person."),
        ("pending", "This registration is still awaiting approval."),
        ("cancelled", "This registration was cancelled."),
        ("no-seat", "This person has no seat in this session."),
        ("waiting-seat", "This person is on the waiting list of this session and has no seat in it."),
    ],
)
def test_a_session_door_refuses_who_has_no_place_in_the_room(db, who, message):
    day, workshop, _seated, waiting_seat, _online_seat = _crowd(db)
    registration = {
        "online": day.online,
        "pending": person(db, day.event, "Penny", status=RegistrationStatus.pending),
        "cancelled": person(db, day.event, "Carl", status=RegistrationStatus.cancelled),
        "no-seat": day.in_person,
        "waiting-seat": waiting_seat,
    }[who]

    with pytest.raises(SessionCheckInRefused) as refused:
        _door(db, day, registration, workshop, workshop.start_at)

    assert refused.value.message == message
    assert attendance.session_counts(db, day.event, workshop).checked_in == 0


def test_a_seated_session_checks_in_who_has_a_seat(db):
    day, workshop, seated, _waiting_seat, _online_seat = _crowd(db)

    _door(db, day, seated, workshop, workshop.start_at)

    assert attendance.session_counts(db, day.event, workshop).checked_in == 1


def test_a_cancelled_session_checks_nobody_in(db):
    day = streamed_day(db)
    day.keynote.is_cancelled = True
    db.add(day.keynote)
    db.commit()

    with pytest.raises(SessionCheckInRefused) as refused:
        _door(db, day, day.in_person, day.keynote, day.keynote.start_at)

    assert refused.value.message == "This session was cancelled."


def test_a_wrong_ticket_code_is_not_found(db):
    day = streamed_day(db)

    with pytest.raises(NotFound):
        attendance.check_in_to_session(
            db, day.event, day.keynote, day.in_person.id, "0000000000", day.keynote.start_at
        )


def test_the_door_finds_people_by_name_or_by_ticket_code(db):
    day = streamed_day(db)
    nine = day.keynote.start_at
    code = f"{day.in_person.id}-{checkin_code(day.in_person)}"

    by_name = attendance.checkin_search(db, day.event, day.keynote, "anna", nine)
    by_code = attendance.checkin_search(db, day.event, day.keynote, code, nine)

    assert [(line.registration.name, line.can_check_in) for line in by_name] == [("Anna Room", True)]
    assert [line.registration.id for line in by_code] == [day.in_person.id]


# The counts ---------------------------------------------------------------------------------------


def _counts(lines):
    return [
        (line.session.title, line.in_person, line.online, line.checked_in, line.joined, line.is_streamed)
        for line in lines
    ]


def test_counts_per_session_of_the_day(db):
    day, workshop, seated, _waiting_seat, online_seat = _crowd(db)
    _door(db, day, day.in_person, day.keynote, day.keynote.start_at)
    _door(db, day, seated, day.keynote, day.keynote.start_at)
    _door(db, day, seated, workshop, workshop.start_at)
    attendance.record_first_join(db, day.online.id, day.keynote.id, day.keynote.start_at)
    attendance.record_first_join(db, online_seat.id, day.keynote.id, day.keynote.start_at)
    attendance.record_first_join(db, online_seat.id, day.keynote.id, day.keynote.start_at)

    lines = attendance.session_attendance(db, day.event, date(2022, 10, 5))

    # Confirmed people only: 3 in person (Anna, Sam, Wanda) and 2 online (Chen, Olga); a seated session
    # counts its confirmed seats; online attendees count where there is a stream to join.
    assert _counts(lines) == [
        ("Opening keynote", 3, 2, 2, 2, True),
        ("Coffee", 3, 0, 0, 0, False),
        ("Hands-on workshop", 1, 0, 1, 0, False),
        ("Data governance panel", 3, 0, 0, 0, False),
    ]


def test_counts_of_another_day_and_of_every_day(db):
    day = streamed_day(db)
    make_session(db, day.event, title="Closing", start_at=at(day.event, 1, 17), end_at=at(day.event, 1, 18))

    second_day = attendance.session_attendance(db, day.event, date(2022, 10, 6))
    every_day = attendance.session_attendance(db, day.event)

    assert [line.session.title for line in second_day] == ["Closing"]
    assert [line.session.title for line in every_day] == [
        "Opening keynote",
        "Coffee",
        "Data governance panel",
        "Closing",
    ]


def test_counts_take_the_same_queries_for_one_session_or_many(db, count_queries):
    day = streamed_day(db)
    with count_queries() as few:
        attendance.session_attendance(db, day.event)
    for hour in (16, 17, 18):
        make_session(
            db,
            day.event,
            title=f"At {hour}",
            start_at=at(day.event, 0, hour),
            end_at=at(day.event, 0, hour, 30),
        )
        person(db, day.event, f"Person {hour}")

    with count_queries() as many:
        attendance.session_attendance(db, day.event)

    assert len(many) == len(few)


@pytest.mark.parametrize(
    ("requested", "now_day", "shown"),
    [
        (None, date(2022, 10, 6), date(2022, 10, 6)),
        (None, date(2023, 1, 1), date(2022, 10, 5)),
        (date(2022, 10, 6), date(2023, 1, 1), date(2022, 10, 6)),
    ],
    ids=["today-during-the-event", "first-day-otherwise", "the-day-asked-for"],
)
def test_the_attendance_page_shows_today_during_the_event(db, requested, now_day, shown):
    day = streamed_day(db)
    now = at(day.event, (now_day - day.event.start_date).days, 12)

    assert attendance.attendance_day(day.event, requested, now) == shown


def test_a_day_outside_the_event_is_not_found(db):
    day = streamed_day(db)

    with pytest.raises(NotFound):
        attendance.attendance_day(day.event, date(2022, 10, 9), day.keynote.start_at)


# The CSV file ---------------------------------------------------------------------------------------


def test_csv_has_one_row_per_session_with_its_counts_and_no_formula(db):
    day = streamed_day(db)
    day.panel.title = '=HYPERLINK("https://evil.example")'
    db.add(day.panel)
    db.commit()
    _door(db, day, day.in_person, day.keynote, day.keynote.start_at)
    attendance.record_first_join(db, day.online.id, day.keynote.id, day.keynote.start_at)

    body = attendance.attendance_csv(db, day.event)

    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows == [
        [
            "Day",
            "Start (Europe/Paris)",
            "End",
            "Session",
            "Room",
            "Cancelled",
            "Registered in person",
            "Registered online",
            "Checked in",
            "Joined online",
        ],
        ["2022-10-05", "09:00", "10:00", "Opening keynote", "Amphithéâtre", "", "1", "1", "1", "1"],
        ["2022-10-05", "10:00", "10:30", "Coffee", "", "", "1", "0", "0", "0"],
        [
            "2022-10-05",
            "14:00",
            "15:30",
            '\'=HYPERLINK("https://evil.example")',
            "Salon Pasteur",
            "",
            "1",
            "0",
            "0",
            "0",
        ],
    ]
    assert attendance.csv_filename(day.event) == "prelude-test-attendance.csv"
