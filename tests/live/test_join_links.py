"""Personal join links without HTTP: who may join which session when, the waiting page's countdown, and
the first join recorded once, even when two joins arrive at the same moment."""

import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from app.db import DbSession, begin_write_transaction
from app.events.models import Event
from app.live import attendance, joins
from app.live.models import SessionJoin
from app.programme.models import Room, Session, SessionKind
from app.registration.attendee_programme import StreamLink, stream_links
from app.registration.links import JOIN_LINK, join_token
from app.registration.models import (
    AttendanceChoice,
    ChoiceStatus,
    Registration,
    RegistrationStatus,
    SessionChoice,
)
from app.registration.service import renew_manage_link
from tests.factories import at, make_event, make_hybrid_day, make_session
from tests.registration.manage_factories import make_registration, make_registration_form
from tests.registration.public_factories import SECRET_KEY, links

STREAM = "https://stream.example.org/amphi?room=1;hd"  # make_hybrid_day's plenary room


@dataclass
class StreamedDay:
    event: Event
    plenary: Room
    salon: Room
    keynote: Session  # day 0, 09:00-10:00 in the streamed plenary room
    panel: Session  # day 0, 14:00, in the salon, which has no stream
    online: Registration
    in_person: Registration


def streamed_day(db: DbSession) -> StreamedDay:
    """A hybrid conference day with a streamed room and one confirmed attendee of each mode."""
    day = make_hybrid_day(db)
    event = day["event"]
    make_registration_form(db, event)
    plenary, salon = day["rooms"]
    keynote, panel, _coffee = day["sessions"]
    online = person(db, event, "Chen Online", mode=AttendanceChoice.online)
    in_person = person(db, event, "Anna Room")
    return StreamedDay(event, plenary, salon, keynote, panel, online, in_person)


def person(db: DbSession, event: Event, name: str, **overrides: Any) -> Registration:
    email = name.lower().replace(" ", ".") + "@example.org"
    return make_registration(db, event, name=name, email=email, **overrides)


def token_for(registration: Registration, session: Session) -> str:
    return join_token(SECRET_KEY, registration, session.id or 0)


def join(db: DbSession, token: str, now: datetime, opens_minutes: int = 15, zone: str = "") -> Any:
    target = joins.join_target(db, SECRET_KEY, token)
    return joins.join_session(db, target, now=now, opens_minutes=opens_minutes, zone=zone)


def joins_recorded(db: DbSession) -> list[tuple[int, int, datetime]]:
    db.rollback()
    rows = db.exec(select(SessionJoin.registration_id, SessionJoin.session_id, SessionJoin.joined_at))
    return [tuple(row) for row in rows]  # type: ignore[misc]


# Who gets join links -------------------------------------------------------------------------------


def test_confirmed_online_attendee_gets_a_join_link_per_streamed_session_never_the_stream(db):
    day = streamed_day(db)

    found = stream_links(db, day.event, day.online, links())

    assert [link.session.title for link in found] == ["Opening keynote"]
    [link] = found
    assert link.url.startswith("http://testserver/join/")
    assert STREAM not in link.url
    opened = JOIN_LINK.read_for_session(SECRET_KEY, link.url.removeprefix("http://testserver/join/"), 60)
    assert opened[:2] == (day.online.id, day.keynote.id)


def test_in_person_attendee_gets_no_join_link(db):
    day = streamed_day(db)

    assert stream_links(db, day.event, day.in_person, links()) == []


def test_session_whose_speakers_asked_not_to_be_streamed_gets_no_join_link(db):
    day = streamed_day(db)
    day.keynote.do_not_stream = True
    db.add(day.keynote)
    db.commit()

    assert stream_links(db, day.event, day.online, links()) == list[StreamLink]()


# When ------------------------------------------------------------------------------------------------


def test_link_waits_until_fifteen_minutes_before_the_start_with_the_minutes_left(db):
    day = streamed_day(db)
    now = day.keynote.start_at - timedelta(minutes=16)

    waiting = join(db, token_for(day.online, day.keynote), now)

    assert isinstance(waiting, joins.JoinWaiting)
    assert (waiting.opens_at, waiting.minutes_to_start, waiting.starts_in, waiting.zone) == (
        day.keynote.start_at - timedelta(minutes=15),
        16,
        "in 16 minutes",
        "Europe/Paris",
    )
    assert waiting.seconds_to_open == 60
    assert joins_recorded(db) == []


def test_countdown_far_ahead_speaks_in_hours_or_days_and_reloads_rarely(db):
    day = streamed_day(db)

    waiting = join(db, token_for(day.online, day.keynote), day.keynote.start_at - timedelta(days=3))

    assert (waiting.starts_in, waiting.refresh_seconds) == ("in 3 days", 600)


