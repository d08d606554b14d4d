"""Programme reads: what the public pages and the API are built from, without HTTP."""

from datetime import date

from app.programme.models import RoleKind, SessionKind
from app.programme.snapshot import load_programme
from app.programme.views import (
    ProgrammeFilters,
    event_sessions,
    event_speakers,
    programme_day,
    session_detail,
    speaker_detail,
)
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


def build_conference(db):
    """Two rooms, two tracks, a themed session with talks, a keynote, a break without a room, a second day."""
    event = make_event(db)
    auditorium = make_room(db, event, name="Auditorium", position=1)
    salon = make_room(db, event, name="Salon", position=2)
    data_track = make_track(db, event, name="Health data", colour="#1f6f8b")
    genomics = make_track(db, event, name="Genomics", colour="#8b1f4b")
    keynote = make_session(
        db,
        event,
        title="The promises of single-cell technologies",
        kind=SessionKind.keynote,
        room_id=auditorium.id,
        track_id=genomics.id,
        start_at=at(event, 0, 9),
        end_at=at(event, 0, 10),
    )
    coffee = make_session(
        db,
        event,
        title="Coffee",
        kind=SessionKind.break_,
        start_at=at(event, 0, 10),
        end_at=at(event, 0, 10, 30),
    )
    governance = make_session(
        db,
        event,
        title="The challenges of health data governance",
        room_id=salon.id,
        track_id=data_track.id,
        start_at=at(event, 0, 14),
        end_at=at(event, 0, 15, 30),
    )
    second_talk = make_talk(db, governance, title="A cloud-based hospital information system", position=2)
    first_talk = make_talk(db, governance, title="TEHDAS and the European Health Data Space", position=1)
    rajewsky = make_speaker(
        db, event, name="Nikolaus Rajewsky", affiliation="MDC Berlin", email="nr@example.org"
    )
    lee = make_speaker(db, event, name="Sang-Heon Lee", affiliation="Korea University Medicine")
    chair = make_speaker(db, event, name="Émilie Müller", affiliation="ANR", email="em@example.org")
    make_speaker(db, event, name="Zoe Unassigned", email="zoe@example.org")
    add_role(db, keynote, rajewsky)
    add_role(db, governance, chair, role=RoleKind.chair)
    add_role(db, governance, lee, talk_id=second_talk.id, is_remote=True)
    day_two = make_session(
        db,
        event,
        title="Stakeholder Forum",
        room_id=auditorium.id,
        start_at=at(event, 1, 9),
        end_at=at(event, 1, 10),
    )
    return {
        "event": event,
        "rooms": (auditorium, salon),
        "tracks": (data_track, genomics),
        "sessions": (keynote, coffee, governance, day_two),
        "talks": (first_talk, second_talk),
        "speakers": (rajewsky, lee, chair),
    }


def titles(view):
    return [session.title for session in view.sessions]


def test_programme_day_lists_the_day_in_time_order_with_rooms_tracks_talks_and_roles(db):
    conference = build_conference(db)

    view = programme_day(
        load_programme(db, conference["event"]), conference["event"], date(2022, 10, 5), ProgrammeFilters()
    )

    assert [
        (s.time_label, s.title, s.kind_label, s.room_name, s.track_name, s.speakers_label, s.is_cancelled)
        for s in view.sessions
    ] == [
        ("09:00–10:00", "The promises of single-cell technologies", "Keynote", "Auditorium", "Genomics",
         "Nikolaus Rajewsky", False),
        ("10:00–10:30", "Coffee", "Break", "", "", "", False),
        ("14:00–15:30", "The challenges of health data governance", "Themed session", "Salon", "Health data",
         "Émilie Müller, Sang-Heon Lee", False),
    ]  # fmt: skip
    governance = view.sessions[2]
    assert [
        (talk.title, [(r.speaker_name, r.role_label, r.is_remote) for r in talk.roles])
        for talk in governance.talks
    ] == [
        ("TEHDAS and the European Health Data Space", []),
        ("A cloud-based hospital information system", [("Sang-Heon Lee", "Speaker", True)]),
    ]
    assert [(r.speaker_name, r.affiliation, r.role) for r in governance.roles] == [
        ("Émilie Müller", "ANR", RoleKind.chair)
    ]
    assert [room.name for room in view.grid_rooms] == ["Auditorium", "Salon"]
    assert [tab.day for tab in view.days] == [date(2022, 10, 5), date(2022, 10, 6)]


