"""A synthetic but plausible conference of any size, for benchmarks and for trying the builder on a big event.

Everything comes from word lists and a seeded random generator, so one seed always gives the same event.
Records are inserted in bulk (one statement per table, returning keys), so 1000 sessions take about a second.

`generate_hybrid_event` makes the same conference ready to try the event days with, at a date or a moment
chosen (now, by default): published, every room streamed, registration open, programme released.
"""

import random
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import product
from typing import Any, TypeAlias
from zoneinfo import ZoneInfo

from sqlalchemy import Table, insert

from app.db import DbSession, utcnow
from app.errors import InvalidInput
from app.events.models import AttendanceMode, Event, EventKind, Visibility
from app.events.service import SlugTaken, set_published, slug_is_free
from app.i18n import _
from app.programme.models import RoleKind, Room, Session, SessionKind, SessionRole, Talk, Track
from app.programme.releases import release_programme
from app.registration.models import RegistrationForm
from app.registration.setup import RegistrationSettings, save_registration_settings
from app.speakers.models import Speaker
from app.timezones import local_to_utc

DAY_START = 8 * 60 + 30
DAY_END = 18 * 60 + 30
SHORTEST_SLOT = 30
SLOT_LENGTHS = (30, 45, 60, 75, 90)
MAX_SLOTS_PER_ROOM_DAY = (DAY_END - DAY_START) // SHORTEST_SLOT
MAX_DAYS = 14
MAX_ROOMS = 100
# A generated event running at a given moment: its first day starts on this grid, about LIVE_LEAD minutes
# before the moment, and the moment falls inside a session of the main room with another one after it.
LIVE_GRID = 30
LIVE_LEAD = 120
LIVE_MIN_SESSIONS_PER_ROOM_DAY = 2
STREAM_BASE = "https://stream.example.org"
IN_PERSON_SEATS = 900  # the main auditorium
ONLINE_PLACES = 3000
FIRST_YEAR = 1970
LAST_YEAR = 2100
_DATE_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MOMENT_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
# Any fixed instant: the first day is planned from it, then placed where the moment falls.
_TRIAL_DAY_START = datetime(2000, 1, 1, tzinfo=UTC)

