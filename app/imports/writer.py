"""Writing an ImportPlan into an event: what it would do (`preview_import`), then doing it (`apply_import`).

`apply_import(db, event, plan)` writes the plan in one transaction, into a new event (`event=None`) or an
existing one. Any error rolls everything back: never a half-imported event. `preview_import` counts the
same matches without writing, for the report the organiser confirms.

A guid becomes the session's calendar uid when it is a UUID no other event uses; otherwise the session gets
a new one, derived from the event and the guid (or the frab id), so that importing the same file again finds
it, and the report says so.

Into an existing event, nothing is deleted and the event's details stay as they are: a session whose
uid is an event's guid (or was derived from it) is updated in place (its calendar uid, seat limit,
cancellation and its speakers' roles, remote flags and confirmations survive); rooms and tracks are
matched by name (ignoring case), speakers by the file's person guid, then its person id, then (for a
speaker who has neither yet) by name ignoring case; what is missing is created. Events with neither a
guid nor an id (schedule2's breaks) cannot be matched and are added again by a second import.

What does not round-trip (Plenary's export, then an import into an empty event): cancelled sessions
(the export leaves them out), seat limits, room capacities and streams in XML (the JSON keeps
capacities), the stream opt-out in XML (the schema has no place for it; the JSON keeps it), talks'
times and abstracts, speakers' roles (everyone comes back as a speaker) and remote flags, speakers'
affiliations, bios, emails and photos, and the event's venue, description, kind, attendance mode and
visibility. Talks do come back: the export writes them into the description as a
Markdown list ("- Title (Ada Lovelace, Alan Turing)"), which a file that Plenary generated is read back
from, with each person on their talk; someone with a role in both the session and one of its talks
comes back on the talk only. Sessions come back with new calendar uids when the original event is in the
same database (uids are unique).
"""

import json
import unicodedata
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlmodel import col, select

from app.accounts.models import User
from app.db import DbSession, begin_write_transaction, saved_id, utcnow
from app.errors import InvalidInput
from app.events.forms import EventForm
from app.events.locks import lock_event
from app.events.models import Event, EventOrganiser
from app.events.service import slug_is_free
from app.i18n import _, ngettext
from app.imports.plan import ImportPlan, PlannedPerson, PlannedSession, list_some
from app.programme.models import Room, Session, SessionRole, Talk, Track, links_to_json
from app.speakers.models import Speaker

SLUG_LENGTH = 70
# Sessions written between two progress reports.
CHUNK_SIZE = 50


@dataclass(frozen=True)
class ImportSummary:
    """What the organiser is shown: before confirming what would happen, after it what did."""

    format: str
    event_title: str
    event_slug: str
    sessions_new: int
    sessions_updated: int
    rooms_new: int
    tracks_new: int
    speakers_new: int
    skipped: tuple[str, ...]
    notes: tuple[str, ...]
    # (type in the file, session kind, number of events)
    kinds: tuple[tuple[str, str, int], ...]
    # Why the plan cannot be imported at all; empty when it can.
    problem: str = ""
    # The event's dates and time zone (for a new event, as they will be); None while there is a problem.
    first_day: date | None = None
    last_day: date | None = None
    timezone: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, default=date.isoformat)

    @classmethod
    def from_json(cls, text: str) -> "ImportSummary":
        values = json.loads(text)
        values["skipped"] = tuple(values["skipped"])
        values["notes"] = tuple(values["notes"])
        values["kinds"] = tuple(tuple(kind) for kind in values["kinds"])
        for name in ("first_day", "last_day"):
            if values.get(name):
                values[name] = date.fromisoformat(values[name])
        return cls(**values)


@dataclass(frozen=True)
class ImportResult:
    event: Event
    summary: ImportSummary


Progress = Callable[[int, int], None]


def preview_import(db: DbSession, plan: ImportPlan, event: Event | None) -> ImportSummary:
    """What importing the plan would do, into `event` or (None) into a new event; nothing is written."""
    problem = ""
    target: Event | EventForm | None = event
    if event is None:
        form_or_problem = _new_event_form(db, plan)
        if isinstance(form_or_problem, str):
            problem, target = form_or_problem, None
        else:
            target = form_or_problem
    if not plan.sessions and not problem:
        problem = _("No event in this file can be imported; the reasons are listed below.")
    matching = _Matching.of(db, plan, event)
    return matching.summary(plan, target, problem)


