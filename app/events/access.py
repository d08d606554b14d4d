"""Dependencies that load an event by its slug (404) and check who may see or manage it (403)."""

from typing import Annotated

from fastapi import Depends

from app.events.models import Event
from app.events.permissions import can_manage_event, is_publicly_viewable
from app.events.queries import event_by_slug
from app.i18n import _
from app.web import CurrentUser, Db, OptionalUser, forbidden, not_found


def public_event(slug: str, db: Db, user: OptionalUser) -> Event:
    """Drafts and invitation-only events answer 404 to the public, as if they did not exist."""
    event = event_by_slug(db, slug)
    if event is None or not (is_publicly_viewable(event) or can_manage_event(db, user, event)):
        raise not_found(_("There is no public event at this address."))
    return event


def managed_event(slug: str, db: Db, user: CurrentUser) -> Event:
    event = event_by_slug(db, slug)
    if event is None:
        raise not_found(_("There is no event at this address."))
    if not can_manage_event(db, user, event):
        raise forbidden(_("You are not an organiser of this event."))
    return event


PublicEvent = Annotated[Event, Depends(public_event)]
ManagedEvent = Annotated[Event, Depends(managed_event)]
