"""The programme the public may see of an event: its latest release (or its draft, before any release)."""

from typing import Annotated

from fastapi import Depends

from app.caches import AppCaches
from app.events.access import PublicEvent
from app.programme.releases import PublishedProgramme, published_programme
from app.web import Db


def public_programme(db: Db, event: PublicEvent, caches: AppCaches) -> PublishedProgramme:
    # Each process keeps each version's data: a released version is read once.
    return published_programme(db, event, caches.programme_data)


PublicProgramme = Annotated[PublishedProgramme, Depends(public_programme)]
