import time
from collections import Counter
from datetime import time as clock
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from app.db import DbSession
from app.demo import generate_conference
from app.errors import DomainError
from app.events.models import Event
from app.programme.models import RoleKind, Room, Session, SessionKind, SessionRole, Talk, Track
from app.speakers.models import Speaker
from tests.factories import make_event

SPEAKING_KINDS = {SessionKind.talk, SessionKind.keynote, SessionKind.workshop}


def sessions_of(db: DbSession, event: Event) -> list[Session]:
    query = select(Session).where(Session.event_id == event.id).order_by(Session.start_at, Session.room_id)
    return list(db.exec(query).all())


def roles_by_owner(db: DbSession, event: Event) -> dict[tuple[int, int | None], list[RoleKind]]:
    rows = db.exec(
        select(SessionRole.session_id, SessionRole.talk_id, SessionRole.role)
        .join(Session, col(Session.id) == SessionRole.session_id)
        .where(Session.event_id == event.id)
    ).all()
    owners: dict[tuple[int, int | None], list[RoleKind]] = {}
    for session_id, talk_id, role in rows:
        owners.setdefault((session_id, talk_id), []).append(role)
    return owners


def snapshot(db: DbSession, event: Event) -> list[tuple]:
    """What a visitor sees of the programme, without database keys."""
    rooms = {r.id: r.name for r in db.exec(select(Room).where(Room.event_id == event.id)).all()}
    names = {s.id: s.name for s in db.exec(select(Speaker).where(Speaker.event_id == event.id)).all()}
    people = Counter()
    for role in db.exec(
        select(SessionRole)
        .join(Session, col(Session.id) == SessionRole.session_id)
        .where(Session.event_id == event.id)
    ).all():
        people[names[role.speaker_id]] += 1
    programme = [
        (s.title, s.kind, s.start_at, s.end_at, rooms[s.room_id], s.abstract) for s in sessions_of(db, event)
    ]
    return [event.title, event.start_date, event.timezone, *programme, sorted(people.items())]


def test_generated_conference_has_exactly_the_sessions_rooms_and_days_asked(db):
    event = generate_conference(db, "synthetic", sessions=60, rooms=3, days=2, seed=7)
    sessions = sessions_of(db, event)
    zone = ZoneInfo(event.timezone)

    assert len(sessions) == 60
    assert {s.room_id for s in sessions} == {
        r.id for r in db.exec(select(Room).where(Room.event_id == event.id)).all()
    }
    assert db.exec(select(func.count()).select_from(Room).where(Room.event_id == event.id)).one() == 3
    assert sorted({s.start_at.astimezone(zone).date() for s in sessions}) == event.days
    assert len(event.days) == 2
    assert event.is_published is False


