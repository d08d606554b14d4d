"""Dependencies that load an event by its slug (404) and check who may see or manage it (403).

Each one also leaves the user's role in `request.state.event_role`, so every management page can say
which role the user has and hide what that role cannot open.
"""

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from app.accounts.access import CurrentUser, OptionalUser
from app.accounts.models import User
from app.db import DbSession
from app.events.models import Event, OrganiserRole
from app.events.permissions import MANAGING_ROLES, can_manage_event, effective_role, is_publicly_viewable
from app.events.queries import event_by_slug
from app.i18n import N_, _
from app.web import Db, forbidden, not_found


def public_event(slug: str, db: Db, user: OptionalUser) -> Event:
    """Drafts and invitation-only events answer 404 to the public, as if they did not exist."""
    event = event_by_slug(db, slug)
    if event is None or not (is_publicly_viewable(event) or can_manage_event(db, user, event)):
        raise not_found(_("There is no public event at this address."))
    return event


def _event_for(
    allowed: frozenset[OrganiserRole], refusal: str
) -> Callable[[Request, str, DbSession, User], Event]:
    def load(request: Request, slug: str, db: Db, user: CurrentUser) -> Event:
        event = event_by_slug(db, slug)
        if event is None:
            raise not_found(_("There is no event at this address."))
        role = effective_role(db, user, event)
        if role is None:
            raise forbidden(_("You are not an organiser of this event."))
        request.state.event_role = role
        if role not in allowed:
            raise forbidden(_(refusal))
        return event

    return load


managed_event = _event_for(
    MANAGING_ROLES, N_("Your role in this event is check-in staff: you may open the check-in pages only.")
)
checkin_event = _event_for(frozenset(OrganiserRole), N_("You are not an organiser of this event."))
owned_event = _event_for(
    frozenset({OrganiserRole.owner}), N_("Only the event's owners and administrators may do this.")
)

PublicEvent = Annotated[Event, Depends(public_event)]
ManagedEvent = Annotated[Event, Depends(managed_event)]
"""Owners and organisers (and admins): the programme, speakers, registrations, settings."""
CheckInEvent = Annotated[Event, Depends(checkin_event)]
"""Everyone given the event, check-in staff included: the door check-in pages."""
OwnedEvent = Annotated[Event, Depends(owned_event)]
"""Owners and admins: the organiser list and deleting the event."""
