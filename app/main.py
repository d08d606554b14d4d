"""The application factory: uvicorn runs ``app.main:create_app --factory``."""

import asyncio
import functools
import logging
import re
import sys
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.routing import APIRouter, iter_route_contexts
from fastapi.staticfiles import StaticFiles
from fastapi.telemetry import TelemetryConfig
from pydantic import ValidationError
from starlette.datastructures import URLPath
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

import app.models  # noqa: F401 - every table, and the flush hook that stamps changed programmes
from app.accounts import admin_routes as account_admin_routes
from app.accounts import routes as account_routes
from app.accounts.access import LoginRequired
from app.accounts.throttle import LoginThrottle
from app.audience import manage_routes as audience_manage_routes
from app.audience import routes as audience_routes
from app.audience.questions import LIVE_CHANNELS
from app.audience.rate_limit import AudienceLimits
from app.audience.routes import StreamFastPath, VoteFastPath
from app.db import database_answers, make_engine
from app.errors import DomainError
from app.events import account_routes as account_page_routes
from app.events import api as event_api
from app.events import routes as event_routes
from app.events.models import ATTENDANCE_LABELS, EVENT_KIND_LABELS, ORGANISER_ROLE_LABELS, VISIBILITY_LABELS
from app.exports import routes as export_routes
from app.feedback import manage_routes as feedback_manage_routes
from app.feedback import routes as feedback_routes
from app.i18n import _, current_locale
from app.imports import routes as import_routes
from app.live import api as live_api
from app.live import join_routes as live_join_routes
from app.live import manage_routes as live_manage_routes
from app.live import routes as live_routes
from app.live import stage_routes as live_stage_routes
from app.live.join_routes import JoinFastPath
from app.mail import mailer_from_settings
from app.materials import manage_routes as material_manage_routes
from app.materials import routes as material_routes
from app.materials.models import MATERIAL_KIND_LABELS
from app.messaging import manage_routes as messaging_manage_routes
from app.outbox import routes as outbox_routes
from app.portal import routes as speaker_portal_routes
from app.programme import api as programme_api
from app.programme import builder_routes, release_routes
from app.programme import routes as programme_routes
from app.programme.models import ROLE_LABELS, SESSION_KIND_LABELS
from app.pubsub import LiveHub, broker_for
from app.registration import manage_routes as registration_manage_routes
from app.registration import routes as registration_routes
from app.settings import Settings, describe_settings_error, get_settings
from app.site import Site, SiteUrls
from app.speakers import routes as speaker_routes
from app.storage import storage_from_settings
from app.tasks.worker import serve_tasks
from app.web import HTMX_CDN_URL, STATIC_DIR, api_docs_routes, render, templates
from app.web.base_url import BaseUrlCheck, describe_base_url
from app.web.caches import Caches
from app.web.fast_paths import SESSION_COOKIE, SESSION_MAX_AGE_SECONDS, request_language
from app.web.id_bounds import refuse_out_of_range_ids
from app.web.request_limits import UPLOAD_OVERHEAD_BYTES, BodySizeLimit, RequestTooLarge
from app.web.security_headers import SecurityHeaders, content_security_policy
from app.web.server_errors import ServerErrorPage

logger = logging.getLogger("plenary")

NO_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False, "operation_spans": False}
# The routes that receive files; they accept MAX_UPLOAD_BYTES, every other route MAX_FORM_BYTES.
UPLOAD_ROUTES = frozenset(
    {
        "material_upload",
        "speaker_portal_slides_upload",
        "speaker_portal_profile_save",  # the speaker's photo
        "import_new_upload",
        "import_upload",
    }
)


