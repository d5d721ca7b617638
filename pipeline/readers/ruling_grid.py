"""Ruled tables from ruling lines: pdfplumber's table geometry, shared by the PDF reader (lines the page draws) and
the OCR reader (lines found in a picture's pixels).

pdfplumber turns edges into cells (merge_edges → edges_to_intersections → intersections_to_cells →
cells_to_tables); here each table's cells are laid on one grid of column and row stops, and a cell that covers
several grid positions becomes a rowspan/colspan. Units are whatever the edges are in (PDF points, or pixels).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Callable

from ..document import Cell

SNAP = 3.0  # pt: ruling lines this close are one line (pdfplumber's snap and join tolerances)


def cluster(values: list[float], tolerance: float = SNAP) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > tolerance:
            out.append(v)
    return out


def nearest(stops: list[float], v: float) -> int:
    """The grid line nearest to v."""
    i = bisect.bisect_left(stops, v)
    if i == len(stops) or (i > 0 and v - stops[i - 1] < stops[i] - v):
        i -= 1
    return i


@dataclass
class Grid:
    """One ruled table: its column stops `xs`, row stops `ys`, and for every covered grid position (row, column)
    the cell over it as (row0, column0, row1, column1)."""

    xs: list[float]
    ys: list[float]
    origin: dict[tuple[int, int], tuple[int, int, int, int]]

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return self.xs[0], self.ys[0], self.xs[-1], self.ys[-1]

    def cell_at(self, x: float, y: float) -> tuple[int, int, int, int] | None:
        """The cell whose area holds the point, or None outside the table or in a hole of its grid."""
        if not (self.xs[0] <= x <= self.xs[-1] and self.ys[0] <= y <= self.ys[-1]):
            return None
        r = min(max(bisect.bisect_right(self.ys, y) - 1, 0), len(self.ys) - 2)
        c = min(max(bisect.bisect_right(self.xs, x) - 1, 0), len(self.xs) - 2)
        return self.origin.get((r, c))

    def cells(self) -> list[tuple[int, int, int, int]]:
        """Every cell once, top to bottom and left to right."""
        return sorted(set(self.origin.values()))

    def box(self, cell: tuple[int, int, int, int]) -> tuple[float, float, float, float]:
        r0, c0, r1, c1 = cell
        return self.xs[c0], self.ys[r0], self.xs[c1], self.ys[r1]

    def rows(self, cell_of: Callable[[tuple[int, int, int, int]], Cell]) -> list[list[Cell]]:
        """The table as rows of Cells with spans; `cell_of` gives the content of each cell. A hole in the grid is an
        empty position, so the columns stay aligned."""
        rows = []
        for r in range(len(self.ys) - 1):
            row = []
            c = 0
            while c < len(self.xs) - 1:
                o = self.origin.get((r, c))
                if o is None:
                    row.append(Cell(""))
                    c += 1
                    continue
                r0, c0, r1, c1 = o
                if (r0, c0) == (r, c):
                    cell = cell_of(o)
                    cell.rowspan, cell.colspan = r1 - r0, c1 - c0
                    row.append(cell)
                c = c1 if c0 <= c else c + 1
            rows.append(row)
        return rows


def table_grids(edges: list[dict], min_lines: int, snap: float = SNAP) -> list[Grid]:
    """The ruled tables the edges draw (pdfplumber's edge dictionaries: x0, x1, top, bottom, orientation)."""
    from pdfplumber.table import cells_to_tables, edges_to_intersections, intersections_to_cells, merge_edges
    from pdfplumber.utils import filter_edges

    if len(edges) < min_lines:
        return []
    merged = close_open_ends(filter_edges(merge_edges(edges, snap, snap, snap, snap), min_length=snap), snap)
    grids = []
    for boxes in cells_to_tables(intersections_to_cells(edges_to_intersections(merged, snap, snap))):
        xs = cluster([v for b in boxes for v in (b[0], b[2])], snap)
        ys = cluster([v for b in boxes for v in (b[1], b[3])], snap)
        if len(xs) < 3 or len(ys) < 2:
            continue  # one column (a frame around text, a box) is not a table
        origin: dict[tuple[int, int], tuple[int, int, int, int]] = {}
        for b in boxes:
            c0, c1 = nearest(xs, b[0]), nearest(xs, b[2])
            r0, r1 = nearest(ys, b[1]), nearest(ys, b[3])
            if c1 <= c0 or r1 <= r0:
                continue
            for r in range(r0, r1):
                for c in range(c0, c1):
                    origin.setdefault((r, c), (r0, c0, r1, c1))
        grids.append(Grid(xs, ys, origin))
    return grids


def close_open_ends(edges: list[dict], snap: float = SNAP) -> list[dict]:
    """A ruled table whose last row has no bottom line (it goes on over the page) or whose first row has no top line:
    where three or more column lines end at one height and row lines cross them, a line at that height closes the
    table."""
    vertical = [e for e in edges if e["orientation"] == "v"]
    horizontal = [e for e in edges if e["orientation"] == "h"]
    added = []
    for side in ("bottom", "top"):
        ends: list[list[dict]] = []
        for e in sorted(vertical, key=lambda e: e[side]):
            if ends and e[side] - ends[-1][-1][side] <= snap:
                ends[-1].append(e)
            else:
                ends.append([e])
        for group in ends:
            if len(group) < 3:
                continue
            y = sum(e[side] for e in group) / len(group)
            x0, x1 = min(e["x0"] for e in group), max(e["x0"] for e in group)

            def crosses(h):
                return (
                    sum(
                        1
                        for v in group
                        if h["x0"] - snap <= v["x0"] <= h["x1"] + snap
                        and v["top"] - snap <= h["top"] <= v["bottom"] + snap
                    )
                    >= 2
                )

            if not any(crosses(h) for h in horizontal):
                continue  # column lines with no row line across them: not a ruled table
            if any(abs(h["top"] - y) <= snap and h["x0"] <= x0 + snap and h["x1"] >= x1 - snap for h in horizontal):
                continue  # closed already
            added.append(
                {
                    "x0": x0,
                    "x1": x1,
                    "top": y,
                    "bottom": y,
                    "width": x1 - x0,
                    "height": 0.0,
                    "orientation": "h",
                    "object_type": "line",
                }
            )
    return edges + added