def test_programme_day_places_sessions_in_room_columns_and_roomless_sessions_across_all(db):
    conference = build_conference(db)

    view = programme_day(
        load_programme(db, conference["event"]), conference["event"], date(2022, 10, 5), ProgrammeFilters()
    )

    assert [(c.session.title, c.column, c.row_start, c.row_end, c.css) for c in view.grid_cells] == [
        ("The promises of single-cell technologies", 2, 2, 14, "ps-2 pe-14 pc-2"),
        ("Coffee", 0, 14, 20, "ps-14 pe-20 pc-2 pw-2 all-rooms"),
        ("The challenges of health data governance", 3, 62, 80, "ps-62 pe-80 pc-3"),
    ]
    assert (view.hour_marks[0].label, view.hour_marks[-1].label, view.grid_rows) == ("09:00", "15:00", 84)


def test_programme_day_without_a_day_opens_today_during_the_event_else_the_first_day(db):
    conference = build_conference(db)
    event = conference["event"]

    during = programme_day(
        load_programme(db, event), event, None, ProgrammeFilters(), today=date(2022, 10, 6)
    )
    before = programme_day(load_programme(db, event), event, None, ProgrammeFilters(), today=date(2022, 9, 1))

    assert (during.day, titles(during), before.day) == (
        date(2022, 10, 6),
        ["Stakeholder Forum"],
        date(2022, 10, 5),
    )


def test_programme_day_filters_by_track_room_and_kind(db):
    conference = build_conference(db)
    event = conference["event"]
    data_track, _genomics = conference["tracks"]
    auditorium, _salon = conference["rooms"]

    by_track = programme_day(
        load_programme(db, event), event, date(2022, 10, 5), ProgrammeFilters(track_id=data_track.id)
    )
    by_room = programme_day(
        load_programme(db, event), event, date(2022, 10, 5), ProgrammeFilters(room_id=auditorium.id)
    )
    by_kind = programme_day(
        load_programme(db, event), event, date(2022, 10, 5), ProgrammeFilters(kind=SessionKind.break_)
    )

    assert (titles(by_track), titles(by_room), titles(by_kind)) == (
        ["The challenges of health data governance"],
        ["The promises of single-cell technologies"],
        ["Coffee"],
    )
    assert [room.name for room in by_room.grid_rooms] == ["Auditorium"]


def test_programme_day_search_matches_session_titles_talk_titles_and_speaker_names_ignoring_case(db):
    conference = build_conference(db)
    event = conference["event"]

    def search(q):
        return titles(
            programme_day(load_programme(db, event), event, date(2022, 10, 5), ProgrammeFilters(q=q))
        )

    assert {q: search(q) for q in ("SINGLE-CELL", "tehdas", "sang-heon", "MÜLLER", "nobody")} == {
        "SINGLE-CELL": ["The promises of single-cell technologies"],
        "tehdas": ["The challenges of health data governance"],
        "sang-heon": ["The challenges of health data governance"],
        "MÜLLER": ["The challenges of health data governance"],
        "nobody": [],
    }


def test_programme_day_unknown_filters_and_day_are_dropped_with_notices(db):
    conference = build_conference(db)
    other = make_event(db, slug="other-event")
    foreign_track = make_track(db, other, name="Elsewhere")

    view = programme_day(
        load_programme(db, conference["event"]),
        conference["event"],
        date(2030, 1, 1),
        ProgrammeFilters(track_id=foreign_track.id, room_id=9999),
    )

    assert (view.day, view.filters, len(view.sessions)) == (date(2022, 10, 5), ProgrammeFilters(), 3)
    assert view.notices == [
        "The programme has no day 2030-01-01; showing 2022-10-05 instead.",
        "That track is not part of this event; showing all tracks.",
        "That room is not part of this event; showing all rooms.",
    ]