class LocaleMiddleware:
    """Sets the language of the request from Accept-Language (or the `lang` cookie) for `_()`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = current_locale.set(request_language(scope))
        try:
            await self.app(scope, receive, send)
        finally:
            current_locale.reset(token)


def _register_template_labels() -> None:
    # Labels of every domain's choices, for any template; registered here because app.web sits
    # below the domains and must not import them.
    templates.env.globals.update(
        event_kind_labels=EVENT_KIND_LABELS,
        attendance_labels=ATTENDANCE_LABELS,
        visibility_labels=VISIBILITY_LABELS,
        session_kind_labels=SESSION_KIND_LABELS,
        role_labels=ROLE_LABELS,
        organiser_role_labels=ORGANISER_ROLE_LABELS,
        material_kind_labels=MATERIAL_KIND_LABELS,
    )


def include_routes(app: FastAPI) -> None:
    """Every page and API route, in the order they must match."""
    for module in (
        # First: routes are tried in order (each one a regular expression), and a keynote's start sends
        # thousands of joins a minute, and its audience hundreds of votes a second (no path of theirs
        # matches another route's: tests/test_routes_order.py).
        live_join_routes,
        audience_routes,
        account_routes,
        account_admin_routes,
        account_page_routes,
        event_routes,
        builder_routes,
        speaker_routes,
        # Before the programme pages, whose /sessions/{id} would otherwise catch /sessions/{id}.ics.
        export_routes,
        import_routes,
        programme_routes,
        feedback_routes,
        feedback_manage_routes,
        release_routes,
        registration_routes,
        registration_manage_routes,
        audience_manage_routes,
        live_manage_routes,
        material_routes,
        material_manage_routes,
        outbox_routes,
        messaging_manage_routes,
        speaker_portal_routes,
        live_routes,
    ):
        # HTML pages stay out of /docs, which documents the JSON API.
        app.include_router(module.router, include_in_schema=False)
    app.include_router(live_stage_routes.stage_router, include_in_schema=False)
    app.include_router(live_stage_routes.manage_router, include_in_schema=False)
    for module in (event_api, programme_api, live_api):
        app.include_router(module.router)
    app.include_router(api_docs_routes.router)


def site_routes() -> FastAPI:
    """The site's routes alone, without a database or middleware: a worker names pages with them."""
    routes = FastAPI()
    include_routes(routes)
    return routes


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or run_checked_settings()
    app = FastAPI(
        title="Plenary",
        summary=_("Read-only API of public events and their programmes."),
        version="0.1.0",
        docs_url=None,
        redoc_url=None,
        # Before any route loads a record: an id too large for the database is a 404, never a 500.
        dependencies=[Depends(refuse_out_of_range_ids)],
        telemetry=None if settings.telemetry else NO_TELEMETRY,
    )
    _register_template_labels()
    app.state.settings = settings
    app.state.secret_key = settings.resolved_secret_key()
    app.state.engine = make_engine(settings.database_url)
    app.state.caches = Caches.new()
    app.state.mailer = mailer_from_settings(settings)
    app.state.site = Site(
        settings=settings,
        secret_key=app.state.secret_key,
        mailer=app.state.mailer,
        urls=SiteUrls(str(settings.base_url), app),
        # Registration emails attach the attendee's calendar, which the exports build (registration
        # cannot import them: they stand above it).
        attendee_calendar=export_routes.attendee_calendars(app),
    )
    app.state.storage = storage_from_settings(settings)
    app.state.login_throttle = LoginThrottle(settings.redis_url)
    # Live question pages: every process hears every change through the database's or Redis's pub/sub.
    app.state.live = LiveHub(broker_for(settings.database_url, settings.redis_url), LIVE_CHANNELS)
    app.state.audience_limits = AudienceLimits.new(
        settings.redis_url, settings.audience_questions_per_minute, settings.audience_votes_per_minute
    )
    # Work done off the request (imports, booklets) is queued here and run by a worker.
    app.state.tasks = serve_tasks(settings, app, app.state.engine)
    logger.info(describe_base_url(str(settings.base_url), derived=settings.base_url_derived))

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    include_routes(app)
    remember_route_paths(app.router)

    @app.get("/healthz", include_in_schema=False)
    async def healthz(request: Request) -> Response:
        # A thread of its own, not one of the requests' pool: a process that a thousand reconnecting pages
        # keep busy is still up, and says so instead of answering after all of them. The app is read
        # from the request, not from this closure: FastAPI keeps its endpoints in a cache of its own
        # (4 096 of them), and each would keep its app alive (a test run grew to gigabytes).
        if await asyncio.to_thread(database_answers, request.app.state.engine):
            return PlainTextResponse("ok")
        return PlainTextResponse("database unavailable", status_code=503)

    # After the routers, whose upload routes it needs. Innermost, so that its 413 page is rendered
    # with the session and the language like any other page.
    app.add_middleware(
        BodySizeLimit,
        max_body_bytes=settings.max_form_bytes,
        max_upload_bytes=settings.max_upload_bytes + UPLOAD_OVERHEAD_BYTES,
        upload_paths=_upload_paths(app),
        refuse=_too_large,
    )
    app.add_middleware(
        SessionMiddleware,
        secret_key=app.state.secret_key,
        session_cookie=SESSION_COOKIE,
        same_site="lax",
        https_only=settings.secure_cookies,
        max_age=SESSION_MAX_AGE_SECONDS,
    )
    app.add_middleware(ServerErrorPage)
    app.add_middleware(LocaleMiddleware)
    app.add_middleware(BaseUrlCheck, base_url=str(settings.base_url))
    app.add_middleware(VoteFastPath, routes=app, secret_key=app.state.secret_key)
    app.add_middleware(StreamFastPath, routes=app)
    app.add_middleware(JoinFastPath, routes=app)
    app.add_middleware(
        SecurityHeaders,
        content_security_policy=content_security_policy(
            HTMX_CDN_URL if settings.htmx_source == "cdn" else None
        ),
        https=settings.secure_cookies or settings.base_url.scheme == "https",
    )
    _install_error_handlers(app)
    return app


