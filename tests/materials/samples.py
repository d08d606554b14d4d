"""Small files of each kind the sniffer knows, built in memory, plus a few disguised ones."""

import io
import zipfile

PDF_BYTES = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
HTML_BYTES = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG_BYTES = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            # A fixed date, so the same entries always give the same bytes (and the same hash).
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), content)
    return buffer.getvalue()


def pptx_bytes() -> bytes:
    return zip_bytes({"[Content_Types].xml": b"<Types/>", "ppt/presentation.xml": b"<p:presentation/>"})


def docx_bytes() -> bytes:
    return zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})


def odp_bytes() -> bytes:
    return zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.presentation", "content.xml": b"<x/>"})


def odt_bytes() -> bytes:
    return zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"})


def keynote_bytes() -> bytes:
    return zip_bytes({"Index/Document.iwa": b"\x00" * 16, "Metadata/Properties.plist": b"<plist/>"})


def ole2_bytes(stream_name: str) -> bytes:
    """An OLE2 compound file whose first directory sector holds the root entry and one stream."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * (512 - 8)

    def entry(name: str) -> bytes:
        encoded = (name + "\0").encode("utf-16-le")
        return encoded.ljust(64, b"\x00") + len(encoded).to_bytes(2, "little") + b"\x00" * 62

    return header + entry("Root Entry") + entry(stream_name) + b"\x00" * 256


def mp4_bytes(brand: bytes = b"isom") -> bytes:
    return b"\x00\x00\x00\x18ftyp" + brand + b"\x00\x00\x02\x00" + b"isomiso2" + b"\x00" * 64


def ebml_bytes(doc_type: bytes) -> bytes:
    doc_type_element = b"\x42\x82" + bytes([0x80 | len(doc_type)]) + doc_type
    body = b"\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08" + doc_type_element
    return b"\x1a\x45\xdf\xa3" + bytes([0x80 | len(body)]) + body + b"\x00" * 32
