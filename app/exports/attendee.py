"""An attendee's own programme as an iCalendar file: the personal feed, and the file their emails carry.

Only people holding a place get their sessions; join links only for confirmed online attendees
(app.registration.service.stream_links decides who may see them). A join link is the attendee's own
(app/live/joins.py), never the stream's address.
"""

from app.db import DbSession
from app.events.models import Event
from app.exports.ical import render_ical
from app.exports.snapshot import SiteLinks, attendee_snapshot
from app.programme.releases import ProgrammeDataCache, published_programme
from app.registration import service as registration_service
from app.registration.links import Links
from app.registration.models import SEAT_HOLDING_STATUSES, Registration


def attendee_calendar(
    db: DbSession,
    event: Event,
    registration: Registration,
    views: ProgrammeDataCache | None,
    links: SiteLinks,
    join_links: Links,
) -> bytes:
    """The sessions the attendee will attend, in the released programme; none while they wait for a place."""
    published = published_programme(db, event, views)
    session_ids: list[int] = []
    if registration.status in SEAT_HOLDING_STATUSES:
        session_ids = [
            line.session.id or 0 for line in registration_service.attendee_sessions(db, event, registration)
        ]
    join_urls = {
        link.session.id or 0: link.url
        for link in registration_service.stream_links(db, event, registration, join_links)
    }
    return render_ical(attendee_snapshot(published, event, session_ids, join_urls, links))