def apply_import(
    db: DbSession,
    event: Event | None,
    plan: ImportPlan,
    *,
    organiser: User | None = None,
    progress: Progress | None = None,
    finish: Callable[[DbSession, ImportResult], None] | None = None,
) -> ImportResult:
    """The whole plan in one transaction, into `event` or a new event organised by `organiser`.

    `finish` runs inside the transaction, just before the commit, so a record of the import is saved with
    it or not at all. Any error rolls everything back and is raised again.
    """
    try:
        _begin_writing(db, event)
        if event is None:
            if organiser is None:
                raise ValueError("a new event needs its organiser")
            event = _create_event(db, plan, organiser)
        matching = _Matching.of(db, plan, event)
        # Counted before writing: the writer adds what it creates to the matching.
        summary = matching.summary(plan, event, "")
        writer = _Writer(db, event, matching)
        writer.rooms_and_tracks(plan)
        writer.speakers(plan)
        total = len(plan.sessions)
        if progress is not None:
            progress(0, total)
        for start in range(0, total, CHUNK_SIZE):
            writer.sessions(plan.sessions[start : start + CHUNK_SIZE])
            db.flush()
            if progress is not None:
                progress(min(start + CHUNK_SIZE, total), total)
        result = ImportResult(event, summary)
        if finish is not None:
            finish(db, result)
        db.commit()
    except BaseException:
        db.rollback()
        raise
    db.refresh(event)
    return result


def _begin_writing(db: DbSession, event: Event | None) -> None:
    # Take the write lock up front: on SQLite a transaction that has read cannot always start writing
    # later, and on PostgreSQL two imports into one event must not both create the same room.
    if event is not None:
        lock_event(db, event)
    else:
        begin_write_transaction(db)


def _new_event_form(db: DbSession, plan: ImportPlan) -> EventForm | str:
    conference = plan.conference
    if conference.start_date is None or conference.end_date is None:
        return _("The file gives no dates for the conference.")
    try:
        return EventForm(
            slug=_free_slug(db, plan),
            title=conference.title,
            start_date=conference.start_date,
            end_date=conference.end_date,
            timezone=conference.timezone or "UTC",
        )
    except ValidationError as error:
        return " ".join(
            str(problem.get("ctx", {}).get("error", problem["msg"])) for problem in error.errors()
        )


def _free_slug(db: DbSession, plan: ImportPlan) -> str:
    base = _slugify(plan.conference.acronym) or _slugify(plan.conference.title) or "imported-schedule"
    base = base[:SLUG_LENGTH].strip("-")
    slug, number = base, 1
    while not slug_is_free(db, slug):
        number += 1
        slug = f"{base}-{number}"
    return slug


def _slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "-".join("".join(char if char.isalnum() else " " for char in ascii_text).split())


def _create_event(db: DbSession, plan: ImportPlan, organiser: User) -> Event:
    # As events.service.create_event does, but without its commit: the event is part of the import.
    form = _new_event_form(db, plan)
    if isinstance(form, str):
        raise InvalidInput(form)
    event = Event(**form.model_dump(), is_published=False)
    db.add(event)
    db.flush()
    db.add(EventOrganiser(event_id=saved_id(event), user_id=saved_id(organiser)))
    return event


# Calendar uids given to imported sessions whose guid cannot be theirs, derived so that importing the same
# file into the same event again finds them.
_UID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://plenary.invalid/frab-import")


def _derived_uid(event_id: int, planned: PlannedSession) -> str | None:
    if planned.guid is not None:
        return str(uuid.uuid5(_UID_NAMESPACE, f"event/{event_id}/guid/{planned.guid}"))
    if planned.source_id is not None:
        return str(uuid.uuid5(_UID_NAMESPACE, f"event/{event_id}/id/{planned.source_id}"))
    return None


