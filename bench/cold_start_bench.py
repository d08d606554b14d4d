"""A process that starts under load: the same page asked for by everyone at once, first and then again.

    .venv/bin/python bench/cold_start_bench.py [--people 300] [--rounds 3]

On PostgreSQL (the database named by --postgres-url is created for the run and dropped afterwards): one
app process starts, then `--people` clients ask for an event's registration form at the same moment; then
the same again `--rounds` times on the warm process. Prints, per round, how long until the last page
arrived, the server's CPU time (from /proc) and the median wait. The first round is what a restart
during a keynote or a registration opening costs. Only 127.0.0.1 is contacted; stops what it started.
"""

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from bench._harness import process_cpu_seconds  # noqa: E402 - the project is put on the path just above
from bench.registration_bench import (  # noqa: E402
    DEFAULT_POSTGRES_URL,
    migrate,
    postgres_server_answers,
    recreate_database,
)
from tests.concurrency.rush import (  # noqa: E402
    RUSH_SLUG,
    SECRET_KEY,
    exchange,
    prepare_rush_event,
    running_app_servers,
)

REQUEST_SECONDS = 120.0


async def everyone_asks(host: str, port: int, people: int) -> list[float]:
    """The seconds each of `people` waited for the form, all asking at once; a failure raises."""
    request = f"GET /events/{RUSH_SLUG}/register HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()

    async def one() -> float:
        started = time.perf_counter()
        status, _, _ = await exchange(host, port, request, REQUEST_SECONDS)
        if status != 200:
            raise RuntimeError(f"the form answered {status}")
        return time.perf_counter() - started

    return sorted(await asyncio.gather(*(one() for _ in range(people))))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3, help="rounds on the warm process (3)")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL, help="created, then dropped")
    options = parser.parse_args()
    if not postgres_server_answers(options.postgres_url):
        return 1
    recreate_database(options.postgres_url)
    try:
        migrate(options.postgres_url)
        prepare_rush_event(options.postgres_url, in_person_seats=100)
        server_env = {"SECRET_KEY": SECRET_KEY}
        with (
            tempfile.TemporaryDirectory(prefix="plenary-cold-bench-") as directory,
            running_app_servers(options.postgres_url, 1, Path(directory), server_env) as servers,
        ):
            server = servers[0]
            host, port = server.url.removeprefix("http://").split(":")
            print(f"{options.people} people ask for the registration form at once, one app process")
            print(f"{'round':<6} {'all pages s':>11} {'server CPU s':>12} {'p50 ms':>7} {'max ms':>7}")
            for number in range(options.rounds + 1):
                before = process_cpu_seconds(server.process.pid)
                started = time.perf_counter()
                waits = asyncio.run(everyone_asks(host, int(port), options.people))
                seconds = time.perf_counter() - started
                used = process_cpu_seconds(server.process.pid) - before
                label = "first" if number == 0 else f"warm {number}"
                print(
                    f"{label:<6} {seconds:>11.2f} {used:>12.2f} {waits[len(waits) // 2] * 1000:>7.0f} "
                    f"{waits[-1] * 1000:>7.0f}"
                )
    finally:
        recreate_database(options.postgres_url, drop_only=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
