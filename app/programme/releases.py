"""Programme versions, as pretalx has them: one working draft, and frozen numbered releases.

Organisers edit the draft in the builder; the public pages, the API and every export show the latest
release. Releasing freezes the whole programme (ProgrammeData, stored as JSON), numbers it, and records
what changed since the version before: sessions added, moved (old and new time or room), cancelled or
withdrawn, and whose speakers changed. Each session carries a SEQUENCE for calendar clients, raised by
every release that changes what a calendar shows of it; sessions deleted from the draft stay in the
feeds as withdrawn, so calendars remove them instead of keeping the last copy they saw.

Until an event's first release its public programme follows the draft, as Indico's does: an organiser
who never uses versions publishes as they edit.

Speaker profiles (name, affiliation, biography, photo) are not part of a version, as in pretalx: the
published programme shows each speaker's profile as it is now, over the released snapshot, so an edit
in the speaker portal is public at once and never waits for (or shows up in) the next release.
"""

from collections.abc import Callable, Container, Hashable
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property
from typing import TypeAlias

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from app.accounts.models import User
from app.caching import RenderedViews
from app.db import DbSession, saved_id, utcnow
from app.errors import DomainError, InvalidInput
from app.events.locks import lock_event
from app.events.models import Event
from app.i18n import _
from app.programme.changelog import (
    SessionChange,
    changes_from_json,
    changes_to_json,
    compare_programmes,
    same_programme,
)
from app.programme.conflicts import OpenConflicts, programme_conflicts
from app.programme.models import Release
from app.programme.snapshot import (
    ProgrammeData,
    WithdrawnSession,
    load_programme,
    programme_from_json,
    programme_to_json,
)
from app.speakers.models import Speaker

NOTE_MAX_LENGTH = 500


class NothingToRelease(DomainError):
    status_code = 409


@dataclass(frozen=True)
class ReleaseInfo:
    id: int
    number: int
    note: str
    released_at: datetime


@dataclass(frozen=True)
class ProgrammeDataKey:
    """Names one version of an event's published programme data in the per-process cache."""

    event_id: int
    # The release shown, or None for the draft of an event never released.
    release_id: int | None
    # The draft's change stamp (Event.updated_at) before the first release; with a release, the speakers'
    # profile stamp (`_profiles_stamp`), since profiles are live over the released snapshot, or () for
    # the release as stored, for what asks only which sessions it holds (`released_session_ids`).
    stamp: tuple[object, ...]


ProgrammeDataCache: TypeAlias = RenderedViews[ProgrammeDataKey, ProgrammeData]


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
        sa_select(col(Release.id), col(Release.number), col(Release.note), col(Release.released_at))
        .where(col(Release.event_id) == event.id)
        .order_by(col(Release.number).desc())
        .limit(1)
    ).first()
    return ReleaseInfo(*row) if row is not None else None


def published_programme(
    db: DbSession, event: Event, cache: ProgrammeDataCache | None = None
) -> PublishedProgramme:
    """One small query names the version; its data is read (or taken from `cache`) on first use."""
    event_id = event.id or 0
    release = latest_release(db, event)
    if release is None:
        key: Hashable = ("draft", event.id, event.updated_at)
        draft_key = ProgrammeDataKey(event_id, None, (event.updated_at,))
        return PublishedProgramme(
            release=None,
            version_key=key,
            last_modified=event.updated_at,
            load=lambda: _cached(cache, draft_key, lambda: load_programme(db, event)),
        )

    def read_release() -> ProgrammeData:
        stored = db.execute(
            sa_select(col(Release.programme)).where(col(Release.id) == release.id)
        ).scalar_one()
        return with_live_profiles(db, event, programme_from_json(stored))

    profiles = _profiles_stamp(db, event)
    return PublishedProgramme(
        release=release,
        version_key=("release", event.id, release.id, release.released_at, _public_details(event), profiles),
        # The version's own date (booklets and frab name it): a profile edit changes the ETag, not the date.
        last_modified=release.released_at,
        load=lambda: _cached(cache, ProgrammeDataKey(event_id, release.id, profiles), read_release),
    )


