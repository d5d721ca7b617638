"""The three statutory tables: find their rows in any layout and read every canonical cell.

1. Row records. Every table grid (from HTML, DOCX, PDF or text) becomes records of (label parts, value cells):
   merged parent labels (rowspan cells, or blank placeholders under a label) are carried down to their children.
   Text that holds a table flattened into prose (cells run together) or loose lines (`规章 0 0 0`) is tokenised
   into the same records, with each value run kept whole for step 3.
2. Row labels. The row labeler maps each record to `table:row`, `extra` or `header`, restricted to the table of
   the section the record was printed in. The template (2019 or 2021) is decided from rows and headers that only
   one template has, or from the year.
3. Values. Cells are parsed by `cells.parse_value`; runs whose cell boundaries were lost are cut only where the
   table's own sums leave exactly one reading, otherwise the row is unreadable (null), never guessed.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from .. import schema
from .cells import is_blank, looks_numeric, normalise, parse_value, split_run
from ..document import Block, expand_spans, origin_cells, span_origins
from .labels import HEADER_EXAMPLES, RowLabeler
from .ocr_guard import verify_ocr_table

SECTION_OF_TABLE = {"active_disclosure": 2, "requests": 3, "review_litigation": 4}
TABLE_OF_SECTION = {v: k for k, v in SECTION_OF_TABLE.items()}
MIN_LABEL_CONFIDENCE = 0.5
OUTCOME_ROWS_2019 = [r for r in schema.row_ids("requests", "2019") if r not in
                     ("new_received", "carried_over", "total", "carried_forward")]
OUTCOME_ROWS_2021 = [r for r in schema.row_ids("requests", "2021") if r not in
                     ("new_received", "carried_over", "total", "carried_forward")]
_CUT_PHRASES = sorted({normalise(h) for h in HEADER_EXAMPLES if len(h) >= 4 and h not in ("其他结果",)} |
                      {normalise(v) for t in ("2019", "2021") for v in
                       schema.fields()["tables"]["active_disclosure"]["templates"][t]["columns"].values()},
                      key=len, reverse=True)
_CUT = re.compile("|".join(re.escape(p) for p in _CUT_PHRASES) + r"|第二十条第[（(][一二三四五六七八九十]+[）)]项")
_NUMBERING_AFTER_RUN = re.compile(r"[.．、](?=[\u4e00-\u9fff])")
_RUN = re.compile(r"[+\-]?\d(?:[\d ]*\d)?(?:\.\d+)?(?:万元|元)?")
TEMPLATE_2021_WORDS = ("本年制发件数", "现行有效件数", "本年废止件数", "本年处理决定数量", "本年收费金额")
TEMPLATE_2019_WORDS = ("本年新制作数量", "上一年项目数量", "对外公开总数量", "采购项目数量", "采购总金额")


@dataclass
class RowRecord:
    parts: list[str]
    values: list[str]
    run: bool = False  # values[0] is a run of digits whose cell boundaries may be lost
    block: int = -1
    page: int | None = None
    section: int | None = None
    unreadable: str | None = None  # why the printed row cannot be read (its cells are then null)
    headers: list[str] | None = None  # for a grid row: the header path printed above each of its value cells
    after_data: bool = False  # a grid row of blank cells below rows with printed values: zeros, not a header
    ocr: list | None = None  # for a grid row read by OCR: the Cell behind each of `values` (confidence, readings)
    ocr_text: bool = False  # read from text lines that OCR read (a table without rulings): no number in it is sure

    @property
    def label(self) -> str:
        return "／".join(p for p in self.parts if p)


# ---------------------------------------------------------------- step 1: records

_GEOMETRY: list = []  # (rows, geometry) of the last grids seen: table_blocks and collect_records read each grid


def _grid_geometry(rows):
    """Where each printed cell spans (origins), the grid with spans filled in (dense) and the printed cells by
    origin; kept for the last few grids, since a report's grids are read twice (the same list object, unchanged)."""
    for seen, geometry in _GEOMETRY:
        if seen is rows:
            return geometry
    origins = span_origins(rows)
    geometry = (origins, expand_spans(rows, origins), origin_cells(rows, origins))
    _GEOMETRY.append((rows, geometry))
    del _GEOMETRY[:-8]
    return geometry


