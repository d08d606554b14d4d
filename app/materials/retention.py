"""What is kept in storage: a bounded number of versions per material, and no file nobody references.

Files are stored by content and may be shared (the same PDF uploaded twice, to two sessions, or a photo),
so a file is only deleted when no material version and no speaker photo references it, and only when it
was stored (or stored again) longer ago than a grace period: an upload in progress has put its file in
storage but not yet recorded its version, and must not lose it.

`collect_unreferenced_files` runs from the command line (`python -m app clean-storage`, for cron or a
systemd timer today); the task queue of issue 12 is to run it periodically once it exists. It also
sweeps what killed uploads leave behind: spooled request bodies, `.incoming-` copies and unfinished S3
multipart uploads.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, func
from sqlmodel import col, select

from app.db import DbSession
from app.materials.models import MaterialVersion
from app.settings import Settings
from app.speakers.models import Speaker
from app.storage import Storage

logger = logging.getLogger("plenary.storage")

# Longer than any upload takes between storing its file and recording its version.
GRACE_PERIOD = timedelta(hours=1)
SPOOL_PREFIX = "upload-"


@dataclass(frozen=True)
class StorageCleanup:
    """What a clean-up did: files deleted, unreferenced files spared as too recent, leftovers swept."""

    deleted: tuple[str, ...]
    spared_recent: int
    partials_removed: int


def spool_dir_of(settings: Settings) -> Path:
    """Where request bodies are spooled while they arrive: beside the uploads, on the disk sized for them."""
    return settings.upload_dir / ".spool"


def _referenced(db: DbSession, keys: Iterable[str] | None = None) -> set[str]:
    versions = select(MaterialVersion.storage_key).distinct()
    photos = select(Speaker.photo_key).where(col(Speaker.photo_key).is_not(None)).distinct()
    if keys is not None:
        wanted = list(keys)
        versions = versions.where(col(MaterialVersion.storage_key).in_(wanted))
        photos = photos.where(col(Speaker.photo_key).in_(wanted))
    return {key for key in db.exec(versions) if key} | {key for key in db.exec(photos) if key}


def _delete_if_still_old(storage: Storage, key: str, cutoff: datetime) -> bool:
    # Read again just before deleting: an upload may have stored the same content a moment ago.
    modified = storage.modified_at(key)
    if modified is None or modified >= cutoff:
        return False
    storage.delete(key)
    return True


def delete_unreferenced(
    db: DbSession, storage: Storage, keys: Iterable[str], now: datetime, grace: timedelta = GRACE_PERIOD
) -> list[str]:
    """Deletes those of `keys` no version or photo references and stored before `now - grace`."""
    keys = set(keys)
    if not keys:
        return []
    cutoff = now - grace
    unreferenced = keys - _referenced(db, keys)
    return sorted(key for key in unreferenced if _delete_if_still_old(storage, key, cutoff))


def remove_abandoned_uploads(spool_dir: Path | None, storage: Storage, now: datetime) -> int:
    """Removes what uploads cut off by a killed process left: spooled bodies and partial copies older
    than the grace period. Uploads still arriving are younger, so they are never touched."""
    cutoff = now - GRACE_PERIOD
    removed = 0
    if spool_dir is not None and spool_dir.is_dir():
        for path in spool_dir.glob(f"{SPOOL_PREFIX}*"):
            try:
                if datetime.fromtimestamp(path.stat().st_mtime, tz=UTC) < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue  # finished (and removed) by its upload meanwhile
    return removed + storage.remove_partial_uploads(cutoff)


def collect_unreferenced_files(
    db: DbSession,
    storage: Storage,
    now: datetime,
    *,
    grace: timedelta = GRACE_PERIOD,
    spool_dir: Path | None = None,
) -> StorageCleanup:
    """Deletes stored files that no material version and no speaker photo references, once they are
    older than the grace period, and sweeps the leftovers of abandoned uploads."""
    cutoff = now - grace
    # Listed before reading the references: a file stored after the listing is not in it, and one
    # referenced after it is spared by the second look at its time in _delete_if_still_old.
    listed = list(storage.stored_files())
    referenced = _referenced(db)
    db.rollback()  # end the read transaction; nothing was written
    deleted, spared = [], 0
    for stored in listed:
        if stored.key in referenced:
            continue
        if stored.modified_at >= cutoff:
            spared += 1
        elif _delete_if_still_old(storage, stored.key, cutoff):
            deleted.append(stored.key)
    partials = remove_abandoned_uploads(spool_dir, storage, now)
    return StorageCleanup(tuple(sorted(deleted)), spared, partials)


def prune_versions(db: DbSession, material_id: int, keep: int) -> list[str]:
    """Removes (without committing) all but the `keep` newest versions of a material and returns their
    storage keys. The newest version, the one the public sees, is always kept."""
    keep = max(keep, 1)
    old = db.exec(
        select(MaterialVersion.id, MaterialVersion.storage_key)
        .where(MaterialVersion.material_id == material_id)
        .order_by(col(MaterialVersion.number).desc())
        .offset(keep)
    ).all()
    if not old:
        return []
    db.execute(delete(MaterialVersion).where(col(MaterialVersion.id).in_([row[0] for row in old])))
    return [row[1] for row in old]


def prune_all_versions(db: DbSession, keep: int) -> list[str]:
    """Applies the version limit to every material (those uploaded before the limit, or before it was
    lowered); returns the storage keys of the versions removed."""
    crowded = db.exec(
        select(MaterialVersion.material_id)
        .group_by(col(MaterialVersion.material_id))
        .having(func.count() > max(keep, 1))
    ).all()
    keys = [key for material_id in crowded for key in prune_versions(db, material_id, keep)]
    db.commit()
    return keys
