import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, string_enum, utcnow
from app.i18n import N_


class SessionKind(StrEnum):
    keynote = "keynote"
    talk = "talk"
    themed = "themed"
    panel = "panel"
    workshop = "workshop"
    break_ = "break"
    social = "social"


# Kinds an attendee can choose a seat in at registration; a break is everyone's, so it takes no seat limit.
SEAT_LIMIT_KINDS = frozenset(kind for kind in SessionKind if kind != SessionKind.break_)


class RoleKind(StrEnum):
    speaker = "speaker"
    moderator = "moderator"
    panelist = "panelist"
    chair = "chair"


class Confirmation(StrEnum):
    pending = "pending"
    confirmed = "confirmed"
    declined = "declined"


class Room(SQLModel, table=True):
    __tablename__ = "room"
    __table_args__ = (UniqueConstraint("event_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", ondelete="CASCADE", index=True)
    name: str = Field(max_length=120)
    capacity: int | None = Field(default=None, ge=0)
    stream_url: str | None = Field(default=None, max_length=500)
    position: int = 0
    # The room's guid in an imported schedule, exported again so video teams keep matching it.
    guid: str | None = Field(default=None, max_length=36)


class Track(SQLModel, table=True):
    __tablename__ = "track"
    __table_args__ = (UniqueConstraint("event_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", ondelete="CASCADE", index=True)
    name: str = Field(max_length=120)
    colour: str = Field(default="#3b5ba9", max_length=7)


class Session(SQLModel, table=True):
    """A programme item: a keynote, a themed session holding talks, a panel, a break..."""

    __tablename__ = "programme_session"
    __table_args__ = (CheckConstraint("end_at > start_at", name="ends_after_start"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", ondelete="CASCADE", index=True)
    # Calendar clients key on this; it must never change, whatever else does.
    uid: str = Field(default_factory=lambda: str(uuid.uuid4()), max_length=36, unique=True)
    title: str = Field(max_length=300)
    kind: SessionKind = Field(default=SessionKind.talk, sa_type=string_enum(SessionKind))
    start_at: datetime = Field(sa_type=UTCDateTime, index=True)
    end_at: datetime = Field(sa_type=UTCDateTime)
    room_id: int | None = Field(default=None, foreign_key="room.id", ondelete="SET NULL", index=True)
    track_id: int | None = Field(default=None, foreign_key="track.id", ondelete="SET NULL", index=True)
    abstract: str = Field(default="", sa_type=Text)
    seat_limit: int | None = Field(default=None, ge=0)
    is_cancelled: bool = False
    # What an imported schedule says beyond our own fields, kept so that the export says it again.
    subtitle: str = Field(default="", max_length=500, sa_column_kwargs={"server_default": ""})
    description: str = Field(default="", sa_type=Text, sa_column_kwargs={"server_default": ""})
    # The language the session is held in, as a tag ("en", "de"); empty when nobody said.
    language: str = Field(default="", max_length=35, sa_column_kwargs={"server_default": ""})
    # The type as the source calls it ("Talk 40 (30min +10 Q&A)"); `kind` is what we made of it.
    type_label: str = Field(default="", max_length=100, sa_column_kwargs={"server_default": ""})
    # The speakers' wishes: no recording, no live stream. Video teams read them from the export.
    do_not_record: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    do_not_stream: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    recording_license: str = Field(default="", max_length=200, sa_column_kwargs={"server_default": ""})
    feedback_url: str = Field(default="", max_length=500, sa_column_kwargs={"server_default": ""})
    logo_url: str = Field(default="", max_length=500, sa_column_kwargs={"server_default": ""})
    # The session's page in the system it was imported from.
    origin_url: str = Field(default="", max_length=500, sa_column_kwargs={"server_default": ""})
    # JSON lists of {"url": ..., "title": ...}: read them with `session_links`.
    links: str = Field(default="[]", sa_type=Text, sa_column_kwargs={"server_default": "[]"})
    attachments: str = Field(default="[]", sa_type=Text, sa_column_kwargs={"server_default": "[]"})
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def link_list(self) -> "tuple[SessionLink, ...]":
        return session_links(self.links)

    @property
    def attachment_list(self) -> "tuple[SessionLink, ...]":
        return session_links(self.attachments)


@dataclass(frozen=True, slots=True)
class SessionLink:
    url: str
    title: str


def session_links(stored: str) -> tuple[SessionLink, ...]:
    """A session's stored `links` or `attachments`; anything unreadable reads as none."""
    try:
        items = json.loads(stored or "[]")
    except ValueError:
        return ()
    if not isinstance(items, list):
        return ()
    return tuple(
        SessionLink(str(item["url"]), str(item.get("title") or ""))
        for item in items
        if isinstance(item, dict) and isinstance(item.get("url"), str) and item["url"]
    )


def links_to_json(links: "tuple[SessionLink, ...] | list[SessionLink]") -> str:
    return json.dumps([{"url": link.url, "title": link.title} for link in links], ensure_ascii=False)


def calendar_uid(session_uid: str, host: str) -> str:
    """The UID every calendar feed gives a session, public or personal, so calendar clients merge them."""
    return f"{session_uid}@{host}"


class Talk(SQLModel, table=True):
    """A contribution inside a session, in the order the organiser sets."""

    __tablename__ = "talk"

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="programme_session.id", ondelete="CASCADE", index=True)
    title: str = Field(max_length=300)
    abstract: str = Field(default="", sa_type=Text)
    position: int = 0
    start_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    end_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SessionRole(SQLModel, table=True):
    """What a speaker does in a session (or in one talk of it), and whether from the room or remotely."""

    __tablename__ = "session_role"

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="programme_session.id", ondelete="CASCADE", index=True)
    talk_id: int | None = Field(default=None, foreign_key="talk.id", ondelete="CASCADE", index=True)
    speaker_id: int = Field(foreign_key="speaker.id", ondelete="CASCADE", index=True)
    role: RoleKind = Field(default=RoleKind.speaker, sa_type=string_enum(RoleKind))
    is_remote: bool = False
    position: int = 0
    # The speaker's answer from their portal.
    confirmation: Confirmation = Field(
        default=Confirmation.pending,
        sa_type=string_enum(Confirmation),
        sa_column_kwargs={"server_default": "pending"},
    )


class Release(SQLModel, table=True):
    """A numbered, frozen version of an event's programme: what the public sees until the next one."""

    __tablename__ = "programme_release"
    __table_args__ = (UniqueConstraint("event_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="event.id", ondelete="CASCADE", index=True)
    number: int = Field(ge=1)
    note: str = Field(default="", max_length=500)
    released_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    released_by_id: int | None = Field(default=None, foreign_key="account_user.id", ondelete="SET NULL")
    session_count: int = 0
    # The programme as released (app.programme.views.ProgrammeData as JSON) and what changed since
    # the version before (app.programme.changelog.SessionChange list as JSON): both written once.
    programme: str = Field(sa_type=Text)
    changes: str = Field(default="[]", sa_type=Text)


SESSION_KIND_LABELS: dict[SessionKind, str] = {
    SessionKind.keynote: N_("Keynote"),
    SessionKind.talk: N_("Talk"),
    SessionKind.themed: N_("Themed session"),
    SessionKind.panel: N_("Panel"),
    SessionKind.workshop: N_("Workshop"),
    SessionKind.break_: N_("Break"),
    SessionKind.social: N_("Social"),
}
ROLE_LABELS: dict[RoleKind, str] = {
    RoleKind.speaker: N_("Speaker"),
    RoleKind.moderator: N_("Moderator"),
    RoleKind.panelist: N_("Panelist"),
    RoleKind.chair: N_("Chair"),
}