def test_programme_day_keeps_cancelled_sessions_marked(db):
    event = make_event(db)
    make_session(db, event, title="Called off", is_cancelled=True)

    view = programme_day(load_programme(db, event), event, date(2022, 10, 5), ProgrammeFilters())

    assert [(s.title, s.is_cancelled) for s in view.sessions] == [("Called off", True)]


def test_programme_day_runs_the_same_queries_for_one_session_and_for_thirty(db, engine, count_queries):
    small = make_event(db, slug="small")
    make_session(db, small)
    large = make_event(db, slug="large")
    rooms = [make_room(db, large, name=f"Room {n}") for n in range(3)]
    for n in range(30):
        session = make_session(
            db,
            large,
            title=f"Session {n}",
            room_id=rooms[n % 3].id,
            start_at=at(large, 0, 8 + n // 3),
            end_at=at(large, 0, 8 + n // 3, 45),
        )
        speaker = make_speaker(db, large, name=f"Speaker {n}")
        add_role(db, session, speaker, talk_id=make_talk(db, session).id)

    with count_queries() as small_statements:
        programme_day(load_programme(db, small), small, None, ProgrammeFilters())
    with count_queries() as large_statements:
        view = programme_day(load_programme(db, large), large, None, ProgrammeFilters())

    assert (len(view.sessions), len(large_statements)) == (30, len(small_statements))


def test_event_speakers_lists_only_speakers_with_a_role_by_name(db):
    conference = build_conference(db)

    speakers = event_speakers(load_programme(db, conference["event"]))

    assert [(s.name, s.affiliation) for s in speakers] == [
        ("Émilie Müller", "ANR"),
        ("Nikolaus Rajewsky", "MDC Berlin"),
        ("Sang-Heon Lee", "Korea University Medicine"),
    ]
    assert not any(hasattr(s, "email") for s in speakers)


def test_speaker_detail_lists_their_sessions_and_roles(db):
    conference = build_conference(db)
    _rajewsky, lee, _chair = conference["speakers"]

    detail = speaker_detail(load_programme(db, conference["event"]), conference["event"], lee.id)

    assert (
        detail.speaker.name,
        [s.title for s in detail.sessions],
        list(detail.roles_by_session.values()),
    ) == (
        "Sang-Heon Lee",
        ["The challenges of health data governance"],
        [["Speaker (remote)"]],
    )


def test_speaker_detail_is_none_for_another_event_or_a_speaker_without_role(db):
    conference = build_conference(db)
    other = make_event(db, slug="other-event")
    outsider = make_speaker(db, other, name="Outsider")
    unassigned = make_speaker(db, conference["event"], name="No role yet")

    assert (
        speaker_detail(load_programme(db, conference["event"]), conference["event"], outsider.id),
        speaker_detail(load_programme(db, conference["event"]), conference["event"], unassigned.id),
    ) == (None, None)


def test_session_detail_is_none_for_a_session_of_another_event(db):
    conference = build_conference(db)
    other = make_event(db, slug="other-event")
    foreign = make_session(db, other, title="Elsewhere")

    assert session_detail(load_programme(db, conference["event"]), conference["event"], foreign.id) is None


def test_session_detail_gives_times_in_the_viewer_zone_when_asked(db):
    conference = build_conference(db)
    keynote = conference["sessions"][0]

    detail = session_detail(
        load_programme(db, conference["event"]), conference["event"], keynote.id, tz="Asia/Seoul"
    )

    assert (detail.session.time_label, detail.viewer_tz, detail.viewer_time_label) == (
        "09:00–10:00",
        "Asia/Seoul",
        "Wed 5 Oct 2022, 16:00–17:00 KST",
    )


def test_event_sessions_of_one_day_uses_the_event_zone(db):
    conference = build_conference(db)

    sessions = event_sessions(
        load_programme(db, conference["event"]), conference["event"], day=date(2022, 10, 6)
    )

    assert [s.title for s in sessions] == ["Stakeholder Forum"]
