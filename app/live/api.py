"""Now and next as JSON, for signage, bots and schedule apps: the same answer as the now page."""

from datetime import datetime

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from app.accounts.access import optional_user
from app.db import DbSession
from app.events.access import PublicEvent, public_event
from app.live.caching import LiveLookup, not_modified, page_key, remember_lookup
from app.live.now import Phase, RoomNow, Slot
from app.live.running_late import adjusted_programme, adjustments_of, live_board
from app.programme.access import PublicProgramme
from app.programme.releases import published_programme
from app.timezones import in_zone
from app.web import Db, run_with_db
from app.web.caches import caches_of
from app.web.clock import Now
from app.web.conditional import conditional_response

router = APIRouter(prefix="/api", tags=["live"])


JSON = "application/json"


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
    # The programme's times, when the room runs late and the session moved.
    scheduled_start: datetime | None = None
    scheduled_end: datetime | None = None


class RoomNowPublic(BaseModel):
    room_id: int | None
    room: str
    minutes_late: int = 0
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
        scheduled_start=in_zone(slot.scheduled[0], zone) if slot.scheduled else None,
        scheduled_end=in_zone(slot.scheduled[1], zone) if slot.scheduled else None,
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
        minutes_late=line.delay,
        now=_session(line.current, zone, url_prefix),
        next=_session(line.next, zone, url_prefix),
    )


@router.get("/events/{slug}/now", response_model=NowPublic)
async def api_now(request: Request, slug: str, now: Now, tz: str = "") -> Response:
    """Each room's session on now (minutes left, its talk running now) and its next one, as of the minute.
    Times carry the offset of `tz` (an IANA zone; the event's by default); an unknown zone falls back to
    the event's. An ETag names the minute's answer: signage polling within the minute gets 304."""
    answered = not_modified(request, slug, "api:now", tz, now, JSON)
    if answered is not None:
        return answered

    def work(db: DbSession) -> Response:
        user = optional_user(request, db)
        event = public_event(slug, db, user)
        lookup = LiveLookup(
            event,
            published_programme(db, event, caches_of(request.app).programme_data),
            adjustments_of(db, event),
        )
        remember_lookup(request, slug, lookup)
        key, _notices, zone, minute = page_key(request, lookup, "api:now", tz, now)

        def body() -> bytes:
            board = live_board(lookup.published.data, event, lookup.adjustments, minute, zone)
            url_prefix = str(request.url_for("session_page", slug=event.slug, session_id="0")).removesuffix(
                "0"
            )
            answer = NowPublic(
                event=event.slug,
                phase=board.phase,
                time_zone=zone,
                now=in_zone(minute, zone),
                starts_at=in_zone(board.starts_at, zone) if board.starts_at else None,
                ends_at=in_zone(board.ends_at, zone) if board.ends_at else None,
                rooms=[_room(line, zone, url_prefix) for line in board.rooms],
            )
            return answer.model_dump_json().encode()

        cache = caches_of(request.app).live_pages
        return conditional_response(request, key, body, JSON, cache=cache, cache_control="public, no-cache")

    return await run_with_db(request, work)


class MovedSession(BaseModel):
    id: int
    start: datetime
    end: datetime
    scheduled_start: datetime
    scheduled_end: datetime


class LateRoom(BaseModel):
    room_id: int
    minutes_late: int


class LatePublic(BaseModel):
    sessions: list[MovedSession]
    rooms: list[LateRoom]


@router.get("/events/{slug}/late", response_model=LatePublic)
def api_late(db: Db, event: PublicEvent, published: PublicProgramme, now: Now) -> LatePublic:
    """The sessions moved by rooms running late (expected and scheduled times, UTC), and the rooms late
    now: the programme page shows them over its cached grid."""
    adjusted = adjusted_programme(published.data, adjustments_of(db, event), event, now)
    sessions = adjusted.data.index.sessions
    return LatePublic(
        sessions=[
            MovedSession(
                id=session_id,
                start=sessions[session_id].start_at,
                end=sessions[session_id].end_at,
                scheduled_start=start,
                scheduled_end=end,
            )
            for session_id, (start, end) in sorted(adjusted.scheduled.items())
        ],
        rooms=[
            LateRoom(room_id=room, minutes_late=late) for room, late in sorted(adjusted.room_delays.items())
        ],
    )
