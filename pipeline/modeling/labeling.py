"""Gold label files: pre-filling one from the current predictions, and validating them before training uses them.

`python -m pipeline label FILE` writes `data/labels/<file name>.gold.json` in the format of LABELS.md, filled from
what the pipeline reads today, with a `review` list naming every cell that fails a check of the table's own sums,
has a low confidence or could not be read: the person labelling corrects those and deletes the list.

`python -m pipeline validate-labels DIR` checks every gold file: its shape, its identifiers against fields.json and
its template (a misspelt one gets a "did you mean"), six sections in order, every cell of a found table present;
a null cell only where the file lists it in `unreadable` (the document prints it, but it cannot be read: a
prediction's null left as it was is not gold); the sections' `start`/`end` snippets found in the document's text
(whitespace aside); a cell that breaks the table's own sums is a warning (gold records what is printed, even a wrong
sum). Messages name the file and the place to fix.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..extraction import checks
from .. import schema
from ..names import find_source, flat_name

REVIEW_CONFIDENCE = 0.8


def gold_from_report(report: dict) -> dict:
    """The gold-label view of a report JSON, with a review list of cells to check by hand."""
    review = []
    tables = {}
    for name, t in report["tables"].items():
        if t["status"] != "found":
            tables[name] = {"status": "missing"}
            continue
        tables[name] = {"status": "found", "rows": t["rows"], "extra_rows": t.get("extra_rows", [])}
        for row, cols in t["rows"].items():
            for col, value in cols.items():
                cell = t["cells"][row][col]
                if value is None:
                    review.append(
                        {
                            "cell": f"{name}.{row}.{col}",
                            "reason": "unreadable: fill in the printed value",
                            "raw": cell["raw"],
                        }
                    )
                elif cell["confidence"] < REVIEW_CONFIDENCE:
                    review.append(
                        {
                            "cell": f"{name}.{row}.{col}",
                            "reason": f"low confidence {cell['confidence']}",
                            "raw": cell["raw"],
                        }
                    )
    for c in report["checks"]:
        if c["ok"] is False:
            review.append(
                {
                    "cell": ", ".join(c["cells"]),
                    "reason": f"fails {c['rule']}: expected {c['expected']}, found {c['found']}; keep what is printed",
                }
            )
    sections = [
        {"id": s["id"], "heading": s["heading"], "start": s["start"], "end": s["end"]} for s in report["sections"]
    ]
    for s in sections:
        if s["heading"] is None:
            review.append({"cell": f"sections.{s['id']}", "reason": "no heading found: check the document"})
    meta = {k: report["meta"][k] for k in ("body", "year", "template")}
    return {"document": report["document"], "meta": meta, "sections": sections, "tables": tables, "review": review}


@dataclass
class LabelProblems:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _is_number(v) -> bool:
    return v is None or (isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v))


def _refuse_constant(name: str):
    raise ValueError(
        f'{name} is not a number JSON allows (write the printed number, or null with the cell listed in "unreadable")'
    )


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999: valid JSON text, but no number a report prints
        raise ValueError(f"{text} is too large a number (it reads as infinity)")
    return value


def loads_strict(text: str):
    """JSON as the standard defines it: Python's json module also reads NaN, Infinity and -Infinity, which are not
    JSON (other programs refuse the file) and no count a report prints, and reads 1e999 as infinity; here they are
    a ValueError."""
    return json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)


def _non_finite(obj, where: str = "") -> list[tuple[str, str]]:
    """(place, `NaN` / `Infinity` / `-Infinity`) of every number that is not finite anywhere in a parsed gold file
    (`tables.requests.rows.total.total`)."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return [(where or "(top level)", "NaN" if obj != obj else "Infinity" if obj > 0 else "-Infinity")]
    if isinstance(obj, dict):
        return [p for k, v in obj.items() for p in _non_finite(v, f"{where}.{k}" if where else str(k))]
    if isinstance(obj, list):
        return [p for i, v in enumerate(obj) for p in _non_finite(v, f"{where}[{i}]")]
    return []


TOP_KEYS = ("document", "meta", "sections", "tables", "review", "unreadable")


