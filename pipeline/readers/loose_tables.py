"""Tables a PDF prints without ruling lines, rebuilt from the positions of its words (pdfplumber's word grouping):
rows are lines that end in numbers, columns stand where the numbers and the header words do."""

from __future__ import annotations

import re

from ..document import Cell
from .cell_text import is_page_number, printed_cell_text
from .printed_pages import CAPTION, HEADER_WORDS, MAX_HEADER_LINES, NUMBERED_HEADING, RuledTable

_VALUE_WORD = re.compile(r"^(?:[+\-－]?\d[\d,，.]*(?:万元|元)?|[/／—–\-－]{1,2})$")


def _word_lines(words: list[dict]) -> list[list[dict]]:
    """Words grouped into printed lines (by their vertical centre), top to bottom, each line left to right."""
    lines: list[list[dict]] = []
    for w in sorted(words, key=lambda w: ((w["top"] + w["bottom"]) / 2, w["x0"])):
        mid = (w["top"] + w["bottom"]) / 2
        if lines:
            last = lines[-1]
            ref = sum((x["top"] + x["bottom"]) / 2 for x in last) / len(last)
            if abs(mid - ref) <= max(1.5, 0.35 * (w["bottom"] - w["top"])):
                last.append(w)
                continue
        lines.append([w])
    return [sorted(line, key=lambda w: w["x0"]) for line in lines]


def _values_of(line: list[dict]) -> list[dict]:
    """The value words that end a line (a row of a table printed without rulings), or [] for any other line."""
    k = len(line)
    while k > 0 and _VALUE_WORD.match(line[k - 1]["text"]):
        k -= 1
    values = line[k:]
    if not values or (k == 0 and len(values) < 2) or "。" in "".join(w["text"] for w in line[:k]):
        return []
    return values


