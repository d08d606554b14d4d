"""The reference customers' real events (see demo-events.md), loaded as published demo events.

Titles, speakers and affiliations are the public facts of those events. Where the record gives no time, the
times are plausible choices; where it names no person (the 2021 panel, the trainers, the family meeting), the
people are fictional, with fictional organisations and example.org addresses.
"""

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlmodel import col, select

from app.db import DbSession, saved_id
from app.demo.building import Part, ProgrammeWriter, Role
from app.events.models import AttendanceMode, Event, EventKind, Visibility
from app.programme.models import RoleKind, Room, Session, SessionKind
from app.programme.releases import release_programme
from app.registration.models import RegistrationForm

KEYNOTE = SessionKind.keynote
THEMED = SessionKind.themed
TALK = SessionKind.talk
PANEL = SessionKind.panel
WORKSHOP = SessionKind.workshop
BREAK = SessionKind.break_
SOCIAL = SessionKind.social

PRELUDE_DESCRIPTION = """\
**Prelude to the Future of Medicine** brings together researchers, clinicians, patients, funders and
policy makers to look at what personalised medicine will change in the coming decade.

- Four keynote lectures: single-cell technologies, genome editing and gene therapies, antisense
  oligonucleotides, and clinical trials adapted to personalised medicine.
- Five sessions: health economics, health data governance, patients' perspective, ecosystems supporting
  innovation, and a Stakeholder Forum of European research infrastructures.

The conference is **hybrid**: join us in Paris or follow the **livestream** from the main auditorium.
Slides, a photo gallery and **video recordings** of every session are published after the event.
"""

VISION_DESCRIPTION = """\
A two-day **online conference** on bringing personalised medicine from vision to practice: patient
preferences, data harmonisation, implementation into health systems, academia–industry collaboration, the
value of personalised medicine, and what the COVID-19 pandemic taught us.

About **500 viewers from 57 countries** followed the livestream. Times are shown in your own time zone.
The video of every session is published after the conference.
"""

WORKSHOP_DESCRIPTION = """\
A two-day workshop with more than 50 invited experts on **innovative concepts on data generation and use**
for personalised medicine research.

Plenary parts frame the questions; on the first afternoon five **working panels** meet in parallel. Seats in
each panel are limited: choose your panel when you register. The panels report back in the plenary on the
second day.
"""

EXECUTIVE_DESCRIPTION = """\
Meeting of the Executive Committee, hosted by **Innovation Fund Denmark** in Copenhagen.

Attendance is by invitation only. Two guests present the regulatory outlook of the European Medicines Agency
and the Strategic Research Agenda of the Innovative Medicines Initiative.
"""

TRAINING_DESCRIPTION = """\
An online training on **data management plans** for personalised medicine research projects: what funders
expect, FAIR data in practice, consent and data protection, and the tools that help.

The same two-hour session runs twice so that every partner can attend in working hours:

- the **Asia-Pacific session** in the morning in Europe (afternoon in Tokyo, evening in Sydney);
- the **Americas session** in the afternoon in Europe (morning in New York, early morning in Los Angeles).

Register for the session that suits your time zone. Slides are shared with all participants afterwards.
"""

FAMILY_DESCRIPTION = """\
The yearly family meeting of the projects funded under the joint call: each project presents its progress,
and the projects look for shared data, tools and training. Online, for the project teams.
"""


def load_demo_events(db: DbSession) -> list[Event]:
    """Loads the reference events as published events and returns those it created; one already there
    (by its address) is left as it is."""
    existing = set(db.exec(select(Event.slug).where(col(Event.slug).in_(list(DEMO_EVENTS)))).all())
    missing = [slug for slug in DEMO_EVENTS if slug not in existing]
    for slug in missing:
        DEMO_EVENTS[slug](db)
    db.flush()
    if not missing:
        return []
    events = db.exec(select(Event).where(col(Event.slug).in_(missing))).all()
    for event in events:
        db.add(RegistrationForm(event_id=saved_id(event), **DEMO_REGISTRATION[event.slug]))
    db.commit()
    for event in events:
        DEMO_RELEASES.get(event.slug, _release_once)(db, event)
    return sorted(events, key=lambda event: list(DEMO_EVENTS).index(event.slug))


