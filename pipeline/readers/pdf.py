"""PDF with a text layer: pdfplumber for text (with doubled glyphs removed), camelot for tables.

The text layer is read once. camelot's lattice flavour runs only on pages whose drawing holds ruling lines; pages
that print a table without rulings keep it as text lines, which the table stage reads as loose rows. Tables that
continue on the next page are stitched back together, and page furniture (page numbers like `- 3 -` or `— 3 —`)
is kept out of both prose and table cells.
"""
from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass

from ..document import Block, BlockLimit, Cell, Document, ReadError, table_size_problem
from .html import clean_cell_text
from .text import split_heading

PAGE_NUMBER = re.compile(r"^\s*([-—–－_~·•]+\s*\d{1,4}\s*[-—–－_~·•]+|第\s*\d{1,4}\s*页(\s*[,，/]?\s*共\s*\d+\s*页)?"
                         r"|\d{1,4}\s*/\s*\d{1,4})\s*$")


@dataclass
class PdfOptions:
    camelot_flavor: str = "lattice"
    min_ruling_lines: int = 6
    line_scale: int = 40
    max_pages: int = 1000  # ~45 s of reading; an annual report has a few dozen pages
    max_table_pages: int = 100  # camelot costs ~0.4 s a ruled page; later ruled pages keep their text lines


# pdfminer prints a glyph whose font has no Unicode mapping as `(cid:123)`: not text anyone can read
_CID = re.compile(r"\(cid:\d+\)")
MAX_CID_SHARE = 0.3

_PAGE_NUMBER_TAIL = re.compile(r"\s+[-—–－]\s*\d{1,4}\s*[-—–－]\s*$")


def is_page_number(text: str) -> bool:
    return bool(PAGE_NUMBER.match(text)) and len(text.strip()) <= 12


def _open(path: str, data: bytes):
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfminer.psparser import PSException

    try:
        try:
            pdf = pdfplumber.open(io.BytesIO(data))
            _ = pdf.pages  # forces the page tree to be parsed
            return pdf
        except Exception as wrapped:  # pdfplumber wraps pdfminer's errors in PdfminerException
            inner = wrapped.args[0] if wrapped.args and isinstance(wrapped.args[0], Exception) else None
            raise (inner or wrapped)
    except (PDFPasswordIncorrect, PDFEncryptionError) as e:
        raise ReadError(f"encrypted PDF: cannot be opened without a password ({type(e).__name__})")
    except (PDFSyntaxError, PSException) as e:
        raise ReadError(f"corrupt PDF: {e}".splitlines()[0][:200])
    except Exception as e:  # pdfminer raises a zoo of errors on truncated or broken files
        msg = str(e).splitlines()[0][:160] if str(e) else type(e).__name__
        if "password" in msg.lower() or "encrypt" in msg.lower():
            raise ReadError(f"encrypted PDF: {msg}")
        raise ReadError(f"corrupt or truncated PDF: {msg}")


def _camelot_cells_to_rows(table) -> list[list[Cell]]:
    """camelot's cell grid, with merged cells (missing inner edges) turned back into rowspan/colspan."""
    cells = table.cells
    nrows = len(cells)
    ncols = len(cells[0]) if nrows else 0
    covered = set()
    rows = []
    for r in range(nrows):
        row = []
        for c in range(ncols):
            if (r, c) in covered:
                continue
            colspan = 1
            while c + colspan < ncols and not cells[r][c + colspan].left and (r, c + colspan) not in covered:
                colspan += 1
            rowspan = 1
            while r + rowspan < nrows and not cells[r + rowspan][c].top:
                rowspan += 1
            text = " ".join(cells[rr][cc].text for rr in range(r, r + rowspan) for cc in range(c, c + colspan)
                            if cells[rr][cc].text.strip())
            for rr in range(r, r + rowspan):
                for cc in range(c, c + colspan):
                    if (rr, cc) != (r, c):
                        covered.add((rr, cc))
            text = _PAGE_NUMBER_TAIL.sub("", clean_cell_text(_strip_cids(text)))
            row.append(Cell("" if is_page_number(text) else text, rowspan, colspan))
        rows.append(row)
    return rows


def _page_lines(page) -> list[tuple[float, float, str]]:
    """The page's text lines as (top, bottom, text), doubled glyphs removed."""
    page = page.dedupe_chars()
    out = []
    for line in page.extract_text_lines(return_chars=False, keep_blank_chars=False):
        text = clean_cell_text(line["text"])
        if text:
            out.append((line["top"], line["bottom"], text))
    return out


def _cid_share(page_lines) -> float:
    """The share of the text layer printed as `(cid:N)` placeholders (glyphs without a Unicode mapping)."""
    total = cids = 0
    for _, lines in page_lines:
        for _, _, text in lines:
            total += len(text)
            cids += sum(len(m) for m in _CID.findall(text))
    return cids / total if total else 0.0


def _strip_cids(text: str) -> str:
    return _CID.sub("", text).strip() if "(cid:" in text else text


def _has_rulings(page, opts: PdfOptions) -> bool:
    """True when the page draws enough ruling lines to hold a ruled table (camelot's lattice flavour reads it)."""
    rulings = len(page.lines) + sum(1 for r in page.rects if min(r["width"], r["height"]) < 3)
    return rulings >= opts.min_ruling_lines or len(page.rects) >= opts.min_ruling_lines * 2