def records_from_grid(rows, block_index: int = -1, page=None, section=None, headers: bool = True,
                      carried: dict | None = None) -> list[RowRecord]:
    """Row records of a grid; with `headers`, each record carries the header path above each of its value cells
    (not for a table rebuilt from word positions, whose header cells do not sit over their columns).

    `carried` holds the header band of the table before (a table cut in two continues without its header), its
    columns counted from the right: a grid that starts with data uses it, and the band this grid ends with is left
    in it."""
    headers_wanted = headers
    origins, dense, printed = _grid_geometry(rows)
    read_by_ocr = any(cell.source == "ocr" for cell in printed.values())
    width = max((len(r) for r in dense), default=0)
    records = []
    last_labels: dict[int, str] = {}
    band: dict[int, list[str]] = {}  # the header cells stacked above each column, in the current header band
    if carried is not None and carried.get("from_right"):
        # aligned from the right: a part on the next page may split its label columns differently
        band = {c: list(carried["from_right"][width - c]) for c in range(width) if width - c in carried["from_right"]}
    band_open = False
    remark_cols = _remark_columns(band)  # columns whose header is 备注/说明: their text is no label
    seen_values = False  # a row with a printed value came before (rows of blanks after it are zeros)
    last_value_cols: set[int] = set()
    for r, row in enumerate(dense):
        cells = []  # (column, text, from_above)
        seen = set()
        for c, text in enumerate(row):
            o = origins.get((r, c))
            if o is None:
                continue  # past the end of a short row: no cell was printed there (not a blank one)
            if o in seen:
                continue
            seen.add(o)
            origin_text = dense[o[0]][o[1]] or ""
            cells.append((c, origin_text, o[0] < r))
        # the label ends at the last text cell that still has a number after it: text after the numbers (a 备注
        # column) is a cell of the row, not its label
        label_end = -1
        number_after = False
        for k in range(len(cells) - 1, -1, -1):
            c, text, above = cells[k]
            if not text.strip() or c in remark_cols:
                continue
            if looks_numeric(text):
                number_after = True  # a number or a printed blank mark (/, —)
            elif number_after or label_end < 0:
                label_end = k
                if number_after:
                    break
        if not number_after:
            label_end = max((k for k, (c, t, _) in enumerate(cells) if t.strip() and not looks_numeric(t)
                             and c not in remark_cols), default=-1)
        labels = []
        for k, (c, text, above) in enumerate(cells[: label_end + 1]):
            if text.strip():
                labels.append((c, text.strip()))
            elif c in last_labels:
                labels.append((c, last_labels[c]))  # a blank placeholder under a merged label
        value_cells = [(c, text) for c, text, above in cells[label_end + 1:] if not above]
        ocr_cells = [printed.get(origins.get((r, c))) for c, _ in value_cells] if read_by_ocr else None
        values = [text for _, text in value_cells]
        texts_over_values = sum(1 for c, t, _ in cells if t.strip() and c in last_value_cols)
        if not any(v.strip() for v in values) and any(t.strip() for _, t, _ in cells) and \
                (not seen_values or texts_over_values >= 1):
            # a header row (信息内容 | 本年制发件数 …): a new band of headers starts after rows of data. After data,
            # a row of blank cells under labels only (行政诉讼 | 未经复议直接起诉 |  |  …) is a row of zeros, not a header
            if not band_open:
                band, band_open = {}, True
            row_origins = [origins.get((r, c), (r, c)) for c in range(width)]
            one_cell = len(set(row_origins)) == 1  # a caption spanning the whole row is no column's header
            for c, o in enumerate(row_origins):
                text = (dense[o[0]][o[1]] or "").strip()
                if text and not one_cell and (not band.get(c) or band[c][-1] != text):
                    band.setdefault(c, []).append(text)
            remark_cols = _remark_columns(band)
        elif any(v.strip() for v in values):
            band_open = False
            seen_values = True
            last_value_cols = {c for c, v in value_cells if v.strip()}
        if labels:
            first_col = labels[0][0]
            for c in list(last_labels):
                if c >= first_col:
                    del last_labels[c]
            for c, t in labels:
                last_labels[c] = t
        if not labels and not any(v.strip() for v in values):
            continue
        headers = ["／".join(band.get(c, [])) for c, _ in value_cells] if headers_wanted and band and any(values) \
            else None
        records.append(RowRecord([t for _, t in labels], values, False, block_index, page, section,
                                 headers=headers, after_data=seen_values and not any(v.strip() for v in values),
                                 ocr=ocr_cells))
    if carried is not None:
        carried["from_right"] = {width - c: texts for c, texts in band.items()}
    return _carry_parents(records)


_REMARK_HEADER = re.compile(r"^(?:备\s*注|说\s*明|附\s*注)$")


def _remark_columns(band: dict[int, list[str]]) -> set[int]:
    return {c for c, texts in band.items() if texts and _REMARK_HEADER.match(texts[-1])}


_PART_SPLIT = re.compile(r"(?=[（(][一二三四五六七八九十][）)])|(?<=[\u4e00-\u9fff）)])(?=\d[.．、])")
_SUBNUM = re.compile(r"^\s*[(（]?\s*(\d)\s*[).．、）]")


def _carry_parents(records: list[RowRecord]) -> list[RowRecord]:
    """A numbered sub-row printed without its parent (`2.重复申请` under （五）不予处理) takes the parent of the
    numbered row just before it."""
    prev = None
    for rec in records:
        if prev is not None and len(rec.parts) == 1 and len(prev.parts) >= 2:
            m, p = _SUBNUM.match(rec.parts[0]), _SUBNUM.match(prev.parts[-1])
            if m and p and int(m.group(1)) == int(p.group(1)) + 1:
                rec.parts = prev.parts[:-1] + rec.parts
        if rec.values:
            prev = rec
    return records


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
        if _CAPTION_NUMBER.fullmatch(text[max(label_start, m.start() - 3):m.start()].lstrip() + run) or \
                re.search(r"(?:附?表)\s*$", text[label_start:m.start()]) and len(run) <= 2:
            continue  # `表2`: a table's number in a caption, not a cell
        label = _clean_label(text[label_start:m.start()])
        if not label and records and label_start == m.start() and run[0] in "+-":
            # `19-23`: a signed cell right after another cell; the sign is a known boundary
            records[-1].values[0] += " " + run.strip()
            label_start = end
            continue
        parts = [x for x in _PART_SPLIT.split(label) if x.strip()] if label else []
        records.append(RowRecord(parts, [run.strip()], True, block_index, page, section))
        label_start = end
    if _cells_are_spaced(records):
        # Loose lines (`规章 0 0 0`): whitespace separates every cell, so a piece is one cell and is never cut.
        for rec in records:
            rec.values = rec.values[0].split()
            rec.run = False
    return _carry_parents(records)


def _cells_are_spaced(records: list[RowRecord]) -> bool:
    """True when the text separates cells by spaces (loose lines), False when cells ran together (flattened)."""
    spaced = sum(1 for r in records if re.search(r" (?![+\-])", r.values[0]))
    packed = sum(1 for r in records if not re.search(r" (?![+\-])", r.values[0]) and len(r.values[0]) >= 4)
    return spaced > 0 and spaced >= packed