def _release_once(db: DbSession, event: Event) -> None:
    release_programme(db, event, "Programme published", None)


def _prelude_releases(db: DbSession, event: Event) -> None:
    """Two versions: the forum first planned in the foyer, then moved where it can be streamed."""
    forum = db.exec(
        select(Session).where(
            Session.event_id == event.id, col(Session.title).startswith("Stakeholder Forum")
        )
    ).one()
    hall_id = forum.room_id
    foyer = db.exec(select(Room).where(Room.event_id == event.id, Room.name == "Foyer")).one()
    forum.room_id = foyer.id
    db.add(forum)
    db.commit()
    release_programme(db, event, "Programme published", None)
    forum.room_id = hall_id
    db.add(forum)
    db.commit()
    release_programme(db, event, "The Stakeholder Forum moves to the main auditorium, to be streamed", None)


def _new_event(db: DbSession, **values: Any) -> ProgrammeWriter:
    event = Event(is_published=True, **values)
    db.add(event)
    db.flush()
    return ProgrammeWriter(db, event)


def _prelude(db: DbSession) -> None:
    p = _new_event(
        db,
        slug="prelude-2022",
        title="Prelude to the Future of Medicine",
        kind=EventKind.conference,
        start_date=date(2022, 10, 5),
        end_date=date(2022, 10, 6),
        timezone="Europe/Paris",
        venue="Paris, France",
        attendance_mode=AttendanceMode.hybrid,
        visibility=Visibility.public,
        description=PRELUDE_DESCRIPTION,
    )
    p.room(
        "Main auditorium", capacity=250, stream_url="https://stream.example.org/prelude-2022/main-auditorium"
    )
    p.room("Foyer", capacity=300)
    p.track("Keynote lectures", "#7a3e9d")
    p.track("Themed sessions", "#1f6f8b")
    p.track("Stakeholder Forum", "#c0622d")

    p.speaker("Nikolaus Rajewsky", "MDC Berlin", timezone="Europe/Berlin")
    p.speaker("Annarita Miccio", "Imagine Institute Paris", timezone="Europe/Paris")
    p.speaker("Francesca Ferrua", "San Raffaele Hospital Milan", timezone="Europe/Rome")
    p.speaker("Erik de Vrieze", "Radboud University Medical Center", timezone="Europe/Amsterdam")
    p.speaker(
        "Sang-Heon Lee",
        "Korea University Medicine",
        email="sh.lee@example.org",
        timezone="Asia/Seoul",
        bio="Works on cloud-based hospital information systems.",
    )

    hall, foyer = "Main auditorium", "Foyer"
    # Day 1, Wednesday 5 October 2022
    p.session(0, "08:30", "09:15", "Registration and welcome coffee", BREAK, foyer)
    p.session(
        0,
        "09:15",
        "09:45",
        "Opening of the conference",
        TALK,
        hall,
        abstract="Welcome to Paris and to everyone following the livestream.",
    )
    p.session(
        0,
        "09:45",
        "10:30",
        "The promises of single-cell technologies in personalised medicine",
        KEYNOTE,
        hall,
        track="Keynote lectures",
        abstract="How measuring every cell of a tissue changes the way diseases are understood, "
        "detected early and treated.",
        roles=[Role("Nikolaus Rajewsky")],
    )
    p.session(0, "10:30", "11:00", "Coffee break", BREAK, foyer)
    p.session(
        0,
        "11:00",
        "12:30",
        "Personalised medicine and health economics – can they be reconciled?",
        THEMED,
        hall,
        track="Themed sessions",
        abstract="Targeted therapies and diagnostics promise better outcomes at a price. How can health "
        "systems assess their value and pay for them sustainably?",
        talks=[
            Part("Assessing the value of targeted therapies", "11:00", "11:25"),
            Part("Paying for diagnostics and companion tests", "11:25", "11:50"),
            Part("Affordable personalised medicine in public health systems", "11:50", "12:10"),
            Part("Discussion", "12:10", "12:30"),
        ],
    )
    p.session(0, "12:30", "13:45", "Lunch", BREAK, foyer)
    p.session(
        0,
        "13:45",
        "14:30",
        "Genome editing approaches and gene therapies for genetic diseases (β-hemoglobinopathies, ADA-SCID)",
        KEYNOTE,
        hall,
        track="Keynote lectures",
        abstract="Genome editing for β-hemoglobinopathies and gene therapy for ADA-SCID: from the "
        "laboratory to patients.",
        roles=[Role("Annarita Miccio"), Role("Francesca Ferrua")],
    )
    p.session(
        0,
        "14:30",
        "16:00",
        "Understanding patients' perspective in personalised healthcare",
        THEMED,
        hall,
        track="Themed sessions",
        abstract="What patients expect from personalised healthcare, and how their experience can shape "
        "research, care pathways and decisions.",
        talks=[
            Part("What patients expect from personalised healthcare", "14:30", "14:55"),
            Part("Involving patients in research design", "14:55", "15:20"),
            Part("Shared decision-making with genomic information", "15:20", "15:40"),
            Part("Discussion", "15:40", "16:00"),
        ],
    )
    p.session(0, "16:00", "16:30", "Coffee break", BREAK, foyer)
    p.session(
        0,
        "16:30",
        "18:00",
        "Stakeholder Forum: European infrastructures",
        THEMED,
        hall,
        track="Stakeholder Forum",
        abstract="European research infrastructures present the services they offer to personalised "
        "medicine research, from translational studies to multinational clinical trials.",
        talks=[
            Part("ECRIN – European Clinical Research Infrastructure Network", "16:30", "16:50"),
            Part("EATRIS – European infrastructure for translational medicine", "16:50", "17:10"),
            Part("EU-AMRI – the alliance of medical research infrastructures", "17:10", "17:30"),
            Part("Discussion", "17:30", "18:00"),
        ],
    )

    # Day 2, Thursday 6 October 2022. The data session opens the morning so that the talk from Seoul is
    # given in the afternoon there (09:40 in Paris is 16:40 in Seoul), not at night.
    p.session(1, "08:30", "09:00", "Welcome coffee", BREAK, foyer)
    p.session(
        1,
        "09:00",
        "10:30",
        "The challenges of health data governance",
        THEMED,
        hall,
        track="Themed sessions",
        abstract="Sharing health data for research while protecting patients: national platforms, the "
        "European Health Data Space, and a hospital information system in the cloud.",
        talks=[
            Part("The Health Data Hub", "09:00", "09:20"),
            Part("TEHDAS and the European Health Data Space", "09:20", "09:40"),
            Part(
                "A cloud-based hospital information system",
                "09:40",
                "10:00",
                roles=[Role("Sang-Heon Lee", is_remote=True)],
                abstract="Presented remotely from Seoul.",
            ),
            Part("Discussion", "10:00", "10:30"),
        ],
    )
    p.session(1, "10:30", "11:00", "Coffee break", BREAK, foyer)
    p.session(
        1,
        "11:00",
        "11:45",
        "Antisense oligonucleotides, the next frontier for personalised medicine treatments "
        "(Usher syndrome, DFNA9)",
        KEYNOTE,
        hall,
        track="Keynote lectures",
        abstract="RNA therapies designed for a single mutation: antisense oligonucleotides for Usher "
        "syndrome and DFNA9.",
        roles=[Role("Erik de Vrieze")],
    )
    p.session(
        1,
        "11:45",
        "12:30",
        "The adaptation of clinical trials to meet the specificities of personalised medicine",
        KEYNOTE,
        hall,
        track="Keynote lectures",
        abstract="What the I-SPY 2 adaptive trial shows about testing many targeted treatments in small "
        "groups of patients.",
    )
    p.session(1, "12:30", "13:45", "Lunch", BREAK, foyer)
    p.session(
        1,
        "13:45",
        "15:15",
        "The creation of ecosystems supporting innovation",
        THEMED,
        hall,
        track="Themed sessions",
        abstract="Hospitals, regions and countries that built places where research, care and industry "
        "meet to bring personalised medicine to patients.",
        talks=[
            Part("Sheba Medical Center ARC", "13:45", "14:05"),
            Part("Norway's national precision-medicine initiative", "14:05", "14:25"),
            Part("The Vanguard initiative", "14:25", "14:45"),
            Part("Discussion", "14:45", "15:15"),
        ],
    )
    p.session(
        1,
        "15:15",
        "15:45",
        "Closing remarks",
        TALK,
        hall,
        abstract="Conclusions of the conference, and where to find the slides, photos and recordings.",
    )


