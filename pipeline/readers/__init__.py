"""Readers: one per publication format, all producing the same Document model.

`read_document` looks at the file's bytes, not only its extension: a PDF saved as .html is read as a PDF, and the
mismatch is noted in the document's warnings.
"""
from __future__ import annotations

import hashlib
import os
import re
import zipfile
import io

from ..document import Document, ReadError
from .docx import read_docx
from .html import read_html
from .image import read_image
from .pdf import PdfOptions, read_pdf
from .text import read_text

MAX_BYTES = 200 * 1024 * 1024
MAX_TEXT_BYTES = 64 * 1024 * 1024  # HTML and text: a report page is a few MB even with a website's markup around it
_EXT = {".pdf": "pdf", ".html": "html", ".htm": "html", ".shtml": "html", ".xhtml": "html", ".docx": "docx",
        ".txt": "txt", ".text": "txt", ".md": "txt", ".png": "image", ".jpg": "image", ".jpeg": "image",
        ".tif": "image", ".tiff": "image", ".bmp": "image", ".gif": "image", ".webp": "image"}
SUPPORTED_EXTENSIONS = tuple(_EXT)
_HTML_SNIFF = re.compile(rb"<\s*(!doctype\s+html|html|head|body|meta|div|p|table|title)[\s>/]", re.I)


def sniff_format(data: bytes) -> str | None:
    head = data[:4096]
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"%PDF") or b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                names = set(z.namelist())
        except zipfile.BadZipFile:
            return "zip"
        return "docx" if "word/document.xml" in names else "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "ole"  # legacy .doc/.xls
    if head[:8] == b"\x89PNG\r\n\x1a\n" or head[:3] == b"\xff\xd8\xff" or head[:4] in (b"GIF8", b"II*\x00",
                                                                                     b"MM\x00*") \
            or (head[:2] == b"BM" and head[6:10] == b"\x00" * 4) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        return "image"
    if _HTML_SNIFF.search(head.lower().replace(b"\x00", b"")):
        return "html"
    return "txt"


def read_document(path: str, pdf_options: PdfOptions | None = None) -> Document:
    try:
        size = os.path.getsize(path)
    except OSError as e:
        raise ReadError(f"cannot read file: {e.strerror}")
    if size == 0:
        raise ReadError("empty file (0 bytes)")
    if size > MAX_BYTES:
        raise ReadError(f"file too large: {size // (1024 * 1024)} MB exceeds {MAX_BYTES // (1024 * 1024)} MB")
    with open(path, "rb") as f:
        data = f.read()
    return read_bytes(path, data, pdf_options)


READ_CACHE_ENV = "GOVREPORT_READ_CACHE"


def _reader_version() -> str:
    """A hash of the code that turns a file into a Document (the readers, the document model, heading wording)."""
    from pathlib import Path

    root = Path(__file__).parent
    h = hashlib.sha256()
    for f in sorted(root.glob("*.py")) + [root.parent / "document.py", root.parent / "headings.py"]:
        h.update(f.read_bytes())
    return h.hexdigest()[:12]


def read_cached(path, cache_dir: str | None = None, pdf_options: PdfOptions | None = None) -> Document:
    """A document read once and kept: the training stages read the same labelled files again and again (a scanned
    one costs seconds of OCR each time). The cache is keyed by the file's bytes, this reader code and the reading
    options, so a kept Document is exactly what reading would give; `cache_dir` (default: $GOVREPORT_READ_CACHE,
    else no cache) holds one JSON per document."""
    import json
    from pathlib import Path

    cache_dir = cache_dir or os.environ.get(READ_CACHE_ENV)
    if not cache_dir:
        return read_document(str(path), pdf_options)
    with open(path, "rb") as f:
        data = f.read()
    import dataclasses

    options = json.dumps(dataclasses.asdict(pdf_options or PdfOptions()), sort_keys=True)
    key = hashlib.sha256(data + _reader_version().encode() + options.encode()).hexdigest()[:24]
    target = Path(cache_dir) / f"{key}.doc.json"
    if target.exists():
        try:
            doc = Document.from_dict(json.loads(target.read_text(encoding="utf-8")))
            doc.path = str(path)
            return doc
        except (OSError, ValueError, KeyError):
            pass
    doc = read_bytes(str(path), data, pdf_options)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(json.dumps(doc.to_dict(), ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, target)
    return doc


def read_bytes(path: str, data: bytes, pdf_options: PdfOptions | None = None) -> Document:
    """Read a document from its bytes; `path` names it (its extension is compared with the content). Used directly
    where the file lives elsewhere, e.g. on a Dask worker that was sent the bytes."""
    if not data:
        raise ReadError("empty file (0 bytes)")
    if len(data) > MAX_BYTES:
        raise ReadError(f"file too large: {len(data) // (1024 * 1024)} MB exceeds {MAX_BYTES // (1024 * 1024)} MB")
    ext = os.path.splitext(path)[1].lower()
    claimed = _EXT.get(ext)
    actual = sniff_format(data)
    if actual == "ole":
        raise ReadError("unsupported format: legacy Word/Excel binary (.doc/.xls); save it as .docx or PDF")
    if actual == "zip":
        raise ReadError("unsupported format: a zip archive that is not a Word document")
    if claimed == "pdf" and actual != "pdf":
        raise ReadError(f"not a PDF: the file has a .pdf name but holds {actual.upper()} content")
    if claimed == "image" and actual != "image":
        raise ReadError(f"not an image: the file has a {ext} name but holds {actual.upper()} content")
    if claimed == "docx" and actual != "docx":
        raise ReadError(f"not a Word document: the file has a .docx name but holds {actual.upper()} content")
    if actual in ("html", "txt") and len(data) > MAX_TEXT_BYTES:
        raise ReadError(f"file too large: {len(data) // (1024 * 1024)} MB of {actual.upper()} exceeds "
                        f"{MAX_TEXT_BYTES // (1024 * 1024)} MB")
    ocr = (pdf_options or PdfOptions()).ocr
    reader = {"pdf": lambda: read_pdf(path, data, pdf_options), "docx": lambda: read_docx(path, data, ocr),
              "image": lambda: read_image(path, data, ocr),
              "html": lambda: read_html(path, data, ocr), "txt": lambda: read_text(path, data)}[actual]
    doc = reader()
    doc.sha256 = hashlib.sha256(data).hexdigest()
    if claimed and claimed != actual and not (claimed == "txt" and actual == "html"):
        doc.warnings.append(f"file extension {ext} but content is {actual}; read as {actual}")
    return doc
