"""Reading a frab schedule (schedule.xml or schedule.json, as pretalx and frab publish them) into a plan.

`read_schedule(data)` reads and checks the file and returns an ImportPlan: the conference, its rooms,
tracks and sessions, and the report of what is left out and why. A file that is not a frab schedule at all
raises NotASchedule and nothing is imported; an event that breaks a rule is skipped and listed, and the rest
is imported. Nothing is written here: app.exports.import_writer writes a plan into an event, and
app.exports.import_jobs runs that in the background for the organisers' pages.

Formats: frab XML (`schedule.xml`), frab JSON (`schedule.json`) and c3voc's newer "schedule2" JSON. XML
is read with defusedxml, which refuses DTDs and entities (a schedule needs neither; entity expansion is
how an XML file exhausts memory or reads local files). Files are at most 20 MB.

Reading a frab file:
- times: an event's `date` with its UTC offset is the moment it starts; `start` ("HH:MM") must be a
  time, and is read in the conference's `time_zone_name` (UTC when the file names none that exists)
  only when `date` gives a day without a time. `duration` is "HH:MM", "H:MM:SS" or ISO ("PT1H30M").
- an event is skipped, and listed with the reason, when it has no title, an id that is not a number, an
  id or guid an earlier event already has, a start, date or duration that cannot be read, a duration
  of zero or over 14 days, or a room other than the room it is listed under.
- `type` becomes a session kind: Plenary's own labels ("Keynote", "Themed session", ...) exactly, other
  tools' types by their words ("Workshop (2h)" is a workshop, "DJ Set" social, "Coffee break" a break);
  anything else is a talk. The preview lists how each type was read and the organiser may choose
  another kind for it (`read_schedule(data, kinds)`); the type's own label is kept either way.
- XML may be UTF-8 or UTF-16 (with a byte order mark or an encoding declaration).
- `subtitle`, `abstract` and `description` are kept apart; text is made into Markdown on the way
  (app.exports.import_text: indentation removed, HTML converted, scripts dropped).
- `persons` become speakers, matched by their guid, then their id, then (for people the file gives
  neither) by name within the event; frab gives no roles, so everyone is a speaker (schedule2's
  MODERATOR and HOST become moderator and chair). `persons` written as text are split at commas.
- the type's label, language, recording licence and opt-outs (`optout`, `do_not_record`,
  `do_not_stream`), links, attachments, feedback url, logo, and room and person guids are kept, so that
  the export says them again.
- a wall-clock time that does not exist, or happens twice, on the night clocks change is noted.
- whatever is not taken (an entry that is not an event, a person without a name, an event outside any
  day) is listed in the report, and so are sessions overlapping in one room.
"""

import json
import re
import uuid
import xml.etree.ElementTree as ET  # noqa: S405 - only for its types and ParseError; defusedxml parses
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import Any
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as defused_fromstring

from app.errors import InvalidInput
from app.events.forms import check_timezone
from app.exports.frab import GENERATOR, ROOMLESS_ONLINE_ROOM, ROOMLESS_ROOM, room_guid
from app.exports.import_text import imported_line, imported_text
from app.i18n import _, ngettext
from app.programme.models import SESSION_KIND_LABELS, RoleKind, SessionKind, SessionLink
from app.text import one_line

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


def read_schedule(data: bytes, kinds: Mapping[str, SessionKind] | None = None) -> ImportPlan:
    """Any bytes give a plan or one NotASchedule; a bad event is skipped and listed, never an error.

    `kinds` maps the file's type labels to the session kinds the organiser chose in the preview; types
    it does not name are read by `session_kind`.
    """
    if len(data) > MAX_IMPORT_BYTES:
        raise NotASchedule(
            _("The file is larger than {limit} MB; a schedule file is far smaller.").format(
                limit=MAX_IMPORT_BYTES // (1024 * 1024)
            )
        )
    content = data.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
    if not content:
        raise NotASchedule(_("The file is empty."))
    if _is_utf16_xml(content):
        # The parser reads the encoding from the byte order mark or the declaration.
        raw = _read_xml(content)
    elif content[:1] == b"<":
        raw = _read_xml(content)
    elif content[:1] in (b"{", b"["):
        raw = _read_json(content)
    else:
        raise NotASchedule(
            _(
                "This file is neither XML nor JSON. Upload the schedule.xml or schedule.json that "
                "pretalx or frab publish."
            )
        )
    return _build_plan(raw, kinds or {})


def _is_utf16_xml(content: bytes) -> bool:
    return content[:2] in (b"\xff\xfe", b"\xfe\xff") or content[:4] in (b"<\x00?\x00", b"\x00<\x00?")


# --- Reading the files into one raw shape ---


@dataclass
class _RawEvent:
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
class _RawRoom:
    name: str
    guid: str = ""
    capacity: int | None = None