_HEADER_END = re.compile(r"(?:总计|自然人|其他|申请人情况)(?=[一二三四][、.．]|[（(][一二三四五六七][）)])"
                         r"|附?表\s*\d{1,2}[^一二三四（(]{0,30}?情况")
_MEANINGFUL = re.compile(r"[\u4e00-\u9fff0-9A-Za-z]")


def _clean_label(label: str) -> str:
    """A label read from flowing table text, without the column headers printed before it: the text is cut after
    the last header phrase (信息内容, 本年新制作数量 … or a header row's last word right before a numbered row)
    that leaves a label of two or more characters, so `（七）总计（单位：件）` keeps its note instead of
    becoming `）`."""
    label = label.strip()
    flat = normalise(label)
    ends = sorted({m.end() for m in _CUT.finditer(flat)} | {m.end() for m in _HEADER_END.finditer(flat)},
                  reverse=True)
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


def collect_records(blocks: list[Block], assignment: list[int | None], junk: list[bool],
                    headings: set[int] = frozenset()):
    """Records from every table block and from the table-like text of sections 2-4.

    Returns the records and the indices of the text blocks that were read as table text (not prose).
    """
    records: list[RowRecord] = []
    buffer: list[tuple[int, Block]] = []
    table_text: set[int] = set()
    carried: dict = {}  # the header band of the last table of the section, for a table that continues it

    def flush():
        while len(buffer) > 1 and _is_caption(buffer[0][1].text):
            buffer.pop(0)  # a caption before the table (（单位：件）, 表2 …) is prose, not a row
        if not buffer:
            return
        text = "".join(b.text for _, b in buffer)
        i0, b0 = buffer[0]
        found = records_from_text(text, i0, b0.page, assignment[i0])
        if len(found) == 1 and len(_MEANINGFUL.findall(found[0].label)) < 2:
            found = []  # `表2 收到和处理…`: a caption with a number in it, not a table row
        if any(b.ocr for _, b in buffer):
            for rec in found:
                rec.ocr_text = True
        if found:
            records.extend(found)
            table_text.update(i for i, _ in buffer)
        buffer.clear()

    grids: set[int] = set()
    for i, b in enumerate(blocks):
        if junk[i]:
            continue
        sec = assignment[i]
        if b.kind == "table":
            grids.add(i)
            flush()
            if carried.get("section") != sec:
                carried.clear()
            carried["section"] = sec
            records.extend(records_from_grid(b.rows, i, b.page, sec, headers=not b.loose, carried=carried))
        elif sec in (2, 3, 4) and looks_tabular_text(b.text) and i not in headings:
            if buffer and assignment[buffer[-1][0]] != sec:
                flush()
            buffer.append((i, b))
        else:
            flush()
    flush()
    table_text |= _text_around_tables(blocks, assignment, junk, headings, grids | table_text)
    return records, table_text


_TABLE_NOTE = re.compile(r"^\s*(?:注|备注|说明)\s*[：:\d]")


def _text_around_tables(blocks, assignment, junk, headings, parts: set[int]) -> set[int]:
    """Text of sections 2-4 that belongs to a table though it holds no row: header words printed above the grid
    (申请人情况, 自然人 总计), labels a converter printed between the pieces of a cut table, and notes (注：…).
    Only lines that look like table text, inside the span of the section's table or running up to its first piece."""
    found: set[int] = set()
    for sid in (2, 3, 4):
        mine = sorted(i for i in parts if assignment[i] == sid)
        if not mine:
            continue
        first, last = mine[0], mine[-1]

        def tabular(j):
            b = blocks[j]
            return (b.kind == "text" and not junk[j] and j not in headings and assignment[j] == sid
                    and (looks_tabular_text(b.text) or _TABLE_NOTE.match(b.text)))

        found.update(j for j in range(first + 1, last) if tabular(j))
        j = first - 1
        while j >= 0 and tabular(j):  # the header lines right above the first piece
            found.add(j)
            j -= 1
        j = last + 1
        while j < len(blocks) and blocks[j].kind == "text" and _TABLE_NOTE.match(blocks[j].text) and tabular(j):
            found.add(j)  # notes right below the last piece
            j += 1
    return found


ANCHOR_CONFIDENCE = 0.9


def table_blocks(blocks: list[Block], labeler: RowLabeler) -> dict[int, list[int]]:
    """Section → the grid blocks that hold rows of its statutory table, read before the sections are known: a grid
    with two rows the labeler puts in one table with confidence, or (table 4) a row of 15 numbers, the official
    layout. The section stage uses them to check its headings against where the tables are."""
    votes: dict[int, dict[int, int]] = {}  # block → section → votes
    labelled: list[tuple[int, str]] = []  # (block, label) of the rows with a label, asked in one batch
    for i, b in enumerate(blocks):
        if b.kind != "table":
            continue
        mine = votes.setdefault(i, {})
        for rec in records_from_grid(b.rows, i, headers=False):
            filled = [v for v in rec.values if v.strip()]
            if not filled:
                continue
            if rec.parts:
                labelled.append((i, rec.label))
            elif (len(filled) == 15 and all(looks_numeric(v) for v in filled)) or (
                    len(rec.values) == 5 and _review_group(rec.values)):
                # the official row of 15, or one kind of case (结果维持 … 总计) printed as a table of its own
                mine[4] = mine.get(4, 0) + 2
    for (i, _), (cls, p) in zip(labelled, labeler.predict([label for _, label in labelled])):
        table = cls.split(":", 1)[0]
        if p >= ANCHOR_CONFIDENCE and table in SECTION_OF_TABLE:
            sid = SECTION_OF_TABLE[table]
            votes[i][sid] = votes[i].get(sid, 0) + 1
    found: dict[int, list[int]] = {}
    for i, mine in votes.items():
        for sid, n in mine.items():
            if n >= 2:
                found.setdefault(sid, []).append(i)
    return found