def _vision_to_practice(db: DbSession) -> None:
    p = _new_event(
        db,
        slug="vision-to-practice-2021",
        title="Personalised Medicine – From Vision to Practice",
        kind=EventKind.conference,
        start_date=date(2021, 2, 25),
        end_date=date(2021, 2, 26),
        timezone="Europe/Paris",
        venue="Online, hosted from Paris",
        attendance_mode=AttendanceMode.online,
        visibility=Visibility.public,
        description=VISION_DESCRIPTION,
    )
    room = "Virtual auditorium"
    p.room(room, stream_url="https://stream.example.org/vision-to-practice-2021/live")
    p.track("Plenary", "#3b5ba9")
    p.track("From vision to practice", "#1f6f8b")
    p.track("Innovation", "#c0622d")

    p.speaker("Ejner Moltzen", "Innovation Fund Denmark", timezone="Europe/Copenhagen")
    p.speaker("Thierry Damerval", "ANR", timezone="Europe/Paris")
    p.speaker("Irene Norstedt", "European Commission", timezone="Europe/Brussels")
    # The record names none of the panel; these people and organisations are fictional.
    p.speaker(
        "Lotte Brandt",
        "Nordhavn Health Ventures",
        email="lotte.brandt@example.org",
        timezone="Europe/Copenhagen",
    )
    p.speaker(
        "Marco Ferrante", "GenomIQ Diagnostics", email="marco.ferrante@example.org", timezone="Europe/Rome"
    )
    p.speaker(
        "Aisha Rahman",
        "Cedar Health Accelerator",
        email="aisha.rahman@example.org",
        timezone="America/Toronto",
    )
    p.speaker(
        "Tomás Iglesias", "BioPuente Incubator", email="tomas.iglesias@example.org", timezone="Europe/Madrid"
    )
    p.speaker(
        "Hanna Virtanen",
        "Aurora Health Innovation Fund",
        email="hanna.virtanen@example.org",
        timezone="Europe/Helsinki",
    )

    chair = Role("Ejner Moltzen", RoleKind.chair)
    video = " The video of the session is published after the conference."
    p.session(
        0,
        "13:00",
        "13:30",
        "Opening statements",
        TALK,
        room,
        track="Plenary",
        abstract="Welcome to the conference." + video,
        roles=[chair],
        talks=[
            Part("Opening statement", "13:05", "13:15", roles=[Role("Thierry Damerval")]),
            Part("Opening statement", "13:15", "13:30", roles=[Role("Irene Norstedt")]),
        ],
    )
    sessions_day_one = [
        ("13:30", "14:45", "Patient preferences", "What patients value in personalised treatment and care."),
        (
            "15:00",
            "16:15",
            "Data harmonisation",
            "Making data from cohorts, registries and hospitals work together.",
        ),
        (
            "16:30",
            "17:45",
            "Implementation into health systems",
            "Bringing personalised approaches into routine care and reimbursement.",
        ),
    ]
    for start, end, title, abstract in sessions_day_one:
        p.session(
            0, start, end, title, THEMED, room, track="From vision to practice", abstract=abstract + video
        )
    p.session(0, "14:45", "15:00", "Break", BREAK, room)
    p.session(0, "16:15", "16:30", "Break", BREAK, room)

    p.session(
        1,
        "13:00",
        "14:15",
        "Academia–industry collaboration",
        THEMED,
        room,
        track="Innovation",
        abstract="How universities and companies share data, know-how and risk." + video,
    )
    p.session(1, "14:15", "14:30", "Break", BREAK, room)
    p.session(
        1,
        "14:30",
        "15:30",
        "The value of personalised medicine",
        THEMED,
        room,
        track="From vision to practice",
        abstract="Evidence of benefit for patients and health systems." + video,
    )
    p.session(
        1,
        "15:30",
        "16:30",
        "Personalised medicine and COVID-19",
        THEMED,
        room,
        track="From vision to practice",
        abstract="What the pandemic taught us about data, trials and stratified care." + video,
    )
    p.session(1, "16:30", "16:45", "Break", BREAK, room)
    p.session(
        1,
        "16:45",
        "17:45",
        "Entrepreneurial ecosystem supporting health innovation",
        PANEL,
        room,
        track="Innovation",
        abstract="Founders, investors and incubators discuss what helps a health start-up grow from a "
        "research result into a product." + video,
        roles=[
            Role("Hanna Virtanen", RoleKind.moderator),
            Role("Lotte Brandt", RoleKind.panelist),
            Role("Marco Ferrante", RoleKind.panelist),
            Role("Aisha Rahman", RoleKind.panelist),
            Role("Tomás Iglesias", RoleKind.panelist),
        ],
    )
    p.session(
        1,
        "17:45",
        "18:15",
        "Award ceremony: recognition of best practices",
        TALK,
        room,
        track="Plenary",
        abstract="Best practices in personalised medicine are recognised, and the conference closes.",
        roles=[chair],
    )