@dataclass
class _RawSchedule:
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
    rooms: list[_RawRoom] = field(default_factory=list)
    tracks: list[PlannedTrack] = field(default_factory=list)
    events: list[_RawEvent] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _read_xml(data: bytes) -> _RawSchedule:
    try:
        root = defused_fromstring(data, forbid_dtd=True)
    except DefusedXmlException as error:
        raise NotASchedule(
            _(
                "This XML file declares a document type or entities, which a schedule never needs; "
                "it was not read."
            )
        ) from error
    except (ET.ParseError, ValueError, LookupError) as error:
        raise NotASchedule(_("This file is not well-formed XML ({error}).").format(error=error)) from error
    for element in root.iter():
        if isinstance(element.tag, str) and "}" in element.tag:
            element.tag = element.tag.rsplit("}", 1)[1]
    if root.tag != "schedule":
        raise NotASchedule(
            _("This XML file is not a frab schedule: its root element is <{tag}>, not <schedule>.").format(
                tag=str(root.tag)[:50]
            )
        )
    conference = root.find("conference")
    if conference is None:
        raise NotASchedule(_("This XML file is not a frab schedule: it has no <conference>."))
    generator = root.find("generator")
    raw = _frab_schedule(
        FORMAT_XML,
        generator.get("name", "") if generator is not None else "",
        partial(_xml_text, conference),
        base_url=_xml_text(conference, "base_url"),
    )
    for track in conference.findall("track"):
        raw.tracks.append(
            PlannedTrack(track.get("name", "") or "".join(track.itertext()), track.get("color", ""))
        )
    number = 0
    read: set[int] = set()
    for day_number, day in enumerate(root.findall("day"), start=1):
        day_date = _date_only(day.get("date", ""))
        if day_date is not None:
            raw.day_dates.append(day_date)
        day_start = _aware(day.get("start", ""))
        for room in day.findall("room"):
            room_name = room.get("name", "").strip()
            if room_name:
                raw.rooms.append(_RawRoom(room_name, room.get("guid", "")))
            for element in room.findall("event"):
                number += 1
                read.add(id(element))
                raw.events.append(_xml_event(element, number, room_name or None, day_date, day_start))
        # Some exporters put events straight into the day; each names its room itself.
        for element in day.findall("event"):
            number += 1
            read.add(id(element))
            raw.events.append(_xml_event(element, number, None, day_date, day_start))
        if day_date is None and (day.find("room/event") is not None or day.find("event") is not None):
            raw.skipped.append(
                _(
                    "Day {number}'s date {value} is not a date; its events were read from their own dates."
                ).format(number=day_number, value=day.get("date", ""))
            )
    for element in root.iter("event"):
        if id(element) not in read:
            title = " ".join(_xml_text(element, "title").split())
            raw.skipped.append(
                _("Event '{title}' (id {id}) left out: it is not inside a day of the schedule.").format(
                    title=_cut(title, 80) or "–", id=element.get("id", "–")[:40]
                )
            )
    return raw


def _xml_event(
    element: ET.Element,
    number: int,
    listed_room: str | None,
    day_date: date | None,
    day_start: datetime | None,
) -> _RawEvent:
    event = _frab_event(partial(_xml_text, element), number, listed_room, day_date, day_start)
    # frab writes the guid as an attribute; some tools write it as an element.
    event.guid = element.get("guid", "") or event.guid
    event.id_text = id_text = element.get("id", "")
    if not id_text.strip():
        event.id_problem = _("it has no id")
    elif id_text.strip().isascii() and id_text.strip().isdigit():
        event.id = int(id_text.strip())
    else:
        event.id_problem = _("its id {value} is not a whole number").format(value=id_text)
    persons = element.find("persons")
    if persons is not None and not persons.findall("person") and (persons.text or "").strip():
        # "Ada Lovelace, Alan Turing": names in one text.
        _json_persons(event, persons.text, "persons")
    for person in element.findall("persons/person"):
        name = "".join(person.itertext())
        if not name.strip():
            event.dropped.append(_("a person without a name"))
            continue
        event.persons.append(
            PlannedPerson(
                name,
                guid=_canonical_uuid(person.get("guid", "")),
                source_id=_whole_number(person.get("id", "")),
            )
        )
    recording = element.find("recording")
    if recording is not None:
        event.recording_license = _xml_text(recording, "license")
        event.do_not_record = _truth(_xml_text(recording, "optout"))
    event.do_not_stream = _truth(_xml_text(element, "do_not_stream"))
    event.do_not_record = event.do_not_record or _truth(_xml_text(element, "do_not_record"))
    for tag, target in (("links/link", event.links), ("attachments/attachment", event.attachments)):
        for link in element.findall(tag):
            _add_link(event, target, link.get("href", ""), "".join(link.itertext()))
    return event


def _xml_text(parent: ET.Element, tag: str) -> str:
    element = parent.find(tag)
    return "".join(element.itertext()) if element is not None else ""


def _frab_schedule(format: str, generator: str, text: Callable[[str], str], base_url: str) -> _RawSchedule:
    """The conference's fields, which frab's XML and JSON name alike; `text(name)` reads one."""
    return _RawSchedule(
        format=format,
        generator=generator,
        title=text("title"),
        acronym=text("acronym"),
        time_zone=text("time_zone_name"),
        start=text("start"),
        end=text("end"),
        url=text("url"),
        base_url=base_url,
    )


def _frab_event(
    text: Callable[[str], str],
    number: int,
    listed_room: str | None,
    day_date: date | None,
    day_start: datetime | None,
) -> _RawEvent:
    """An event's fields, which frab's XML and JSON name alike; `text(name)` reads one."""
    return _RawEvent(
        number=number,
        title=text("title"),
        guid=text("guid"),
        subtitle=text("subtitle"),
        date_text=text("date"),
        start=text("start"),
        duration=text("duration"),
        listed_room=listed_room,
        room=text("room"),
        track=text("track"),
        type=text("type"),
        abstract=text("abstract"),
        description=text("description"),
        day_date=day_date,
        day_start=day_start,
        language=text("language"),
        feedback_url=text("feedback_url"),
        logo=text("logo"),
        url=text("url"),
        origin_url=text("origin_url"),
    )


