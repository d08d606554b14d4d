"""The programme the public may see of an event: its latest release (or its draft, before any release)."""

from typing import Annotated

from fastapi import Depends, Request

from app.events.access import PublicEvent
from app.programme.releases import PublishedProgramme, published_programme
from app.web import Db


def public_programme(request: Request, db: Db, event: PublicEvent) -> PublishedProgramme:
    # The per-process view cache also keeps each version's data: a released version is read once.
    return published_programme(db, event, request.app.state.programme_views)


PublicProgramme = Annotated[PublishedProgramme, Depends(public_programme)]