WORKING_PANELS = [
    ("Primary prevention", "Sala Volta", 12, "Data that help prevent disease before it starts."),
    (
        "Disease reclassification",
        "Sala Galvani",
        10,
        "Molecular and clinical data that redraw disease categories.",
    ),
    (
        "Impact of data in research",
        "Sala Fermi",
        12,
        "What new kinds of data change in how research is done.",
    ),
    (
        "Successful PM approaches",
        "Sala Marconi",
        10,
        "Personalised medicine approaches that worked, and why.",
    ),
    ("New tools impact", "Sala Natta", 10, "Tools for generating and analysing data, and their effect."),
]


def _data_workshop(db: DbSession) -> None:
    p = _new_event(
        db,
        slug="data-workshop-2017",
        title="Innovative concepts on data generation and use for Personalised Medicine research",
        kind=EventKind.workshop,
        start_date=date(2017, 6, 26),
        end_date=date(2017, 6, 27),
        timezone="Europe/Rome",
        venue="Milan, Italy",
        attendance_mode=AttendanceMode.in_person,
        visibility=Visibility.public,
        description=WORKSHOP_DESCRIPTION,
    )
    plenary = "Plenary hall"
    p.room(plenary, capacity=80)
    for _title, room, seats, _abstract in WORKING_PANELS:
        p.room(room, capacity=seats)
    p.track("Plenary", "#3b5ba9")
    p.track("Working panels", "#2e7d4f")

    p.session(0, "09:00", "09:30", "Registration and coffee", BREAK, plenary)
    p.session(0, "09:30", "10:00", "Welcome and aims of the workshop", TALK, plenary, track="Plenary")
    p.session(
        0,
        "10:00",
        "11:00",
        "Data generation and use in personalised medicine research: where we stand",
        THEMED,
        plenary,
        track="Plenary",
        abstract="An overview of the data personalised medicine research generates today and of the "
        "obstacles to using it well.",
    )
    p.session(0, "11:00", "11:30", "Coffee break", BREAK, plenary)
    p.session(
        0,
        "11:30",
        "12:30",
        "Introduction to the working panels",
        TALK,
        plenary,
        track="Plenary",
        abstract="The questions each panel works on, and how the panels report back.",
    )
    p.session(0, "12:30", "13:30", "Lunch", BREAK, plenary)
    for title, room, seats, abstract in WORKING_PANELS:
        p.session(
            0,
            "13:30",
            "17:00",
            f"Working panel: {title}",
            WORKSHOP,
            room,
            track="Working panels",
            seat_limit=seats,
            abstract=abstract + " Seats are limited; choose this panel when you register.",
        )

    p.session(1, "09:00", "09:30", "Welcome coffee", BREAK, plenary)
    p.session(
        1,
        "09:30",
        "11:30",
        "Reports from the working panels",
        THEMED,
        plenary,
        track="Plenary",
        abstract="Each panel presents its conclusions, followed by questions from the plenary.",
        talks=[
            Part(f"Report: {title}", _report_start(n), _report_start(n + 1))
            for n, (title, _room, _seats, _abstract) in enumerate(WORKING_PANELS)
        ]
        + [Part("Questions", "11:10", "11:30")],
    )
    p.session(1, "11:30", "12:00", "Coffee break", BREAK, plenary)
    p.session(
        1,
        "12:00",
        "12:45",
        "Plenary discussion: recommendations",
        THEMED,
        plenary,
        track="Plenary",
        abstract="Recommendations on data generation and use for funders of personalised medicine research.",
    )
    p.session(1, "12:45", "13:00", "Closing", TALK, plenary, track="Plenary")
    p.session(1, "13:00", "14:00", "Farewell lunch", BREAK, plenary)


