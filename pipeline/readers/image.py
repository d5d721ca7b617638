"""Image files given directly (PNG, JPEG, TIFF with one page a frame, BMP, GIF, WebP): a scanned or photographed
report, or its tables saved as pictures. Every frame is read by OCR (ocr/page.py) as a printed page, and the pages
are put together as the PDF reader puts its pages (printed_pages.page_blocks).

The picture's scale (pixels per point) comes from its resolution where it records a plausible one, else from the
height of its own characters (ocr/photo.text_scale); a photographed sheet is found and squared up by read_picture,
which then takes the scale from the sheet. OCR's size thresholds are in points.
"""

from __future__ import annotations

import io

from ..document import Document, ReadError
from .cell_text import ocr_cell_text
from .ocr.engine import OcrUnavailable
from .ocr.options import OcrOptions
from .ocr.page import read_picture
from .ocr.preprocess import MAX_PIXELS, to_grey
from .printed_pages import PrintedPage, RuledTable, page_blocks

A4_WIDTH_PT = 595.0
DEFAULT_DPIS = (72, 96)  # what a phone or a screenshot records when it knows no resolution


def picture_scale(grey, dpi: float | None = None, width_pt: float | None = None) -> float:
    """Pixels per point of a picture: from the width it is shown at, or its recorded resolution; a picture that
    records neither (a screenshot without dpi, an `<img>` without a width) is measured from its own text (the
    height of its characters, ocr/photo.text_scale), an A4 page's width only when it shows too little text to tell.
    The 72 and 96 dpi that phones and screenshots record by default are no resolution: read_picture checks any
    scale against the text's height and keeps the measured one when they disagree by more than twice."""
    from .ocr.photo import text_scale

    width_px = grey.shape[1]
    if width_pt and width_pt > 10:
        return max(0.5, min(12.0, width_px / width_pt))
    if dpi and 72 <= dpi <= 1200 and round(dpi) not in DEFAULT_DPIS:
        return dpi / 72
    measured = text_scale(grey)
    if measured:
        return max(0.5, min(12.0, measured))
    return max(1.0, min(8.0, width_px / A4_WIDTH_PT))


def iter_frames(data: bytes, limit: int):
    """The first `limit` frames of an image file as grey pixels, each with its recorded resolution (dpi) or None,
    one at a time (a frame's pixels are dropped once it is read: a 400-page TIFF is never held whole)."""
    import numpy as np
    from PIL import Image, ImageOps, ImageSequence

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    given = 0
    try:
        with Image.open(io.BytesIO(data)) as im:
            for k, frame in enumerate(ImageSequence.Iterator(im)):
                if k >= limit:
                    break
                frame = ImageOps.exif_transpose(frame)
                dpi = frame.info.get("dpi")
                dpi = float(dpi[0]) if isinstance(dpi, tuple) and dpi and dpi[0] else None
                if frame.mode in ("RGBA", "LA", "P", "PA"):
                    rgba = frame.convert("RGBA")
                    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
                    frame = Image.alpha_composite(white, rgba)
                rgb = np.asarray(frame.convert("RGB"))
                given += 1
                yield to_grey(rgb[:, :, ::-1]), dpi  # as BGR, so that to_grey takes red seals out
    except Image.DecompressionBombError:
        raise ReadError(f"image too large: more than {MAX_PIXELS} pixels")
    except ReadError:
        raise
    except Exception as e:
        raise ReadError(f"unreadable image: {type(e).__name__}: {str(e)[:120]}")
    if not given:
        raise ReadError("unreadable image: no frame")


def frames(data: bytes, limit: int = 1) -> list[tuple[object, float | None]]:
    """The first `limit` frames of an image file (iter_frames) as a list."""
    return list(iter_frames(data, limit))


def frame_count(data: bytes) -> int:
    """How many frames (pages) an image file holds: a multi-page TIFF says so in its header chain; 1 for a picture
    that cannot tell."""
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as im:
            return max(1, int(getattr(im, "n_frames", 1) or 1))
    except Exception:  # iter_frames says what is wrong with the file
        return 1


