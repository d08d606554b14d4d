"""What changed between two versions of a programme: sessions added, moved, cancelled, reinstated,
withdrawn, and whose speakers changed; the list a release records and its changelog page shows."""

import json
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from app.programme.snapshot import ProgrammeData, RoleData, SessionData, plain_record, record_from


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


# --- Comparing two versions ---


def same_programme(old: ProgrammeData, new: ProgrammeData) -> bool:
    """Equal but for stamps and sequences: releasing only new room names is allowed (profiles are live)."""

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


def changes_to_json(changes: list[SessionChange]) -> str:
    return json.dumps([plain_record(change) for change in changes], ensure_ascii=False, separators=(",", ":"))


def changes_from_json(text: str) -> list[SessionChange]:
    changes = []
    for item in json.loads(text):
        change = record_from(SessionChange, item, enums={})
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
