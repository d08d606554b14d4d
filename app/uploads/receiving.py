"""Receiving an uploaded file: streamed from the request body into storage, never held whole in memory.

The multipart body is fed, chunk by chunk as it arrives, to python-multipart's streaming parser. The file
part goes to a temporary file on disk while its sha256 is computed; reading stops as soon as the file
passes the size limit (413). Then the content is identified (`sniffing`), and stored under its hash.

The temporary file is removed however the upload ends (refused, interrupted, cancelled); only a killed
process leaves it, in the spool folder, where the next upload after an hour or `clean-storage` sweeps
it (`retention.remove_abandoned_uploads`). A full disk is answered with 507 and a clear message.

CSRF: the token must arrive before any file byte is accepted, in the `X-CSRF-Token` header or in a
`csrf_token` field placed before the file part. Once done, the form's fields are handed to Starlette's
form cache, so `require_csrf` and `SubmittedForm`, running after this, see them without re-reading the
(consumed) body. That is why a route must call this in a dependency listed *before* `require_csrf`
(see `app/materials/routes.py`); with the token in the header, calling it in the route body works too.
"""

import hashlib
import logging
import re
import secrets
import tempfile
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, BinaryIO, Protocol

from fastapi import Depends, Request
from python_multipart import MultipartParser
from python_multipart.multipart import parse_options_header
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import ClientDisconnect

from app.db import utcnow
from app.i18n import _
from app.materials.retention import GRACE_PERIOD, SPOOL_PREFIX, remove_abandoned_uploads, spool_dir_of
from app.storage import Storage, StorageFull, StoredUpload, is_disk_full, storage_from_settings
from app.uploads.sniffing import DamagedFile, FileType, sniff_file
from app.web.csrf import CSRF_FIELD, CSRF_HEADER, CSRF_SESSION_KEY

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

logger = logging.getLogger("plenary.uploads")

__all__ = [
    "AppStorage",
    "ReceivedUpload",
    "StoredUpload",
    "UploadRefused",
    "app_storage",
    "receive_upload",
    "sanitise_filename",
]

# Room for the other fields and the multipart framing on top of the file itself.
FORM_OVERHEAD_BYTES = 64 * 1024
MAX_FILENAME_LENGTH = 120
_UNSAFE_IN_NAMES = re.compile(r'[<>:"|?*;\\/\x00-\x1f\x7f]')


class FileSink(Protocol):
    """Where a received file goes: any Storage, or the schedule import's holder of bytes in memory."""

    def put(self, key: str, source: BinaryIO) -> None: ...


class UploadRefused(Exception):
    """The upload was not accepted; `message` is in the user's words, `status_code` the HTTP answer."""

    def __init__(self, message: str, status_code: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code


@dataclass
class ReceivedUpload:
    fields: dict[str, str] = field(default_factory=dict)
    file: StoredUpload | None = None


def app_storage(request: Request) -> Storage:
    """The application's storage; built from its settings on first use when create_app did not set one."""
    storage = getattr(request.app.state, "storage", None)
    if storage is None:
        storage = storage_from_settings(request.app.state.settings)
        request.app.state.storage = storage
    return storage


AppStorage = Annotated[Storage, Depends(app_storage)]


def sanitise_filename(name: str, extension: str) -> str:
    """A file name safe to store and to send back: no folders, control characters or leading dots, a
    bounded length, and the extension of what the content really is."""
    name = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    # Format characters include right-to-left overrides, which disguise "gpj.exe" as "exe.jpg".
    name = "".join(char for char in name if unicodedata.category(char) not in ("Cc", "Cf", "Zl", "Zp"))
    name = _UNSAFE_IN_NAMES.sub("_", name)
    name = " ".join(name.split()).strip(". ")
    stem, dot, old_extension = name.rpartition(".")
    if not (dot and old_extension.isalnum() and len(old_extension) <= 5):
        stem = name  # "v1.2 final" has no extension to replace
    stem = stem.strip(". ")[:MAX_FILENAME_LENGTH].rstrip(". ") or "file"
    return stem + extension


def _human_size(size: int) -> str:
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:.0f} {unit}"
    return f"{size} B"


def _too_large(max_bytes: int) -> UploadRefused:
    return UploadRefused(
        _("The file is too large: the limit is {limit}.").format(limit=_human_size(max_bytes)), 413
    )


def _form_expired() -> UploadRefused:
    return UploadRefused(_("This form has expired; reload the page and try again."), 403)


def _storage_full() -> UploadRefused:
    return UploadRefused(StorageFull().message, 507)


def _interrupted() -> UploadRefused:
    return UploadRefused(_("The upload was interrupted; please send the file again."), 400)


def _not_accepted() -> UploadRefused:
    return UploadRefused(
        _(
            "This file type is not accepted. Upload a PDF, PowerPoint, Keynote or OpenDocument "
            "presentation, or an MP4, MOV, WebM or MKV video."
        ),
        415,
    )