def read_image(path: str, data: bytes, ocr: OcrOptions | None = None) -> Document:
    """Every frame of an image file read by OCR as a page, up to `ocr.max_pages`; a longer file says how many of its
    pages were read (a warning, or the error when the pages read hold no text), never less than the truth."""
    ocr = ocr or OcrOptions()
    if ocr.mode == "off":
        raise ReadError("an image, not a document with text: OCR is off (--ocr auto reads it)")
    pages = []
    warnings: list[str] = []
    total = frame_count(data)
    for number, (grey, dpi) in enumerate(iter_frames(data, ocr.max_pages), start=1):
        scale = picture_scale(grey, dpi)
        found = read_picture(grey, scale, ocr)
        tables = [RuledTable(bbox, [[ocr_cell_text(c) for c in row] for row in rows]) for bbox, rows in found.tables]
        pages.append(PrintedPage(number, found.height or grey.shape[0] / scale, found.lines, tables, ocr=True))
    cut = total > len(pages)
    left = f"{total}" if total == len(pages) + 1 else f"{len(pages) + 1}-{total}"
    limit = (
        (
            f"OCR read {len(pages)} of its {total} pages: page(s) {left} were not read (at most {ocr.max_pages} "
            f"pages of a document are OCR'd: ocr.max_pages in params.yaml, --ocr-max-pages)"
        )
        if cut
        else ""
    )
    if not any(p.lines or p.tables for p in pages):
        raise ReadError(
            f"an image in which OCR found no text; {limit}" if cut else "an image in which OCR found no text"
        )
    blocks = page_blocks(pages, warnings)
    if cut:
        warnings.append(limit)
    warnings.append(f"read by OCR ({len(pages)} picture{'s' if len(pages) > 1 else ''})")
    return Document(
        path=path,
        format="image",
        blocks=blocks,
        pages=max(total, len(pages)),
        warnings=warnings,
        ocr_pages=list(range(1, len(pages) + 1)),
    )


MIN_PICTURE_PX = 120  # a smaller picture (an icon, a bullet) is not read
MIN_TEXT_LINES, MIN_TEXT_CHARS = 3, 40  # a picture without a table is kept as text only when it is a page of text


def picture_blocks(data: bytes, ocr: OcrOptions, width_pt: float | None = None, page: int | None = None):
    """The blocks of a picture embedded in a document (a Word file, a saved web page): its tables, and its text
    when it prints a page of text, not a photo, a logo or a seal. None when it holds neither (or OCR is off)."""
    if ocr.mode == "off":
        return None
    blocks = []
    for grey, dpi in frames(data)[:1]:
        if min(grey.shape) < MIN_PICTURE_PX:
            return None
        scale = picture_scale(grey, dpi, width_pt)
        found = read_picture(grey, scale, ocr)
        chars = sum(1 for _, _, text, _, _ in found.lines for ch in text if "\u4e00" <= ch <= "\u9fff")
        if not found.tables and (len(found.lines) < MIN_TEXT_LINES or chars < MIN_TEXT_CHARS):
            return None
        tables = [RuledTable(bbox, [[ocr_cell_text(c) for c in row] for row in rows]) for bbox, rows in found.tables]
        blocks = page_blocks(
            [PrintedPage(page or 1, found.height or grey.shape[0] / scale, found.lines, tables, ocr=True)], []
        )
        for b in blocks:
            b.page = page
            for row in b.rows:  # a cell's box is in the picture: no page of the document
                for cell in row:
                    cell.page = page
    return blocks or None


MAX_PICTURES = 40  # pictures OCR'd in one document


class PictureReader:
    """Reads the pictures embedded in one document (a Word file, a saved web page) by OCR: at most MAX_PICTURES of
    them, each through picture_blocks; a missing engine or a picture that cannot be decoded is a warning, never a
    failure of the document."""

    def __init__(self, ocr: OcrOptions | None):
        self.ocr = ocr
        self.left = MAX_PICTURES if ocr is not None and ocr.mode != "off" else 0
        self.read = 0
        self.warnings: list[str] = []

    @property
    def active(self) -> bool:
        return self.left > 0

    def blocks(self, data: bytes, width_pt: float | None = None) -> list:
        if self.left <= 0:
            return []
        self.left -= 1
        try:
            found = picture_blocks(data, self.ocr, width_pt)
        except OcrUnavailable as e:
            self.warnings.append(f"pictures were not read: {e}")
            self.left = 0
            return []
        except ReadError:
            return []  # not a picture PIL can decode (an EMF/WMF drawing, a broken file): nothing to OCR
        if self.left == 0:
            self.warnings.append(f"more than {MAX_PICTURES} pictures: the others were not read")
        if found:
            self.read += 1
        return found or []

    def summary(self) -> list[str]:
        done = [f"{self.read} picture{'s' if self.read > 1 else ''} read by OCR"] if self.read else []
        return self.warnings + done
