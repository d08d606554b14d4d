"""The organisers' view of materials: per session, who confirmed and who uploaded, and the reminders.

Reads run a fixed number of queries whatever the size of the programme (sessions, roles with speakers,
materials, versions). A speaker is "missing" when they have not answered for a session, or when they
speak in it and have not uploaded slides; cancelled sessions, breaks and social events need nothing.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass, field

from sqlmodel import col, select

from app.db import DbSession, begin_write_transaction
from app.events.models import Event
from app.i18n import _, speaking
from app.mail import OutgoingMail, render_mail
from app.materials.models import Material, MaterialKind, MaterialVersion
from app.outbox.service import queue_mail
from app.programme.models import Confirmation, RoleKind, Session, SessionKind, SessionRole
from app.speakers.links import PortalLinks, ensure_portal_secret
from app.speakers.models import Speaker

logger = logging.getLogger("plenary.materials")

# Sessions where nobody presents slides.
NO_SLIDES_KINDS = (SessionKind.break_, SessionKind.social)


@dataclass(frozen=True)
class MaterialLine:
    """A material with all its versions, newest first (organisers and the uploading speaker see them all)."""

    material: Material
    versions: list[MaterialVersion]

    @property
    def latest(self) -> MaterialVersion | None:
        return self.versions[0] if self.versions else None


@dataclass(frozen=True)
class SpeakerStatus:
    speaker: Speaker
    roles: list[RoleKind]
    confirmation: Confirmation
    is_remote: bool
    needs_slides: bool
    has_slides: bool

    @property
    def is_missing(self) -> bool:
        answered = self.confirmation != Confirmation.pending
        return self.confirmation != Confirmation.declined and (
            not answered or (self.needs_slides and not self.has_slides)
        )


@dataclass(frozen=True)
class SessionMaterials:
    session: Session
    speakers: list[SpeakerStatus]
    materials: list[MaterialLine]

    @property
    def missing(self) -> list[SpeakerStatus]:
        return [status for status in self.speakers if status.is_missing]


@dataclass(frozen=True)
class MaterialsOverview:
    sessions: list[SessionMaterials]

    @property
    def confirmed(self) -> int:
        return sum(1 for s in self.sessions for p in s.speakers if p.confirmation == Confirmation.confirmed)

    @property
    def people(self) -> int:
        return sum(len(s.speakers) for s in self.sessions)

    @property
    def missing_speakers(self) -> list[Speaker]:
        seen: dict[int | None, Speaker] = {}
        for session in self.sessions:
            for status in session.missing:
                seen.setdefault(status.speaker.id, status.speaker)
        return list(seen.values())


def _lines(db: DbSession, materials: list[Material]) -> dict[int, MaterialLine]:
    ids = [material.id for material in materials]
    versions: dict[int, list[MaterialVersion]] = defaultdict(list)
    if ids:
        statement = (
            select(MaterialVersion)
            .where(col(MaterialVersion.material_id).in_(ids))
            .order_by(col(MaterialVersion.number).desc())
        )
        for version in db.exec(statement):
            versions[version.material_id].append(version)
    return {material.id or 0: MaterialLine(material, versions[material.id or 0]) for material in materials}


def materials_overview(db: DbSession, event: Event) -> MaterialsOverview:
    """Every session in time order with its people (answer, slides) and all its materials."""
    sessions = db.exec(
        select(Session).where(Session.event_id == event.id).order_by(col(Session.start_at), col(Session.id))
    ).all()
    session_ids = [session.id for session in sessions]
    role_rows = db.exec(
        select(SessionRole, Speaker)
        .join(Speaker, col(Speaker.id) == SessionRole.speaker_id)
        .where(col(SessionRole.session_id).in_(session_ids))
        .order_by(col(SessionRole.position), col(SessionRole.id))
    ).all()
    materials = list(
        db.exec(
            select(Material)
            .where(col(Material.session_id).in_(session_ids))
            .order_by(col(Material.kind), col(Material.id))
        ).all()
    )
    lines = _lines(db, materials)
    lines_by_session: dict[int, list[MaterialLine]] = defaultdict(list)
    for material in materials:
        lines_by_session[material.session_id].append(lines[material.id or 0])
    roles_by_session: dict[int, dict[int, list[tuple[SessionRole, Speaker]]]] = defaultdict(dict)
    for role, speaker in role_rows:
        roles_by_session[role.session_id].setdefault(speaker.id or 0, []).append((role, speaker))

    result = []
    for session in sessions:
        session_id = session.id or 0
        uploaded = {
            line.material.speaker_id
            for line in lines_by_session[session_id]
            if line.material.kind == MaterialKind.slides and line.versions
        }
        statuses = []
        for speaker_id, pairs in roles_by_session[session_id].items():
            kinds = [role.role for role, _speaker in pairs]
            statuses.append(
                SpeakerStatus(
                    speaker=pairs[0][1],
                    roles=list(dict.fromkeys(kinds)),
                    confirmation=pairs[0][0].confirmation,
                    is_remote=any(role.is_remote for role, _speaker in pairs),
                    needs_slides=(
                        not session.is_cancelled
                        and session.kind not in NO_SLIDES_KINDS
                        and RoleKind.speaker in kinds
                    ),
                    has_slides=speaker_id in uploaded,
                )
            )
        if session.is_cancelled:
            # Nobody is chased for a cancelled session.
            statuses = [
                SpeakerStatus(s.speaker, s.roles, Confirmation.declined, s.is_remote, False, s.has_slides)
                if s.confirmation == Confirmation.pending
                else s
                for s in statuses
            ]
        result.append(SessionMaterials(session, statuses, lines_by_session[session_id]))
    return MaterialsOverview(result)


def speaker_materials(db: DbSession, speaker: Speaker) -> dict[int, list[MaterialLine]]:
    """The materials a speaker uploaded or was given, with every version, by session id."""
    materials = list(
        db.exec(select(Material).where(Material.speaker_id == speaker.id).order_by(col(Material.id))).all()
    )
    lines = _lines(db, materials)
    by_session: dict[int, list[MaterialLine]] = defaultdict(list)
    for material in materials:
        by_session[material.session_id].append(lines[material.id or 0])
    return dict(by_session)


# --- Reminders ------------------------------------------------------------------------------------


@dataclass
class ReminderResult:
    sent: list[str] = field(default_factory=list)
    without_email: list[str] = field(default_factory=list)


def _reminder_mail(
    event: Event, speaker: Speaker, sessions: list[SessionMaterials], url: str
) -> OutgoingMail:
    with speaking(speaker.language):
        return _compose_reminder(event, speaker, sessions, url)


def _compose_reminder(
    event: Event, speaker: Speaker, sessions: list[SessionMaterials], url: str
) -> OutgoingMail:
    lines = []
    for entry in sessions:
        status = next(s for s in entry.speakers if s.speaker.id == speaker.id)
        needs = []
        if status.confirmation == Confirmation.pending:
            needs.append(_("please confirm or decline"))
        if status.needs_slides and not status.has_slides:
            needs.append(_("please upload your slides"))
        lines.append({"title": entry.session.title, "needs": needs})
    context = {"name": speaker.name, "event": event.title, "sessions": lines, "url": url}
    return render_mail("materials/reminder.txt", context, to=speaker.email or "", event_id=event.id)


def send_reminders(db: DbSession, event: Event, *, links: PortalLinks) -> ReminderResult:
    """Emails every speaker who has not answered or not uploaded their slides, with their portal link.

    The link already sent stays valid: a reminder never revokes it. The messages are queued with the
    links they carry, in one transaction; the mail log shows their delivery.
    """
    begin_write_transaction(db)
    overview = materials_overview(db, event)
    result = ReminderResult()
    for speaker in overview.missing_speakers:
        if not speaker.email:
            result.without_email.append(speaker.name)
            continue
        ensure_portal_secret(speaker)
        db.add(speaker)
        sessions = [
            entry for entry in overview.sessions if any(s.speaker.id == speaker.id for s in entry.missing)
        ]
        queue_mail(db, _reminder_mail(event, speaker, sessions, links.url(speaker)))
        result.sent.append(speaker.name)
    db.commit()
    return result