def _read_json(data: bytes) -> _RawSchedule:
    try:
        document = json.loads(data)
    except (ValueError, RecursionError) as error:
        raise NotASchedule(
            _("This file is not valid JSON ({error}).").format(error=str(error)[:200])
        ) from error
    schedule = document.get("schedule") if isinstance(document, dict) else None
    if not isinstance(schedule, dict):
        raise NotASchedule(_('This JSON file is not a frab schedule: it has no "schedule" object.'))
    conference = schedule.get("conference")
    if not isinstance(conference, dict):
        raise NotASchedule(_('This JSON file is not a frab schedule: it has no "conference" object.'))
    generator = document.get("generator")
    raw = _frab_schedule(
        FORMAT_SCHEDULE2 if isinstance(schedule.get("events"), list) else FORMAT_JSON,
        _string(generator.get("name")) if isinstance(generator, dict) else "",
        _json_text(conference),
        base_url=_string(schedule.get("base_url")),
    )
    for room in _dicts(conference.get("rooms")):
        name = _string(room.get("name")).strip()
        if name:
            raw.rooms.append(_RawRoom(name, _string(room.get("guid")), _capacity(room.get("capacity"))))
    for track in _dicts(conference.get("tracks")):
        colours = track.get("colors")
        colour = _string(track.get("color")) or (
            _string(colours.get("light")) if isinstance(colours, dict) else ""
        )
        raw.tracks.append(PlannedTrack(_string(track.get("name")), colour))
    if raw.format == FORMAT_SCHEDULE2:
        _read_schedule2_events(raw, conference, schedule["events"])
    else:
        _read_frab_json_days(raw, conference)
    return raw


def _read_frab_json_days(raw: _RawSchedule, conference: dict[str, Any]) -> None:
    number = 0
    guids = {room.name.casefold(): room.guid for room in raw.rooms if room.guid}
    days = conference.get("days")
    for day_number, day in enumerate(days if isinstance(days, list) else [], start=1):
        if not isinstance(day, dict):
            raw.skipped.append(
                _("Day {number} skipped: it is not a day of the schedule.").format(number=day_number)
            )
            continue
        day_date = _date_only(_string(day.get("date")))
        if day_date is not None:
            raw.day_dates.append(day_date)
        day_start = _aware(_string(day.get("day_start")))
        for name, events in _day_rooms(raw, day, day_number):
            if name:
                raw.rooms.append(_RawRoom(name, guids.get(name.casefold(), "")))
            for index, item in enumerate(events, start=1):
                if not isinstance(item, dict):
                    raw.skipped.append(
                        _("Entry {index} of room '{room}' on day {day} skipped: it is not an event.").format(
                            index=index, room=name, day=day_number
                        )
                    )
                    continue
                number += 1
                raw.events.append(_json_event(item, number, name or None, day_date, day_start))


def _day_rooms(raw: _RawSchedule, day: dict[str, Any], day_number: int) -> Iterator[tuple[str, list[Any]]]:
    """A day's rooms and their events: frab writes an object by room name; some tools write a list of
    rooms ({"name": ..., "events": [...]}) or of events that name their rooms."""
    rooms = day.get("rooms")
    if isinstance(rooms, dict):
        for room_name, events in rooms.items():
            yield str(room_name).strip(), events if isinstance(events, list) else [events]
    elif isinstance(rooms, list):
        loose = []
        for index, item in enumerate(rooms, start=1):
            if isinstance(item, dict) and isinstance(item.get("events"), list):
                yield _string(item.get("name")).strip(), item["events"]
            elif isinstance(item, dict) and "title" in item:
                loose.append(item)
            else:
                raw.skipped.append(
                    _(
                        "Entry {index} of the rooms of day {day} skipped: it is neither a room nor an event."
                    ).format(index=index, day=day_number)
                )
        if loose:
            yield "", loose
    elif rooms is not None:
        raw.skipped.append(
            _("Day {number}'s rooms skipped: they are neither a list nor an object of rooms.").format(
                number=day_number
            )
        )


def _json_event(
    item: dict[str, Any],
    number: int,
    listed_room: str | None,
    day_date: date | None,
    day_start: datetime | None,
) -> _RawEvent:
    event = _frab_event(_json_text(item), number, listed_room, day_date, day_start)
    identifier = item.get("id")
    if identifier is None:
        event.id_problem = _("it has no id")
    elif isinstance(identifier, int) and not isinstance(identifier, bool):
        event.id, event.id_text = identifier, str(identifier)
    elif isinstance(identifier, str):
        event.id_text = identifier
        event.id_problem = _('its id is written as text ("{value}"); frab ids are numbers').format(
            value=identifier
        )
    else:
        event.id_text = json.dumps(identifier)[:40]
        event.id_problem = _("its id {value} is not a whole number").format(value=event.id_text)
    _json_persons(event, item.get("persons"), "persons")
    _json_extras(event, item)
    return event


def _json_persons(event: _RawEvent, persons: object, key: str) -> None:
    if isinstance(persons, str):
        # "Ada Lovelace, Alan Turing": names in one text.
        persons = [name for name in re.split(r"[,;\n]", persons) if name.strip()]
    elif persons is not None and not isinstance(persons, list):
        event.dropped.append(_("its {key}, which are not a list of people").format(key=key))
        return
    for person in persons or []:
        if isinstance(person, str):
            person = {"name": person}
        if not isinstance(person, dict):
            event.dropped.append(_("an entry of its {key} that is not a person").format(key=key))
            continue
        name = _string(person.get("public_name")) or _string(person.get("name"))
        if not name.strip():
            event.dropped.append(_("a person without a name"))
            continue
        role = _SCHEDULE2_ROLES.get(_string(person.get("role")).upper(), RoleKind.speaker)
        event.persons.append(
            PlannedPerson(
                name,
                role,
                bio=_string(person.get("biography")),
                guid=_canonical_uuid(_string(person.get("guid"))),
                source_id=_whole_number(person.get("id")),
            )
        )


# schedule2's recording values that mean the session is not recorded.
_NOT_RECORDED = ("RECORDING_FORBIDDEN", "NOT_RECORDED_BY_DEFAULT")