def _review_group(values: list[str]) -> bool:
    """Five counts whose last is the sum of the other four (and not all zero): a group of table 4."""
    nums = [parse_value(v) for v in values]
    return any(nums) and _sums_hold("review_litigation", nums)


# ---------------------------------------------------------------- step 2: labels and template

@dataclass
class TableResult:
    table: str
    status: str = "missing"
    rows: dict = field(default_factory=dict)  # row -> column -> value
    cells: dict = field(default_factory=dict)  # row -> column -> {"raw", "confidence"}
    extra_rows: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    source: dict = field(default_factory=dict)  # row -> {"block", "page"}
    ocr: dict = field(default_factory=dict)  # (row, column) -> the Cell read by OCR behind it


def detect_template(records: list[RowRecord], predictions, year: int | None,
                    table_texts: list[str] = ()) -> tuple[str, float]:
    """2019 or 2021, from the column headers and rows only one template has; the year decides a tie."""
    score = 0.0
    texts = [normalise(rec.label) for rec in records] + [normalise(t) for t in table_texts]
    for text in texts:
        score += sum(1.0 for w in TEMPLATE_2021_WORDS if w in text)
        score -= sum(1.0 for w in TEMPLATE_2019_WORDS if w in text)
    for rec, (cls, p) in zip(records, predictions):
        if not rec.values or p < MIN_LABEL_CONFIDENCE:
            continue
        if cls in ("requests:other.no_correction", "requests:other.unpaid_fee", "requests:other.other"):
            score += 1.0
        elif cls in ("active_disclosure:other_services", "active_disclosure:procurement", "requests:other"):
            score -= 1.0
    if score > 0:
        return "2021", min(1.0, 0.6 + 0.1 * score)
    if score < 0:
        return "2019", min(1.0, 0.6 - 0.1 * score)
    if year is not None:
        return ("2021" if year >= 2021 else "2019"), 0.5
    return "2021", 0.3


_OTHER_PARENT = re.compile(r"^[（(]?六[)）、]?其他处理$")


def label_records(records: list[RowRecord], labeler: RowLabeler):
    """(class, probability) for each record, restricted to its section's table when it has one.

    The parent row （六）其他处理 printed with its own numbers is the 2019 row `other` in either template; the model
    cannot tell it from its 2021 child 3.其他 by wording alone, so that one structural case is decided here.
    """
    out = []
    for rec in records:
        if not rec.parts:
            out.append(("none", 0.0))
            continue
        if _OTHER_PARENT.match(normalise(rec.parts[-1])):
            out.append(("requests:other", 0.99))
            continue
        table = TABLE_OF_SECTION.get(rec.section)
        allowed = [f"{table}:{r}" for r in schema.all_rows(table)] + ["extra", "header"] if table else None
        best = ("extra", 0.0)
        for text in _label_contexts(rec.parts):
            got = labeler.predict_within(text, allowed) if allowed else labeler.predict([text])[0]
            if got[1] > best[1]:
                best = got
            if best[1] >= 0.9:
                break
        out.append(best)
    return out


def _label_contexts(parts: list[str]) -> list[str]:
    """The label texts to try, most local first: the row's own label (with its category when it is a numbered
    item such as 1.属于国家秘密, whose meaning depends on （三）不予公开), then the whole path of parents."""
    leaf = parts[-1]
    own = "／".join(parts[-2:]) if _SUBNUM.match(leaf) and len(parts) >= 2 else leaf
    contexts = [own]
    full = "／".join(parts)
    if full != own:
        contexts.append(full)
    # a short bracket may hold what tells the row apart (行政诉讼（未经复议直接起诉）), not only a note to drop:
    # tried last, only when the labels above leave the model unsure
    for text in list(contexts):
        if _BRACKETED.search(text):
            contexts.append(_BRACKETED.sub(lambda m: " " + m.group(1) + " ", text))
    return contexts


_BRACKETED = re.compile(r"[（(]([^（）()]{5,12})[）)]")


# ---------------------------------------------------------------- step 3: values

def _fit_values(values: list[str], k: int) -> list[int] | None:
    """The positions of the k cells of a row printed with blank cells around them (empty padding cells at either
    end are dropped), or None when the row does not come to k cells."""
    first, last = 0, len(values)
    while last - first > k and is_blank(values[last - 1]) and not values[last - 1].strip():
        last -= 1
    while last - first > k and not values[first].strip():
        first += 1
    return list(range(first, last)) if last - first == k else None


MIN_COLUMN_CONFIDENCE = 0.8


def _header_order(rec: RowRecord, columns: list[str], table: str, row: str, column_labeler) -> list[int] | None:
    """The value cell under each canonical column of `row`, read from the header printed above the cells (the
    column labeler), or None when the headers do not name every column once with confidence: then the template's
    order is used. A column the headers name as something else (小计, 备注) is left out."""
    if column_labeler is None or not rec.headers or len(rec.headers) != len(rec.values):
        return None
    if table == "review_litigation" and row == "*":  # the whole row of 15 under its two header rows
        wanted = [f"review_litigation:{r}.{c}" for r in ("review", "litigation_direct", "litigation_after_review")
                  for c in REVIEW_COLUMNS]
        allowed = wanted
    elif table == "review_litigation":
        wanted = [f"review_litigation:{row}.{c}" for c in columns]
        allowed = [f"review_litigation:{r}.{c}" for r in ("review", "litigation_direct", "litigation_after_review")
                   for c in columns]
    else:
        wanted = [f"{table}:{c}" for c in columns]
        allowed = [f"{table}:{c}" for c in schema.all_columns(table)]
    found: dict[str, int] = {}
    for k, header in enumerate(rec.headers):
        if not header:
            return None
        cls, p = column_labeler.predict_within(header, allowed + ["none"])
        if p < MIN_COLUMN_CONFIDENCE:
            return None
        if cls in wanted:
            if cls in found:
                return None  # two cells under one column
            found[cls] = k
    if set(found) != set(wanted):
        return None
    return [found[w] for w in wanted]


