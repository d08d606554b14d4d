from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from app.db import DbSession
from app.demo import load_demo_events
from app.events.models import AttendanceMode, Event, EventKind, Visibility
from app.programme.models import RoleKind, Room, Session, SessionKind, SessionRole, Talk, Track
from app.speakers.models import Speaker
from tests.factories import make_event


@pytest.fixture
def demo(db: DbSession) -> dict[str, Event]:
    return {event.slug: event for event in load_demo_events(db)}


def sessions_of(db: DbSession, event: Event, kind: SessionKind | None = None) -> list[Session]:
    query = select(Session).where(Session.event_id == event.id).order_by(Session.start_at, Session.room_id)
    if kind is not None:
        query = query.where(Session.kind == kind)
    return list(db.exec(query).all())


def people(db: DbSession, session: Session, talk: Talk | None = None) -> list[tuple[str, str, RoleKind]]:
    query = (
        select(Speaker.name, Speaker.affiliation, SessionRole.role)
        .join(SessionRole, col(SessionRole.speaker_id) == Speaker.id)
        .where(SessionRole.session_id == session.id)
        .where(SessionRole.talk_id == (talk.id if talk else None))  # == None is "IS NULL" in SQL
        .order_by(SessionRole.position)
    )
    return [tuple(row) for row in db.exec(query).all()]


def talks_of(db: DbSession, session: Session) -> list[Talk]:
    return list(db.exec(select(Talk).where(Talk.session_id == session.id).order_by(Talk.position)).all())


