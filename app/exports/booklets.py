"""Programme booklets built off the request: a worker renders the PDF (30-40 s for 1000 sessions) and
stores it; readers get the stored file, or "being prepared" while a worker builds it.

The version names what the booklet shows (the programme version, the language, the site address), so
web processes and workers agree on it without talking, and a new release simply names a booklet not built
yet.
"""

import hashlib
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from app.db import DbSession, utcnow
from app.events.models import Event
from app.exports.models import StoredBooklet
from app.exports.pdf import render_programme_pdf
from app.exports.snapshot import FeedFilters, SiteLinks, programme_snapshot
from app.i18n import current_locale
from app.programme.releases import PublishedProgramme, published_programme

# Booklets of an older version are kept this long after a newer one is stored: a reader who opened the
# old one may still be downloading it from another process's memory.
KEEP_OLDER = timedelta(hours=1)


def booklet_version(published: PublishedProgramme, locale: str, base_url: str) -> str:
    # version_key holds ids, datetimes and strings: its repr is the same in every process.
    text = repr((published.version_key, locale, base_url.rstrip("/")))
    return hashlib.sha256(text.encode()).hexdigest()


def stored_booklet(db: DbSession, version: str) -> bytes | None:
    return db.exec(select(StoredBooklet.pdf).where(StoredBooklet.version == version)).first()


def build_booklet(db: DbSession, event_id: int, version: str, links: SiteLinks, base_url: str) -> bool:
    """Renders and stores the booklet named `version`, in the current language; False when there is
    nothing to do (already stored, or the programme has moved on to a version nobody asked for yet)."""
    event = db.get(Event, event_id)
    if event is None:
        return False
    published = published_programme(db, event)
    if booklet_version(published, current_locale.get(), base_url) != version:
        return False
    if stored_booklet(db, version) is not None:
        return False
    snapshot = programme_snapshot(published, event, FeedFilters(), links)
    assert snapshot is not None  # noqa: S101 - None only for a track or room filter, and there is none
    pdf = render_programme_pdf(snapshot)
    db.rollback()  # nothing read for the booklet keeps the transaction open while storing it
    db.execute(
        delete(StoredBooklet).where(
            col(StoredBooklet.event_id) == event_id,
            col(StoredBooklet.version) != version,
            col(StoredBooklet.built_at) < utcnow() - KEEP_OLDER,
        )
    )
    db.add(StoredBooklet(event_id=event_id, version=version, pdf=pdf))
    try:
        db.commit()
    except IntegrityError:  # another worker stored the same booklet meanwhile
        db.rollback()
        return False
    return True