def _direct_values(rec: RowRecord, columns: list[str], table: str, row: str = "", column_labeler=None):
    """Values of a record whose cells are known: (printed texts, values, positions in rec.values), or None when the
    cell count does not fit the row. Where the headers above the cells name each column, the cells are taken under
    their headers, else in the template's order."""
    order = _header_order(rec, columns, table, row, column_labeler) if not rec.run else None
    if order is not None:
        vals = [rec.values[k] for k in order]
        parsed = [_cell_value(rec, k, schema.value_kind(table, c)) for k, c in zip(order, columns)]
        if _sums_hold(table, parsed):
            return vals, parsed, order
        # the headers' reading breaks the row's own sum: they are not trusted, the template's order is tried
    if rec.run:
        run = rec.values[0]
        pieces = run.split()
        if len(columns) == 1 and len(pieces) == 1:
            return [run], [parse_value(run, schema.value_kind(table, columns[0]))], None
        if len(pieces) == len(columns):
            return pieces, [parse_value(p, schema.value_kind(table, c)) for p, c in zip(pieces, columns)], None
        return None
    order = _fit_values(rec.values, len(columns))
    if order is None:
        return None
    return ([rec.values[k] for k in order], [_cell_value(rec, k, schema.value_kind(table, c))
                                            for k, c in zip(order, columns)], order)


def _cell_value(rec: RowRecord, k: int, kind: str):
    """The value of the record's k-th cell. A cell read by OCR that holds ink but no reading is unreadable, never
    a blank: only a cell without ink reads as 0."""
    cell = rec.ocr[k] if rec.ocr else None
    if cell is not None and cell.source == "ocr" and cell.ink and not rec.values[k].strip():
        return None
    return parse_value(rec.values[k], kind)


def _run_candidates(rec: RowRecord, k: int, check=None, sums=()):
    """Readings of a run of digits as k counts that obey the row's own sums (`sums`, see cells.split_run) and pass
    `check`, or None if there are too many to consider."""
    run = rec.values[0]
    if not re.fullmatch(r"[\d ]+", run):
        return []
    cands = split_run(run, k, sums=sums)
    if cands is None:
        return None
    if len(cands) > 1 and check is not None:
        cands = [c for c in cands if check(c)]
    return cands


REQUESTS_ROW_SUMS = [(0, 7)]  # the six applicant columns add up to 总计
REVIEW_ROW_SUMS = [(0, 5), (5, 10), (10, 15)]  # each group of four results adds up to its 总计


def _requests_row_ok(vals):
    return vals[6] == sum(vals[:6])


