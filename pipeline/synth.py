"""Synthetic labelled reports in every layout family seen in the wild, for training and for separate scoring.

A report is drawn at random (template 2019 or 2021, numbers that obey the tables' own sums, prose sentences taken
from the real corpus, heading wordings and label variants, blank / `/` / `—` cells for zeros, extra local rows,
missing tables, website junk around the text) and rendered in one layout family:

html (official merged cells), pdf_bordered (reportlab, several pages, tables split at page breaks, page numbers),
docx (merged cells), txt_tab (one cell per line, tab indents), txt_pipe (pipe rows), txt_flat (the whole report on
one line, cells run together). Each document gets a gold file in the format of LABELS.md.
"""
from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import schema
from .sections import is_junk

FAMILIES = ["html", "pdf_bordered", "docx", "txt_tab", "txt_pipe", "txt_flat"]
EXT = {"html": "html", "pdf_bordered": "pdf", "docx": "docx", "txt_tab": "txt", "txt_pipe": "txt", "txt_flat": "txt"}
HEADINGS = {
    1: ["一、总体情况", "一、总体情况", "一、 总体情况", "一、概述"],
    2: ["二、主动公开政府信息情况", "二、行政机关主动公开政府信息情况", "二、主动公开政府信息"],
    3: ["三、收到和处理政府信息公开申请情况", "三、行政机关收到和处理政府信息公开申请情况", "三、收到和处理政府信息公开申请"],
    4: ["四、政府信息公开行政复议、行政诉讼情况", "四、因政府信息公开工作被申请行政复议、提起行政诉讼情况",
        "四、政府信息公开行政复议和行政诉讼情况"],
    5: ["五、存在的主要问题及改进情况", "五、政府信息公开工作存在的主要问题及改进情况", "五、存在的主要问题及改进措施",
        "五、存在的问题及改进情况"],
    6: ["六、其他需要报告的事项", "六、其他需要报告的事项", "六、其它需要报告的事项"],
}
BODIES = ["示例市", "青山县", "江北区人民政府", "东湖市交通运输局", "南平县教育局", "西城区卫生健康委员会", "北川市自然资源局"]
JUNK_BEFORE = ["首页 > 政务公开 > 政府信息公开年报", "字体：[大 中 小]", "发布时间：2024-01-20 来源：本站", "打印本页 | 关闭窗口"]
JUNK_AFTER = ["附件下载", "相关链接", "版权所有：示例市人民政府办公室", "网站标识码：3500000000", "扫一扫在手机上查看当前页面"]
EXTRA_ROWS = ["其他主动公开文件", "行政确认", "行政奖励", "行政给付"]
ZERO_MARKS = ["0", "0", "0", "", "/", "—", "-"]
TRAD = str.maketrans("开计处请数结转办复议诉讼维纠审总业构组织务规范许罚强费采购项门关会权护类执询据为时现废发决认书证",
                     "開計處請數結轉辦復議訴訟維糾審總業構組織務規範許罰強費採購項門關會權護類執詢據為時現廢發決認書證")


@dataclass
class SynthReport:
    name: str
    family: str
    template: str
    year: int
    body: str
    headings: dict[int, str]
    prose: dict[int, list[str]]
    tables: dict  # gold tables in LABELS.md shape
    printed: dict = field(default_factory=dict)  # table -> row -> list of printed strings
    extras: list = field(default_factory=list)
    junk_before: list = field(default_factory=list)
    junk_after: list = field(default_factory=list)
    label_variant: str = "plain"


