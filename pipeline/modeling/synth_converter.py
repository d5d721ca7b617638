"""Two layout families made by converters, for training and for separate scoring (synth.py calls them).

- converter_md: a PDF turned into markdown by a PDF-to-markdown tool. Headings keep their `#` marks; some reports
  carry their own outline (一、… 六、 of their own titles) in the part before the statutory tables, which follow as
  an appendix numbered 一、二、三; the heading of section 5 may be lost (its prose starts with （一）…); tables are
  cut into several pipe tables (one per group, generic column heads 数据1 … 总计, the applicant columns named in a
  header table of their own, table 4 as three tables of five), and some value rows are printed apart from their
  labels, which stand as wrapped text lines above the piece.
- narrow: a ruled PDF or Word file whose label columns are so narrow that a label prints one or two characters a
  line, so that tall rows and merged labels break over pages.

Each renderer may change the drawn report (headings renumbered or lost, outline lines added to section 1's prose),
so the gold file is written from the report after rendering.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

OWN_OUTLINE = [
    "工作机制保障",
    "主动公开工作情况",
    "政府信息公开申请情况",
    "政府信息管理",
    "政府信息公开平台建设",
    "监督保障",
    "政务公开平台建设情况",
    "依申请公开工作情况",
]
NUMERALS = "一二三四五六七八九十"
SUBHEADS_5 = [
    ("（一）主要问题", "（二）改进情况"),
    ("（一）存在的不足", "（二）改进措施"),
    ("（一）上年度问题的改进情况", "（二）本年度存在的主要问题"),
]
REVIEW_HEADS = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
REVIEW_GROUPS = ["行政复议", "行政诉讼（未经复议直接起诉）", "行政诉讼（复议后起诉）"]


def _title(heading: str) -> str:
    """A heading's title without its numeral (四、政府信息公开行政复议、行政诉讼情况 → 政府信息公开行政复议、…)."""
    return re.sub(r"^[一二三四五六七八九十][、.．]\s*", "", heading)


def _wrap(text: str, rng: random.Random) -> list[str]:
    n = rng.randint(6, 12)
    return [text[i : i + n] for i in range(0, len(text), n)] or [""]