def _read_tables(path: str, data: bytes, pages: list[int], opts: PdfOptions) -> dict[int, list]:
    if not pages:
        return {}
    import camelot

    logging.getLogger("camelot").setLevel(logging.ERROR)
    import tempfile
    import warnings

    with tempfile.NamedTemporaryFile(suffix=".pdf") as tmp:
        tmp.write(data)
        tmp.flush()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            kwargs = {"line_scale": opts.line_scale} if opts.camelot_flavor == "lattice" else {}
            tables = camelot.read_pdf(tmp.name, pages=",".join(map(str, pages)), flavor=opts.camelot_flavor,
                                      **kwargs)
    by_page: dict[int, list] = {}
    for t in tables:
        if t.shape[1] < 2:
            continue
        by_page.setdefault(int(t.page), []).append(t)
    return by_page


def read_pdf(path: str, data: bytes, opts: PdfOptions | None = None) -> Document:
    opts = opts or PdfOptions()
    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise ReadError("not a PDF: the file does not start with %PDF")
    pdf = _open(path, data)
    try:
        try:
            n_pages = len(pdf.pages)
        except Exception as e:
            raise ReadError(f"corrupt PDF: page tree unreadable ({type(e).__name__}: {str(e)[:120]})")
        if n_pages == 0:
            raise ReadError("corrupt PDF: no pages")
        if n_pages > opts.max_pages:
            raise ReadError(f"PDF too long: {n_pages} pages (the limit is {opts.max_pages}; an annual report has a "
                            f"few dozen)")
        page_lines = []
        table_pages = []
        n_chars = 0
        try:
            for page in pdf.pages:
                lines = _page_lines(page)
                n_chars += sum(len(t) for _, _, t in lines)
                page_lines.append((page.height, lines))
                if _has_rulings(page, opts):
                    table_pages.append(page.page_number)
                page.close()  # drop the page's parsed layout: memory stays flat however many pages there are
        except ReadError:
            raise
        except Exception as e:
            raise ReadError(f"corrupt PDF: text layer unreadable ({type(e).__name__}: {str(e)[:120]})")
        if n_chars == 0:
            raise ReadError(f"scanned PDF: no text layer on any of its {n_pages} pages (OCR is needed)")
        cid_share = _cid_share(page_lines)
        if cid_share > MAX_CID_SHARE:
            raise ReadError(f"unreadable PDF text layer: {cid_share:.0%} of its characters are glyphs without a "
                            f"Unicode mapping (cid); the text cannot be read without OCR")
    finally:
        pdf.close()
    try:
        tables = _read_tables(path, data, table_pages[: opts.max_table_pages], opts)
    except Exception as e:  # camelot failing on one file must not lose its text
        tables = {}
        warning = f"camelot failed, tables read from text lines: {type(e).__name__}: {str(e)[:120]}"
    else:
        warning = None

    warnings = [warning] if warning else []
    if len(table_pages) > opts.max_table_pages:
        warnings.append(f"ruled tables read on the first {opts.max_table_pages} of {len(table_pages)} ruled pages; "
                        f"the others kept as text lines")
    if cid_share:
        warnings.append(f"{cid_share:.1%} of the text layer are glyphs without a Unicode mapping (cid); left out")
    blocks = BlockLimit()
    for pno, (height, lines) in enumerate(page_lines, start=1):
        items = []  # (top, block)
        spans = []
        for t in tables.get(pno, []):
            x1, y1, x2, y2 = t._bbox
            top, bottom = height - y2, height - y1
            spans.append((top, bottom))
            rows = _camelot_cells_to_rows(t)
            problem = table_size_problem(rows)
            if problem:
                warnings.append(problem)
                continue
            items.append((top, Block("table", page=pno, rows=rows)))
        for k, (top, bottom, text) in enumerate(lines):
            mid = (top + bottom) / 2
            if any(a - 1 <= mid <= b + 1 for a, b in spans):
                continue
            text = _strip_cids(text)
            if not text or is_page_number(text) or (k in (0, len(lines) - 1) and text.strip().isdigit()
                                                    and len(text) <= 4):
                continue
            items += [(top, Block("text", page=pno, text=t)) for t in split_heading(text)]
        items.sort(key=lambda it: it[0])
        blocks.add_all(b for _, b in items)
    blocks = stitch_tables(list(blocks))
    return Document(path=path, format="pdf", blocks=blocks, pages=n_pages, warnings=warnings)


def stitch_tables(blocks: list[Block]) -> list[Block]:
    """Join a table that ends a page with the table that starts the next one when their column counts agree."""
    out: list[Block] = []
    for b in blocks:
        prev = out[-1] if out else None
        if (b.kind == "table" and prev is not None and prev.kind == "table" and prev.page is not None
                and b.page == prev.page + 1 and _width(prev) == _width(b)):
            prev.rows = prev.rows + b.rows
            continue
        out.append(b)
    return out


def _width(b: Block) -> int:
    return max((sum(c.colspan for c in r) for r in b.rows[:3]), default=0)
