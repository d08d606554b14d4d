"""Now and next as JSON, for signage, bots and schedule apps: the same answer as the now page."""

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel

from app.events.access import PublicEvent
from app.live.now import Phase, RoomNow, Slot, now_and_next
from app.programme.access import PublicProgramme
from app.programme.views import read_display_zone
from app.timezones import in_zone
from app.web.clock import Now

router = APIRouter(prefix="/api", tags=["live"])


class TalkNow(BaseModel):
    id: int
    title: str
    start: datetime | None
    end: datetime | None


class SessionNow(BaseModel):
    id: int
    title: str
    start: datetime
    end: datetime
    url: str
    minutes_left: int | None = None
    starts_in_minutes: int | None = None
    talk: TalkNow | None = None


class RoomNowPublic(BaseModel):
    room_id: int | None
    room: str
    now: SessionNow | None
    next: SessionNow | None


class NowPublic(BaseModel):
    event: str
    phase: Phase
    time_zone: str
    now: datetime
    starts_at: datetime | None
    ends_at: datetime | None
    rooms: list[RoomNowPublic]


def _session(slot: Slot | None, zone: str, url_prefix: str) -> SessionNow | None:
    if slot is None:
        return None
    session, talk = slot.session, slot.talk
    return SessionNow(
        id=session.id,
        title=session.title,
        start=in_zone(session.start_at, zone),
        end=in_zone(session.end_at, zone),
        url=f"{url_prefix}{session.id}",
        minutes_left=slot.minutes_left,
        starts_in_minutes=slot.starts_in,
        talk=TalkNow(
            id=talk.id,
            title=talk.title,
            start=in_zone(talk.start_at, zone) if talk.start_at else None,
            end=in_zone(talk.end_at, zone) if talk.end_at else None,
        )
        if talk is not None
        else None,
    )


def _room(line: RoomNow, zone: str, url_prefix: str) -> RoomNowPublic:
    return RoomNowPublic(
        room_id=line.room.id if line.room is not None else None,
        room=line.room.name if line.room is not None else "",
        now=_session(line.current, zone, url_prefix),
        next=_session(line.next, zone, url_prefix),
    )


@router.get("/events/{slug}/now", response_model=NowPublic)
def api_now(
    request: Request, event: PublicEvent, published: PublicProgramme, now: Now, tz: str = ""
) -> NowPublic:
    """Each room's session on now (minutes left, its talk running now) and its next one. Times carry the
    offset of `tz` (an IANA zone; the event's by default); an unknown zone falls back to the event's."""
    zone = read_display_zone(event, tz, [])
    board = now_and_next(published.data, event, now, zone)
    url_prefix = str(request.url_for("session_page", slug=event.slug, session_id="0")).removesuffix("0")
    return NowPublic(
        event=event.slug,
        phase=board.phase,
        time_zone=zone,
        now=in_zone(now, zone),
        starts_at=in_zone(board.starts_at, zone) if board.starts_at else None,
        ends_at=in_zone(board.ends_at, zone) if board.ends_at else None,
        rooms=[_room(line, zone, url_prefix) for line in board.rooms],
    )
