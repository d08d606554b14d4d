"""The generated hybrid event that lets anyone try the event days (`python -m app generate --start`)."""

import os
import subprocess
import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from app.db import DbSession, make_engine, utcnow
from app.demo.generator import (
    SLOT_LENGTHS,
    HybridEvent,
    event_zone,
    generate_hybrid_event,
    parse_start,
)
from app.errors import DomainError
from app.events.models import AttendanceMode, Event, Visibility
from app.programme.models import Room, Session
from app.programme.releases import published_programme
from app.registration.models import AttendanceChoice, RegistrationForm
from app.registration.service import RegistrationWindow, allowed_modes, registration_window
from app.settings import PROJECT_DIR

PARIS = ZoneInfo("Europe/Paris")
PARIS_SEED = next(seed for seed in range(100) if event_zone(seed) == "Europe/Paris")
BAD_START = (
    "Give the start as a date (YYYY-MM-DD), a date and a time on the event's clocks (YYYY-MM-DDTHH:MM) "
    "or now."
)


def wall_clock(text: str) -> datetime:
    """A time on the event's clocks, without a zone, as `--start YYYY-MM-DDTHH:MM` gives it."""
    return datetime.fromisoformat(text)


def paris(year: int, month: int, day: int, hour: int, minute: int, *, fold: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS, fold=fold)


# Moments to generate the event at; 2027-03-28 and 2027-10-31 are the last Sundays of March and October,
# when the clocks of Paris go forward (02:00 -> 03:00) and back (03:00 -> 02:00).
NOWS = [
    pytest.param(paris(2027, 5, 12, 14, 7), id="afternoon"),
    pytest.param(paris(2027, 5, 12, 23, 50), id="23h50"),
    pytest.param(paris(2027, 5, 13, 0, 10), id="00h10"),
    pytest.param(paris(2027, 3, 27, 23, 50), id="23h50-before-clocks-go-forward"),
    pytest.param(paris(2027, 3, 28, 0, 10), id="00h10-clocks-go-forward-that-night"),
    pytest.param(paris(2027, 3, 28, 3, 10), id="03h10-just-after-clocks-went-forward"),
    pytest.param(paris(2027, 10, 30, 23, 50), id="23h50-before-clocks-go-back"),
    pytest.param(paris(2027, 10, 31, 2, 30, fold=1), id="second-02h30-as-clocks-went-back"),
]


def generate_at(db: DbSession, now: datetime, *, days: int = 2) -> HybridEvent:
    return generate_hybrid_event(db, "live", sessions=30 * days, rooms=3, days=days, now=now, seed=PARIS_SEED)


def sessions_of(db: DbSession, event: Event) -> list[Session]:
    query = select(Session).where(Session.event_id == event.id).order_by(Session.start_at, Session.room_id)
    return list(db.exec(query).all())


def rooms_of(db: DbSession, event: Event) -> list[Room]:
    return list(db.exec(select(Room).where(Room.event_id == event.id).order_by(Room.position)).all())


def minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def test_hybrid_event_is_published_streamed_and_open_in_person_and_online(db):
    now = paris(2027, 5, 12, 14, 7)

    made = generate_at(db, now)

    event = made.event
    form = made.registration
    assert (event.is_published, event.attendance_mode, event.visibility, event.timezone) == (
        True,
        AttendanceMode.hybrid,
        Visibility.public,
        "Europe/Paris",
    )
    assert (form.is_open, form.in_person_seats, form.online_places) == (True, 900, 3000)
    assert registration_window(form, event, now) == RegistrationWindow(True, "")
    assert allowed_modes(event) == [AttendanceChoice.in_person, AttendanceChoice.online]
    assert form.closes_at == datetime.combine(event.end_date + timedelta(days=1), time(), tzinfo=PARIS)
    assert form.closes_at > made.runs_until
    assert [room.stream_url for room in rooms_of(db, event)] == [
        "https://stream.example.org/live/main-auditorium",
        "https://stream.example.org/live/room-1-01",
        "https://stream.example.org/live/room-1-02",
    ]
    assert db.exec(select(RegistrationForm).where(RegistrationForm.event_id == event.id)).one().is_open


