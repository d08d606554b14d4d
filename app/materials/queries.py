"""Reading materials: what the public may see now, what organisers see, and which sessions lack slides.

Every function runs a fixed number of queries, whatever the number of sessions or materials.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import col, select

from app.accounts.models import User
from app.db import DbSession
from app.events.models import Event
from app.events.permissions import can_manage_event, is_publicly_viewable
from app.materials.models import Material, MaterialVersion, MaterialVisibility
from app.programme.models import Session, Talk
from app.programme.releases import PublishedProgramme, latest_release, published_programme
from app.speakers.models import Speaker


@dataclass(frozen=True)
class MaterialItem:
    """A material with what it belongs to; `versions` are newest first (none for recordings and links)."""

    material: Material
    session: Session
    talk: Talk | None
    speaker: Speaker | None
    versions: tuple[MaterialVersion, ...]

    @property
    def latest(self) -> MaterialVersion | None:
        return self.versions[0] if self.versions else None

    @property
    def is_file(self) -> bool:
        return self.material.url is None


def is_public(material: Material, session: Session, now: datetime) -> bool:
    """Public now, or public after the session once it has ended; hidden material never is."""
    if material.visibility == MaterialVisibility.public:
        return True
    return material.visibility == MaterialVisibility.after_session and session.end_at <= now


def _public_clause(now: datetime) -> ColumnElement[bool]:
    return or_(
        col(Material.visibility) == MaterialVisibility.public,
        and_(col(Material.visibility) == MaterialVisibility.after_session, col(Session.end_at) <= now),
    )


def _items(db: DbSession, *conditions: Any) -> list[MaterialItem]:
    rows = db.exec(
        select(Material, Session, Talk, Speaker)
        .join(Session, col(Session.id) == Material.session_id)
        .outerjoin(Talk, col(Talk.id) == Material.talk_id)
        .outerjoin(Speaker, col(Speaker.id) == Material.speaker_id)
        .where(*conditions)
        .order_by(col(Session.start_at), col(Session.id), col(Talk.position), col(Material.id))
    ).all()
    ids = [material.id for material, *_rest in rows]
    versions: dict[int, list[MaterialVersion]] = defaultdict(list)
    if ids:
        for version in db.exec(
            select(MaterialVersion)
            .where(col(MaterialVersion.material_id).in_(ids))
            .order_by(col(MaterialVersion.number).desc())
        ):
            versions[version.material_id].append(version)
    items = [
        MaterialItem(material, session, talk, speaker, tuple(versions.get(material.id or 0, ())))
        for material, session, talk, speaker in rows
    ]
    # A file material with no version yet has nothing to offer.
    return [item for item in items if item.versions or item.material.url]


def public_session_ids(db: DbSession, event: Event) -> set[int]:
    """The sessions of the programme the public sees: the latest release, or the draft before the first.

    A session added to the draft since the last release is not public yet, and neither are its files.
    """
    return {session.id for session in published_programme(db, event).data.sessions}


def _in_public_programme(db: DbSession, event: Event) -> ColumnElement[bool]:
    if latest_release(db, event) is None:
        return col(Session.event_id) == event.id
    return col(Session.id).in_(public_session_ids(db, event))


def published_materials(db: DbSession, event: Event, now: datetime) -> list[MaterialItem]:
    """Everything of the event the public may see at `now`, in programme order."""
    return _items(db, col(Session.event_id) == event.id, _in_public_programme(db, event), _public_clause(now))


def materials_of_session(
    db: DbSession, session: Session, now: datetime, include_hidden: bool = False
) -> list[MaterialItem]:
    """The session's materials; with `include_hidden` (organisers), also those not public yet or never."""
    conditions: list[Any] = [col(Material.session_id) == session.id]
    if not include_hidden:
        conditions.append(_public_clause(now))
    return _items(db, *conditions)


def materials_of_speaker(
    db: DbSession, speaker: Speaker, now: datetime, published: PublishedProgramme | None = None
) -> list[MaterialItem]:
    """What the public may see of the material a speaker uploaded or was credited with.

    `published`: the event's published programme, when the caller has it (the public speaker page).
    """
    event = db.get(Event, speaker.event_id)
    if event is None:
        return []
    if published is None:
        in_public = _in_public_programme(db, event)
        return _items(db, col(Material.speaker_id) == speaker.id, in_public, _public_clause(now))
    # The caller's programme data is cached: its sessions are checked here rather than sent as a
    # thousand-id IN list with every request.
    items = _items(db, col(Material.speaker_id) == speaker.id, _public_clause(now))
    if published.release is None:
        return [item for item in items if item.session.event_id == event.id]
    public = published.data.index.sessions
    return [item for item in items if item.session.id in public]


def downloadable_version(
    db: DbSession, version_id: int, filename: str, user: User | None, now: datetime
) -> MaterialVersion | None:
    """The version, if this user may fetch it now: organisers of the event any version, everyone else only
    a published material of a publicly viewable event. Anything else looks as if it did not exist."""
    row = db.exec(
        select(MaterialVersion, Material, Session, Event)
        .join(Material, col(Material.id) == MaterialVersion.material_id)
        .join(Session, col(Session.id) == Material.session_id)
        .join(Event, col(Event.id) == Session.event_id)
        .where(MaterialVersion.id == version_id)
    ).first()
    if row is None or row[0].filename != filename:
        return None
    version, material, session, event = row
    if can_manage_event(db, user, event):
        return version
    if (
        is_publicly_viewable(event)
        and is_public(material, session, now)
        and (latest_release(db, event) is None or session.id in public_session_ids(db, event))
    ):
        return version
    return None
