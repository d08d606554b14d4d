from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date

from app.db import DbSession
from app.programme.conflicts import Conflict, ConflictKind, programme_conflicts
from app.programme.models import RoleKind
from tests.factories import add_role, at, make_event, make_room, make_session, make_speaker, make_talk


def kinds(conflicts: list[Conflict]) -> list[ConflictKind]:
    return [conflict.kind for conflict in conflicts]


def test_room_double_booked_when_two_sessions_overlap(db: DbSession) -> None:
    event = make_event(db)
    room = make_room(db, event, name="Auditorium")
    first = make_session(
        db, event, title="Opening", room_id=room.id, start_at=at(event, 0, 9), end_at=at(event, 0, 10)
    )
    second = make_session(
        db, event, title="Keynote", room_id=room.id, start_at=at(event, 0, 9, 30), end_at=at(event, 0, 11)
    )

    conflicts = programme_conflicts(db, event)

    assert conflicts == [
        Conflict(
            ConflictKind.room_double_booked,
            "Auditorium is booked twice: “Opening” and “Keynote” overlap on Wed 5 Oct, 09:30.",
            (first.id, second.id),
        )
    ]


def test_room_not_double_booked_when_sessions_follow_each_other_or_use_other_rooms(db: DbSession) -> None:
    event = make_event(db)
    room, other_room = make_room(db, event), make_room(db, event, name="Room B")
    make_session(db, event, room_id=room.id, start_at=at(event, 0, 9), end_at=at(event, 0, 10))
    make_session(db, event, room_id=room.id, start_at=at(event, 0, 10), end_at=at(event, 0, 11))
    make_session(db, event, room_id=other_room.id, start_at=at(event, 0, 9), end_at=at(event, 0, 10))

    assert programme_conflicts(db, event) == []


def test_cancelled_sessions_never_conflict(db: DbSession) -> None:
    event = make_event(db)
    room = make_room(db, event)
    speaker = make_speaker(db, event, timezone="Asia/Seoul")
    first = make_session(db, event, room_id=room.id, start_at=at(event, 0, 14), end_at=at(event, 0, 15))
    cancelled = make_session(
        db, event, room_id=room.id, start_at=at(event, 0, 14), end_at=at(event, 0, 15), is_cancelled=True
    )
    add_role(db, first, speaker)
    add_role(db, cancelled, speaker, is_remote=True)
    make_session(db, event, start_at=at(event, 5, 9), end_at=at(event, 5, 10), is_cancelled=True)

    assert programme_conflicts(db, event) == []


def test_speaker_in_two_overlapping_sessions_of_the_event(db: DbSession) -> None:
    event = make_event(db)
    speaker = make_speaker(db, event, name="Sang-Heon Lee", timezone=None)
    first = make_session(db, event, title="Governance", start_at=at(event, 0, 14), end_at=at(event, 0, 15))
    second = make_session(
        db, event, title="Ecosystems", start_at=at(event, 0, 14, 30), end_at=at(event, 0, 16)
    )
    add_role(db, first, speaker)
    add_role(db, second, speaker, role=RoleKind.panelist)

    conflicts = programme_conflicts(db, event)

    assert conflicts == [
        Conflict(
            ConflictKind.speaker_double_booked,
            "Sang-Heon Lee is in two places at once: “Governance” and “Ecosystems” overlap"
            " on Wed 5 Oct, 14:30.",
            (first.id, second.id),
            speaker.id,
        )
    ]


def test_speaker_with_two_roles_in_one_session_or_at_separate_times_is_not_a_clash(db: DbSession) -> None:
    event = make_event(db)
    speaker = make_speaker(db, event, timezone=None)
    session = make_session(db, event, start_at=at(event, 0, 14), end_at=at(event, 0, 15))
    talk = make_talk(db, session)
    later = make_session(db, event, start_at=at(event, 0, 15), end_at=at(event, 0, 16))
    add_role(db, session, speaker, role=RoleKind.chair)
    add_role(db, session, speaker, talk_id=talk.id)
    add_role(db, later, speaker)

    assert programme_conflicts(db, event) == []


