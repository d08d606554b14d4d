"""The programme as an iCalendar feed (RFC 5545, with the RFC 7986 calendar properties).

A pure function of a `ProgrammeSnapshot`: the same programme gives the same bytes, so a feed is built
once per programme change and its ETag can be known before building it.

What calendar apps rely on:
- UID is the session's stored uid at the site's host: it never changes, whatever is edited, so an
  edit updates the entry in people's calendars instead of adding a second one.
- Cancelled sessions stay in the feed with STATUS:CANCELLED, so calendars remove or strike them
  rather than keep showing the last copy they saw.
- Times carry the TZID of the event's zone, described by a VTIMEZONE in the file, so the session stays
  at its local time on the event's days and every viewer's calendar converts it to their own zone;
  times inside the hour that happens twice when clocks go back are written in UTC, the one reading
  every parser agrees on.
- SEQUENCE rises with each released version that changes the session (app/programme/releases.py),
  so clients replace their copy; before an event's first release it is 0 and clients go by
  LAST-MODIFIED and DTSTAMP. Sessions deleted after a release stay in the whole-programme feed as
  CANCELLED with a raised SEQUENCE, so calendars drop them.
- An online attendee's personal feed carries their own join link (app/live/joins.py, never the stream's
  address) as a CONFERENCE property (RFC 7986); public feeds never do: they carry the public page in URL.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vDuration
from markdown_it import MarkdownIt

from app.exports.snapshot import ExportedSession, ProgrammeSnapshot
from app.i18n import _
from app.programme.models import calendar_uid
from app.programme.snapshot import WithdrawnSession
from app.text import one_line, printable

MEDIA_TYPE = "text/calendar; charset=utf-8"
PRODID = "-//Plenary//Programme//EN"
# How often subscribed calendars should fetch the feed again.
REFRESH_INTERVAL = timedelta(hours=1)
# The VTIMEZONE covers the programme with a year to spare, not 1970 to 2038: a far shorter file.
ZONE_MARGIN = timedelta(days=366)

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False})


def render_ical(snapshot: ProgrammeSnapshot) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", one_line(snapshot.name))
    calendar.add("x-wr-calname", one_line(snapshot.name))
    calendar.add("x-wr-timezone", snapshot.timezone)
    calendar.add("refresh-interval", vDuration(REFRESH_INTERVAL), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH_INTERVAL))
    calendar.add_component(_zone_definition(snapshot.timezone, *_programme_span(snapshot)))
    zone = ZoneInfo(snapshot.timezone)
    for session in snapshot.sessions:
        calendar.add_component(_calendar_event(snapshot, session, zone))
    for withdrawn in snapshot.withdrawn:
        calendar.add_component(_withdrawn_event(snapshot, withdrawn, zone))
    written: bytes = calendar.to_ical()
    return written


def ical_filename(event_slug: str, subject: str) -> str:
    return f"{event_slug}-{subject}.ics"


def _calendar_event(snapshot: ProgrammeSnapshot, exported: ExportedSession, zone: ZoneInfo) -> Event:
    session = exported.view
    item = _dated_event(
        snapshot,
        zone,
        _Identity(session.uid, exported.created_at, exported.updated_at, exported.sequence),
        session.start_at,
        session.end_at,
        session.title,
    )
    location = ", ".join(one_line(part) for part in (session.room_name, snapshot.venue) if part)
    if location:
        item.add("location", location)
    item.add("url", exported.page_url)
    if exported.join_url and not session.is_cancelled:
        item.add(
            "conference",
            one_line(exported.join_url),
            # icalendar types parameter values as strings; a list is how it writes a multi-valued one.
            parameters={"VALUE": "URI", "FEATURE": ["AUDIO", "VIDEO"], "LABEL": _("Join online")},  # type: ignore[dict-item]
        )
    description = _description(exported)
    if description:
        item.add("description", printable(description))
    item.add("categories", [one_line(label) for label in (session.kind_label, session.track_name) if label])
    item.add("status", "CANCELLED" if session.is_cancelled else "CONFIRMED")
    item.add("transp", "TRANSPARENT" if session.is_cancelled else "OPAQUE")
    return item


def _withdrawn_event(snapshot: ProgrammeSnapshot, withdrawn: WithdrawnSession, zone: ZoneInfo) -> Event:
    identity = _Identity(withdrawn.uid, withdrawn.created_at, withdrawn.withdrawn_at, withdrawn.sequence)
    item = _dated_event(snapshot, zone, identity, withdrawn.start_at, withdrawn.end_at, withdrawn.title)
    item.add("description", _("This session was removed from the programme."))
    item.add("status", "CANCELLED")
    item.add("transp", "TRANSPARENT")
    return item


@dataclass(frozen=True)
class _Identity:
    """What lets a calendar match an entry with its earlier copies and tell which one is newer."""

    uid: str
    created_at: datetime
    modified_at: datetime
    sequence: int


def _dated_event(
    snapshot: ProgrammeSnapshot,
    zone: ZoneInfo,
    identity: _Identity,
    start: datetime,
    end: datetime,
    title: str,
) -> Event:
    item = Event()
    item.add("uid", calendar_uid(identity.uid, snapshot.host))
    item.add("dtstamp", snapshot.stamped_at.astimezone(UTC))
    item.add("created", identity.created_at.astimezone(UTC))
    item.add("last-modified", identity.modified_at.astimezone(UTC))
    item.add("sequence", identity.sequence)
    item.add("dtstart", _in_zone(start, zone))
    item.add("dtend", _in_zone(end, zone))
    # Stored or imported text may hold line breaks a content line cannot carry.
    item.add("summary", one_line(title))
    return item


def _in_zone(moment: datetime, zone: ZoneInfo) -> datetime:
    """The moment in the event's zone, or in UTC inside the hour that happens twice when clocks go back.

    RFC 5545 reads such a local time as its first occurrence, but ical.js and node-ical read it as the
    second: both occurrences are written in UTC, which every parser reads alike. (A UTC moment is never
    in the hour that clocks skip, so that hour needs nothing.)
    """
    local = moment.astimezone(zone)
    if local.replace(fold=0).utcoffset() != local.replace(fold=1).utcoffset():
        return moment.astimezone(UTC)
    return local


def _description(exported: ExportedSession) -> str:
    session = exported.view
    lines = [
        _person(role.role_label, role.speaker_name, role.affiliation, role.is_remote)
        for role in session.roles
    ]
    for talk in session.talks:
        people = ", ".join(role.speaker_name for role in talk.roles)
        heading = " ".join(part for part in (talk.time_label, talk.title) if part)
        lines.append(f"• {heading}" + (f" ({people})" if people else ""))
    if session.is_cancelled:
        lines.insert(0, _("This session is cancelled."))
    abstract = _plain_text(session.abstract)
    return "\n\n".join(part for part in ("\n".join(lines), abstract) if part)


def _person(role_label: str, name: str, affiliation: str, is_remote: bool) -> str:
    who = f"{name} ({affiliation})" if affiliation else name
    line = f"{role_label}: {who}"
    return f"{line}, {_('remote')}" if is_remote else line


class _TextOfHtml(HTMLParser):
    """Markdown rendered to HTML, then read back as text: paragraphs and list items on their own lines."""

    _BLOCKS = frozenset({"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote", "tr", "br"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "li":
            self.parts.append("• ")
        elif tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._BLOCKS:
            self.parts.append("\n\n" if tag in {"p", "pre", "blockquote"} or tag.startswith("h") else "\n")

    def handle_data(self, data: str) -> None:
        # The line breaks between tags are layout of the HTML, not text.
        if data.strip() or "\n" not in data:
            self.parts.append(data)


def _plain_text(markdown: str) -> str:
    if not markdown.strip():
        return ""
    reader = _TextOfHtml()
    reader.feed(_markdown.render(markdown))
    reader.close()
    text = "".join(reader.parts)
    paragraphs = [block.strip() for block in text.split("\n\n")]
    return "\n\n".join(block for block in paragraphs if block)


def _programme_span(snapshot: ProgrammeSnapshot) -> tuple[date, date]:
    first, last = snapshot.start_date, snapshot.end_date
    if snapshot.sessions:
        first = min(first, min(s.view.start_at for s in snapshot.sessions).date())
        last = max(last, max(s.view.end_at for s in snapshot.sessions).date())
    return first - ZONE_MARGIN, last + ZONE_MARGIN


@lru_cache(maxsize=64)
def _zone_definition(tzid: str, first: date, last: date) -> Timezone:
    # Computing the transitions is slow; feeds of one event all ask for the same zone and span.
    return Timezone.from_tzid(tzid, first_date=first, last_date=last)
