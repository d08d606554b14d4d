"""Templates, rendering of full pages and htmx fragments, redirects, and request dependencies."""

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, MutableMapping, Sequence
from contextvars import ContextVar
from datetime import date
from typing import Annotated, Any, TypeVar
from urllib.parse import urlsplit

import nh3
from babel.dates import format_date
from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, Template, select_autoescape
from jinja2_fragments import render_block
from jinja2_fragments.fastapi import Jinja2Blocks
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import Markup
from starlette.datastructures import FormData

from app.db import POOL_CONNECTIONS, DbSession
from app.i18n import current_locale, ngettext, translations_for
from app.settings import PROJECT_DIR
from app.site import Site
from app.timezones import format_local_datetime, format_local_day, format_local_time, format_zone_abbreviation
from app.web.csrf import csrf_token
from app.web.request_limits import read_form

ResponseValue = TypeVar("ResponseValue")

TEMPLATES_DIR = PROJECT_DIR / "templates"
STATIC_DIR = PROJECT_DIR / "static"
HTMX_VERSION = "4.0.1"
HTMX_SRI = "sha384-Qp9rdC8H7EqOoX+nR0P3RPG2Noji+qdwJlGpfzwQJsfOpp3sGwIdSP9xO3+UlEhn"
HTMX_CDN_URL = f"https://cdn.jsdelivr.net/npm/htmx.org@{HTMX_VERSION}/dist/htmx.min.js"

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def _is_same_site(url: str) -> bool:
    # A path on our own site; "//host/x" and "/\\host/x" are other hosts to a browser.
    parts = urlsplit(url.strip())
    return not (parts.scheme or parts.netloc or url.strip().startswith(("//", "\\", "/\\", "\\/")))


def _inside_link(tokens: Sequence[Token], idx: int) -> bool:
    depth = 0
    for token in reversed(tokens[:idx]):
        if token.type == "link_close":
            depth += 1
        elif token.type == "link_open":
            if depth == 0:
                return True
            depth -= 1
    return False


