"""Limits on what a request may send: the body size of every route, and the fields of a form.

The body limit is checked as the body streams in, not after it has been read: a declared Content-Length over
the limit is refused before any byte is read, and a body sent without one (chunked) is cut off as soon as it
passes the limit. Forms are small (`max_form_bytes`); only the upload routes accept `max_upload_bytes`.
"""

import re
from collections.abc import Callable, Iterable

from fastapi import HTTPException, Request
from fastapi.responses import Response
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.i18n import _

# A form of this app has a few dozen fields at most (a registration form with its questions); a list of
# thousands is a request built to cost memory and time.
MAX_FORM_FIELDS = 300
# Only the speaker's photo is sent through an ordinary form; other files stream through
# app/materials/uploads.py.
MAX_FORM_FILES = 1
MAX_FORM_PART_BYTES = 256 * 1024
# Room for the other fields and the multipart framing on top of an uploaded file: more than the upload
# readers allow themselves (app/materials/uploads.py), so that their refusal, which names the file's limit,
# speaks first; this limit is the backstop for the routes that parse the form whole (the speaker's photo).
UPLOAD_OVERHEAD_BYTES = 128 * 1024


class RequestTooLarge(HTTPException):
    """The request body (or one of its form fields) is larger than this route accepts."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=too_large_message(limit))
        self.limit = limit


def too_large_message(limit: int) -> str:
    return _("The request is too large: this address accepts at most {size}.").format(size=_size(limit))


def _size(limit: int) -> str:
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):.0f} MiB"
    return f"{max(1, limit // 1024)} KiB"


async def read_form(request: Request) -> FormData:
    """The submitted form, parsed once per request with this app's limits on fields, files and their size."""
    try:
        return await request.form(
            max_files=MAX_FORM_FILES, max_fields=MAX_FORM_FIELDS, max_part_size=MAX_FORM_PART_BYTES
        )
    except RequestTooLarge:
        raise
    except (StarletteHTTPException, MultiPartException) as error:
        reason = str(getattr(error, "detail", None) or getattr(error, "message", ""))
        if reason.startswith(("Too many", "Field exceeded", "Part exceeded")):
            raise HTTPException(
                status_code=413,
                detail=_(
                    "The form sent too many fields or too much text in one field (at most {fields} fields "
                    "of {size} each)."
                ).format(fields=MAX_FORM_FIELDS, size=_size(MAX_FORM_PART_BYTES)),
            ) from error
        raise HTTPException(
            status_code=400, detail=_("The form could not be read; send it again.")
        ) from error


Refusal = Callable[[Request, RequestTooLarge], Response]


class BodySizeLimit:
    """Refuses request bodies over the route's limit with 413, reading at most the limit (plus one chunk).

    `upload_paths` are the path patterns (Starlette's `route.path_regex`) of the routes that receive files;
    every other route accepts `max_body_bytes`. `refuse` builds the answer (JSON or the error page).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        max_upload_bytes: int,
        upload_paths: Iterable[re.Pattern[str]] = (),
        refuse: Refusal | None = None,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes
        self.upload_paths = list(upload_paths)
        self.refuse = refuse

    def limit_for(self, path: str) -> int:
        if any(pattern.match(path) for pattern in self.upload_paths):
            return self.max_upload_bytes
        return self.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await self._refuse(scope, receive, send, RequestTooLarge(limit))
            return

        received = 0
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise RequestTooLarge(limit)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, watched_send)
        except RequestTooLarge as refusal:
            # Raised where no handler of the app caught it (a route reading the body outside FastAPI's
            # exception handling); once the answer has started there is nothing left to say.
            if response_started:
                return
            await self._refuse(scope, receive, send, refusal)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, refusal: RequestTooLarge) -> None:
        request = Request(scope, receive)
        if self.refuse is not None:
            response = self.refuse(request, refusal)
        else:
            response = Response(str(refusal.detail), status_code=413, media_type="text/plain")
        # The unread body stays on the connection; closing it spares the server from draining it.
        response.headers["Connection"] = "close"
        await response(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers") or ():
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None
