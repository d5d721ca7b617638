"""The document model every reader produces: an ordered list of blocks.

A block is either text (one line or paragraph, with the page it was printed on) or a table (a grid of cells that keeps
merged cells as spans). Everything downstream (sections, tables, report) reads only this model, never a file format.
"""
from __future__ import annotations

from dataclasses import dataclass, field


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


@dataclass
class Block:
    kind: str  # "text" or "table"
    text: str = ""
    page: int | None = None
    rows: list[list[Cell]] = field(default_factory=list)
    # For text blocks that hold a table flattened into prose (cells run together with no separator).
    flattened: bool = False

    def to_dict(self) -> dict:
        d = {"kind": self.kind, "page": self.page}
        if self.kind == "table":
            d["rows"] = [[{"text": c.text, "rowspan": c.rowspan, "colspan": c.colspan} for c in r] for r in self.rows]
        else:
            d["text"] = self.text
        return d

    def dense_rows(self) -> list[list[str]]:
        """The grid with spans expanded: a cell covered by a merged cell repeats nothing and reads as None.

        Returns rows of equal logical length where a position covered by a rowspan/colspan from elsewhere is None,
        and an origin cell holds its text. Callers decide whether to fill down parents.
        """
        return expand_spans(self.rows)


def span_origins(rows: list[list[Cell]]) -> dict[tuple[int, int], tuple[int, int]]:
    """For every grid position (row, column), the position of the cell printed there or spanning over it."""
    occupied: dict[tuple[int, int], tuple[int, int]] = {}
    for r, row in enumerate(rows):
        c = 0
        for cell in row:
            while (r, c) in occupied:
                c += 1
            for dr in range(max(cell.rowspan, 1)):
                for dc in range(max(cell.colspan, 1)):
                    occupied[(r + dr, c + dc)] = (r, c)
            c += max(cell.colspan, 1)
    return occupied


def expand_spans(rows: list[list[Cell]]) -> list[list[str | None]]:
    origins = span_origins(rows)
    texts = {}
    for r, row in enumerate(rows):
        positions = sorted({o for o in origins.values() if o[0] == r})
        for (rr, cc), cell in zip(positions, row):
            texts[(rr, cc)] = cell.text
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

    def text_blocks(self):
        return [b for b in self.blocks if b.kind == "text"]

    def to_dict(self) -> dict:
        return {"path": self.path, "format": self.format, "pages": self.pages, "warnings": self.warnings,
                "sha256": self.sha256, "blocks": [b.to_dict() for b in self.blocks]}

    @classmethod
    def from_dict(cls, d: dict) -> "Document":
        blocks = []
        for b in d["blocks"]:
            if b["kind"] == "table":
                rows = [[Cell(c["text"], c.get("rowspan", 1), c.get("colspan", 1)) for c in r] for r in b["rows"]]
                blocks.append(Block("table", page=b.get("page"), rows=rows))
            else:
                blocks.append(Block("text", text=b["text"], page=b.get("page")))
        return cls(path=d["path"], format=d["format"], blocks=blocks, pages=d.get("pages"),
                   warnings=list(d.get("warnings", [])), sha256=d.get("sha256"))
