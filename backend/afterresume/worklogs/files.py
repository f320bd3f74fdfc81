"""What an uploaded evidence file really is, from its bytes (docs/decisions.md, "Files").

Hand-written on purpose: the allow-list is eleven formats, each recognised by an exact signature
(or, for Office files, by the parts inside the ZIP), and anything else is refused. General
detectors guess among thousands of types and still need the ZIP and text checks below."""

import codecs
import zipfile

SIGNATURES = [
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
]
OFFICE_PARTS = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
TEXT_TYPES = {
    "": "text/plain",
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".csv": "text/csv",
}
# A name must not contradict the content: a PDF called page.html would open as a web page.
SUFFIXES = {
    "application/pdf": {".pdf"},
    "image/png": {".png"},
    "image/jpeg": {".jpg", ".jpeg"},
    "image/gif": {".gif"},
    "image/webp": {".webp"},
    OFFICE_PARTS["word/"]: {".docx"},
    OFFICE_PARTS["xl/"]: {".xlsx"},
    OFFICE_PARTS["ppt/"]: {".pptx"},
}
# Text that a browser or viewer would run as a document, whatever its name.
MARKUP_STARTS = (b"<!doctype", b"<html", b"<svg", b"<?xml", b"<script", b"<head", b"<body")


def detect_evidence_type(upload, *, name: str = "") -> str | None:
    """The content type to store, or None when the file is not an allowed kind (by content) or
    its name says it is something else."""
    suffix = name[name.rfind(".") :].lower() if "." in name else ""
    content_type = _content_type(upload)
    if content_type is None:
        return None
    if content_type == "text/plain":
        return TEXT_TYPES.get(suffix)
    return content_type if suffix in SUFFIXES[content_type] or suffix == "" else None


def _content_type(upload) -> str | None:
    upload.seek(0)
    head = upload.read(4096)
    upload.seek(0)
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"PK\x03\x04"):
        return _office_type(upload)
    if head.lstrip().lower().startswith(MARKUP_STARTS):
        return None
    if head and _is_text(upload):
        return "text/plain"
    return None


def _office_type(upload) -> str | None:
    try:
        with zipfile.ZipFile(upload) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return None
    finally:
        upload.seek(0)
    if "[Content_Types].xml" not in names:
        return None
    for prefix, content_type in OFFICE_PARTS.items():
        if any(part.startswith(prefix) for part in names):
            return content_type
    return None


def _is_text(upload) -> bool:
    """UTF-8 text without NUL bytes or other control characters than tab and line breaks."""
    upload.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()  # characters may straddle chunks
    try:
        for chunk in upload.chunks():
            text = decoder.decode(chunk)
            if any(ord(char) < 32 and char not in "\t\n\r\f" for char in text):
                return False
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        upload.seek(0)
    return True
