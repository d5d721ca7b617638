"""The reading options: one value carrying every format's options (a PDF's tables and pages, the OCR of pages and
pictures), set from the command line or params.yaml (`read_options`)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from ..params import Extract, section
from .ocr.options import OcrOptions

_PARAMS = Extract()  # the defaults of params.yaml's extract section, held there once


@dataclass
class ReadOptions:
    """How a file is read, whatever its format: the PDF reader's table options, the limits on pages, and the OCR
    options (every reader of printed pages and pictures takes them)."""

    camelot_flavor: str = _PARAMS.camelot_flavor  # camelot's flavour for the pages it reads
    min_ruling_lines: int = _PARAMS.min_ruling_lines  # fewer ruling lines on a page do not make a table
    line_scale: int = 40  # camelot lattice: the shortest line it detects, as a fraction of the page
    max_pages: int = 1000  # an annual report has a few dozen pages
    max_table_pages: int = 100  # camelot costs ~0.2 s a page; later pages keep their text lines
    tables: str = _PARAMS.pdf_tables  # "rulings": from the PDF's ruling lines; "camelot": camelot on every ruled page
    min_image_share: float = 0.3  # a page this much under pictures may hold a table drawn in pixels (camelot)
    ocr: OcrOptions = field(default_factory=OcrOptions)  # when and how pages and pictures are OCR'd


def read_options(params: dict | None = None, **ocr) -> ReadOptions:
    """The reading options set by params.yaml's extract and ocr sections (a parsed, checked params.yaml), or by the
    command line, which gives the same keys (`--pdf-tables` is extract.pdf_tables, `--ocr-dpi` ocr.dpi …); a key
    left out takes its default (params.py). `ocr` sets the OCR options params.yaml has no key for (threads,
    engine)."""
    extract = section(params, "extract")
    return ReadOptions(
        camelot_flavor=extract.camelot_flavor,
        tables=extract.pdf_tables,
        min_ruling_lines=int(extract.min_ruling_lines),
        ocr=OcrOptions(**dataclasses.asdict(section(params, "ocr")), **ocr),
    )