def corpus_sentences(raw_dir: str | Path) -> list[str]:
    """Prose sentences from the real corpus (text files), used so that synthetic prose reads like reports."""
    out = []
    for p in sorted(Path(raw_dir).rglob("*.txt")):
        text = p.read_text(encoding="utf-8", errors="ignore")
        for sent in re.split(r"(?<=[。！!])", text):
            sent = re.sub(r"\s+", "", sent)
            if (20 <= len(sent) <= 160 and not re.search(r"[|\t]|\d{6,}|[一二三四五六]、|[（(][一二三四五六七八九十][）)]", sent)
                    and not is_junk(sent) and "浏览器" not in sent and "链接" not in sent):
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
        vals[r] = [rng.randint(0, scale if hot else max(1, scale // 10)) if rng.random() < (0.8 if hot else 0.2)
                   else 0 for _ in range(6)]
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
    prose = {sid: rng.sample(sentences, k=min(len(sentences), n))
             for sid, n in {1: rng.randint(2, 6), 2: 0, 3: 0, 4: 0, 5: rng.randint(1, 4), 6: rng.randint(1, 2)}.items()}
    tables = {}
    missing = {t for t in schema.TABLES if rng.random() < 0.08}
    if "active_disclosure" not in missing:
        tables["active_disclosure"] = {"status": "found", "rows": _active_values(rng, template), "extra_rows": []}
    if "requests" not in missing:
        tables["requests"] = {"status": "found", "rows": {
            r: dict(zip(schema.column_ids("requests", template, r), v))
            for r, v in _requests_values(rng, template).items()}}
    if "review_litigation" not in missing:
        tables["review_litigation"] = {"status": "found", "rows": _review_values(rng)}
    for t in missing:
        tables[t] = {"status": "missing"}
        prose[schema.fields()["tables"][t]["section"]] = ["本年度无相关数据。"]
    rep = SynthReport(name, family, template, year, rng.choice(BODIES), headings, prose, tables)
    if "active_disclosure" not in missing and rng.random() < 0.3:
        label = rng.choice(EXTRA_ROWS)
        ncols = 3 if template == "2019" else 3
        values = [rng.randint(0, 500) for _ in range(ncols)]
        rep.extras.append((label, values))
        tables["active_disclosure"]["extra_rows"].append({"label": label, "values": values})
    rep.junk_before = rng.sample(JUNK_BEFORE, k=rng.randint(0, 3)) if family in ("html", "txt_pipe", "txt_flat") else []
    rep.junk_after = rng.sample(JUNK_AFTER, k=rng.randint(0, 3)) if family in ("html", "txt_pipe", "txt_flat") else []
    rep.label_variant = rng.choice(["plain", "plain", "notes", "numbering", "traditional", "spaced"])
    return rep


def gold_of(rep: SynthReport, document: str) -> dict:
    sections = []
    for sid in range(1, 7):
        texts = rep.prose[sid]
        flat = "".join(texts).replace(" ", "")
        sections.append({"id": sid, "heading": rep.headings[sid], "start": flat[:15] if flat else None,
                         "end": flat[-15:] if flat else None})
    return {"document": document, "meta": {"body": rep.body, "year": rep.year, "template": rep.template},
            "sections": sections, "tables": rep.tables}


# ------------------------------------------------------------------ printed cells

def _label(text: str, variant: str, rng: random.Random) -> str:
    if variant == "notes" and rng.random() < 0.3:
        return text + rng.choice(["（本单位）", "(含下属单位)", "（单位：件）"])
    if variant == "numbering":
        text = re.sub(r"^(\d)\.", lambda m: rng.choice([f"{m.group(1)}、", f"（{m.group(1)}）", f"{m.group(1)}．"]), text)
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


def table_rows(rep: SynthReport, rng: random.Random) -> dict[str, list[list[str]]]:
    """Each found table as rows of printed strings (labels, then values), in the official order."""
    zero = rng.choice(ZERO_MARKS) if rep.family not in ("txt_flat",) else "0"
    v = rep.label_variant
    out = {}
    if rep.tables["active_disclosure"]["status"] == "found":
        spec = schema.fields()["tables"]["active_disclosure"]["templates"][rep.template]
        rows = []
        group = None
        for row, rs in spec["rows"].items():
            if rs["group"] != group:
                group = rs["group"]
                rows.append([group])
                rows.append(["信息内容"] + [spec["columns"][c] for c in rs["columns"]])
            vals = rep.tables["active_disclosure"]["rows"][row]
            rows.append([_label(rs["label"], v, rng)] + [_cell(vals[c], rng, zero, schema.value_kind("", c))
                                                         for c in rs["columns"]])
            if row == "normative_docs":
                for label, values in rep.extras:
                    rows.append([label] + [str(x) for x in values])
        out["active_disclosure"] = rows
    if rep.tables["requests"]["status"] == "found":
        rows = [["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "申请人情况"],
                ["自然人", "法人或其他组织", "总计"],
                ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]]
        for row in schema.row_ids("requests", rep.template):
            parts = schema.row_label("requests", row).split("／")
            vals = rep.tables["requests"]["rows"][row]
            rows.append([_label(p, v, rng) for p in parts] +
                        [_cell(vals[c], rng, zero) for c in schema.column_ids("requests", rep.template, row)])
        out["requests"] = rows
    if rep.tables["review_litigation"]["status"] == "found":
        heads = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
        vals = rep.tables["review_litigation"]["rows"]
        values = [_cell(vals[r][c], rng, zero) for r in ("review", "litigation_direct", "litigation_after_review")
                  for c in ("upheld", "corrected", "other", "pending", "total")]
        out["review_litigation"] = [["行政复议", "行政诉讼"], heads + ["未经复议直接起诉", "复议后起诉"], heads * 2, values]
    return out


def _is_value(s: str) -> bool:
    return bool(re.fullmatch(r"[+\-]?[\d.]+(万元)?|/|—|-|", s))


def _split(row: list[str]) -> tuple[list[str], list[str]]:
    k = 0
    while k < len(row) and not _is_value(row[k]):
        k += 1
    return row[:k], row[k:]


# ------------------------------------------------------------------ renderers

def _sections_in_order(rep: SynthReport, tables: dict):
    """(kind, payload) items in document order: ('h', heading), ('p', sentence), ('t', (table, rows))."""
    for sid in range(1, 7):
        yield "h", rep.headings[sid]
        table = {2: "active_disclosure", 3: "requests", 4: "review_litigation"}.get(sid)
        if table and table in tables:
            yield "t", (table, tables[table])
        for s in rep.prose[sid]:
            yield "p", s


def render_txt_tab(rep, tables) -> str:
    lines = [f"{rep.body}{rep.year}年政府信息公开工作年度报告", ""]
    for kind, x in _sections_in_order(rep, tables):
        if kind == "t":
            table, rows = x
            for row in rows:
                labels, values = _split(row)
                if table == "requests" and len(labels) < 3 and values:
                    labels = [""] * (3 - len(labels)) + labels if labels[0].startswith("（") else labels
                lines += ["\t" + c for c in labels + values]
                lines.append("")
            lines.append("")
        else:
            lines.append(x)
    return "\n".join(lines) + "\n"


def render_txt_pipe(rep, tables) -> str:
    lines = list(rep.junk_before) + [f"{rep.body}{rep.year}年政府信息公开工作年度报告"]
    for kind, x in _sections_in_order(rep, tables):
        if kind == "t":
            for row in x[1]:
                pad = "|" * random.Random(len(row)).randint(0, 2) + (" |" if len(row) == 1 else "")
                lines.append(" | ".join(row) + " |" + pad)
        else:
            lines.append(x)
    return "\n".join(lines + list(rep.junk_after)) + "\n"


def render_txt_flat(rep, tables) -> str:
    parts = [f"{rep.body}{rep.year}年政府信息公开工作年度报告"]
    for kind, x in _sections_in_order(rep, tables):
        if kind == "t":
            parts.append("".join("".join(r) for r in x[1]))
        else:
            parts.append(x)
    return " ".join(rep.junk_before) + " " + "".join(parts) + " " + " ".join(rep.junk_after) + "\n"


def render_html(rep, tables) -> str:
    from html import escape

    body = [f"<div class='nav'>{' | '.join(escape(j) for j in rep.junk_before)}</div>",
            f"<h1>{escape(rep.body)}{rep.year}年政府信息公开工作年度报告</h1>"]
    for kind, x in _sections_in_order(rep, tables):
        if kind == "h":
            body.append(f"<p><strong>{escape(x)}</strong></p>")
        elif kind == "p":
            body.append(f"<p>{escape(x)}</p>")
        else:
            table, rows = x
            body.append(_html_table(table, rows))
    body.append("".join(f"<div>{escape(j)}</div>" for j in rep.junk_after))
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>年报</title></head><body>"
            + "\n".join(body) + "</body></html>")


def _html_table(table: str, rows: list[list[str]]) -> str:
    from html import escape

    out = ["<table border='1'>"]
    if table == "requests":
        head, body = rows[:3], rows[3:]
        out.append(f"<tr><td rowspan='2' colspan='3'>{escape(head[0][0])}</td><td rowspan='2'>自然人</td>"
                   f"<td colspan='5'>法人或其他组织</td><td rowspan='2'>总计</td></tr>")
        out.append("<tr>" + "".join(f"<td>{escape(h)}</td>" for h in head[2]) + "</tr>")
        prev_parents: list[str] = []
        spans = _parent_spans(body)
        for i, row in enumerate(body):
            labels, values = _split(row)
            cells = []
            if len(labels) == 1:
                cells.append(f"<td colspan='3'>{escape(labels[0])}</td>")
            else:
                for depth, lab in enumerate(labels[:-1]):
                    if depth < len(prev_parents) and prev_parents[depth] == lab:
                        continue
                    cells.append(f"<td rowspan='{spans[(i, depth)]}'>{escape(lab)}</td>")
                colspan = 3 - len(labels) + 1
                cells.append(f"<td colspan='{colspan}'>{escape(labels[-1])}</td>" if colspan > 1
                             else f"<td>{escape(labels[-1])}</td>")
            prev_parents = labels[:-1]
            cells += [f"<td>{escape(v) if v else '&nbsp;'}</td>" for v in values]
            out.append("<tr>" + "".join(cells) + "</tr>")
    else:
        width = max(len(r) for r in rows)
        for row in rows:
            cells = [f"<td>{escape(c) if c else '&nbsp;'}</td>" for c in row]
            if len(row) < width:
                cells[-1] = cells[-1].replace("<td>", f"<td colspan='{width - len(row) + 1}'>", 1)
            out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def _parent_spans(body: list[list[str]]) -> dict[tuple[int, int], int]:
    spans = {}
    labels = [_split(r)[0] for r in body]
    for i, lab in enumerate(labels):
        for depth in range(len(lab) - 1):
            n = 1
            while (i + n < len(labels) and len(labels[i + n]) > depth + 1
                   and labels[i + n][depth] == lab[depth]):
                n += 1
            spans[(i, depth)] = n
    return spans


def render_docx(rep, tables, path: Path) -> None:
    import docx

    d = docx.Document()
    d.add_paragraph(f"{rep.body}{rep.year}年政府信息公开工作年度报告")
    for kind, x in _sections_in_order(rep, tables):
        if kind in ("h", "p"):
            d.add_paragraph(x)
            continue
        table, rows = x
        width = max(len(r) for r in rows) if table != "requests" else 10
        t = d.add_table(rows=len(rows), cols=width)
        for r, row in enumerate(rows):
            if table == "requests" and r >= 3:
                labels, values = _split(row)
                for k, lab in enumerate(labels):
                    t.cell(r, k).text = lab
                for k, val in enumerate(values):
                    t.cell(r, 3 + k).text = val
            else:
                for k, val in enumerate(row):
                    t.cell(r, k).text = val
    d.save(str(path))


def render_pdf(rep, tables, path: Path) -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    font = "STSong-Light"
    st = ParagraphStyle("n", fontName=font, fontSize=10.5, leading=18)
    small = ParagraphStyle("s", fontName=font, fontSize=6.5, leading=8)
    story = [Paragraph(f"{rep.body}{rep.year}年政府信息公开工作年度报告", st)]
    for kind, x in _sections_in_order(rep, tables):
        if kind in ("h", "p"):
            story.append(Paragraph(x, st))
            continue
        table, rows = x
        if table == "requests":
            grid = [["", "", ""] + ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]]
            for row in rows[3:]:
                labels, values = _split(row)
                labels = ([""] * (3 - len(labels)) + labels) if len(labels) < 3 and labels[0].startswith("（") \
                    else labels + [""] * (3 - len(labels))
                grid.append([Paragraph(l, small) if l else "" for l in labels] + values)
            widths = [50, 60, 110] + [32] * 7
        elif table == "review_litigation":
            grid = [rows[0][:1] + [""] * 4 + rows[0][1:] + [""] * 9, rows[2], rows[3]]
            widths = [30] * 15
        else:
            w = 4
            grid = [[Paragraph(c, small) if i == 0 else c for i, c in enumerate(r)] + [""] * (w - len(r)) for r in rows]
            widths = [150, 90, 90, 90]
        t = Table(grid, colWidths=widths)
        t.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), font, 6.5), ("GRID", (0, 0), (-1, -1), 0.6, colors.black)]))
        story.append(t)

    def number(canvas, doc):
        canvas.setFont(font, 10)
        canvas.drawCentredString(A4[0] / 2, 30, random.Random(doc.page).choice(["- {} -", "— {} —"]).format(doc.page))

    SimpleDocTemplate(str(path), pagesize=A4).build(story, onFirstPage=number, onLaterPages=number)