def remember_route_paths(router: APIRouter, size: int = 4096) -> None:
    """Keeps the paths built from route names (`url_for`, the links of emails and feeds). The router
    tries each of its hundreds of routes in turn, raising an exception for each that is not the one,
    for every link of every page; the routes never change once the app is made."""
    build = router.url_path_for

    @functools.lru_cache(maxsize=size)
    def remembered(name: str, parameters: tuple[tuple[str, Any], ...]) -> URLPath:
        return build(name, **dict(parameters))

    def url_path_for(name: str, /, **path_params: Any) -> URLPath:
        try:
            return remembered(name, tuple(sorted(path_params.items())))
        except TypeError:  # a parameter that cannot be a key: built as before
            return build(name, **path_params)

    setattr(router, "url_path_for", url_path_for)  # noqa: B010 - an instance's method, replaced


def _upload_paths(app: FastAPI) -> list[re.Pattern[str]]:
    paths = {route.name: route.path_regex for route in iter_route_contexts(app.routes)}
    missing = UPLOAD_ROUTES - paths.keys()
    if missing:  # a renamed upload route would silently fall back to the small form limit
        raise RuntimeError(f"upload routes not found: {', '.join(sorted(missing))}")
    return [paths[name] for name in sorted(UPLOAD_ROUTES)]


def _too_large(request: Request, refusal: RequestTooLarge) -> Response:
    if _wants_json(request):
        return JSONResponse({"detail": refusal.detail}, status_code=413)
    return _error_page(request, 413, str(refusal.detail))


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    def login_required(request: Request, exc: LoginRequired) -> Response:
        url = str(request.url_for("login_page").include_query_params(next=exc.next_url))
        if request.headers.get("HX-Request") == "true":
            return Response(status_code=204, headers={"HX-Redirect": url})
        return RedirectResponse(url, status_code=303)

    @app.exception_handler(DomainError)
    def domain_error(request: Request, exc: DomainError) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": exc.message}, status_code=exc.status_code)
        return _error_page(request, exc.status_code, exc.message)

    @app.exception_handler(HTTPException)
    def http_error(request: Request, exc: HTTPException) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        return _error_page(request, exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    def validation_error(request: Request, exc: RequestValidationError) -> Response:
        if _wants_json(request):
            details = [{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()]
            return JSONResponse({"detail": details}, status_code=422)
        return _error_page(request, 422, _("Some of the values sent are not valid."))

    @app.exception_handler(404)
    def not_found(request: Request, exc: Exception) -> Response:
        detail = getattr(exc, "detail", None) or _("This page does not exist.")
        if _wants_json(request):
            return JSONResponse({"detail": detail}, status_code=404)
        return _error_page(request, 404, str(detail))


def _error_page(request: Request, status_code: int, message: str) -> HTMLResponse:
    titles = {
        403: _("Not allowed"),
        404: _("Not found"),
        409: _("Not possible"),
        413: _("Too large"),
        422: _("Invalid input"),
    }
    context = {"status_code": status_code, "title": titles.get(status_code, _("Error")), "message": message}
    return render(request, "error.html", context, blocks=["content"], status_code=status_code)


def run_checked_settings() -> Settings:
    """Settings for the CLI and the server; a bad value stops start-up with one clear line per setting."""
    try:
        return get_settings()
    except ValidationError as error:
        print(describe_settings_error(error), file=sys.stderr)
        raise SystemExit(2) from error