def _pipe(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _table(rows: list[list[str]]) -> list[str]:
    """A markdown pipe table: its first row (a converter takes it for the head), the rule, the rest."""
    return [_pipe(rows[0]), _pipe(["---"] * len(rows[0]))] + [_pipe(r) for r in rows[1:]]


def _shape_sections(rep, rng: random.Random) -> None:
    """Renumber, lose or add headings the way converted reports print them (the gold follows)."""
    md = rng.random() < 0.6
    mark = (lambda h: rng.choice(["# ", "## "]) + h) if md else (lambda h: h)
    if rng.random() < 0.5:
        # the report's own outline first: its headings 二、… are prose of section 1; the statutory sections 2-4
        # follow as an appendix numbered 一、二、三 with their full titles
        own = rng.sample(OWN_OUTLINE, k=rng.randint(2, 5))
        sentences = list(rep.prose[1]) or ["本年度工作有序开展。"]
        prose1 = [sentences[0]]
        for k, title in enumerate(own):
            prose1 += [f"{NUMERALS[k + 1]}、{title}", rng.choice(sentences)]
        rep.prose[1] = prose1
        for k, sid in enumerate((2, 3, 4)):
            rep.headings[sid] = NUMERALS[k] + "、" + _title(rep.headings[sid])
        rep.headings[6] = "五、" + _title(rep.headings[6])
        rep.style["lost_5"] = True
    else:
        rep.style["lost_5"] = rng.random() < 0.4
    if rep.style["lost_5"]:
        first, second = rng.choice(SUBHEADS_5)
        sentences = rep.prose[5] or ["本年度未发现问题。"]
        half = max(1, len(sentences) // 2)
        rep.prose[5] = [first] + sentences[:half] + [second] + (sentences[half:] or sentences[:1])
        rep.headings[5] = None
        rep.before_table[4] = len(rep.prose[4])  # prose of section 4 before its table: after it would be 5's
    rep.style["heading_lines"] = {sid: mark(h) for sid, h in rep.headings.items() if h}


def _active_pieces(rep, rows, rng: random.Random) -> list[str]:
    """Table 2 as one small table per 第二十条 item, its group line above it."""
    lines: list[str] = []
    piece: list[list[str]] = []
    for r in rows:
        if r.header and not r.values:
            if piece:
                lines += _table(piece)
                piece = []
            lines.append(r.path[0])
        else:
            piece.append(r.path + r.values)
    if piece:
        lines += _table(piece)
    return lines


def _requests_pieces(rep, rows, rng: random.Random) -> list[str]:
    """Table 3 cut into pieces at its groups, some value rows printed apart from their labels."""
    lines = ["申请人情况", "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"]
    generic = rng.random() < 0.5
    if generic:
        lines += _table([["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]])
    else:
        lines += ["自然人总计", "商业企科研机社会公法律服", "业构益组织务机构其他"]
    detach = rng.choice([0.0, 0.25, 0.5])
    pieces: list[list] = [[]]
    group = None
    for r in rows:
        top = r.path[1] if len(r.path) > 2 else r.path[-1]
        if pieces[-1] and top != group and rng.random() < 0.7:
            pieces.append([])
        group = top
        pieces[-1].append(r)
    for piece in pieces:
        above: list[str] = []
        table_rows: list[list[str]] = []
        if generic:
            table_rows.append(["项目"] + [f"数据{k}" for k in range(1, 7)] + ["总计"])
        for r in piece:
            label = r.path[-1]
            if rng.random() < detach:
                above += _wrap(label, rng)
                table_rows.append(list(r.values))
            else:
                table_rows.append([label] + list(r.values))
        lines += above + _table(table_rows) + [""]
    return lines


def _review_pieces(rep, rows, rng: random.Random) -> list[str]:
    values = rows[0].values
    if rng.random() < 0.5:  # three tables of five, one per kind of case
        lines = []
        for g, name in enumerate(REVIEW_GROUPS):
            lines.append(name)
            lines += _table([REVIEW_HEADS, list(values[5 * g : 5 * g + 5])])
            lines.append("")
        return lines
    # the header as loose text, the 15 numbers as one row under a broken header row
    return ["行政复议行政诉讼", "未经复议直接起诉复议后起诉", "结果结果其他尚未", "总计总计总计"] + _table(
        [["维持", "纠正", "结果", "审结"] * 3, list(values)]
    )


def render_converter_md(rep, tables, rng: random.Random) -> str:
    from .synth import _sections_in_order

    _shape_sections(rep, rng)
    lines = ["正文", f"{rep.year} 年{rep.body}政府信息公开", "工作年度报告"]
    pieces = {"active_disclosure": _active_pieces, "requests": _requests_pieces, "review_litigation": _review_pieces}
    captions = {
        "active_disclosure": "表二：主动公开政府信息情况",
        "requests": "表三：收到和处理政府信息公开申请情况",
        "review_litigation": "表四：政府信息公开行政复议、行政诉讼情况",
    }
    for kind, x in _sections_in_order(rep, tables):
        if kind == "h":
            if x:
                sid = next(s for s, h in rep.headings.items() if h == x)
                lines += ["", rep.style["heading_lines"][sid]]
        elif kind == "p":
            lines.append(x)
        else:
            if rng.random() < 0.5:
                lines.append("## " + captions[x])
            lines += pieces[x](rep, tables[x], rng)
    return "\n".join(lines) + "\n"


NARROW_DOCX_LABEL_WIDTHS = [14, 16, 44]  # points: table 3's three label columns in a Word file
NARROW_WIDTHS = {
    "requests": [14, 20, 60] + [38] * 7,
    "review_litigation": [33] * 15,
    "active_disclosure": [40, 110, 110, 110],
    "requests+remarks": [14, 20, 56] + [36] * 7 + [40],
    "review_litigation+vertical": [12, 18] + [70] * 5,
}


def render_narrow(rep, tables, path: Path, rng: random.Random) -> None:
    """A ruled PDF (or a Word file) whose label columns wrap a character or two a line; prose before the tables is
    lengthened at random so that the page breaks fall inside table 3 at different rows; in half of them some long
    labels are printed over grid rows of their own (synth.wrap_label_rows), so a break may fall inside a row."""
    from .synth import render_docx, render_pdf

    rep.style["tall"] = "vertical"
    # half of them print some long labels of table 3 over grid rows of their own (drawn apart from the report's
    # stream of random numbers, so that every other report of the set stays as it was)
    rep.style["wrapped_labels"] = random.Random(rep.name + ":wrapped").random() < 0.5
    extra = rep.prose[1] * rng.randint(0, 3)
    rep.prose[1] = list(rep.prose[1]) + extra[: rng.randint(0, len(extra))]
    if path.suffix == ".docx":
        render_docx(rep, tables, path, label_widths=NARROW_DOCX_LABEL_WIDTHS)
    else:
        render_pdf(rep, tables, path, ruled=True, widths=NARROW_WIDTHS, table_size=7.5)