def _json_extras(event: _RawEvent, item: dict[str, Any]) -> None:
    """What frab JSON and schedule2 name alike beyond the times: language, recording, links."""
    event.language = _string(item.get("language")) or event.language
    event.feedback_url = _string(item.get("feedback_url")) or event.feedback_url
    event.logo = _string(item.get("logo")) or event.logo
    event.url = _string(item.get("url")) or event.url
    event.origin_url = _string(item.get("origin_url")) or event.origin_url
    event.recording_license = _string(item.get("recording_license"))
    event.do_not_record = _truth(item.get("do_not_record"))
    event.do_not_stream = _truth(item.get("do_not_stream"))
    recording = item.get("recording")
    if isinstance(recording, dict):
        event.recording_license = event.recording_license or _string(recording.get("license"))
        event.do_not_record = event.do_not_record or _truth(recording.get("optout"))
    elif isinstance(recording, str) and recording.upper() in _NOT_RECORDED:
        event.do_not_record = True
    for key, target in (("links", event.links), ("attachments", event.attachments)):
        value = item.get(key)
        for link in value if isinstance(value, list) else []:
            if isinstance(link, dict):
                _add_link(
                    event, target, _string(link.get("url") or link.get("href")), _string(link.get("title"))
                )
            elif isinstance(link, str):
                _add_link(event, target, link, "")
            else:
                event.dropped.append(_("an entry of its {key} that is not a link").format(key=key))


_SCHEDULE2_ROLES = {"MODERATOR": RoleKind.moderator, "HOST": RoleKind.chair}


def _read_schedule2_events(raw: _RawSchedule, conference: dict[str, Any], events: list[Any]) -> None:
    for day in _dicts(conference.get("days")):
        day_date = _date_only(_string(day.get("date")))
        if day_date is not None:
            raw.day_dates.append(day_date)
    rooms_by_guid = {room.guid.lower(): room.name for room in raw.rooms if room.guid}
    room_names = {room.name.casefold() for room in raw.rooms}
    slugs = {}
    for track in _dicts(conference.get("tracks")):
        slug, name = _string(track.get("slug")), _string(track.get("name"))
        if slug and name:
            slugs[slug] = name
    for number, item in enumerate(events, start=1):
        if not isinstance(item, dict):
            raw.skipped.append(
                _("Entry {index} of the events skipped: it is not an event.").format(index=number)
            )
            continue
        event = _RawEvent(
            number=number,
            title=_string(item.get("title")),
            guid=_string(item.get("guid")),
            subtitle=_string(item.get("subtitle")),
            date_text=_string(item.get("start")),
            duration=_string(item.get("duration")),
            end=_string(item.get("end")),
            type=_string(item.get("type")),
            abstract=_string(item.get("abstract")),
            description=_string(item.get("description")),
            state=_string(item.get("state")).upper(),
        )
        reference = item.get("room")
        if isinstance(reference, dict):
            guid, name = _string(reference.get("guid")).lower(), _string(reference.get("name")).strip()
            event.room = rooms_by_guid.get(guid, name)
            if raw.rooms and guid not in rooms_by_guid and name.casefold() not in room_names:
                event.room_problem = _("its room '{room}' is not one of the conference's rooms").format(
                    room=name or guid
                )
        track = item.get("track")
        if isinstance(track, dict):
            slug = _string(track.get("slug"))
            event.track = slugs.get(slug, _string(track.get("name")) or slug)
        _json_persons(event, item.get("participants"), "participants")
        _json_extras(event, item)
        raw.events.append(event)


def _json_text(item: dict[str, Any]) -> Callable[[str], str]:
    return lambda name: _string(item.get(name))


def _dicts(value: object) -> Iterator[dict[str, Any]]:
    if isinstance(value, list):
        yield from (item for item in value if isinstance(item, dict))


def _string(value: object) -> str:
    """JSON text as text; numbers as written; schedule2's text in several languages: English, else any."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dict):
        for key in ("en", *value):
            text = value.get(key)
            if isinstance(text, str) and text.strip():
                return text
    return ""


def _whole_number(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 <= value < 2**31 else None
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        number = int(value.strip())
        return number if number < 2**31 else None
    return None


def _truth(value: object) -> bool:
    """A flag as JSON or XML write it: true, "true", "1", "yes"."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    return isinstance(value, str) and value.strip().casefold() in ("true", "1", "yes", "y")


def _add_link(event: _RawEvent, target: list[SessionLink], url: str, title: str) -> None:
    url = url.strip()
    if not url:
        event.dropped.append(_("a link without an address"))
    elif len(url) > URL_LENGTH or not _LINK.match(url):
        event.dropped.append(_("the link {url}, which is not a web address").format(url=url[:80]))
    else:
        target.append(SessionLink(url, _cut(imported_line(title), 300)))


def _capacity(value: object) -> int | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value < 10_000_000:
        return int(value)
    return None


# --- Checking each event and building the plan ---

_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
_DURATION = re.compile(r"(\d{1,4}):(\d{2})(?::(\d{2}))?")
_ISO_DURATION = re.compile(
    r"P(?:(\d{1,4})D)?(?:T(?:(\d{1,5})H)?(?:(\d{1,6})M)?(?:(\d{1,7})S)?)?", re.IGNORECASE
)
_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})")
# Links keep web and mail addresses, and addresses without a scheme (often "example.org" or a path);
# never another scheme, such as "javascript:".
# A language tag, or several ("en, de": a session held in both).
_LANGUAGE = re.compile(
    r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8}){0,3}(?:\s*,\s*[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8}){0,3}){0,5}"
)
_LINK = re.compile(r"(?:(?:https?|mailto):|(?![A-Za-z][A-Za-z0-9+.-]*:))[^\s<>\"]+$", re.IGNORECASE)
# States of schedule2 events that are not on the programme at all.
_LEFT_OUT_STATES = ("DELETED", "REJECTED", "WITHDRAWN")


