"""The programme in the frab schedule format (schedule.xml and schedule.json), as pretalx and frab publish it.

Conference apps (Giggity, EventFahrplan, ConfClerk), video teams and signage read these files; the XML
validates against c3voc's `schedule.xml.xsd` and the JSON against its `schema.json`.

`frab_snapshot` reads a programme with a fixed number of queries; `schedule_xml` and `schedule_json` are
pure functions of that snapshot, so the same programme always gives the same bytes.

How Plenary maps onto frab:
- conference: the event. The acronym is the event's address with `_` for `-` (the JSON schema allows no
  hyphen in an acronym) and padded with `_` to the four characters both schemas ask for.
- days: every day of the event, plus any day a session falls on; day boundaries are local midnights in
  the event's zone (a daylight-saving day lasts 23 or 25 hours).
- rooms: the event's rooms, each with a UUID5 guid derived from the event's address and the room's id.
  frab puts every event in a room, so sessions without one (breaks, plenary moments) go into one extra
  room, "All rooms" (or "Online" for an online event).
- events: the sessions. `id` is the session id, `guid` the session's stored uid (a UUID4 that never
  changes), times are wall-clock times in the event's zone, the duration is the real elapsed time.
  Cancelled sessions are left out, as frab does: apps drop an event missing from a newer schedule.
- persons: everyone with a role in the session or one of its talks, once each: the speaker id, the public
  name and the guid the person had in an imported schedule, else a UUID5 guid derived from the speaker
  id. Never the email. Rooms likewise keep an imported guid.
- what an import kept is written again: subtitle, language (left out when nobody said), the source's
  type label (else our kind's label), the recording licence and opt-out (`<recording>`; the JSON also
  has `do_not_stream`, which the XML schema has no place for), links, attachments, feedback url and
  logo, and the page in the system it came from as `origin_url` (web addresses only, as the schema
  asks). The description is the session's own, followed by
  its talks as a Markdown list.
"""

import json
import re
import unicodedata
import uuid
import xml.etree.ElementTree as ET  # noqa: S405 - we only write XML here, never parse it
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from app.events.models import AttendanceMode, Event
from app.i18n import N_
from app.programme.models import SESSION_KIND_LABELS
from app.programme.releases import PublishedProgramme
from app.programme.views import GRID_SLOT_MINUTES, SessionView, event_rooms, event_sessions, event_tracks
from app.site import SiteUrls
from app.text import one_line, printable

XML_MEDIA_TYPE = "application/xml; charset=utf-8"
JSON_MEDIA_TYPE = "application/json; charset=utf-8"
GENERATOR = "Plenary"
# The exported files are shared by every viewer and cached, so they carry English strings.
ROOMLESS_ROOM = N_("All rooms")
ROOMLESS_ONLINE_ROOM = N_("Online")
# Long titles make unwieldy file names for the video teams that use slugs.
TITLE_SLUG_LENGTH = 60
ACRONYM_LENGTH = 4


@dataclass(frozen=True, slots=True)
class FrabRoom:
    # None for the extra room that holds the sessions without a room.
    id: int | None
    name: str
    capacity: int | None
    # The guid it had in an imported schedule.
    guid: str | None = None


@dataclass(frozen=True, slots=True)
class FrabTrack:
    name: str
    colour: str


@dataclass(frozen=True)
class FrabSnapshot:
    """What the schedule files show of one event, read at one moment."""

    event_slug: str
    event_title: str
    timezone: str
    start_date: date
    end_date: date
    is_online: bool
    # When the version was released (or, before any release, last edited).
    stamped_at: datetime
    # The release number and its note, e.g. "3: keynote moved to Tuesday"; "draft" before any release.
    version: str
    # The site's address without a trailing slash, e.g. "https://plenary.example.org".
    base_url: str
    # The public event page, and its session pages without the trailing session id.
    event_url: str
    session_url_prefix: str
    # The schedule files themselves (each names its own address).
    schedule_xml_url: str
    schedule_json_url: str
    rooms: tuple[FrabRoom, ...]
    tracks: tuple[FrabTrack, ...]
    # Sessions in time order, cancelled ones included (the renderers leave them out).
    sessions: tuple[SessionView, ...]


