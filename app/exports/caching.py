"""Conditional, cached and compressed answers for exports.

The ETag is a hash of what the file is made from (the released version of the programme, the
format, the filters, the language and the site address), so it is known before building anything: a
client that sends it back gets a 304 at the cost of two small lookups (the event, its latest release).
Built files (and their gzip copy, compressed once) are kept in `app.state.programme_views` under the
same key, so a warm export is a dictionary lookup. A new release (or, before the first release, any
edit: app/programme/freshness.py) changes the key: no stale file is ever served and nothing needs to
be invalidated.
"""

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime

from fastapi import Request, Response

from app.caching import RenderedViews
from app.i18n import current_locale
from app.web.conditional import (
    CompressedBody,
    accepts_gzip,
    compressed,
    http_date,
    is_not_modified,
    quoted,
    version_tag,
)

PUBLIC_CACHE_CONTROL = "public, max-age=300"
# An organiser previewing a draft: their browser may keep it, shared caches must not.
PRIVATE_CACHE_CONTROL = "private, no-cache"


@dataclass(frozen=True)
class ExportKey:
    # PublishedProgramme.version_key: the released version and the event details shown with it.
    version: Hashable
    last_modified: datetime
    format: str
    # The feed's scope and filters, e.g. (("track", 3), ("kind", "talk")) or (("speaker", 12),).
    filters: tuple[tuple[str, Hashable], ...] = ()


def export_response(
    request: Request,
    key_parts: ExportKey,
    build: Callable[[], bytes],
    media_type: str,
    filename: str,
    *,
    public: bool = True,
    download: bool = False,
) -> Response:
    """The export, a 304 when the client holds this version already, or gzip when the client accepts it.

    `build` runs only when this version is in no cache; an exception from it (a 404) leaves nothing cached.
    """
    # The language names the labels inside the file; the site address is in every link and UID.
    cache_key = (key_parts, current_locale.get(), str(request.app.state.settings.base_url))
    tag = version_tag(cache_key)
    last_modified = key_parts.last_modified
    wants_gzip = accepts_gzip(request.headers.get("accept-encoding", ""))
    headers = {
        "Cache-Control": PUBLIC_CACHE_CONTROL if public else PRIVATE_CACHE_CONTROL,
        "Last-Modified": http_date(last_modified),
        "Vary": "Accept-Encoding, Accept-Language",
    }

    if is_not_modified(request, tag, last_modified):
        # The tag of the encoding this client would get, so its next request matches again.
        headers["ETag"] = quoted(tag, gzipped=wants_gzip)
        return Response(status_code=304, headers=headers)

    views: RenderedViews[CompressedBody] = request.app.state.programme_views
    built = views.get_or_build(cache_key, lambda: compressed(build()))
    # A spreadsheet is saved and opened in another program; feeds and schedules may show in the tab.
    disposition = "attachment" if download else "inline"
    headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    if wants_gzip and built.gzipped is not None:
        headers["ETag"] = quoted(tag, gzipped=True)
        headers["Content-Encoding"] = "gzip"
        return Response(built.gzipped, media_type=media_type, headers=headers)
    headers["ETag"] = quoted(tag, gzipped=False)
    return Response(built.body, media_type=media_type, headers=headers)