class _StreamingForm:
    """Callbacks of python-multipart's parser: small fields kept, the one file written to `spool`."""

    def __init__(self, max_bytes: int, spool: IO[bytes], header_token_ok: bool, expected: str | None) -> None:
        self.max_bytes = max_bytes
        self.spool = spool
        self.token_ok = header_token_ok
        self.expected = expected
        self.fields: dict[str, str] = {}
        self.field_bytes = 0
        self.digest = hashlib.sha256()
        self.file_size = 0
        self.file_name: str | None = None
        self.finished = False
        self._header_name = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._part_name = ""
        self._part_is_file = False
        self._part_value = bytearray()

    def callbacks(self) -> "MultipartCallbacks":
        return {
            "on_part_begin": self.on_part_begin,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
            "on_end": self.on_end,
        }

    def on_part_begin(self) -> None:
        self._headers = {}
        self._part_value = bytearray()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        self._headers[self._header_name.lower()] = self._header_value
        self._header_name = self._header_value = b""

    def on_headers_finished(self) -> None:
        _disposition, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._part_name = options.get(b"name", b"").decode("utf-8", "replace")
        self._part_is_file = b"filename" in options
        if not self._part_is_file:
            return
        if not self.token_ok:
            raise _form_expired()
        if self.file_name is not None:
            raise UploadRefused(_("Send one file at a time."), 400)
        self.file_name = options[b"filename"].decode("utf-8", "replace")

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._part_is_file:
            self.file_size += end - start
            if self.file_size > self.max_bytes:
                raise _too_large(self.max_bytes)
            chunk = data[start:end]
            self.digest.update(chunk)
            self.spool.write(chunk)
            return
        self.field_bytes += end - start
        if self.field_bytes > FORM_OVERHEAD_BYTES:
            raise UploadRefused(_("The form sent too much text."), 413)
        self._part_value += data[start:end]

    def on_part_end(self) -> None:
        if self._part_is_file:
            return
        try:
            value = self._part_value.decode("utf-8")
        except UnicodeDecodeError as error:
            raise UploadRefused(_("The form was not sent as UTF-8 text."), 400) from error
        if self._part_name == CSRF_FIELD:
            self.token_ok = self.token_ok or _token_matches(self.expected, value)
        self.fields[self._part_name] = value

    def on_end(self) -> None:
        self.finished = True


def _token_matches(expected: str | None, sent: str | None) -> bool:
    return bool(expected and sent and secrets.compare_digest(expected, sent))


async def receive_upload(
    request: Request,
    max_bytes: int,
    storage: FileSink,
    *,
    identify: Callable[[Path], FileType | None] = sniff_file,
) -> ReceivedUpload:
    """Streams a multipart form into storage: at most one file of at most `max_bytes`, of a type
    `identify` accepts (slides and videos by default). Raises UploadRefused with the HTTP status to answer."""
    content_type, options = parse_options_header(request.headers.get("content-type"))
    boundary = options.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise UploadRefused(_("Send the file with the upload form."), 400)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes + FORM_OVERHEAD_BYTES:
        raise _too_large(max_bytes)  # refused before reading a byte of the body

    expected = request.session.get(CSRF_SESSION_KEY)
    spool_dir = spool_dir_of(request.app.state.settings)
    # The application's storage, not `storage`: the schedule import passes one that holds bytes in memory.
    await run_in_threadpool(_sweep_now_and_then, request, spool_dir, app_storage(request), utcnow())
    try:
        spool_dir.mkdir(parents=True, exist_ok=True)
        # The context removes the file however this ends: refusal, disconnect, cancellation, full disk.
        with tempfile.NamedTemporaryFile(dir=spool_dir, prefix=SPOOL_PREFIX) as spool:
            form = _StreamingForm(
                max_bytes, spool, _token_matches(expected, request.headers.get(CSRF_HEADER)), expected
            )
            parser = MultipartParser(boundary, form.callbacks())
            try:
                async for chunk in request.stream():
                    parser.write(chunk)
            except ClientDisconnect as error:
                raise _interrupted() from error
            parser.finalize()
            if not form.finished:
                raise _interrupted()
            if not form.token_ok:
                raise _form_expired()
            spool.flush()
            stored = None
            if form.file_name is not None and (form.file_size or form.file_name):
                stored = await run_in_threadpool(
                    _identify_and_store, form, Path(spool.name), storage, identify
                )
    except OSError as error:
        if is_disk_full(error):
            raise _storage_full() from error
        raise

    fields = {name: value for name, value in form.fields.items() if name != CSRF_FIELD}
    # Starlette's own cache of the parsed form: require_csrf and SubmittedForm read the fields from it.
    request._form = FormData(list(form.fields.items()))  # noqa: SLF001
    return ReceivedUpload(fields=fields, file=stored)


def _identify_and_store(
    form: _StreamingForm, path: Path, storage: FileSink, identify: Callable[[Path], FileType | None]
) -> StoredUpload:
    if form.file_size == 0:
        raise UploadRefused(_("The file is empty."), 422)
    try:
        file_type = identify(path)
    except DamagedFile as error:
        if error.needs_password:
            raise UploadRefused(
                _("This PDF opens only with a password; export it without one and upload the new file."),
                422,
            ) from error
        raise UploadRefused(
            _(
                "This PDF does not open: it may be damaged or incomplete. "
                "Export it again and upload the new file."
            ),
            422,
        ) from error
    if file_type is None:
        raise _not_accepted()
    key = form.digest.hexdigest()
    try:
        with path.open("rb") as source:
            storage.put(key, source)
    except StorageFull as error:
        raise _storage_full() from error
    return StoredUpload(
        key=key,
        size=form.file_size,
        filename=sanitise_filename(form.file_name or "", file_type.extension),
        content_type=file_type.content_type,
    )


def _sweep_now_and_then(request: Request, spool_dir: Path, storage: Storage, now: datetime) -> None:
    # At most once per grace period in each process: the files it looks for take that long to count
    # as abandoned anyway, and the sweep then also runs soon after a restart that killed uploads.
    last: datetime | None = getattr(request.app.state, "uploads_swept_at", None)
    if last is not None and now - last < GRACE_PERIOD:
        return
    request.app.state.uploads_swept_at = now
    try:
        remove_abandoned_uploads(spool_dir, storage, now)
    except Exception:
        # A failed sweep must not refuse the upload; clean-storage sweeps again.
        logger.exception("Could not sweep abandoned uploads")
