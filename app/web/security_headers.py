"""Headers every response carries: a Content-Security-Policy without inline scripts, no framing, no sniffing.

Scripts come only from this site and the pinned htmx file on the CDN (whose SRI hash base.html checks); there
is no inline script, no event-handler attribute, no `style` attribute and no `hx-on` (which would need eval),
so the policy allows none of them. htmx's own indicator rules are in plenary.css (`includeIndicatorCSS` off).
"""

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.access_log import carries_secret


def content_security_policy(htmx_cdn_url: str | None) -> str:
    """The policy; `htmx_cdn_url` None when htmx is served from this site only (HTMX_SOURCE=local)."""
    script_src = f"script-src 'self' {htmx_cdn_url}" if htmx_cdn_url else "script-src 'self'"
    return "; ".join(
        (
            "default-src 'self'",
            script_src,
            "style-src 'self'",
            # Organisers' Markdown may show pictures from elsewhere.
            "img-src 'self' data: https:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


class SecurityHeaders:
    """Adds the security headers to every HTTP response, keeping any a route set itself (a download's
    sandbox policy, a personal page's Referrer-Policy). HSTS only when the site is served over HTTPS."""

    def __init__(self, app: ASGIApp, *, content_security_policy: str, https: bool) -> None:
        self.app = app
        self.headers = {
            "Content-Security-Policy": content_security_policy,
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "DENY",
            "Referrer-Policy": "strict-origin-when-cross-origin",
            "Cross-Origin-Opener-Policy": "same-origin",
        }
        if https:
            self.headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # A personal link must not travel to other sites (or this one's logs) in the Referer header.
        private = carries_secret(scope["path"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    if name not in headers:
                        headers[name] = value
                if private:
                    headers["Referrer-Policy"] = "no-referrer"
            await send(message)

        await self.app(scope, receive, send_with_headers)
