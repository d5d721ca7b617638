"""The reading options: one value carrying every format's options (a PDF's tables and pages, the OCR of pages and
pictures), set from the command line or params.yaml (`read_options`)."""
from __future__ import annotations

from dataclasses import dataclass, field

from .ocr.options import OcrOptions


@dataclass
class ReadOptions:
    """How a file is read, whatever its format: the PDF reader's table options, the limits on pages, and the OCR
    options (every reader of printed pages and pictures takes them)."""
    camelot_flavor: str = "lattice"  # camelot's flavour for the pages it reads
    min_ruling_lines: int = 6  # fewer ruling lines on a page do not make a table
    line_scale: int = 40  # camelot lattice: the shortest line it detects, as a fraction of the page
    max_pages: int = 1000  # an annual report has a few dozen pages
    max_table_pages: int = 100  # camelot costs ~0.2 s a page; later pages keep their text lines
    tables: str = "rulings"  # "rulings": from the PDF's ruling lines; "camelot": camelot on every ruled page
    min_image_share: float = 0.3  # a page this much under pictures may hold a table drawn in pixels (camelot)
    ocr: OcrOptions = field(default_factory=OcrOptions)  # when and how pages and pictures are OCR'd
