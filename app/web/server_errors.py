"""The page for an unexpected error, answered inside the other middleware so that it gets the security
headers and the visitor's language like every other page; the error still reaches the server's log."""

import json
from html import escape

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.i18n import _, current_locale


class ServerErrorPage:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def remember_start(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, remember_start)
        except Exception:
            if not started:
                await _send_error_page(scope, send)
            raise  # logged by the server; the visitor already has the page


async def _send_error_page(scope: Scope, send: Send) -> None:
    title = escape(_("Something went wrong"))
    plain_message = _("The page could not be shown; please try again in a moment.")
    message = escape(plain_message)
    wants_json = scope["path"].startswith("/api/") or any(
        name == b"accept" and b"application/json" in value for name, value in scope.get("headers", [])
    )
    if wants_json:
        body = json.dumps({"detail": plain_message}).encode()
        content_type = b"application/json"
    else:
        body = (
            f'<!doctype html><html lang="{escape(current_locale.get())}"><head><meta charset="utf-8">'
            f"<title>{title}</title></head><body><main><h1>{title}</h1><p>{message}</p>"
            '<p><a href="/">Plenary</a></p></main></body></html>'
        ).encode()
        content_type = b"text/html; charset=utf-8"
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 500, "headers": headers})
    await send({"type": "http.response.body", "body": body})
