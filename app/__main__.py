"""Command line: python -m app <command>. Commands call services, never routes."""

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from app.settings import Settings, describe_settings_error

if TYPE_CHECKING:
    from app.db import DbSession


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        print(describe_settings_error(error), file=sys.stderr)
        raise SystemExit(2) from error


def _db(settings: Settings) -> "DbSession":
    import app.models  # noqa: F401 - every table, and the flush hook that stamps changed programmes
    from app.db import DbSession, make_engine

    return DbSession(make_engine(settings.database_url), expire_on_commit=False)


def migrate(settings: Settings) -> None:
    from alembic.config import Config

    from alembic import command
    from app.settings import PROJECT_DIR

    config = Config(str(PROJECT_DIR / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", settings.database_url.replace("%", "%%"))
    command.upgrade(config, "head")


def create_admin(settings: Settings, email: str, password: str, name: str) -> int:
    from app.accounts import service as accounts

    with _db(settings) as db:
        existing = accounts.user_by_email(db, email)
        try:
            if existing is not None:
                accounts.set_password(db, existing, password, is_admin=True)
                print(f"Updated {existing.email}: administrator, new password set.")
            else:
                user = accounts.create_user(db, email, password, name=name, is_admin=True)
                print(f"Created administrator {user.email}.")
        except accounts.AccountError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
    return 0


def load_demo(settings: Settings) -> int:
    from app.demo.events import load_demo_events

    with _db(settings) as db:
        created = load_demo_events(db)
    if created:
        print("Loaded demo events: " + ", ".join(event.slug for event in created))
    else:
        print("Demo events already present.")
    return 0


def generate(
    settings: Settings, slug: str, sessions: int, rooms: int, days: int, seed: int, start: str | None = None
) -> int:
    if start is not None:
        return generate_hybrid(settings, slug, sessions, rooms, days, seed, start)
    from app.demo.generator import generate_conference
    from app.errors import DomainError
    from app.events.service import set_published
    from app.programme.releases import release_programme

    with _db(settings) as db:
        try:
            event = generate_conference(db, slug, sessions, rooms, days, seed=seed)
        except DomainError as error:
            print(f"error: {error.message}", file=sys.stderr)
            return 1
        # Published and released, so the public programme and its exports can be opened and measured.
        set_published(db, event, True)
        release_programme(db, event, "Generated programme", None)
    print(f"Generated {slug}: {sessions} sessions in {rooms} rooms over {days} days ({event.start_date}).")
    print(f"Programme: {settings.base_url}events/{slug}/programme")
    return 0


def generate_hybrid(
    settings: Settings, slug: str, sessions: int, rooms: int, days: int, seed: int, start: str
) -> int:
    from datetime import datetime

    from app.db import utcnow
    from app.demo.generator import generate_hybrid_event, parse_start
    from app.errors import DomainError
    from app.timezones import in_zone

    try:
        parsed = parse_start(start)
    except DomainError as error:
        print(f"error: --start: {error.message}", file=sys.stderr)
        return 2
    with _db(settings) as db:
        try:
            # The real clock is read here, once; `now` is only used with --start now.
            made = generate_hybrid_event(
                db, slug, sessions, rooms, days, start=parsed, now=utcnow(), seed=seed
            )
        except DomainError as error:
            print(f"error: {error.message}", file=sys.stderr)
            return 1
    zone = made.event.timezone

    def local(moment: datetime) -> str:
        return f"{in_zone(moment, zone):%Y-%m-%d %H:%M}"

    closes_at = made.registration.closes_at
    until = f" until {local(closes_at)}" if closes_at else ""
    print(
        f"Generated {slug}: a published hybrid conference, {sessions} sessions in {rooms} rooms over {days} "
        "days, every room streamed, its programme released."
    )
    print(f"Runs from {local(made.runs_from)} to {local(made.runs_until)} ({zone}).")
    print(f"Programme: {settings.base_url}events/{slug}/programme")
    print(f"Registration, in person and online{until}: {settings.base_url}events/{slug}/register")
    print(f"Now and next: {settings.base_url}events/{slug}/now")
    print(f"Room screens: {settings.base_url}events/{slug}/screens")
    return 0


def server_options(settings: Settings) -> dict[str, Any]:
    """How uvicorn serves the app: the client address from the trusted proxies only, tokens masked in logs."""
    from app.access_log import log_config

    return {
        # X-Forwarded-For/-Proto are believed from these peers only; request.client.host is then the visitor's
        # address, which the registration rate limit counts.
        "proxy_headers": True,
        "forwarded_allow_ips": settings.forwarded_allow_ips,
        "log_config": log_config(),
        "server_header": False,
    }


def clean_storage(settings: Settings, keep_versions: int, grace_minutes: int) -> int:
    from datetime import timedelta

    import app.models  # noqa: F401 - every table
    from app.db import make_engine
    from app.tasks.registry import clean_storage as run_clean_up

    engine = make_engine(settings.database_url)
    done = run_clean_up(settings, engine, keep_versions, timedelta(minutes=grace_minutes))
    engine.dispose()
    report = done.report
    print(
        f"Removed {done.pruned_versions} old versions beyond the last {keep_versions} of each material; "
        f"deleted {len(report.deleted)} unreferenced files; kept {report.spared_recent} recent ones "
        f"for now; swept {report.partials_removed} leftovers of interrupted uploads."
    )
    return 0


def serve(settings: Settings, host: str, port: int, reload: bool, with_worker: bool) -> int:
    from contextlib import nullcontext

    import uvicorn

    import app.models  # noqa: F401 - every table, for the worker's tasks
    from app.main import site_routes
    from app.tasks.queue import is_embedded
    from app.tasks.worker import embedded_worker, serve_tasks

    # Settings were validated above; the factory reads them again from the same environment, where
    # HOST and PORT now name the address served: without BASE_URL, links point there.
    os.environ["HOST"] = host
    os.environ["PORT"] = str(port)
    # The embedded queue is worked off here, so that one command runs everything; uvicorn takes Ctrl-C
    # (or SIGTERM), stops serving and returns, and the worker then finishes what it runs and stops.
    # With Redis or PostgreSQL, workers are processes of their own (`python -m app worker`).
    runs_worker = with_worker and is_embedded(settings)
    if runs_worker:
        print(
            f"Working off the embedded task queue here ({settings.queue_workers} threads).", file=sys.stderr
        )
    worker = (
        embedded_worker(serve_tasks(settings, site_routes()), settings.queue_workers)
        if runs_worker
        else nullcontext()
    )
    with worker:
        uvicorn.run(
            "app.main:create_app",
            factory=True,
            host=host,
            port=port,
            reload=reload,
            **server_options(settings),
        )
    return 0


def worker(settings: Settings, workers: int | None) -> int:
    import app.models  # noqa: F401 - every table, and the flush hook that stamps changed programmes
    from app.main import site_routes
    from app.tasks.worker import run_worker

    return run_worker(settings, site_routes(), workers)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app", description="Plenary event management")
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("migrate", help="bring the database schema up to date (alembic upgrade head)")

    admin = commands.add_parser("create-admin", help="create an administrator, or reset their password")
    admin.add_argument("--email", required=True)
    admin.add_argument("--password", required=True)
    admin.add_argument("--name", default="")

    commands.add_parser("load-demo", help="load the demo events (does nothing for events already there)")

    gen = commands.add_parser("generate", help="build a realistic synthetic conference for benchmarks")
    gen.add_argument("--slug", required=True)
    gen.add_argument("--sessions", type=int, default=1000)
    gen.add_argument("--rooms", type=int, default=20)
    gen.add_argument("--days", type=int, default=4)
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument(
        "--start",
        default=None,
        help="make it a hybrid event to try, open for registration, starting on YYYY-MM-DD, at "
        "YYYY-MM-DDTHH:MM on its own clocks, or now (a session running then, more after it)",
    )

    clean = commands.add_parser(
        "clean-storage",
        help="delete stored files nothing references and old versions beyond the limit "
        "(the worker runs it daily by itself)",
    )
    clean.add_argument("--keep-versions", type=int, default=None, help="default: MATERIAL_VERSIONS_KEPT")
    clean.add_argument("--grace-minutes", type=int, default=60, help="spare files stored this recently")

    run = commands.add_parser("serve", help="serve the application with uvicorn")
    run.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    run.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    run.add_argument("--reload", action="store_true")
    run.add_argument(
        "--no-worker",
        dest="with_worker",
        action="store_false",
        help="do not work off the embedded queue in this process (run `python -m app worker` instead)",
    )

    work = commands.add_parser(
        "worker", help="run the queued tasks (imports, booklets, the daily clean-up) until stopped"
    )
    work.add_argument(
        "--workers", type=int, default=None, help="tasks at once (threads); default: QUEUE_WORKERS"
    )

    args = parser.parse_args(argv)
    settings = _settings()
    if args.command == "migrate":
        migrate(settings)
        return 0
    if args.command == "create-admin":
        return create_admin(settings, args.email, args.password, args.name)
    if args.command == "load-demo":
        return load_demo(settings)
    if args.command == "generate":
        if min(args.sessions, args.rooms, args.days) < 1:
            print("error: --sessions, --rooms and --days must be at least 1", file=sys.stderr)
            return 2
        return generate(settings, args.slug, args.sessions, args.rooms, args.days, args.seed, args.start)
    if args.command == "clean-storage":
        keep = settings.material_versions_kept if args.keep_versions is None else args.keep_versions
        if keep < 1 or args.grace_minutes < 1:
            print("error: --keep-versions and --grace-minutes must be at least 1", file=sys.stderr)
            return 2
        return clean_storage(settings, keep, args.grace_minutes)
    if args.command == "worker":
        if args.workers is not None and args.workers < 1:
            print("error: --workers must be at least 1", file=sys.stderr)
            return 2
        return worker(settings, args.workers)
    return serve(settings, args.host, args.port, args.reload, args.with_worker)


if __name__ == "__main__":
    sys.exit(main())