FIRST_NAMES = (
    "Aino", "Ana", "Andreas", "Anja", "Bartosz", "Beatriz", "Camille", "Carlos", "Chiara", "Daniel",
    "Dimitra", "Elena", "Emma", "Eszter", "Fatima", "Felix", "Hana", "Hugo", "Ines", "Ioana", "Jakob", "Jan",
    "Jana", "Joao", "Julia", "Karin", "Kateryna", "Laila", "Lars", "Lea", "Lucas", "Luis", "Maja", "Marek",
    "Maria", "Markus", "Mateo", "Mei", "Miguel", "Mina", "Nadia", "Niamh", "Nikos", "Noah", "Olga", "Omar",
    "Paula", "Pedro", "Priya", "Rafael", "Ravi", "Rita", "Sara", "Sebastian", "Sofia", "Sven", "Tamar",
    "Thomas", "Tomasz", "Valentina", "Victor", "Yasmin", "Yuki", "Zofia",
)  # fmt: skip
LAST_NAMES = (
    "Andersen", "Bauer", "Bianchi", "Bogdan", "Carvalho", "Costa", "Dubois", "Eriksson", "Fischer", "Garcia",
    "Georgiou", "Haddad", "Hansen", "Horvath", "Ivanova", "Jansen", "Jovanovic", "Kaya", "Kim", "Kowalski",
    "Kumar", "Lambert", "Laine", "Larsen", "Lehmann", "Lopez", "Mahmoud", "Marino", "Martin", "Meyer",
    "Moreau", "Murphy", "Nagy", "Nakamura", "Nielsen", "Novak", "Oliveira", "Papadopoulos", "Petrov",
    "Popescu", "Rossi", "Santos", "Schmidt", "Silva", "Smit", "Sorensen", "Tanaka", "Virtanen", "Wagner",
    "Walsh", "Weber", "Wong", "Yilmaz", "Zhang",
)  # fmt: skip
CITIES = (
    ("Amsterdam", "Europe/Amsterdam"), ("Barcelona", "Europe/Madrid"), ("Berlin", "Europe/Berlin"),
    ("Bologna", "Europe/Rome"), ("Copenhagen", "Europe/Copenhagen"), ("Dublin", "Europe/Dublin"),
    ("Ghent", "Europe/Brussels"), ("Heidelberg", "Europe/Berlin"), ("Helsinki", "Europe/Helsinki"),
    ("Krakow", "Europe/Warsaw"), ("Leuven", "Europe/Brussels"), ("Lisbon", "Europe/Lisbon"),
    ("Lyon", "Europe/Paris"), ("Montreal", "America/Toronto"), ("Oslo", "Europe/Oslo"),
    ("Porto", "Europe/Lisbon"), ("Seoul", "Asia/Seoul"), ("Stockholm", "Europe/Stockholm"),
    ("Tartu", "Europe/Tallinn"), ("Tel Aviv", "Asia/Jerusalem"), ("Toronto", "America/Toronto"),
    ("Uppsala", "Europe/Stockholm"), ("Utrecht", "Europe/Amsterdam"), ("Vienna", "Europe/Vienna"),
    ("Vilnius", "Europe/Vilnius"), ("Zagreb", "Europe/Zagreb"), ("Zurich", "Europe/Zurich"),
    ("Buenos Aires", "America/Argentina/Buenos_Aires"), ("Melbourne", "Australia/Melbourne"),
    ("Tokyo", "Asia/Tokyo"),
)  # fmt: skip
HOST_CITIES = (
    ("Paris", "Europe/Paris"), ("Lisbon", "Europe/Lisbon"), ("Berlin", "Europe/Berlin"),
    ("Vienna", "Europe/Vienna"), ("Copenhagen", "Europe/Copenhagen"), ("Barcelona", "Europe/Madrid"),
)  # fmt: skip
FIELDS = (
    "Molecular Medicine", "Clinical Genomics", "Health Economics", "Biomedical Informatics", "Epidemiology",
    "Translational Oncology", "Pharmacology", "Public Health", "Computational Biology", "Immunology",
    "Rare Diseases", "Cardiovascular Research", "Neuroscience", "Health Data Science",
)  # fmt: skip
AFFILIATION_PATTERNS = (
    "University of {city}",
    "{city} University Hospital",
    "Institute of {field}, University of {city}",
    "{city} Centre for {field}",
    "Department of {field}, {city} Medical School",
    "National Institute of {field}, {city}",
)
TRACKS = (
    ("Genomics and omics", "#1f6f8b"), ("Health data and AI", "#3b5ba9"), ("Clinical trials", "#7a3e9d"),
    ("Health economics", "#c0622d"), ("Patients and society", "#2e7d4f"), ("Rare diseases", "#a33b5b"),
    ("Oncology", "#8a6d1f"), ("Prevention", "#3f7f7f"), ("Regulation and ethics", "#5b5b8a"),
    ("Implementation", "#6d4c41"),
)  # fmt: skip
METHODS = (
    "Single-cell sequencing", "Polygenic risk scores", "Federated learning", "Liquid biopsy",
    "Pharmacogenomic testing", "Digital twins", "Multi-omics integration", "Real-world evidence",
    "Adaptive trial designs", "Deep phenotyping", "Wearable sensors", "Clinical language models",
    "Spatial transcriptomics", "Functional genomic screens", "Patient-derived organoids",
    "Bayesian modelling", "Mendelian randomisation", "Proteomic profiling", "Imaging biomarkers",
    "Microbiome profiling",
)  # fmt: skip
AIMS = (
    "early detection", "treatment selection", "risk stratification", "dose optimisation",
    "disease reclassification", "remote monitoring", "prognosis", "drug repurposing", "primary prevention",
)  # fmt: skip
CONDITIONS = (
    "breast cancer", "type 2 diabetes", "heart failure", "rare neuromuscular diseases", "Alzheimer's disease",
    "colorectal cancer", "rheumatoid arthritis", "severe asthma", "multiple sclerosis",
    "chronic kidney disease", "paediatric leukaemia", "depression", "sepsis", "cystic fibrosis",
    "atrial fibrillation", "lung cancer", "inflammatory bowel disease", "epilepsy",
)  # fmt: skip
DATA_TYPES = (
    "whole-genome sequences", "electronic health records", "imaging data", "proteomic profiles",
    "registry data", "data from wearable devices", "prescription records", "biobank samples",
)  # fmt: skip
REGIONS = ("five European countries", "the Nordic countries", "three continents", "Southern Europe", "Canada")
THEMES = (
    "Health data governance", "Biomarkers and diagnostics", "Precision oncology",
    "Pharmacogenomics in practice", "Artificial intelligence in the clinic", "Patients as partners",
    "Paying for personalised medicine", "Rare disease genomics", "Prevention and risk prediction",
    "Regulatory science", "Clinical trial innovation", "Implementation in health systems",
    "Digital health and remote care", "Equity and access",
)  # fmt: skip
ANGLES = (
    "from bench to bedside", "evidence and practice", "open questions", "lessons from national programmes",
    "new methods", "what works in routine care", "international perspectives", "early-career research",
)  # fmt: skip
PANEL_QUESTIONS = (
    "Who pays for personalised medicine?", "Can we share health data and keep patients' trust?",
    "What should regulators ask of algorithms?", "How do we bring genomics to primary care?",
    "Are adaptive trials ready for the mainstream?", "How do small countries build precision medicine?",
    "What do patients want from personalised care?", "How do start-ups and hospitals work together?",
)  # fmt: skip
WORKSHOP_TOPICS = (
    "writing a data management plan", "federated analysis of cohort data", "FAIR metadata for biobanks",
    "designing a basket trial", "health technology assessment dossiers", "patient engagement plans",
    "reproducible omics pipelines", "consent models for data reuse",
)  # fmt: skip
OPENING_SENTENCES = (
    "{Condition} remains hard to treat well because patients respond very differently to the same therapy.",
    "Personalised approaches to {condition} promise better outcomes, but evidence from routine care is "
    "scarce.",
    "Health systems increasingly ask whether {method} can improve {aim} at an acceptable cost.",
    "Large cohorts now make it possible to study {aim} in {condition} with unprecedented detail.",
)
BODY_SENTENCES = (
    "We applied {method_lower} to a cohort of {patients} patients recruited in {hospitals} hospitals "
    "across {region}.",
    "The study combined clinical records, {data_type} and patient-reported outcomes collected over "
    "{years} years.",
    "Our aim was to improve {aim} and to reduce avoidable adverse events.",
    "Models were trained on part of the cohort and validated in an independent group of {validation} "
    "patients.",
    "The analysis identified {subgroups} subgroups with distinct prognosis and response to treatment.",
    "Compared with current guidelines, the approach correctly reclassified {percent}% of patients at "
    "intermediate risk.",
    "Data stayed in the participating hospitals: only aggregated results were shared through a federated "
    "infrastructure.",
    "Patients and clinicians took part in the design of the study from the start.",
    "We also report the cost of implementation and what health technology assessment bodies asked to see.",
    "Sensitivity analyses confirmed the findings across age groups, sexes and sites.",
    "Laboratory workflows were harmonised so that results from different centres could be compared.",
    "Clinicians received the results within {days} days, fast enough to change treatment decisions.",
    "Uptake differed between hospitals, mostly because of training and reimbursement rules.",
    "The work was carried out with {partners} partners from academia, industry and patient organisations.",
)
CLOSING_SENTENCES = (
    "The talk presents the main findings, the limits of the data and the lessons for similar projects.",
    "These results support {aim} in routine care, but raise questions on consent, equity and reimbursement.",
    "Next steps include a pragmatic trial in {hospitals} countries and an open-source release of the "
    "pipeline.",
    "We close with recommendations for funders and for hospitals planning similar programmes.",
)


