"""The per-process caches: each version is built once, even when many readers ask at the same moment; and
the one conditional answer built on them."""

import gzip
import threading
import time
from datetime import UTC, datetime

import pytest
from fastapi import Request, Response

from app.caching import RenderedViews
from app.web.conditional import CompressedBody, conditional_response, quoted, version_tag


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


def _request(method: str = "GET", **headers: str) -> Request:
    raw = [(name.replace("_", "-").encode(), value.encode()) for name, value in headers.items()]
    return Request({"type": "http", "method": method, "path": "/", "headers": raw, "query_string": b""})


def test_conditional_response_builds_once_per_key_and_gzips_for_those_who_accept_it():
    cache: RenderedViews[str, CompressedBody] = RenderedViews()
    builds: list[int] = []

    def build() -> str:
        builds.append(1)
        return "<p>programme</p>" * 100

    def answer(**headers: str) -> Response:
        return conditional_response(
            _request(**headers), "v1", build, "text/html", cache=cache, cache_control="public, no-cache"
        )

    plain, zipped = answer(accept_encoding="identity"), answer(accept_encoding="gzip, br")
    assert len(builds) == 1
    assert gzip.decompress(zipped.body) == plain.body
    assert (plain.headers["etag"], zipped.headers["etag"]) == (
        quoted(version_tag("v1")),
        quoted(version_tag("v1"), gzipped=True),
    )
    assert zipped.headers["vary"] == "Accept-Encoding" and "last-modified" not in zipped.headers
    assert answer(if_none_match=plain.headers["etag"]).status_code == 304


def test_without_a_date_if_modified_since_alone_never_gives_a_304():
    # Pages whose version moves without a date (a profile edit, a material published) send no Last-Modified.
    request = _request(if_modified_since="Fri, 01 Jan 2100 00:00:00 GMT")
    answer = conditional_response(
        request, "v1", lambda: b"body", "text/plain", cache=None, cache_control="private, no-cache"
    )
    assert (answer.status_code, answer.body) == (200, b"body")
    dated = conditional_response(
        request,
        "v1",
        lambda: b"body",
        "text/plain",
        cache=None,
        cache_control="private, no-cache",
        last_modified=datetime(2026, 1, 1, tzinfo=UTC),
    )
    assert dated.status_code == 304
