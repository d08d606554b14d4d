"""Loaders of the programme's records from the URL: the programme the public may see of an event (its latest
release, or its draft before any release), and a session of an event the user manages (404 otherwise)."""

from typing import Annotated

from fastapi import Depends

from app.events.access import ManagedEvent, PublicEvent
from app.i18n import _
from app.programme.builder_view import session_in_event
from app.programme.models import Session
from app.programme.releases import PublishedProgramme, published_programme
from app.web import Db, not_found
from app.web.caches import AppCaches


def public_programme(db: Db, event: PublicEvent, caches: AppCaches) -> PublishedProgramme:
    # Each process keeps each version's data: a released version is read once.
    return published_programme(db, event, caches.programme_data)


PublicProgramme = Annotated[PublishedProgramme, Depends(public_programme)]


def managed_session(session_id: int, event: ManagedEvent, db: Db) -> Session:
    session = session_in_event(db, event, session_id)
    if session is None:
        raise not_found(_("This session does not exist."))
    return session


ManagedSession = Annotated[Session, Depends(managed_session)]
