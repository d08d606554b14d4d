"""What a file is, judged by its content, never by its name.

Only the formats speakers present with are accepted: PDF, PowerPoint (PPTX, and PPT in an OLE2
container), OpenDocument presentations, Keynote, and MP4/QuickTime/WebM/Matroska video. Anything else,
HTML and SVG included, is refused even when its name ends in `.pdf`.

Each kind needs its real structure, not only a magic number: a video its container (ISO boxes whose sizes
fit the file, or an EBML header followed by a Matroska segment), a PDF a document that opens with at least
one page. And whatever the kind, a file with HTML or SVG markup near its start is refused: such a polyglot
is what a browser that sniffs would run as a page.
"""

import logging
import re
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

PDF = "application/pdf"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
PPT = "application/vnd.ms-powerpoint"
ODP = "application/vnd.oasis.opendocument.presentation"
KEY = "application/vnd.apple.keynote"
MP4 = "video/mp4"
MOV = "video/quicktime"
WEBM = "video/webm"
MKV = "video/x-matroska"

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_EBML_MAGIC = b"\x1a\x45\xdf\xa3"
_EBML_DOC_TYPE = 0x4282
_MATROSKA_SEGMENT = b"\x18\x53\x80\x67"
# The name of an OLE2 directory entry, UTF-16LE with its terminating NUL; entries are 128-byte records.
_POWERPOINT_STREAM = "PowerPoint Document\0".encode("utf-16-le")
_DIRECTORY_ENTRY = 128
_SCAN_CHUNK = 1024 * 1024
# How much of the start of a file is read to identify it and to look for markup in it.
HEAD_BYTES = 8 * 1024
# Markup a browser would render or run; none of it belongs near the start of a presentation or video.
_MARKUP = re.compile(
    rb"<(?:!doctype|html|head|body|script|iframe|svg|object|embed|frameset|meta\s+http-equiv)[\s>/]",
    re.IGNORECASE,
)
# ISO base media brands of video files; image (HEIF, AVIF) and audio-only brands are not slides.
_MP4_BRANDS = {
    b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ",
    b"M4VH", b"M4VP", b"dash", b"mmp4", b"MSNV", b"f4v ", b"3gp4", b"3gp5", b"3gp6", b"3g2a",
}  # fmt: skip
# Atoms a QuickTime file from before `ftyp` existed may start with.
_QUICKTIME_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}
_BOX_TYPE = re.compile(rb"[A-Za-z0-9 \xa9]{4}")  # \xa9: the © of QuickTime user data
_MAX_BOXES = 64


class DamagedFile(ValueError):
    """The file has the signature of a kind we accept but does not open as one (a PDF header before junk),
    or opens only with a password nobody reading the programme has."""

    def __init__(self, name: str, *, needs_password: bool = False) -> None:
        super().__init__(name)
        self.needs_password = needs_password


@dataclass(frozen=True)
class FileType:
    content_type: str
    extension: str  # with its dot, as the file is then named


def looks_like_markup(head: bytes) -> bool:
    """Whether the bytes hold HTML or SVG a browser could run."""
    return _MARKUP.search(head) is not None


def sniff_file(path: Path) -> FileType | None:
    """The type of the file at `path` if it is one we accept, else None; DamagedFile for a PDF that
    does not open."""
    with path.open("rb") as stream:
        head = stream.read(HEAD_BYTES)
        size = stream.seek(0, 2)
        if looks_like_markup(head):
            return None
        if head.startswith(b"%PDF-"):
            if pdf_page_count(path) == 0:
                raise DamagedFile(path.name, needs_password=_needs_password(path))
            return FileType(PDF, ".pdf")
        if head.startswith(_ZIP_MAGIC):
            return _zip_presentation(path)
        if head.startswith(_OLE2_MAGIC):
            return FileType(PPT, ".ppt") if _has_powerpoint_stream(path) else None
        if head.startswith(_EBML_MAGIC):
            return _matroska(head)
        return _iso_media(stream, size)


def pdf_page_count(path: Path) -> int:
    """How many pages the PDF has when it opens; 0 when it does not (damaged, or a header before junk)."""
    from pypdf import PdfReader  # only uploads of PDFs pay for importing pypdf

    # pypdf logs every repair it attempts; a refusal is what the user sees.
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            return 0  # opens only with a password, so nobody could read it from the programme
        return len(reader.pages)
    except Exception:  # noqa: BLE001 - any failure to read it means the PDF does not open
        return 0
    finally:
        logger.setLevel(level)


def _needs_password(path: Path) -> bool:
    from pypdf import PdfReader

    try:
        reader = PdfReader(path, strict=False)
        return reader.is_encrypted and not reader.decrypt("")
    except Exception:  # noqa: BLE001 - a PDF that does not even open is damaged, not locked
        return False


