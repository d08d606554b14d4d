"""Programme versions, as pretalx has them: one working draft, and frozen numbered releases.

Organisers edit the draft in the builder; the public pages, the API and every export show the latest
release. Releasing freezes the whole programme (ProgrammeData, stored as JSON), numbers it, and records
what changed since the version before: sessions added, moved (old and new time or room), cancelled or
withdrawn, and whose speakers changed. Each session carries a SEQUENCE for calendar clients, raised by
every release that changes what a calendar shows of it; sessions deleted from the draft stay in the
feeds as withdrawn, so calendars remove them instead of keeping the last copy they saw.

Until an event's first release its public programme follows the draft, as Indico's does: an organiser
who never uses versions publishes as they edit.
"""

import json
from collections.abc import Callable, Hashable
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime
from enum import StrEnum
from functools import cached_property
from typing import Any, TypeVar

from sqlalchemy import select as sa_select
from sqlmodel import col, select

from app.accounts.models import User
from app.caching import RenderedViews
from app.db import DbSession, utcnow
from app.errors import DomainError, InvalidInput
from app.events.locks import lock_event
from app.events.models import Event
from app.i18n import _
from app.programme.conflicts import OpenConflicts, programme_conflicts
from app.programme.models import Release, RoleKind, SessionKind
from app.programme.queries import (
    ProgrammeData,
    RoleData,
    RoomData,
    SessionData,
    SpeakerData,
    TalkData,
    TrackData,
    WithdrawnSession,
    load_programme,
)

NOTE_MAX_LENGTH = 500


class NothingToRelease(DomainError):
    status_code = 409


class ChangeKind(StrEnum):
    added = "added"
    cancelled = "cancelled"
    reinstated = "reinstated"
    # Deleted from the draft after it had been released.
    withdrawn = "withdrawn"
    changed = "changed"


@dataclass(frozen=True)
class SessionChange:
    """What one release changed of one session; times are UTC, places and people are names."""

    kind: ChangeKind
    session_id: int
    uid: str
    title: str
    start_at: datetime
    end_at: datetime
    room: str
    # Set when the time or the room changed: where and when it was before.
    old_start_at: datetime | None = None
    old_end_at: datetime | None = None
    old_room: str | None = None
    speakers_added: tuple[str, ...] = ()
    speakers_removed: tuple[str, ...] = ()
    # Other changes calendars show: "title", "description", "kind", "track", "talks", "roles".
    details: tuple[str, ...] = ()

    @property
    def is_moved(self) -> bool:
        return self.old_start_at is not None

    @property
    def speakers_changed(self) -> bool:
        return bool(self.speakers_added or self.speakers_removed)


@dataclass(frozen=True)
class ReleaseInfo:
    id: int
    number: int
    note: str
    released_at: datetime


class PublishedProgramme:
    """The programme the public sees: the latest release, or the draft of an event never released.

    Its version is known from one small query; the programme itself is read only when `data` is first
    used, so a client that already holds this version gets its 304 without the programme being read.
    """

    def __init__(
        self,
        *,
        release: ReleaseInfo | None,
        version_key: Hashable,
        last_modified: datetime,
        load: Callable[[], ProgrammeData],
    ) -> None:
        self.release = release
        # Names this version for caches and ETags: it moves with each release (or, before the first
        # release, with each edit) and with the event's own public details, and with nothing else.
        self.version_key = version_key
        self.last_modified = last_modified
        self._load = load

    @cached_property
    def data(self) -> ProgrammeData:
        return self._load()

    @property
    def version_label(self) -> str:
        return str(self.release.number) if self.release else _("draft")


@dataclass(frozen=True)
class ReleaseEntry:
    info: ReleaseInfo
    session_count: int
    released_by: str
    changes: list[SessionChange] = field(default_factory=list)


# --- Reading the published programme ---


def latest_release(db: DbSession, event: Event) -> ReleaseInfo | None:
    """The newest release of the event, without its (large) stored programme."""
    row = db.execute(
        sa_select(Release.id, Release.number, Release.note, Release.released_at)
        .where(col(Release.event_id) == event.id)
        .order_by(col(Release.number).desc())
        .limit(1)
    ).first()
    return ReleaseInfo(*row) if row is not None else None


