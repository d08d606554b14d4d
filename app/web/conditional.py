"""Conditional GET (RFC 9110): ETags known before anything is built, so a client holding the current
version gets a 304 at the cost of the lookups that named the version.

Clients send the tag back in every form seen in the wild: quoted as browsers do, weak (`W/"…"`), bare
(some feed readers), or in a list; all of them match. The gzip copy of an export has its own tag (a
strong ETag names one representation) and matches too.
"""

import gzip
import hashlib
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from fastapi import Request

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


def is_not_modified(request: Request, tag: str, last_modified: datetime) -> bool:
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        # RFC 9110: when If-None-Match is sent, If-Modified-Since is ignored.
        return _etag_matches(if_none_match, tag)
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