def did_you_mean(name, choices) -> str:
    """' (did you mean "x"?)' for the closest known identifier, '' when none is close."""
    close = difflib.get_close_matches(str(name), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


_SPACE = re.compile(r"\s+")


def squeeze(text: str) -> str:
    """Text with its whitespace removed: snippets are matched so (LABELS.md: whitespace is not significant)."""
    return _SPACE.sub("", text or "")


def validate_gold(gold: dict, where: str, text: str | None = None, text_is_ocr: bool = False) -> LabelProblems:
    """The problems of one gold file. `text`: the document's text, to check the section snippets against (None: not
    checked); `text_is_ocr`: that text was read by OCR, so a snippet it lacks is a warning, not an error."""
    p = LabelProblems()
    err = p.errors.append
    for place, value in _non_finite(gold):  # a body parsed by Python's json may hold them: never gold
        err(
            f"{where}: {place} is {value}, not a number JSON allows: write the printed number, or null with the "
            f'cell listed in "unreadable"'
        )
    if p.errors:
        return p
    for key in ("document", "meta", "sections", "tables"):
        if key not in gold:
            err(f"{where}: missing top-level key {key!r}")
    if p.errors:
        return p
    for key in sorted(set(gold) - set(TOP_KEYS)):
        err(f"{where}: unknown top-level key {key!r}{did_you_mean(key, TOP_KEYS)}")
    unreadable = gold.get("unreadable", [])
    if not isinstance(unreadable, list) or not all(isinstance(c, str) for c in unreadable):
        err(f'{where}: unreadable must be a list of cells "table.row.column" (found {unreadable!r})')
        unreadable = []
    unreadable = set(unreadable)
    meta = gold["meta"]
    template = meta.get("template")
    if template not in schema.TEMPLATES:
        err(f'{where}: meta.template must be "2019" or "2021", not {template!r}')
        return p
    if not isinstance(meta.get("year"), int) or not 2000 <= meta["year"] <= 2100:
        err(f"{where}: meta.year must be the year the report covers, e.g. 2023 (found {meta.get('year')!r})")
    ids = [s.get("id") for s in gold["sections"]]
    if ids != [1, 2, 3, 4, 5, 6]:
        err(f"{where}: sections must be six entries with ids 1..6 in order (found ids {ids})")
    for s in gold["sections"]:
        for k in ("heading", "start", "end"):
            if k not in s:
                err(f"{where}: sections[id={s.get('id')}] lacks {k!r} (use null when the report has none)")
    for table in gold["tables"]:
        if table not in schema.TABLES:
            err(f"{where}: tables.{table} is not a table of fields.json{did_you_mean(table, schema.TABLES)}")
    null_cells = set()
    for table in schema.TABLES:
        t = gold["tables"].get(table)
        if t is None:
            err(f'{where}: tables.{table} is missing (write {{"status": "missing"}} if not printed)')
            continue
        if t.get("status") not in ("found", "missing"):
            err(f'{where}: tables.{table}.status must be "found" or "missing"')
            continue
        if t["status"] == "missing":
            if t.get("rows"):
                err(f'{where}: tables.{table} is "missing" but has rows')
            continue
        rows = t.get("rows", {})
        expected = schema.row_ids(table, template)
        for row in rows:
            if row not in expected:
                hint = did_you_mean(row, expected) or f" (rows: {', '.join(expected)})"
                err(f"{where}: tables.{table}.rows.{row} is not a row of the {template} template{hint}")
        for row in expected:
            if row not in rows:
                err(f"{where}: tables.{table}.rows.{row} is missing (template {template})")
                continue
            cols = schema.column_ids(table, template, row)
            for col in rows[row]:
                if col not in cols:
                    hint = did_you_mean(col, cols) or f" (columns: {', '.join(cols)})"
                    err(f"{where}: tables.{table}.rows.{row}.{col} is not a column of this row{hint}")
            for col in cols:
                if col not in rows[row]:
                    err(f"{where}: tables.{table}.rows.{row}.{col} is missing")
                elif not _is_number(rows[row][col]):
                    err(f"{where}: tables.{table}.rows.{row}.{col} must be a number or null, not {rows[row][col]!r}")
                elif rows[row][col] is None:
                    null_cells.add(f"{table}.{row}.{col}")
                    if f"{table}.{row}.{col}" not in unreadable:
                        err(
                            f"{where}: tables.{table}.rows.{row}.{col} is null: write the printed value, or, if the "
                            f'document prints it but it cannot be read, list "{table}.{row}.{col}" in '
                            f'"unreadable"'
                        )
        for i, e in enumerate(t.get("extra_rows", [])):
            if not isinstance(e.get("label"), str) or not isinstance(e.get("values"), list):
                err(f'{where}: tables.{table}.extra_rows[{i}] needs a "label" string and a "values" list')
    for cell in sorted(unreadable - null_cells):
        err(
            f"{where}: unreadable lists {cell}, which is not a null cell of a found table (remove it from the list, "
            f"or make the cell null)"
        )
    if text is not None:
        body = squeeze(text)
        for s in gold["sections"]:
            for key in ("start", "end"):
                snippet = s.get(key)
                if isinstance(snippet, str) and squeeze(snippet) and squeeze(snippet) not in body:
                    message = f"{where}: sections[id={s.get('id')}].{key} does not occur in the document: {snippet!r}"
                    if text_is_ocr:
                        p.warnings.append(message + " (its text was read by OCR: check by eye)")
                    else:
                        err(message + " (copy it from the document)")
    if not p.errors:
        for c in checks.table_checks(gold["tables"], template):
            if c["ok"] is False:
                p.warnings.append(
                    f"{where}: {c['rule']} does not hold ({', '.join(c['cells'][-2:])}…: expected "
                    f"{c['expected']}, found {c['found']}); fine if the report prints it so"
                )
    for item in gold.get("review", []):
        p.warnings.append(f"{where}: still marked for review: {item.get('cell')} ({item.get('reason')})")
    return p


def document_text(document: str, docs_dirs=(), documents_dir: str | Path | None = None) -> tuple[str, bool] | None:
    """(the text of a labelled document, whether OCR read any of it): from the read stage's document JSON when
    `documents_dir` holds it, else read from the source file (through the read cache when one is set); None when
    the document is nowhere to be found."""
    from ..document import Document, ReadError
    from ..readers.cache import read_cached

    doc = None
    if documents_dir:
        f = Path(documents_dir) / f"{flat_name(document)}.doc.json"
        if f.is_file():
            try:
                doc = Document.from_dict(json.loads(f.read_text(encoding="utf-8")))
            except (OSError, ValueError, KeyError, TypeError):
                doc = None
            if doc is not None and doc.document != document:  # another document's, of a name that flattens alike
                doc = None
    if doc is None:
        path = find_document(document, docs_dirs)
        if path is None:
            return None
        try:
            doc = read_cached(path)
        except ReadError:
            return None
    parts = []
    for b in doc.blocks:
        parts.append(b.text if b.kind == "text" else "".join(c.text for row in b.rows for c in row))
    return "".join(parts), bool(doc.ocr_pages or doc.ocr_pictures or any(b.ocr for b in doc.blocks))


def validate_dir(
    labels_dir: str | Path, docs_dirs: list[str | Path] = (), documents_dir: str | Path | None = None
) -> LabelProblems:
    """Every gold file of `labels_dir`; with `docs_dirs`, each one's snippets are checked against its document
    (read from `documents_dir`'s document JSON where present, else from the source file)."""
    total = LabelProblems()
    files = sorted(Path(labels_dir).glob("*.gold.json"))
    if not files:
        total.errors.append(f"{labels_dir}: no *.gold.json label files")
    for f in files:
        try:
            gold = loads_strict(f.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as e:  # JSONDecodeError is a ValueError; so is a NaN refused
            total.errors.append(f"{f}: not valid JSON ({e})")
            continue
        if not isinstance(gold, dict):
            total.errors.append(f"{f}: the top level must be an object")
            continue
        found = None
        if docs_dirs and isinstance(gold.get("document"), str):
            found = document_text(gold["document"], docs_dirs, documents_dir)
        p = validate_gold(gold, str(f), *(found or (None,)))
        if (
            isinstance(gold.get("document"), str)
            and gold["document"]
            and f.name != f"{flat_name(gold['document'])}.gold.json"
        ):
            p.errors.append(f"{f}: the file must be named after its document: {flat_name(gold['document'])}.gold.json")
        if docs_dirs and gold.get("document") and found is None:
            p.warnings.append(
                f"{f}: document {gold['document']} not found (or not readable) under "
                f"{', '.join(map(str, docs_dirs))}: its snippets are not checked"
            )
        total.errors += p.errors
        total.warnings += p.warnings
    return total


def fold_of(gold: dict, heldout_share: int = 3) -> str:
    """ "heldout" or "train", fixed by the report (body and year), so that one report saved in two formats lands
    in one fold, and a model is never scored on a report it was trained on."""
    key = f"{gold['meta'].get('body')}|{gold['meta'].get('year')}".encode("utf-8")
    return "heldout" if int(hashlib.sha1(key).hexdigest(), 16) % heldout_share == 0 else "train"


def find_document(name: str, docs_dirs) -> Path | None:
    """The labelled document of that name under the folders, matched literally (names.find_source): a name is
    never a glob pattern (`pingtan[1].html` is not `pingtan1.html`)."""
    return find_source(name, docs_dirs)
