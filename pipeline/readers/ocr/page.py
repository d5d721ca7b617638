"""A picture (a rendered scan page, an image file's frame, a picture in a Word file or a web page) read by OCR into
what a PDF page's text layer gives the PDF reader: text lines with their position, and tables as grids of cells with
spans, each cell's box placed back on the picture as given.

The steps: the picture is prepared (preprocess.py: sheet, deskew, flatten, ink, rulings); the ruling strokes make
grids (readers/ruling_grid.py, as for a PDF's own lines); an engine (engine.py) reads each grid's cells and then
the prose outside the grids.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...document import Cell, ReadError
from ..ruling_grid import table_grids
from .cells import read_cells
from .options import OcrOptions
from .preprocess import MAX_PIXELS, prepare, to_grey
from .prose import prose_lines

MIN_RULINGS = 6  # fewer ruling strokes make no table


@dataclass
class OcrResult:
    """A picture read by OCR, in the units of `scale` (pixels per point) turned back into points."""

    lines: list[tuple[float, float, str, float, float]]  # (top, bottom, text, x0, x1), top to bottom
    tables: list[tuple[tuple[float, float, float, float], list[list[Cell]]]]  # (bbox, rows)
    skew: float = 0.0
    seconds: float = 0.0
    height: float = 0.0  # the picture's height in points (after a photographed sheet was squared up)
    sheet: bool = False  # a photographed sheet was found and squared up


class RecogniserEngine:
    """engine.Engine with a line recogniser and detector (RapidOCR): each cell read from its own crop (cells.py),
    the prose from the detector's lines (prose.py)."""

    def __init__(self, recogniser):
        self.recogniser = recogniser

    def start(self, picture) -> None:
        pass

    def cells(self, picture, grid) -> dict:
        return read_cells(
            self.recogniser,
            picture.clean,
            picture.ink,
            picture.lines_mask,
            grid,
            picture.scale,
            picture.grey,
            picture.core,
        )

    def prose(self, picture, covered) -> list:
        return prose_lines(self.recogniser, picture.grey, covered, picture.scale)


def engine_for(options: OcrOptions):
    """The engine that reads pictures under `options`: Tesseract, or RapidOCR's recogniser loaded once per process
    with `options.threads` ONNX Runtime threads (a clear error, before any work, when it is not installed)."""
    if options.engine == "tesseract":
        from .engine_tesseract import TesseractEngine

        return TesseractEngine()
    from .engine_rapidocr import load

    return RecogniserEngine(load(options.engine, options.threads))


def read_picture(
    grey, scale: float, options: OcrOptions | None = None, min_rulings: int = MIN_RULINGS, tables_only: bool = False
) -> OcrResult:
    """Text lines and ruled tables of a picture whose resolution is `scale` pixels per point. With `tables_only`,
    a picture without a ruled table is not read further (a photo, a logo, a seal)."""
    import time

    import numpy as np

    options = options or OcrOptions()
    started = time.perf_counter()
    engine = engine_for(options)
    if grey.size > MAX_PIXELS:
        raise ReadError(f"picture too large for OCR: {grey.shape[1]}x{grey.shape[0]} pixels")
    picture = prepare(grey, scale)
    scale = picture.scale
    tables = []
    covered = np.zeros(picture.grey.shape, np.uint8)
    engine.start(picture)
    for grid in table_grids(picture.edges, min_rulings, snap=max(3.0, 3.0 * scale)):
        x0, y0, x1, y1 = grid.bbox
        if (x1 - x0) < 30 * scale or (y1 - y0) < 10 * scale:
            continue  # a frame around a word or a stamp's border, not a table
        read = engine.cells(picture, grid)

        def cell_of(cell, read=read):
            text, conf, alternatives, has_ink, *doubts = read.get(cell, ("", 1.0, [], False))
            return Cell(
                text,
                confidence=round(conf, 4),
                alternatives=alternatives or None,
                source="ocr",
                ink=has_ink,
                box=picture.back(grid.box(cell)),  # where it is on the picture as given
                doubts=doubts[0] if doubts else None,
            )

        rows = grid.rows(cell_of)
        tables.append(((x0 / scale, y0 / scale, x1 / scale, y1 / scale), rows))
        covered[int(y0) : int(y1) + 1, int(x0) : int(x1) + 1] = 1
    height = picture.grey.shape[0] / scale
    if tables_only and not tables:
        return OcrResult([], [], picture.skew, round(time.perf_counter() - started, 3), height, picture.sheet)
    lines = engine.prose(picture, covered)
    return OcrResult(lines, tables, picture.skew, round(time.perf_counter() - started, 3), height, picture.sheet)


def render_page(pdf, index: int, dpi: int):
    """A PDF page rendered by PDFium as grey pixels, and its scale (pixels per point)."""
    page = pdf[index]
    try:
        bitmap = page.render(scale=dpi / 72)  # in colour: red seal ink is taken out (to_grey)
        grey = to_grey(bitmap.to_numpy())
        return grey, dpi / 72
    finally:
        page.close()
