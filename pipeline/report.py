"""Assemble the report JSON of one document: meta, six sections, three tables, checks.

The shape follows ../shared/schema/LABELS.md (so a report can be scored against a gold file directly), with more
beside it: each section's full prose, each cell's raw printed text and confidence, notes on what could not be read,
and the checks of the tables' own arithmetic. `resources/report.schema.json` is its JSON Schema.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path


from . import checks, schema
from .document import Document
from .labels import RowLabeler, default_labeler
from .prose_figures import text_checks
from .sections import segment
from .tables import extract_tables



def _code_fingerprint() -> str:
    """A hash of the pipeline's own code and resources: any change to them makes earlier outputs out of date."""
    import hashlib

    root = Path(__file__).parent
    h = hashlib.sha256()
    for f in sorted(p for p in root.rglob("*") if p.suffix in (".py", ".json") and "__pycache__" not in p.parts):
        h.update(f.relative_to(root).as_posix().encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:12]


PIPELINE_VERSION = f"0.2.0+{_code_fingerprint()}"
SNIPPET = 15
_TITLE = re.compile(r"(20\d{2})\s*年\s*度?\s*(?:政府|政务)?信息公开(?:工作)?\s*年\s*度?\s*报\s*告")
_PERIOD = re.compile(r"(20\d{2})\s*年\s*1\s*月\s*1\s*日")
_BODY_BY = re.compile(r"本报告由(.{2,30}?)(?:办公室|办公厅)")
_ANY_YEAR = re.compile(r"(20\d{2})\s*年")


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def extract_meta(doc: Document, headings: dict[int, int]) -> dict:
    first = min(headings.values()) if headings else min(len(doc.blocks), 40)
    head_blocks = [b.text for b in doc.blocks[: max(first, 1) + 1] if b.kind == "text"]
    head = "\n".join(head_blocks)
    year = None
    body = None
    lines = [_compact(t) for t in head_blocks]
    for i, line in enumerate(lines):
        m = _TITLE.search(line)
        if m:
            year = int(m.group(1))
            before = re.sub(r"^(标题[:：])", "", line[: m.start()])
            if not before and i > 0 and len(lines[i - 1]) <= 30:
                before = lines[i - 1]
            body = before or None
            break
    if year is None:
        m = _PERIOD.search(_compact(head)) or _ANY_YEAR.search(_compact(head))
        if m:
            year = int(m.group(1))
    m = _BODY_BY.search(_compact(head))
    if m and (body is None or (m.group(1).endswith(body) and len(m.group(1)) > len(body))):
        body = m.group(1)
    return {"body": body, "year": year}


def _sections_json(doc: Document, secs, table_text: set[int]) -> list[dict]:
    out = []
    for sid, title in schema.section_titles().items():
        idx = secs.headings.get(sid)
        prose = [doc.blocks[i].text for i, s in enumerate(secs.assignment)
                 if s == sid and i != idx and doc.blocks[i].kind == "text" and i not in table_text]
        text = "\n".join(prose)
        flat = _compact(text)
        out.append({
            "id": sid,
            "heading": doc.blocks[idx].text if idx is not None else None,
            "start": flat[:SNIPPET] if flat else None,
            "end": flat[-SNIPPET:] if flat else None,
            "text": text,
            "confidence": round(secs.confidence.get(sid, 0.0), 4),
            "page": doc.blocks[idx].page if idx is not None else None,
        })
    return out


def build_report(doc: Document, labeler: RowLabeler | None = None, section_model=None) -> dict:
    labeler = labeler or default_labeler()
    secs = segment(doc.blocks, section_model)
    meta = extract_meta(doc, secs.headings)
    template, template_conf, results, table_text = extract_tables(doc.blocks, secs, labeler, meta["year"])
    tables = {}
    sources = {}
    for name, res in results.items():
        entry = {"status": res.status}
        if res.status == "found":
            entry["rows"] = res.rows
            entry["extra_rows"] = [{"label": e["label"], "values": e["values"]} for e in res.extra_rows]
            entry["cells"] = res.cells
            entry["source"] = res.source
        entry["notes"] = res.notes
        tables[name] = entry
        sources[name] = res.source
    report = {
        "document": Path(doc.path).name,
        "meta": {"body": meta["body"], "year": meta["year"], "template": template,
                 "template_confidence": round(template_conf, 4)},
        "source": {"format": doc.format, "pages": doc.pages, "blocks": len(doc.blocks),
                   "junk_blocks": sum(secs.junk), "warnings": doc.warnings},
        "sections": _sections_json(doc, secs, table_text),
        "tables": tables,
        "checks": checks.table_checks(tables, template, sources),
        "pipeline_version": PIPELINE_VERSION,
    }
    prose_checks, text_values = text_checks(report["sections"], tables)
    report["checks"] += prose_checks
    if text_values:
        report["text_values"] = text_values
    return report


@lru_cache(maxsize=1)
def report_schema() -> dict:
    with open(schema.RESOURCES / "report.schema.json", encoding="utf-8") as f:
        return json.load(f)


class ReportSchemaError(ValueError):
    """The report does not follow report.schema.json (a bug of the pipeline, never of the input)."""


@lru_cache(maxsize=1)
def _validator():
    import fastjsonschema

    return fastjsonschema.compile(report_schema())  # compiled once per process: ~0.2 ms a report


def validate_report(report: dict) -> None:
    """Raise ReportSchemaError when the report does not follow report.schema.json."""
    import fastjsonschema

    try:
        _validator()(report)
    except fastjsonschema.JsonSchemaException as e:
        raise ReportSchemaError(e.message) from None