def published_programme(
    db: DbSession, event: Event, cache: RenderedViews[Any] | None = None
) -> PublishedProgramme:
    """One small query names the version; its data is read (or taken from `cache`) on first use."""
    release = latest_release(db, event)
    if release is None:
        key: Hashable = ("draft", event.id, event.updated_at)
        return PublishedProgramme(
            release=None,
            version_key=key,
            last_modified=event.updated_at,
            load=lambda: _cached(cache, ("programme-data", key), lambda: load_programme(db, event)),
        )

    def read_release() -> ProgrammeData:
        stored = db.execute(sa_select(Release.programme).where(col(Release.id) == release.id)).scalar_one()
        return programme_from_json(stored)

    return PublishedProgramme(
        release=release,
        version_key=("release", event.id, release.id, release.released_at, _public_details(event)),
        last_modified=release.released_at,
        load=lambda: _cached(cache, ("programme-data", "release", release.id), read_release),
    )


def release_history(db: DbSession, event: Event) -> list[ReleaseEntry]:
    """Every release of the event, newest first, with what each changed."""
    rows = db.execute(
        sa_select(
            Release.id,
            Release.number,
            Release.note,
            Release.released_at,
            Release.session_count,
            Release.changes,
            User.name,
        )
        .outerjoin(User, col(User.id) == Release.released_by_id)
        .where(col(Release.event_id) == event.id)
        .order_by(col(Release.number).desc())
    ).all()
    return [
        ReleaseEntry(
            info=ReleaseInfo(release_id, number, note, released_at),
            session_count=session_count,
            released_by=released_by or "",
            changes=changes_from_json(changes),
        )
        for release_id, number, note, released_at, session_count, changes, released_by in rows
    ]


def unreleased_changes(db: DbSession, event: Event) -> list[SessionChange]:
    """What the next release would change, for the organiser deciding whether to release."""
    latest = latest_release(db, event)
    if latest is None:
        return []
    stored = db.execute(sa_select(Release.programme).where(col(Release.id) == latest.id)).scalar_one()
    return compare_programmes(programme_from_json(stored), load_programme(db, event))


# --- Releasing ---


def release_programme(
    db: DbSession,
    event: Event,
    note: str,
    released_by: User | None,
    *,
    now: datetime | None = None,
    conflicts_confirmed: bool = True,
) -> Release:
    """The draft becomes the public programme as the next numbered version; the draft stays editable.

    An organiser releasing from the page confirms the open conflicts first (`conflicts_confirmed` False
    until they did); the demo loader and the import release as they are.
    """
    note = note.strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise InvalidInput(
            _("The note can be at most {count} characters long.").format(count=NOTE_MAX_LENGTH), field="note"
        )
    if not conflicts_confirmed:
        open_conflicts = programme_conflicts(db, event)
        if open_conflicts:
            raise OpenConflicts(open_conflicts)
    # Two organisers releasing at once get versions N and N+1, never two N.
    lock_event(db, event)
    now = now or utcnow()
    previous_row = db.exec(
        select(Release).where(Release.event_id == event.id).order_by(col(Release.number).desc()).limit(1)
    ).first()
    draft = load_programme(db, event)
    if previous_row is None:
        if not draft.sessions:
            raise NothingToRelease(_("There is nothing to release yet: the programme has no sessions."))
        released, changes = draft, []
    else:
        previous = programme_from_json(previous_row.programme)
        changes = compare_programmes(previous, draft)
        if not changes and _same_programme(previous, draft):
            raise NothingToRelease(
                _("Nothing has changed since version {number}.").format(number=previous_row.number)
            )
        released = _with_sequences(previous, draft, changes, now)
    release = Release(
        event_id=event.id,  # type: ignore[arg-type]
        number=(previous_row.number + 1) if previous_row else 1,
        note=note,
        released_at=now,
        released_by_id=released_by.id if released_by else None,
        session_count=len(released.sessions),
        programme=programme_to_json(released),
        changes=changes_to_json(changes),
    )
    db.add(release)
    db.commit()
    db.refresh(release)
    return release