@dataclass
class _RolePlan:
    speaker: int
    role: RoleKind
    is_remote: bool


@dataclass
class _TalkPlan:
    title: str
    abstract: str
    start_at: datetime
    end_at: datetime
    roles: list[_RolePlan]


@dataclass
class _SessionPlan:
    title: str
    kind: SessionKind
    start_at: datetime
    end_at: datetime
    day: int
    room: int
    track: int | None
    abstract: str
    roles: list[_RolePlan] = field(default_factory=list)
    talks: list[_TalkPlan] = field(default_factory=list)


# (day of the event from 0, minute of the planned day from DAY_START to DAY_END) -> the UTC instant
_Place: TypeAlias = Callable[[int, int], datetime]


@dataclass(frozen=True)
class HybridEvent:
    """A generated event ready to be tried, with what the command line reports of it."""

    event: Event
    registration: RegistrationForm
    runs_from: datetime  # the first session's start, UTC
    runs_until: datetime  # the last session's end, UTC


@dataclass(frozen=True)
class _Generated:
    event: Event
    runs_from: datetime
    runs_until: datetime


def generate_conference(
    db: DbSession, slug: str, sessions: int, rooms: int, days: int, seed: int = 0
) -> Event:
    """A draft conference of exactly `sessions` sessions, `rooms` rooms and `days` days; a seed fixes it."""
    return _generate(db, slug, sessions, rooms, days, seed, start=None, streamed=False).event


def generate_hybrid_event(
    db: DbSession,
    slug: str,
    sessions: int,
    rooms: int,
    days: int,
    *,
    start: date | datetime | None = None,
    now: datetime | None = None,
    seed: int = 0,
) -> HybridEvent:
    """A published hybrid conference to try the event days with: every room streamed, registration open in
    person and online until the event is over, the programme released.

    It starts on `start`: a day (sessions at the usual hours), or a moment (aware, or naive for the event's
    own clocks), or when None, `now` (the clock when None too). A moment falls inside a session of the main
    room on the first day, which starts a couple of hours before it, with another session after it.
    """
    generated = _generate(
        db,
        slug,
        sessions,
        rooms,
        days,
        seed,
        start=(now or utcnow()) if start is None else start,
        streamed=True,
    )
    event = set_published(db, generated.event, True)
    registration = save_registration_settings(
        db,
        event,
        RegistrationSettings(
            is_open=True,
            opens_at=None,
            # After the event: at the end of its last day on its own clocks.
            closes_at=_instant(event.end_date + timedelta(days=1), 0, ZoneInfo(event.timezone)),
            in_person_seats=IN_PERSON_SEATS,
            online_places=ONLINE_PLACES,
            requires_approval=False,
            waiting_list=True,
            privacy_note="",
        ),
    )
    release_programme(db, event, "Generated programme", None)
    # Releasing may end the transaction that had read them (to take SQLite's write lock) and expire them.
    db.refresh(event)
    db.refresh(registration)
    return HybridEvent(event, registration, generated.runs_from, generated.runs_until)