def _build_plan(raw: _RawSchedule, kinds: Mapping[str, SessionKind]) -> ImportPlan:
    notes: list[str] = []
    skipped = list(raw.skipped)
    timezone = _valid_zone(raw.time_zone)
    if timezone is None:
        notes.append(
            _(
                "The file names no time zone that exists ({value}); times without an offset are read in UTC."
            ).format(value=raw.time_zone.strip()[:64] or "–")
            if raw.time_zone.strip()
            else _("The file names no time zone; times without an offset are read in UTC.")
        )
    zone = ZoneInfo(timezone or "UTC")
    roomless = _roomless_room_names(raw)
    rooms: dict[str, PlannedRoom] = {}
    for raw_room in raw.rooms:
        name = _cut(" ".join(raw_room.name.split()), NAME_LENGTH)
        if name and name.casefold() not in roomless and name.casefold() not in rooms:
            rooms[name.casefold()] = PlannedRoom(name, raw_room.capacity, _canonical_uuid(raw_room.guid))
    tracks: dict[str, PlannedTrack] = {}
    for raw_track in raw.tracks:
        name = _cut(" ".join(raw_track.name.split()), NAME_LENGTH)
        if name and name.casefold() not in tracks:
            tracks[name.casefold()] = PlannedTrack(name, _colour(raw_track.colour))

    checker = _EventChecker(raw, zone, roomless, kinds)
    sessions: list[PlannedSession] = []
    for event in raw.events:
        result = checker.check(event)
        if isinstance(result, str):
            skipped.append(result)
            continue
        sessions.append(result)
        if result.room is not None and result.room.casefold() not in rooms:
            rooms[result.room.casefold()] = PlannedRoom(result.room)
        if result.track is not None and result.track.casefold() not in tracks:
            tracks[result.track.casefold()] = PlannedTrack(result.track, "")
    notes.extend(checker.notes())
    skipped.extend(checker.dropped)
    notes.extend(_overlaps(sessions))

    start_date, end_date = _conference_dates(raw, zone, sessions)
    title = _cut(" ".join(raw.title.split()), TITLE_LENGTH) or _cut(raw.acronym.strip(), TITLE_LENGTH)
    return ImportPlan(
        format=raw.format,
        generator=raw.generator.strip()[:100],
        conference=PlannedConference(
            title=title or _("Imported schedule"),
            acronym=raw.acronym.strip()[:100],
            timezone=timezone,
            start_date=start_date,
            end_date=end_date,
        ),
        rooms=tuple(rooms.values()),
        tracks=_coloured(list(tracks.values())),
        sessions=tuple(sessions),
        skipped=tuple(skipped),
        notes=tuple(notes),
        kinds=tuple(
            KindMapping(type_label, kind, count) for (type_label, kind), count in checker.kinds.most_common()
        ),
    )


def _coloured(tracks: list[PlannedTrack]) -> tuple[PlannedTrack, ...]:
    """Tracks the file gives no colour get one of the palette's, each a different one while they last."""
    used = {track.colour for track in tracks if track.colour}
    free = [colour for colour in TRACK_PALETTE if colour not in used] or list(TRACK_PALETTE)
    coloured = []
    for track in tracks:
        if not track.colour:
            track = PlannedTrack(track.name, free.pop(0) if free else TRACK_PALETTE[len(coloured) % 16])
        coloured.append(track)
    return tuple(coloured)


def _overlaps(sessions: list[PlannedSession]) -> list[str]:
    """Sessions overlapping in one room: imported as they are, and named so the organiser can look."""
    by_room: dict[str, list[PlannedSession]] = {}
    for session in sessions:
        if session.room is not None and not session.is_cancelled:
            by_room.setdefault(session.room.casefold(), []).append(session)
    pairs = []
    for room_sessions in by_room.values():
        room_sessions.sort(key=lambda session: session.start_at)
        latest: PlannedSession | None = None
        for session in room_sessions:
            if latest is not None and session.start_at < latest.end_at:
                pairs.append(
                    _("{event} and {other} in {room}").format(
                        event=latest.label, other=session.label, room=session.room
                    )
                )
            if latest is None or session.end_at > latest.end_at:
                latest = session
    if not pairs:
        return []
    return [
        ngettext(
            "{count} pair of sessions overlaps in one room; both are imported, the programme builder lists "
            "them under Conflicts: {pairs}.",
            "{count} pairs of sessions overlap in one room; all are imported, the programme builder lists "
            "them under Conflicts: {pairs}.",
            len(pairs),
        ).format(count=len(pairs), pairs=list_some(pairs))
    ]


