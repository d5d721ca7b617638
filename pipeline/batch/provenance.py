"""What an output says about how it was made, and whether a resumed run may keep it.

Every report carries `provenance`: the SHA-256 of its input's bytes, the models' fingerprint, a hash of the reading
options that change what it holds (`options_key`), and `content`, a hash of the report itself (`seal`). A resumed
run keeps an earlier output only when all of these match what this run would use (`is_up_to_date`) and the report
still is the one that was sealed (not edited or damaged since) and a valid report.

The seal is a hash of the report's JSON text, so the one function that writes that text (`dump_json`) lives here
too: every output, and every line of errors.jsonl, is written by it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re

from ..extraction.report import PIPELINE_VERSION, ReportSchemaError, validate_report
from ..readers.options import ReadOptions

_ESCAPED_BYTE = re.compile(r"[\udc80-\udcff]")


def dump_json(obj, indent: int | None = None) -> str:
    """JSON text (UTF-8 characters kept, `indent` 2 or none) by orjson, ten times faster than the json module; a
    file name holding bytes that are not UTF-8 goes through json, and those bytes read `\\xff` too."""
    import orjson

    try:
        return orjson.dumps(obj, option=(orjson.OPT_INDENT_2 if indent else 0) | orjson.OPT_SERIALIZE_NUMPY).decode()
    except (TypeError, orjson.JSONEncodeError):
        text = json.dumps(obj, ensure_ascii=False, indent=2 if indent else None)
        return _ESCAPED_BYTE.sub(lambda m: "\\\\x%02x" % (ord(m.group()) - 0xDC00), text)


def options_key(options: ReadOptions | None) -> str:
    """A short hash of the reading options that change what a report holds (OCR mode, resolution, thresholds, PDF
    table reader); worker and thread counts are left out, they change nothing."""
    opts = dataclasses.asdict(options or ReadOptions())
    opts["ocr"].pop("threads", None)
    return hashlib.sha256(json.dumps(opts, sort_keys=True).encode()).hexdigest()[:12]


def content_hash(report: dict) -> str:
    """A hash of a report's content, its own seal left out."""
    body = dict(report, provenance={k: v for k, v in (report.get("provenance") or {}).items() if k != "content"})
    return hashlib.sha256(dump_json(body).encode("utf-8")).hexdigest()[:16]


def seal(report: dict) -> None:
    """Record the report's content hash in its provenance: an output edited or damaged afterwards no longer
    matches it, and a resumed run makes it again instead of trusting it."""
    report.setdefault("provenance", {})["content"] = content_hash(report)


def is_up_to_date(
    report, sha256: str, models_fingerprint: str, options: str | None = None, document: str | None = None
) -> bool:
    """An earlier output (`report`, as parsed from its file) of the same bytes, made by this pipeline version with
    these models and options, under the same document name (a second index.html added beside the first renames
    the first), sealed and still valid."""
    provenance = report.get("provenance") if isinstance(report, dict) else None
    if (
        not isinstance(provenance, dict)
        or report.get("pipeline_version") != PIPELINE_VERSION
        or {k: v for k, v in provenance.items() if k != "content"}
        != {"sha256": sha256, "models": models_fingerprint, "options": options or options_key(None)}
    ):
        return False
    if document is not None and report.get("document") != document:
        return False
    if provenance.get("content") != content_hash(report):
        return False  # edited or damaged since it was written
    try:  # an output edited or damaged by hand is not trusted: it must still be a valid report
        validate_report(report)
    except ReportSchemaError:
        return False
    return True
