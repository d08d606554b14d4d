"""Every task of the site, bound to one queue (`Tasks`), and what each one calls.

Huey registers tasks on a queue instance with decorators; building them in `Tasks.__init__` rather than at
import time keeps the queue a product of the settings, as the engine is: the web app, the worker and each
test make their own. A task calls a service function, exactly as a route does.
"""

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property
from urllib.parse import urlsplit

from huey import Huey, crontab
from huey.api import TaskWrapper
from huey.exceptions import RetryTask
from sqlalchemy import Engine

from app.db import DbSession, make_engine, utcnow
from app.events.models import Event
from app.exports.attendee import attendee_calendar
from app.exports.booklets import booklet_version, build_booklet
from app.exports.snapshot import SiteLinks
from app.i18n import DEFAULT_LOCALE, current_locale
from app.imports.jobs import run_import_job, waiting_job_ids
from app.mail import Mailer, mailer_from_settings
from app.materials.retention import (
    StorageCleanup,
    collect_unreferenced_files,
    prune_all_versions,
    spool_dir_of,
)
from app.messaging.change_notices import NoticeLinks, queue_change_notices
from app.messaging.reminders import BATCH_SIZE as REMINDER_BATCH
from app.messaging.reminders import events_due, write_reminders
from app.messaging.service import (
    BATCH_SIZE,
    MessageLinks,
    link_paths,
    stalled_group_messages,
    write_group_message,
)
from app.outbox.service import MailWriter, deliver, deliver_through, stranded_messages
from app.programme.releases import ProgrammeDataCache, published_programme
from app.registration import confirmations
from app.registration.links import Links
from app.registration.models import Registration
from app.settings import Settings
from app.site import Router, SiteUrls
from app.storage import storage_from_settings
from app.tasks.board import QueueBoard

logger = logging.getLogger("plenary.tasks")

# Daily, at a quiet hour (UTC); every worker's scheduler asks, one of them runs it (`_first_to_claim`).
CLEAN_STORAGE_AT = crontab(hour="3", minute="17")
# Files stored this recently are spared by the clean-up: an upload may be about to reference them.
CLEAN_STORAGE_GRACE = timedelta(hours=1)
# Readers asking for a booklet being built queue it once; asked again after this long (the worker that
# was building it may have stopped), it is queued again.
BOOKLET_ASKED_FOR = 300.0


@dataclass(frozen=True)
class CleanStorageResult:
    pruned_versions: int
    report: StorageCleanup


def clean_storage(
    settings: Settings, engine: Engine, keep_versions: int, grace: timedelta = CLEAN_STORAGE_GRACE
) -> CleanStorageResult:
    """Old versions beyond the limit, then every stored file nothing references (app.materials.retention);
    the CLI's clean-storage and the daily task both run this."""
    storage = storage_from_settings(settings)
    with DbSession(engine, expire_on_commit=False) as db:
        pruned = prune_all_versions(db, keep_versions)
        report = collect_unreferenced_files(
            db, storage, utcnow(), grace=grace, spool_dir=spool_dir_of(settings)
        )
    return CleanStorageResult(len(pruned), report)


def booklet_links(base_url: str, router: Router, event: Event) -> SiteLinks:
    """The addresses the booklet prints: the configured site, never the request's."""
    base = base_url.rstrip("/")
    session_path = str(router.url_path_for("session_page", slug=event.slug, session_id="0"))
    return SiteLinks(
        host=urlsplit(base).hostname or "localhost",
        session_url_prefix=f"{base}{session_path}".removesuffix("0"),
    )


def registration_links(
    base_url: str,
    router: Router,
    secret_key: str,
    *,
    calendar: bool = True,
    programme_data: ProgrammeDataCache | None = None,
) -> Links:
    """The links of attendees' emails written by a worker: manage link, ticket, join links, and the
    calendar file (unless `calendar` is False: the request that saved the message had none to attach),
    built from `programme_data` when given."""
    urls = SiteUrls(base_url, router)
    join_links = Links(urls, secret_key)
    if not calendar:
        return join_links

    def attendee_calendar_file(db: DbSession, event: Event, registration: Registration) -> bytes:
        return attendee_calendar(
            db, event, registration, programme_data, booklet_links(base_url, router, event), join_links
        )

    return Links(urls, secret_key, attendee_calendar_file)