class _EventChecker:
    """Checks events one by one, remembering the ids and guids already taken and what to note."""

    def __init__(
        self, raw: _RawSchedule, zone: ZoneInfo, roomless: set[str], kinds: Mapping[str, SessionKind]
    ) -> None:
        self.zone = zone
        self.roomless = roomless
        self.chosen_kinds = kinds
        # Logos are often written as paths on the exporting site: made whole, as apps need them.
        base_url = raw.base_url.strip()
        self.base_url = base_url if base_url.startswith(("http://", "https://")) else ""
        self.dropped: list[str] = []
        self.ambiguous: list[str] = []
        self.nonexistent: list[str] = []
        self.from_plenary = raw.generator.strip() == GENERATOR
        self.ids: set[int] = set()
        self.guids: set[str] = set()
        self.kinds: Counter[tuple[str, SessionKind]] = Counter()
        self.shortened: list[str] = []
        self.start_disagrees = 0
        self.label = ""

    def check(self, event: _RawEvent) -> PlannedSession | str:
        """The session, or the sentence saying why the event is skipped."""
        title = " ".join(event.title.split())
        label = self.label = _event_label(title, event)
        reasons: list[str] = []
        if event.state in _LEFT_OUT_STATES:
            reasons.append(_("its state is {state}").format(state=event.state))
        if not title:
            reasons.append(_("it has no title"))
        if event.id_problem:
            reasons.append(event.id_problem)
        if event.id is not None and event.id in self.ids:
            reasons.append(_("its id {id} is already used by an earlier event").format(id=event.id))
        guid = _canonical_uuid(event.guid)
        if guid is not None and guid in self.guids:
            reasons.append(_("its guid {guid} is already used by an earlier event").format(guid=guid))
        start_at = self._start(event, reasons)
        end_at = self._end(event, start_at, reasons)
        room = self._room(event, reasons)
        if reasons or start_at is None or end_at is None:
            return _("{event} skipped: {reasons}.").format(event=label, reasons="; ".join(reasons))

        if event.id is not None:
            self.ids.add(event.id)
        if guid is not None:
            self.guids.add(guid)
        if len(title) > TITLE_LENGTH:
            self.shortened.append(label)
            title = _cut(title, TITLE_LENGTH)
        type_label = " ".join(event.type.split())[:100]
        kind = self.chosen_kinds.get(type_label) or session_kind(type_label)
        self.kinds[(type_label, kind)] += 1
        people = _people(event.persons)
        talks = None
        description = imported_text(event.description)
        if self.from_plenary:
            description, talks = _talks_from_list(event.description, people)
            if talks is not None:
                on_talks = {person.key for talk in talks for person in talk.people}
                people = tuple(person for person in people if person.key not in on_talks)
            description = imported_text(description)
        feedback_url = _url(event.feedback_url)
        logo = urljoin(self.base_url, event.logo.strip()) if event.logo.strip() else ""
        for name, given, kept in (
            ("feedback_url", event.feedback_url, feedback_url),
            ("logo", logo, _url(logo)),
        ):
            if given.strip() and not kept:
                event.dropped.append(
                    _("its {field} {value}, which is not a web address").format(
                        field=name, value=given.strip()[:80]
                    )
                )
        if event.dropped:
            self.dropped.append(
                _("{event} is imported, but left out: {items}.").format(
                    event=label, items="; ".join(event.dropped)
                )
            )
        track = _cut(" ".join(event.track.split()), NAME_LENGTH) or None
        return PlannedSession(
            label=label,
            guid=guid,
            title=title,
            kind=kind,
            start_at=start_at,
            end_at=end_at,
            room=room,
            track=track,
            abstract=imported_text(event.abstract),
            people=people,
            talks=talks,
            is_cancelled=event.state in ("CANCELED", "CANCELLED"),
            source_id=event.id,
            subtitle=_cut(imported_line(event.subtitle), 500),
            description=description,
            language=_language(event.language),
            type_label=type_label,
            do_not_record=event.do_not_record,
            do_not_stream=event.do_not_stream,
            recording_license=_cut(" ".join(event.recording_license.split()), 200),
            feedback_url=feedback_url,
            origin_url=_url(event.origin_url) or (_url(event.url) if not self.from_plenary else ""),
            logo_url=_url(logo),
            links=tuple(event.links),
            attachments=tuple(event.attachments),
        )

    def _wall_clock(self, local: datetime, label: str) -> None:
        """Notes a wall-clock time that the night clocks change makes ambiguous or skips."""
        there_and_back = local.astimezone(UTC).astimezone(self.zone).replace(tzinfo=None)
        if there_and_back != local.replace(tzinfo=None):
            self.nonexistent.append(label)
        elif local.replace(fold=0).utcoffset() != local.replace(fold=1).utcoffset():
            self.ambiguous.append(label)

    def _start(self, event: _RawEvent, reasons: list[str]) -> datetime | None:
        clock = None
        if event.start.strip():
            clock = _clock(event.start)
            if clock is None:
                reasons.append(_("its start {value} is not a time").format(value=event.start.strip()))
        moment = _moment(event.date_text) if event.date_text.strip() else None
        if event.date_text.strip() and moment is None:
            reasons.append(_("its date {value} is not a date").format(value=event.date_text.strip()))
            return None
        if isinstance(moment, datetime):
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=self.zone)
                self._wall_clock(moment, self.label)
            if clock is not None and clock not in (
                moment.timetz().replace(tzinfo=None),
                moment.astimezone(self.zone).time(),
            ):
                self.start_disagrees += 1
            return moment.astimezone(UTC)
        day = moment if isinstance(moment, date) else event.day_date
        if clock is None:
            if not event.start.strip():
                reasons.append(_("it has no start time"))
            return None
        if day is None:
            reasons.append(_("it has no date"))
            return None
        start = datetime.combine(day, clock, tzinfo=self.zone)
        # A frab day runs past midnight: on a day starting at 10:00, an event at 01:30 is the next night's.
        if moment is None and event.day_start is not None and start < event.day_start:
            start += timedelta(days=1)
        self._wall_clock(start, self.label)
        return start.astimezone(UTC)

    def _end(self, event: _RawEvent, start_at: datetime | None, reasons: list[str]) -> datetime | None:
        if event.end.strip():
            end = _aware(event.end)
            if end is None:
                reasons.append(_("its end {value} is not a date and time").format(value=event.end.strip()))
                return None
            if start_at is not None and end <= start_at:
                reasons.append(_("it ends ({value}) before it starts").format(value=event.end.strip()))
                return None
            length = end - start_at if start_at is not None else timedelta(0)
            shown = event.end.strip()
        elif event.duration.strip():
            parsed = _duration(event.duration)
            if parsed is None:
                reasons.append(
                    _("its duration {value} is not a duration such as 00:45").format(
                        value=event.duration.strip()
                    )
                )
                return None
            length, shown = parsed, event.duration.strip()
            if length <= timedelta(0):
                reasons.append(_("its duration {value} is not longer than zero").format(value=shown))
                return None
        else:
            reasons.append(_("it has no duration"))
            return None
        if length > MAX_SESSION_LENGTH:
            reasons.append(_("it lasts longer than 14 days ({value})").format(value=shown))
            return None
        return start_at + length if start_at is not None else None

    def _room(self, event: _RawEvent, reasons: list[str]) -> str | None:
        if event.room_problem:
            reasons.append(event.room_problem)
            return None
        own = " ".join(event.room.split())
        listed = " ".join((event.listed_room or "").split())
        if own and listed and own.casefold() != listed.casefold():
            reasons.append(
                _("its room '{room}' is not the room it is listed under ('{listed}')").format(
                    room=own, listed=listed
                )
            )
            return None
        name = _cut(own or listed, NAME_LENGTH)
        if not name or name.casefold() in self.roomless:
            return None
        return name

    def notes(self) -> list[str]:
        notes = []
        if self.shortened:
            notes.append(
                ngettext(
                    "{count} title was longer than {limit} characters and was shortened: {events}.",
                    "{count} titles were longer than {limit} characters and were shortened: {events}.",
                    len(self.shortened),
                ).format(count=len(self.shortened), limit=TITLE_LENGTH, events=list_some(self.shortened))
            )
        if self.nonexistent:
            notes.append(
                ngettext(
                    "{count} event starts at a time that does not exist in {zone} (the clocks jump forward "
                    "that night); it was read as the time after the jump. Check: {events}.",
                    "{count} events start at times that do not exist in {zone} (the clocks jump forward "
                    "that night); they were read as the times after the jump. Check: {events}.",
                    len(self.nonexistent),
                ).format(count=len(self.nonexistent), zone=self.zone.key, events=list_some(self.nonexistent))
            )
        if self.ambiguous:
            notes.append(
                ngettext(
                    "{count} event starts at a time that happens twice in {zone} (the clocks go back that "
                    "night) and the file gives no UTC offset; the earlier one was used. Check: {events}.",
                    "{count} events start at times that happen twice in {zone} (the clocks go back that "
                    "night) and the file gives no UTC offset; the earlier one was used. Check: {events}.",
                    len(self.ambiguous),
                ).format(count=len(self.ambiguous), zone=self.zone.key, events=list_some(self.ambiguous))
            )
        if self.start_disagrees:
            notes.append(
                ngettext(
                    "{count} event's start time differs from its date; the date, with its UTC offset, "
                    "was used.",
                    "{count} events' start times differ from their dates; the dates, with their UTC offsets, "
                    "were used.",
                    self.start_disagrees,
                ).format(count=self.start_disagrees)
            )
        return notes


