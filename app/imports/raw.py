"""The one raw shape that frab XML, frab JSON and schedule2 JSON are read into, before any check."""

from dataclasses import dataclass, field
from datetime import date, datetime

from app.imports.plan import PlannedPerson, PlannedTrack
from app.programme.models import SessionLink

# --- Reading the files into one raw shape ---


@dataclass
class RawEvent:
    number: int
    title: str = ""
    id: int | None = None
    id_text: str = ""
    id_problem: str = ""
    guid: str = ""
    subtitle: str = ""
    date_text: str = ""
    start: str = ""
    duration: str = ""
    end: str = ""
    # The room the file lists the event under (frab), and the room the event itself names.
    listed_room: str | None = None
    room: str = ""
    room_problem: str = ""
    track: str = ""
    type: str = ""
    abstract: str = ""
    description: str = ""
    persons: list[PlannedPerson] = field(default_factory=list)
    state: str = ""
    day_date: date | None = None
    day_start: datetime | None = None
    language: str = ""
    feedback_url: str = ""
    logo: str = ""
    url: str = ""
    origin_url: str = ""
    recording_license: str = ""
    do_not_record: bool = False
    do_not_stream: bool = False
    links: list[SessionLink] = field(default_factory=list)
    attachments: list[SessionLink] = field(default_factory=list)
    # What of the event was not taken, in words: "a person without a name".
    dropped: list[str] = field(default_factory=list)


@dataclass
class RawRoom:
    name: str
    guid: str = ""
    capacity: int | None = None


@dataclass
class RawSchedule:
    format: str
    generator: str = ""
    title: str = ""
    acronym: str = ""
    time_zone: str = ""
    start: str = ""
    end: str = ""
    url: str = ""
    base_url: str = ""
    day_dates: list[date] = field(default_factory=list)
    rooms: list[RawRoom] = field(default_factory=list)
    tracks: list[PlannedTrack] = field(default_factory=list)
    events: list[RawEvent] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