def _image_or_link(
    renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    # An image from another site tells that site who reads the page and when (a tracking pixel), so
    # only our own images are shown; another site's becomes a link its reader may choose to follow.
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    if _is_same_site(src):
        return renderer.image(tokens, idx, options, env)
    alt = escapeHtml(renderer.renderInlineAsText(token.children or [], options, env) or src)
    if _inside_link(tokens, idx) or urlsplit(src).scheme not in ("http", "https"):
        return alt
    return f'<a href="{escapeHtml(src)}">{alt}</a>'


_markdown.add_render_rule("image", _image_or_link)


def _same_site_images_only(element: str, attribute: str, value: str) -> str | None:
    return None if element == "img" and attribute == "src" and not _is_same_site(value) else value


def markdown_to_html(text: str | None) -> Markup:
    """Organisers' and speakers' Markdown, with raw HTML off and the output sanitised once more; images
    from other sites are shown as links, so that reading a bio tells no third party."""
    if not text:
        return Markup("")
    html = nh3.clean(_markdown.render(text), attribute_filter=_same_site_images_only)
    return Markup(html)  # noqa: S704 - sanitised by nh3 just above


def format_day(value: date, pattern: str = "EEEE d MMMM y") -> str:
    return format_date(value, pattern, locale=current_locale.get())


# Imported macro files do not see the render context, so the CSRF token is a global that reads the
# request being rendered from here.
_rendering_request: ContextVar[Request] = ContextVar("_rendering_request")


def _csrf_token_of_rendering_request() -> str:
    return csrf_token(_rendering_request.get())


def _template_globals(request: Request) -> dict[str, Any]:
    return {
        "current_user": getattr(request.state, "user", None),
        # Set by the event loaders (app/events/access.py): what the user may open in this event.
        "event_role": getattr(request.state, "event_role", None),
        "locale": current_locale.get(),
        "htmx_version": HTMX_VERSION,
        "htmx_sri": HTMX_SRI,
        "htmx_cdn_url": HTMX_CDN_URL,
        "htmx_from_cdn": _htmx_from_cdn(request),
    }


def _htmx_from_cdn(request: Request) -> bool:
    settings = getattr(request.app.state, "settings", None)
    return getattr(settings, "htmx_source", "cdn") == "cdn"


class CompiledOnce(Environment):
    """A template environment that compiles each template once, however many threads ask for it at once.

    Jinja's cache has no lock: a process starting under load (a restart during a keynote, a registration
    opening) was asked for the same page by every worker thread at the same moment, and each of them
    compiled it, base template and macros included. 300 first form pages cost 2.4–2.9 s more CPU than
    the next 300 (bench/README.md, "Templates compiled once"); now the threads wait for the first one."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        # Reentrant: nothing in Jinja loads a template while loading another today; if it ever does,
        # it must not wait for itself.
        self._loading = threading.RLock()
        self._loaded: set[str] = set()

    def get_template(
        self,
        name: str | Template,
        parent: str | None = None,
        globals: MutableMapping[str, Any] | None = None,  # noqa: A002 - Jinja's own parameter name
    ) -> Template:
        # Once a template is loaded, its later renders skip the lock: one for every page cost 8 %.
        if not isinstance(name, str) or name in self._loaded:
            return super().get_template(name, parent, globals)
        with self._loading:
            template = super().get_template(name, parent, globals)
            self._loaded.add(name)
            return template


templates = Jinja2Blocks(
    env=CompiledOnce(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=select_autoescape()),
    context_processors=[_template_globals],
)
templates.env.add_extension("jinja2.ext.i18n")
templates.env.install_gettext_callables(  # type: ignore[attr-defined]  # added by jinja2.ext.i18n
    gettext=lambda message: translations_for(current_locale.get()).gettext(message),
    ngettext=ngettext,
    newstyle=True,
)
templates.env.globals.update(
    csrf_token=_csrf_token_of_rendering_request,
)
templates.env.filters.update(
    markdown=markdown_to_html,
    local_time=format_local_time,
    local_datetime=format_local_datetime,
    local_day=format_local_day,
    day=format_day,
    zone_abbreviation=format_zone_abbreviation,
)


def wants_fragment(request: Request) -> bool:
    # Back/forward restores need the whole page, not the block.
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    *,
    blocks: Sequence[str] = (),
    status_code: int = 200,
) -> HTMLResponse:
    partial = list(blocks) if wants_fragment(request) else []
    token = _rendering_request.set(request)
    try:
        response = templates.TemplateResponse(
            request, name, context, status_code=status_code, block_names=partial
        )
    finally:
        _rendering_request.reset(token)
    response.headers.add_vary_header("HX-Request")  # caches must not serve a fragment as a page
    # jinja2-fragments declares Response; what it builds is Starlette's _TemplateResponse, an HTMLResponse.
    return response  # type: ignore[return-value]


def render_block_html(request: Request, name: str, block: str, context: dict[str, Any]) -> Markup:
    """One block of a page as HTML, to keep and reuse (see app/caching.py)."""
    full_context = {"request": request, **context, **_template_globals(request)}
    token = _rendering_request.set(request)
    try:
        return Markup(render_block(templates.env, name, block, full_context))  # noqa: S704 - autoescaped template
    finally:
        _rendering_request.reset(token)


def redirect_after_post(request: Request, url: str) -> Response:
    """303 for a plain form; for htmx, a client-side redirect that htmx follows."""
    if request.headers.get("HX-Request") == "true":
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


async def get_db(request: Request) -> AsyncIterator[DbSession]:
    """A database handle for one request, once one of the pool's connections is free for it.

    Routes run in worker threads and keep their connection until the response is sent. Without this
    wait, a burst of more requests than the pool has connections parks every worker thread on the pool
    while the requests holding connections wait for a thread: nothing moves until the pool times out.
    Waiting here happens on the event loop, which holds no thread.
    """
    async with db_slots(request):
        db = DbSession(request.app.state.engine, expire_on_commit=False)
        try:
            yield db
        finally:
            await run_in_threadpool(db.close)


async def run_with_db(request: Request, work: Callable[[DbSession], ResponseValue]) -> ResponseValue:
    """Runs `work` with its own database handle in one worker thread, once a pool slot is free.

    For hot read-only routes whose work is smaller than the cost of a thread hop per dependency.
    """

    def in_thread() -> ResponseValue:
        with DbSession(request.app.state.engine, expire_on_commit=False) as db:
            return work(db)

    async with db_slots(request):
        return await run_in_threadpool(in_thread)


def db_slots(request: Request) -> asyncio.Semaphore:
    slots: asyncio.Semaphore | None = getattr(request.app.state, "db_slots", None)
    if slots is None:
        # Made on the serving loop (a semaphore belongs to the loop that first waits on it).
        slots = request.app.state.db_slots = asyncio.Semaphore(POOL_CONNECTIONS)
    return slots


Db = Annotated[DbSession, Depends(get_db)]


def current_site(request: Request) -> Site:
    """The running site (settings, secret key, mailer, addresses), made once by create_app."""
    site: Site = request.app.state.site
    return site


async def _current_site(request: Request) -> Site:
    # Async: a sync dependency costs every request a hop to a worker thread and back.
    return current_site(request)


CurrentSite = Annotated[Site, Depends(_current_site)]


async def submitted_form(request: Request) -> FormData:
    return await read_form(request)


SubmittedForm = Annotated[FormData, Depends(submitted_form)]


def not_found(detail: str) -> HTTPException:
    return HTTPException(status_code=404, detail=detail)


def forbidden(detail: str) -> HTTPException:
    return HTTPException(status_code=403, detail=detail)