def session_kind(type_label: str) -> SessionKind:
    """A frab `type` as a session kind: Plenary's own labels exactly, other tools' types by their words."""
    folded = type_label.strip().casefold()
    exact = {label.casefold(): kind for kind, label in SESSION_KIND_LABELS.items()}
    exact.update({kind.value: kind for kind in SessionKind})
    if folded in exact:
        return exact[folded]
    words = set(re.findall(r"[^\W_]+", folded))
    for kind, keys in _KIND_WORDS:
        if words & keys:
            return kind
    return SessionKind.talk


_KIND_WORDS: tuple[tuple[SessionKind, frozenset[str]], ...] = (
    (SessionKind.keynote, frozenset({"keynote", "plenary"})),
    (
        SessionKind.break_,
        frozenset({"break", "pause", "lunch", "coffee", "breakfast", "meal", "meals", "tea"}),
    ),
    (SessionKind.panel, frozenset({"panel", "discussion", "podium", "fishbowl", "debate"})),
    (
        SessionKind.workshop,
        frozenset({"workshop", "hands", "tutorial", "training", "bof", "lab", "hackathon"}),
    ),
    (
        SessionKind.social,
        frozenset(
            {
                "social",
                "party",
                "concert",
                "dj",
                "music",
                "film",
                "movie",
                "theatre",
                "theater",
                "performance",
                "game",
                "reception",
                "dinner",
                "excursion",
                "tour",
            }
        ),
    ),
)


def _event_label(title: str, event: _RawEvent) -> str:
    if event.id_text.strip():
        where = _("id {id}").format(id=event.id_text.strip()[:40])
    elif event.guid.strip():
        where = _("guid {guid}").format(guid=event.guid.strip()[:40])
    else:
        where = _("number {number} in the file").format(number=event.number)
    if title:
        return _("Event '{title}' ({where})").format(title=_cut(title, 80), where=where)
    return _("Event ({where})").format(where=where)


def _people(persons: Iterable[PlannedPerson]) -> tuple[PlannedPerson, ...]:
    people: dict[str, PlannedPerson] = {}
    for person in persons:
        name = _cut(" ".join(person.name.split()), SPEAKER_NAME_LENGTH)
        cleaned = PlannedPerson(name, person.role, imported_text(person.bio), person.guid, person.source_id)
        if name and cleaned.key not in people:
            people[cleaned.key] = cleaned
    return tuple(people.values())


def _language(text: str) -> str:
    """A language tag ("en", "pt-BR") or a list of them ("en, de"); anything else is not kept."""
    text = text.strip()
    return text if len(text) <= LANGUAGE_LENGTH and _LANGUAGE.fullmatch(text) else ""


def _url(text: str) -> str:
    text = text.strip()
    return text if len(text) <= URL_LENGTH and _LINK.match(text) else ""


