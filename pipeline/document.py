"""The document model every reader produces: an ordered list of blocks.

A block is either text (one line or paragraph, with the page it was printed on) or a table (a grid of cells that keeps
merged cells as spans). Everything downstream (sections, tables, report) reads only this model, never a file format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Bounds that keep one hostile or broken file from exhausting memory or time. An annual report has a few thousand
# blocks at most and its tables a few hundred cells.
MAX_BLOCKS = 200_000
MAX_TABLE_CELLS = 250_000  # grid positions of one table once merged cells are expanded
# What a value cell may print that is no number: blank marks standing for nothing (read as 0 by cells.py), and the
# mark a reader puts in a value cell that holds ink it could not read (OCR): a value, never a blank or a label.
BLANKS = {"", "/", "／", "—", "——", "-", "－", "–", "无", "\\", "、", "--", "---", "— —", "－－", "─", "一"}
UNREADABLE = "\ufffd"
# an OCR reading of a character or two that hold no digit, less sure than this, is a mark the recogniser could not
# read (a 0 in tiny type read as 恩, a blot), not text: among a table's numbers it is an unreadable value cell
# (readers/ocr/cells.py), and between a row's numbers never its label (extraction/records.py)
MARK_CONFIDENCE = 0.8
# Characters that print nothing: zero-width space/non-joiner/joiner, U+FEFF inside text, word joiner, soft hyphen,
# and the bidirectional marks, embeddings, overrides and isolates. Web editors and converters leave them inside
# numbers (1\u200b2) and headings (一、总\u200b体情况); what is read is what is shown, so they are taken out once,
# where text enters this model (Document.__post_init__), and no later stage has to know of them. (The readers'
# heading splitters, text.split_heading and iter_long_line, also look past them: they cut text before it is a block.)
INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")


def strip_invisible(text: str) -> str:
    """`text` without the characters that print nothing (INVISIBLE)."""
    return INVISIBLE.sub("", text) if INVISIBLE.search(text) else text


class ReadError(Exception):
    """An expected failure to read a document (empty, corrupt, encrypted, scanned, not a report...).

    The message is one line that says what is wrong; the CLI records it with the file name and goes on.
    """

    def __init__(self, message: str, stage: str = "read"):
        super().__init__(message)
        self.stage = stage


@dataclass
class Cell:
    text: str
    rowspan: int = 1
    colspan: int = 1
    # a cell read by OCR from pixels: how sure the reading is (0-1), the next most likely readings as
    # [(text, probability)], and whether the cell holds any ink at all (a blank cell without ink is truly empty)
    confidence: float | None = None
    alternatives: list | None = None
    source: str | None = None  # "ocr" for a cell read from pixels; None for a text layer or markup
    ink: bool | None = None
    # where a cell of a printed page was printed, so a reviewer can be shown it: (x0, top, x1, bottom) in PDF
    # points from the page's top-left corner, and the page (a table stitched over a page break holds cells of two
    # pages). Set by the readers of pages (ruled and loose PDF tables, OCR'd grids); None for markup and text.
    box: tuple | None = None
    page: int | None = None
    # why an OCR'd number is less sure than its recogniser said (readers/ocr/cells.py): {"as_read": the recogniser's
    # own confidence, and a key per doubt: "framings" (what the second framing read), "ruling" ([text, confidence]
    # read with the ink along a ruling restored), "fused" (whether that ink runs into the ruling's own: a number
    # against a ruling is doubtful where it does or where the readings disagree), "faint", "sign", "shape" (the
    # reading the mark's shape suggests)}
    doubts: dict | None = None

    def to_dict(self) -> dict:
        d = {"text": self.text, "rowspan": self.rowspan, "colspan": self.colspan}
        if self.source is not None:
            d.update(source=self.source, confidence=self.confidence, ink=self.ink)
            if self.alternatives:
                d["alternatives"] = [list(a) for a in self.alternatives]
        if self.box is not None:  # only when known: documents of markup and text stay as they were
            d["box"] = [round(v, 1) for v in self.box]
            if self.page is not None:
                d["page"] = self.page
        if self.doubts:
            d["doubts"] = self.doubts
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Cell":
        alternatives = d.get("alternatives")
        return cls(
            d["text"],
            d.get("rowspan", 1),
            d.get("colspan", 1),
            d.get("confidence"),
            [tuple(a) for a in alternatives] if alternatives else None,
            d.get("source"),
            d.get("ink"),
            tuple(d["box"]) if d.get("box") else None,
            d.get("page"),
            d.get("doubts"),
        )


@dataclass
class Block:
    kind: str  # "text" or "table"
    text: str = ""
    page: int | None = None
    rows: list[list[Cell]] = field(default_factory=list)
    # For text blocks that hold a table flattened into prose (cells run together with no separator).
    flattened: bool = False
    # For tables rebuilt from word positions (a PDF table printed without rulings): its header cells are not
    # placed over their columns, so they name no column
    loose: bool = False
    # a text block read by OCR: numbers in it (a table printed without rulings, read as lines) are no surer than OCR
    ocr: bool = False

    def to_dict(self) -> dict:
        d = {"kind": self.kind, "page": self.page}
        if self.kind == "table":
            d["rows"] = [[c.to_dict() for c in r] for r in self.rows]
            if self.loose:
                d["loose"] = True
        else:
            d["text"] = self.text
            if self.ocr:
                d["ocr"] = True
        return d

    def dense_rows(self) -> list[list[str]]:
        """The grid with spans expanded: a cell covered by a merged cell repeats nothing and reads as None.

        Returns rows of equal logical length where a position covered by a rowspan/colspan from elsewhere is None,
        and an origin cell holds its text. Callers decide whether to fill down parents.
        """
        return expand_spans(self.rows)


class TableTooLarge(ReadError):
    pass


def span_origins(rows: list[list[Cell]]) -> dict[tuple[int, int], tuple[int, int]]:
    """For every grid position (row, column), the position of the cell printed there or spanning over it.

    A rowspan reaching past the last row stops there (as in a browser). Raises TableTooLarge when the expanded grid
    (rows × widest row) would exceed MAX_TABLE_CELLS positions: `<td rowspan=1000 colspan=1000>` repeated is a
    memory bomb, and so is one very wide row under very many narrow ones.
    """
    occupied: dict[tuple[int, int], tuple[int, int]] = {}
    n = len(rows)
    width = 0
    for r, row in enumerate(rows):
        c = 0
        for cell in row:
            while (r, c) in occupied:
                c += 1
            rowspan, colspan = min(max(cell.rowspan, 1), n - r), max(cell.colspan, 1)
            if len(occupied) + rowspan * colspan > MAX_TABLE_CELLS:
                raise TableTooLarge(f"table too large: its merged cells expand past {MAX_TABLE_CELLS} grid cells")
            for dr in range(rowspan):
                for dc in range(colspan):
                    occupied[(r + dr, c + dc)] = (r, c)
            c += colspan
            width = max(width, c)
    if n * width > MAX_TABLE_CELLS:
        raise TableTooLarge(f"table too large: {n} rows by {width} columns exceed {MAX_TABLE_CELLS} grid cells")
    return occupied


def table_size_problem(rows: list[list[Cell]]) -> str | None:
    """Why a table read from a document is too large to keep (its warning), or None when it can be kept."""
    cells = sum(len(r) for r in rows)
    if cells > MAX_TABLE_CELLS:
        return f"table too large: {cells} cells (the limit is {MAX_TABLE_CELLS}); it was left out"
    # the grid cannot be wider than a row's own columns plus every cell that spans down into rows below: when even
    # that bound keeps it small (every real table), the expansion need not be built to know it fits
    tall = sum(max(c.colspan, 1) for row in rows for c in row if c.rowspan > 1)
    widest = max((sum(max(c.colspan, 1) for c in row) for row in rows), default=0)
    area = sum(max(c.rowspan, 1) * max(c.colspan, 1) for row in rows for c in row)
    if area <= MAX_TABLE_CELLS and len(rows) * (widest + tall) <= MAX_TABLE_CELLS:
        return None
    try:
        span_origins(rows)
    except TableTooLarge as e:
        return f"{e}; it was left out"
    return None


class BlockLimit(list):
    """The block list of a document being read: appending past MAX_BLOCKS raises ReadError at once, before a
    pathological file (millions of one-character paragraphs) fills memory."""

    def add(self, block: "Block") -> None:
        if len(self) >= MAX_BLOCKS:
            raise ReadError(
                f"document too large: more than {MAX_BLOCKS} text blocks and tables "
                f"(an annual report has a few thousand)"
            )
        self.append(block)

    def add_all(self, blocks) -> None:
        for b in blocks:
            self.add(b)


def origin_cells(rows: list[list[Cell]], origins: dict) -> dict[tuple[int, int], Cell]:
    """The Cell printed at each origin position (row, column) of the grid."""
    by_row: dict[int, set[tuple[int, int]]] = {}
    for o in origins.values():
        by_row.setdefault(o[0], set()).add(o)
    out = {}
    for r, row in enumerate(rows):
        for position, cell in zip(sorted(by_row.get(r, ())), row):
            out[position] = cell
    return out


def expand_spans(rows: list[list[Cell]], origins: dict | None = None) -> list[list[str | None]]:
    origins = span_origins(rows) if origins is None else origins
    texts = {o: cell.text for o, cell in origin_cells(rows, origins).items()}
    width = max((c + 1 for (_, c) in origins), default=0)
    out = []
    for r in range(len(rows)):
        line = []
        for c in range(width):
            o = origins.get((r, c))
            line.append("" if o is None else (texts.get(o, "") if o == (r, c) else None))
        out.append(line)
    return out


@dataclass
class Document:
    path: str
    format: str  # txt, html, pdf, docx
    blocks: list[Block]
    pages: int | None = None
    warnings: list[str] = field(default_factory=list)
    sha256: str | None = None  # of the file's bytes: with the pipeline version, the key of an up-to-date output
    ocr_pages: list[int] = field(default_factory=list)  # pages read by OCR, wholly or their pictures
    ocr_pictures: int = 0  # pictures of a Word file or web page read by OCR
    # its document name where the file name does not say it alone: a name shared by two inputs of a batch
    # (`2023/index.html`), an archive member (`downloads.zip!2023/report.doc`); None: the file name
    name: str | None = None

    def __post_init__(self):
        """Every reader hands its text over here: characters that print nothing (INVISIBLE) are removed from each
        text block and cell, and a text block that held nothing else is dropped."""
        kept = []
        for b in self.blocks:
            if b.kind == "table":
                for row in b.rows:
                    for cell in row:
                        if INVISIBLE.search(cell.text):
                            cell.text = INVISIBLE.sub("", cell.text).strip()
            elif INVISIBLE.search(b.text):
                b.text = INVISIBLE.sub("", b.text).strip()
                if not b.text:
                    continue
            kept.append(b)
        if len(kept) < len(self.blocks):
            self.blocks[:] = kept

    def text_blocks(self):
        return [b for b in self.blocks if b.kind == "text"]

    def to_dict(self) -> dict:
        d = {
            "path": self.path,
            "format": self.format,
            "pages": self.pages,
            "warnings": self.warnings,
            "sha256": self.sha256,
            "ocr_pages": self.ocr_pages,
            "ocr_pictures": self.ocr_pictures,
            "blocks": [b.to_dict() for b in self.blocks],
        }
        if self.name is not None:
            d["name"] = self.name
        return d

    @property
    def document(self) -> str:
        """The document name its report carries: `name`, else the file name."""
        from pathlib import Path

        return self.name or Path(self.path).name

    @classmethod
    def from_dict(cls, d: dict) -> "Document":
        blocks = []
        for b in d["blocks"]:
            if b["kind"] == "table":
                rows = [[Cell.from_dict(c) for c in r] for r in b["rows"]]
                blocks.append(Block("table", page=b.get("page"), rows=rows, loose=bool(b.get("loose"))))
            else:
                blocks.append(Block("text", text=b["text"], page=b.get("page"), ocr=bool(b.get("ocr"))))
        return cls(
            path=d["path"],
            format=d["format"],
            blocks=blocks,
            pages=d.get("pages"),
            warnings=list(d.get("warnings", [])),
            sha256=d.get("sha256"),
            ocr_pages=list(d.get("ocr_pages", [])),
            ocr_pictures=int(d.get("ocr_pictures", 0)),
            name=d.get("name"),
        )
