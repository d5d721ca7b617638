"""Synthetic labelled reports in every layout family seen in the wild, for training and for separate scoring.

A report is drawn at random: template 2019 or 2021, numbers that obey the tables' own sums, prose sentences taken
from the real corpus (some of sections 2-4 printed before their table, some after), heading wordings (reworded,
with typos, other numbering), label variants (notes in brackets, numbering styles, letter spacing, traditional
characters), blank / `/` / `—` cells for zeros, extra local rows, captions such as （单位：件）, missing tables and
website junk around the text. Tables that a publisher prints as a grid take the official merged-cell layout
(tall labels that span rows, headers that span columns), with header cells letter-spaced or wrapped and, in some
reports, the tall label 三、本年度办理结果 printed one character a line. The report is rendered in one layout
family:

- html: the official merged cells; some pages in Word's markup (<p><span> in every cell), some with table 3 split in
  two tables, GBK pages with and without a charset;
- pdf_bordered: reportlab, ruled grid with merged cells, tables split at page breaks, page numbers and a running
  page header on some;
- pdf_borderless: the same without rulings (or with only the top and bottom rules of a three-line table);
- docx: python-docx with merged cells (gridSpan / vMerge);
- txt_tab (one cell per line, tab indents), txt_pipe (pipe rows), txt_flat (the whole report on one line, cells
  run together);
- converter_md (a PDF turned into markdown: `#` headings, renumbered or lost headings, tables cut in pieces, value
  rows apart from their labels) and narrow (label columns a character or two wide, labels across page breaks):
  synth_converter.py;
- scan: the ruled PDF printed with an embedded CJK font and scanned (synth_scan.py): rotated, blurred, grey,
  noisy, stamped, JPEG-compressed pages with no text layer, or with another program's garbled OCR layer;
- photo: the same printed pages photographed on a desk (synth_scan.py): perspective, tilt, light falling off,
  blur, colour JPEG photos bound into an image-only PDF.

Each document gets a gold file in the format of LABELS.md. synthesize.py writes a labelled set, each report in its
family's rendering (the families of synth_converter.py and synth_scan.py build on the renderers here).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .. import schema
from ..extraction.sections import is_junk

EXT = {
    "html": "html",
    "pdf_bordered": "pdf",
    "pdf_borderless": "pdf",
    "docx": "docx",
    "txt_tab": "txt",
    "txt_pipe": "txt",
    "txt_flat": "txt",
    "scan": "pdf",
    "converter_md": "md",
    "narrow": "pdf",
    "photo": "pdf",
}
HEADINGS = {
    1: ["一、总体情况", "一、总体情况", "一、 总体情况", "一、概述", "一、总体概况", "一.总体情况", "一、总体情况："],
    2: [
        "二、主动公开政府信息情况",
        "二、主动公开政府信息情况",
        "二、行政机关主动公开政府信息情况",
        "二、主动公开政府信息",
        "二、主动公开情况",
        "二.主动公开政府信息情况",
    ],
    3: [
        "三、收到和处理政府信息公开申请情况",
        "三、收到和处理政府信息公开申请情况",
        "三、行政机关收到和处理政府信息公开申请情况",
        "三、收到和处理政府信息公开申请",
        "三、收到和处理政府信息公开申情况",
        "三、收到和处理政府信息公开申请的情况",
    ],
    4: [
        "四、政府信息公开行政复议、行政诉讼情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "四、因政府信息公开工作被申请行政复议、提起行政诉讼情况",
        "四、政府信息公开行政复议和行政诉讼情况",
        "四、行政复议、行政诉讼情况",
        "四、政府信息公开行政复议、行政诉讼的情况",
    ],
    5: [
        "五、存在的主要问题及改进情况",
        "五、存在的主要问题及改进情况",
        "五、政府信息公开工作存在的主要问题及改进情况",
        "五、存在的主要问题及改进措施",
        "五、存在的问题及改进情况",
        "五、存在的主要问题和改进情况",
        "五、存在的不足及改进措施",
    ],
    6: [
        "六、其他需要报告的事项",
        "六、其他需要报告的事项",
        "六、其它需要报告的事项",
        "六、其他需要报告事项",
        "六、其他需要报告的事项：",
    ],
}
BODIES = [
    "示例市",
    "青山县",
    "江北区人民政府",
    "东湖市交通运输局",
    "南平县教育局",
    "西城区卫生健康委员会",
    "北川市自然资源局",
]
JUNK_BEFORE = [
    "首页 > 政务公开 > 政府信息公开年报",
    "字体：[大 中 小]",
    "发布时间：2024-01-20 来源：本站",
    "打印本页 | 关闭窗口",
]
JUNK_AFTER = [
    "附件下载",
    "相关链接",
    "版权所有：示例市人民政府办公室",
    "网站标识码：3500000000",
    "扫一扫在手机上查看当前页面",
]
CAPTIONS = {
    "unit": ["（单位：件）", "单位：件", "（本表数据单位：件）"],
    "title": {
        "active_disclosure": "表1 主动公开政府信息情况",
        "requests": "表2 收到和处理政府信息公开申请情况",
        "review_litigation": "表3 政府信息公开行政复议、行政诉讼情况",
    },
}
EXTRA_ROWS = ["其他主动公开文件", "行政确认", "行政奖励", "行政给付"]
ZERO_MARKS = ["0", "0", "0", "", "/", "—", "-"]
TRAD = str.maketrans(
    "开计处请数结转办复议诉讼维纠审总业构组织务规范许罚强费采购项门关会权护类执询据为时现废发决认书证",
    "開計處請數結轉辦復議訴訟維糾審總業構組織務規範許罰強費採購項門關會權護類執詢據為時現廢發決認書證",
)
TABLE_OF_SECTION = {2: "active_disclosure", 3: "requests", 4: "review_litigation"}


def page_headers() -> set[str]:
    """The running page headers some synthetic PDFs print: junk, in no section (the section model learns them)."""
    return {f"{b}{y}年政府信息公开工作年度报告" for b in BODIES for y in range(2019, 2026)}


@dataclass
class SynthReport:
    name: str
    family: str
    template: str
    year: int
    body: str
    headings: dict[int, str]
    prose: dict[int, list[str]]  # the section's prose in printed order (captions included)
    tables: dict  # gold tables in LABELS.md shape
    before_table: dict[int, int] = field(default_factory=dict)  # how many prose items come before the table
    extras: list = field(default_factory=list)
    junk_before: list = field(default_factory=list)
    junk_after: list = field(default_factory=list)
    label_variant: str = "plain"
    style: dict = field(default_factory=dict)


def corpus_sentences(raw_dir: str | Path) -> list[str]:
    """Prose sentences from the real corpus (text files), used so that synthetic prose reads like reports."""
    out = []
    for p in sorted(Path(raw_dir).rglob("*.txt")):
        text = p.read_text(encoding="utf-8", errors="ignore")
        for sent in re.split(r"(?<=[。！!])", text):
            sent = re.sub(r"\s+", "", sent)
            if (
                20 <= len(sent) <= 160
                and not re.search(r"[|\t]|\d{6,}|[一二三四五六]、|[（(][一二三四五六七八九十][）)]", sent)
                and not is_junk(sent)
                and "浏览器" not in sent
                and "链接" not in sent
            ):
                out.append(sent)
    return out or ["本机关认真贯彻落实《中华人民共和国政府信息公开条例》，扎实推进政务公开工作。"]


# ------------------------------------------------------------------ numbers


def _requests_values(rng: random.Random, template: str) -> dict[str, list[int]]:
    rows = schema.row_ids("requests", template)
    outcome = [r for r in rows if r not in ("new_received", "carried_over", "total", "carried_forward")]
    scale = rng.choice([0, 3, 20, 200, 3000])
    vals = {}
    for r in outcome:
        hot = r in ("granted", "partially_granted", "unable.not_held", "other", "other.other")
        vals[r] = [
            rng.randint(0, scale if hot else max(1, scale // 10)) if rng.random() < (0.8 if hot else 0.2) else 0
            for _ in range(6)
        ]
        for c in range(1, 6):
            if rng.random() < 0.7:
                vals[r][c] = 0
    total = [sum(vals[r][c] for r in outcome) for c in range(6)]
    forward = [rng.randint(0, max(0, t // 10)) if rng.random() < 0.3 else 0 for t in total]
    carried = [rng.randint(0, t + f) if rng.random() < 0.3 else 0 for t, f in zip(total, forward)]
    new = [t + f - c for t, f, c in zip(total, forward, carried)]
    out = {"new_received": new, "carried_over": carried}
    out.update(vals)
    out["total"] = total
    out["carried_forward"] = forward
    return {r: v + [sum(v)] for r, v in out.items()}


def _active_values(rng: random.Random, template: str) -> dict[str, dict]:
    t = schema.fields()["tables"]["active_disclosure"]["templates"][template]["rows"]
    out = {}
    for row, spec in t.items():
        out[row] = {}
        for col in spec["columns"]:
            if col == "change":
                out[row][col] = rng.choice([0, 0, rng.randint(-30, 80)])
            elif col == "amount_wan":
                out[row][col] = round(rng.uniform(0, 50000), rng.choice([0, 2, 4])) if rng.random() < 0.8 else 0
                if float(out[row][col]).is_integer():
                    out[row][col] = int(out[row][col])
            else:
                out[row][col] = rng.choice([0, rng.randint(0, 30), rng.randint(0, 5000)])
    return out


def _review_values(rng: random.Random) -> dict[str, dict]:
    out = {}
    for row in ("review", "litigation_direct", "litigation_after_review"):
        parts = [rng.choice([0, 0, rng.randint(0, 12)]) for _ in range(4)]
        out[row] = dict(zip(("upheld", "corrected", "other", "pending"), parts))
        out[row]["total"] = sum(parts)
    return out


# ------------------------------------------------------------------ the report


def draw_report(rng: random.Random, name: str, family: str, sentences: list[str]) -> SynthReport:
    template = rng.choice(["2019", "2021"])
    year = rng.choice([2019, 2020]) if template == "2019" else rng.choice([2021, 2022, 2023, 2024, 2025])
    headings = {sid: rng.choice(v) for sid, v in HEADINGS.items()}
    counts = {
        1: rng.randint(2, 6),
        2: rng.choice([0, 0, 1, 2]),
        3: rng.choice([0, 0, 1, 2]),
        4: rng.choice([0, 1]),
        5: rng.randint(1, 4),
        6: rng.randint(1, 2),
    }
    prose = {sid: rng.sample(sentences, k=min(len(sentences), n)) for sid, n in counts.items()}
    tables = {}
    missing = {t for t in schema.TABLES if rng.random() < 0.08}
    if "active_disclosure" not in missing:
        tables["active_disclosure"] = {"status": "found", "rows": _active_values(rng, template), "extra_rows": []}
    if "requests" not in missing:
        tables["requests"] = {
            "status": "found",
            "rows": {
                r: dict(zip(schema.column_ids("requests", template, r), v))
                for r, v in _requests_values(rng, template).items()
            },
        }
    if "review_litigation" not in missing:
        tables["review_litigation"] = {"status": "found", "rows": _review_values(rng)}
    for t in missing:
        tables[t] = {"status": "missing"}
    style = {
        "caption": rng.choice([None, None, "unit", "title"]),
        "header": rng.choice(["plain", "plain", "spaced", "wrapped"]),
        "tall": rng.choice(["plain", "plain", "vertical"]),
        "split": rng.random() < 0.4,
        "word_markup": rng.random() < 0.5,
        "three_line": rng.random() < 0.5,
        "page_header": rng.random() < 0.3,
        "remarks": rng.random() < 0.2,
        "review_vertical": rng.random()
        < 0.25,  # table 4 as three rows (行政复议, 未经复议直接起诉, 复议后起诉) of five
    }
    before = {}
    for sid, table in TABLE_OF_SECTION.items():
        if table in missing:
            prose[sid] = ["本年度无相关数据。"]
            before[sid] = 1
            continue
        before[sid] = rng.randint(0, len(prose[sid]))
        if style["caption"] and family != "converter_md":  # a converter prints its captions as `## 表二：…`
            caption = (
                rng.choice(CAPTIONS["unit"])
                if style["caption"] == "unit" or table == "active_disclosure"
                else CAPTIONS["title"][table]
            )
            prose[sid].insert(before[sid], caption)
            before[sid] += 1
    rep = SynthReport(name, family, template, year, rng.choice(BODIES), headings, prose, tables, before, style=style)
    if "active_disclosure" not in missing and rng.random() < 0.3:
        label = rng.choice(EXTRA_ROWS)
        values = [rng.randint(0, 500) for _ in range(3)]
        rep.extras.append((label, values))
        tables["active_disclosure"]["extra_rows"].append({"label": label, "values": values})
    rep.junk_before = rng.sample(JUNK_BEFORE, k=rng.randint(0, 3)) if family in ("html", "txt_pipe", "txt_flat") else []
    rep.junk_after = rng.sample(JUNK_AFTER, k=rng.randint(0, 3)) if family in ("html", "txt_pipe", "txt_flat") else []
    rep.label_variant = rng.choice(["plain", "plain", "notes", "numbering", "traditional", "spaced"])
    return rep


def _is_caption(text: str) -> bool:
    return text in CAPTIONS["unit"] or text in CAPTIONS["title"].values()


def gold_of(rep: SynthReport, document: str) -> dict:
    """The gold file; a caption printed right above its table (（单位：件）, 表2 …) is part of the table, not prose."""
    sections = []
    for sid in range(1, 7):
        texts = [t for t in rep.prose[sid] if not _is_caption(t)]
        flat = "".join(texts).replace(" ", "")
        sections.append(
            {
                "id": sid,
                "heading": rep.headings[sid],
                "start": flat[:15] if flat else None,
                "end": flat[-15:] if flat else None,
            }
        )
    return {
        "document": document,
        "meta": {"body": rep.body, "year": rep.year, "template": rep.template},
        "sections": sections,
        "tables": rep.tables,
    }


# ------------------------------------------------------------------ printed cells


def _label(text: str, variant: str, rng: random.Random) -> str:
    if variant == "notes" and rng.random() < 0.3:
        return text + rng.choice(["（本单位）", "(含下属单位)", "（单位：件）"])
    if variant == "numbering":
        text = re.sub(
            r"^(\d)\.", lambda m: rng.choice([f"{m.group(1)}、", f"（{m.group(1)}）", f"{m.group(1)}．"]), text
        )
        return text.replace("（", "(").replace("）", ")") if rng.random() < 0.5 else text
    if variant == "traditional":
        return text.translate(TRAD)
    if variant == "spaced" and len(text) <= 6:
        return " ".join(text)
    return text


def _cell(value, rng: random.Random, zero_style: str, kind: str = "count") -> str:
    if value == 0:
        return zero_style
    if kind == "money" and rng.random() < 0.2:
        return f"{value}万元"
    if kind == "signed" and value > 0 and rng.random() < 0.5:
        return f"+{value}"
    return str(value)


@dataclass
class PrintedRow:
    """One printed row of a table: its label path (merged parents first) and its value cells."""

    path: list[str]
    values: list[str]
    header: bool = False


def printed_tables(rep: SynthReport, rng: random.Random) -> dict[str, list[PrintedRow]]:
    """Each found table as printed rows, in the official order (headers as rows with header=True)."""
    zero = rng.choice(ZERO_MARKS) if rep.family not in ("txt_flat",) else "0"
    printed: dict[str, str] = {}

    def printed_label(text: str) -> str:  # one printed form per label, so a parent reads the same on every row
        if text not in printed:
            printed[text] = _label(text, rep.label_variant, rng)
        return printed[text]

    out = {}
    if rep.tables["active_disclosure"]["status"] == "found":
        spec = schema.fields()["tables"]["active_disclosure"]["templates"][rep.template]
        rows = []
        group = None
        for row, rs in spec["rows"].items():
            if rs["group"] != group:
                group = rs["group"]
                rows.append(PrintedRow([group], [], header=True))
                rows.append(PrintedRow(["信息内容"], [spec["columns"][c] for c in rs["columns"]], header=True))
            vals = rep.tables["active_disclosure"]["rows"][row]
            rows.append(
                PrintedRow(
                    [printed_label(rs["label"])],
                    [_cell(vals[c], rng, zero, schema.value_kind("", c)) for c in rs["columns"]],
                )
            )
            if row == "normative_docs":
                for label, values in rep.extras:
                    rows.append(PrintedRow([label], [str(x) for x in values]))
        out["active_disclosure"] = rows
    if rep.tables["requests"]["status"] == "found":
        rows = []
        for row in schema.row_ids("requests", rep.template):
            vals = rep.tables["requests"]["rows"][row]
            rows.append(
                PrintedRow(
                    [printed_label(p) for p in _request_path(row)],
                    [_cell(vals[c], rng, zero) for c in schema.column_ids("requests", rep.template, row)],
                )
            )
        out["requests"] = rows
    if rep.tables["review_litigation"]["status"] == "found":
        vals = rep.tables["review_litigation"]["rows"]
        values = [
            _cell(vals[r][c], rng, zero)
            for r in ("review", "litigation_direct", "litigation_after_review")
            for c in ("upheld", "corrected", "other", "pending", "total")
        ]
        out["review_litigation"] = [PrintedRow([], values)]
    return out


RESULTS = "三、本年度办理结果"


def _request_path(row: str) -> list[str]:
    """The label path of a table-3 row in the official layout: 三、本年度办理结果 spans the outcome rows (（一）…
    （七）总计), and each category (（三）不予公开 …) spans its numbered items."""
    parts = schema.row_label("requests", row).split("／")
    if row in ("new_received", "carried_over", "carried_forward"):
        return parts[-1:]
    if parts[0] != RESULTS:
        parts = [RESULTS] + parts
    return parts


REVIEW_ROWS = [["行政复议"], ["行政诉讼", "未经复议直接起诉"], ["行政诉讼", "复议后起诉"]]
REVIEW_HEADS = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]


def flat_rows(table: str, rows: list[PrintedRow], vertical: bool = False) -> list[tuple[list[str], list[str]]]:
    """(labels, values) of each row as text renderings print them: table 3 under its three header rows, table 4
    under its two; a merged parent is printed on its first row only, later rows hold "" in its place."""
    if table == "requests":
        out = [
            (["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "申请人情况"], []),
            (["自然人", "法人或其他组织", "总计"], []),
            (["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"], []),
        ]
        prev: list[str] = []
        for r in rows:
            shown = [
                ("" if d < len(r.path) - 1 and prev[: d + 1] == r.path[: d + 1] else part)
                for d, part in enumerate(r.path)
            ]
            prev = r.path
            out.append((shown, r.values))
        return out
    if table == "review_litigation" and vertical:
        return [(["类别"] + REVIEW_HEADS, [])] + [
            (label, rows[0].values[5 * g : 5 * g + 5]) for g, label in enumerate(REVIEW_ROWS)
        ]
    if table == "review_litigation":
        heads = REVIEW_HEADS
        return [
            (["行政复议", "行政诉讼"], []),
            (heads + ["未经复议直接起诉", "复议后起诉"], []),
            (heads * 2, []),
            ([], rows[0].values),
        ]
    return [((r.path + r.values, []) if r.header else (r.path, r.values)) for r in rows]


def _is_value(s: str) -> bool:
    return bool(re.fullmatch(r"[+\-]?[\d.]+(万元)?|/|—|-|", s))


def _split(row: list[str]) -> tuple[list[str], list[str]]:
    k = 0
    while k < len(row) and not _is_value(row[k]):
        k += 1
    return row[:k], row[k:]


# ------------------------------------------------------------------ the official merged-cell layout


@dataclass
class GridCell:
    text: str
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1
    tall: bool = False  # a label spanning many rows (may be printed one character a line)


def _header_text(text: str, style: str) -> str:
    """A header cell as printed: letter-spaced (自 然 人) or wrapped inside the cell (法人或其\\n他组织)."""
    if style == "spaced" and len(text) <= 5:
        return " ".join(text)
    if style == "wrapped" and len(text) >= 4:
        cut = (len(text) + 1) // 2
        return text[:cut] + "\n" + text[cut:]
    return text


REMARKS = ["含转办件", "已办结", "含依申请转主动公开", "详见附件", "本单位"]


def official_grid(
    table: str, rows: list[PrintedRow], header_style: str, remarks: random.Random | None = None, vertical: bool = False
) -> tuple[list[GridCell], int, int]:
    """The table as the official template lays it out: cells with their spans, the number of rows and columns.
    With `remarks`, table 3 gets a 备注 column on the right (some publishers add one), a few of its cells
    holding a note."""
    cells, n_rows, n_cols = _official_grid(table, rows, header_style, vertical)
    if remarks is not None and table == "requests":
        cells.append(GridCell("备注", 0, n_cols, 3, 1))
        for r in range(3, n_rows):
            cells.append(GridCell(remarks.choice(REMARKS) if remarks.random() < 0.15 else "", r, n_cols))
        n_cols += 1
    return cells, n_rows, n_cols


def wrap_label_rows(
    cells: list[GridCell], n_rows: int, rng: random.Random, first_row: int = 3
) -> tuple[list[GridCell], int, list[tuple[int, int]]]:
    """Table 3 with some long row labels printed over two to five grid rows of their own, the numbers on the first
    only and the other rows' cells empty (a narrow label column, as some publishers lay it out). Parent labels are
    stretched over the new rows. Returns the cells, the number of rows and each wrapped row as (first grid row,
    grid rows it takes)."""
    value_from = max(
        c.col + c.colspan for c in cells if c.row >= first_row and not _is_value(c.text) and c.text and c.col < 3
    )
    n_cols = max(c.col + c.colspan for c in cells)
    leaves = [
        c
        for c in cells
        if c.row >= first_row
        and c.col + c.colspan == value_from
        and c.rowspan == 1
        and len(re.sub(r"\s", "", c.text)) >= 6
    ]
    chosen = sorted(rng.sample(leaves, k=min(len(leaves), rng.randint(2, 6))), key=lambda c: -c.row)
    wrapped = []
    for leaf in chosen:
        text = re.sub(r"\s", "", leaf.text)
        k = rng.randint(2, max(2, min(5, len(text) // 3)))
        cut = [round(len(text) * j / k) for j in range(k + 1)]
        pieces = [text[cut[j] : cut[j + 1]] for j in range(k)]
        r, extra = leaf.row, k - 1
        for c in cells:
            if c.row > r:
                c.row += extra
            elif c.col < leaf.col and c.row <= r < c.row + c.rowspan:
                c.rowspan += extra  # a parent label covers the new rows too
        leaf.text = pieces[0]
        for j in range(1, k):
            cells.append(GridCell(pieces[j], r + j, leaf.col, 1, leaf.colspan))
            cells += [GridCell("", r + j, col) for col in range(value_from, n_cols)]
        n_rows += extra
        wrapped.append((leaf, k))
    return cells, n_rows, sorted((leaf.row, k) for leaf, k in wrapped)


def cut_grid(cells: list[GridCell], n_rows: int, at: int):
    """The grid cut in two before grid row `at`, as a page break cuts a table whose rows may break across pages: a
    cell spanning the cut is printed in both parts, its text in the first (the second part's piece is empty, as
    LibreOffice prints the rest of a merged label). Returns [(cells, rows)] of the two parts."""
    top, bottom = [], []
    for c in cells:
        if c.row + c.rowspan <= at:
            top.append(c)
        elif c.row >= at:
            bottom.append(GridCell(c.text, c.row - at, c.col, c.rowspan, c.colspan, c.tall))
        else:
            top.append(GridCell(c.text, c.row, c.col, at - c.row, c.colspan, c.tall))
            bottom.append(GridCell("", 0, c.col, c.row + c.rowspan - at, c.colspan))
    return [(top, at), (bottom, n_rows - at)]


def _official_grid(
    table: str, rows: list[PrintedRow], header_style: str, vertical: bool = False
) -> tuple[list[GridCell], int, int]:
    cells: list[GridCell] = []
    if table == "review_litigation" and vertical:  # three rows of five, the kind of case as the row label
        cells += [GridCell("类别", 0, 0, 1, 2)] + [
            GridCell(_header_text(t, header_style), 0, 2 + k) for k, t in enumerate(REVIEW_HEADS)
        ]
        cells += [
            GridCell("行政复议", 1, 0, 1, 2),
            GridCell("行政诉讼", 2, 0, 2, 1),
            GridCell("未经复议直接起诉", 2, 1),
            GridCell("复议后起诉", 3, 1),
        ]
        for g in range(3):
            cells += [GridCell(v, 1 + g, 2 + k) for k, v in enumerate(rows[0].values[5 * g : 5 * g + 5])]
        return cells, 4, 7
    h = lambda t: _header_text(t, header_style)  # noqa: E731
    if table == "requests":
        cells += [
            GridCell("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", 0, 0, 3, 3),
            GridCell(h("申请人情况"), 0, 3, 1, 7),
            GridCell(h("自然人"), 1, 3, 2, 1),
            GridCell(h("法人或其他组织"), 1, 4, 1, 5),
            GridCell(h("总计"), 1, 9, 2, 1),
        ]
        cells += [
            GridCell(h(t), 2, 4 + k)
            for k, t in enumerate(["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"])
        ]
        r0 = 3
        paths = [r.path for r in rows]
        for i, r in enumerate(rows):
            row = r0 + i
            path = r.path
            for depth, part in enumerate(path):
                last = depth == len(path) - 1
                if not last and i > 0 and paths[i - 1][: depth + 1] == path[: depth + 1]:
                    continue  # covered by the parent cell above
                span = 1
                if not last:
                    while i + span < len(rows) and paths[i + span][: depth + 1] == path[: depth + 1]:
                        span += 1
                colspan = 3 - depth if last else 1
                cells.append(GridCell(part, row, depth, span, colspan, tall=depth == 0 and span > 4))
            for k, value in enumerate(r.values):
                cells.append(GridCell(value, row, 3 + k))
        return cells, r0 + len(rows), 10
    if table == "review_litigation":
        heads = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
        cells += [GridCell(h("行政复议"), 0, 0, 1, 5), GridCell(h("行政诉讼"), 0, 5, 1, 10)]
        cells += [GridCell(h(t), 1, k, 2, 1) for k, t in enumerate(heads)]
        cells += [GridCell(h("未经复议直接起诉"), 1, 5, 1, 5), GridCell(h("复议后起诉"), 1, 10, 1, 5)]
        cells += [GridCell(h(t), 2, 5 + k) for k, t in enumerate(heads * 2)]
        cells += [GridCell(v, 3, k) for k, v in enumerate(rows[0].values)]
        return cells, 4, 15
    width = 4
    for i, r in enumerate(rows):
        texts = r.path + r.values
        if r.header and not r.values:
            cells.append(GridCell(texts[0], i, 0, 1, width))
            continue
        if r.header:
            texts = [texts[0]] + [h(t) for t in texts[1:]]
        for k, t in enumerate(texts):
            colspan = width - k if k == len(texts) - 1 else 1
            cells.append(GridCell(t, i, k, 1, colspan))
    return cells, len(rows), width


def _grid_rows(cells: list[GridCell], n_rows: int) -> list[list[GridCell]]:
    by_row: list[list[GridCell]] = [[] for _ in range(n_rows)]
    for c in cells:
        by_row[c.row].append(c)
    return [sorted(r, key=lambda c: c.col) for r in by_row]


# ------------------------------------------------------------------ renderers


def _sections_in_order(rep: SynthReport, tables: dict):
    """(kind, payload) items in document order: ('h', heading), ('p', sentence), ('t', table name)."""
    for sid in range(1, 7):
        yield "h", rep.headings[sid]
        table = TABLE_OF_SECTION.get(sid)
        cut = rep.before_table.get(sid, 0) if table in tables else len(rep.prose[sid])
        for s in rep.prose[sid][:cut]:
            yield "p", s
        if table in tables:
            yield "t", table
        for s in rep.prose[sid][cut:]:
            yield "p", s


def render_txt_tab(rep, tables) -> str:
    lines = [f"{rep.body}{rep.year}年政府信息公开工作年度报告", ""]
    for kind, x in _sections_in_order(rep, tables):
        if kind == "t":
            for labels, values in flat_rows(x, tables[x], rep.style["review_vertical"]):
                lines += ["\t" + c for c in labels + values]  # a merged parent's place is a bare tab
                lines.append("")
            lines.append("")
        else:
            lines.append(x)
    return "\n".join(lines) + "\n"


def render_txt_pipe(rep, tables) -> str:
    lines = list(rep.junk_before) + [f"{rep.body}{rep.year}年政府信息公开工作年度报告"]
    for kind, x in _sections_in_order(rep, tables):
        if kind == "t":
            for labels, values in flat_rows(x, tables[x], rep.style["review_vertical"]):
                row = [c for c in labels if c] + values
                pad = "|" * random.Random(len(row)).randint(0, 2) + (" |" if len(row) == 1 else "")
                lines.append(" | ".join(row) + " |" + pad)
        else:
            lines.append(x)
    return "\n".join(lines + list(rep.junk_after)) + "\n"


def render_txt_flat(rep, tables) -> str:
    parts = [f"{rep.body}{rep.year}年政府信息公开工作年度报告"]
    for kind, x in _sections_in_order(rep, tables):
        if kind == "t":
            parts.append("".join("".join(labels + values) for labels, values in flat_rows(x, tables[x])))
        else:
            parts.append(x)
    return " ".join(rep.junk_before) + " " + "".join(parts) + " " + " ".join(rep.junk_after) + "\n"


def render_html(rep, tables, rng: random.Random) -> str:
    from html import escape

    body = [
        f"<div class='nav'>{' | '.join(escape(j) for j in rep.junk_before)}</div>",
        f"<h1>{escape(rep.body)}{rep.year}年政府信息公开工作年度报告</h1>",
    ]
    heading_tag = rng.choice(["<p><strong>{}</strong></p>", "<h3>{}</h3>", "<p style='text-indent:2em'><b>{}</b></p>"])
    for kind, x in _sections_in_order(rep, tables):
        if kind == "h":
            body.append(heading_tag.format(escape(x)))
        elif kind == "p":
            body.append(f"<p>{escape(x)}</p>")
        else:
            body.append(_html_table(x, tables[x], rep.style, rng))
    body.append("".join(f"<div>{escape(j)}</div>" for j in rep.junk_after))
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>年报</title></head><body>"
        + "\n".join(body)
        + "</body></html>"
    )


def _html_text(cell: GridCell, style: dict) -> str:
    from html import escape

    if not cell.text:
        return "&nbsp;"
    if cell.tall and style["tall"] == "vertical":
        chars = [ch for ch in cell.text if not ch.isspace()]
        return (
            "".join(f"<p>{escape(ch)}</p>" for ch in chars)
            if style["word_markup"]
            else "<br>".join(escape(ch) for ch in chars)
        )
    lines = [escape(t) for t in cell.text.split("\n")]
    if style["word_markup"]:
        return "".join(
            f"<p class='MsoNormal' align='center'><span style='font-size:10.5pt'>{t}</span></p>" for t in lines
        )
    return "<br>".join(lines)


def _html_table(table: str, rows: list[PrintedRow], style: dict, rng: random.Random) -> str:
    cells, n_rows, _ = official_grid(
        table, rows, style["header"], rng if style["remarks"] else None, style["review_vertical"]
    )
    grid_rows = _grid_rows(cells, n_rows)
    # some sites cut a long table in two (a page break of the Word original): the second part has no header
    cut = rng.randint(8, n_rows - 4) if table == "requests" and style["split"] and n_rows > 14 else None
    out = ["<table border='1' cellspacing='0'>"]
    for i, row in enumerate(grid_rows):
        if i == cut:
            out.append("</table>\n<p>&nbsp;</p>\n<table border='1' cellspacing='0'>")
        tds = []
        for c in row:
            rowspan = min(c.rowspan, cut - i) if cut is not None and i < cut else c.rowspan
            attrs = (f" rowspan='{rowspan}'" if rowspan > 1 else "") + (
                f" colspan='{c.colspan}'" if c.colspan > 1 else ""
            )
            tds.append(f"<td{attrs}>{_html_text(c, style)}</td>")
        if cut is not None and i == cut:
            # a parent label cut by the split is printed again at the top of the second table
            parents = sorted((c for c in cells if c.row < cut < c.row + c.rowspan and c.col < 3), key=lambda c: c.col)
            tds[:0] = [f"<td rowspan='{c.row + c.rowspan - cut}'>{_html_text(c, style)}</td>" for c in parents]
        out.append("<tr>" + "".join(tds) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def render_docx(rep, tables, path: Path, label_widths: list[float] | None = None) -> None:
    """The report as a Word file; `label_widths`: the widths in points of table 3's label columns (the narrow
    family, synth_converter.py), else Word's own."""
    import docx
    from docx.shared import Pt

    d = docx.Document()
    d.add_paragraph(f"{rep.body}{rep.year}年政府信息公开工作年度报告")
    for kind, x in _sections_in_order(rep, tables):
        if kind in ("h", "p"):
            d.add_paragraph(x)
            continue
        cells, n_rows, n_cols = official_grid(
            x,
            tables[x],
            rep.style["header"],
            random.Random(rep.name) if rep.style["remarks"] else None,
            rep.style["review_vertical"],
        )
        if x == "requests" and rep.style.get("wrapped_labels"):
            cells, n_rows, _ = wrap_label_rows(cells, n_rows, random.Random(rep.name + ":wrap"))
        t = d.add_table(rows=n_rows, cols=n_cols)
        t.style = "Table Grid"
        if label_widths and x == "requests":
            t.autofit = False
            for k, width in enumerate(label_widths[:n_cols]):
                for cell in t.columns[k].cells:
                    cell.width = Pt(width)
        for c in cells:
            target = t.cell(c.row, c.col)
            if c.rowspan > 1 or c.colspan > 1:
                target = target.merge(t.cell(c.row + c.rowspan - 1, c.col + c.colspan - 1))
            lines = (
                [ch for ch in c.text if not ch.isspace()]
                if c.tall and rep.style["tall"] == "vertical"
                else c.text.split("\n")
            )
            target.text = lines[0] if lines else ""
            for line in lines[1:]:
                target.add_paragraph(line)
    fixed = datetime(rep.year + 1, 1, 15, 9, 0, 0)  # dates of the file's own: fixed, so the bytes follow the seed
    d.core_properties.created = d.core_properties.modified = d.core_properties.last_printed = fixed
    d.core_properties.revision = 1
    d.save(str(path))
    fixed_zip_times(path)


ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def fixed_zip_times(path: Path) -> None:
    """Rewrite a zip package (a .docx) with every entry dated ZIP_TIME, in the same order: zip entries carry the
    time they were written, which would make two generations from one seed differ."""
    import zipfile

    with zipfile.ZipFile(path) as z:
        entries = [(info, z.read(info)) for info in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in entries:
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = info.compress_type
            fixed.external_attr = info.external_attr
            z.writestr(fixed, data)


def _pdf_table(x, cells, n_rows, n_cols, rep, ruled, small, font, table_size, tight, widths):
    """One table of render_pdf as a reportlab Table."""
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Table, TableStyle

    grid = [[""] * n_cols for _ in range(n_rows)]
    commands = [("FONT", (0, 0), (-1, -1), font, table_size), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
    if tight:
        commands += [("LEFTPADDING", (0, 0), (-1, -1), 1), ("RIGHTPADDING", (0, 0), (-1, -1), 1)]
    for c in cells:
        text = c.text
        if c.tall and rep.style["tall"] == "vertical":
            text = "<br/>".join(ch for ch in text if not ch.isspace())
        else:
            text = text.replace("\n", "<br/>")
        grid[c.row][c.col] = Paragraph(text, small) if text and not _is_value(c.text) else c.text
        if c.rowspan > 1 or c.colspan > 1:
            commands.append(("SPAN", (c.col, c.row), (c.col + c.colspan - 1, c.row + c.rowspan - 1)))
    if ruled:
        commands.append(("GRID", (0, 0), (-1, -1), 0.6, colors.black))
    elif rep.style["three_line"]:
        head = {"requests": 2, "review_litigation": 2}.get(x, 0)
        commands += [
            ("LINEABOVE", (0, 0), (-1, 0), 1.0, colors.black),
            ("LINEBELOW", (0, head), (-1, head), 0.6, colors.black),
            ("LINEBELOW", (0, -1), (-1, -1), 1.0, colors.black),
        ]
    key = x + ("+remarks" if n_cols == 11 else "+vertical" if x == "review_litigation" and n_cols == 7 else "")
    t = Table(grid, colWidths=widths[key], repeatRows=0)
    t.setStyle(TableStyle(commands))
    return t


def render_pdf(
    rep,
    tables,
    path: Path,
    ruled: bool = True,
    font: str | None = None,
    table_size: float = 6.5,
    widths: dict | None = None,
) -> None:
    """The report as a PDF by reportlab: `font` a registered font name (default: the non-embedded CID font
    STSong-Light, as some writers leave CJK fonts out), table text at `table_size` points (widths scale with it)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

    if font is None:
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
        font = "STSong-Light"
    st = ParagraphStyle("n", fontName=font, fontSize=10.5, leading=18)
    small = ParagraphStyle("s", fontName=font, fontSize=table_size, leading=table_size * 1.25)
    tight = widths is not None  # narrow columns: little padding, so a character still fits a line
    widths = widths or {
        "requests": [46, 56, 104] + [34] * 7,
        "review_litigation": [30] * 15,
        "active_disclosure": [150, 90, 90, 90],
        "requests+remarks": [40, 50, 96] + [30] * 7 + [44],
        "review_litigation+vertical": [60, 110] + [56] * 5,
    }
    story = [Paragraph(f"{rep.body}{rep.year}年政府信息公开工作年度报告", st)]
    for kind, x in _sections_in_order(rep, tables):
        if kind in ("h", "p"):
            story.append(Paragraph(x, st))
            continue
        remarks = ruled and rep.style["remarks"]
        cells, n_rows, n_cols = official_grid(
            x,
            tables[x],
            rep.style["header"],
            random.Random(rep.name) if remarks else None,
            rep.style["review_vertical"],
        )
        parts = [(cells, n_rows)]
        if x == "requests" and rep.style.get("wrapped_labels"):
            wrap_rng = random.Random(rep.name + ":wrap")
            cells, n_rows, wrapped = wrap_label_rows(cells, n_rows, wrap_rng)
            parts = [(cells, n_rows)]
            cut = wrap_rng.random() < 0.6 or rep.style["wrapped_labels"] == "cut"
            if wrapped and cut:  # a page break inside a wrapped row: the rest of its label heads the next page
                first, k = wrap_rng.choice(wrapped)
                parts = cut_grid(cells, n_rows, first + wrap_rng.randint(1, k - 1))
        for part, (cells, n_rows) in enumerate(parts):
            if part:
                story.append(PageBreak())
            story.append(_pdf_table(x, cells, n_rows, n_cols, rep, ruled, small, font, table_size, tight, widths))

    def furniture(canvas, doc):
        canvas.setFont(font, 10)
        canvas.drawCentredString(A4[0] / 2, 30, random.Random(doc.page).choice(["- {} -", "— {} —"]).format(doc.page))
        if rep.style["page_header"] and doc.page > 1:
            canvas.setFont(font, 9)
            canvas.drawCentredString(A4[0] / 2, A4[1] - 40, f"{rep.body}{rep.year}年政府信息公开工作年度报告")

    # invariant: no creation date and no random document ID, so the bytes follow the seed
    SimpleDocTemplate(str(path), pagesize=A4, invariant=1).build(story, onFirstPage=furniture, onLaterPages=furniture)