def released_session_ids(
    db: DbSession, event_id: int, release_id: int, cache: ProgrammeDataCache | None = None
) -> Container[int]:
    """The ids of the sessions a release holds, read once per process: a release is written once, so its
    id names its sessions for good, and nothing else (profiles, the event's details) need be asked."""

    def read_release() -> ProgrammeData:
        stored = db.execute(
            sa_select(col(Release.programme)).where(col(Release.id) == release_id)
        ).scalar_one()
        return programme_from_json(stored)

    return _cached(cache, ProgrammeDataKey(event_id, release_id, ()), read_release).index.sessions


def _profiles_stamp(db: DbSession, event: Event) -> tuple[datetime | None, int]:
    # The last write to a speaker of the event, and how many there are (a deletion lowers the count).
    row = db.execute(
        sa_select(func.max(Speaker.updated_at), func.count()).where(col(Speaker.event_id) == event.id)
    ).one()
    return row[0], row[1]


def with_live_profiles(db: DbSession, event: Event, data: ProgrammeData) -> ProgrammeData:
    """A released programme with each speaker's profile as it is now; profiles are published as edited."""
    ids = [speaker.id for speaker in data.speakers]
    if not ids:
        return data
    rows = db.execute(
        sa_select(
            col(Speaker.id),
            col(Speaker.name),
            col(Speaker.affiliation),
            col(Speaker.bio),
            col(Speaker.photo_url),
        ).where(col(Speaker.event_id) == event.id, col(Speaker.id).in_(ids))
    ).all()
    live = {row[0]: row for row in rows}
    speakers = tuple(
        replace(
            speaker,
            name=live[speaker.id][1],
            affiliation=live[speaker.id][2],
            bio=live[speaker.id][3],
            photo_url=live[speaker.id][4],
        )
        if speaker.id in live
        else speaker
        for speaker in data.speakers
    )
    return replace(data, speakers=speakers)


def release_history(db: DbSession, event: Event) -> list[ReleaseEntry]:
    """Every release of the event, newest first, with what each changed."""
    rows = db.execute(
        sa_select(
            col(Release.id),
            col(Release.number),
            col(Release.note),
            col(Release.released_at),
            col(Release.session_count),
            col(Release.changes),
            col(User.name),
            col(User.email),
        )
        .outerjoin(User, col(User.id) == Release.released_by_id)
        .where(col(Release.event_id) == event.id)
        .order_by(col(Release.number).desc())
    ).all()
    return [
        ReleaseEntry(
            info=ReleaseInfo(release_id, number, note, released_at),
            session_count=session_count,
            # The organiser's name, or their address when they gave none; empty for the command line.
            released_by=name or email or "",
            changes=changes_from_json(changes),
        )
        for release_id, number, note, released_at, session_count, changes, name, email in rows
    ]


def unreleased_changes(db: DbSession, event: Event) -> list[SessionChange]:
    """What the next release would change, for the organiser deciding whether to release."""
    latest = latest_release(db, event)
    if latest is None:
        return []
    stored = db.execute(sa_select(col(Release.programme)).where(col(Release.id) == latest.id)).scalar_one()
    # Profile edits are public already, so they are not among what a release would change.
    released = with_live_profiles(db, event, programme_from_json(stored))
    return compare_programmes(released, load_programme(db, event))


# --- Releasing ---


def release_programme(
    db: DbSession,
    event: Event,
    note: str,
    released_by: User | None,
    *,
    now: datetime | None = None,
    conflicts_confirmed: bool = True,
    change_notices: bool | None = None,
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
        # Against the profiles as published now: a renamed speaker is not "removed and added".
        previous = with_live_profiles(db, event, programme_from_json(previous_row.programme))
        changes = compare_programmes(previous, draft)
        if not changes and same_programme(previous, draft):
            raise NothingToRelease(
                _("Nothing has changed since version {number}.").format(number=previous_row.number)
            )
        released = _with_sequences(previous, draft, changes, now)
    release = Release(
        event_id=saved_id(event),
        number=(previous_row.number + 1) if previous_row else 1,
        note=note,
        released_at=now,
        released_by_id=released_by.id if released_by else None,
        session_count=len(released.sessions),
        programme=programme_to_json(released),
        changes=changes_to_json(changes),
    )
    db.add(release)
    if change_notices is not None:
        # The organiser's choice on the release form stays the event's for the next releases.
        event.change_notices = change_notices
        db.add(event)
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


def _cached(
    cache: ProgrammeDataCache | None, key: ProgrammeDataKey, build: Callable[[], ProgrammeData]
) -> ProgrammeData:
    return build() if cache is None else cache.get_or_build(key, build)
