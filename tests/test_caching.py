"""The per-process view cache: each version is built once, even when many readers ask at the same moment."""

import threading
import time

import pytest

from app.caching import RenderedViews


def test_readers_asking_during_a_build_wait_for_it_instead_of_building_again():
    views: RenderedViews[str, str] = RenderedViews()
    started, release = threading.Event(), threading.Event()
    builds: list[int] = []

    def slow_build() -> str:
        builds.append(1)
        started.set()
        release.wait(5)
        return "booklet"

    answers: list[str] = []
    first = threading.Thread(target=lambda: answers.append(views.get_or_build("pdf", slow_build)))
    first.start()
    started.wait(5)
    others = [
        threading.Thread(target=lambda: answers.append(views.get_or_build("pdf", slow_build)))
        for _ in range(3)
    ]
    for thread in others:
        thread.start()
    # Give the other readers time to arrive while the first build is still running.
    time.sleep(0.2)
    release.set()
    for thread in [first, *others]:
        thread.join(5)

    assert (answers, len(builds), views.get_or_build("pdf", slow_build)) == (["booklet"] * 4, 1, "booklet")


def test_a_failed_build_reaches_its_waiters_and_leaves_nothing_cached():
    views: RenderedViews[str, str] = RenderedViews()
    started, release = threading.Event(), threading.Event()

    def failing_build() -> str:
        started.set()
        release.wait(5)
        raise LookupError("no such speaker")

    errors: list[str] = []

    def ask() -> None:
        try:
            views.get_or_build("feed", failing_build)
        except LookupError as error:
            errors.append(str(error))

    first = threading.Thread(target=ask)
    first.start()
    started.wait(5)
    second = threading.Thread(target=ask)
    second.start()
    release.set()
    first.join(5)
    second.join(5)

    assert errors == ["no such speaker", "no such speaker"]
    with pytest.raises(KeyError):
        views.get_or_build("feed", lambda: (_ for _ in ()).throw(KeyError("built again")))
