"""The running site as services need it: settings, secret key, mailer, and its pages' absolute addresses.

Made once by `create_app` (app.main) and handed to routes as the typed `CurrentSite` dependency
(app.web); the CLI and background work build the same from the same app. Addresses come from the route
names through the app's router, never from paths written by hand, so a moved route moves every link
sent by email, printed on a ticket or put in a feed.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlencode

from app.mail import Mailer
from app.settings import Settings


class Router(Protocol):
    """What of the app's router is needed here (FastAPI's and Starlette's apps and routers have it)."""

    def url_path_for(self, name: str, /, **path_params: Any) -> Any: ...


@dataclass(frozen=True)
class SiteUrls:
    base_url: str
    router: Router

    def path(self, route: str, query: Mapping[str, str] | None = None, **path_params: Any) -> str:
        """The path of the route named `route` (its function's name), with an optional query string."""
        path = str(self.router.url_path_for(route, **{k: str(v) for k, v in path_params.items()}))
        return f"{path}?{urlencode(query)}" if query else path

    def url(self, route: str, query: Mapping[str, str] | None = None, **path_params: Any) -> str:
        """The absolute address, for emails, QR codes and feeds: the configured base URL, never the
        request's (links must not change with the proxy in front)."""
        return self.base_url.rstrip("/") + self.path(route, query, **path_params)


@dataclass(frozen=True)
class Site:
    settings: Settings
    secret_key: str
    mailer: Mailer
    urls: SiteUrls
    # The attendee's own calendar file that registration emails attach: built by the exports, which
    # stand above registration, so the app hands it over (None where no app is serving).
    attendee_calendar: Callable[..., bytes] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class PathTemplates:
    """A `Router` for a process that has no app (a worker): the paths of a few routes with `{param}` holes,
    taken from the app's router by the request that queued the work, and passed along with it."""

    paths: Mapping[str, str]

    @classmethod
    def of(cls, router: Router, routes: Mapping[str, tuple[str, ...]]) -> "PathTemplates":
        return cls(
            {
                name: str(router.url_path_for(name, **{param: f"{{{param}}}" for param in params}))
                for name, params in routes.items()
            }
        )

    def url_path_for(self, name: str, /, **path_params: Any) -> str:
        path = self.paths[name]
        for key, value in path_params.items():
            path = path.replace(f"{{{key}}}", str(value))
        return path
