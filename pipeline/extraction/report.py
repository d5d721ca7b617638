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


from . import checks
from .. import schema
from ..bodies import body_key
from ..document import Document
from .labels import RowLabeler, default_labeler
from .prose_figures import text_checks
from .sections import segment
from .document_records import GridRecords, table_blocks
from .tables import extract_tables


def _code_fingerprint() -> str:
    """A hash of the pipeline's own code and resources: any change to them makes earlier outputs out of date."""
    import hashlib

    root = Path(__file__).resolve().parent.parent  # the whole package, every stage
    h = hashlib.sha256()
    for f in sorted(p for p in root.rglob("*") if p.suffix in (".py", ".json") and "__pycache__" not in p.parts):
        h.update(f.relative_to(root).as_posix().encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:12]


PIPELINE_VERSION = f"0.2.0+{_code_fingerprint()}"
SNIPPET = 15
# 青铜峡市2020年政府信息公开工作年度报告 · 2023年淮安市洪泽区人民政府政府信息公开工作年度报告 ·
# 北京市东城区人民政府2022年度政府信息公开工作报告
_TITLE_PARTS = re.compile(
    r"(?P<pre>[^。；，]{0,40}?)(?P<year>20\d{2})\s*年\s*度?(?P<mid>[^。；，\d]{0,40}?)"
    r"(?:政府|政务)?信息公开(?:工作)?(?:年度)?(?:工作)?报告"
)
_BODY_NOISE = re.compile(
    r"^(?:.*(?:信息公开|年报|正文|首页|当前位置|窗口|本页|本站|[]】|>]))?"
    r"(?:标题[:：]|关于|[（(]?[一二三四五六七八九十\d]+[)）、.]?)*|(?:的|关于)$"
)


def _clean_body(text: str | None) -> str | None:
    body = _BODY_NOISE.sub("", text or "").strip(" ：:·-—")
    return body if len(body) >= 2 else None


_PERIOD = re.compile(r"(20\d{2})\s*年\s*1\s*月\s*1\s*日")
_BODY_BY = re.compile(r"本报告由(.{2,30}?)(?:办公室|办公厅)")
_ANY_YEAR = re.compile(r"(20\d{2})\s*年")


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


# The title's year may be printed in full-width digits (２０２４年) or in Chinese numerals (二〇二四年): both read as
# 2024. Only digits are folded, not the whole line by NFKC, because the body is cut from the same text and keeps its
# printed form (（区）, ：).
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_CN_DIGITS = str.maketrans("〇零○Ｏ一二三四五六七八九", "0000123456789")
_CN_YEAR = re.compile(r"二[〇零○Ｏ][〇零○Ｏ一二三四五六七八九]{2}(?=年)")


def _meta_text(text: str) -> str:
    """`text` compacted, its years in ASCII digits: what the title and period patterns are matched against."""
    text = _compact(text).translate(_FULLWIDTH_DIGITS)
    return _CN_YEAR.sub(lambda m: m.group().translate(_CN_DIGITS), text) if "二" in text else text


def extract_meta(doc: Document, headings: dict[int, int]) -> dict:
    first = min(headings.values()) if headings else min(len(doc.blocks), 40)
    head_blocks = [b.text for b in doc.blocks[: max(first, 1) + 1] if b.kind == "text"]
    head = "\n".join(head_blocks)
    year = None
    body = None
    lines = [_meta_text(t) for t in head_blocks]
    found = None
    for k in range(1, 4):  # a title may be printed over two or three lines (…政府信息公开工作 / 年度报告)
        for i in range(len(lines)):
            joined = "".join(lines[i : i + k])
            for m in _TITLE_PARTS.finditer(joined):
                before = joined[: m.start("year")]
                if before.count("《") <= before.count("》"):  # not the title of a document the report cites
                    found = (i, m)
                    break
            if found:
                break
        if found:
            break
    if found:
        i, m = found
        year = int(m.group("year"))
        pre, mid = _clean_body(m.group("pre")), _clean_body(m.group("mid"))
        body = mid or pre  # 2023年淮安市洪泽区人民政府政府信息公开…: the body sits between year and 政府信息公开
        if body is None and i > 0 and len(lines[i - 1]) <= 30 and not _ANY_YEAR.search(lines[i - 1]):
            body = _clean_body(lines[i - 1])  # the body on its own line above the title
    if year is None:
        m = _PERIOD.search(_meta_text(head)) or _ANY_YEAR.search(_meta_text(head))
        if m:
            year = int(m.group(1))
    m = _BODY_BY.search(_compact(head))
    if m and body is None:
        body = m.group(1)  # 本报告由淮安市洪泽区人民政府办公室…编制
    if body is None:
        body = _most_named_place(doc)
    return {"body": body, "year": year}


