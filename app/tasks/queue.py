"""The task queue, built from the settings: a SQLite file under var/ by default, Redis or PostgreSQL when
QUEUE_URL names one (several web processes and workers then share it)."""

from pathlib import Path

from huey import Huey, PostgresHuey, RedisHuey, SqliteHuey

from app.settings import Settings


def queue_file(settings: Settings) -> Path:
    """The embedded queue's file: beside a SQLite database (one site, one pair of files, so two sites
    on one machine never share a queue), else under var/."""
    if settings.database_url.startswith("sqlite:///"):
        database = Path(settings.database_url.removeprefix("sqlite:///"))
        return database.with_name(f"{database.stem}.queue.sqlite3")
    return settings.var_dir / "queue.sqlite3"


def is_embedded(settings: Settings) -> bool:
    """True for a queue in a local SQLite file: no service to run, and `serve` works it off itself."""
    return settings.queue_url is None or settings.queue_url.startswith("sqlite:///")


def make_queue(settings: Settings, *, name: str | None = None) -> Huey:
    """A Huey instance for the configured storage. `name` keeps the tasks of one site (or one test)
    apart from others on the same Redis or PostgreSQL."""
    name = name or settings.queue_name
    url = settings.queue_url
    if url is None or url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///")) if url else queue_file(settings)
        path.parent.mkdir(parents=True, exist_ok=True)
        # strict_fifo: rowids are never reused, so tasks run in the order they were queued.
        return SqliteHuey(name, filename=str(path), strict_fifo=True, utc=True)
    if url.startswith(("postgresql://", "postgresql+psycopg://")):
        # The tables are prefixed, so they can share the site's database without meeting its own.
        dsn = url.replace("postgresql+psycopg://", "postgresql://")
        return PostgresHuey(name, dsn=dsn, table_prefix="queue", utc=True)
    return RedisHuey(name, url=url, utc=True)