def wall_clock(moment: datetime, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


def row_counts(db: DbSession) -> dict[str, int]:
    return {
        model.__name__: db.exec(select(func.count()).select_from(model)).one()
        for model in (Event, Room, Track, Speaker, Session, Talk, SessionRole)
    }


def test_demo_events_load_as_published_events_with_their_dates_zones_and_visibility(demo):
    facts = [
        (
            e.slug,
            e.kind,
            e.start_date,
            e.end_date,
            e.timezone,
            e.attendance_mode,
            e.visibility,
            e.is_published,
        )
        for e in demo.values()
    ]

    assert facts == [
        (
            "prelude-2022",
            EventKind.conference,
            date(2022, 10, 5),
            date(2022, 10, 6),
            "Europe/Paris",
            AttendanceMode.hybrid,
            Visibility.public,
            True,
        ),
        (
            "vision-to-practice-2021",
            EventKind.conference,
            date(2021, 2, 25),
            date(2021, 2, 26),
            "Europe/Paris",
            AttendanceMode.online,
            Visibility.public,
            True,
        ),
        (
            "data-workshop-2017",
            EventKind.workshop,
            date(2017, 6, 26),
            date(2017, 6, 27),
            "Europe/Rome",
            AttendanceMode.in_person,
            Visibility.public,
            True,
        ),
        (
            "exec-committee-2017",
            EventKind.meeting,
            date(2017, 4, 4),
            date(2017, 4, 5),
            "Europe/Copenhagen",
            AttendanceMode.in_person,
            Visibility.invitation_only,
            True,
        ),
        (
            "data-management-training-2023",
            EventKind.training,
            date(2023, 3, 14),
            date(2023, 3, 14),
            "Europe/Paris",
            AttendanceMode.online,
            Visibility.public,
            True,
        ),
        (
            "family-meeting-2023",
            EventKind.meeting,
            date(2023, 5, 10),
            date(2023, 5, 10),
            "Europe/Berlin",
            AttendanceMode.online,
            Visibility.unlisted,
            True,
        ),
    ]
    assert [e.title for e in demo.values()][:4] == [
        "Prelude to the Future of Medicine",
        "Personalised Medicine – From Vision to Practice",
        "Innovative concepts on data generation and use for Personalised Medicine research",
        "Executive Committee meeting",
    ]


def test_demo_events_loading_twice_creates_nothing_new(db, demo):
    before = row_counts(db)

    again = load_demo_events(db)

    assert row_counts(db) == before
    assert again == []


def test_demo_events_leave_an_event_with_the_same_address_alone(db):
    own = make_event(db, slug="prelude-2022", title="Our own prelude", is_published=False)

    loaded = load_demo_events(db)

    db.refresh(own)
    assert (own.title, own.is_published) == ("Our own prelude", False)
    assert sessions_of(db, own) == []
    assert "prelude-2022" not in [e.slug for e in loaded]
    assert len(loaded) == 5


def test_demo_events_schedule_no_room_twice_at_the_same_time(db, demo):
    overlaps = []
    for event in demo.values():
        sessions = sessions_of(db, event)
        for room_id in {s.room_id for s in sessions}:
            in_room = sorted((s for s in sessions if s.room_id == room_id), key=lambda s: s.start_at)
            overlaps += [
                (event.slug, a.title, b.title)
                for a, b in zip(in_room, in_room[1:], strict=False)
                if b.start_at < a.end_at
            ]

    assert overlaps == []


def test_demo_talks_lie_inside_their_session_in_order(db, demo):
    misplaced = []
    for event in demo.values():
        for session in sessions_of(db, event):
            talks = talks_of(db, session)
            bounds = [session.start_at] + [moment for t in talks for moment in (t.start_at, t.end_at)]
            if talks and (bounds != sorted(bounds) or talks[-1].end_at > session.end_at):
                misplaced.append(session.title)

    assert misplaced == []


def test_prelude_keynotes_keep_their_real_speakers_and_the_shared_slot(db, demo):
    keynotes = sessions_of(db, demo["prelude-2022"], SessionKind.keynote)

    assert [(k.title, people(db, k)) for k in keynotes] == [
        (
            "The promises of single-cell technologies in personalised medicine",
            [("Nikolaus Rajewsky", "MDC Berlin", RoleKind.speaker)],
        ),
        (
            "Genome editing approaches and gene therapies for genetic diseases "
            "(β-hemoglobinopathies, ADA-SCID)",
            [
                ("Annarita Miccio", "Imagine Institute Paris", RoleKind.speaker),
                ("Francesca Ferrua", "San Raffaele Hospital Milan", RoleKind.speaker),
            ],
        ),
        (
            "Antisense oligonucleotides, the next frontier for personalised medicine treatments "
            "(Usher syndrome, DFNA9)",
            [("Erik de Vrieze", "Radboud University Medical Center", RoleKind.speaker)],
        ),
        ("The adaptation of clinical trials to meet the specificities of personalised medicine", []),
    ]
    assert "I-SPY 2" in keynotes[3].abstract


def test_prelude_keynote_times_are_stored_in_utc_as_chosen_in_paris(db, demo):
    first = sessions_of(db, demo["prelude-2022"], SessionKind.keynote)[0]

    assert (first.start_at, first.end_at) == (
        datetime(2022, 10, 5, 7, 45, tzinfo=UTC),
        datetime(2022, 10, 5, 8, 30, tzinfo=UTC),
    )
    assert wall_clock(first.start_at, "Europe/Paris") == "2022-10-05 09:45"


def test_prelude_themed_sessions_hold_several_talks_and_end_with_a_discussion(db, demo):
    themed = sessions_of(db, demo["prelude-2022"], SessionKind.themed)

    assert [(s.title, len(talks_of(db, s)) >= 3, talks_of(db, s)[-1].title) for s in themed] == [
        ("Personalised medicine and health economics – can they be reconciled?", True, "Discussion"),
        ("Understanding patients' perspective in personalised healthcare", True, "Discussion"),
        ("Stakeholder Forum: European infrastructures", True, "Discussion"),
        ("The challenges of health data governance", True, "Discussion"),
        ("The creation of ecosystems supporting innovation", True, "Discussion"),
    ]
    forum = themed[2]
    assert [t.title.split(" ")[0] for t in talks_of(db, forum)] == [
        "ECRIN",
        "EATRIS",
        "EU-AMRI",
        "Discussion",
    ]


def test_prelude_remote_speaker_presents_from_seoul_in_the_afternoon_there(db, demo):
    governance = next(
        s
        for s in sessions_of(db, demo["prelude-2022"])
        if s.title == "The challenges of health data governance"
    )
    cloud_talk = talks_of(db, governance)[2]
    role = db.exec(select(SessionRole).where(SessionRole.talk_id == cloud_talk.id)).one()
    speaker = db.get(Speaker, role.speaker_id)

    assert [t.title for t in talks_of(db, governance)][:3] == [
        "The Health Data Hub",
        "TEHDAS and the European Health Data Space",
        "A cloud-based hospital information system",
    ]
    assert (speaker.name, speaker.affiliation, speaker.timezone, role.is_remote) == (
        "Sang-Heon Lee",
        "Korea University Medicine",
        "Asia/Seoul",
        True,
    )
    assert (
        wall_clock(cloud_talk.start_at, "Europe/Paris"),
        wall_clock(cloud_talk.start_at, "Asia/Seoul"),
    ) == (
        "2022-10-06 09:40",
        "2022-10-06 16:40",
    )


def test_prelude_main_auditorium_is_streamed(db, demo):
    rooms = db.exec(
        select(Room).where(Room.event_id == demo["prelude-2022"].id).order_by(Room.position)
    ).all()

    assert [(r.name, r.stream_url is not None) for r in rooms] == [
        ("Main auditorium", True),
        ("Foyer", False),
    ]
    assert "livestream" in demo["prelude-2022"].description
    assert "recordings" in demo["prelude-2022"].description


def test_vision_to_practice_opens_with_statements_and_is_chaired_by_ejner_moltzen(db, demo):
    opening = sessions_of(db, demo["vision-to-practice-2021"])[0]

    assert opening.title == "Opening statements"
    assert people(db, opening) == [("Ejner Moltzen", "Innovation Fund Denmark", RoleKind.chair)]
    assert [people(db, opening, talk) for talk in talks_of(db, opening)] == [
        [("Thierry Damerval", "ANR", RoleKind.speaker)],
        [("Irene Norstedt", "European Commission", RoleKind.speaker)],
    ]
    assert "57 countries" in demo["vision-to-practice-2021"].description


def test_vision_to_practice_panel_has_one_moderator_and_several_panelists(db, demo):
    panel = sessions_of(db, demo["vision-to-practice-2021"], SessionKind.panel)[0]
    roles = [role for _name, _affiliation, role in people(db, panel)]

    assert panel.title == "Entrepreneurial ecosystem supporting health innovation"
    assert (roles.count(RoleKind.moderator), roles.count(RoleKind.panelist)) == (1, 4)


def test_vision_to_practice_covers_every_session_of_the_record_in_one_virtual_room(db, demo):
    event = demo["vision-to-practice-2021"]
    titles = [s.title for s in sessions_of(db, event) if s.kind != SessionKind.break_]
    rooms = db.exec(select(Room).where(Room.event_id == event.id)).all()

    assert titles == [
        "Opening statements",
        "Patient preferences",
        "Data harmonisation",
        "Implementation into health systems",
        "Academia–industry collaboration",
        "The value of personalised medicine",
        "Personalised medicine and COVID-19",
        "Entrepreneurial ecosystem supporting health innovation",
        "Award ceremony: recognition of best practices",
    ]
    assert [(r.name, r.stream_url is not None) for r in rooms] == [("Virtual auditorium", True)]


def test_data_workshop_runs_five_parallel_panels_with_their_own_seat_limits(db, demo):
    event = demo["data-workshop-2017"]
    panels = sessions_of(db, event, SessionKind.workshop)
    rooms = {r.id: r.name for r in db.exec(select(Room).where(Room.event_id == event.id)).all()}

    assert sorted((p.title, p.seat_limit) for p in panels) == [
        ("Working panel: Disease reclassification", 10),
        ("Working panel: Impact of data in research", 12),
        ("Working panel: New tools impact", 10),
        ("Working panel: Primary prevention", 12),
        ("Working panel: Successful PM approaches", 10),
    ]
    assert {(wall_clock(p.start_at, "Europe/Rome"), wall_clock(p.end_at, "Europe/Rome")) for p in panels} == {
        ("2017-06-26 13:30", "2017-06-26 17:00")
    }
    assert len({rooms[p.room_id] for p in panels}) == 5


def test_executive_committee_is_invitation_only_with_the_two_guest_talks(db, demo):
    event = demo["exec-committee-2017"]
    guest_talks = [s for s in sessions_of(db, event) if people(db, s)]
    last = sessions_of(db, event)[-1]

    assert event.visibility == Visibility.invitation_only
    assert event.venue == "Innovation Fund Denmark, Copenhagen"
    assert [(s.title, people(db, s)) for s in guest_talks] == [
        (
            "Status quo and future plans for regulatory actions in the field of personalised medicine",
            [("Marisa Papaluca", "European Medicines Agency", RoleKind.speaker)],
        ),
        (
            "The Strategic Research Agenda of IMI in the field of PM – opportunities and challenges of "
            "public-private-partnership-driven research",
            [("Nathalie Seigneuret", "Innovative Medicines Initiative", RoleKind.speaker)],
        ),
    ]
    assert (last.title, wall_clock(last.end_at, "Europe/Copenhagen")) == (
        "Lunch and departure",
        "2017-04-05 13:30",
    )


def test_training_runs_twice_at_hours_suited_to_asia_pacific_and_the_americas(db, demo):
    sessions = sessions_of(db, demo["data-management-training-2023"])

    assert [
        (s.title, wall_clock(s.start_at, "Asia/Tokyo"), wall_clock(s.start_at, "America/New_York"))
        for s in sessions
    ] == [
        ("Data management plans – Asia-Pacific session", "2023-03-14 16:00", "2023-03-14 03:00"),
        ("Data management plans – Americas session", "2023-03-15 00:00", "2023-03-14 11:00"),
    ]
    assert sessions[0].abstract == sessions[1].abstract


def test_demo_people_have_only_example_addresses_and_no_placeholder_text(db, demo):
    emails = db.exec(select(Speaker.email).where(col(Speaker.email).is_not(None))).all()
    texts = [e.description for e in demo.values()]
    texts += [f"{s.title} {s.abstract}" for e in demo.values() for s in sessions_of(db, e)]

    assert emails
    assert [email for email in emails if not email.endswith("@example.org")] == []
    assert [text for text in texts if "lorem" in text.lower() or "ipsum" in text.lower()] == []


def test_demo_events_take_registrations(db, demo):
    from sqlmodel import select

    from app.registration.models import RegistrationForm

    forms = {form.event_id: form for form in db.exec(select(RegistrationForm)).all()}

    prelude = forms[demo["prelude-2022"].id]
    assert (prelude.is_open, prelude.in_person_seats, prelude.online_places) == (True, 250, 1000)
    assert forms[demo["data-workshop-2017"].id].requires_approval is True
    assert set(forms) == {event.id for event in demo.values()}