def test_talk_times_decide_when_a_speaker_is_busy(db: DbSession) -> None:
    event = make_event(db)
    speaker = make_speaker(db, event, timezone=None)
    themed = make_session(db, event, title="Themed", start_at=at(event, 0, 14), end_at=at(event, 0, 16))
    early_talk = make_talk(
        db, themed, title="Early talk", start_at=at(event, 0, 14), end_at=at(event, 0, 14, 30)
    )
    panel = make_session(db, event, title="Panel", start_at=at(event, 0, 15), end_at=at(event, 0, 16))
    add_role(db, themed, speaker, talk_id=early_talk.id)
    add_role(db, panel, speaker)

    assert programme_conflicts(db, event) == []


def test_speaker_clash_across_events_matches_by_email(db: DbSession) -> None:
    event = make_event(db)
    other = make_event(db, slug="hospital-it-2022", title="Hospital IT Forum")
    here = make_speaker(db, event, email="SH.Lee@example.org", timezone=None)
    there = make_speaker(db, other, email="sh.lee@example.org", timezone=None)
    session = make_session(db, event, title="Governance", start_at=at(event, 0, 14), end_at=at(event, 0, 15))
    elsewhere = make_session(
        db, other, title="Cloud HIS", start_at=at(event, 0, 14, 30), end_at=at(event, 0, 15, 30)
    )
    add_role(db, session, here)
    add_role(db, elsewhere, there)

    conflicts = programme_conflicts(db, event)

    assert conflicts == [
        Conflict(
            ConflictKind.speaker_double_booked,
            "Sang-Heon Lee is in two places at once: “Governance” overlaps “Cloud HIS” at Hospital IT Forum"
            " on Wed 5 Oct, 14:30.",
            (session.id,),
            here.id,
        )
    ]


def test_no_clash_across_events_for_another_person_or_a_cancelled_session(db: DbSession) -> None:
    event = make_event(db)
    other = make_event(db, slug="hospital-it-2022", title="Hospital IT Forum")
    here = make_speaker(db, event, timezone=None)
    namesake = make_speaker(db, other, email="another.lee@example.org", timezone=None)
    same_person = make_speaker(db, other, email="sh.lee@example.org", timezone=None)
    session = make_session(db, event, start_at=at(event, 0, 14), end_at=at(event, 0, 15))
    add_role(db, session, here)
    add_role(db, make_session(db, other, start_at=at(event, 0, 14), end_at=at(event, 0, 15)), namesake)
    cancelled = make_session(db, other, start_at=at(event, 0, 14), end_at=at(event, 0, 15), is_cancelled=True)
    add_role(db, cancelled, same_person)

    assert programme_conflicts(db, event) == []


def test_talk_outside_its_session(db: DbSession) -> None:
    event = make_event(db)
    session = make_session(db, event, title="Governance", start_at=at(event, 0, 14), end_at=at(event, 0, 15))
    make_talk(db, session, title="Overrun", start_at=at(event, 0, 14, 45), end_at=at(event, 0, 15, 15))

    conflicts = programme_conflicts(db, event)

    assert conflicts == [
        Conflict(
            ConflictKind.talk_outside_session,
            "The talk “Overrun” is outside the times of its session “Governance”.",
            (session.id,),
        )
    ]


def test_talk_inside_its_session_or_without_times_is_fine(db: DbSession) -> None:
    event = make_event(db)
    session = make_session(db, event, start_at=at(event, 0, 14), end_at=at(event, 0, 15))
    make_talk(db, session, start_at=at(event, 0, 14), end_at=at(event, 0, 15))
    make_talk(db, session, title="Untimed")

    assert programme_conflicts(db, event) == []