def frab_snapshot(published: PublishedProgramme, event: Event, urls: SiteUrls) -> FrabSnapshot:
    """The published version of the programme, as the schedule files show it."""
    rooms = event_rooms(published.data)
    tracks = event_tracks(published.data)
    sessions = event_sessions(published.data, event)
    # Apps compare versions to tell people the schedule changed: before any release, every edit is one.
    release = published.release
    version = published.last_modified.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    if release is not None:
        version = f"{release.number}: {release.note}" if release.note else str(release.number)
    return FrabSnapshot(
        event_slug=event.slug,
        event_title=event.title,
        timezone=event.timezone,
        start_date=event.start_date,
        end_date=event.end_date,
        is_online=event.attendance_mode == AttendanceMode.online,
        stamped_at=published.last_modified,
        version=version,
        base_url=urls.base_url.rstrip("/"),
        event_url=urls.url("event_page", slug=event.slug),
        session_url_prefix=urls.url("session_page", slug=event.slug, session_id=0).removesuffix("0"),
        schedule_xml_url=urls.url("schedule_xml", slug=event.slug),
        schedule_json_url=urls.url("schedule_json", slug=event.slug),
        rooms=tuple(
            FrabRoom(id=room.id, name=room.name, capacity=room.capacity, guid=room.guid) for room in rooms
        ),
        tracks=tuple(FrabTrack(name=track.name, colour=track.colour) for track in tracks),
        sessions=tuple(sessions),
    )


def schedule_xml(snapshot: FrabSnapshot) -> bytes:
    plan = _plan(snapshot)
    root = ET.Element("schedule")
    ET.SubElement(root, "generator", name=GENERATOR)
    _text(root, "url", snapshot.schedule_xml_url)
    _text(root, "version", plan.version)
    conference = ET.SubElement(root, "conference")
    _text(conference, "acronym", plan.acronym)
    _text(conference, "title", one_line(snapshot.event_title))
    _text(conference, "start", snapshot.start_date.isoformat())
    _text(conference, "end", snapshot.end_date.isoformat())
    _text(conference, "days", str(len(plan.days)))
    _text(conference, "timeslot_duration", _hours_minutes(GRID_SLOT_MINUTES))
    _text(conference, "time_zone_name", snapshot.timezone)
    _text(conference, "url", plan.event_url)
    for track in snapshot.tracks:
        attributes = {"name": one_line(track.name), "color": track.colour}
        track_slug = _slugify(track.name)
        # The XSD wants a track slug to start with a letter; apps do without one.
        if track_slug[:1].isalpha() and len(track_slug) >= 2:
            attributes["slug"] = track_slug
        ET.SubElement(conference, "track", attributes)
    _text(conference, "base_url", snapshot.base_url + "/")

    for day in plan.days:
        day_element = ET.SubElement(
            root,
            "day",
            {"index": str(day.index), "date": day.date.isoformat(), "start": day.start, "end": day.end},
        )
        for room, events in day.rooms:
            room_element = ET.SubElement(
                day_element, "room", name=one_line(room.name), guid=plan.room_guids[room.id]
            )
            for item in events:
                _xml_event(room_element, item)
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


def _xml_event(room_element: ET.Element, item: dict[str, Any]) -> None:
    event_element = ET.SubElement(room_element, "event", guid=item["guid"], id=str(item["id"]))
    for name in ("date", "start", "duration", "room", "slug", "url", "title", "subtitle"):
        _text(event_element, name, item[name])
    if item["language"]:
        _text(event_element, "language", item["language"])
    _text(event_element, "track", item["track"] or "")
    for name in ("type", "abstract", "description"):
        _text(event_element, name, item[name])
    if "logo" in item:
        _text(event_element, "logo", item["logo"])
    recording = ET.SubElement(event_element, "recording")
    _text(recording, "license", item["recording_license"])
    _text(recording, "optout", "true" if item["do_not_record"] else "false")
    persons = ET.SubElement(event_element, "persons")
    for person in item["persons"]:
        _text(persons, "person", person["public_name"], id=str(person["id"]), guid=person["guid"])
    links = ET.SubElement(event_element, "links")
    for link in item["links"]:
        _text(links, "link", link["title"], href=link["url"])
    attachments = ET.SubElement(event_element, "attachments")
    for attachment in item["attachments"]:
        _text(attachments, "attachment", attachment["title"], href=attachment["url"])
    for name in ("feedback_url", "origin_url"):
        if name in item:
            _text(event_element, name, item[name])


