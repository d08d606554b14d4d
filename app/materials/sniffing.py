"""What a file is, judged by its content, never by its name.

Only the formats speakers present with are accepted: PDF, PowerPoint (PPTX, and PPT in an OLE2
container), OpenDocument presentations, Keynote, and MP4/QuickTime/WebM/Matroska video. Anything else,
HTML and SVG included, is refused even when its name ends in `.pdf`.
"""

import zipfile
from dataclasses import dataclass
from pathlib import Path

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
# The name of an OLE2 directory entry, UTF-16LE with its terminating NUL; entries are 128-byte records.
_POWERPOINT_STREAM = "PowerPoint Document\0".encode("utf-16-le")
_DIRECTORY_ENTRY = 128
_SCAN_CHUNK = 1024 * 1024
# ISO base media brands of video files; image (HEIF, AVIF) and audio-only brands are not slides.
_MP4_BRANDS = {
    b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ",
    b"M4VH", b"M4VP", b"dash", b"mmp4", b"MSNV", b"f4v ", b"3gp4", b"3gp5", b"3gp6", b"3g2a",
}  # fmt: skip
_QUICKTIME_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}


@dataclass(frozen=True)
class FileType:
    content_type: str
    extension: str  # with its dot, as the file is then named


def sniff_file(path: Path) -> FileType | None:
    """The type of the file at `path` if it is one we accept, else None."""
    with path.open("rb") as stream:
        head = stream.read(64)
    if head.startswith(b"%PDF-"):
        return FileType(PDF, ".pdf")
    if head.startswith(_ZIP_MAGIC):
        return _zip_presentation(path)
    if head.startswith(_OLE2_MAGIC):
        return FileType(PPT, ".ppt") if _has_powerpoint_stream(path) else None
    if head.startswith(_EBML_MAGIC):
        return _matroska(head)
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand == b"qt  ":
            return FileType(MOV, ".mov")
        return FileType(MP4, ".mp4") if brand in _MP4_BRANDS else None
    if len(head) >= 8 and head[4:8] in _QUICKTIME_ATOMS:
        return FileType(MOV, ".mov")
    return None


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


def _matroska(head: bytes) -> FileType | None:
    # The EBML header names the document type (element 0x4282) within its first bytes.
    doc_type_at = head.find(b"\x42\x82")
    if doc_type_at == -1:
        return None
    doc_type = head[doc_type_at + 3 : doc_type_at + 11]
    if doc_type.startswith(b"webm"):
        return FileType(WEBM, ".webm")
    if doc_type.startswith(b"matroska"):
        return FileType(MKV, ".mkv")
    return None
