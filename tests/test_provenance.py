"""Every cell of a report says where it was printed (`where`), and it is true: the text inside a PDF cell's box is
the cell's printed text; an OCR'd cell's box lies over the same cell of the page it was scanned from; a cell of an
HTML or Word grid is at its grid position in the document as read; a figure of a table printed as text is at its
span of the text block. Real files only: the bundled corpus and reports the tests print and scan."""

from __future__ import annotations

import re

import pytest

from conftest import ROOT
from fixtures import make_report_pdf


def _cells(report: dict):
    for table, t in report["tables"].items():
        for row, cols in (t.get("cells") or {}).items():
            for col, cell in cols.items():
                yield table, row, col, cell


def _squeeze(text) -> str:
    return re.sub(r"\s+", "", text or "")


def test_a_pdf_cells_box_holds_its_printed_text(models):
    import pdfplumber

    from pipeline.batch.stages import extract_one

    path = ROOT / "data" / "raw" / "pingtan-2021-lo.pdf"  # tables over page breaks, labels wrapped a character a line
    report = extract_one(path, models)
    checked = 0
    with pdfplumber.open(str(path)) as pdf:
        for table, row, col, cell in _cells(report):
            if cell["raw"] is None:
                continue
            where = cell["where"]
            assert {"block", "page", "grid", "box"} <= set(where), (table, row, col, where)
            page = pdf.pages[where["page"] - 1]
            x0, top, x1, bottom = where["box"]
            assert 0 <= x0 < x1 <= page.width and 0 <= top < bottom <= page.height
            inside = page.crop((x0, top, x1, bottom)).extract_text()
            assert _squeeze(inside) == _squeeze(cell["raw"]), (table, row, col, inside, cell["raw"])
            checked += 1
    assert checked == 200
    pages = {c["where"]["page"] for *_, c in _cells(report)}
    assert len(pages) >= 2  # the tables run over several pages, and each cell names its own


def test_grid_and_text_cells_point_at_the_document_as_read(models):
    from pipeline.batch.stages import extract_one
    from pipeline.document import expand_spans
    from pipeline.readers.formats import read_document

    for name in ("pingtan-2023.html", "pingtan-2023-lo.docx", "qingtongxia-2020.txt", "pingtan-2023.txt"):
        path = ROOT / "data" / "raw" / name
        report = extract_one(path, models)
        doc = read_document(str(path))
        grids = spans = 0
        for table, row, col, cell in _cells(report):
            if cell["raw"] is None:
                continue
            where = cell["where"]
            block = doc.blocks[where["block"]]
            assert "box" not in where  # markup and text: no page to draw on
            if "grid" in where:
                r, c = where["grid"]
                assert block.kind == "table"
                assert _squeeze(expand_spans(block.rows)[r][c]) == _squeeze(cell["raw"]), (name, row, col)
                grids += 1
            else:
                a, b = where["span"]
                assert block.kind == "text"
                assert _squeeze(cell["raw"]) in _squeeze(block.text[a:b]), (name, row, col, block.text[a:b])
                spans += 1
        assert grids + spans >= 190, (name, grids, spans)
        if name == "pingtan-2023.txt":  # the crawler's one-line rendering: every figure is a span of text
            assert grids == 0
        elif name != "qingtongxia-2020.txt":
            assert spans == 0


def _turned(box, angle: float, size, scale: float):
    """The bounding box (points) of `box` once its page (`size` pixels at `scale`) is turned by `angle` degrees about
    its centre, as synth_scan.degrade turns it."""
    import cv2
    import numpy as np

    if not angle:
        return box
    m = cv2.getRotationMatrix2D((size[0] / 2, size[1] / 2), angle, 1.0)
    x0, y0, x1, y1 = (v * scale for v in box)
    pts = np.array([[x0, y0, 1], [x1, y0, 1], [x1, y1, 1], [x0, y1, 1]]) @ m.T
    return (pts[:, 0].min() / scale, pts[:, 1].min() / scale, pts[:, 0].max() / scale, pts[:, 1].max() / scale)


