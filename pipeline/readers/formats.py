"""Which reader reads a file: `read_document` looks at the file's bytes, not only its extension (a PDF saved as
.html is read as a PDF, and the mismatch is noted in the document's warnings), refuses what is not a document (an
empty or oversized file, an archive, a file whose content contradicts its name), and gives it to its format's reader.
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
from .options import ReadOptions
from .pdf import read_pdf
from .text import read_text

MAX_BYTES = 200 * 1024 * 1024
MAX_TEXT_BYTES = 64 * 1024 * 1024  # HTML and text: a report page is a few MB even with a website's markup around it
_EXT = {
    ".pdf": "pdf",
    ".html": "html",
    ".htm": "html",
    ".shtml": "html",
    ".xhtml": "html",
    ".docx": "docx",
    ".txt": "txt",
    ".text": "txt",
    ".md": "txt",
    ".png": "image",
    ".jpg": "image",
    ".jpeg": "image",
    ".tif": "image",
    ".tiff": "image",
    ".bmp": "image",
    ".gif": "image",
    ".webp": "image",
    # converted by LibreOffice (office.py); a Kingsoft WPS Writer .wps is a Word 97 binary, an .et an Excel one
    ".doc": "doc",
    ".wps": "doc",
    ".rtf": "rtf",
    ".xls": "xls",
    ".et": "xls",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".ofd": "ofd",
    # archives: each member is an input of its own (batch/archive.py)
    ".zip": "zip",
    ".7z": "7z",
    ".rar": "rar",
}
# formats whose files are often saved under another of these names (a site's .doc that is really .docx, HTML or
# PDF): read by their content, with a warning, instead of refused
_LENIENT = {"doc", "rtf", "xls", "xlsx", "ofd", "zip", "txt", "html"}
ARCHIVE_FORMATS = ("zip", "7z", "rar")
_NAMES = {
    "doc": "a Word 97-2003 binary",
    "xls": "an Excel 97-2003 binary",
    "xlsx": "an Excel workbook",
    "rtf": "RTF",
    "ofd": "OFD",
}
SUPPORTED_EXTENSIONS = tuple(_EXT)
_HTML_SNIFF = re.compile(rb"<\s*(!doctype\s+html|html|head|body|meta|div|p|table|title)[\s>/]", re.I)


def sniff_format(data: bytes) -> str | None:
    head = data[:4096]
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"%PDF") or b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                names = set(z.namelist())
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
            return "zip"
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "OFD.xml" in names:
            return "ofd"
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "ole"  # legacy .doc/.wps/.xls/.et: which one, office.ole_kind tells
    if stripped.startswith(b"{\\rtf"):
        return "rtf"
    if head.startswith(b"7z\xbc\xaf\x27\x1c"):
        return "7z"
    if head.startswith(b"Rar!\x1a\x07"):
        return "rar"
    if (
        head[:8] == b"\x89PNG\r\n\x1a\n"
        or head[:3] == b"\xff\xd8\xff"
        or head[:4] in (b"GIF8", b"II*\x00", b"MM\x00*")
        or (head[:2] == b"BM" and head[6:10] == b"\x00" * 4)
        or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
    ):
        return "image"
    if _HTML_SNIFF.search(head.lower().replace(b"\x00", b"")):
        return "html"
    return "txt"


def read_document(path: str, options: ReadOptions | None = None) -> Document:
    try:
        size = os.path.getsize(path)
    except OSError as e:
        raise ReadError(f"cannot read file: {e.strerror}")
    check_size(size)
    with open(path, "rb") as f:
        data = f.read()
    return read_bytes(path, data, options)


def check_size(size: int) -> None:
    """Refuse a file that is empty or over MAX_BYTES before its bytes are read, saying which."""
    if size == 0:
        raise ReadError("empty file (0 bytes)")
    if size > MAX_BYTES:
        raise ReadError(f"file too large: {size // (1024 * 1024)} MB exceeds {MAX_BYTES // (1024 * 1024)} MB")


def read_bytes(path: str, data: bytes, options: ReadOptions | None = None) -> Document:
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
        from .office import ole_kind

        actual = ole_kind(data)  # "doc" or "xls"; encrypted, corrupt and other OLE files raise ReadError
    if actual in ARCHIVE_FORMATS:
        if claimed in ARCHIVE_FORMATS:
            raise ReadError(
                f"an archive inside an archive ({ext}): only one level of archives is opened; "
                f"unpack it and give its files"
            )
        raise ReadError(
            f"unsupported format: a {actual} archive named {ext or 'without extension'}"
            + (" that is not a Word, Excel or OFD document" if actual == "zip" else "")
        )
    if claimed is None and actual == "txt":
        raise ReadError(
            f"unsupported file type {ext or '(no extension)'}: not a report format read here "
            f"(PDF, Word, WPS, RTF, OFD, HTML, text, spreadsheets, pictures, archives)"
        )
    if claimed == "pdf" and actual != "pdf":
        raise ReadError(f"not a PDF: the file has a .pdf name but holds {actual.upper()} content")
    if claimed == "image" and actual != "image":
        raise ReadError(f"not an image: the file has a {ext} name but holds {actual.upper()} content")
    if claimed == "docx" and actual not in ("docx", "doc"):
        raise ReadError(f"not a Word document: the file has a .docx name but holds {actual.upper()} content")
    if claimed not in (None, "docx") and claimed not in _LENIENT and claimed != actual:
        raise ReadError(f"not a {claimed}: the file has a {ext} name but holds {actual.upper()} content")
    if actual in ("html", "txt") and len(data) > MAX_TEXT_BYTES:
        raise ReadError(
            f"file too large: {len(data) // (1024 * 1024)} MB of {actual.upper()} exceeds "
            f"{MAX_TEXT_BYTES // (1024 * 1024)} MB"
        )
    ocr = (options or ReadOptions()).ocr
    if actual in ("doc", "rtf"):
        from .office import read_word_binary

        reader = lambda: read_word_binary(path, data, actual, ocr)  # noqa: E731
    elif actual in ("xls", "xlsx"):
        from .spreadsheet import read_spreadsheet

        reader = lambda: read_spreadsheet(path, data, actual)  # noqa: E731
    elif actual == "ofd":
        from .ofd import read_ofd

        reader = lambda: read_ofd(path, data, options)  # noqa: E731
    else:
        reader = {
            "pdf": lambda: read_pdf(path, data, options),
            "docx": lambda: read_docx(path, data, ocr),
            "image": lambda: read_image(path, data, ocr),
            "html": lambda: read_html(path, data, ocr),
            "txt": lambda: read_text(path, data),
        }[actual]
    doc = reader()
    doc.sha256 = hashlib.sha256(data).hexdigest()
    if (
        claimed
        and claimed != actual
        and not (claimed == "txt" and actual == "html")
        and not (claimed == "doc" and actual == "doc")
    ):
        doc.warnings.append(
            f"file extension {ext} but content is {_NAMES.get(actual, actual)}; read as {_NAMES.get(actual, actual)}"
        )
    return doc