def schedule_json(snapshot: FrabSnapshot) -> bytes:
    plan = _plan(snapshot)
    conference: dict[str, Any] = {
        "acronym": plan.acronym,
        "title": snapshot.event_title,
        "start": snapshot.start_date.isoformat(),
        "end": snapshot.end_date.isoformat(),
        "daysCount": len(plan.days),
        "timeslot_duration": _hours_minutes(GRID_SLOT_MINUTES),
        "time_zone_name": snapshot.timezone,
        "url": plan.event_url,
        "tracks": [
            {"name": track.name, "slug": _slugify(track.name) or "track", "color": track.colour}
            for track in snapshot.tracks
        ],
        "rooms": [
            {"name": room.name, "guid": plan.room_guids[room.id], "capacity": room.capacity}
            for room in plan.rooms
        ],
        "days": [
            {
                "index": day.index,
                "date": day.date.isoformat(),
                "day_start": day.start,
                "day_end": day.end,
                "rooms": {room.name: events for room, events in day.rooms},
            }
            for day in plan.days
        ],
    }
    document = {
        "$schema": "https://c3voc.de/schedule/schema.json",
        "generator": {"name": GENERATOR},
        "schedule": {
            "url": snapshot.schedule_json_url,
            "version": plan.version,
            "base_url": snapshot.base_url + "/",
            "conference": conference,
        },
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode() + b"\n"


def frab_acronym(event_slug: str) -> str:
    acronym = "".join(
        char if char.isascii() and (char.isalnum() or char == "_") else "_" for char in event_slug
    )
    return acronym.lower().ljust(ACRONYM_LENGTH, "_")


def session_slug(acronym: str, session: SessionView) -> str:
    """`<acronym>-<id>-<title>`: unique through the id, readable through the title."""
    title = _slugify(session.title)
    if len(title) > TITLE_SLUG_LENGTH:
        # Cut at a word boundary, so the slug does not end in half a word.
        title = title[: TITLE_SLUG_LENGTH + 1].rsplit("-", 1)[0]
    title = title or session.kind.value
    return f"{acronym}-{session.id}-{title}"


def room_guid(base_url: str, event_slug: str, room_id: int | None) -> str:
    return str(uuid.uuid5(_site_namespace(base_url), f"event/{event_slug}/room/{room_id or 'none'}"))


def person_guid(base_url: str, speaker_id: int) -> str:
    return str(uuid.uuid5(_site_namespace(base_url), f"speaker/{speaker_id}"))


# --- Building the schedule, shared by both formats ---


@dataclass(frozen=True)
class _Day:
    index: int
    date: date
    start: str
    end: str
    rooms: list[tuple[FrabRoom, list[dict[str, Any]]]]


@dataclass(frozen=True)
class _Plan:
    acronym: str
    version: str
    event_url: str
    rooms: list[FrabRoom]
    room_guids: dict[int | None, str]
    days: list[_Day]


def _plan(snapshot: FrabSnapshot) -> _Plan:
    zone = ZoneInfo(snapshot.timezone)
    acronym = frab_acronym(snapshot.event_slug)
    event_url = snapshot.event_url
    sessions = [session for session in snapshot.sessions if not session.is_cancelled]

    rooms = list(snapshot.rooms)
    if any(session.room_id is None for session in sessions):
        rooms.append(
            FrabRoom(
                id=None, name=ROOMLESS_ONLINE_ROOM if snapshot.is_online else ROOMLESS_ROOM, capacity=None
            )
        )
    room_guids = {
        room.id: room.guid or room_guid(snapshot.base_url, snapshot.event_slug, room.id) for room in rooms
    }
    room_names = {room.id: room.name for room in rooms}

    by_day_and_room: dict[tuple[date, int | None], list[dict[str, Any]]] = {}
    for session in sessions:
        local_start = session.start_at.astimezone(zone)
        item = _event(snapshot, session, acronym, event_url, local_start, room_names[session.room_id])
        by_day_and_room.setdefault((local_start.date(), session.room_id), []).append(item)

    first, last = snapshot.start_date, snapshot.end_date
    event_days = {first + timedelta(days=n) for n in range((last - first).days + 1)}
    all_days = sorted(event_days | {day for day, _room in by_day_and_room})
    days = []
    for index, day in enumerate(all_days, start=1):
        day_start = datetime.combine(day, time(0), tzinfo=zone)
        # Through UTC, so the next midnight is 23 or 25 hours later on a daylight-saving day.
        day_end = (
            datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC).astimezone(zone)
        )
        days.append(
            _Day(
                index=index,
                date=day,
                start=day_start.isoformat(),
                end=day_end.isoformat(),
                rooms=[(room, by_day_and_room.get((day, room.id), [])) for room in rooms],
            )
        )
    return _Plan(
        acronym=acronym,
        version=snapshot.version,
        event_url=event_url,
        rooms=rooms,
        room_guids=room_guids,
        days=days,
    )


