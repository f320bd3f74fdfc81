"""Files for the evidence tests: real files of each accepted kind, files that must be refused, and
a look into a storage folder."""

import io
import struct
import zipfile
import zlib
from pathlib import Path


def stored_files(root: Path) -> dict[str, bytes]:
    """Every file under `root`, by its path relative to it."""
    return {str(path.relative_to(root)): path.read_bytes() for path in root.rglob("*") if path.is_file()}


# --- real files of each accepted kind ------------------------------------------------------------


def png_bytes() -> bytes:
    """A valid 1 by 1 red PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def pdf_bytes() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
        b"trailer << /Root 1 0 R >>\n%%EOF\n"
    )


def zip_bytes(parts: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def docx_bytes() -> bytes:
    """A minimal valid Word document."""
    return zip_bytes(
        {
            "[Content_Types].xml": (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="xml" ContentType="application/xml"/>'
                '<Override PartName="/word/document.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
                "</Types>"
            ),
            "word/document.xml": (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                "<w:body><w:p><w:r><w:t>Shipped the billing page</w:t></w:r></w:p></w:body>"
                "</w:document>"
            ),
        }
    )


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# (file name, bytes, the content type the server must detect)
ACCEPTED_FILES = {
    "png": ("screenshot.png", png_bytes(), "image/png"),
    "pdf": ("review.pdf", pdf_bytes(), "application/pdf"),
    "text": ("notes.txt", "Shipped the billing page — with tests.\n".encode(), "text/plain"),
    "csv": ("hours.csv", b"date,hours\n2026-01-05,7.5\n", "text/csv"),
    "docx": ("summary.docx", docx_bytes(), DOCX),
}

# (file name, bytes): each must be refused whatever its name says.
REFUSED_FILES = {
    "html named png": ("photo.png", b"<html><body><script>alert(1)</script></body></html>\n"),
    "html page": ("page.html", b"<!doctype html><title>x</title><script>alert(1)</script>\n"),
    "svg image": ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>\n'),
    "exe": ("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48),
    "zip that is not office": ("archive.zip", zip_bytes({"readme.txt": "hello", "data/x.json": "{}"})),
    "zip with content types but no office part": (
        "fake.docx",
        zip_bytes({"[Content_Types].xml": "<Types/>", "other/part.xml": "<x/>"}),
    ),
    "broken zip": ("broken.docx", b"PK\x03\x04" + b"\x00garbage" * 20),
    "binary junk": ("data.bin", bytes(range(256)) * 4),
}
# Refused kinds that are valid UTF-8 text: markup a browser or viewer would run.
TEXT_LOOKALIKES = {"html named png", "html page", "svg image"}
REFUSED_TYPE_MESSAGE = (
    "This type of file is not accepted. Allowed: PDF, PNG, JPEG, GIF, WebP, plain text, Markdown, "
    "CSV, Word, Excel and PowerPoint files."
)
