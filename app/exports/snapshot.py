"""What an export shows of a programme, read once per programme change and handed to pure renderers.

The sessions come from `programme.queries` (a fixed number of queries whatever the size of the
programme, and never a speaker's email); this module adds what calendars need and the pages do not:
when each session was created and last changed, and the absolute addresses of the public pages.
"""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select as sa_select
from sqlmodel import col

from app.db import DbSession
from app.events.models import Event
from app.i18n import _
from app.programme.models import Session, SessionKind
from app.programme.queries import (
    SessionView,
    event_rooms,
    event_sessions,
    event_tracks,
    session_detail,
    speaker_detail,
)


@dataclass(frozen=True, slots=True)
class ExportedSession:
    view: SessionView
    created_at: datetime
    updated_at: datetime
    page_url: str


@dataclass(frozen=True)
class ProgrammeSnapshot:
    """One programme (or the part a feed asked for) as it stood at `stamped_at`."""

    event_id: int
    event_slug: str
    event_title: str
    timezone: str
    venue: str
    start_date: date
    end_date: date
    # Event.updated_at: every programme change moves it, so it dates this snapshot.
    stamped_at: datetime
    # The feed's name in calendar apps: the event, or the event and the track, speaker or session.
    name: str
    # The site's host name: session UIDs are "<stored uid>@<host>", the same in every feed.
    host: str
    sessions: tuple[ExportedSession, ...]


@dataclass(frozen=True)
class SiteLinks:
    host: str
    # The public session page's address without the trailing session id.
    session_url_prefix: str


@dataclass(frozen=True)
class FeedFilters:
    track_id: int | None = None
    room_id: int | None = None
    kind: SessionKind | None = None


def programme_snapshot(
    db: DbSession, event: Event, filters: FeedFilters, links: SiteLinks
) -> ProgrammeSnapshot | None:
    """The whole programme, or its sessions of one track, room or kind; None for a track or room not here."""
    parts: list[str] = []
    if filters.track_id is not None:
        track = next((t for t in event_tracks(db, event) if t.id == filters.track_id), None)
        if track is None:
            return None
        parts.append(track.name)
    if filters.room_id is not None:
        room = next((r for r in event_rooms(db, event) if r.id == filters.room_id), None)
        if room is None:
            return None
        parts.append(room.name)
    sessions = [
        session
        for session in event_sessions(db, event)
        if (filters.track_id is None or session.track_id == filters.track_id)
        and (filters.room_id is None or session.room_id == filters.room_id)
        and (filters.kind is None or session.kind == filters.kind)
    ]
    if filters.kind is not None:
        parts.append(sessions[0].kind_label if sessions else filters.kind.value)
    return _snapshot(db, event, sessions, links, parts)


def speaker_snapshot(
    db: DbSession, event: Event, speaker_id: int, links: SiteLinks
) -> ProgrammeSnapshot | None:
    """The sessions of one speaker of this event; None for someone without a role in its programme."""
    detail = speaker_detail(db, event, speaker_id)
    if detail is None:
        return None
    return _snapshot(db, event, detail.sessions, links, [detail.speaker.name])


def session_snapshot(
    db: DbSession, event: Event, session_id: int, links: SiteLinks
) -> ProgrammeSnapshot | None:
    detail = session_detail(db, event, session_id)
    if detail is None:
        return None
    return _snapshot(db, event, [detail.session], links, [detail.session.title])


def _snapshot(
    db: DbSession, event: Event, sessions: list[SessionView], links: SiteLinks, name_parts: list[str]
) -> ProgrammeSnapshot:
    assert event.id is not None  # noqa: S101 - a loaded event has its id
    # One query for the whole event rather than an IN list of hundreds of ids.
    stamps = {
        session_id: (created_at, updated_at)
        for session_id, created_at, updated_at in db.execute(
            sa_select(Session.id, Session.created_at, Session.updated_at).where(
                col(Session.event_id) == event.id
            )
        ).all()
    }
    name = event.title
    for part in name_parts:
        name = _("{name} – {part}").format(name=name, part=part)
    return ProgrammeSnapshot(
        event_id=event.id,
        event_slug=event.slug,
        event_title=event.title,
        timezone=event.timezone,
        venue=event.venue,
        start_date=event.start_date,
        end_date=event.end_date,
        stamped_at=event.updated_at,
        name=name,
        host=links.host,
        sessions=tuple(
            ExportedSession(
                view=session,
                created_at=stamps[session.id][0],
                updated_at=stamps[session.id][1],
                page_url=f"{links.session_url_prefix}{session.id}",
            )
            for session in sessions
        ),
    )