@dataclass
class _Matching:
    """The event's records that the plan's rooms, tracks, speakers and sessions are matched to."""

    event_id: int | None
    rooms: dict[str, Room]
    tracks: dict[str, Track]
    # The event's speakers by guid, by the file's person id, and by name ignoring case.
    speakers_by_guid: dict[str, Speaker]
    speakers_by_id: dict[int, Speaker]
    speakers_by_name: dict[str, Speaker]
    # The event's sessions, by uid, whose uid is a guid of the plan or derived from one of its events.
    sessions: dict[str, Session]
    # Guids of the plan that other events' sessions already have as their uid.
    taken: set[str]

    @classmethod
    def of(cls, db: DbSession, plan: ImportPlan, event: Event | None) -> "_Matching":
        event_id = event.id if event is not None else None
        uids = {session.guid for session in plan.sessions if session.guid is not None}
        if event_id is not None:
            uids |= {uid for session in plan.sessions if (uid := _derived_uid(event_id, session)) is not None}
        found = db.exec(select(Session).where(col(Session.uid).in_(sorted(uids)))).all() if uids else []
        matching = cls(
            event_id=event_id,
            rooms={},
            tracks={},
            speakers_by_guid={},
            speakers_by_id={},
            speakers_by_name={},
            sessions={s.uid: s for s in found if event_id is not None and s.event_id == event_id},
            taken={s.uid for s in found if event_id is None or s.event_id != event_id},
        )
        if event_id is not None:
            for room in db.exec(select(Room).where(Room.event_id == event_id).order_by(col(Room.id))).all():
                matching.rooms.setdefault(room.name.casefold(), room)
            for track in db.exec(
                select(Track).where(Track.event_id == event_id).order_by(col(Track.id))
            ).all():
                matching.tracks.setdefault(track.name.casefold(), track)
            speakers = db.exec(
                select(Speaker).where(Speaker.event_id == event_id).order_by(col(Speaker.id))
            ).all()
            for speaker in speakers:
                matching.remember(speaker)
        return matching

    def remember(self, speaker: Speaker) -> None:
        if speaker.guid:
            self.speakers_by_guid.setdefault(speaker.guid, speaker)
        if speaker.source_id is not None:
            self.speakers_by_id.setdefault(speaker.source_id, speaker)
        self.speakers_by_name.setdefault(" ".join(speaker.name.split()).casefold(), speaker)

    def speaker_for(self, person: PlannedPerson) -> Speaker | None:
        """The event's speaker this person is: same guid, else same id, else same name (ignoring case)
        when one of the two has no guid or id to tell them apart."""
        if person.guid is not None and person.guid in self.speakers_by_guid:
            return self.speakers_by_guid[person.guid]
        if person.source_id is not None and person.source_id in self.speakers_by_id:
            found = self.speakers_by_id[person.source_id]
            if person.guid is None or found.guid is None:
                return found
        named = self.speakers_by_name.get(person.name.casefold())
        if named is None:
            return None
        if person.guid is None and person.source_id is None:
            return named
        return named if named.guid is None and named.source_id is None else None

    def record_for(self, planned: PlannedSession) -> Session | None:
        """The event's session this planned one updates: by its guid, or by the uid derived from it."""
        if planned.guid is not None and planned.guid in self.sessions:
            return self.sessions[planned.guid]
        derived = _derived_uid(self.event_id, planned) if self.event_id is not None else None
        return self.sessions.get(derived) if derived is not None else None

    def new_uid(self, planned: PlannedSession) -> str:
        if planned.guid is not None and planned.guid not in self.taken:
            return planned.guid
        derived = _derived_uid(self.event_id, planned) if self.event_id is not None else None
        return derived or str(uuid.uuid4())

    def summary(self, plan: ImportPlan, target: Event | EventForm | None, problem: str) -> ImportSummary:
        """Counts and notes for importing the plan into `target`: an event, a new one's form, or None."""
        matched = [self.record_for(s) is not None for s in plan.sessions]
        updated = sum(matched)
        new_people = {person.key for person in _all_people(plan) if self.speaker_for(person) is None}
        notes = list(plan.notes)
        new = [s for s, found in zip(plan.sessions, matched, strict=True) if not found]
        without_guid = [s.label for s in new if s.guid is None]
        if without_guid:
            notes.append(
                ngettext(
                    "{count} event has no valid guid and gets a new calendar identity: {events}.",
                    "{count} events have no valid guid and get new calendar identities: {events}.",
                    len(without_guid),
                ).format(count=len(without_guid), events=list_some(without_guid))
            )
        renamed = [s.label for s in new if s.guid is not None and s.guid in self.taken]
        if renamed:
            notes.append(
                ngettext(
                    "{count} event's guid is already the calendar identity of a session of another event; "
                    "it gets a new one: {events}.",
                    "{count} events' guids are already the calendar identities of sessions of another event; "
                    "they get new ones: {events}.",
                    len(renamed),
                ).format(count=len(renamed), events=list_some(renamed))
            )
        if target is not None:
            outside = _outside_the_dates(plan, target.start_date, target.end_date, target.timezone)
            if outside:
                notes.append(
                    ngettext(
                        "{count} session falls outside the event's dates; the programme builder lists it "
                        "under Conflicts until you move it or change the event's dates: {events}.",
                        "{count} sessions fall outside the event's dates; the programme builder lists them "
                        "under Conflicts until you move them or change the event's dates: {events}.",
                        len(outside),
                    ).format(count=len(outside), events=list_some(outside))
                )
        return ImportSummary(
            format=plan.format,
            event_title=target.title if target is not None else plan.conference.title,
            event_slug=target.slug if target is not None else "",
            sessions_new=len(plan.sessions) - updated,
            sessions_updated=updated,
            rooms_new=sum(1 for room in plan.rooms if room.name.casefold() not in self.rooms),
            tracks_new=sum(1 for track in plan.tracks if track.name.casefold() not in self.tracks),
            speakers_new=len(new_people),
            skipped=plan.skipped,
            notes=tuple(notes),
            kinds=tuple((mapping.type, mapping.kind.value, mapping.count) for mapping in plan.kinds),
            problem=problem,
            first_day=target.start_date if target is not None else None,
            last_day=target.end_date if target is not None else None,
            timezone=target.timezone if target is not None else "",
        )


