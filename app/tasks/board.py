"""The progress of running imports, posted to the task queue's own store (its SQLite file, Redis or
PostgreSQL tables): every web process reads it, and writing it never waits for the import's write lock
on the site's database."""

from dataclasses import asdict

from huey import Huey

from app.imports.jobs import JobProgress

_KEY = "import-progress:{}"


class QueueBoard:
    """app.imports.jobs.ProgressBoard on the queue's key-value store."""

    def __init__(self, queue: Huey) -> None:
        self.queue = queue

    def post(self, job_id: int, progress: JobProgress) -> None:
        self.queue.put(_KEY.format(job_id), asdict(progress))

    def read(self, job_id: int) -> JobProgress | None:
        # peek: reading leaves the entry for the next reader (a plain get takes it away).
        posted = self.queue.get(_KEY.format(job_id), peek=True)
        return JobProgress(**posted) if isinstance(posted, dict) else None

    def clear(self, job_id: int) -> None:
        self.queue.delete(_KEY.format(job_id))