def _report_start(report: int) -> str:
    """Panel reports take twenty minutes each from 09:30."""
    minutes = 9 * 60 + 30 + 20 * report
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _executive_committee(db: DbSession) -> None:
    p = _new_event(
        db,
        slug="exec-committee-2017",
        title="Executive Committee meeting",
        kind=EventKind.meeting,
        start_date=date(2017, 4, 4),
        end_date=date(2017, 4, 5),
        timezone="Europe/Copenhagen",
        venue="Innovation Fund Denmark, Copenhagen",
        attendance_mode=AttendanceMode.in_person,
        visibility=Visibility.invitation_only,
        description=EXECUTIVE_DESCRIPTION,
    )
    room = "Meeting room"
    p.room(room, capacity=40)
    p.track("Guest talks", "#7a3e9d")
    p.speaker("Marisa Papaluca", "European Medicines Agency", timezone="Europe/London")
    p.speaker("Nathalie Seigneuret", "Innovative Medicines Initiative", timezone="Europe/Brussels")

    p.session(0, "09:00", "09:30", "Welcome coffee", BREAK, room)
    p.session(0, "09:30", "10:00", "Welcome and adoption of the agenda", TALK, room)
    p.session(
        0,
        "10:00",
        "10:45",
        "Status quo and future plans for regulatory actions in the field of personalised medicine",
        TALK,
        room,
        track="Guest talks",
        roles=[Role("Marisa Papaluca")],
    )
    p.session(0, "10:45", "11:15", "Coffee break", BREAK, room)
    p.session(0, "11:15", "12:30", "Progress of the working groups", THEMED, room)
    p.session(0, "12:30", "13:30", "Lunch", BREAK, room)
    p.session(
        0,
        "13:30",
        "14:15",
        "The Strategic Research Agenda of IMI in the field of PM – opportunities and challenges of "
        "public-private-partnership-driven research",
        TALK,
        room,
        track="Guest talks",
        roles=[Role("Nathalie Seigneuret")],
    )
    p.session(0, "14:15", "15:45", "Joint calls and activities", THEMED, room)
    p.session(0, "15:45", "16:15", "Coffee break", BREAK, room)
    p.session(0, "16:15", "17:30", "Communication and outreach", THEMED, room)
    p.session(0, "19:00", "21:30", "Committee dinner", SOCIAL, room)
    p.session(1, "09:00", "10:30", "Work plan for the next reporting period", THEMED, room)
    p.session(1, "10:30", "11:00", "Coffee break", BREAK, room)
    p.session(1, "11:00", "12:30", "Decisions and next steps", THEMED, room)
    p.session(1, "12:30", "13:30", "Lunch and departure", BREAK, room)


