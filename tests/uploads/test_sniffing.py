from pathlib import Path

import pytest

from app.uploads.sniffing import FileType, sniff_file
from tests.materials import samples

ACCEPTED = [
    ("pdf", samples.PDF_BYTES, FileType("application/pdf", ".pdf")),
    (
        "pptx",
        samples.pptx_bytes(),
        FileType("application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pptx"),
    ),
    ("odp", samples.odp_bytes(), FileType("application/vnd.oasis.opendocument.presentation", ".odp")),
    ("key", samples.keynote_bytes(), FileType("application/vnd.apple.keynote", ".key")),
    ("ppt", samples.ole2_bytes("PowerPoint Document"), FileType("application/vnd.ms-powerpoint", ".ppt")),
    ("mp4", samples.mp4_bytes(b"isom"), FileType("video/mp4", ".mp4")),
    ("mov", samples.mp4_bytes(b"qt  "), FileType("video/quicktime", ".mov")),
    ("webm", samples.ebml_bytes(b"webm"), FileType("video/webm", ".webm")),
    ("mkv", samples.ebml_bytes(b"matroska"), FileType("video/x-matroska", ".mkv")),
]

REFUSED = [
    ("html", samples.HTML_BYTES),
    ("svg", samples.SVG_BYTES),
    ("docx in a zip", samples.docx_bytes()),
    ("odt in a zip", samples.odt_bytes()),
    ("word in ole2", samples.ole2_bytes("WordDocument")),
    ("heif image brand", samples.mp4_bytes(b"heic")),
    ("broken zip", b"PK\x03\x04" + b"\x00" * 100),
    ("html before a pdf header", b"<html>" + samples.PDF_BYTES),
    ("empty", b""),
    ("plain text", b"just some notes\n"),
]


def _write(tmp_path: Path, content: bytes, name: str = "upload.bin") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(("content", "expected"), [c[1:] for c in ACCEPTED], ids=[c[0] for c in ACCEPTED])
def test_sniff_file_recognises_presentations_and_videos(
    tmp_path: Path, content: bytes, expected: FileType
) -> None:
    path = _write(tmp_path, content)

    assert sniff_file(path) == expected


@pytest.mark.parametrize("content", [c[1] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_sniff_file_refuses_other_content(tmp_path: Path, content: bytes) -> None:
    path = _write(tmp_path, content)

    assert sniff_file(path) is None


def test_sniff_file_ignores_the_name(tmp_path: Path) -> None:
    path = _write(tmp_path, samples.HTML_BYTES, name="slides.pdf")

    assert sniff_file(path) is None


def test_sniff_file_finds_the_powerpoint_stream_far_into_a_big_file(tmp_path: Path) -> None:
    # The directory is often at the end of the file, after megabytes of slide data.
    padding = b"\x00" * (3 * 1024 * 1024 + 512)
    content = (
        samples.ole2_bytes("WordDocument")[:512] + padding + samples.ole2_bytes("PowerPoint Document")[512:]
    )
    path = _write(tmp_path, content)

    assert sniff_file(path) == FileType("application/vnd.ms-powerpoint", ".ppt")