def _outside_the_dates(plan: ImportPlan, first_day: date, last_day: date, timezone: str) -> list[str]:
    """The sessions the programme builder would flag as outside the event's dates (programme.conflicts)."""
    zone = ZoneInfo(timezone)
    return [
        session.label
        for session in plan.sessions
        if not session.is_cancelled
        and (
            session.start_at.astimezone(zone).date() < first_day
            # A session ending at midnight ends on the day before, not the day after.
            or (session.end_at - timedelta(microseconds=1)).astimezone(zone).date() > last_day
        )
    ]


def _all_people(plan: ImportPlan) -> Iterator[PlannedPerson]:
    for session in plan.sessions:
        yield from _session_people(session)


class _Writer:
    def __init__(self, db: DbSession, event: Event, matching: _Matching) -> None:
        if event.id is None:
            raise ValueError("the event must be saved first")
        self.db = db
        self.event_id: int = event.id
        self.matching = matching
        self.now = utcnow()
        # The speaker of each person of the plan, by PlannedPerson.key.
        self.people: dict[str, Speaker] = {}

    def rooms_and_tracks(self, plan: ImportPlan) -> None:
        last = max((room.position for room in self.matching.rooms.values()), default=0)
        for planned in plan.rooms:
            if planned.name.casefold() not in self.matching.rooms:
                last += 1
                room = Room(
                    event_id=self.event_id,
                    name=planned.name,
                    capacity=planned.capacity,
                    position=last,
                    guid=planned.guid,
                )
                self.db.add(room)
                self.matching.rooms[planned.name.casefold()] = room
        for planned_track in plan.tracks:
            if planned_track.name.casefold() not in self.matching.tracks:
                track = Track(event_id=self.event_id, name=planned_track.name, colour=planned_track.colour)
                self.db.add(track)
                self.matching.tracks[planned_track.name.casefold()] = track

    def speakers(self, plan: ImportPlan) -> None:
        for person in _all_people(plan):
            if person.key in self.people:
                continue
            speaker = self.matching.speaker_for(person)
            if speaker is None:
                speaker = Speaker(
                    event_id=self.event_id,
                    name=person.name,
                    bio=person.bio,
                    guid=person.guid,
                    source_id=person.source_id,
                )
                self.db.add(speaker)
                self.matching.remember(speaker)
            elif (speaker.guid is None and person.guid) or (speaker.source_id is None and person.source_id):
                # A speaker matched by name learns the file's guid and id, for the next import.
                speaker.guid = speaker.guid or person.guid
                speaker.source_id = speaker.source_id if speaker.source_id is not None else person.source_id
                self.db.add(speaker)
                self.matching.remember(speaker)
            self.people[person.key] = speaker
        self.db.flush()

    def sessions(self, planned: tuple[PlannedSession, ...]) -> None:
        ids = [record.id for s in planned if (record := self.matching.record_for(s)) is not None]
        talks: dict[int, list[Talk]] = {}
        roles: dict[int, list[SessionRole]] = {}
        if ids:
            for talk in self.db.exec(
                select(Talk).where(col(Talk.session_id).in_(ids)).order_by(col(Talk.position), col(Talk.id))
            ).all():
                talks.setdefault(talk.session_id, []).append(talk)
            for role in self.db.exec(
                select(SessionRole)
                .where(col(SessionRole.session_id).in_(ids))
                .order_by(col(SessionRole.position), col(SessionRole.id))
            ).all():
                roles.setdefault(role.session_id, []).append(role)

        records: list[tuple[PlannedSession, Session, bool]] = []
        for plan_session in planned:
            record = self.matching.record_for(plan_session)
            if record is None:
                uid = self.matching.new_uid(plan_session)
                record = Session(event_id=self.event_id, uid=uid, **self._values(plan_session))
                self.db.add(record)
                records.append((plan_session, record, True))
            else:
                if _assign(record, self._values(plan_session)):
                    record.updated_at = self.now
                    self.db.add(record)
                records.append((plan_session, record, False))
        self.db.flush()

        for plan_session, record, is_new in records:
            assert record.id is not None  # noqa: S101 - flushed just above
            if is_new:
                self._new_people(record, plan_session)
            elif self._sync_people(record, plan_session, talks.get(record.id, []), roles.get(record.id, [])):
                record.updated_at = self.now
                self.db.add(record)

    def _values(self, planned: PlannedSession) -> dict[str, Any]:
        room = self.matching.rooms.get(planned.room.casefold()) if planned.room else None
        track = self.matching.tracks.get(planned.track.casefold()) if planned.track else None
        values: dict[str, Any] = {
            "title": planned.title,
            "kind": planned.kind,
            "start_at": planned.start_at,
            "end_at": planned.end_at,
            "room_id": room.id if room is not None else None,
            "track_id": track.id if track is not None else None,
            "abstract": planned.abstract,
            "subtitle": planned.subtitle,
            "description": planned.description,
            "language": planned.language,
            "type_label": planned.type_label,
            "do_not_record": planned.do_not_record,
            "do_not_stream": planned.do_not_stream,
            "recording_license": planned.recording_license,
            "feedback_url": planned.feedback_url,
            "logo_url": planned.logo_url,
            "origin_url": planned.origin_url,
            "links": links_to_json(planned.links),
            "attachments": links_to_json(planned.attachments),
        }
        if planned.is_cancelled:
            values["is_cancelled"] = True
        return values

    def _speaker_id(self, person: PlannedPerson) -> int:
        speaker_id = self.people[person.key].id
        assert speaker_id is not None  # noqa: S101 - speakers are flushed before the sessions
        return speaker_id

    def _new_people(self, record: Session, planned: PlannedSession) -> None:
        assert record.id is not None  # noqa: S101 - flushed by the caller
        position = 0
        for person in planned.people:
            position += 1
            self.db.add(self._role(record.id, None, person, position))
        for index, planned_talk in enumerate(planned.talks or (), start=1):
            talk = Talk(session_id=record.id, title=planned_talk.title, position=index)
            self.db.add(talk)
            self.db.flush()
            for person in planned_talk.people:
                position += 1
                self.db.add(self._role(record.id, talk.id, person, position))

    def _role(
        self, session_id: int, talk_id: int | None, person: PlannedPerson, position: int
    ) -> SessionRole:
        return SessionRole(
            session_id=session_id,
            talk_id=talk_id,
            speaker_id=self._speaker_id(person),
            role=person.role,
            position=position,
        )

    def _sync_people(
        self, record: Session, planned: PlannedSession, talks: list[Talk], roles: list[SessionRole]
    ) -> bool:
        """Brings an updated session's talks and people to the file's; returns whether anything changed."""
        assert record.id is not None  # noqa: S101 - a loaded session
        changed = False
        everyone = {self._speaker_id(person) for person in _session_people(planned)}
        if planned.talks is not None and [talk.title for talk in talks] != [t.title for t in planned.talks]:
            for talk in talks:
                self.db.delete(talk)  # its roles go with it (ON DELETE CASCADE)
            dropped = {talk.id for talk in talks}
            roles = [role for role in roles if role.talk_id not in dropped]
            self.db.flush()
            talks = []
            for index, planned_talk in enumerate(planned.talks, start=1):
                talk = Talk(session_id=record.id, title=planned_talk.title, position=index)
                self.db.add(talk)
                talks.append(talk)
            self.db.flush()
            changed = True
        wanted: dict[int | None, list[PlannedPerson]] = {None: list(planned.people)}
        for index, talk in enumerate(talks):
            if planned.talks is not None:
                wanted[talk.id] = list(planned.talks[index].people)
        position = max((role.position for role in roles), default=0)
        for role in roles:
            keep = role.speaker_id in everyone and (
                role.talk_id not in wanted
                or role.speaker_id in {self._speaker_id(person) for person in wanted[role.talk_id]}
            )
            if not keep:
                self.db.delete(role)
                changed = True
        present = {(role.talk_id, role.speaker_id) for role in roles}
        for talk_id, people in wanted.items():
            for person in people:
                if (talk_id, self._speaker_id(person)) not in present:
                    position += 1
                    self.db.add(self._role(record.id, talk_id, person, position))
                    changed = True
        return changed


def _session_people(planned: PlannedSession) -> Iterator[PlannedPerson]:
    yield from planned.people
    for talk in planned.talks or ():
        yield from talk.people


def _assign(record: Session, values: dict[str, Any]) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(record, name) != value:
            setattr(record, name, value)
            changed = True
    return changed