def _with_sequences(
    previous: ProgrammeData, draft: ProgrammeData, changes: list[SessionChange], now: datetime
) -> ProgrammeData:
    """The draft with each session's SEQUENCE: the last release's, plus one if this release changes it."""
    changed = {change.uid for change in changes}
    earlier = {session.uid: session.sequence for session in previous.sessions}
    sessions = tuple(
        replace(session, sequence=earlier[session.uid] + (session.uid in changed))
        if session.uid in earlier
        else session
        for session in draft.sessions
    )
    in_draft = {session.uid for session in draft.sessions}
    withdrawn = [w for w in previous.withdrawn if w.uid not in in_draft]
    withdrawn.extend(
        WithdrawnSession(
            uid=session.uid,
            title=session.title,
            start_at=session.start_at,
            end_at=session.end_at,
            created_at=session.created_at,
            withdrawn_at=now,
            sequence=session.sequence + 1,
        )
        for session in previous.sessions
        if session.uid not in in_draft
    )
    return replace(draft, sessions=sessions, withdrawn=tuple(withdrawn))


# --- Comparing two versions ---


def _same_programme(old: ProgrammeData, new: ProgrammeData) -> bool:
    """Equal but for stamps and sequences: releasing only new speaker bios or room names is allowed."""

    def unstamped(data: ProgrammeData) -> tuple[object, ...]:
        sessions = tuple(
            replace(s, created_at=s.start_at, updated_at=s.start_at, sequence=0) for s in data.sessions
        )
        return (data.rooms, data.tracks, data.speakers, sessions, data.talks, data.roles)

    return unstamped(old) == unstamped(new)


def compare_programmes(old: ProgrammeData, new: ProgrammeData) -> list[SessionChange]:
    """Sessions added, cancelled, reinstated, withdrawn or changed from `old` to `new`, in `new`'s order."""
    old_by_uid = {session.uid: session for session in old.sessions}
    new_uids = {session.uid for session in new.sessions}
    changes: list[SessionChange] = []
    for session in new.sessions:
        before = old_by_uid.get(session.uid)
        now_here = _Facts.of(new, session)
        if before is None:
            changes.append(_change(ChangeKind.added, session, now_here))
            continue
        was = _Facts.of(old, before)
        if session.is_cancelled != before.is_cancelled:
            kind = ChangeKind.cancelled if session.is_cancelled else ChangeKind.reinstated
            changes.append(_change(kind, session, now_here))
            continue
        moved = (was.start_at, was.end_at, was.room) != (now_here.start_at, now_here.end_at, now_here.room)
        added = tuple(name for name in now_here.speakers if name not in was.speakers)
        removed = tuple(name for name in was.speakers if name not in now_here.speakers)
        details = tuple(name for name, value in was.details.items() if now_here.details[name] != value)
        if added or removed:
            # A new or departed speaker is said once, as such, not again as a change of roles.
            details = tuple(name for name in details if name != "roles")
        if moved or added or removed or details:
            changes.append(
                replace(
                    _change(ChangeKind.changed, session, now_here),
                    old_start_at=was.start_at if moved else None,
                    old_end_at=was.end_at if moved else None,
                    old_room=was.room if moved else None,
                    speakers_added=added,
                    speakers_removed=removed,
                    details=details,
                )
            )
    for before in old.sessions:
        if before.uid not in new_uids:
            changes.append(_change(ChangeKind.withdrawn, before, _Facts.of(old, before)))
    return changes