@pytest.mark.parametrize(
    "offset",
    [timedelta(minutes=-15), timedelta(minutes=-1), timedelta(0), timedelta(minutes=50)],
    ids=["opening", "a-minute-before", "start", "during"],
)
def test_from_fifteen_minutes_before_the_start_the_link_leads_to_the_stream(db, offset):
    day = streamed_day(db)
    now = day.keynote.start_at + offset

    opened = join(db, token_for(day.online, day.keynote), now)

    assert opened == joins.JoinOpen(STREAM, first_join=True)
    assert joins_recorded(db) == [(day.online.id, day.keynote.id, now)]


def test_the_opening_is_a_setting(db):
    day = streamed_day(db)
    half_an_hour_before = day.keynote.start_at - timedelta(minutes=30)

    early = join(db, token_for(day.online, day.keynote), half_an_hour_before, opens_minutes=45)
    late = join(db, token_for(day.online, day.keynote), half_an_hour_before, opens_minutes=5)

    assert (type(early), type(late)) == (joins.JoinOpen, joins.JoinWaiting)


def test_waiting_page_times_are_in_the_attendees_zone_unless_another_is_asked_for(db):
    day = streamed_day(db)
    day.online.time_zone = "America/New_York"
    db.add(day.online)
    db.commit()
    now = day.keynote.start_at - timedelta(hours=1)
    token = token_for(day.online, day.keynote)

    zones = [join(db, token, now, zone=asked).zone for asked in ("", "Asia/Tokyo", "Mars/Olympus_Mons")]

    assert zones == ["America/New_York", "Asia/Tokyo", "America/New_York"]


# Who -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "status", "message"),
    [
        (
            {"status": RegistrationStatus.cancelled},
            403,
            "This registration is no longer active, so its links open no session.",
        ),
        (
            {"status": RegistrationStatus.rejected},
            403,
            "This registration is no longer active, so its links open no session.",
        ),
        (
            {"status": RegistrationStatus.waiting},
            403,
            "You are on the waiting list: this link opens the session once you have a place.",
        ),
        (
            {"status": RegistrationStatus.pending},
            403,
            "The organisers have not approved your registration yet: this link opens the session once "
            "they have.",
        ),
        (
            {"mode": AttendanceChoice.in_person},
            403,
            "You registered to attend in person, so the sessions are in the room, not online. To follow "
            "online, change how you attend on your registration page.",
        ),
    ],
    ids=["cancelled", "rejected", "waiting", "pending", "in-person"],
)
def test_only_confirmed_online_attendees_join(db, overrides, status, message):
    day = streamed_day(db)
    someone = person(db, day.event, "Someone Else", **{"mode": AttendanceChoice.online, **overrides})

    with pytest.raises(joins.JoinRefused) as refused:
        join(db, token_for(someone, day.keynote), day.keynote.start_at)

    assert (refused.value.status_code, refused.value.message) == (status, message)
    assert joins_recorded(db) == []


def test_cancelled_session_opens_nothing(db):
    day = streamed_day(db)
    day.keynote.is_cancelled = True
    db.add(day.keynote)
    db.commit()

    with pytest.raises(joins.SessionCancelled) as refused:
        join(db, token_for(day.online, day.keynote), day.keynote.start_at)

    assert (refused.value.status_code, refused.value.message) == (410, "This session was cancelled.")


@pytest.mark.parametrize("where", ["room-without-stream", "no-room", "do-not-stream"])
def test_session_without_a_stream_opens_nothing(db, where):
    day = streamed_day(db)
    if where == "room-without-stream":
        session = day.panel
    elif where == "no-room":
        session = make_session(
            db, day.event, title="Lunch", start_at=at(day.event, 0, 12), end_at=at(day.event, 0, 13)
        )
    else:
        session = day.keynote
        session.do_not_stream = True
        db.add(session)
        db.commit()

    with pytest.raises(joins.SessionNotStreamed) as refused:
        join(db, token_for(day.online, session), session.start_at)

    assert (refused.value.status_code, refused.value.message) == (
        404,
        "This session is not streamed: there is nothing to join online.",
    )


def test_seated_session_opens_only_for_attendees_with_a_confirmed_place_in_it(db):
    day = streamed_day(db)
    workshop = make_session(
        db,
        day.event,
        title="Hands-on workshop",
        kind=SessionKind.workshop,
        seat_limit=10,
        room_id=day.plenary.id,
        start_at=at(day.event, 1, 9),
        end_at=at(day.event, 1, 11),
    )
    waiting = person(db, day.event, "Wanda Waits", mode=AttendanceChoice.online)
    db.add(SessionChoice(registration_id=waiting.id, session_id=workshop.id, status=ChoiceStatus.waiting))
    seated = person(db, day.event, "Sam Seated", mode=AttendanceChoice.online)
    db.add(SessionChoice(registration_id=seated.id, session_id=workshop.id, status=ChoiceStatus.confirmed))
    db.commit()

    refusals = []
    for registration in (day.online, waiting):
        with pytest.raises(joins.JoinRefused) as refused:
            join(db, token_for(registration, workshop), workshop.start_at)
        refusals.append(refused.value.message)
    opened = join(db, token_for(seated, workshop), workshop.start_at)

    assert refusals == ["This session is not in your programme: you have no place in it."] * 2
    assert opened == joins.JoinOpen(STREAM, first_join=True)