def _review_ok(vals):
    return all(vals[g * 5 + 4] == sum(vals[g * 5:g * 5 + 4]) for g in range(len(vals) // 5))


def _sums_hold(table: str, values: list) -> bool:
    """The row's own sums (table 3: 总计 = the six applicants; table 4: each 总计 = its four results), where the
    row has them; a row without a sum rule holds."""
    if table == "requests" and len(values) == 7:
        return None not in values and _requests_row_ok(values)
    if table == "review_litigation" and len(values) % 5 == 0:
        return None not in values and _review_ok(values)
    return True


def _fits(rec: RowRecord, table: str, template: str, row: str) -> bool:
    """The record's printed cells come to the row's cells (a run of digits: it can be cut into them)."""
    columns = schema.column_ids(table, template, row)
    if rec.unreadable:
        return False
    if rec.run:
        digits = len(re.sub(r"\D", "", rec.values[0]))
        pieces = rec.values[0].split()
        return len(pieces) == len(columns) or (len(pieces) == 1 and digits >= len(columns))
    return _fit_values(rec.values, len(columns)) is not None


def _candidate_rank(rec: RowRecord, p: float, table: str, template: str, row: str):
    """How good a record is as the one that prints `row`, where the row is printed more than once (a line of prose
    naming 规范性文件 before the table, the table's own row): complete first, then inside a grid, then holding the
    row's sums, then the surer label; the order they are printed in decides nothing."""
    fits = _fits(rec, table, template, row)
    direct = _direct_values(rec, list(schema.column_ids(table, template, row)), table) if fits else None
    sums = direct is not None and _sums_hold(table, direct[1]) is True and None not in direct[1]
    return (fits, not rec.run, sums, p)


def _is_orphan(rec: RowRecord, cls: str, p: float, table: str) -> bool:
    """A row of numbers printed apart from its label (a converter cut the table and printed the label above or
    below), or under a label too broken to read with confidence: it may fill a gap in the template's order."""
    filled = [v for v in rec.values if v.strip()]
    if not filled or not all(looks_numeric(v) for v in filled):
        return False
    if not rec.parts:
        return True
    return p < MIN_LABEL_CONFIDENCE and (cls.startswith(table + ":") or cls in ("extra", "none"))


def _fill_gaps(table: str, template: str, records, predictions, chosen: dict, row_ids) -> set[str]:
    """Give rows printed apart from their labels the rows the template leaves for them.

    Walking the section's records in printed order, the rows read with a sure label are anchors at their place in
    the template's order; a run of orphan rows between two anchors fills the rows between them when it has exactly
    as many rows as the template lists there and none of those was found elsewhere. At either end of the table the
    run must reach the template's first or last row likewise; a table with no sure row at all (table 4 printed as
    three tables of five under their headers) is filled only when it prints exactly the template's rows. The caller checks the result against the table's
    sums. Returns the rows filled."""
    section = SECTION_OF_TABLE[table]
    position = {r: k for k, r in enumerate(row_ids)}
    complete = {r for r, (rec, p) in chosen.items() if r in position and _fits(rec, table, template, r)}
    items = []  # ("anchor", template position) or ("orphan", record)
    for rec, (cls, p) in zip(records, predictions):
        if rec.section != section or not rec.values:
            continue
        row = cls.split(":", 1)[1] if cls.startswith(table + ":") and p >= MIN_LABEL_CONFIDENCE else None
        if row in complete and chosen[row][0] is rec:
            items.append(("anchor", position[row]))
        elif row is None and _is_orphan(rec, cls, p, table):
            items.append(("orphan", rec))
    orphans = sum(1 for kind, _ in items if kind == "orphan")
    if not orphans:
        return set()
    if not any(kind == "anchor" for kind, _ in items) and (orphans != len(row_ids) or table == "active_disclosure"):
        return set()  # with no sure row at all, only a whole table of rows in order, held by its sums
    filled: set[str] = set()
    prev = -1
    pending: list[RowRecord] = []
    for kind, what in items + [("anchor", len(row_ids))]:
        if kind == "orphan":
            pending.append(what)
            continue
        if pending and what > prev:
            gap = list(row_ids[prev + 1:what])
            if len(gap) == len(pending) and not any(r in complete for r in gap) and all(
                    _fit_values(rec.values, len(schema.column_ids(table, template, r))) is not None
                    for rec, r in zip(pending, gap)):
                for rec, r in zip(pending, gap):
                    chosen[r] = (rec, 0.8)
                    filled.add(r)
        pending = []
        prev = max(prev, what)
    return filled


def _check_filled(res: TableResult, table: str, template: str, filled: set[str]) -> None:
    """Rows given by their place alone stand only where the table's sums confirm them: table 3's column sums
    (总计 = every outcome row) must be checkable and hold, and each filled row its own; table 4's rows hold their own sums. Table 2 has no sums:
    its rows are kept where two sure rows bound the gap (see _fill_gaps)."""
    if not filled:
        return
    ok = True
    if table == "requests":
        outcome = OUTCOME_ROWS_2021 if template == "2021" else OUTCOME_ROWS_2019
        grid = {r: list(vals.values()) for r, vals in res.rows.items() if None not in vals.values()}
        # the sums the filled rows take part in: 总计 = every outcome row, column by column, and each row's own
        ok = "total" in grid and all(r in grid for r in outcome) and _outcomes_add_up(grid, outcome) and all(
            _requests_row_ok(grid[r]) for r in filled)
    elif table == "review_litigation":
        ok = all(_sums_hold(table, list(res.rows[r].values())) for r in filled)
    if ok:
        res.notes.append(f"rows printed apart from their labels, placed by the template's order and confirmed by "
                         f"the table's sums: {', '.join(sorted(filled))}")
        return
    for r in filled:
        for c in res.rows[r]:
            res.rows[r][c] = None
            res.cells[r][c]["confidence"] = 0.0
    res.notes.append(f"rows printed apart from their labels ({', '.join(sorted(filled))}) are not confirmed by the "
                     f"table's sums; their cells are null")


def build_table(table: str, template: str, records, predictions, column_labeler=None) -> TableResult:
    res = TableResult(table)
    row_ids = schema.row_ids(table, template)
    chosen: dict[str, tuple[RowRecord, float]] = {}
    for rec, (cls, p) in zip(records, predictions):
        if not rec.values:
            continue  # a header row: labels only
        if not any(v.strip() for v in rec.values) and _is_header_like(rec) and not (rec.after_data and p >= 0.9):
            continue  # a header row padded with empty cells, not a row of zeros
        if cls.startswith(table + ":") and p >= MIN_LABEL_CONFIDENCE:
            row = cls.split(":", 1)[1]
            if row not in row_ids and not (table == "requests" and row == "other"):
                if rec.section == SECTION_OF_TABLE[table]:
                    res.extra_rows.append({"label": rec.label, "values": _extra_values(rec), "raw": rec.values})
                continue
            if row in chosen:
                kept, kept_p = chosen[row]
                if _candidate_rank(rec, p, table, template, row) > _candidate_rank(kept, kept_p, table, template, row):
                    chosen[row] = (rec, p)
                    kept = rec
                res.notes.append(f"row {row} printed more than once; the one in {kept.label!r} is kept (complete "
                                 f"cells first, then inside a grid, then holding its sums)")
                continue
            chosen[row] = (rec, p)
        elif cls == "extra" and rec.section == SECTION_OF_TABLE[table] and rec.parts:
            res.extra_rows.append({"label": rec.label, "values": _extra_values(rec), "raw": rec.values})
    filled = _fill_gaps(table, template, records, predictions, chosen, row_ids)
    if table == "review_litigation":
        used = _review_from_unlabelled(records, predictions, chosen, column_labeler)
        if used is not None:
            res.extra_rows = [e for e in res.extra_rows if e["raw"] is not used.values]
    if not chosen:
        res.status = "missing"
        return res
    res.status = "found"
    pending_runs = {}
    for row in row_ids:
        columns = schema.column_ids(table, template, row)
        res.rows[row] = {c: None for c in columns}
        res.cells[row] = {c: {"raw": None, "confidence": 0.0} for c in columns}
        if row not in chosen:
            res.notes.append(f"row {row} not found: its cells are null")
            continue
        rec, p = chosen[row]
        res.source[row] = {"block": rec.block, "page": rec.page, "label": rec.label}
        if rec.ocr and any(c is not None and c.source == "ocr" for c in rec.ocr):
            for c in columns:  # read from pixels, whatever becomes of the row
                res.cells[row][c]["source"] = "ocr"
        if rec.unreadable:
            res.notes.append(f"row {row}: {rec.unreadable}")
            for c in columns:
                res.cells[row][c]["raw"] = rec.values[0] if rec.values else None
            continue
        direct = _direct_values(rec, columns, table, row, column_labeler)
        if direct is not None:
            raws, vals, order = direct
            for k, (c, raw, v) in enumerate(zip(columns, raws, vals)):
                res.rows[row][c] = v
                res.cells[row][c] = {"raw": raw, "confidence": round(p if v is not None else 0.0, 4)}
                ocr = rec.ocr[order[k]] if rec.ocr and order is not None else None
                if ocr is not None and ocr.source == "ocr":
                    res.cells[row][c].update(source="ocr", confidence=round(min(p, ocr.confidence or 0.0)
                                                                             if v is not None else 0.0, 4))
                    res.ocr[(row, c)] = ocr
            continue
        if rec.run:
            check = _requests_row_ok if table == "requests" else (_review_ok if table == "review_litigation" and
                                                                   len(columns) == 5 else None)
            sums = REQUESTS_ROW_SUMS if table == "requests" else (REVIEW_ROW_SUMS[:1] if check is not None else ())
            cands = _run_candidates(rec, len(columns), check, sums)
            pending_runs[row] = (rec, p, cands)
            continue
        res.notes.append(f"row {row}: {len(rec.values)} cells printed where the template has {len(columns)}; "
                         f"unreadable")
        for c in columns:
            res.cells[row][c]["raw"] = " | ".join(rec.values)
    if pending_runs:
        _resolve_runs(res, table, template, pending_runs)
    _check_filled(res, table, template, filled)
    if table == "requests" and template == "2021" and "other" in chosen:
        _split_other_parent(res, chosen["other"])
    _mark_ocr_text(res, chosen)
    return res


OCR_TEXT_CONFIDENCE = 0.5  # a number read from OCR'd text lines: OCR gave it no confidence of its own


def _mark_ocr_text(res: TableResult, chosen: dict) -> None:
    """Rows read from text lines that OCR read (a scanned table printed without rulings): each number is an
    unsure OCR reading, which only the table's sums can confirm (ocr_guard.py)."""
    from ..document import Cell

    for row, (rec, _) in chosen.items():
        if not rec.ocr_text or row not in res.rows:
            continue
        for c, value in res.rows[row].items():
            if (row, c) in res.ocr:
                continue
            entry = res.cells[row][c]
            entry["source"] = "ocr"
            entry["confidence"] = round(min(entry.get("confidence", 0.0), OCR_TEXT_CONFIDENCE), 4)
            res.ocr[(row, c)] = Cell("" if value is None else str(value), confidence=OCR_TEXT_CONFIDENCE
                                     if value is not None else 0.0, source="ocr", ink=True)


def _split_other_parent(res: TableResult, chosen_other):
    """A 2021 report that prints only （六）其他处理: where it is 0 every sub-row is 0; otherwise they are unknown."""
    rec, p = chosen_other
    direct = _direct_values(rec, list(schema.fields()["tables"]["requests"]["columns"]), "requests")
    subs = ("other.no_correction", "other.unpaid_fee", "other.other")
    if any(res.cells[s][c]["raw"] is not None for s in subs for c in res.cells[s]):
        return
    if direct is not None and all(v == 0 for v in direct[1]) and not (rec.ocr and any(
            c is not None and (c.confidence or 0) < 0.9 for c in rec.ocr)):
        for s in subs:
            for (c, raw) in zip(res.rows[s], direct[0]):
                res.rows[s][c] = 0
                res.cells[s][c] = {"raw": raw, "confidence": round(p * 0.9, 4)}
        res.notes = [n for n in res.notes if not any(n.startswith(f"row {s} ") for s in subs)]
        res.notes.append("（六）其他处理 printed as one row of zeros: its three 2021 sub-rows are 0")
    else:
        res.notes.append("（六）其他处理 printed as one row: its 2021 sub-rows cannot be told apart; they are null")


_COLUMN_HEADERS = {normalise(h) for h in HEADER_EXAMPLES} | {
    normalise(v.split("／")[-1]) for v in schema.fields()["tables"]["requests"]["columns"].values()} | {
    normalise(v) for v in schema.fields()["tables"]["review_litigation"]["columns"].values()}


def _is_header_like(rec: RowRecord) -> bool:
    return len(rec.parts) > 3 or any(normalise(p) in _COLUMN_HEADERS for p in rec.parts)


def _extra_values(rec: RowRecord):
    if rec.run:
        pieces = rec.values[0].split()
        return [parse_value(p, "money" if "." in p or "元" in p else "signed") for p in pieces] \
            if len(pieces) > 1 or len(rec.values[0]) <= 6 else [None]
    return [parse_value(v, "money" if "." in v or "元" in v else "signed") for v in rec.values if v.strip()]


REVIEW_COLUMNS = ["upheld", "corrected", "other", "pending", "total"]


def _review_from_unlabelled(records, predictions, chosen, column_labeler=None):
    """Table 4 printed as one row of 15 numbers under its two header rows (the official layout)."""
    if all(r in chosen for r in ("review", "litigation_direct", "litigation_after_review")):
        return
    for rec, (cls, p) in zip(records, predictions):
        label = normalise(rec.label)
        if rec.section not in (4, None):
            continue
        if rec.parts and cls.startswith("review_litigation:") and p >= MIN_LABEL_CONFIDENCE:
            continue
        if rec.section is None and not ("结果维持" in label or "行政复议" in label):
            continue
        vals = rec.values
        if rec.run:
            n = len(vals[0].split()) if " " in vals[0] else None
            if n not in (None, 15):
                continue
            cands = _run_candidates(rec, 15, _review_ok, REVIEW_ROW_SUMS)
            if cands is None or len(cands) != 1:
                if rec.section == 4 and len(re.sub(r"\D", "", vals[0])) >= 15:
                    # the table is printed but its digits cannot be cut in one way: found, with null cells
                    n = "too many" if cands is None else len(cands)
                    why = f"cells run together ({vals[0]!r}) with {n} readings; unreadable"
                    for row in ("review", "litigation_direct", "litigation_after_review"):
                        chosen.setdefault(row, (RowRecord(rec.parts, [vals[0]], False, rec.block, rec.page,
                                                          rec.section, unreadable=why, ocr=rec.ocr), 0.0))
                    return rec
                continue
            vals = [str(v) for v in cands[0]]
            conf = 0.95 if n is None else 1.0
            order = None
        else:
            order = _header_order(rec, REVIEW_COLUMNS * 3, "review_litigation", "*", column_labeler)
            if order is not None and not _sums_hold("review_litigation", [parse_value(vals[k]) for k in order]):
                order = None  # the headers' reading breaks the table's sums: not trusted
            order = order if order is not None else _fit_values(vals, 15)
            fitted = [vals[k] for k in order] if order is not None else None
            if fitted is None:
                if rec.section == 4 and 3 <= len(vals) <= 20 and any(v.strip() for v in vals):
                    why = f"{len(vals)} cells printed where the table has 15; unreadable"
                    for row in ("review", "litigation_direct", "litigation_after_review"):
                        chosen.setdefault(row, (RowRecord(rec.parts, [" | ".join(vals)], False, rec.block,
                                                          rec.page, rec.section, unreadable=why, ocr=rec.ocr),
                                                0.0))
                    return rec
                continue
            vals = fitted
            conf = 1.0
        ocr = [rec.ocr[k] for k in order] if rec.ocr and order is not None else None
        for g, row in enumerate(("review", "litigation_direct", "litigation_after_review")):
            piece = RowRecord(["行政复议" if g == 0 else "行政诉讼"], vals[g * 5:(g + 1) * 5], False, rec.block,
                              rec.page, rec.section, ocr=ocr[g * 5:(g + 1) * 5] if ocr else None,
                              ocr_text=rec.ocr_text)
            chosen.setdefault(row, (piece, conf))
        return rec
    return None


def _resolve_runs(res: TableResult, table: str, template: str, pending):
    """Fix runs that have one reading; for table 3 try the combinations of the rest against the column sums."""
    fixed = {}
    open_rows = {}
    for row, (rec, p, cands) in pending.items():
        if cands is not None and len(cands) == 1:
            fixed[row] = (cands[0], p * 0.95)
        else:
            open_rows[row] = (rec, p, cands)
    if table == "requests" and open_rows and all(c for _, _, c in open_rows.values()):
        sizes = 1
        for _, _, c in open_rows.values():
            sizes *= len(c)
        if sizes <= 50_000:
            outcome = OUTCOME_ROWS_2021 if template == "2021" else OUTCOME_ROWS_2019
            solutions = []
            names = list(open_rows)
            for combo in itertools.product(*(open_rows[r][2] for r in names)):
                grid = {r: v for r, (v, _) in fixed.items()}
                grid.update(dict(zip(names, combo)))
                if _requests_columns_ok(grid, outcome):
                    solutions.append(combo)
                    if len(solutions) > 1:
                        break
            if len(solutions) == 1:
                for r, vals in zip(names, solutions[0]):
                    fixed[r] = (vals, open_rows[r][1] * 0.9)
                open_rows = {}
    for row, (vals, conf) in fixed.items():
        rec = pending[row][0]
        for c, v in zip(res.rows[row], vals):
            res.rows[row][c] = v
            res.cells[row][c] = {"raw": rec.values[0], "confidence": round(conf, 4)}
    for row, (rec, p, cands) in open_rows.items():
        n = "too many" if cands is None else len(cands)
        res.notes.append(f"row {row}: cells run together ({rec.values[0]!r}) with {n} readings; unreadable")
        for c in res.rows[row]:
            res.cells[row][c] = {"raw": rec.values[0], "confidence": 0.0}


def _outcomes_add_up(grid: dict, outcome: list[str]) -> bool:
    """总计 = every outcome row, column by column, where all of them are known (True while one is missing)."""
    if "total" not in grid or not all(r in grid for r in outcome):
        return True
    return all(grid["total"][col] == sum(grid[r][col] for r in outcome) for col in range(7))


def _requests_columns_ok(grid: dict, outcome: list[str]) -> bool:
    """Column sums of table 3 on the rows known so far: total = outcomes; new + carried = total + forward."""
    if not _outcomes_add_up(grid, outcome):
        return False
    for col in range(7):
        if all(r in grid for r in ("new_received", "carried_over", "total", "carried_forward")):
            if (grid["new_received"][col] + grid["carried_over"][col]
                    != grid["total"][col] + grid["carried_forward"][col]):
                return False
    return True


def extract_tables(blocks, sections, labeler: RowLabeler, year: int | None, column_labeler=None, ocr_options=None):
    records, table_text = collect_records(blocks, sections.assignment, sections.junk, set(sections.headings.values()))
    predictions = label_records(records, labeler)
    table_texts = [b.text for i, b in enumerate(blocks) if b.kind == "text" and sections.assignment[i] in (2, 3, 4)
                   and looks_tabular_text(b.text)]
    template, template_conf = detect_template(records, predictions, year, table_texts)
    results = {t: build_table(t, template, records, predictions, column_labeler) for t in schema.TABLES}
    for t, res in results.items():
        if res.ocr:
            verify_ocr_table(res, t, template, *((ocr_options.min_confidence, ocr_options.very_sure)
                                                 if ocr_options is not None else ()))
    return template, template_conf, results, table_text