def _data_management_training(db: DbSession) -> None:
    p = _new_event(
        db,
        slug="data-management-training-2023",
        title="Data management plans for personalised medicine projects",
        kind=EventKind.training,
        start_date=date(2023, 3, 14),
        end_date=date(2023, 3, 14),
        timezone="Europe/Paris",
        venue="Online",
        attendance_mode=AttendanceMode.online,
        visibility=Visibility.public,
        description=TRAINING_DESCRIPTION,
    )
    room = "Online classroom"
    p.room(room, capacity=60, stream_url="https://meet.example.org/dmp-training-2023")
    p.track("Training", "#2e7d4f")
    # Fictional trainers.
    p.speaker(
        "Ingrid Solberg",
        "Nordic Data Stewardship Centre",
        email="ingrid.solberg@example.org",
        timezone="Europe/Oslo",
        bio="Data steward who has reviewed data management plans for national and European funders.",
    )
    p.speaker(
        "Kenji Watanabe",
        "Pacific Biobank Network",
        email="kenji.watanabe@example.org",
        timezone="Asia/Tokyo",
        bio="Supports research teams in sharing biobank and clinical data under Japanese and EU rules.",
    )
    p.speaker(
        "Laura Mendes",
        "Atlantic Clinical Data Institute",
        email="laura.mendes@example.org",
        timezone="America/New_York",
        bio="Teaches FAIR data practice to clinical research teams in North and South America.",
    )
    outline = (
        "What funders expect in a data management plan; FAIR data in practice; consent and data protection "
        "across borders; tools and templates. Two hours with exercises and questions."
    )
    # 08:00 in Paris is 16:00 in Tokyo and 18:00 in Sydney; 16:00 in Paris is 11:00 in New York, where summer
    # time has already begun on 12 March 2023.
    p.session(
        0,
        "08:00",
        "10:00",
        "Data management plans – Asia-Pacific session",
        WORKSHOP,
        room,
        track="Training",
        seat_limit=30,
        abstract=outline,
        roles=[Role("Ingrid Solberg"), Role("Kenji Watanabe", is_remote=True)],
    )
    p.session(
        0,
        "16:00",
        "18:00",
        "Data management plans – Americas session",
        WORKSHOP,
        room,
        track="Training",
        seat_limit=30,
        abstract=outline,
        roles=[Role("Ingrid Solberg"), Role("Laura Mendes", is_remote=True)],
    )