def generate(out_dir: str | Path, n: int, seed: int, raw_dir: str | Path, families: list[str] | None = None) -> list:
    out = Path(out_dir)
    (out / "docs").mkdir(parents=True, exist_ok=True)
    (out / "labels").mkdir(parents=True, exist_ok=True)
    sentences = corpus_sentences(raw_dir)
    rng = random.Random(seed)
    families = families or FAMILIES
    made = []
    for i in range(n):
        family = families[i % len(families)]
        name = f"synth-{i:04d}-{family}.{EXT[family]}"
        rep = draw_report(rng, name, family, sentences)
        tables = table_rows(rep, rng)
        path = out / "docs" / name
        if family == "html":
            page = render_html(rep, tables)
            if rng.random() < 0.5:  # GBK pages, half of them with no charset declared
                page = page.replace("<meta charset='utf-8'>", rng.choice(["", "<meta charset='gb2312'>"]))
                path.write_bytes(page.encode("gb18030"))
            else:
                path.write_text(page, encoding="utf-8")
        elif family == "txt_tab":
            path.write_text(render_txt_tab(rep, tables), encoding="utf-8")
        elif family == "txt_pipe":
            path.write_text(render_txt_pipe(rep, tables), encoding="utf-8")
        elif family == "txt_flat":
            path.write_text(render_txt_flat(rep, tables), encoding="utf-8")
        elif family == "docx":
            render_docx(rep, tables, path)
        elif family == "pdf_bordered":
            render_pdf(rep, tables, path)
        gold = gold_of(rep, name)
        (out / "labels" / f"{name}.gold.json").write_text(json.dumps(gold, ensure_ascii=False, indent=1),
                                                          encoding="utf-8")
        made.append(name)
    return made