def _event(
    snapshot: FrabSnapshot,
    session: SessionView,
    acronym: str,
    event_url: str,
    local_start: datetime,
    room_name: str,
) -> dict[str, Any]:
    persons: dict[int, dict[str, Any]] = {}
    for role in session.all_roles:
        persons.setdefault(
            role.speaker_id,
            {
                "id": role.speaker_id,
                "guid": role.speaker_guid or person_guid(snapshot.base_url, role.speaker_id),
                "public_name": one_line(role.speaker_name),
            },
        )
    minutes = int((session.end_at - session.start_at).total_seconds() // 60)
    description = "\n\n".join(part for part in (session.description, _talks_description(session)) if part)
    item = {
        "id": session.id,
        "guid": session.uid,
        "date": local_start.isoformat(),
        "start": f"{local_start.hour:02d}:{local_start.minute:02d}",
        "duration": _hours_minutes(minutes),
        "room": one_line(room_name),
        "slug": session_slug(acronym, session),
        "url": f"{snapshot.session_url_prefix}{session.id}",
        "title": one_line(session.title),
        "subtitle": one_line(session.subtitle),
        "track": one_line(session.track_name) or None,
        "type": one_line(session.type_label) or SESSION_KIND_LABELS[session.kind],
        "language": session.language or None,
        "abstract": session.abstract,
        "description": description,
        "recording_license": session.recording_license,
        "do_not_record": session.do_not_record,
        "do_not_stream": session.do_not_stream,
        "persons": list(persons.values()),
        "links": [{"url": link.url, "title": link.title} for link in session.links],
        "attachments": [{"url": link.url, "title": link.title} for link in session.attachments],
    }
    # The schema takes only web addresses here, and no empty feedback_url.
    if _WEB_ADDRESS.match(session.feedback_url):
        item["feedback_url"] = session.feedback_url
    if _WEB_ADDRESS.match(session.logo_url):
        item["logo"] = session.logo_url
    if _WEB_ADDRESS.match(session.origin_url):
        item["origin_url"] = session.origin_url
    return item


_WEB_ADDRESS = re.compile(r"https?://\S+$")


def _talks_description(session: SessionView) -> str:
    """A session's talks as a Markdown list, with who gives each; empty for a session without talks."""
    lines = []
    for talk in session.talks:
        people = ", ".join(dict.fromkeys(role.speaker_name for role in talk.roles))
        lines.append(f"- {talk.title} ({people})" if people else f"- {talk.title}")
    return "\n".join(lines)


def _text(parent: ET.Element, tag: str, text: str, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    # XML 1.0 cannot carry most control characters, which stored or imported text may hold.
    element.text = printable(text)
    return element


def _hours_minutes(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = "".join(char if char.isalnum() else " " for char in ascii_text).split()
    return "-".join(words)


def _site_namespace(base_url: str) -> uuid.UUID:
    # Ids are per database: the site's address keeps two Plenary sites' guids apart.
    return uuid.uuid5(uuid.NAMESPACE_URL, base_url.rstrip("/"))
