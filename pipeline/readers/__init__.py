"""Readers: one per publication format, all producing the same Document model (document.py).

The entry is formats.read_document (formats.read_bytes for bytes held in memory); cache.read_cached keeps what it
read for the training stages. This package file imports none of its modules, so that importing one reader (the OCR
options, the PDF layer) loads only what that reader needs, and no module of the package imports it back.

    formats.py        sniff a file's bytes, refuse what is not a document, call its reader
    cache.py          documents read once and kept (training stages)
    text.py · encoding.py · html.py · docx.py · office.py · spreadsheet.py · ofd.py · zipped.py
    pdf.py            PDF text layers (pdf_layer.py: PDFium; ruling_grid.py: ruled tables; loose_tables.py: tables
                      without rulings), and which pages and pictures OCR reads
    image.py          image files and the pictures inside Word files and web pages, read by OCR
    ocr/              OCR: preprocessing, the engines, cell reading (ocr/__init__.py)
    printed_pages.py  a document's printed pages (PDF, OCR'd pictures) put together into blocks
    cell_text.py      a table cell's text, as every reader cleans it
"""