def _family_meeting(db: DbSession) -> None:
    p = _new_event(
        db,
        slug="family-meeting-2023",
        title="Family meeting of the joint call projects",
        kind=EventKind.meeting,
        start_date=date(2023, 5, 10),
        end_date=date(2023, 5, 10),
        timezone="Europe/Berlin",
        venue="Online",
        attendance_mode=AttendanceMode.online,
        visibility=Visibility.unlisted,
        description=FAMILY_DESCRIPTION,
    )
    room = "Video call"
    p.room(room, stream_url="https://meet.example.org/family-meeting-2023")
    p.track("Project updates", "#1f6f8b")
    p.speaker(
        "Clara Hoffmann",
        "Joint call secretariat",
        email="clara.hoffmann@example.org",
        timezone="Europe/Berlin",
    )
    p.session(
        0, "10:00", "10:15", "Welcome and aims of the meeting", TALK, room, roles=[Role("Clara Hoffmann")]
    )
    p.session(
        0,
        "10:15",
        "11:45",
        "Project progress reports",
        THEMED,
        room,
        track="Project updates",
        abstract="Each project presents its results so far, its data and its plans, in ten minutes.",
        roles=[Role("Clara Hoffmann", RoleKind.chair)],
    )
    p.session(0, "11:45", "12:00", "Break", BREAK, room)
    p.session(
        0,
        "12:00",
        "13:00",
        "Shared data, tools and training",
        THEMED,
        room,
        track="Project updates",
        abstract="Where the projects can share cohorts, pipelines and training, and what they need from "
        "funders.",
        roles=[Role("Clara Hoffmann", RoleKind.chair)],
    )


# Registration is set up on the demo events so every kind can be tried (hybrid seats and online places,
# the workshop's panels, an invitation-only meeting); as the events are past, it closed when each ended
# until an organiser sets a later closing date.
_PRIVACY_NOTE = (
    "The secretariat uses your details only to organise this event and deletes them a year after it. "
    "You can change or delete them at any time from the link in your confirmation email."
)


def _open_registration(**limits: object) -> dict[str, object]:
    return {"is_open": True, "waiting_list": True, "privacy_note": _PRIVACY_NOTE, **limits}


DEMO_REGISTRATION: dict[str, dict[str, Any]] = {
    "prelude-2022": _open_registration(in_person_seats=250, online_places=1000),
    "vision-to-practice-2021": _open_registration(online_places=1000),
    "data-workshop-2017": _open_registration(in_person_seats=60, requires_approval=True),
    "exec-committee-2017": _open_registration(in_person_seats=40),
    "data-management-training-2023": _open_registration(online_places=100),
    "family-meeting-2023": _open_registration(in_person_seats=30, online_places=100),
}

DEMO_EVENTS: dict[str, Callable[[DbSession], None]] = {
    "prelude-2022": _prelude,
    "vision-to-practice-2021": _vision_to_practice,
    "data-workshop-2017": _data_workshop,
    "exec-committee-2017": _executive_committee,
    "data-management-training-2023": _data_management_training,
    "family-meeting-2023": _family_meeting,
}


DEMO_RELEASES: dict[str, Callable[[DbSession, Event], None]] = {"prelude-2022": _prelude_releases}
