"""What a frab schedule file holds, checked: the plan that the import writes into an event.

Made by `app.imports.readers.read_schedule`; written into an event by `app.imports.writer`.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from app.errors import InvalidInput
from app.i18n import _
from app.programme.models import RoleKind, SessionKind, SessionLink

MAX_IMPORT_BYTES = 20 * 1024 * 1024
MAX_SESSION_LENGTH = timedelta(days=14)
DEFAULT_TRACK_COLOUR = "#3b5ba9"
# Colours for tracks the file gives none: distinct, readable with white text, the default first.
TRACK_PALETTE = (
    "#3b5ba9", "#b5403a", "#2e7d4f", "#8a4fa8", "#c26a12", "#1f7f8c", "#a8326e", "#5b6b2e",
    "#6d4c41", "#3f51b5", "#00796b", "#ad1457", "#546e7a", "#7b5e00", "#4e342e", "#283593",
)  # fmt: skip
LANGUAGE_LENGTH = 35
URL_LENGTH = 500
TITLE_LENGTH = 300
NAME_LENGTH = 120
SPEAKER_NAME_LENGTH = 200

FORMAT_XML = "frab schedule.xml"
FORMAT_JSON = "frab schedule.json"
FORMAT_SCHEDULE2 = "schedule2 JSON (c3voc)"


class NotASchedule(InvalidInput):
    """The file as a whole cannot be read as a schedule; nothing of it is imported."""


# --- The plan: what the file holds, checked ---


@dataclass(frozen=True, slots=True)
class PlannedPerson:
    name: str
    role: RoleKind = RoleKind.speaker
    bio: str = ""
    # The person's guid (canonical UUID) and id in the file, when it gives them.
    guid: str | None = None
    source_id: int | None = None

    @property
    def key(self) -> str:
        """Who the person is: the file's guid, else its id, else the name ignoring case."""
        if self.guid is not None:
            return f"guid:{self.guid}"
        if self.source_id is not None:
            return f"id:{self.source_id}"
        return f"name:{self.name.casefold()}"


@dataclass(frozen=True, slots=True)
class PlannedTalk:
    title: str
    people: tuple[PlannedPerson, ...] = ()


@dataclass(frozen=True, slots=True)
class PlannedRoom:
    name: str
    capacity: int | None = None
    guid: str | None = None


@dataclass(frozen=True, slots=True)
class PlannedTrack:
    name: str
    colour: str = DEFAULT_TRACK_COLOUR


@dataclass(frozen=True, slots=True)
class PlannedSession:
    # How the report names it: "Event 'Opening' (id 12)".
    label: str
    # The file's guid as a canonical UUID, or None when it has none that is valid.
    guid: str | None
    title: str
    kind: SessionKind
    start_at: datetime
    end_at: datetime
    room: str | None
    track: str | None
    abstract: str
    # People on the session itself; people on one of its talks are in `talks`.
    people: tuple[PlannedPerson, ...]
    # None when the file says nothing about talks (every file but Plenary's own).
    talks: tuple[PlannedTalk, ...] | None = None
    is_cancelled: bool = False
    # The event's id in the file, when it has one.
    source_id: int | None = None
    subtitle: str = ""
    description: str = ""
    language: str = ""
    # The type as the file writes it; `kind` is what it was read as.
    type_label: str = ""
    do_not_record: bool = False
    do_not_stream: bool = False
    recording_license: str = ""
    feedback_url: str = ""
    logo_url: str = ""
    # The event's page in the system the file comes from (its `origin_url`, else its `url`).
    origin_url: str = ""
    links: tuple[SessionLink, ...] = ()
    attachments: tuple[SessionLink, ...] = ()


@dataclass(frozen=True, slots=True)
class PlannedConference:
    title: str
    acronym: str
    # A zone name that exists, or None when the file names none (times are then read in UTC).
    timezone: str | None
    start_date: date | None
    end_date: date | None


@dataclass(frozen=True, slots=True)
class KindMapping:
    """How one `type` of the file was read: "Workshop (2h)" → workshop, for 3 events."""

    type: str
    kind: SessionKind
    count: int


@dataclass(frozen=True)
class ImportPlan:
    format: str
    generator: str
    conference: PlannedConference
    rooms: tuple[PlannedRoom, ...]
    tracks: tuple[PlannedTrack, ...]
    sessions: tuple[PlannedSession, ...]
    # Complete sentences in the user's words: what was left out and why, and what was changed on the way.
    skipped: tuple[str, ...]
    notes: tuple[str, ...]
    kinds: tuple[KindMapping, ...]


def list_some(labels: list[str], shown: int = 5) -> str:
    """The first few labels and how many more: a report line names a handful of events, not hundreds."""
    if len(labels) <= shown:
        return ", ".join(labels)
    return _("{labels} and {count} more").format(labels=", ".join(labels[:shown]), count=len(labels) - shown)