def _zip_presentation(path: Path) -> FileType | None:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" in names and "ppt/presentation.xml" in names:
                return FileType(PPTX, ".pptx")
            if "mimetype" in names:
                with archive.open("mimetype") as entry:
                    declared = entry.read(100).strip()
                if declared == ODP.encode():
                    return FileType(ODP, ".odp")
                return None
            if names & {"Index/Document.iwa", "Index.zip", "index.apxl", "index.apxl.gz"}:
                return FileType(KEY, ".key")
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        return None
    return None


def _has_powerpoint_stream(path: Path) -> bool:
    # Directory entries start on 128-byte boundaries (sectors are 512 or 4096 bytes after a 512-byte
    # header), so the stream name must sit on such a boundary, with its length (40 bytes) at offset 64.
    offset = 0
    carry = b""
    with path.open("rb") as stream:
        while chunk := stream.read(_SCAN_CHUNK):
            window = carry + chunk
            base = offset - len(carry)
            found = window.find(_POWERPOINT_STREAM)
            while found != -1:
                at = base + found
                entry = window[found : found + 66]
                if at % _DIRECTORY_ENTRY == 0 and len(entry) == 66 and entry[64:66] == b"\x28\x00":
                    return True
                found = window.find(_POWERPOINT_STREAM, found + 1)
            offset += len(chunk)
            carry = window[-_DIRECTORY_ENTRY:]
    return False


def _ebml_vint(data: bytes, at: int, *, keep_marker: bool) -> tuple[int, int] | None:
    """An EBML variable-length integer at `at`: (value, length), or None if it is not one."""
    if at >= len(data) or data[at] == 0:
        return None
    length = 8 - data[at].bit_length() + 1
    if at + length > len(data):
        return None
    value = int.from_bytes(data[at : at + length], "big")
    if not keep_marker:
        value &= (1 << (7 * length)) - 1
    return value, length


def _matroska(head: bytes) -> FileType | None:
    # The EBML header is an element whose children name the document type (element 0x4282); a Segment
    # element must follow it. Text that merely starts with the four magic bytes has neither.
    header_size = _ebml_vint(head, 4, keep_marker=False)
    if header_size is None:
        return None
    size, size_length = header_size
    at = 4 + size_length
    end = at + size
    if end + len(_MATROSKA_SEGMENT) > len(head):
        return None
    doc_type = None
    while at < end:
        element = _ebml_vint(head, at, keep_marker=True)
        if element is None:
            return None
        element_id, id_length = element
        length = _ebml_vint(head, at + id_length, keep_marker=False)
        if length is None:
            return None
        value_size, length_length = length
        value_at = at + id_length + length_length
        if value_at + value_size > end:
            return None
        if element_id == _EBML_DOC_TYPE:
            doc_type = head[value_at : value_at + value_size].rstrip(b"\x00")
        at = value_at + value_size
    if head[end : end + len(_MATROSKA_SEGMENT)] != _MATROSKA_SEGMENT:
        return None
    if doc_type == b"webm":
        return FileType(WEBM, ".webm")
    if doc_type == b"matroska":
        return FileType(MKV, ".mkv")
    return None


def _iso_boxes(stream: BinaryIO, size: int) -> list[tuple[bytes, int, int]] | None:
    """The top-level boxes (type, offset, size) of an ISO base media file, or None when a box header
    is not one: a size smaller than its header or past the end of the file, or a type that is not a name."""
    boxes: list[tuple[bytes, int, int]] = []
    offset = 0
    while offset < size and len(boxes) < _MAX_BOXES:
        stream.seek(offset)
        header = stream.read(16)
        if len(header) < 8:
            return None
        box_size, box_type = struct.unpack(">I4s", header[:8])
        header_size = 8
        if box_size == 1:  # a 64-bit size follows the type
            if len(header) < 16:
                return None
            box_size = struct.unpack(">Q", header[8:16])[0]
            header_size = 16
        elif box_size == 0:  # the box runs to the end of the file
            box_size = size - offset
        if box_size < header_size or offset + box_size > size or not _BOX_TYPE.fullmatch(box_type):
            return None
        boxes.append((box_type, offset, box_size))
        offset += box_size
    return boxes


def _iso_media(stream: BinaryIO, size: int) -> FileType | None:
    # MP4 and QuickTime: a chain of boxes whose sizes add up, with the movie's data (`moov` or `mdat`).
    boxes = _iso_boxes(stream, size)
    if not boxes or not {b"moov", b"mdat"} & {box_type for box_type, _offset, _size in boxes}:
        return None
    first_type, _offset, first_size = boxes[0]
    if first_type == b"ftyp":
        if first_size < 16:
            return None
        stream.seek(8)
        brand = stream.read(4)
        if brand == b"qt  ":
            return FileType(MOV, ".mov")
        return FileType(MP4, ".mp4") if brand in _MP4_BRANDS else None
    if first_type in _QUICKTIME_ATOMS:
        return FileType(MOV, ".mov")
    return None