@pytest.mark.parametrize("now", NOWS)
def test_hybrid_event_has_a_session_running_now_and_one_after_in_the_released_programme(db, now):
    made = generate_at(db, now)

    event = made.event
    sessions = sessions_of(db, event)
    main_room = rooms_of(db, event)[0]
    running_in_main_room = [s for s in sessions if s.start_at <= now < s.end_at and s.room_id == main_room.id]
    later = [s for s in sessions if s.start_at > now]
    published = published_programme(db, event)
    first_start = min(s.start_at for s in sessions)
    assert event.start_date == now.astimezone(PARIS).date()
    assert len(running_in_main_room) == 1
    assert later
    assert published.release is not None
    assert published.release.number == 1
    assert {s.uid for s in published.data.sessions} == {s.uid for s in sessions}
    # The first day starts on the half-hour grid, up to a couple of hours before now, never the day before.
    assert first_start == made.runs_from
    assert first_start.astimezone(PARIS).date() == event.start_date
    assert first_start.astimezone(PARIS).minute in (0, 30)
    assert timedelta(0) <= now - first_start < timedelta(minutes=150)
    assert registration_window(made.registration, event, now).is_open


@pytest.mark.parametrize("now", NOWS)
def test_hybrid_event_books_no_room_twice_and_keeps_whole_slots_through_the_night(db, now):
    made = generate_at(db, now, days=3)

    event = made.event
    sessions = sessions_of(db, event)
    overlaps = []
    for room in rooms_of(db, event):
        in_room = [s for s in sessions if s.room_id == room.id]
        overlaps += [
            (a.title, b.title) for a, b in zip(in_room, in_room[1:], strict=False) if b.start_at < a.end_at
        ]
    session_dates = {s.start_at.astimezone(PARIS).date() for s in sessions}
    later_days = [s for s in sessions if s.start_at >= made.runs_from + timedelta(hours=10)]

    assert overlaps == []
    assert {minutes(s.end_at - s.start_at) for s in sessions} <= set(SLOT_LENGTHS)
    assert session_dates <= set(event.days)
    assert max(s.end_at for s in sessions) == made.runs_until
    # The days after the first keep the usual hours on their own clocks.
    assert {s.start_at.astimezone(PARIS).time() >= time(8, 30) for s in later_days} == {True}
    assert {s.end_at.astimezone(PARIS).time() <= time(18, 30) for s in later_days} == {True}


@pytest.mark.parametrize(
    "first_day", [date(2027, 3, 26), date(2027, 10, 29)], ids=["clocks-go-forward", "clocks-go-back"]
)
def test_hybrid_event_on_a_date_keeps_the_usual_hours_through_the_change_of_clocks(db, first_day):
    made = generate_hybrid_event(
        db, "dst-week", sessions=80, rooms=2, days=4, start=first_day, now=utcnow(), seed=PARIS_SEED
    )

    event = made.event
    sessions = sessions_of(db, event)
    local_hours = {
        (
            s.start_at.astimezone(PARIS).time() >= time(8, 30),
            s.end_at.astimezone(PARIS).time() <= time(18, 30),
        )
        for s in sessions
    }
    assert (event.start_date, event.end_date) == (first_day, first_day + timedelta(days=3))
    assert sorted({s.start_at.astimezone(PARIS).date() for s in sessions}) == event.days
    assert local_hours == {(True, True)}
    assert {minutes(s.end_at - s.start_at) for s in sessions} <= set(SLOT_LENGTHS)
    assert registration_window(made.registration, event, paris(2027, 3, 1, 9, 0)).is_open


def test_hybrid_event_reads_a_moment_without_zone_on_the_event_clocks(db):
    made = generate_hybrid_event(
        db, "at-eleven", sessions=30, rooms=3, days=1, start=wall_clock("2027-06-03T11:00"), seed=PARIS_SEED
    )

    moment = paris(2027, 6, 3, 11, 0)
    sessions = sessions_of(db, made.event)
    assert [s for s in sessions if s.start_at <= moment < s.end_at]
    assert [s for s in sessions if s.start_at > moment]


def test_hybrid_event_refuses_a_moment_the_clocks_skip(db):
    with pytest.raises(DomainError) as refused:
        generate_hybrid_event(
            db, "skipped", sessions=30, rooms=3, days=1, start=wall_clock("2027-03-28T02:30"), seed=PARIS_SEED
        )

    assert (refused.value.message, refused.value.field) == (
        "This time does not exist on that day: the clocks go forward then.",
        "start",
    )
    assert db.exec(select(Event).where(Event.slug == "skipped")).first() is None


