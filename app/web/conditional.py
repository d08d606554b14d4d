"""Conditional GET (RFC 9110): ETags known before anything is built, so a client holding the current
version gets a 304 at the cost of the lookups that named the version. `conditional_response` is the one
way the exports and the public programme pages answer: 304, or the body built once per version (and
its gzip copy, compressed once), with the same headers everywhere.

Clients send the tag back in every form seen in the wild: quoted as browsers do, weak (`W/"…"`), bare
(some feed readers), or in a list; all of them match. The gzip copy of an export has its own tag (a
strong ETag names one representation) and matches too.
"""

import gzip
import hashlib
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import TypeVar

from fastapi import Request, Response

from app.accounts.models import User
from app.caching import RenderedViews
from app.web.csrf import csrf_token

GZIP_SUFFIX = "-gzip"


def version_tag(key: Hashable) -> str:
    """A short, stable name for everything a response is made from."""
    return hashlib.sha256(repr(key).encode()).hexdigest()[:32]


def quoted(tag: str, *, gzipped: bool = False) -> str:
    return f'"{tag}{GZIP_SUFFIX}"' if gzipped else f'"{tag}"'


def http_date(moment: datetime) -> str:
    return format_datetime(last_modified_second(moment), usegmt=True)


def last_modified_second(moment: datetime) -> datetime:
    # HTTP dates have whole seconds: compare at that precision, or a client's copy never matches.
    return moment.astimezone(UTC).replace(microsecond=0)


def is_not_modified(request: Request, tag: str, last_modified: datetime | None) -> bool:
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        # RFC 9110: when If-None-Match is sent, If-Modified-Since is ignored.
        return _etag_matches(if_none_match, tag)
    if last_modified is None:
        return False
    if_modified_since = request.headers.get("if-modified-since")
    if if_modified_since:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return last_modified_second(last_modified) <= since
    return False


def _etag_matches(header: str, tag: str) -> bool:
    for candidate in header.split(","):
        value = candidate.strip()
        if value == "*":
            return True
        if value[:2] in ("W/", "w/"):
            value = value[2:]
        value = value.strip().strip('"').removesuffix(GZIP_SUFFIX)
        if value == tag:
            return True
    return False


# Below this size gzip saves less than its own header costs.
GZIP_MIN_BYTES = 512


@dataclass(frozen=True)
class CompressedBody:
    body: bytes
    gzipped: bytes | None


def compressed(body: bytes) -> CompressedBody:
    if len(body) < GZIP_MIN_BYTES:
        return CompressedBody(body=body, gzipped=None)
    # mtime=0: the same file always compresses to the same bytes.
    return CompressedBody(body=body, gzipped=gzip.compress(body, compresslevel=6, mtime=0))


def accepts_gzip(accept_encoding: str) -> bool:
    for coding in accept_encoding.split(","):
        name, _separator, params = coding.strip().partition(";")
        if name.strip().lower() in ("gzip", "x-gzip", "*"):
            quality = params.strip().removeprefix("q=").strip() if params.strip().startswith("q=") else "1"
            try:
                return float(quality) > 0
            except ValueError:
                return True
    return False


Key = TypeVar("Key", bound=Hashable)


def conditional_response(
    request: Request,
    key: Key,
    build: Callable[[], bytes | str],
    media_type: str,
    *,
    cache: RenderedViews[Key, CompressedBody] | None,
    cache_control: str,
    last_modified: datetime | None = None,
    vary: str = "",
    headers: Mapping[str, str] | None = None,
) -> Response:
    """304 when the client holds the version `key` names, else the body, gzipped when the client accepts it.

    `key` names everything the body is made from; its hash is the ETag, known before anything is built.
    With a `cache`, `build` runs once per key in this process (an exception from it, a 404, leaves nothing
    cached) and the gzip copy is made once with it; without one (a page made for one visitor), the body is
    built for each request and sent as it is. `last_modified` only where the version has a date that
    moves with every change of the body: without it, If-Modified-Since alone never gives a 304. `vary`
    names the request headers the body depends on besides Accept-Encoding. A HEAD request gets the
    headers of the GET, Content-Length included, and no body.
    """
    tag = version_tag(key)
    wants_gzip = cache is not None and accepts_gzip(request.headers.get("accept-encoding", ""))
    answer = {
        "Cache-Control": cache_control,
        "Vary": ", ".join(part for part in ("Accept-Encoding", vary) if part),
    }
    if last_modified is not None:
        answer["Last-Modified"] = http_date(last_modified)
    if is_not_modified(request, tag, last_modified):
        # The tag of the encoding this client would get, so its next request matches again.
        return Response(status_code=304, headers={**answer, "ETag": quoted(tag, gzipped=wants_gzip)})
    answer.update(headers or {})
    if cache is None:
        built = CompressedBody(body=_as_bytes(build()), gzipped=None)
    else:
        built = cache.get_or_build(key, lambda: compressed(_as_bytes(build())))
    body = built.body
    if wants_gzip and built.gzipped is not None:
        body = built.gzipped
        answer["Content-Encoding"] = "gzip"
    answer["ETag"] = quoted(tag, gzipped="Content-Encoding" in answer)
    if request.method == "HEAD":
        return Response(media_type=media_type, headers={**answer, "Content-Length": str(len(body))})
    return Response(body, media_type=media_type, headers=answer)


def _as_bytes(body: bytes | str) -> bytes:
    return body.encode() if isinstance(body, str) else body


PageKey = TypeVar("PageKey", bound=Hashable)


def public_page_response(
    request: Request,
    key: PageKey,
    page: Callable[[], bytes],
    user: User | None,
    cache: RenderedViews[PageKey, CompressedBody],
    *,
    last_modified: datetime | None = None,
) -> Response:
    """A public page, answered with 304 while the version `key` names is the one the visitor holds.

    Nothing on these pages posts for a visitor who is not logged in, so they carry no CSRF token and are
    the same for every anonymous visitor: rendered and compressed once per version, then reused. A
    logged-in visitor's page has their menu and CSRF token: built for them, still answered with 304.
    """
    if user is None:
        # Browsers and shared caches may keep it, but must ask again: a new release changes it at once.
        return conditional_response(
            request,
            key,
            page,
            HTML,
            cache=cache,
            cache_control="public, no-cache",
            last_modified=last_modified,
            vary=PAGE_VARY,
        )
    personal = (key, user.id, csrf_token(request))
    return conditional_response(
        request,
        personal,
        page,
        HTML,
        cache=None,
        cache_control="private, no-cache",
        last_modified=last_modified,
        vary=PAGE_VARY,
    )


HTML = "text/html; charset=utf-8"
PAGE_VARY = "HX-Request, Cookie, Accept-Language"