def event_zone(seed: int) -> str:
    """The time zone (its host city's) of the event generated with `seed`, known before generating it."""
    return _host_city(random.Random(seed))[1]


def parse_start(value: str) -> date | datetime | None:
    """When `generate --start` says an event runs: None for now, a date, or a wall-clock moment (naive) on
    the event's own clocks."""
    text = value.strip()
    if text.lower() == "now":
        return None
    start: date
    try:
        if _DATE_SHAPE.fullmatch(text):
            start = date.fromisoformat(text)
        elif _MOMENT_SHAPE.fullmatch(text):
            start = datetime.fromisoformat(text.replace(" ", "T"))
        else:
            raise ValueError(text)
    except ValueError as error:
        raise InvalidInput(
            _(
                "Give the start as a date (YYYY-MM-DD), a date and a time on the event's clocks "
                "(YYYY-MM-DDTHH:MM) or now."
            ),
            field="start",
        ) from error
    if not FIRST_YEAR <= start.year <= LAST_YEAR:
        raise InvalidInput(
            _("The start must fall between the years {first} and {last}.").format(
                first=FIRST_YEAR, last=LAST_YEAR
            ),
            field="start",
        )
    return start


def _host_city(rng: random.Random) -> tuple[str, str]:
    city, zone_name = rng.choice(HOST_CITIES)
    return city, zone_name