_PLACE = re.compile(r"[\u4e00-\u9fff]{2,5}?(?:自治州|自治县|市|县|区|州|旗)")
_NOT_A_PLACE = re.compile(
    r"^(?:我|全|本|各|该|市|县|区|城|地|社|小|辖|园|新|老|景|街|管|片|库|专|示范|开发|县市|市县|州市|省市)"
)


def _most_named_place(doc: Document) -> str | None:
    """With no title naming the body: the city, county or district the report names most (at least three times),
    e.g. 随州市 in a report that begins 本报告根据《条例》…"""
    counts: dict[str, int] = {}
    for b in doc.blocks[:400]:
        if b.kind != "text":
            continue
        for name in _PLACE.findall(_compact(b.text)):
            if not _NOT_A_PLACE.match(name) and not name.endswith(
                ("地区", "社区", "园区", "城区", "辖区", "景区", "片区")
            ):
                counts[name] = counts.get(name, 0) + 1
    if not counts:
        return None
    name, n = max(counts.items(), key=lambda kv: (kv[1], len(kv[0])))
    return name if n >= 3 else None


def _sections_json(doc: Document, secs, table_text: set[int]) -> list[dict]:
    out = []
    for sid, title in schema.section_titles().items():
        idx = secs.headings.get(sid)
        prose = [
            doc.blocks[i].text
            for i, s in enumerate(secs.assignment)
            if s == sid and i != idx and doc.blocks[i].kind == "text" and i not in table_text
        ]
        text = "\n".join(prose)
        flat = _compact(text)
        out.append(
            {
                "id": sid,
                "heading": doc.blocks[idx].text if idx is not None else None,
                "start": flat[:SNIPPET] if flat else None,
                "end": flat[-SNIPPET:] if flat else None,
                "text": text,
                "confidence": round(secs.confidence.get(sid, 0.0), 4),
                "page": doc.blocks[idx].page if idx is not None else None,
            }
        )
    return out


def build_report(
    doc: Document, labeler: RowLabeler | None = None, section_model=None, column_labeler=None, ocr_options=None
) -> dict:
    labeler = labeler or default_labeler()
    grids = GridRecords(doc.blocks)  # each grid read into row records once, for the sections and the tables
    secs = segment(doc.blocks, section_model, table_blocks=table_blocks(doc.blocks, labeler, grids))
    meta = extract_meta(doc, secs.headings)
    template, template_conf, results, table_text = extract_tables(
        doc.blocks, secs, labeler, meta["year"], column_labeler, ocr_options, grids
    )
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
        "document": doc.document,
        "meta": {
            "body": meta["body"],
            "body_key": body_key(meta["body"]),
            "year": meta["year"],
            "template": template,
            "template_confidence": round(template_conf, 4),
        },
        "source": {
            "format": doc.format,
            "pages": doc.pages,
            "blocks": len(doc.blocks),
            "junk_blocks": sum(secs.junk),
            "warnings": doc.warnings,
            "ocr_pages": doc.ocr_pages,
            "ocr_pictures": doc.ocr_pictures,
            **({"prose_absent": True} if doc.format == "spreadsheet" else {}),
        },  # tables only
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
