"""Loading a speaker from the URL, always inside an event the user manages (404 otherwise)."""

from typing import Annotated

from fastapi import Depends

from app.events.access import ManagedEvent
from app.i18n import _
from app.speakers.models import Speaker
from app.web import Db, not_found


def managed_speaker(speaker_id: int, event: ManagedEvent, db: Db) -> Speaker:
    speaker = db.get(Speaker, speaker_id)
    if speaker is None or speaker.event_id != event.id:
        raise not_found(_("This speaker does not exist."))
    return speaker


ManagedSpeaker = Annotated[Speaker, Depends(managed_speaker)]