def test_generated_conference_books_no_room_twice_and_keeps_to_the_conference_day(db):
    event = generate_conference(db, "synthetic", sessions=60, rooms=3, days=2, seed=7)
    sessions = sessions_of(db, event)
    zone = ZoneInfo(event.timezone)

    overlaps = []
    for room_id in {s.room_id for s in sessions}:
        in_room = [s for s in sessions if s.room_id == room_id]
        overlaps += [
            (a.title, b.title) for a, b in zip(in_room, in_room[1:], strict=False) if b.start_at < a.end_at
        ]
    outside_day = [
        s.title
        for s in sessions
        if s.start_at.astimezone(zone).time() < clock(8, 30)
        or s.end_at.astimezone(zone).time() > clock(18, 30)
    ]
    lengths = {int((s.end_at - s.start_at).total_seconds() // 60) for s in sessions}

    assert overlaps == []
    assert outside_day == []
    assert lengths <= {30, 45, 60, 75, 90}


def test_generated_speaking_items_have_one_to_three_speakers(db):
    event = generate_conference(db, "synthetic", sessions=60, rooms=3, days=2, seed=3)
    roles = roles_by_owner(db, event)
    sessions = sessions_of(db, event)
    talks = db.exec(
        select(Talk).where(col(Talk.session_id).in_([s.id for s in sessions])).order_by(Talk.position)
    ).all()
    talks_per_session = Counter(t.session_id for t in talks)

    speakers_on_items = [
        roles.get((s.id, None), []).count(RoleKind.speaker) for s in sessions if s.kind in SPEAKING_KINDS
    ] + [roles.get((t.session_id, t.id), []).count(RoleKind.speaker) for t in talks]
    themed_talk_counts = [talks_per_session[s.id] for s in sessions if s.kind == SessionKind.themed]
    panels = [
        (
            roles[(s.id, None)].count(RoleKind.moderator),
            roles[(s.id, None)].count(RoleKind.panelist) in (2, 3),
        )
        for s in sessions
        if s.kind == SessionKind.panel
    ]

    assert speakers_on_items
    assert set(speakers_on_items) <= {1, 2, 3}
    assert themed_talk_counts
    assert set(themed_talk_counts) <= {2, 3, 4, 5}
    assert set(panels) <= {(1, True)}
    assert [s.title for s in sessions if s.kind == SessionKind.break_ and (s.id, None) in roles] == []


def test_generated_abstracts_read_as_abstracts(db):
    event = generate_conference(db, "synthetic", sessions=40, rooms=2, days=2, seed=5)
    sessions = sessions_of(db, event)
    talks = db.exec(select(Talk).where(col(Talk.session_id).in_([s.id for s in sessions]))).all()
    abstracts = [s.abstract for s in sessions if s.kind not in (SessionKind.break_, SessionKind.social)]
    abstracts += [t.abstract for t in talks]

    word_counts = [len(text.split()) for text in abstracts]

    assert min(word_counts) >= 80
    assert max(word_counts) <= 200
    assert [text for text in abstracts if "lorem" in text.lower()] == []


def test_generated_conference_has_coloured_tracks_and_plausible_speakers(db):
    event = generate_conference(db, "synthetic", sessions=40, rooms=2, days=2, seed=5)
    tracks = db.exec(select(Track).where(Track.event_id == event.id)).all()
    speakers = db.exec(select(Speaker).where(Speaker.event_id == event.id)).all()

    assert len(tracks) >= 3
    assert all(len(t.colour) == 7 and t.colour.startswith("#") for t in tracks)
    assert all(s.email.endswith("@example.org") and s.affiliation and " " in s.name for s in speakers)


def test_generated_conference_is_the_same_for_the_same_seed(db):
    first = generate_conference(db, "synthetic-a", sessions=60, rooms=3, days=2, seed=11)
    second = generate_conference(db, "synthetic-b", sessions=60, rooms=3, days=2, seed=11)
    other = generate_conference(db, "synthetic-c", sessions=60, rooms=3, days=2, seed=12)

    assert snapshot(db, first) == snapshot(db, second)
    assert snapshot(db, first) != snapshot(db, other)


def test_generated_conference_refuses_an_address_already_taken(db):
    make_event(db, slug="taken")

    with pytest.raises(DomainError) as refused:
        generate_conference(db, "taken", sessions=10, rooms=1, days=1)

    assert refused.value.message == "Another event already uses this address; choose another."


@pytest.mark.parametrize(
    ("sessions", "rooms", "days", "message"),
    [
        (
            41,
            2,
            1,
            "41 sessions do not fit: 2 rooms over 1 days hold at most 40 sessions of 30 minutes "
            "between 08:30 and 18:30.",
        ),
        (0, 2, 1, "A conference needs at least one session, one room and one day."),
    ],
    ids=["more-sessions-than-slots", "no-sessions"],
)
def test_generated_conference_refuses_numbers_that_do_not_fit(db, sessions, rooms, days, message):
    with pytest.raises(DomainError) as refused:
        generate_conference(db, "too-full", sessions=sessions, rooms=rooms, days=days)

    assert refused.value.message == message
    assert db.exec(select(Event).where(Event.slug == "too-full")).first() is None


def test_generated_conference_of_a_thousand_sessions_is_quick(db):
    started = time.perf_counter()

    event = generate_conference(db, "benchmark", sessions=1000, rooms=20, days=4, seed=0)

    elapsed = time.perf_counter() - started
    sessions = sessions_of(db, event)
    assert (len(sessions), len({s.room_id for s in sessions})) == (1000, 20)
    assert elapsed < 20
