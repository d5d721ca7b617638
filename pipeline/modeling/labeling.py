"""Gold label files: pre-filling one from the current predictions, and validating them before training uses them.

`python -m pipeline label FILE` writes `data/labels/<file name>.gold.json` in the format of LABELS.md, filled from
what the pipeline reads today, with a `review` list naming every cell that fails a check of the table's own sums,
has a low confidence or could not be read: the person labelling corrects those and deletes the list.

`python -m pipeline validate-labels DIR` checks every gold file: its shape, its identifiers against fields.json and
its template, six sections in order, every cell of a found table present; a cell that breaks the table's own sums is
a warning (gold records what is printed, even a wrong sum). Messages name the file and the place to fix.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from ..extraction import checks
from .. import schema

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
                    review.append({"cell": f"{name}.{row}.{col}", "reason": "unreadable: fill in the printed value",
                                   "raw": cell["raw"]})
                elif cell["confidence"] < REVIEW_CONFIDENCE:
                    review.append({"cell": f"{name}.{row}.{col}", "reason": f"low confidence {cell['confidence']}",
                                   "raw": cell["raw"]})
    for c in report["checks"]:
        if c["ok"] is False:
            review.append({"cell": ", ".join(c["cells"]), "reason": f"fails {c['rule']}: expected {c['expected']}, "
                                                                   f"found {c['found']}; keep what is printed"})
    sections = [{"id": s["id"], "heading": s["heading"], "start": s["start"], "end": s["end"]}
                for s in report["sections"]]
    for s in sections:
        if s["heading"] is None:
            review.append({"cell": f"sections.{s['id']}", "reason": "no heading found: check the document"})
    meta = {k: report["meta"][k] for k in ("body", "year", "template")}
    return {"document": report["document"], "meta": meta, "sections": sections, "tables": tables,
            "review": review}


@dataclass
class LabelProblems:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _is_number(v) -> bool:
    return v is None or (isinstance(v, (int, float)) and not isinstance(v, bool))


def validate_gold(gold: dict, where: str) -> LabelProblems:
    p = LabelProblems()
    err = p.errors.append
    for key in ("document", "meta", "sections", "tables"):
        if key not in gold:
            err(f"{where}: missing top-level key {key!r}")
    if p.errors:
        return p
    extra = set(gold) - {"document", "meta", "sections", "tables", "review"}
    if extra:
        err(f"{where}: unknown top-level keys {sorted(extra)}")
    meta = gold["meta"]
    template = meta.get("template")
    if template not in schema.TEMPLATES:
        err(f"{where}: meta.template must be \"2019\" or \"2021\", not {template!r}")
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
    for table in schema.TABLES:
        t = gold["tables"].get(table)
        if t is None:
            err(f"{where}: tables.{table} is missing (write {{\"status\": \"missing\"}} if not printed)")
            continue
        if t.get("status") not in ("found", "missing"):
            err(f"{where}: tables.{table}.status must be \"found\" or \"missing\"")
            continue
        if t["status"] == "missing":
            if t.get("rows"):
                err(f"{where}: tables.{table} is \"missing\" but has rows")
            continue
        rows = t.get("rows", {})
        expected = schema.row_ids(table, template)
        for row in rows:
            if row not in expected:
                err(f"{where}: tables.{table}.rows.{row} is not a row of the {template} template "
                    f"(rows: {', '.join(expected)})")
        for row in expected:
            if row not in rows:
                err(f"{where}: tables.{table}.rows.{row} is missing (template {template})")
                continue
            cols = schema.column_ids(table, template, row)
            for col in rows[row]:
                if col not in cols:
                    err(f"{where}: tables.{table}.rows.{row}.{col} is not a column of this row "
                        f"(columns: {', '.join(cols)})")
            for col in cols:
                if col not in rows[row]:
                    err(f"{where}: tables.{table}.rows.{row}.{col} is missing")
                elif not _is_number(rows[row][col]):
                    err(f"{where}: tables.{table}.rows.{row}.{col} must be a number or null, "
                        f"not {rows[row][col]!r}")
        for i, e in enumerate(t.get("extra_rows", [])):
            if not isinstance(e.get("label"), str) or not isinstance(e.get("values"), list):
                err(f"{where}: tables.{table}.extra_rows[{i}] needs a \"label\" string and a \"values\" list")
    if not p.errors:
        for c in checks.table_checks(gold["tables"], template):
            if c["ok"] is False:
                p.warnings.append(f"{where}: {c['rule']} does not hold ({', '.join(c['cells'][-2:])}…: expected "
                                  f"{c['expected']}, found {c['found']}); fine if the report prints it so")
    for item in gold.get("review", []):
        p.warnings.append(f"{where}: still marked for review: {item.get('cell')} ({item.get('reason')})")
    return p


def validate_dir(labels_dir: str | Path, docs_dirs: list[str | Path] = ()) -> LabelProblems:
    total = LabelProblems()
    files = sorted(Path(labels_dir).glob("*.gold.json"))
    if not files:
        total.errors.append(f"{labels_dir}: no *.gold.json label files")
    for f in files:
        try:
            gold = json.loads(f.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            total.errors.append(f"{f}: not valid JSON ({e})")
            continue
        if not isinstance(gold, dict):
            total.errors.append(f"{f}: the top level must be an object")
            continue
        p = validate_gold(gold, str(f))
        if gold.get("document") and f.name != f"{gold['document']}.gold.json":
            p.errors.append(f"{f}: the file must be named after its document: {gold['document']}.gold.json")
        if docs_dirs and gold.get("document"):
            if not any(list(Path(d).rglob(gold["document"])) for d in docs_dirs if Path(d).exists()):
                p.warnings.append(f"{f}: document {gold['document']} not found under {', '.join(map(str, docs_dirs))}")
        total.errors += p.errors
        total.warnings += p.warnings
    return total


def fold_of(gold: dict, heldout_share: int = 3) -> str:
    """"heldout" or "train", fixed by the report (body and year), so that one report saved in two formats lands
    in one fold, and a model is never scored on a report it was trained on."""
    key = f"{gold['meta'].get('body')}|{gold['meta'].get('year')}".encode("utf-8")
    return "heldout" if int(hashlib.sha1(key).hexdigest(), 16) % heldout_share == 0 else "train"


def find_document(name: str, docs_dirs) -> Path | None:
    for d in docs_dirs:
        for p in sorted(Path(d).rglob(name)) if Path(d).exists() else []:
            if p.is_file():
                return p
    return None
