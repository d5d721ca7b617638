"""Plain text as crawlers and converters save it.

Three table layouts are recognised and turned into grids:
- tab tables: one cell per line, each cell line starting with a tab, rows separated by blank lines, bare tabs as
  placeholders for merged cells, and a line without a tab right after a cell continuing that cell (a wrap);
- pipe tables: `a | b | c |` rows (markdown tables included);
- anything else stays text. Very long lines (a whole report saved on one line) are split before numbered headings,
  so that the section and table stages see the report's structure; tables inside them stay flattened text.
"""

from __future__ import annotations

import re

from ..document import (
    MAX_TABLE_CELLS,
    Block,
    BlockLimit,
    Cell,
    Document,
    ReadError,
    strip_invisible,
    table_size_problem,
)
from .encoding import decode_bytes

LONG_LINE = 200
MAX_LINES = 1_000_000  # a report has a few thousand lines; millions of short lines would only fill memory
_MARKER = re.compile(
    r"(?<![第])(?=[一二三四五六七八九十]{1,2}、)|(?<=[。；！？\s])(?=[一二三四五六][.．](?![\d]))"
    r"|(?=[一二三四五六][.．]\s*(?:总体|概述|主动公开|收到和处理|政府信息公开行政复议|存在的|其[他它]需要))"
)
_HEADING_END = re.compile(r"情况：?|事项：?|措施|概述|概况")
# where a table starts right after a sentence (本年度主动公开情况如下：第二十条第（一）项…), or prose starts right after
# a table's last cell run (…0000000二是提升依申请公开答复质量…。): the two are cut apart
_PROSE_TABLE = re.compile(
    r"(?<=[^\s\d])(?=第二十条第[（(]一[）)]|[（(]本列数据的|行政复议\s*行政诉讼结果|申请人情况自然人)"
)
# The wordings of the six headings (and the usual variants): a heading glued to the text after it is cut where its
# wording ends, even when it lacks its closing word (三、收到和处理政府信息公开申请区社会事业局…).
_HEADING_STEM = re.compile(
    r"[一二三四五六][、.．]\s*(?:"
    r"总体情况|总体概况|概述|基本情况"
    r"|(?:行政机关)?主动公开政府信息(?:工作)?|主动公开"
    r"|(?:行政机关)?收到和处理政府信息公开申请|政府信息公开申请|依申请公开"
    r"|(?:因)?政府信息公开(?:工作)?(?:被申请)?行政复议[、和及]\s*(?:提起)?行政诉讼|行政复议[、和及]行政诉讼"
    r"|(?:政府信息公开工作)?存在的(?:主要)?(?:问题|不足)(?:及|和)改进|主要问题(?:及|和)改进"
    r"|其[他它]需要报告(?:的)?事项|其[他它]事项)"
    r"(?:的情况|工作情况|情况|措施|事项)?[：:]?"
)
_TABLE_TAIL = re.compile(r"(?<=\d)(?=[\u4e00-\u9fff“《][^\d。]{8,}?。|(?:19|20)\d{2}\s*年[^。]{6,}?。)")
_IN_TABLE = re.compile(r"第二十条|信息内容|申请人情况|行政复议行政诉讼|本年新收|结转下年度|结果维持")


def _table_then_prose(part: str):
    """Cut a table's text from prose glued after its last cell: only where the text before holds a table (its
    header words and many digits), so a number in a sentence (发布信息14条) never cuts it."""
    start = 0
    for m in _TABLE_TAIL.finditer(part):
        head = part[start : m.start()]
        if _IN_TABLE.search(head) and sum(ch.isdigit() for ch in head) >= 6:
            yield head
            start = m.start()
    yield part[start:]


# where a heading glued to a flattened table ends when it has no closing word: the table's first header cell
_TABLE_START = re.compile(r"第二十条|[（(]本列数据|行政复议行政诉讼|申请人情况|信息内容|附?表\s*\d|[（(]?单位[：:]|\d")
_PIPE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}")
# a converter's markdown heading marker (`## 表二：…`, `# 一、总体情况`): markup, not printed text
_MD_HEADING = re.compile(r"^#{1,6}\s+")


def _is_pipe_row(line: str) -> bool:
    return line.count("|") >= 2


def _pipe_cells(line: str) -> list[Cell]:
    """Cells of a pipe row. A pipe at the very start of the line opens the row (markdown); a line that starts with
    blanks before its first pipe begins with a blank cell. Blank cells at the end are kept (they may be zeros printed
    blank); the padding some renderers add to a row is trimmed later, where the table's width is known."""
    body = line.rstrip("\r\n")
    parts = [p.strip() for p in body.split("|")]
    if body.startswith("|"):
        parts = parts[1:]
    if body.rstrip().endswith("|"):
        parts = parts[:-1]
    while parts and not any(parts) and len(parts) > 1:
        parts.pop()
    return [Cell(p) for p in parts]


def split_heading(text: str) -> list[str]:
    """`一、总体情况。2020年，…` → [`一、总体情况`, `2020年，…`]: a numbered heading glued to the prose after it."""
    text = strip_invisible(text) or text  # what is shown (\u200b一、…); marks alone are dropped by the Document
    m = re.match(r"[一二三四五六七八九十]{1,2}、", text)
    if not m or len(text) <= 40:
        return [text]
    end = _HEADING_END.search(text, 0, 40)
    if end is None:
        return [text]
    head, rest = text[: end.end()].strip(), text[end.end() :].lstrip("。.：: \u3000").strip()
    return [head, rest] if rest else [head]


class _Cut:
    def __init__(self, pos: int):
        self.pos = pos

    def end(self) -> int:
        return self.pos


