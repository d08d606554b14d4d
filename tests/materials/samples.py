"""Small files of each kind the sniffer knows, built in memory, plus a few disguised ones."""

import io
import zipfile

HTML_BYTES = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG_BYTES = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def pdf_bytes(pages: int = 1, comment: bytes = b"") -> bytes:
    """A PDF that opens, with `pages` empty pages: objects, cross-reference table and trailer."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    kids = b" ".join(b"%d 0 R" % (3 + page) for page in range(pages))
    objects.append(b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages)
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"] * pages
    out = bytearray(b"%PDF-1.7\n" + comment)
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref_at)
    return bytes(out)


PDF_BYTES = pdf_bytes()


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
    ftyp = b"\x00\x00\x00\x18ftyp" + brand + b"\x00\x00\x02\x00" + b"isomiso2"
    return ftyp + iso_box(b"free", b"") + iso_box(b"mdat", b"\x00" * 64)


def iso_box(box_type: bytes, payload: bytes) -> bytes:
    return (8 + len(payload)).to_bytes(4, "big") + box_type + payload


def ebml_bytes(doc_type: bytes) -> bytes:
    doc_type_element = b"\x42\x82" + bytes([0x80 | len(doc_type)]) + doc_type
    body = b"\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08" + doc_type_element
    segment = b"\x18\x53\x80\x67" + b"\x01\xff\xff\xff\xff\xff\xff\xff"  # a Segment of unknown size
    return b"\x1a\x45\xdf\xa3" + bytes([0x80 | len(body)]) + body + segment + b"\x00" * 32
