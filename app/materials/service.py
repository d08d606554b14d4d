"""Adding slides, files, recordings and links to sessions; publishing and removing them.

A new upload for the same material adds a version and keeps a number of older ones (a setting), so
organisers can go back. The files themselves are already in storage (see `uploads.py`); these functions
only record them, and delete the files of versions dropped by the limit (see `retention.py`).
"""

import logging
from urllib.parse import urlsplit

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, func, select

from app.db import DbSession, saved_id, utcnow
from app.errors import DomainError, InvalidInput
from app.i18n import _
from app.materials import retention
from app.materials.models import Material, MaterialKind, MaterialVersion, MaterialVisibility
from app.programme.models import Session, Talk
from app.speakers.models import Speaker
from app.storage import Storage, StoredUpload

logger = logging.getLogger("plenary.materials")

FILE_KINDS = (MaterialKind.slides, MaterialKind.file)
LINK_KINDS = (MaterialKind.recording, MaterialKind.link)


def _check_talk(db: DbSession, session: Session, talk_id: int | None) -> None:
    if talk_id is None:
        return
    talk = db.get(Talk, talk_id)
    if talk is None or talk.session_id != session.id:
        raise InvalidInput(_("This talk is not part of the session."), field="talk_id")


def _check_speaker(session: Session, speaker: Speaker | None) -> None:
    if speaker is not None and speaker.event_id != session.event_id:
        raise InvalidInput(_("This speaker is not part of the event."), field="speaker_id")


def _material_for_file(
    db: DbSession,
    session: Session,
    talk_id: int | None,
    speaker: Speaker | None,
    kind: MaterialKind,
    title: str,
) -> Material | None:
    # A speaker's slides for a session (or talk) are one material whatever their title; other files are
    # told apart by title.
    statement = select(Material).where(
        Material.session_id == session.id,
        Material.talk_id == talk_id,
        Material.speaker_id == (speaker.id if speaker else None),
        Material.kind == kind,
    )
    if kind != MaterialKind.slides:
        statement = statement.where(Material.title == title)
    return db.exec(statement.order_by(col(Material.id))).first()


def add_file_version(
    db: DbSession,
    session: Session,
    *,
    talk_id: int | None,
    speaker: Speaker | None,
    kind: MaterialKind,
    title: str,
    visibility: MaterialVisibility,
    upload: StoredUpload,
    keep_versions: int | None = None,
    storage: Storage | None = None,
) -> MaterialVersion:
    """Uploading slides again adds a new version of the same material. The `keep_versions` newest are
    kept (all without a limit), the newest, which the public sees, always; with `storage`, the files of
    the versions removed are deleted unless something else still uses them."""
    if kind not in FILE_KINDS:
        raise InvalidInput(_("Recordings and links are added by address, not uploaded."), field="kind")
    _check_talk(db, session, talk_id)
    _check_speaker(session, speaker)
    title = title.strip()
    material = _material_for_file(db, session, talk_id, speaker, kind, title)
    now = utcnow()
    if material is None:
        material = Material(
            session_id=saved_id(session),
            talk_id=talk_id,
            speaker_id=speaker.id if speaker else None,
            kind=kind,
            title=title,
            visibility=visibility,
        )
        db.add(material)
        db.flush()
    else:
        material.title = title or material.title
        material.visibility = visibility
        material.updated_at = now
    last = db.exec(
        select(func.max(MaterialVersion.number)).where(MaterialVersion.material_id == material.id)
    ).one()
    version = MaterialVersion(
        material_id=saved_id(material),
        number=(last or 0) + 1,
        storage_key=upload.key,
        filename=upload.filename,
        content_type=upload.content_type,
        size=upload.size,
        uploaded_by_speaker_id=speaker.id if speaker else None,
        uploaded_at=now,
    )
    db.add(version)
    try:
        db.flush()
        removed = retention.prune_versions(db, material.id or 0, keep_versions) if keep_versions else []
        db.commit()
    except IntegrityError as error:
        # Two uploads of the same material at the same moment took the same number.
        db.rollback()
        raise DomainError(
            _("Another upload of this material arrived at the same time; send it again.")
        ) from error
    db.refresh(version)
    if storage is not None and removed:
        _delete_files_of_removed_versions(db, storage, removed)
    return version


def _delete_files_of_removed_versions(db: DbSession, storage: Storage, keys: list[str]) -> None:
    try:
        retention.delete_unreferenced(db, storage, keys, utcnow())
    except Exception:
        # The upload is saved; a file left behind is deleted by the next clean-storage run.
        logger.exception("Could not delete the files of old material versions")


def _checked_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    # Only web addresses: a javascript: or data: link would run in our pages when clicked.
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput(_("Enter a web address starting with https:// or http://."), field="url")
    if len(url) > 1000:
        raise InvalidInput(_("This address is too long."), field="url")
    return url


def add_link_material(
    db: DbSession,
    session: Session,
    *,
    talk_id: int | None,
    speaker: Speaker | None,
    kind: MaterialKind,
    title: str,
    url: str,
    visibility: MaterialVisibility,
) -> Material:
    """A recording (video platform address) or another link; only http(s) addresses are accepted."""
    if kind not in LINK_KINDS:
        raise InvalidInput(_("Slides and files are uploaded, not linked."), field="kind")
    _check_talk(db, session, talk_id)
    _check_speaker(session, speaker)
    material = Material(
        session_id=saved_id(session),
        talk_id=talk_id,
        speaker_id=speaker.id if speaker else None,
        kind=kind,
        title=title.strip(),
        url=_checked_url(url),
        visibility=visibility,
    )
    db.add(material)
    db.commit()
    db.refresh(material)
    return material


def set_visibility(db: DbSession, material: Material, visibility: MaterialVisibility) -> Material:
    """Publishing now, after the session, or hiding applies to every version of the material."""
    material.visibility = visibility
    material.updated_at = utcnow()
    db.add(material)
    db.commit()
    db.refresh(material)
    return material


def delete_material(db: DbSession, material: Material) -> None:
    """Removes the material and all its versions from the programme.

    The stored files stay for now: storage is by content, so the same file may back another material, a
    later re-upload, or a speaker's photo, and deleting it here could race with such an upload. The next
    clean-up (`retention.collect_unreferenced_files`) deletes them once nothing references them.
    """
    db.execute(delete(MaterialVersion).where(col(MaterialVersion.material_id) == material.id))
    db.delete(material)
    db.commit()
