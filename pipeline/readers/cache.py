"""Documents read once and kept, for the training stages, which read the same labelled files again and again (a
scanned one costs seconds of OCR each time)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from pathlib import Path

from ..document import Document
from ..files import write_atomic
from .formats import read_bytes, read_document
from .options import ReadOptions

READ_CACHE_ENV = "GOVREPORT_READ_CACHE"


def _reader_version() -> str:
    """A hash of the code that turns a file into a Document (the readers, OCR included, the document model, heading
    wording)."""
    root = Path(__file__).parent
    h = hashlib.sha256()
    for f in sorted(root.rglob("*.py")) + [root.parent / "document.py", root.parent / "headings.py"]:
        h.update(f.read_bytes())
    return h.hexdigest()[:12]


def read_cached(path, cache_dir: str | None = None, options: ReadOptions | None = None) -> Document:
    """A document read once and kept: the training stages read the same labelled files again and again (a scanned
    one costs seconds of OCR each time). The cache is keyed by the file's bytes, this reader code and the reading
    options, so a kept Document is exactly what reading would give; `cache_dir` (default: $GOVREPORT_READ_CACHE,
    else no cache) holds one JSON per document."""
    cache_dir = cache_dir or os.environ.get(READ_CACHE_ENV)
    if not cache_dir:
        return read_document(str(path), options)
    with open(path, "rb") as f:
        data = f.read()
    how = json.dumps(dataclasses.asdict(options or ReadOptions()), sort_keys=True)
    key = hashlib.sha256(data + _reader_version().encode() + how.encode()).hexdigest()[:24]
    target = Path(cache_dir) / f"{key}.doc.json"
    if target.exists():
        try:
            doc = Document.from_dict(json.loads(target.read_text(encoding="utf-8")))
            doc.path = str(path)
            return doc
        except (OSError, ValueError, KeyError):
            pass
    doc = read_bytes(str(path), data, options)
    write_atomic(target, json.dumps(doc.to_dict(), ensure_ascii=False))
    return doc


def use_read_cache(cache_dir: str | None) -> None:
    """Keep the documents read_cached reads in `cache_dir` (worker processes too: set in the environment they
    inherit); None or '' leaves the setting as it is."""
    if cache_dir:
        os.environ[READ_CACHE_ENV] = cache_dir
