"""The three statutory tables: find their rows in any layout and read every canonical cell.

1. Row records (records.py, text_records.py, document_records.py). Every table grid (from HTML, DOCX, PDF, text or
   OCR) becomes records of (label parts, value cells): merged parent labels (rowspan cells, or blank placeholders
   under a label) are carried down to their children. Text that holds a table flattened into prose (cells run
   together) or loose lines (`规章 0 0 0`) is tokenised into the same records, with each value run kept whole.
2. Row labels and template (template.py). The row labeler maps each record to `table:row`, `extra` or `header`,
   restricted to the table of the section the record was printed in; labels wrapped onto grid rows of their own or
   broken by a page break are joined to their row (continuations.py); the template (2019 or 2021) is decided
   from rows and headers only one template has, or from the year.
3. Values (values.py, build.py, table_rules.py). Each table's rows are taken from their best printed copy and their
   cells parsed; runs whose cell boundaries were lost are cut only where the table's own sums (sums.py) leave
   exactly one reading, otherwise the row is unreadable (null), never guessed.
4. OCR'd cells (ocr_guard.py) are kept when sure or when the sums choose among their readings; otherwise null.
"""

from __future__ import annotations

from .. import schema
from .build import build_table
from .continuations import join_label_tails
from .document_records import GridRecords, collect_records
from .labels import RowLabeler
from .ocr_guard import verify_ocr_table
from .template import detect_template, label_records
from .text_records import looks_tabular_text


def extract_tables(
    blocks,
    sections,
    labeler: RowLabeler,
    year: int | None,
    column_labeler=None,
    ocr_options=None,
    grids: GridRecords | None = None,
):
    records, table_text = collect_records(
        blocks, sections.assignment, sections.junk, set(sections.headings.values()), grids
    )
    predictions = label_records(records, labeler)
    records, predictions = join_label_tails(records, predictions, labeler)
    table_texts = [
        b.text
        for i, b in enumerate(blocks)
        if b.kind == "text" and sections.assignment[i] in (2, 3, 4) and looks_tabular_text(b.text)
    ]
    template, template_conf = detect_template(records, predictions, year, table_texts)
    results = {t: build_table(t, template, records, predictions, column_labeler) for t in schema.TABLES}
    for t, res in results.items():
        if res.ocr:
            verify_ocr_table(
                res,
                t,
                template,
                *((ocr_options.min_confidence, ocr_options.very_sure) if ocr_options is not None else ()),
            )
    return template, template_conf, results, table_text
