"""Publishing an event shows its programme: before the first release, the draft with its conflicts."""

from app.db import DbSession
from app.events import service as event_service
from app.events.models import Event
from app.programme.conflicts import OpenConflicts, programme_conflicts
from app.programme.releases import latest_release


def publish_event(db: DbSession, event: Event, *, published: bool, conflicts_confirmed: bool) -> Event:
    """Publishes (or unpublishes) the event; publishing a draft programme with conflicts needs confirmation.

    Once a version is released, the public sees that version, whose conflicts were confirmed at release.
    """
    if published and not event.is_published and not conflicts_confirmed and latest_release(db, event) is None:
        open_conflicts = programme_conflicts(db, event)
        if open_conflicts:
            raise OpenConflicts(open_conflicts)
    return event_service.set_published(db, event, published)