def test_session_outside_the_event_dates_in_the_event_time_zone(db: DbSession) -> None:
    event = make_event(db, start_date=date(2022, 10, 5), end_date=date(2022, 10, 6))
    # 23:30 in Paris on the day before is 21:30 UTC: outside, though the UTC date alone would not say so.
    before = make_session(
        db, event, title="Too early", start_at=at(event, -1, 23, 30), end_at=at(event, 0, 0, 30)
    )

    conflicts = programme_conflicts(db, event)

    assert conflicts == [
        Conflict(
            ConflictKind.session_outside_event,
            "“Too early” (Tue 4 Oct, 23:30) is outside the event's dates.",
            (before.id,),
        )
    ]


def test_sessions_on_the_first_and_last_evening_are_inside_the_event(db: DbSession) -> None:
    event = make_event(db, start_date=date(2022, 10, 5), end_date=date(2022, 10, 6))
    make_session(db, event, start_at=at(event, 0, 0, 0), end_at=at(event, 0, 1))
    make_session(db, event, title="Dinner", start_at=at(event, 1, 22), end_at=at(event, 2, 0, 0))

    assert programme_conflicts(db, event) == []


def test_remote_speaker_at_night_in_their_own_time_zone(db: DbSession) -> None:
    # Sang-Heon Lee presents remotely from Seoul: 14:00 in Paris is 21:00 in Seoul, so the slot ends at 22:30.
    event = make_event(db)
    speaker = make_speaker(db, event, timezone="Asia/Seoul")
    session = make_session(
        db, event, title="Governance", start_at=at(event, 0, 14), end_at=at(event, 0, 15, 30)
    )
    talk = make_talk(db, session, title="A cloud-based HIS")
    add_role(db, session, speaker, talk_id=talk.id, is_remote=True)

    conflicts = programme_conflicts(db, event)

    assert conflicts == [
        Conflict(
            ConflictKind.remote_speaker_at_night,
            "Sang-Heon Lee presents “A cloud-based HIS” remotely at night in their time zone:"
            " 21:00–22:30 in Asia/Seoul.",
            (session.id,),
            speaker.id,
        )
    ]


def test_remote_speaker_in_daytime_or_speaker_in_the_room_is_fine(db: DbSession) -> None:
    event = make_event(db)
    seoul = make_speaker(db, event, timezone="Asia/Seoul")
    in_person = make_speaker(db, event, name="Dana", email="dana@example.org", timezone="Asia/Seoul")
    # 09:00–10:00 in Paris is 16:00–17:00 in Seoul.
    morning = make_session(db, event, start_at=at(event, 0, 9), end_at=at(event, 0, 10))
    evening = make_session(db, event, start_at=at(event, 1, 20), end_at=at(event, 1, 21))
    add_role(db, morning, seoul, is_remote=True)
    add_role(db, evening, in_person, is_remote=False)

    assert programme_conflicts(db, event) == []


def test_remote_speaker_before_seven_in_the_morning(db: DbSession) -> None:
    event = make_event(db, timezone="America/New_York")
    speaker = make_speaker(db, event, name="Pat", email="pat@example.org", timezone="Asia/Tokyo")
    session = make_session(db, event, start_at=at(event, 0, 16), end_at=at(event, 0, 17))  # 05:00 in Tokyo

    add_role(db, session, speaker, is_remote=True)

    assert kinds(programme_conflicts(db, event)) == [ConflictKind.remote_speaker_at_night]


def test_conflicts_take_a_constant_number_of_queries(
    db: DbSession, count_queries: Callable[[], AbstractContextManager[list[str]]]
) -> None:
    event = make_event(db)
    room = make_room(db, event)
    speaker = make_speaker(db, event)
    session = make_session(db, event, room_id=room.id)
    add_role(db, session, speaker)
    with count_queries() as small:
        programme_conflicts(db, event)
    for hour in range(8, 12):
        more = make_session(
            db, event, room_id=room.id, start_at=at(event, 1, hour), end_at=at(event, 1, hour + 1)
        )
        add_role(
            db, more, make_speaker(db, event, email=f"s{hour}@example.org"), talk_id=make_talk(db, more).id
        )
    db.expire_all()
    db.refresh(event)

    with count_queries() as large:
        programme_conflicts(db, event)

    assert len(large) == len(small) == 5
