"""Table text read into row records: a table flattened into prose (cells run together with no separator, as a
crawler renders a web page) or printed as loose lines (`规章 0 0 0`), each value run kept whole for the value step
(values.py), which cuts a run only where the table's sums leave one reading.
"""

from __future__ import annotations

import re

from .. import schema
from .cells import normalise
from .labels import HEADER_EXAMPLES
from .records import RowRecord, carry_parents

_PART_SPLIT = re.compile(r"(?=[（(][一二三四五六七八九十][）)])|(?<=[\u4e00-\u9fff）)])(?=\d[.．、])")

_CUT_PHRASES = sorted(
    {normalise(h) for h in HEADER_EXAMPLES if len(h) >= 4 and h not in ("其他结果",)}
    | {
        normalise(v)
        for t in ("2019", "2021")
        for v in schema.fields()["tables"]["active_disclosure"]["templates"][t]["columns"].values()
    },
    key=len,
    reverse=True,
)
_CUT = re.compile("|".join(re.escape(p) for p in _CUT_PHRASES) + r"|第二十条第[（(][一二三四五六七八九十]+[）)]项")
_NUMBERING_AFTER_RUN = re.compile(r"[.．、](?=[\u4e00-\u9fff])")
_RUN = re.compile(r"[+\-]?\d(?:[\d ]*\d)?(?:\.\d+)?(?:万元|元)?")


_CAPTION_NUMBER = re.compile(r"(?:附?表|单位[：:]?)\s*\d{1,2}(?!\d)")


def _is_caption(text: str) -> bool:
    """A short line printed above a table that is no part of it: （单位：件）, 表2 收到和处理政府信息公开申请情况."""
    t = normalise(text)
    if len(t) > 40:
        return False
    if re.match(r"[（(]?附?表\s*\d{1,2}(?!\d)", t):
        return not re.search(r"\d", _CAPTION_NUMBER.sub("", t, count=1))  # 表3 政府信息公开行政复议、行政诉讼情况
    t = re.sub(r"单位[：:]?件", "", t)
    return not re.search(r"\d", _CAPTION_NUMBER.sub("", t)) and not _CUT.search(t)


_STARTS_TABLE = re.compile(r"^\s*(?:第二十条第|[（(]本列数据的|申请人情况|行政复议\s*行政诉讼|信息内容)")


def looks_tabular_text(text: str) -> bool:
    """Text that may be (part of) a table printed as text: no full stop, or the start of a table's header (prose
    glued after a flattened table's last cell does not hide the table). It counts as table text only if the run
    of such blocks it belongs to yields row records."""
    t = text.strip()
    return bool(_STARTS_TABLE.match(t)) or ("。" not in t and not t.endswith(("：", ":")))


def records_from_text(text: str, block_index: int = -1, page=None, section=None) -> list[RowRecord]:
    """Tokenise flattened or loose table text into records: label text, then a run of numbers."""
    records = []
    label_start = 0
    for m in _RUN.finditer(text):
        run, end = m.group(0), m.end()
        # `…00000002.其他法律…`: the last digit before 「.」 numbers the next label
        if not run.endswith("元") and _NUMBERING_AFTER_RUN.match(text, end) and run[-1].isdigit():
            run, end = run[:-1].rstrip(), end - 1
        if not re.search(r"\d", run):
            continue
        if (
            _CAPTION_NUMBER.fullmatch(text[max(label_start, m.start() - 3) : m.start()].lstrip() + run)
            or re.search(r"(?:附?表)\s*$", text[label_start : m.start()])
            and len(run) <= 2
        ):
            continue  # `表2`: a table's number in a caption, not a cell
        label = _clean_label(text[label_start : m.start()])
        if not label and records and label_start == m.start() and run[0] in "+-":
            # `19-23`: a signed cell right after another cell; the sign is a known boundary
            records[-1].values[0] += " " + run.strip()
            records[-1].where[0]["span"][1] = m.start() + len(run)
            label_start = end
            continue
        parts = [x for x in _PART_SPLIT.split(label) if x.strip()] if label else []
        records.append(
            RowRecord(
                parts,
                [run.strip()],
                True,
                block_index,
                page,
                section,
                where=[{"span": [m.start(), m.start() + len(run)]}],
            )
        )
        label_start = end
    if _cells_are_spaced(records):
        # Loose lines (`规章 0 0 0`): whitespace separates every cell, so a piece is one cell and is never cut.
        for rec in records:
            rec.values = rec.values[0].split()
            rec.where = _piece_spans(text, rec.where[0]["span"], rec.values)
            rec.run = False
    return carry_parents(records)


def _piece_spans(text: str, span: list[int], pieces: list[str]) -> list[dict]:
    """The span in `text` of each piece of a run (found in turn inside the run's own span)."""
    out, at = [], span[0]
    for piece in pieces:
        k = text.find(piece, at, span[1])
        k = at if k < 0 else k
        out.append({"span": [k, k + len(piece)]})
        at = k + len(piece)
    return out


def _cells_are_spaced(records: list[RowRecord]) -> bool:
    """True when the text separates cells by spaces (loose lines), False when cells ran together (flattened)."""
    spaced = sum(1 for r in records if re.search(r" (?![+\-])", r.values[0]))
    packed = sum(1 for r in records if not re.search(r" (?![+\-])", r.values[0]) and len(r.values[0]) >= 4)
    return spaced > 0 and spaced >= packed


_HEADER_END = re.compile(
    r"(?:总计|自然人|其他|申请人情况)(?=[一二三四][、.．]|[（(][一二三四五六七][）)])"
    r"|附?表\s*\d{1,2}[^一二三四（(]{0,30}?情况"
)
_MEANINGFUL = re.compile(r"[\u4e00-\u9fff0-9A-Za-z]")


def _clean_label(label: str) -> str:
    """A label read from flowing table text, without the column headers printed before it: the text is cut after
    the last header phrase (信息内容, 本年新制作数量 … or a header row's last word right before a numbered row)
    that leaves a label of two or more characters, so `（七）总计（单位：件）` keeps its note instead of
    becoming `）`."""
    label = label.strip()
    flat = normalise(label)
    ends = sorted({m.end() for m in _CUT.finditer(flat)} | {m.end() for m in _HEADER_END.finditer(flat)}, reverse=True)
    for n in ends:
        if len(_MEANINGFUL.findall(flat[n:])) < 2:
            continue
        # map the cut back to the unnormalised label by counting non-space characters
        i = 0
        count = 0
        while i < len(label) and count < n:
            if not label[i].isspace():
                count += 1
            i += 1
        return label[i:].strip()
    return label