def _talks_from_list(
    description: str, people: tuple[PlannedPerson, ...]
) -> tuple[str, tuple[PlannedTalk, ...] | None]:
    """Plenary's export writes a session's talks as "- Title (Ada, Alan)" lines after its description:
    the description without them, and the talks (None when the last paragraph is not such a list)."""
    text = description.replace("\r\n", "\n").strip()
    before, _sep, last = text.rpartition("\n\n")
    lines = [line.strip() for line in last.splitlines() if line.strip()]
    if not lines or not all(line.startswith("- ") for line in lines):
        return description, None
    by_name = {person.name.casefold(): person for person in people}
    talks = []
    for line in lines:
        title, named = _split_people(line[2:].strip(), by_name)
        talks.append(PlannedTalk(_cut(title, TITLE_LENGTH), named))
    return before, tuple(talks)


def _split_people(text: str, by_name: dict[str, PlannedPerson]) -> tuple[str, tuple[PlannedPerson, ...]]:
    # The last bracketed group is the list of people only when it names the event's persons exactly,
    # so that "Gene therapy (ADA-SCID)" stays a title.
    if not text.endswith(")"):
        return text, ()
    depth = 0
    for index in range(len(text) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(text[index], 0)
        if depth == 0:
            named = _match_names(text[index + 1 : -1], by_name)
            if named and text[:index].strip():
                return text[:index].strip(), named
            return text, ()
    return text, ()


def _match_names(text: str, by_name: dict[str, PlannedPerson]) -> tuple[PlannedPerson, ...]:
    """ "Ada Lovelace, Alan Turing" as persons of the event; names may hold commas themselves."""
    if not text:
        return ()
    folded = text.casefold()
    for name in sorted(by_name, key=len, reverse=True):
        if folded == name:
            return (by_name[name],)
        if folded.startswith(name + ", "):
            rest = _match_names(text[len(name) + 2 :], by_name)
            if rest:
                return (by_name[name], *rest)
    return ()


def _roomless_room_names(raw: _RawSchedule) -> set[str]:
    """Plenary's export puts sessions without a room into an extra room; such sessions stay without one."""
    if raw.generator.strip() != GENERATOR:
        return set()
    slug = raw.url.rstrip("/").rsplit("/events/", 1)[-1] if "/events/" in raw.url else ""
    base_url = raw.base_url.rstrip("/")
    if not slug or not base_url:
        return set()
    extra = room_guid(base_url, slug, None)
    return {
        room.name.casefold()
        for room in raw.rooms
        if room.name in (ROOMLESS_ROOM, ROOMLESS_ONLINE_ROOM) and room.guid.lower() == extra
    }


def _conference_dates(
    raw: _RawSchedule, zone: ZoneInfo, sessions: list[PlannedSession]
) -> tuple[date | None, date | None]:
    start, end = _local_date(raw.start, zone), _local_date(raw.end, zone)
    if start is not None and end is not None and start <= end:
        return start, end
    if raw.day_dates:
        return min(raw.day_dates), max(raw.day_dates)
    if sessions:
        days = [session.start_at.astimezone(zone).date() for session in sessions]
        return min(days), max(days)
    return None, None


def _local_date(text: str, zone: ZoneInfo) -> date | None:
    moment = _moment(text)
    if isinstance(moment, datetime):
        return moment.astimezone(zone).date() if moment.tzinfo is not None else moment.date()
    return moment


def _moment(text: str) -> datetime | date | None:
    text = text.strip()
    if not text or len(text) > 40:
        return None
    try:
        if len(text) <= 10:
            return date.fromisoformat(text)
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _date_only(text: str) -> date | None:
    moment = _moment(text)
    return moment.date() if isinstance(moment, datetime) else moment


def _aware(text: str) -> datetime | None:
    moment = _moment(text)
    if isinstance(moment, datetime) and moment.tzinfo is not None:
        return moment
    return None


def _clock(text: str) -> time | None:
    match = _CLOCK.fullmatch(text.strip())
    if match is None:
        return None
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    if hours > 23 or minutes > 59 or seconds > 59:
        return None
    return time(hours, minutes, seconds)


def _duration(text: str) -> timedelta | None:
    text = text.strip()
    match = _DURATION.fullmatch(text)
    if match is not None:
        hours, minutes, seconds = (int(part or 0) for part in match.groups())
        if minutes > 59 or seconds > 59:
            return None
        return timedelta(hours=hours, minutes=minutes, seconds=seconds)
    match = _ISO_DURATION.fullmatch(text)
    if match is not None and any(match.groups()):
        days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
        return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    return None


def _canonical_uuid(text: str) -> str | None:
    text = text.strip()
    if len(text) not in (32, 36, 38):
        return None
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return None


def _valid_zone(name: str) -> str | None:
    name = name.strip()
    if not name or len(name) > 64:
        return None
    try:
        return check_timezone(name)
    except ValueError:
        return None


def _colour(text: str) -> str:
    """The colour as #rrggbb; empty when the file gives none that is valid (the palette assigns one)."""
    text = text.strip()
    if not _COLOUR.fullmatch(text):
        return ""
    if len(text) == 4:
        text = "#" + "".join(char * 2 for char in text[1:])
    return text.lower()


def _cut(text: str, length: int) -> str:
    # Everything cut here is a one-line field (titles, names): no line breaks or control characters.
    text = one_line(text)
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def list_some(labels: list[str], shown: int = 5) -> str:
    """The first few labels and how many more: a report line names a handful of events, not hundreds."""
    if len(labels) <= shown:
        return ", ".join(labels)
    return _("{labels} and {count} more").format(labels=", ".join(labels[:shown]), count=len(labels) - shown)