def _glued_table_start(part: str):
    """A heading without its closing word glued to a table: cut where the table's header begins."""
    m = _TABLE_START.search(part, 4, 40)
    if m and 6 <= m.start() and not re.match(r"[一二三四五六七八九十]{1,2}、(本年|上年|结转)", part):
        return _Cut(m.start())
    return None


def split_long_line(line: str) -> list[str]:
    """Split a line holding many paragraphs before each numbered heading (一、 二、 …) and at wide gaps.

    A heading glued to the text after it (二、主动公开政府信息情况第二十条…) is split after the heading's last word
    (情况, 事项, 措施) when that comes within the first 40 characters.
    """
    return list(iter_long_line(line))


def _segments(line: str, pattern: re.Pattern):
    """`pattern.split(line)` lazily: a 30 MB line of `一、一、…` must not become a list of 15 million strings."""
    start = 0
    for m in pattern.finditer(line):
        yield line[start : m.start()]
        start = m.end()
    yield line[start:]


_GAP = re.compile(r"\s{2,}|(?<=[。；！？])\s+")


def iter_long_line(line: str):
    """The pieces of `split_long_line`, one at a time."""
    line = strip_invisible(line)
    for seg in _segments(line, _MARKER):
        for part in (
            p for piece in _segments(seg, _GAP) for q in _segments(piece, _PROSE_TABLE) for p in _table_then_prose(q)
        ):
            part = part.strip()
            if not part:
                continue
            if re.match(r"[一二三四五六七八九十]{1,2}[、.．]", part):
                stem = _HEADING_STEM.match(part)
                cuts = [c for c in (_HEADING_END.search(part, 0, 40), _glued_table_start(part)) if c]
                m = stem if stem and len(part) > stem.end() else (min(cuts, key=lambda c: c.end()) if cuts else None)
                if m:
                    yield part[: m.end()].strip()
                    rest = part[m.end() :].strip()
                    if rest:
                        yield rest
                    continue
                # headings followed by a space: 一、总体情况 2023年…
                head, _, rest = part.partition(" ")
                if len(head) <= 40 and rest and len(part) > 40:
                    yield head
                    yield rest.strip()
                    continue
            yield part


def parse_text(text: str, path: str, fmt: str = "txt") -> Document:
    # the Document drops characters that print nothing anyway; they go first here too, because this reader finds
    # headings and tables in the characters themselves (一\u200b、总体情况 glued to a crawler's one-line report, a
    # tab table line that starts with U+FEFF)
    text = strip_invisible(text).replace("\r\n", "\n").replace("\r", "\n")
    n_lines = text.count("\n") + 1
    if n_lines > MAX_LINES:
        raise ReadError(
            f"document too large: {n_lines} lines (the limit is {MAX_LINES}; an annual report has a few thousand)"
        )
    lines = text.split("\n")
    blocks = BlockLimit()
    warnings: list[str] = []

    def add_table(rows):
        problem = table_size_problem(rows)
        if problem:
            warnings.append(problem)
        else:
            blocks.add(Block("table", rows=rows))

    i = 0
    n = len(lines)
    while i < n:
        line = lines[i]
        if line.startswith("\t"):
            rows, i = _read_tab_table(lines, i)
            if rows:
                add_table(rows)
            continue
        if _is_pipe_row(line):
            rows = []
            n_cells = 0
            while i < n and _is_pipe_row(lines[i]):
                n_cells += lines[i].count("|")
                if not _PIPE_RULE.match(lines[i]) and n_cells <= MAX_TABLE_CELLS:
                    cells = _pipe_cells(lines[i])
                    if cells:
                        rows.append(cells)
                i += 1
            if n_cells > MAX_TABLE_CELLS:  # not even split into cells: millions of them would fill memory
                warnings.append(f"table too large: {n_cells} cells (the limit is {MAX_TABLE_CELLS}); it was left out")
            elif rows:
                add_table(rows)
            continue
        stripped = _MD_HEADING.sub("", line.strip().replace("\u3000", " ").strip())
        if stripped:
            if len(stripped) > LONG_LINE:
                blocks.add_all(Block("text", text=piece) for piece in iter_long_line(stripped))
            else:
                blocks.add_all(Block("text", text=t) for t in split_heading(stripped))
        i += 1
    return Document(path=path, format=fmt, blocks=list(blocks), warnings=warnings)


def _read_tab_table(lines: list[str], i: int) -> tuple[list[list[Cell]], int]:
    rows: list[list[Cell]] = []
    row: list[Cell] = []
    n = len(lines)
    prev_was_cell = False
    while i < n:
        line = lines[i]
        if line.startswith("\t"):
            row.append(Cell(line[1:].strip()))
            prev_was_cell = True
        elif line.strip() == "":
            if row:
                rows.append(row)
                row = []
            prev_was_cell = False
            # The table ends where a blank line is followed by a line that is neither a cell nor blank.
            j = i + 1
            while j < n and lines[j].strip() == "" and not lines[j].startswith("\t"):
                j += 1
            if j >= n or not lines[j].startswith("\t"):
                return rows, j
        elif prev_was_cell and row:
            row[-1].text += line.strip()  # a cell that wrapped onto the next line
        else:
            break
        i += 1
    if row:
        rows.append(row)
    return rows, i


def read_text(path: str, data: bytes) -> Document:
    notes: list[str] = []
    text = decode_bytes(data, path, notes=notes)
    if not text.strip():
        raise ReadError("empty document: the file holds no text")
    doc = parse_text(text, path)
    doc.warnings[:0] = notes
    return doc
