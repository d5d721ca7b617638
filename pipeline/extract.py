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
    return predict_one(read_document(str(path), pdf_options), models)


def predict_one(doc, models) -> dict:
    """The report JSON of a document already read (the predict stage: models applied, checks run, validated)."""
    report = build_report(doc, models.row_labeler, models.section_model)
    check_is_report(report, doc)
    try:
        validate_report(report)
    except jsonschema.ValidationError as e:
        raise ReadError(f"output failed its JSON Schema: {e.message[:200]}", stage="validate")
    return report


DOC_SUFFIX = ".doc.json"


def run_batch(inputs: list[str], out_dir: str, models_dir: str | None = "models",
              pdf_options: PdfOptions | None = None, verbose: bool = False, progress=None,
              mode: str = "extract") -> BatchResult:
    """mode "extract": files → report JSON; "read": files → document JSON (`<name>.doc.json`, the blocks every
    reader produces); "predict": document JSON → report JSON, carrying the read stage's failures along."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if mode == "predict":
        files, missing = _find_documents(inputs)
    else:
        files, missing = find_inputs(inputs)
    result = BatchResult(errors=list(missing))
    if mode == "predict":
        result.errors += _earlier_errors(inputs)
    models = load_models(models_dir) if mode != "read" else None
    taken: set[str] = set()
    for path in files:
        source = path
        try:
            if mode == "predict":
                from .document import Document

                doc = Document.from_dict(json.loads(path.read_text(encoding="utf-8")))
                source = Path(doc.path)
                name = output_name(source, taken)
                payload = predict_one(doc, models)
            elif mode == "read":
                name = output_name(path, taken)[: -len(".json")] + DOC_SUFFIX
                payload = read_document(str(path), pdf_options).to_dict()
            else:
                name = output_name(path, taken)
                payload = extract_one(path, models, pdf_options)
            write_atomic(out / name, json.dumps(payload, ensure_ascii=False, indent=1))
            result.written.append(str(out / name))
        except ReadError as e:
            result.errors.append({"file": str(source), "stage": e.stage, "message": str(e)})
        except MemoryError:
            result.errors.append({"file": str(source), "stage": mode, "message": "out of memory"})
        except Exception as e:  # an unexpected bug must not stop the batch
            msg = f"internal error: {type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ''}"
            result.errors.append({"file": str(source), "stage": mode, "message": msg})
            if verbose:
                traceback.print_exc(file=sys.stderr)
        if progress:
            progress(path, result)
    _remove_stale_outputs(out, result, mode)
    if mode != "read" and len(result.written) > 1:
        from .corpus_checks import add_cross_year_checks

        add_cross_year_checks(result.written)
    lines = "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in result.errors)
    write_atomic(out / "errors.jsonl", lines)
    return result


def _find_documents(paths: list[str]) -> tuple[list[Path], list[dict]]:
    files, missing = [], []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            files += sorted(path.rglob("*" + DOC_SUFFIX))
        elif path.is_file():
            files.append(path)
        else:
            missing.append({"file": str(p), "stage": "input", "message": "no such file or directory"})
    return files, missing


def _earlier_errors(paths: list[str]) -> list[dict]:
    out = []
    for p in paths:
        f = Path(p) / "errors.jsonl"
        if Path(p).is_dir() and f.exists():
            out += [json.loads(line) for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    return out


def _remove_stale_outputs(out: Path, result: BatchResult, mode: str) -> None:
    """A document that failed this time must not keep an older run's output as if it were current."""
    written = {Path(w).name for w in result.written}
    suffix = DOC_SUFFIX if mode == "read" else ".json"
    for e in result.errors:
        name = Path(e["file"]).name
        stale = out / (name + suffix)
        if stale.name not in written and stale.exists():
            stale.unlink()