def _intervals(spans: list[tuple[float, float]], gap: float = 1.5) -> list[tuple[float, float]]:
    out: list[list[float]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1] + gap:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def loose_tables(chars: list[dict]) -> tuple[list[RuledTable], list[dict]]:
    """Tables printed without ruling lines, rebuilt from word positions, and the characters outside them.

    A row of such a table is a line that ends with numbers (or blank marks such as / and —); three or more of them
    in a row, with only label or header lines between, make a table. Value columns are where the value words of
    the table lie (their spans, merged where they overlap); a cell left empty prints nothing and reads as blank.
    Lines without values between rows are wrapped labels, given to the nearest row; the lines right above the first
    row that are not prose or a heading are the table's header."""
    from pdfplumber.utils import extract_words

    if not chars:
        return [], chars
    words = extract_words(chars, x_tolerance=2, y_tolerance=2, keep_blank_chars=False)
    lines = [line for line in _word_lines(words) if not is_page_number(" ".join(w["text"] for w in line))]
    values = [_values_of(line) for line in lines]
    data = [i for i, v in enumerate(values) if v]
    regions: list[list[int]] = []
    for i in data:
        between = range(regions[-1][-1] + 1, i) if regions else range(0)
        if regions and all(_may_be_in_table(lines[j]) for j in between) and i - regions[-1][-1] <= 6:
            regions[-1].append(i)
        else:
            regions.append([i])
    tables = []
    used: set[int] = set()
    for region in regions:
        if len(region) < 3 and max(len(values[i]) for i in region) < 5:
            continue  # too little to be a table (a table 4 prints a single row of 15 numbers)
        first, last = region[0], region[-1]
        top_line = first
        while (
            top_line > 0
            and first - top_line < MAX_HEADER_LINES
            and _may_be_in_table(lines[top_line - 1])
            and lines[top_line - 1][0]["bottom"] > lines[top_line][0]["top"] - 30
        ):
            top_line -= 1
        columns = _intervals([(w["x0"], w["x1"]) for i in region for w in values[i]])
        columns = _columns_from_header(columns, [lines[i] for i in range(top_line, first)])
        label_right = columns[0][0]
        members = list(range(top_line, last + 1))
        row_of: dict[int, int] = {}
        centre = {i: sum((w["top"] + w["bottom"]) / 2 for w in lines[i]) / len(lines[i]) for i in members}
        pitch = sorted(centre[b] - centre[a] for a, b in zip(region, region[1:]))
        pitch = pitch[len(pitch) // 2] if pitch else 2 * (lines[first][0]["bottom"] - lines[first][0]["top"])
        header = [
            i
            for i in members
            if (i < first and (_is_header_line(lines[i], label_right) or centre[first] - centre[i] > 0.75 * pitch))
            or (i not in region and i > first and _is_header_line(lines[i], label_right))
        ]
        for i in members:
            if i in region:
                row_of[i] = i
            elif i not in header:
                row_of[i] = min(region, key=lambda r: (abs(centre[r] - centre[i]), -r))
        rows = []
        for r in sorted(region + header):
            if r in header:
                rows.append(_header_cells(lines[r], columns, label_right))
                continue
            label_words = [
                w
                for i in members
                if row_of.get(i) == r
                for w in lines[i]
                if w["x1"] <= label_right + 1 and (i != r or w not in values[r])
            ]
            parts = []
            for a, b in _intervals([(w["x0"], w["x1"]) for w in label_words], gap=4):
                ws = sorted(
                    (w for w in label_words if a <= w["x0"] and w["x1"] <= b),
                    key=lambda w: ((w["top"] + w["bottom"]) / 2, w["x0"]),
                )
                parts.append(Cell(printed_cell_text("".join(w["text"] for w in ws))))
            cells = [""] * len(columns)
            boxes: dict[int, tuple] = {}  # the words of each value cell, as one box
            for w in values[r]:
                cx = (w["x0"] + w["x1"]) / 2
                k = min(
                    range(len(columns)),
                    key=lambda c: (
                        0
                        if columns[c][0] <= cx <= columns[c][1]
                        else min(abs(cx - columns[c][0]), abs(cx - columns[c][1]))
                    ),
                )
                cells[k] = (cells[k] + " " + w["text"]).strip()
                b = boxes.get(k, (w["x0"], w["top"], w["x1"], w["bottom"]))
                boxes[k] = (min(b[0], w["x0"]), min(b[1], w["top"]), max(b[2], w["x1"]), max(b[3], w["bottom"]))
            rows.append(parts + [Cell(t, box=boxes.get(k)) for k, t in enumerate(cells)])
        inside = {id(w) for i in members if (i in row_of or i in header) for w in lines[i]}
        used |= inside
        x0 = min(w["x0"] for i in members for w in lines[i])
        x1 = max(w["x1"] for i in members for w in lines[i])
        tables.append(
            RuledTable(
                (x0, min(w["top"] for w in lines[top_line]), x1, max(w["bottom"] for w in lines[last])),
                rows,
                loose=True,
            )
        )
    if not tables:
        return [], chars
    boxes = [(w["x0"], w["top"], w["x1"], w["bottom"]) for line in lines for w in line if id(w) in used]
    free = [
        ch
        for ch in chars
        if not any(
            b[0] - 0.5 <= (ch["x0"] + ch["x1"]) / 2 <= b[2] + 0.5
            and b[1] - 0.5 <= (ch["top"] + ch["bottom"]) / 2 <= b[3] + 0.5
            for b in boxes
        )
    ]
    return tables, free


def _columns_from_header(columns: list[tuple[float, float]], header: list[list[dict]]) -> list[tuple[float, float]]:
    """Value columns found where values are printed, completed from the header: a column whose cells are all blank
    (zeros printed as nothing) shows only as a header word over no value. Only a header line whose words each
    stand over at most one known column is used, and only right of the first value column's start."""
    if not columns:
        return columns
    for line in header:
        words = _spaced_out(w for w in line if w["x0"] >= columns[0][0] - 2)
        if len(words) < 2:
            continue
        overlaps = [[c for c in columns if w["x0"] <= c[1] and c[0] <= w["x1"]] for w in words]
        if any(len(o) > 1 for o in overlaps):
            continue  # a word spanning columns (法人或其他组织) does not mark one
        new = [(w["x0"], w["x1"]) for w, o in zip(words, overlaps) if not o]
        if new and len(words) >= len(columns):
            columns = sorted(columns + new)
    return columns


def _spaced_out(words) -> list[dict]:
    """A header line's words (left to right), those parted by no more than a space joined again: a header printed
    letter-spaced (商 业 / 企 业, 维 持, 总 计) is one word over its column, not a word per character, some of which
    would stand between the value columns and make columns of their own."""
    out: list[dict] = []
    for w in words:
        if out and w["x0"] - out[-1]["x1"] <= 0.5 * (w["bottom"] - w["top"]):
            out[-1] = {**out[-1], "text": out[-1]["text"] + w["text"], "x1": max(out[-1]["x1"], w["x1"])}
        else:
            out.append(w)
    return out


def _may_be_in_table(line: list[dict]) -> bool:
    """A line that can sit inside or on top of a table printed without rulings: a wrapped label or a header, not
    prose (a full stop), a numbered section heading or a page number."""
    from ..headings import keyword_scores

    text = "".join(w["text"] for w in line)
    if "。" in text or is_page_number(" ".join(w["text"] for w in line)) or CAPTION.match(text):
        return False
    return not (NUMBERED_HEADING.match(text) and not _values_of(line) and max(keyword_scores(text)) >= 1.5)


def _is_header_line(line: list[dict], label_right: float) -> bool:
    """Inside a table: a header line (第二十条第（五）项, 信息内容 | 本年处理决定数量) rather than a wrapped label."""
    text = "".join(w["text"] for w in line)
    return any(w["x0"] >= label_right - 1 for w in line) or bool(HEADER_WORDS.search(text))


def _header_cells(line: list[dict], columns, label_right: float) -> list[Cell]:
    """A header line: its label-side words as one cell, then each value column's words (a word between columns
    goes to the nearest)."""
    left = "".join(w["text"] for w in line if w["x1"] <= label_right + 1)
    texts = [""] * len(columns)
    for w in line:
        if w["x1"] <= label_right + 1:
            continue
        cx = (w["x0"] + w["x1"]) / 2
        k = min(range(len(columns)), key=lambda c: abs(cx - (columns[c][0] + columns[c][1]) / 2))
        texts[k] += w["text"]
    # only the cells that print something: a header row padded with empty cells would read as a row of zeros
    return [Cell(t) for t in [printed_cell_text(left)] + [printed_cell_text(t) for t in texts] if t]