def _overlap(a, b) -> float:
    """Intersection over union of two boxes."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    inter = w * h
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


@pytest.mark.slow  # two OCR'd copies of a whole report (about two minutes); run by .ci/run (-m slow)
def test_an_ocr_cells_box_lies_over_the_cell_it_was_read_from(tmp_path, models):
    """The fixture report printed to pictures (an image-only PDF and a TIFF of its pages): each OCR'd cell's box
    (in points of the page, from the picture's pixels divided by its scale) covers the same cell as the original's
    text layer says."""
    import pypdfium2 as pdfium

    import random

    from pipeline.batch.stages import extract_one
    from pipeline.modeling.synth_scan import scan_pdf

    original = make_report_pdf(tmp_path / "original.pdf")
    want = extract_one(original, models)
    boxes = {
        (t, r, c): (cell["where"]["page"], cell["where"]["box"])
        for t, r, c, cell in _cells(want)
        if "box" in cell.get("where", {})
    }
    assert len(boxes) >= 190
    scan = tmp_path / "scan.pdf"
    turns = scan_pdf(original, scan, random.Random(5), ocr_layer=False, dpi=200)["turns"]
    doc = pdfium.PdfDocument(str(original))
    pages = [doc[i].render(scale=200 / 72).to_pil() for i in range(len(doc))]
    doc.close()
    tiff = tmp_path / "report.tif"
    pages[0].save(tiff, save_all=True, append_images=pages[1:], dpi=(200, 200))
    sizes = [p.size for p in pages]
    for path, least, turned in ((scan, 0.7, turns), (tiff, 0.8, [0.0] * len(pages))):  # the scan turned and noisy
        got = extract_one(path, models)
        compared = 0
        for t, r, c, cell in _cells(got):
            if cell.get("source") != "ocr" or (t, r, c) not in boxes or cell["raw"] is None or "|" in cell["raw"]:
                continue  # a row that could not be read (its cells run out of the template) names only its block
            page, box = boxes[(t, r, c)]
            assert cell["where"]["page"] == page, (path.name, t, r, c)
            box = _turned(box, turned[page - 1], sizes[page - 1], 200 / 72)  # where the scanner put the cell
            assert _overlap(cell["where"]["box"], box) >= least, (path.name, t, r, c, cell["where"]["box"], box)
            compared += 1
        assert compared >= 150, (path.name, compared)


@pytest.mark.slow  # one photographed page read by OCR (about a minute); run by .ci/run (-m slow)
def test_a_photographed_cells_box_is_placed_back_on_the_photo(tmp_path, models):
    """A page photographed in perspective, turned and on a desk is squared up and turned level before it is read;
    each OCR'd cell's box is then placed back on the photo as taken, so the review desk outlines the cell on the
    picture a reviewer sees: it covers where the camera put the original's cell."""
    import random

    import cv2
    import numpy as np
    import pypdfium2 as pdfium
    from PIL import Image

    from pipeline.batch.stages import extract_one
    from pipeline.modeling.synth_scan import PHOTO_WIDTH, photograph
    from pipeline.readers.image import picture_scale
    from pipeline.readers.ocr.preprocess import to_grey

    original = make_report_pdf(tmp_path / "original.pdf")
    want = extract_one(original, models)
    boxes = {
        (t, r, c): cell["where"]["box"]
        for t, r, c, cell in _cells(want)
        if cell.get("where", {}).get("page") == 1 and "box" in cell["where"]
    }
    doc = pdfium.PdfDocument(str(original))
    width = 2 * PHOTO_WIDTH  # the fixture's table 3 is printed in 6-point type: a phone's full-size photo
    render = width * 1.1 / doc[0].get_width()
    grey = doc[0].render(scale=render, grayscale=True).to_numpy()
    grey = grey[:, :, 0] if grey.ndim == 3 else grey
    doc.close()
    corners: list = []
    photo = photograph(grey, random.Random(7), width=width, corners_out=corners)
    h, w = grey.shape
    camera = cv2.getPerspectiveTransform(np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32), corners[0])
    path = tmp_path / "photo.png"
    Image.fromarray(photo[:, :, ::-1]).save(path)  # no resolution recorded, as a phone's picture sent on
    scale = picture_scale(to_grey(photo))  # the photo's pixels per point, as the reader and the review desk take it
    got = extract_one(path, models)
    compared = 0
    for t, r, c, cell in _cells(got):
        if cell.get("source") != "ocr" or (t, r, c) not in boxes or got["tables"][t]["rows"][r][c] is None:
            continue  # a cell read as a number (the 6-point table 3 is small in a phone's photo)
        x0, y0, x1, y1 = (v * render for v in boxes[(t, r, c)])
        quad = cv2.perspectiveTransform(np.array([[[x0, y0], [x1, y0], [x1, y1], [x0, y1]]], np.float32), camera)[0]
        expected = (
            quad[:, 0].min() / scale,
            quad[:, 1].min() / scale,
            quad[:, 0].max() / scale,
            quad[:, 1].max() / scale,
        )
        assert _overlap(cell["where"]["box"], expected) >= 0.5, (t, r, c, cell["where"]["box"], expected)
        compared += 1
    assert compared >= 100, compared


@pytest.mark.parametrize("name", ["pingtan-2023.html", "pingtan-2021-lo.pdf"])
def test_the_document_json_keeps_cell_boxes_only_where_a_page_was_read(name):
    """Documents of markup stay as they were (no box key); a PDF's cells carry theirs through the read stage's
    document JSON and back."""
    from pipeline.document import Document
    from pipeline.readers.formats import read_document

    doc = read_document(str(ROOT / "data" / "raw" / name))
    as_dict = doc.to_dict()
    cells = [c for b in as_dict["blocks"] if b["kind"] == "table" for row in b["rows"] for c in row]
    with_box = [c for c in cells if "box" in c]
    if name.endswith(".html"):
        assert with_box == []
    else:
        assert len(with_box) == len(cells) - sum(1 for c in cells if "box" not in c) and len(with_box) > 200
        assert all("page" in c for c in with_box)
    assert Document.from_dict(as_dict).to_dict() == as_dict
