"""Conditional, cached and compressed answers for exports.

The ETag is a hash of what the file is made from (the released version of the programme, the
format, the filters, the language and the site address), so it is known before building anything: a
client that sends it back gets a 304 at the cost of two small lookups (the event, its latest release).
Built files (and their gzip copy, compressed once) are kept in the application's export cache
(`Caches.exports`, or `Caches.booklets` for the PDF) under the same key, so a warm export is a
dictionary lookup. A new release (or, before the first release, any edit: app/programme/freshness.py)
changes the key: no stale file is ever served and nothing needs to be invalidated.
"""

from collections.abc import Callable

from fastapi import Request, Response

from app.caching import RenderedViews
from app.i18n import current_locale
from app.web.caches import ExportKey, RenderedExportKey
from app.web.conditional import CompressedBody, conditional_response

__all__ = ["ExportKey", "export_response"]

PUBLIC_CACHE_CONTROL = "public, max-age=300"
# An organiser previewing a draft: their browser may keep it, shared caches must not.
PRIVATE_CACHE_CONTROL = "private, no-cache"


def export_response(
    request: Request,
    key_parts: ExportKey,
    build: Callable[[], bytes],
    media_type: str,
    filename: str,
    *,
    cache: RenderedViews[RenderedExportKey, CompressedBody],
    public: bool = True,
    download: bool = False,
) -> Response:
    """The export, a 304 when the client holds this version already, or gzip when the client accepts it.

    `build` runs only when this version is in no cache; an exception from it (a 404) leaves nothing cached.
    """
    key = RenderedExportKey(key_parts, current_locale.get(), str(request.app.state.settings.base_url))
    # A spreadsheet is saved and opened in another program; feeds and schedules may show in the tab.
    disposition = "attachment" if download else "inline"
    return conditional_response(
        request,
        key,
        build,
        media_type,
        cache=cache,
        cache_control=PUBLIC_CACHE_CONTROL if public else PRIVATE_CACHE_CONTROL,
        last_modified=key_parts.last_modified,
        vary="Accept-Language",
        headers={"Content-Disposition": f'{disposition}; filename="{filename}"'},
    )