def _generate(
    db: DbSession,
    slug: str,
    sessions: int,
    rooms: int,
    days: int,
    seed: int,
    *,
    start: date | datetime | None,
    streamed: bool,
) -> _Generated:
    """The conference, on a random day of 2027 (`start` None), on the day `start`, or around the moment
    `start`; with `streamed`, every room has a stream."""
    _check_size(sessions, rooms, days)
    if isinstance(start, datetime):
        _check_live_size(sessions, rooms, days)
    if not slug_is_free(db, slug):
        raise SlugTaken()
    rng = random.Random(seed)
    city, zone_name = _host_city(rng)
    zone = ZoneInfo(zone_name)
    # Drawn even when `start` says the day, so that a seed gives the same conference on any day.
    start_date = date(2027, 3, 1) + timedelta(weeks=rng.randrange(30), days=rng.randrange(3))
    moment = _moment(start, zone)
    if moment is not None:
        start_date = moment.astimezone(zone).date()
    elif start is not None:
        start_date = start
    theme = rng.choice(THEMES)
    event = Event(
        slug=slug,
        title=f"{city} Conference on Personalised Medicine {start_date.year}: {theme}",
        kind=EventKind.conference,
        start_date=start_date,
        end_date=start_date + timedelta(days=days - 1),
        timezone=zone_name,
        venue=f"{city} Congress Centre",
        attendance_mode=AttendanceMode.hybrid,
        visibility=Visibility.public,
        is_published=False,
        description=(
            f"A {days}-day conference in {city} on personalised medicine: {sessions} sessions in "
            f"{rooms} rooms, "
            f"with plenary keynotes, themed sessions, panels and hands-on workshops.\n\n"
            f"{'Every room is' if streamed else 'The main rooms are'} **streamed**; recordings and slides "
            "are published after each session."
        ),
    )
    db.add(event)
    db.flush()
    event_id = _key(event.id)

    room_records = _rooms(rng, event_id, rooms)
    if streamed:
        for room in room_records:
            room.stream_url = f"{STREAM_BASE}/{slug}/{_url_part(room.name)}"
    track_records = [Track(event_id=event_id, name=name, colour=colour) for name, colour in TRACKS]
    track_records = track_records[: max(3, min(len(TRACKS), rooms // 2))]
    db.add_all([*room_records, *track_records])
    db.flush()

    speaker_rows = _speakers(rng, event_id, max(12, sessions * 13 // 10))
    size = (sessions, rooms, days, len(track_records), len(speaker_rows))
    if moment is None:
        plans = _plan_sessions(rng, _on_their_dates(start_date, zone), *size)
    else:
        plans = _plan_live(rng, moment, zone, *size)
    # A first day running past midnight, or later days moved a date on, can make the event longer.
    last_date = max(plan.start_at.astimezone(zone).date() for plan in plans)
    event.end_date = max(event.end_date, last_date)

    # Only people who ended up on the programme become speakers of the event.
    used = sorted({role.speaker for plan in plans for role in _all_roles(plan)})
    connection = db.connection()
    inserted_ids = _insert_returning_ids(
        # SQLModel builds __table__ with the class but does not declare it.
        connection,
        Speaker.__table__,  # type: ignore[attr-defined]
        [speaker_rows[index] for index in used],
    )
    speaker_ids = dict(zip(used, inserted_ids, strict=True))
    now = utcnow()
    session_ids = _insert_returning_ids(
        connection,
        Session.__table__,  # type: ignore[attr-defined]  # (undeclared by SQLModel)
        [
            {
                "event_id": event_id,
                # Calendar UIDs must be unique across events, so they are the one thing the seed does not fix.
                "uid": str(uuid.uuid4()),
                "title": plan.title,
                "kind": plan.kind,
                "start_at": plan.start_at,
                "end_at": plan.end_at,
                "room_id": room_records[plan.room].id,
                "track_id": track_records[plan.track].id if plan.track is not None else None,
                "abstract": plan.abstract,
                "seat_limit": None,
                "is_cancelled": False,
                "created_at": now,
                "updated_at": now,
            }
            for plan in plans
        ],
    )
    talk_owners = [
        (session_id, talk) for session_id, plan in zip(session_ids, plans, strict=True) for talk in plan.talks
    ]
    talk_ids = _insert_returning_ids(
        connection,
        Talk.__table__,  # type: ignore[attr-defined]  # (undeclared by SQLModel)
        [
            {
                "session_id": session_id,
                "title": talk.title,
                "abstract": talk.abstract,
                "position": talk_position,
                "start_at": talk.start_at,
                "end_at": talk.end_at,
            }
            for session_id, plan in zip(session_ids, plans, strict=True)
            for talk_position, talk in enumerate(plan.talks)
        ],
    )
    role_rows: list[dict[str, Any]] = []
    for session_id, plan in zip(session_ids, plans, strict=True):
        role_rows += _role_rows(session_id, None, plan.roles, speaker_ids)
    for (session_id, talk), talk_id in zip(talk_owners, talk_ids, strict=True):
        role_rows += _role_rows(session_id, talk_id, talk.roles, speaker_ids)
    if role_rows:
        connection.execute(insert(SessionRole.__table__), role_rows)  # type: ignore[attr-defined]  # (as above)
    db.add(event)
    db.commit()
    db.refresh(event)
    return _Generated(event, min(plan.start_at for plan in plans), max(plan.end_at for plan in plans))


def _moment(start: date | datetime | None, zone: ZoneInfo) -> datetime | None:
    """The instant a moment `start` names (a naive one on the event's clocks); None for a day or nothing."""
    if not isinstance(start, datetime):
        return None
    if start.tzinfo is not None:
        return start.astimezone(UTC)
    try:
        return local_to_utc(start.date(), start.time(), zone.key)
    except ValueError as error:
        raise InvalidInput(str(error), field="start") from error


def _check_live_size(sessions: int, rooms: int, days: int) -> None:
    needed = LIVE_MIN_SESSIONS_PER_ROOM_DAY * rooms * days
    if sessions < needed:
        raise InvalidInput(
            _(
                "An event running at a given moment needs at least two sessions in each room on each day: "
                "ask for {count} sessions or more, or for fewer rooms or days."
            ).format(count=needed),
            field="sessions",
        )


def _url_part(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _check_size(sessions: int, rooms: int, days: int) -> None:
    if sessions < 1 or rooms < 1 or days < 1:
        raise InvalidInput(_("A conference needs at least one session, one room and one day."))
    if days > MAX_DAYS:
        raise InvalidInput(
            _("A generated conference lasts at most {count} days.").format(count=MAX_DAYS), field="days"
        )
    if rooms > MAX_ROOMS:
        raise InvalidInput(
            _("A generated conference has at most {count} rooms.").format(count=MAX_ROOMS), field="rooms"
        )
    capacity = rooms * days * MAX_SLOTS_PER_ROOM_DAY
    if sessions > capacity:
        raise InvalidInput(
            _(
                "{sessions} sessions do not fit: {rooms} rooms over {days} days hold at most {capacity} "
                "sessions of 30 minutes between 08:30 and 18:30."
            ).format(sessions=sessions, rooms=rooms, days=days, capacity=capacity),
            field="sessions",
        )


def _key(primary_key: int | None) -> int:
    if primary_key is None:
        raise RuntimeError("the generated event was used before the database gave it a key")
    return primary_key


def _insert_returning_ids(connection: Any, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    if not rows:
        return []
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(connection.execute(statement, rows).scalars())


def _all_roles(plan: _SessionPlan) -> list[_RolePlan]:
    return [*plan.roles, *(role for talk in plan.talks for role in talk.roles)]


def _role_rows(
    session_id: int, talk_id: int | None, roles: Sequence[_RolePlan], speaker_ids: dict[int, int]
) -> list[dict[str, Any]]:
    return [
        {
            "session_id": session_id,
            "talk_id": talk_id,
            "speaker_id": speaker_ids[role.speaker],
            "role": role.role,
            "is_remote": role.is_remote,
            "position": position,
        }
        for position, role in enumerate(roles)
    ]


def _rooms(rng: random.Random, event_id: int, count: int) -> list[Room]:
    rooms = [Room(event_id=event_id, name="Main auditorium", capacity=900, position=0)]
    for index in range(1, count):
        floor, number = divmod(index - 1, 8)
        rooms.append(
            Room(
                event_id=event_id,
                name=f"Room {floor + 1}.{number + 1:02d}",
                capacity=rng.choice((40, 60, 80, 120, 200, 300)),
                position=index,
            )
        )
    for index, room in enumerate(rooms[:3]):
        room.stream_url = f"https://stream.example.org/room-{index + 1}"
    return rooms


def _speakers(rng: random.Random, event_id: int, count: int) -> list[dict[str, Any]]:
    names = rng.sample(list(product(FIRST_NAMES, LAST_NAMES)), min(count, len(FIRST_NAMES) * len(LAST_NAMES)))
    now = utcnow()
    rows = []
    for first, last in names:
        city, zone_name = rng.choice(CITIES)
        affiliation = rng.choice(AFFILIATION_PATTERNS).format(city=city, field=rng.choice(FIELDS))
        rows.append(
            {
                "event_id": event_id,
                "name": f"{first} {last}",
                "affiliation": affiliation,
                "bio": f"{first} {last} works at {affiliation} on {rng.choice(METHODS).lower()} "
                f"for {rng.choice(AIMS)} in {rng.choice(CONDITIONS)}.",
                "photo_url": None,
                "email": f"{first.lower()}.{last.lower()}@example.org",
                "timezone": zone_name,
                "created_at": now,
            }
        )
    return rows


def _slot_lengths(rng: random.Random, count: int) -> tuple[list[int], int]:
    """Lengths of `count` back-to-back slots filling the day about evenly, and the minutes left over."""
    lengths: list[int] = []
    remaining = DAY_END - DAY_START
    for index in range(count):
        still_to_place = count - index - 1
        longest = min(SLOT_LENGTHS[-1], remaining - SHORTEST_SLOT * still_to_place)
        average = remaining / (count - index)
        choices = [length for length in SLOT_LENGTHS if length <= longest]
        weights = [1 / (1 + abs(length - average) / 15) ** 2 for length in choices]
        length = rng.choices(choices, weights)[0]
        lengths.append(length)
        remaining -= length
    return lengths, remaining


def _on_their_dates(first_day: date, zone: ZoneInfo, *, later_days_moved: int = 0) -> _Place:
    """Each day at the usual hours of its own date on the event's clocks; days after the first
    `later_days_moved` dates later."""

    def place(day: int, minute: int) -> datetime:
        moved = later_days_moved if day > 0 else 0
        return _instant(first_day + timedelta(days=day + moved), minute, zone)

    return place


def _first_day_from(day_start: datetime, later: _Place) -> _Place:
    """The first day from `day_start` on, as much time later as planned (however the clocks change on the
    way, across midnight too); the others placed by `later`."""

    def place(day: int, minute: int) -> datetime:
        if day > 0:
            return later(day, minute)
        return day_start + timedelta(minutes=minute - DAY_START)

    return place


def _plan_live(
    rng: random.Random,
    moment: datetime,
    zone: ZoneInfo,
    sessions: int,
    rooms: int,
    days: int,
    tracks: int,
    speakers: int,
) -> list[_SessionPlan]:
    """Sessions planned so that `moment` falls inside a session of the main room on the first day, which
    starts on the grid, a couple of hours before it and on the moment's own date, with another session
    after it.

    The first day is planned once from a fixed instant to see where its sessions fall, then again (the
    generator put back as it was, so giving the same sessions) from the start that puts `moment` there.
    """
    size = (sessions, rooms, days, tracks, speakers)
    state = rng.getstate()
    trial = _plan_sessions(rng, _from_trial_start, *size)
    rng.setstate(state)
    first_day = [plan for plan in trial if plan.day == 0]
    main_room = sorted(plan.start_at - _TRIAL_DAY_START for plan in first_day if plan.room == 0)
    if len(main_room) < LIVE_MIN_SESSIONS_PER_ROOM_DAY:
        raise RuntimeError("the main room needs two sessions on the first day; _check_live_size ensures it")
    today = moment.astimezone(zone).date()
    # Near midnight the day starts at midnight, so that the moment's own date is the event's first day.
    into_day = min(timedelta(minutes=LIVE_LEAD), moment - _instant(today, 0, zone))
    # The latest session starting by then that is not the room's last one; the first starts at 0.
    offset = max(start for start in main_room[:-1] if start <= into_day)
    day_start = _on_grid(moment - offset, zone)
    first_day_end = day_start + max(plan.end_at - _TRIAL_DAY_START for plan in first_day)
    # A first day running through the night into the next date's usual hours pushes the others a date on.
    moved = 1 if first_day_end > _instant(today + timedelta(days=1), DAY_START, zone) else 0
    later = _on_their_dates(today, zone, later_days_moved=moved)
    return _plan_sessions(rng, _first_day_from(day_start, later), *size)


def _from_trial_start(day: int, minute: int) -> datetime:
    return _TRIAL_DAY_START + timedelta(days=day, minutes=minute - DAY_START)


def _on_grid(moment: datetime, zone: ZoneInfo) -> datetime:
    """The moment rounded down to the grid of the event's clocks (its zones' offsets are whole hours)."""
    local = moment.astimezone(zone)
    return moment - timedelta(
        minutes=local.minute % LIVE_GRID, seconds=local.second, microseconds=local.microsecond
    )


def _plan_sessions(
    rng: random.Random,
    place: _Place,
    sessions: int,
    rooms: int,
    days: int,
    tracks: int,
    speakers: int,
) -> list[_SessionPlan]:
    room_days = [(day, room) for day in range(days) for room in range(rooms)]
    per_room_day, extra = divmod(sessions, len(room_days))
    fuller = set(rng.sample(range(len(room_days)), extra))
    # A few speakers appear often, most once or twice, as at real conferences.
    speaker_weights = [1 / (rank + 1) ** 0.6 for rank in range(speakers)]
    picker = _SpeakerPicker(rng, list(_cumulative(speaker_weights)))
    plans: list[_SessionPlan] = []
    for index, (day, room) in enumerate(room_days):
        count = per_room_day + (1 if index in fuller else 0)
        if count == 0:
            continue
        lengths, spare = _slot_lengths(rng, count)
        minute = DAY_START
        had_lunch = False
        for length in lengths:
            # Spare minutes become changeover gaps between sessions, as long as there are some left.
            if minute > DAY_START and spare >= 15 and rng.random() < 0.5:
                minute += 15
                spare -= 15
            start_at = place(day, minute)
            end_at = place(day, minute + length)
            is_lunch = (
                not had_lunch and length >= 60 and 11 * 60 + 45 <= minute <= 13 * 60 and rng.random() < 0.7
            )
            had_lunch = had_lunch or is_lunch
            kind = SessionKind.break_ if is_lunch else _kind(rng, length, minute)
            home_track = room % tracks
            track = (
                None
                if kind == SessionKind.break_
                else (home_track if rng.random() < 0.8 else rng.randrange(tracks))
            )
            plan = _SessionPlan(
                title="",
                kind=kind,
                start_at=start_at,
                end_at=end_at,
                day=day,
                room=room,
                track=track,
                abstract="",
            )
            _fill(rng, plan, picker, is_lunch)
            plans.append(plan)
            minute += length
    return plans


def _cumulative(weights: Sequence[float]) -> list[float]:
    total = 0.0
    cumulative = []
    for weight in weights:
        total += weight
        cumulative.append(total)
    return cumulative


@dataclass
class _SpeakerPicker:
    rng: random.Random
    cumulative_weights: list[float]

    def people(self, count: int, role: RoleKind) -> list[_RolePlan]:
        chosen: list[int] = []
        while len(chosen) < min(count, len(self.cumulative_weights)):
            candidate = self.rng.choices(
                range(len(self.cumulative_weights)), cum_weights=self.cumulative_weights
            )[0]
            if candidate not in chosen:
                chosen.append(candidate)
        return [_RolePlan(speaker, role, is_remote=self.rng.random() < 0.04) for speaker in chosen]

    def speakers(self) -> list[_RolePlan]:
        return self.people(self.rng.choices((1, 2, 3), (70, 22, 8))[0], RoleKind.speaker)


def _kind(rng: random.Random, length: int, minute: int) -> SessionKind:
    options: list[tuple[SessionKind, float]]
    if length <= 30:
        options = [(SessionKind.talk, 5), (SessionKind.break_, 3), (SessionKind.keynote, 1)]
    elif length == 45:
        options = [
            (SessionKind.themed, 4),
            (SessionKind.talk, 2),
            (SessionKind.keynote, 2),
            (SessionKind.panel, 2),
            (SessionKind.break_, 1),
        ]
    else:
        options = [
            (SessionKind.themed, 10),
            (SessionKind.panel, 3),
            (SessionKind.workshop, 2),
            (SessionKind.keynote, 1),
        ]
    if minute >= 16 * 60 + 30:
        options.append((SessionKind.social, 1))
    kinds, weights = zip(*options, strict=True)
    kind: SessionKind = rng.choices(kinds, weights)[0]
    return kind


def _fill(rng: random.Random, plan: _SessionPlan, picker: _SpeakerPicker, is_lunch: bool) -> None:
    """Gives a planned session its title, abstract, talks and people, by kind."""
    if plan.kind == SessionKind.break_:
        plan.title = (
            "Lunch" if is_lunch else rng.choice(("Coffee break", "Coffee break", "Break", "Networking break"))
        )
    elif plan.kind == SessionKind.social:
        plan.title = rng.choice(("Poster session and drinks", "Networking reception", "Meet the speakers"))
        plan.abstract = "An informal hour to meet speakers and colleagues; drinks and light food are served."
    elif plan.kind == SessionKind.themed:
        plan.title = f"{rng.choice(THEMES)}: {rng.choice(ANGLES)}"
        plan.abstract = _abstract(rng)
        if rng.random() < 0.7:
            plan.roles = picker.people(1, RoleKind.chair)
        length = int((plan.end_at - plan.start_at).total_seconds() // 60)
        talk_count = rng.randint(2, min(5, length // 15))
        plan.talks = [
            _TalkPlan(
                title=_talk_title(rng),
                abstract=_abstract(rng),
                start_at=plan.start_at + timedelta(minutes=length * position // talk_count),
                end_at=plan.start_at + timedelta(minutes=length * (position + 1) // talk_count),
                roles=picker.speakers(),
            )
            for position in range(talk_count)
        ]
    elif plan.kind == SessionKind.panel:
        plan.title = f"Panel: {rng.choice(PANEL_QUESTIONS)}"
        plan.abstract = _abstract(rng)
        people = picker.people(1 + rng.randint(2, 3), RoleKind.panelist)
        people[0].role = RoleKind.moderator
        plan.roles = people
    elif plan.kind == SessionKind.workshop:
        plan.title = f"Hands-on workshop: {rng.choice(WORKSHOP_TOPICS)}"
        plan.abstract = _abstract(rng)
        plan.roles = picker.people(rng.randint(1, 2), RoleKind.speaker)
    elif plan.kind == SessionKind.keynote:
        plan.title = _talk_title(rng)
        plan.abstract = _abstract(rng)
        plan.roles = picker.people(1 if rng.random() < 0.85 else 2, RoleKind.speaker)
    else:
        plan.title = _talk_title(rng)
        plan.abstract = _abstract(rng)
        plan.roles = picker.speakers()


def _talk_title(rng: random.Random) -> str:
    method, aim, condition = rng.choice(METHODS), rng.choice(AIMS), rng.choice(CONDITIONS)
    patterns = (
        f"{method} for {aim} in {condition}",
        f"{aim.capitalize()} in {condition} with {method.lower()}",
        f"From {method.lower()} to the clinic: {aim} in {condition}",
        f"What {method.lower()} can tell us about {condition}",
        f"A national cohort study of {aim} in {condition}",
    )
    return rng.choice(patterns)


def _abstract(rng: random.Random) -> str:
    """80 to 200 words of plausible abstract, made of whole sentences."""
    values = {
        "Condition": "",
        "condition": rng.choice(CONDITIONS),
        "method": rng.choice(METHODS).lower(),
        "method_lower": rng.choice(METHODS).lower(),
        "aim": rng.choice(AIMS),
        "data_type": rng.choice(DATA_TYPES),
        "region": rng.choice(REGIONS),
        "patients": rng.choice((420, 1250, 3800, 12500, 56000)),
        "hospitals": rng.randint(3, 14),
        "years": rng.randint(2, 10),
        "validation": rng.choice((310, 850, 2400, 9100)),
        "subgroups": rng.randint(3, 6),
        "percent": rng.randint(8, 31),
        "days": rng.randint(3, 14),
        "partners": rng.randint(4, 19),
    }
    condition = str(values["condition"])
    values["Condition"] = condition[0].upper() + condition[1:]
    target = rng.randint(80, 200)
    closing = rng.choice(CLOSING_SENTENCES).format(**values)
    sentences = [rng.choice(OPENING_SENTENCES).format(**values)]
    words = len(sentences[0].split()) + len(closing.split())
    for template in rng.sample(BODY_SENTENCES, len(BODY_SENTENCES)):
        sentence = template.format(**values)
        length = len(sentence.split())
        if words >= target or words + length > 200:
            break
        sentences.append(sentence)
        words += length
    sentences.append(closing)
    return " ".join(sentences)


def _instant(local_day: date, minute: int, zone: ZoneInfo) -> datetime:
    local = datetime.combine(local_day, time(minute // 60, minute % 60), tzinfo=zone)
    return local.astimezone(ZoneInfo("UTC"))