@dataclass(frozen=True)
class _Facts:
    """What a calendar or a reader sees of a session, with rooms, tracks and people by name."""

    start_at: datetime
    end_at: datetime
    room: str
    speakers: tuple[str, ...]
    details: dict[str, object]

    @classmethod
    def of(cls, data: ProgrammeData, session: SessionData) -> "_Facts":
        index = data.index
        room = index.rooms.get(session.room_id) if session.room_id is not None else None
        track = index.tracks.get(session.track_id) if session.track_id is not None else None
        talks = index.talks_of_session.get(session.id, [])
        roles = [*index.session_roles.get(session.id, ())]
        for talk in talks:
            roles.extend(index.talk_roles.get(talk.id, ()))

        def name(role: RoleData) -> str:
            return index.speakers[role.speaker_id].name

        return cls(
            start_at=session.start_at,
            end_at=session.end_at,
            room=room.name if room else "",
            speakers=tuple(dict.fromkeys(name(role) for role in roles)),
            details={
                "title": session.title,
                "description": session.abstract,
                "kind": session.kind,
                "track": track.name if track else "",
                "talks": tuple((t.title, t.abstract, t.start_at, t.end_at) for t in talks),
                "roles": tuple((name(r), r.role, r.is_remote, r.talk_id is not None) for r in roles),
            },
        )


def _change(kind: ChangeKind, session: SessionData, facts: _Facts) -> SessionChange:
    return SessionChange(
        kind=kind,
        session_id=session.id,
        uid=session.uid,
        title=session.title,
        start_at=session.start_at,
        end_at=session.end_at,
        room=facts.room,
    )


# --- Storage: plain JSON, read back into the same dataclasses ---

_Record = TypeVar("_Record")
_PARTS: dict[str, type] = {
    "rooms": RoomData,
    "tracks": TrackData,
    "speakers": SpeakerData,
    "sessions": SessionData,
    "talks": TalkData,
    "roles": RoleData,
    "withdrawn": WithdrawnSession,
}
# Read back as enums: the views look labels up by them.
_ENUMS: dict[str, type[StrEnum]] = {"kind": SessionKind, "role": RoleKind}


def programme_to_json(data: ProgrammeData) -> str:
    return json.dumps(
        {part: [_plain(record) for record in getattr(data, part)] for part in _PARTS},
        ensure_ascii=False,
        separators=(",", ":"),
    )


def programme_from_json(text: str) -> ProgrammeData:
    stored = json.loads(text)
    parts = {
        part: tuple(_record(kind, item) for item in stored.get(part, ())) for part, kind in _PARTS.items()
    }
    return ProgrammeData(**parts)


def changes_to_json(changes: list[SessionChange]) -> str:
    return json.dumps([_plain(change) for change in changes], ensure_ascii=False, separators=(",", ":"))


def changes_from_json(text: str) -> list[SessionChange]:
    changes = []
    for item in json.loads(text):
        change = _record(SessionChange, item)
        changes.append(
            replace(
                change,
                kind=ChangeKind(change.kind),
                speakers_added=tuple(change.speakers_added),
                speakers_removed=tuple(change.speakers_removed),
                details=tuple(change.details),
            )
        )
    return changes


def _plain(record: object) -> dict[str, object]:
    return {
        name: value.isoformat() if isinstance(value, datetime) else value
        for name, value in asdict(record).items()  # type: ignore[call-overload]
    }


def _record(kind: type[_Record], item: dict[str, Any]) -> _Record:
    values: dict[str, Any] = {}
    for spec in fields(kind):  # type: ignore[arg-type]
        if not spec.init or spec.name not in item:
            continue
        value = item[spec.name]
        if spec.name.endswith("_at") and isinstance(value, str):
            value = datetime.fromisoformat(value)
        elif spec.name in _ENUMS and kind is not SessionChange:
            value = _ENUMS[spec.name](value)
        values[spec.name] = value
    return kind(**values)


def _public_details(event: Event) -> tuple[object, ...]:
    # What of the event itself the public views show; edits to the draft programme are not in it.
    return (
        event.slug,
        event.title,
        event.timezone,
        event.venue,
        event.start_date,
        event.end_date,
        event.attendance_mode,
    )


def _cached(cache: RenderedViews[Any] | None, key: Hashable, build: Any) -> ProgrammeData:
    return build() if cache is None else cache.get_or_build(key, build)
