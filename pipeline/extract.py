"""Batch extraction: every input file to `OUT/<file name>.json`, every failure to `OUT/errors.jsonl`.

A failure of one document (unreadable, not a report, an internal error) is recorded with the file, the stage and a
one-line message, and the batch goes on. Outputs are written to a temporary name and renamed, so an interrupted run
never leaves a half-written file.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import tempfile
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema

from .document import ReadError
from .models import load_models
from .readers import SUPPORTED_EXTENSIONS, PdfOptions, read_document
from .report import build_report, validate_report

NOT_A_REPORT_MIN_SIGNALS = 1


class NotAReport(ReadError):
    pass


@dataclass
class BatchResult:
    written: list[str] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)


def find_inputs(paths: list[str]) -> tuple[list[Path], list[dict]]:
    """Files named directly, and files with a supported extension found by walking directories (sorted)."""
    files: list[Path] = []
    missing = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            for root, dirs, names in os.walk(path):
                dirs.sort()
                for n in sorted(names):
                    if n.lower().endswith(SUPPORTED_EXTENSIONS) and not n.startswith("."):
                        files.append(Path(root) / n)
        elif path.is_file():
            files.append(path)
        else:
            missing.append({"file": str(p), "stage": "input", "message": "no such file or directory"})
    return files, missing


def output_name(path: Path, taken: set[str]) -> str:
    """`<file name>.json`, made safe (no directory parts) and unique within the batch."""
    base = path.name.replace(os.sep, "_").replace("\x00", "") or "document"
    if base.startswith("."):
        base = "_" + base
    name = base[:200] + ".json"
    if name in taken:
        digest = hashlib.sha1(str(path.resolve()).encode("utf-8", "surrogateescape")).hexdigest()[:8]
        name = f"{base[:190]}.{digest}.json"
    taken.add(name)
    return name


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


_TITLE = re.compile(r"信息公开\s*(工作)?\s*年\s*度?\s*报\s*告")


def check_is_report(report: dict, doc) -> None:
    """A document with no statutory heading, no table and no report title is not an annual report."""
    headings = sum(1 for s in report["sections"] if s["heading"])
    tables = sum(1 for t in report["tables"].values() if t["status"] == "found")
    titled = any(_TITLE.search(b.text) for b in doc.blocks[:60] if b.kind == "text")
    if headings + tables < NOT_A_REPORT_MIN_SIGNALS and not titled:
        raise NotAReport(f"not a government information-disclosure annual report: found {headings} of the six "
                         f"section headings and {tables} of the three tables", stage="classify")


def extract_one(path: Path, models, pdf_options: PdfOptions | None = None) -> dict:
    doc = read_document(str(path), pdf_options)
    report = build_report(doc, models.row_labeler, models.section_model)
    check_is_report(report, doc)
    try:
        validate_report(report)
    except jsonschema.ValidationError as e:
        raise ReadError(f"output failed its JSON Schema: {e.message[:200]}", stage="validate")
    return report


def run_batch(inputs: list[str], out_dir: str, models_dir: str | None = "models",
              pdf_options: PdfOptions | None = None, verbose: bool = False, progress=None) -> BatchResult:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files, missing = find_inputs(inputs)
    result = BatchResult(errors=list(missing))
    models = load_models(models_dir)
    taken: set[str] = set()
    for path in files:
        name = output_name(path, taken)
        try:
            report = extract_one(path, models, pdf_options)
            write_atomic(out / name, json.dumps(report, ensure_ascii=False, indent=1, sort_keys=False))
            result.written.append(str(out / name))
        except ReadError as e:
            result.errors.append({"file": str(path), "stage": e.stage, "message": str(e)})
            _remove_stale(out / name)
        except MemoryError:
            result.errors.append({"file": str(path), "stage": "extract", "message": "out of memory"})
            _remove_stale(out / name)
        except Exception as e:  # an unexpected bug must not stop the batch
            msg = f"internal error: {type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ''}"
            result.errors.append({"file": str(path), "stage": "extract", "message": msg})
            _remove_stale(out / name)
            if verbose:
                traceback.print_exc(file=sys.stderr)
        if progress:
            progress(path, result)
    lines = "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in result.errors)
    write_atomic(out / "errors.jsonl", lines)
    return result


def _remove_stale(path: Path) -> None:
    """A failed document must not leave an older run's output behind as if it were current."""
    if path.exists():
        path.unlink()
