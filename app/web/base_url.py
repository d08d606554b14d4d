"""The public address the links point at (BASE_URL), and a warning when requests arrive on another one.

Emails, the check-in QR code, calendar feeds, speaker photos and the schedule files carry absolute links
built from BASE_URL. When a request arrives for another host or port, those links probably do not open
for the people who receive them: the log says so once, naming both addresses.
"""

import logging
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

logger = logging.getLogger("plenary")

_DEFAULT_PORTS = {"http": 80, "https": 443}
_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


def _host_and_port(netloc: str, scheme: str) -> tuple[str, int | None]:
    parts = urlsplit(f"//{netloc}")
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    if host in _LOOPBACK:
        host = "loopback"
    return host, port or _DEFAULT_PORTS.get(scheme)


def same_address(base_url: str, request_host: str, request_scheme: str) -> bool:
    """Whether a request for `request_host` (the Host header) reaches the site at `base_url`.

    localhost, 127.0.0.1 and ::1 count as the same machine; a missing port is the scheme's default.
    """
    base = urlsplit(base_url)
    return _host_and_port(base.netloc, base.scheme) == _host_and_port(request_host, request_scheme)


def describe_base_url(base_url: str, *, derived: bool) -> str:
    """The start-up log line naming the address links point at."""
    if derived:
        return (
            f"BASE_URL is not set: links in emails, feeds and exports use {base_url}, the address this "
            "server listens on. Set BASE_URL to the public address (https://…) in production."
        )
    return f"Links in emails, feeds and exports use BASE_URL {base_url}."


class BaseUrlCheck:
    """Logs one warning when a request arrives on a host or port other than BASE_URL's."""

    def __init__(self, app: ASGIApp, *, base_url: str) -> None:
        self.app = app
        self.base_url = base_url.rstrip("/")
        self.warned = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.warned and scope["type"] == "http":
            headers = dict(scope.get("headers") or [])
            host = headers.get(b"host", b"").decode("latin-1")
            if host and not same_address(self.base_url, host, scope.get("scheme", "http")):
                self.warned = True
                logger.warning(
                    "A request arrived for %s://%s, but links in emails, feeds and exports point at "
                    "BASE_URL %s; set BASE_URL to the address people use (this warning is shown once).",
                    scope.get("scheme", "http"),
                    host,
                    self.base_url,
                )
        await self.app(scope, receive, send)
