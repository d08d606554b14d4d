"""Reading a frab schedule (schedule.xml or schedule.json, as pretalx and frab publish them) into a plan.

`read_schedule(data)` reads and checks the file and returns an ImportPlan: the conference, its rooms,
tracks and sessions, and the report of what is left out and why. A file that is not a frab schedule at all
raises NotASchedule and nothing is imported; an event that breaks a rule is skipped and listed, and the rest
is imported. The checks are app.imports.checks and the plan app.imports.plan. Nothing is written here:
app.imports.writer writes a plan into an event, and app.imports.jobs runs that in the background for the
organisers' pages.

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
  (app.imports.text: indentation removed, HTML converted, scripts dropped).
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
import xml.etree.ElementTree as ET  # noqa: S405 - only for its types and ParseError; defusedxml parses
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime
from functools import partial
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as defused_fromstring

from app.i18n import _
from app.imports.checks import build_plan
from app.imports.plan import (
    FORMAT_JSON,
    FORMAT_SCHEDULE2,
    FORMAT_XML,
    MAX_IMPORT_BYTES,
    URL_LENGTH,
    ImportPlan,
    NotASchedule,
    PlannedPerson,
    PlannedTrack,
)
from app.imports.raw import RawEvent, RawRoom, RawSchedule
from app.imports.text import imported_line
from app.imports.values import LINK_PATTERN, cut_to, read_aware_moment, read_date, read_uuid
from app.programme.models import RoleKind, SessionKind, SessionLink


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
    return build_plan(raw, kinds or {})


def _is_utf16_xml(content: bytes) -> bool:
    return content[:2] in (b"\xff\xfe", b"\xfe\xff") or content[:4] in (b"<\x00?\x00", b"\x00<\x00?")


def _read_xml(data: bytes) -> RawSchedule:
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
        day_date = read_date(day.get("date", ""))
        if day_date is not None:
            raw.day_dates.append(day_date)
        day_start = read_aware_moment(day.get("start", ""))
        for room in day.findall("room"):
            room_name = room.get("name", "").strip()
            if room_name:
                raw.rooms.append(RawRoom(room_name, room.get("guid", "")))
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
                    title=cut_to(title, 80) or "–", id=element.get("id", "–")[:40]
                )
            )
    return raw


def _xml_event(
    element: ET.Element,
    number: int,
    listed_room: str | None,
    day_date: date | None,
    day_start: datetime | None,
) -> RawEvent:
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
                guid=read_uuid(person.get("guid", "")),
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


def _frab_schedule(format: str, generator: str, text: Callable[[str], str], base_url: str) -> RawSchedule:
    """The conference's fields, which frab's XML and JSON name alike; `text(name)` reads one."""
    return RawSchedule(
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
) -> RawEvent:
    """An event's fields, which frab's XML and JSON name alike; `text(name)` reads one."""
    return RawEvent(
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


def _read_json(data: bytes) -> RawSchedule:
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
            raw.rooms.append(RawRoom(name, _string(room.get("guid")), _capacity(room.get("capacity"))))
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


def _read_frab_json_days(raw: RawSchedule, conference: dict[str, Any]) -> None:
    number = 0
    guids = {room.name.casefold(): room.guid for room in raw.rooms if room.guid}
    days = conference.get("days")
    for day_number, day in enumerate(days if isinstance(days, list) else [], start=1):
        if not isinstance(day, dict):
            raw.skipped.append(
                _("Day {number} skipped: it is not a day of the schedule.").format(number=day_number)
            )
            continue
        day_date = read_date(_string(day.get("date")))
        if day_date is not None:
            raw.day_dates.append(day_date)
        day_start = read_aware_moment(_string(day.get("day_start")))
        for name, events in _day_rooms(raw, day, day_number):
            if name:
                raw.rooms.append(RawRoom(name, guids.get(name.casefold(), "")))
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


def _day_rooms(raw: RawSchedule, day: dict[str, Any], day_number: int) -> Iterator[tuple[str, list[Any]]]:
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
) -> RawEvent:
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


def _json_persons(event: RawEvent, persons: object, key: str) -> None:
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
                guid=read_uuid(_string(person.get("guid"))),
                source_id=_whole_number(person.get("id")),
            )
        )


# schedule2's recording values that mean the session is not recorded.
_NOT_RECORDED = ("RECORDING_FORBIDDEN", "NOT_RECORDED_BY_DEFAULT")


def _json_extras(event: RawEvent, item: dict[str, Any]) -> None:
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


def _read_schedule2_events(raw: RawSchedule, conference: dict[str, Any], events: list[Any]) -> None:
    for day in _dicts(conference.get("days")):
        day_date = read_date(_string(day.get("date")))
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
        event = RawEvent(
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
        track_ref = item.get("track")
        if isinstance(track_ref, dict):
            slug = _string(track_ref.get("slug"))
            event.track = slugs.get(slug, _string(track_ref.get("name")) or slug)
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


def _add_link(event: RawEvent, target: list[SessionLink], url: str, title: str) -> None:
    url = url.strip()
    if not url:
        event.dropped.append(_("a link without an address"))
    elif len(url) > URL_LENGTH or not LINK_PATTERN.match(url):
        event.dropped.append(_("the link {url}, which is not a web address").format(url=url[:80]))
    else:
        target.append(SessionLink(url, cut_to(imported_line(title), 300)))


def _capacity(value: object) -> int | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value < 10_000_000:
        return int(value)
    return None
