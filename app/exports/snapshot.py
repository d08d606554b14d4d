"""What an export shows of a programme: the published version (app/programme/releases.py), handed to
pure renderers.

The sessions come from `programme.views` of the released data (never a speaker's email); this
module adds what calendars need and the pages do not: when each session was created and last changed,
its SEQUENCE, the sessions withdrawn since earlier releases, and the absolute addresses of the pages.
"""

from dataclasses import dataclass, field, replace
from datetime import date, datetime

from app.events.models import Event
from app.i18n import _
from app.programme.models import SessionKind
from app.programme.releases import PublishedProgramme
from app.programme.snapshot import WithdrawnSession
from app.programme.views import (
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
    # RFC 5545 SEQUENCE: raised by each release that changed the session.
    sequence: int = 0
    # The attendee's own join link (not the stream's address), only in the personal feed of an online
    # attendee.
    join_url: str | None = None


@dataclass(frozen=True)
class ProgrammeSnapshot:
    """One programme (or the part a feed asked for) as the public sees it."""

    event_id: int
    event_slug: str
    event_title: str
    timezone: str
    venue: str
    start_date: date
    end_date: date
    # When this version was released (or, before any release, last edited): the feeds' DTSTAMP.
    stamped_at: datetime
    # The feed's name in calendar apps: the event, or the event and the track, speaker or session.
    name: str
    # The site's host name: session UIDs are "<stored uid>@<host>", the same in every feed.
    host: str
    sessions: tuple[ExportedSession, ...]
    # Sessions of earlier releases deleted since: calendars must be told to remove them.
    withdrawn: tuple[WithdrawnSession, ...] = ()
    # "3" for the third release; "draft" before the first.
    version: str = field(default="")


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
    published: PublishedProgramme, event: Event, filters: FeedFilters, links: SiteLinks
) -> ProgrammeSnapshot | None:
    """The whole programme, or its sessions of one track, room or kind; None for a track or room not here."""
    data = published.data
    parts: list[str] = []
    if filters.track_id is not None:
        track = next((t for t in event_tracks(data) if t.id == filters.track_id), None)
        if track is None:
            return None
        parts.append(track.name)
    if filters.room_id is not None:
        room = next((r for r in event_rooms(data) if r.id == filters.room_id), None)
        if room is None:
            return None
        parts.append(room.name)
    sessions = [
        session
        for session in event_sessions(data, event)
        if (filters.track_id is None or session.track_id == filters.track_id)
        and (filters.room_id is None or session.room_id == filters.room_id)
        and (filters.kind is None or session.kind == filters.kind)
    ]
    if filters.kind is not None:
        parts.append(sessions[0].kind_label if sessions else filters.kind.value)
    # Withdrawn sessions kept no track, room or kind: only the whole programme's feed removes them.
    unfiltered = filters == FeedFilters()
    return _snapshot(published, event, sessions, links, parts, withdrawn=unfiltered)


def speaker_snapshot(
    published: PublishedProgramme, event: Event, speaker_id: int, links: SiteLinks
) -> ProgrammeSnapshot | None:
    """The sessions of one speaker of this event; None for someone without a role in its programme."""
    detail = speaker_detail(published.data, event, speaker_id)
    if detail is None:
        return None
    return _snapshot(published, event, detail.sessions, links, [detail.speaker.name])


def session_snapshot(
    published: PublishedProgramme, event: Event, session_id: int, links: SiteLinks
) -> ProgrammeSnapshot | None:
    detail = session_detail(published.data, event, session_id)
    if detail is None:
        return None
    return _snapshot(published, event, [detail.session], links, [detail.session.title])


def attendee_snapshot(
    published: PublishedProgramme,
    event: Event,
    session_ids: list[int],
    join_urls: dict[int, str],
    links: SiteLinks,
) -> ProgrammeSnapshot:
    """An attendee's own sessions; `join_urls` holds the online links only an online attendee may see."""
    wanted = set(session_ids)
    sessions = [session for session in event_sessions(published.data, event) if session.id in wanted]
    snapshot = _snapshot(published, event, sessions, links, [])
    return _with_join_links(snapshot, join_urls)


def _with_join_links(snapshot: ProgrammeSnapshot, join_urls: dict[int, str]) -> ProgrammeSnapshot:
    sessions = tuple(replace(item, join_url=join_urls.get(item.view.id)) for item in snapshot.sessions)
    return replace(snapshot, sessions=sessions)


def _snapshot(
    published: PublishedProgramme,
    event: Event,
    sessions: list[SessionView],
    links: SiteLinks,
    name_parts: list[str],
    *,
    withdrawn: bool = False,
) -> ProgrammeSnapshot:
    assert event.id is not None  # noqa: S101 - a loaded event has its id
    stored = published.data.index.sessions
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
        stamped_at=published.last_modified,
        name=name,
        host=links.host,
        sessions=tuple(
            ExportedSession(
                view=session,
                created_at=stored[session.id].created_at,
                updated_at=stored[session.id].updated_at,
                page_url=f"{links.session_url_prefix}{session.id}",
                sequence=stored[session.id].sequence,
            )
            for session in sessions
        ),
        withdrawn=published.data.withdrawn if withdrawn else (),
        version=published.version_label,
    )