# Which links -------------------------------------------------------------------------------------------


def test_a_changed_character_opens_nothing(db):
    day = streamed_day(db)
    token = token_for(day.online, day.keynote)
    forged = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")

    with pytest.raises(joins.JoinRefused) as refused:
        join(db, forged, day.keynote.start_at)

    assert (refused.value.status_code, refused.value.message) == (
        403,
        "This link is not valid. Open the whole link from your email or your registration page.",
    )


def test_a_link_of_another_kind_opens_nothing(db):
    day = streamed_day(db)
    manage_link_token = links().manage_path(day.online).rsplit("/", 1)[1]

    with pytest.raises(joins.JoinRefused) as refused:
        join(db, manage_link_token, day.keynote.start_at)

    assert refused.value.status_code == 403


def test_renewing_the_registrations_links_revokes_its_join_links(db, smtp):
    day = streamed_day(db)
    old = token_for(day.online, day.keynote)

    renew_manage_link(db, day.event, day.online, links=links())

    with pytest.raises(joins.JoinRefused) as refused:
        join(db, old, day.keynote.start_at)
    assert (refused.value.status_code, refused.value.message) == (
        403,
        "This link no longer works: your registration's links were renewed. Open the one on your "
        "registration page or in your latest email.",
    )
    assert join(db, token_for(day.online, day.keynote), day.keynote.start_at) == joins.JoinOpen(STREAM, True)


def test_an_expired_link_says_so(db):
    day = streamed_day(db)

    with pytest.raises(joins.JoinLinkExpired) as refused:
        joins.join_target(db, SECRET_KEY, token_for(day.online, day.keynote), max_age_seconds=-1)

    assert refused.value.status_code == 410


@pytest.mark.parametrize("which", ["another-events-session", "deleted-session"])
def test_a_link_to_a_session_not_of_the_registrations_event_opens_nothing(db, which):
    day = streamed_day(db)
    other_event = make_event(db, slug="other-event")
    elsewhere = make_session(db, other_event, title="Elsewhere", room_id=None)
    session_id = elsewhere.id if which == "another-events-session" else (elsewhere.id or 0) + 1000
    # Only the site's key signs links: this is what a session deleted since the email was sent gives.
    token = join_token(SECRET_KEY, day.online, session_id or 0)

    with pytest.raises(joins.SessionNotStreamed) as refused:
        join(db, token, day.keynote.start_at)

    assert refused.value.message == "This session is no longer part of the programme."


# The first join, once --------------------------------------------------------------------------------


def test_only_the_first_join_is_recorded(db):
    day = streamed_day(db)
    token = token_for(day.online, day.keynote)
    first_at = day.keynote.start_at - timedelta(minutes=5)

    first = join(db, token, first_at)
    again = join(db, token, day.keynote.start_at + timedelta(minutes=20))

    assert (first.first_join, again.first_join) == (True, False)
    assert joins_recorded(db) == [(day.online.id, day.keynote.id, first_at)]


def test_two_joins_at_the_same_moment_record_one(db, engine: Engine):
    day = streamed_day(db)
    now = day.keynote.start_at
    registration_id, session_id = day.online.id or 0, day.keynote.id or 0
    barrier = threading.Barrier(2)
    results: list[bool] = []
    errors: list[BaseException] = []

    def join_in_thread() -> None:
        try:
            with DbSession(engine, expire_on_commit=False) as own:
                # Each reads first, as the join page does, then both write at once.
                own.get(Registration, registration_id)
                barrier.wait(timeout=10)
                results.append(attendance.record_first_join(own, registration_id, session_id, now))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=join_in_thread) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert sorted(results) == [False, True]
    assert joins_recorded(db) == [(registration_id, session_id, now)]


def test_a_first_join_inside_a_write_transaction_is_refused_at_once_not_after_waiting_for_itself(db):
    if db.get_bind().dialect.name != "sqlite":
        pytest.skip("the writer's lock and the driver-level write are SQLite's")
    day = streamed_day(db)
    begin_write_transaction(db)  # this session already holds the one writer's lock

    started = time.monotonic()
    with pytest.raises(RuntimeError):
        attendance.insert_first_join(db, day.online.id or 0, day.keynote.id or 0, day.keynote.start_at)
    assert time.monotonic() - started < 1
    db.rollback()
    assert joins_recorded(db) == []
