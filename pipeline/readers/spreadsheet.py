"""A report's tables saved as a spreadsheet (.xlsx/.xlsm by openpyxl; .xls and Kingsoft .et converted to .xlsx by
LibreOffice first, office.py) into the Document model's table blocks.

Every sheet, in workbook order, is cut into tables at fully empty rows; merged ranges become rowspan/colspan (as the
Word and HTML readers keep them), numbers are printed as the sheet holds them (12.0 → 12). A table's leading rows
that hold one value only (a title or a section heading above the grid, e.g. 三、收到和处理政府信息公开申请情况) and
rows of one value below it (notes) are text blocks. A formula the file keeps no computed value for (a workbook
never calculated) is an unreadable cell, never a 0. Such a file holds tables only: the Document says so in its
warnings and the report JSON in `source.prose_absent`.
"""

from __future__ import annotations

import datetime
import io

from ..document import MAX_TABLE_CELLS, UNREADABLE, Block, BlockLimit, Cell, Document, ReadError, table_size_problem
from .zipped import open_bounded_zip

TABLES_ONLY = "a spreadsheet holds tables only: the report's prose is absent from this file"


def _check_archive(data: bytes) -> None:
    open_bounded_zip(data, "spreadsheet").close()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value).strip()


def _sheet_grid(values_ws, formulas_ws, warnings: list[str]) -> list[list[Cell | None]] | None:
    """The used range of a sheet as rows of Cells (None where a merged range covers the position)."""
    top, left, bottom, right = values_ws.min_row, values_ws.min_column, values_ws.max_row, values_ws.max_column
    height, width = bottom - top + 1, right - left + 1
    if height * width > MAX_TABLE_CELLS:
        warnings.append(
            f"sheet {values_ws.title!r}: {height} rows by {width} columns exceed {MAX_TABLE_CELLS} "
            f"cells; it was left out"
        )
        return None
    spans, covered = {}, set()
    for rng in values_ws.merged_cells.ranges:
        spans[(rng.min_row, rng.min_col)] = (rng.max_row - rng.min_row + 1, rng.max_col - rng.min_col + 1)
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                if (r, c) != (rng.min_row, rng.min_col):
                    covered.add((r, c))
    uncomputed = 0
    grid: list[list[Cell | None]] = []
    for r, row in enumerate(
        values_ws.iter_rows(min_row=top, max_row=bottom, min_col=left, max_col=right, values_only=True), start=top
    ):
        line: list[Cell | None] = []
        for c, value in enumerate(row, start=left):
            if (r, c) in covered:
                line.append(None)
                continue
            text = _text(value)
            if value is None and formulas_ws is not None:
                formula = formulas_ws.cell(row=r, column=c).value
                if isinstance(formula, str) and formula.startswith("="):
                    text, uncomputed = UNREADABLE, uncomputed + 1
            rowspan, colspan = spans.get((r, c), (1, 1))
            line.append(Cell(text, rowspan, colspan))
        grid.append(line)
    if uncomputed:
        warnings.append(
            f"sheet {values_ws.title!r}: {uncomputed} formula cells hold no computed value (the "
            f"workbook was saved without calculating); they are unreadable, not 0"
        )
    return grid


def _filled(line: list[Cell | None]) -> list[Cell]:
    return [c for c in line if c is not None and c.text]


def _blocks(grid: list[list[Cell | None]], warnings: list[str], sheet: str) -> list[Block]:
    """Tables cut at empty rows (a row a merged cell reaches into is never empty); one-value rows above and below a
    table are text."""
    reach = [0] * (len(grid) + 1)  # rows still inside a merged cell started above
    for r, line in enumerate(grid):
        for cell in line:
            if cell is not None and cell.rowspan > 1:
                for k in range(r + 1, min(len(grid), r + cell.rowspan)):
                    reach[k] = 1
    chunks, current = [], []
    for r, line in enumerate(grid):
        if not _filled(line) and not reach[r]:
            if current:
                chunks.append(current)
            current = []
        else:
            current.append(line)
    if current:
        chunks.append(current)
    out = []
    for chunk in chunks:
        head, tail = [], []
        while chunk and len(_filled(chunk[0])) == 1 and all(c is None or c.rowspan == 1 for c in chunk[0]):
            head.append(chunk.pop(0))
        while chunk and len(_filled(chunk[-1])) == 1 and all(c is None or c.rowspan == 1 for c in chunk[-1]):
            tail.insert(0, chunk.pop())
        if len(chunk) == 1:  # a lone row is a line of text, not a table
            head, chunk = head + chunk, []
        out += [
            Block("text", text=_filled(line)[0].text)
            if len(_filled(line)) == 1
            else Block("text", text=" ".join(c.text for c in _filled(line)))
            for line in head
        ]
        if chunk:
            rows = [[c for c in line if c is not None] for line in chunk]
            problem = table_size_problem(rows)
            if problem:
                warnings.append(f"sheet {sheet!r}: {problem}")
            else:
                out.append(Block("table", rows=rows))
        out += [Block("text", text=" ".join(c.text for c in _filled(line))) for line in tail]
    return out


def read_spreadsheet(path: str, data: bytes, kind: str = "xlsx") -> Document:
    """A workbook's sheets as tables; kind "xls" (Excel 97-2003, Kingsoft ET) is converted by LibreOffice first."""
    warnings: list[str] = []
    if kind == "xls":
        from .office import CALC_PACKAGE, convert

        data = convert(data, ".xls", "xlsx", path, package=CALC_PACKAGE)
    _check_archive(data)
    import openpyxl

    try:
        values = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
        formulas = openpyxl.load_workbook(io.BytesIO(data), data_only=False)
    except Exception as e:  # openpyxl raises KeyError, ValueError, zipfile and XML errors for broken files
        msg = str(e).splitlines()[0][:150] if str(e) else ""
        raise ReadError(f"corrupt spreadsheet: {type(e).__name__}: {msg}")
    blocks = BlockLimit()
    for ws in values.worksheets:
        grid = _sheet_grid(ws, formulas[ws.title] if ws.title in formulas.sheetnames else None, warnings)
        if grid:
            blocks.add_all(_blocks(grid, warnings, ws.title))
    if not any(b.kind == "table" for b in blocks):
        raise ReadError("empty spreadsheet: no sheet holds a table")
    warnings.insert(0, TABLES_ONLY)
    return Document(path=path, format="spreadsheet", blocks=list(blocks), warnings=warnings)
