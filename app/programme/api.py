"""Read-only JSON of a public event's programme: sessions, talks, speakers, rooms and tracks.

Times are ISO 8601 instants in UTC; each answer also names the event's IANA time zone so clients can show
local wall-clock times. Speakers' emails are never part of any answer.
"""

from datetime import date, datetime

from fastapi import APIRouter, HTTPException, Response
from pydantic import BaseModel

from app.events.access import PublicEvent
from app.events.models import Event
from app.i18n import _, current_locale
from app.programme.access import PublicProgramme
from app.programme.models import RoleKind, SessionKind
from app.programme.snapshot import ProgrammeData
from app.programme.views import (
    RoleView,
    SessionView,
    SpeakerView,
    TalkView,
    event_rooms,
    event_sessions,
    event_speakers,
    event_tracks,
    programme_days,
    session_detail,
    speaker_detail,
)
from app.web import not_found
from app.web.caches import ApiProgrammeKey, AppCaches

router = APIRouter(prefix="/api", tags=["programme"])


class RoomPublic(BaseModel):
    id: int
    name: str
    capacity: int | None


class TrackPublic(BaseModel):
    id: int
    name: str
    colour: str


class RolePublic(BaseModel):
    speaker_id: int
    name: str
    affiliation: str
    role: RoleKind
    is_remote: bool

    @classmethod
    def of(cls, role: RoleView) -> "RolePublic":
        return cls(
            speaker_id=role.speaker_id,
            name=role.speaker_name,
            affiliation=role.affiliation,
            role=role.role,
            is_remote=role.is_remote,
        )


class TalkPublic(BaseModel):
    id: int
    title: str
    abstract: str
    position: int
    start_at: datetime | None
    end_at: datetime | None
    roles: list[RolePublic]

    @classmethod
    def of(cls, talk: TalkView) -> "TalkPublic":
        return cls(
            id=talk.id,
            title=talk.title,
            abstract=talk.abstract,
            position=talk.position,
            start_at=talk.start_at,
            end_at=talk.end_at,
            roles=[RolePublic.of(role) for role in talk.roles],
        )


class SessionPublic(BaseModel):
    id: int
    uid: str
    title: str
    kind: SessionKind
    start_at: datetime
    end_at: datetime
    timezone: str
    room: RoomPublic | None
    track: TrackPublic | None
    abstract: str
    is_cancelled: bool
    roles: list[RolePublic]
    talks: list[TalkPublic]

    @classmethod
    def of(cls, session: SessionView, timezone: str, rooms: dict[int, RoomPublic]) -> "SessionPublic":
        return cls(
            id=session.id,
            uid=session.uid,
            title=session.title,
            kind=session.kind,
            start_at=session.start_at,
            end_at=session.end_at,
            timezone=timezone,
            room=rooms.get(session.room_id) if session.room_id is not None else None,
            track=TrackPublic(id=session.track_id, name=session.track_name, colour=session.track_colour)
            if session.track_id is not None
            else None,
            abstract=session.abstract,
            is_cancelled=session.is_cancelled,
            roles=[RolePublic.of(role) for role in session.roles],
            talks=[TalkPublic.of(talk) for talk in session.talks],
        )


class ProgrammePublic(BaseModel):
    event: str
    timezone: str
    day: date | None
    days: list[date]
    sessions: list[SessionPublic]


class SpeakerPublic(BaseModel):
    id: int
    name: str
    affiliation: str
    bio: str
    photo_url: str | None

    @classmethod
    def of(cls, speaker: SpeakerView) -> "SpeakerPublic":
        return cls(
            id=speaker.id,
            name=speaker.name,
            affiliation=speaker.affiliation,
            bio=speaker.bio,
            photo_url=speaker.photo_url,
        )


class SpeakerDetailPublic(SpeakerPublic):
    sessions: list[SessionPublic]


def _room_index(rooms: list[RoomPublic]) -> dict[int, RoomPublic]:
    return {room.id: room for room in rooms}


def _rooms(data: ProgrammeData) -> list[RoomPublic]:
    return [RoomPublic.model_validate(room, from_attributes=True) for room in event_rooms(data)]


@router.get("/events/{slug}/programme", response_model=ProgrammePublic)
def api_programme(
    event: PublicEvent, published: PublicProgramme, caches: AppCaches, day: date | None = None
) -> Response:
    """Every session of the event in time order, cancelled ones included and flagged, with talks and speakers.

    With `day` (YYYY-MM-DD), only the sessions starting on that date in the event's time zone.
    """
    # Serialised once per released version and reused: the JSON of a large programme costs far more
    # to build than to send.
    key = ApiProgrammeKey(published.version_key, day, current_locale.get())
    body = caches.api_programme.get_or_build(key, lambda: _programme_json(published.data, event, day))
    return Response(content=body, media_type="application/json")


def _programme_json(data: ProgrammeData, event: Event, day: date | None) -> bytes:
    days = programme_days(data, event, event.timezone)
    if day is not None and day not in days:
        raise HTTPException(
            status_code=422,
            detail=_("The programme has no day {day}; its days are {days}.").format(
                day=day.isoformat(), days=", ".join(d.isoformat() for d in days)
            ),
        )
    rooms = _room_index(_rooms(data))
    sessions = event_sessions(data, event, day=day)
    return (
        ProgrammePublic(
            event=event.slug,
            timezone=event.timezone,
            day=day,
            days=days,
            sessions=[SessionPublic.of(session, event.timezone, rooms) for session in sessions],
        )
        .model_dump_json()
        .encode()
    )


@router.get("/events/{slug}/sessions/{session_id}", response_model=SessionPublic)
def api_session(event: PublicEvent, published: PublicProgramme, session_id: int) -> SessionPublic:
    """One session of the event, with its talks and speakers' roles."""
    detail = session_detail(published.data, event, session_id)
    if detail is None:
        raise not_found(_("This session is not part of the programme of {event}.").format(event=event.title))
    return SessionPublic.of(detail.session, event.timezone, _room_index(_rooms(published.data)))


@router.get("/events/{slug}/speakers", response_model=list[SpeakerPublic])
def api_speakers(published: PublicProgramme) -> list[SpeakerPublic]:
    """Speakers with at least one role in the programme, by name."""
    return [SpeakerPublic.of(speaker) for speaker in event_speakers(published.data)]


@router.get("/events/{slug}/speakers/{speaker_id}", response_model=SpeakerDetailPublic)
def api_speaker(event: PublicEvent, published: PublicProgramme, speaker_id: int) -> SpeakerDetailPublic:
    """One speaker of the event and the sessions they take part in, in time order."""
    detail = speaker_detail(published.data, event, speaker_id)
    if detail is None:
        raise not_found(_("This speaker is not on the programme of {event}.").format(event=event.title))
    rooms = _room_index(_rooms(published.data))
    return SpeakerDetailPublic(
        **SpeakerPublic.of(detail.speaker).model_dump(),
        sessions=[SessionPublic.of(session, event.timezone, rooms) for session in detail.sessions],
    )


@router.get("/events/{slug}/rooms", response_model=list[RoomPublic])
def api_rooms(published: PublicProgramme) -> list[RoomPublic]:
    """The event's rooms in the organiser's order."""
    return _rooms(published.data)


@router.get("/events/{slug}/tracks", response_model=list[TrackPublic])
def api_tracks(published: PublicProgramme) -> list[TrackPublic]:
    """The event's tracks by name, with their display colour."""
    return [TrackPublic.model_validate(track, from_attributes=True) for track in event_tracks(published.data)]
