"""Checking each event of a schedule file and building the plan: what is kept, what is skipped and why."""

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from app.exports.frab import GENERATOR, ROOMLESS_ONLINE_ROOM, ROOMLESS_ROOM, room_guid
from app.i18n import _, ngettext
from app.imports.plan import (
    LANGUAGE_LENGTH,
    MAX_SESSION_LENGTH,
    NAME_LENGTH,
    SPEAKER_NAME_LENGTH,
    TITLE_LENGTH,
    TRACK_PALETTE,
    URL_LENGTH,
    ImportPlan,
    KindMapping,
    PlannedConference,
    PlannedPerson,
    PlannedRoom,
    PlannedSession,
    PlannedTalk,
    PlannedTrack,
    list_some,
)
from app.imports.raw import RawEvent, RawSchedule
from app.imports.text import imported_line, imported_text
from app.imports.values import (
    LANGUAGE_PATTERN,
    LINK_PATTERN,
    cut_to,
    read_aware_moment,
    read_clock,
    read_colour,
    read_duration,
    read_local_date,
    read_moment,
    read_uuid,
    read_zone,
)
from app.programme.models import SESSION_KIND_LABELS, SessionKind

# States of schedule2 events that are not on the programme at all.
_LEFT_OUT_STATES = ("DELETED", "REJECTED", "WITHDRAWN")


def build_plan(raw: RawSchedule, kinds: Mapping[str, SessionKind]) -> ImportPlan:
    notes: list[str] = []
    skipped = list(raw.skipped)
    timezone = read_zone(raw.time_zone)
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
        name = cut_to(" ".join(raw_room.name.split()), NAME_LENGTH)
        if name and name.casefold() not in roomless and name.casefold() not in rooms:
            rooms[name.casefold()] = PlannedRoom(name, raw_room.capacity, read_uuid(raw_room.guid))
    tracks: dict[str, PlannedTrack] = {}
    for raw_track in raw.tracks:
        name = cut_to(" ".join(raw_track.name.split()), NAME_LENGTH)
        if name and name.casefold() not in tracks:
            tracks[name.casefold()] = PlannedTrack(name, read_colour(raw_track.colour))

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
    title = cut_to(" ".join(raw.title.split()), TITLE_LENGTH) or cut_to(raw.acronym.strip(), TITLE_LENGTH)
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
    coloured: list[PlannedTrack] = []
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
        self, raw: RawSchedule, zone: ZoneInfo, roomless: set[str], kinds: Mapping[str, SessionKind]
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

    def check(self, event: RawEvent) -> PlannedSession | str:
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
        guid = read_uuid(event.guid)
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
            title = cut_to(title, TITLE_LENGTH)
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
        track = cut_to(" ".join(event.track.split()), NAME_LENGTH) or None
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
            subtitle=cut_to(imported_line(event.subtitle), 500),
            description=description,
            language=_language(event.language),
            type_label=type_label,
            do_not_record=event.do_not_record,
            do_not_stream=event.do_not_stream,
            recording_license=cut_to(" ".join(event.recording_license.split()), 200),
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

    def _start(self, event: RawEvent, reasons: list[str]) -> datetime | None:
        clock = None
        if event.start.strip():
            clock = read_clock(event.start)
            if clock is None:
                reasons.append(_("its start {value} is not a time").format(value=event.start.strip()))
        moment = read_moment(event.date_text) if event.date_text.strip() else None
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

    def _end(self, event: RawEvent, start_at: datetime | None, reasons: list[str]) -> datetime | None:
        if event.end.strip():
            end = read_aware_moment(event.end)
            if end is None:
                reasons.append(_("its end {value} is not a date and time").format(value=event.end.strip()))
                return None
            if start_at is not None and end <= start_at:
                reasons.append(_("it ends ({value}) before it starts").format(value=event.end.strip()))
                return None
            length = end - start_at if start_at is not None else timedelta(0)
            shown = event.end.strip()
        elif event.duration.strip():
            parsed = read_duration(event.duration)
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

    def _room(self, event: RawEvent, reasons: list[str]) -> str | None:
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
        name = cut_to(own or listed, NAME_LENGTH)
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


def _event_label(title: str, event: RawEvent) -> str:
    if event.id_text.strip():
        where = _("id {id}").format(id=event.id_text.strip()[:40])
    elif event.guid.strip():
        where = _("guid {guid}").format(guid=event.guid.strip()[:40])
    else:
        where = _("number {number} in the file").format(number=event.number)
    if title:
        return _("Event '{title}' ({where})").format(title=cut_to(title, 80), where=where)
    return _("Event ({where})").format(where=where)


def _people(persons: Iterable[PlannedPerson]) -> tuple[PlannedPerson, ...]:
    people: dict[str, PlannedPerson] = {}
    for person in persons:
        name = cut_to(" ".join(person.name.split()), SPEAKER_NAME_LENGTH)
        cleaned = PlannedPerson(name, person.role, imported_text(person.bio), person.guid, person.source_id)
        if name and cleaned.key not in people:
            people[cleaned.key] = cleaned
    return tuple(people.values())


def _language(text: str) -> str:
    """A language tag ("en", "pt-BR") or a list of them ("en, de"); anything else is not kept."""
    text = text.strip()
    return text if len(text) <= LANGUAGE_LENGTH and LANGUAGE_PATTERN.fullmatch(text) else ""


def _url(text: str) -> str:
    text = text.strip()
    return text if len(text) <= URL_LENGTH and LINK_PATTERN.match(text) else ""


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
        talks.append(PlannedTalk(cut_to(title, TITLE_LENGTH), named))
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


def _roomless_room_names(raw: RawSchedule) -> set[str]:
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
    raw: RawSchedule, zone: ZoneInfo, sessions: list[PlannedSession]
) -> tuple[date | None, date | None]:
    start, end = read_local_date(raw.start, zone), read_local_date(raw.end, zone)
    if start is not None and end is not None and start <= end:
        return start, end
    if raw.day_dates:
        return min(raw.day_dates), max(raw.day_dates)
    if sessions:
        days = [session.start_at.astimezone(zone).date() for session in sessions]
        return min(days), max(days)
    return None, None