def test_hybrid_event_now_needs_two_sessions_per_room_and_day(db):
    with pytest.raises(DomainError) as refused:
        generate_hybrid_event(db, "thin", sessions=11, rooms=3, days=2, now=paris(2027, 5, 12, 14, 7))

    assert refused.value.message == (
        "An event running at a given moment needs at least two sessions in each room on each day: ask for 12 "
        "sessions or more, or for fewer rooms or days."
    )
    assert db.exec(select(Event).where(Event.slug == "thin")).first() is None


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("now", None),
        (" NOW ", None),
        ("2027-03-28", date(2027, 3, 28)),
        ("2027-03-28T09:45", wall_clock("2027-03-28T09:45")),
        ("2027-03-28 09:45", wall_clock("2027-03-28T09:45")),
    ],
    ids=["now", "now-shouted", "date", "moment", "moment-with-space"],
)
def test_parse_start_reads_now_a_date_or_a_local_moment(text, start):
    assert parse_start(text) == start


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tomorrow", BAD_START),
        ("", BAD_START),
        ("28/03/2027", BAD_START),
        ("2027-02-30", BAD_START),
        ("2027-03-28T24:00", BAD_START),
        ("2027-03-28T09:45+02:00", BAD_START),
        ("0001-01-01", "The start must fall between the years 1970 and 2100."),
    ],
    ids=["word", "empty", "day-first", "no-such-day", "no-such-time", "with-offset", "out-of-range"],
)
def test_parse_start_refuses_anything_else_in_words(text, message):
    with pytest.raises(DomainError) as refused:
        parse_start(text)

    assert (refused.value.message, refused.value.field) == (message, "start")


@pytest.mark.parametrize("seed", [0, 1, 2, 5], ids=str)
def test_event_zone_is_the_zone_of_the_event_generated_with_the_seed(db, seed):
    made = generate_hybrid_event(
        db, f"zone-{seed}", sessions=4, rooms=1, days=2, start=date(2027, 5, 1), seed=seed
    )

    assert made.event.timezone == event_zone(seed)


# The command line --------------------------------------------------------------------------------------


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "SECRET_KEY": "cli-test-secret-key-0123456789",
        "BASE_URL": "https://plenary.example.org/",
    }
    assert run_cli(env, "migrate").returncode == 0
    return env


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own command line
        [sys.executable, "-m", "app", *args],
        env=env,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_generate_start_now_makes_an_event_running_now(cli_env):
    before = utcnow()
    result = run_cli(
        cli_env, "generate", "--slug", "try", "--start", "now", "--sessions", "40", "--rooms", "2"
    )
    after = utcnow()

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "Generated try: a published hybrid conference, 40 sessions in 2 rooms over 4 days, every room "
        "streamed, its programme released."
    )
    assert lines[1].startswith("Runs from ")
    assert lines[2] == "Programme: https://plenary.example.org/events/try/programme"
    assert lines[3].startswith("Registration, in person and online until ")
    assert lines[3].endswith(": https://plenary.example.org/events/try/register")
    engine = make_engine(cli_env["DATABASE_URL"])
    with DbSession(engine) as db:
        event = db.exec(select(Event).where(Event.slug == "try")).one()
        sessions = sessions_of(db, event)
        form = db.exec(select(RegistrationForm).where(RegistrationForm.event_id == event.id)).one()
        streams = [room.stream_url for room in rooms_of(db, event)]
        window = registration_window(form, event, after)
        zone = ZoneInfo(event.timezone)
    engine.dispose()
    assert (event.is_published, event.attendance_mode) == (True, AttendanceMode.hybrid)
    assert event.start_date == before.astimezone(zone).date()
    assert [s for s in sessions if s.start_at <= after and s.end_at > before]
    assert [s for s in sessions if s.start_at > after]
    assert window.is_open
    assert streams == [
        "https://stream.example.org/try/main-auditorium",
        "https://stream.example.org/try/room-1-01",
    ]


@pytest.mark.parametrize(
    ("start", "code", "message"),
    [
        ("tomorrow", 2, f"error: --start: {BAD_START}"),
        ("2027-02-30", 2, f"error: --start: {BAD_START}"),
        ("2027-03-28T02:30", 1, "error: This time does not exist on that day: the clocks go forward then."),
    ],
    ids=["word", "no-such-day", "clocks-skip-it"],
)
def test_generate_refuses_a_bad_start_in_words(cli_env, start, code, message):
    result = run_cli(
        cli_env,
        "generate",
        "--slug",
        "bad",
        "--start",
        start,
        "--sessions",
        "40",
        "--rooms",
        "2",
        "--seed",
        str(PARIS_SEED),
    )

    assert (result.returncode, result.stderr.strip(), result.stdout) == (code, message, "")