def mail_writers(router: Router, secret_key: str) -> dict[str, MailWriter]:
    """What a worker writes messages saved as a spec with (app.outbox.MailSpec), by the spec's writer."""
    # A rush's confirmations all attach a calendar of the same programme: read once per version (the keys
    # name the release, or the draft's last change, as the web app's own cache does).
    programme_data = ProgrammeDataCache(max_entries=16)

    def links_at(base_url: str, calendar: bool) -> Links:
        return registration_links(
            base_url, router, secret_key, calendar=calendar, programme_data=programme_data
        )

    return {
        confirmations.WRITER: lambda db, values: confirmations.write_confirmation(db, values, links_at),
    }


class Tasks:
    """The site's tasks on `queue`. Calling a task (`tasks.import_schedule(job_id, "fr")`) queues it."""

    def __init__(
        self, queue: Huey, settings: Settings, engine: Engine | None = None, router: Router | None = None
    ) -> None:
        self.queue = queue
        self.settings = settings
        self._engine = engine
        # The app's routes, for the links of the messages a periodic task writes (no request queued it).
        self.router = router
        self.board = QueueBoard(queue)
        self.import_schedule = self._import_schedule()
        self.requeue_imports = self._requeue_imports()
        self.clean_storage_daily = self._clean_storage_daily()
        self.build_booklet = self._build_booklet()
        self.deliver_mail = self._deliver_mail()
        self.requeue_mail = self._requeue_mail()
        self.send_group_message = self._send_group_message()
        self.send_change_notices = self._send_change_notices()
        self.resume_group_messages = self._resume_group_messages()
        self.send_reminders = self._send_reminders()
        # Copies of a group message, and reminders, written per transaction (tests make them small).
        self.group_message_batch = BATCH_SIZE
        self.reminder_batch = REMINDER_BATCH
        if engine is not None:
            deliver_through(engine, self.queue_mail)

    @cached_property
    def engine(self) -> Engine:
        # The web app lends its own; the worker makes one on first use.
        if self._engine is not None:
            return self._engine
        engine = make_engine(self.settings.database_url)
        deliver_through(engine, self.queue_mail)  # messages written by tasks are delivered too
        return engine

    @cached_property
    def mailer(self) -> Mailer:
        return mailer_from_settings(self.settings)

    @cached_property
    def mail_writers(self) -> dict[str, MailWriter]:
        # Without the app's routes no link can be written: such messages wait for a worker that has them.
        if self.router is None:
            return {}
        return mail_writers(self.router, self.settings.resolved_secret_key())

    def queue_mail(self, message_ids: Sequence[int]) -> None:
        """Hands committed messages (app.outbox) to the workers."""
        for message_id in message_ids:
            self.deliver_mail(message_id)

    def _deliver_mail(self) -> TaskWrapper:
        # The attempts are counted in the message's row (the mail log shows them); a message the server
        # did not take is queued again with a delay, twice as long each time (app.outbox.retry_wait).
        # It returns nothing: the queue would keep every result (one per email sent) that nobody reads.
        @self.queue.task(name="deliver_mail")
        def deliver_mail(message_id: int) -> None:
            delivery = deliver(
                self.engine,
                message_id,
                self.mailer,
                max_attempts=self.settings.mail_max_attempts,
                first_wait=timedelta(seconds=self.settings.mail_retry_seconds),
                writers=self.mail_writers,
            )
            if delivery.retry_in is not None:
                raise RetryTask(delay=delivery.retry_in.total_seconds())

        return deliver_mail

    def _requeue_mail(self) -> TaskWrapper:
        # Every minute: messages committed while the queue was unreachable, or left by a stopped worker.
        @self.queue.periodic_task(crontab(minute="*"), name="requeue_mail")
        def requeue_mail() -> int:
            with DbSession(self.engine) as db:
                stranded = stranded_messages(db, utcnow())
            if stranded:
                logger.warning("%d messages were not on the queue: queued again", len(stranded))
                self.queue_mail(stranded)
            return len(stranded)

        return requeue_mail

    def _send_group_message(self) -> TaskWrapper:
        # Handed over twice (a retry), it writes only to the people who have no copy yet. A failure (the
        # database away) is tried again 30 s, then 60 s later, from where it stopped.
        @self.queue.task(retries=3, retry_delay=30, retry_backoff=2, name="send_group_message")
        def send_group_message(message_id: int, link_paths: dict[str, str]) -> None:
            links = MessageLinks.from_paths(
                str(self.settings.base_url), link_paths, self.settings.resolved_secret_key()
            )
            write_group_message(self.engine, message_id, links, batch_size=self.group_message_batch)

        return send_group_message

    def _resume_group_messages(self) -> TaskWrapper:
        # Every minute: a message whose worker is gone (stopped, or retries spent while the database was
        # away) is handed over again, and goes on from where it stopped.
        @self.queue.periodic_task(crontab(minute="*"), name="resume_group_messages")
        def resume_group_messages() -> int:
            with DbSession(self.engine) as db:
                stalled = stalled_group_messages(db, utcnow())
            for message_id in stalled:
                logger.warning("group message %s stopped being written: handed over again", message_id)
                self.send_group_message(message_id, link_paths(self._site_urls()))
            return len(stalled)

        return resume_group_messages

    def _site_urls(self) -> SiteUrls:
        if self.router is None:
            raise RuntimeError("these tasks were made without the app's routes: links cannot be written")
        return SiteUrls(str(self.settings.base_url), self.router)

    def registration_links(self) -> Links:
        """The links of attendees' emails written by a worker: manage link, ticket, calendar file."""
        urls = self._site_urls()
        return registration_links(urls.base_url, urls.router, self.settings.resolved_secret_key())

    def _send_reminders(self) -> TaskWrapper:
        # Every minute: the reminders of the events whose moment has come. Each worker's scheduler runs
        # it; they take turns per event, and nobody is reminded twice (app.messaging.reminders).
        @self.queue.periodic_task(crontab(minute="*"), retries=2, retry_delay=30, name="send_reminders")
        def send_reminders() -> int:
            now = utcnow()
            with DbSession(self.engine) as db:
                due = events_due(db, now)
            links = self.registration_links() if due else None
            written = 0
            for event_id in due:
                assert links is not None  # noqa: S101 - made above when anything is due
                written += write_reminders(self.engine, event_id, links, now, batch_size=self.reminder_batch)
            if written:
                logger.info("%d reminders written", written)
            return written

        return send_reminders

    def _send_change_notices(self) -> TaskWrapper:
        # Once per release, however often it is handed over: the first worker claims it in the queue's
        # store. A failure (the database away) is tried again 30 s, then 60 s later.
        @self.queue.task(retries=3, retry_delay=30, retry_backoff=2, name="send_change_notices")
        def send_change_notices(
            release_id: int, locale: str, programme_url: str, session_url_prefix: str
        ) -> int:
            claim = f"change-notices:{release_id}"
            if not self._first_to_claim(claim):
                return 0
            token = current_locale.set(locale)
            try:
                with DbSession(self.engine, expire_on_commit=False) as db:
                    links = NoticeLinks(programme_url, session_url_prefix)
                    return queue_change_notices(db, release_id, links)
            except Exception:
                self.queue.delete(claim)  # the retry must find it still to do
                raise
            finally:
                current_locale.reset(token)

        return send_change_notices

    def change_notices_after_release(
        self, event: Event, release_id: int, locale: str, router: Router
    ) -> None:
        """Tells the people whose sessions the release `release_id` changed (in `locale`, the releasing
        organiser's language: the app does not know each person's)."""
        if not event.change_notices:
            return
        base = str(self.settings.base_url).rstrip("/")
        links = booklet_links(base, router, event)
        programme_url = base + str(router.url_path_for("programme_page", slug=event.slug))
        self.send_change_notices(release_id, locale, programme_url, links.session_url_prefix)

    def _import_schedule(self) -> TaskWrapper:
        # No retries: a failed import is reported to the organiser, who may try again; and a job cut off
        # by a stopped worker is reported as interrupted, not run twice behind their back.
        @self.queue.task(name="import_schedule")
        def import_schedule(job_id: int, locale: str = DEFAULT_LOCALE) -> bool:
            # The job's messages (errors, notes) are in the language of the organiser who confirmed it.
            token = current_locale.set(locale)
            try:
                return run_import_job(self.engine, job_id, self.board)
            finally:
                current_locale.reset(token)

        return import_schedule

    def _requeue_imports(self) -> TaskWrapper:
        @self.queue.periodic_task(crontab(minute="*"), name="requeue_imports")
        def requeue_imports() -> int:
            with DbSession(self.engine) as db:
                waiting = waiting_job_ids(db, utcnow())
            for job_id in waiting:
                logger.warning("import job %s waited for a worker too long: queued again", job_id)
                self.import_schedule(job_id)
            return len(waiting)

        return requeue_imports

    def _clean_storage_daily(self) -> TaskWrapper:
        # A storage that does not answer (S3 down) is tried again 1, 2 and 4 minutes later.
        @self.queue.periodic_task(
            CLEAN_STORAGE_AT, retries=3, retry_delay=60, retry_backoff=2, name="clean_storage_daily"
        )
        def clean_storage_daily() -> bool:
            claim = f"periodic:clean-storage:{utcnow().date().isoformat()}"
            if not self._first_to_claim(claim):
                return False
            try:
                done = clean_storage(self.settings, self.engine, self.settings.material_versions_kept)
            except Exception:
                self.queue.delete(claim)  # the retry must find today's run still to do
                raise
            logger.info(
                "storage clean-up: %d old versions removed, %d unreferenced files deleted",
                done.pruned_versions,
                len(done.report.deleted),
            )
            return True

        return clean_storage_daily

    def _build_booklet(self) -> TaskWrapper:
        # Two workers handed the same booklet: the second finds it locked, and is retried later, when it
        # finds the booklet stored. A failed rendering is tried again 30 s, then 60 s later.
        @self.queue.task(retries=3, retry_delay=30, retry_backoff=2, name="build_booklet")
        def build_booklet_task(
            event_id: int, version: str, locale: str, host: str, session_url_prefix: str
        ) -> bool:
            token = current_locale.set(locale)
            try:
                with self.queue.lock_task(f"booklet:{version}"), DbSession(self.engine) as db:
                    links = SiteLinks(host=host, session_url_prefix=session_url_prefix)
                    return build_booklet(db, event_id, version, links, str(self.settings.base_url))
            finally:
                current_locale.reset(token)
                self.queue.delete(f"booklet-asked:{version}")

        return build_booklet_task

    def queue_booklet(self, event: Event, version: str, locale: str, links: SiteLinks) -> None:
        """Has a worker build the booklet `version` (once, however many readers ask while it is built)."""
        asked = f"booklet-asked:{version}"
        now = time.time()
        if not self.queue.put_if_empty(asked, now):
            since = self.queue.get(asked, peek=True)
            if isinstance(since, float) and now - since < BOOKLET_ASKED_FOR:
                return
            self.queue.put(asked, now)
        assert event.id is not None  # noqa: S101 - a published event was saved
        self.build_booklet(event.id, version, locale, links.host, links.session_url_prefix)

    def booklet_after_release(self, db: DbSession, event: Event, locale: str, router: Router) -> None:
        """Builds the booklet of the version just released, before the first reader asks for it."""
        base_url = str(self.settings.base_url)
        version = booklet_version(published_programme(db, event), locale, base_url)
        self.queue_booklet(event, version, locale, booklet_links(base_url, router, event))

    def _first_to_claim(self, key: str) -> bool:
        """True for the first worker to ask: with several workers, each one's scheduler queues the
        periodic tasks, and one run of each is enough."""
        return bool(self.queue.put_if_empty(key, True))
