"""OCR: pages and pictures that carry no usable text, read with RapidOCR (PP-OCRv4 Chinese detection and
recognition as ONNX models shipped inside the `rapidocr-onnxruntime` wheel: offline, on the CPU).

A picture (a rendered scan page, an image file, a picture in a Word file or a web page) becomes what a PDF page's
text layer gives the PDF reader: text lines with their position, and tables as grids of cells with spans.

1. Deskew: the angle that makes the rows of ink sharpest (the variance of the row sums of a small copy, searched
   over ±`MAX_SKEW` degrees) is turned back.
2. Ruling lines: OpenCV morphology (an opening with long thin kernels, as camelot's lattice flavour does) finds
   the horizontal and vertical strokes; each stroke becomes an edge, and pdfplumber's table geometry
   (ruling_grid.py) builds the cells, merged cells kept as spans, as for a PDF's own lines.
3. Cells are read one by one from their crops, ruling lines removed: a cell with no ink (no mark bigger than
   speckle noise) is blank; the ink is cut into text lines by its row profile, and each line is recognised by the
   PP-OCRv4 recogniser, tightly framed. Whole-page text detection misses lone digits in a grid, so the detector is
   used only for the text outside tables.
4. Each reading keeps its confidence (the least sure character, and the least sure place where a character may
   have been dropped) and its next most likely readings (from the recogniser's per-frame probabilities), so the
   table stage can let the table's sums choose among them, and never takes a doubtful number as read.
5. The text outside the tables: the detector finds its lines, the recogniser reads them.

Tables printed without rulings are not rebuilt here: their lines come out as text, as the lines of a born-digital
page without rulings do.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

from ..document import BLANKS, UNREADABLE, Cell, ReadError
from ..headings import restore_heading_comma
from .recogniser import OcrUnavailable, install_hint, load  # noqa: F401 (OcrUnavailable, install_hint: the readers')
from .ruling_grid import table_grids

MAX_SKEW = 3.0  # degrees searched either way
SKEW_STEP = 0.1
LINE_SCALE = 40  # a ruling line is at least 1/LINE_SCALE of the picture's width or height (camelot's line_scale)
MIN_RULINGS = 6  # fewer ruling strokes make no table
MIN_MARK_PT = 2.2  # ink smaller than this (in points, both ways) is speckle, not a character
MIN_DASH_PT = 1.5  # a flat mark this wide (a minus sign, a dash standing for nothing) is ink too
RESIDUE_PT = 1.0  # a mark this thin along a cell's edge is left over from the ruling line
# the recogniser reads the small enumeration comma 、 as a middle dot · between Chinese characters, where Chinese
# prose has no middle dot (四·因政府信息公开… is 四、因政府信息公开…)
_DOT_FOR_COMMA = re.compile(r"(?<=[\u4e00-\u9fff])[·•](?=[\u4e00-\u9fff])|丶")  # and the radical 丶, a 、 in text
DET_MAX_SIDE = 1280
BATCH_RATIO = 80  # lines × the widest line's width/height in one recogniser batch: bounds its memory
MAX_LINE_RATIO = 60  # a wider line is read squeezed (a line of 60 characters' width is long for a report)
PROSE_MIN_CONFIDENCE = 0.3  # a text box read less sure than this is noise (a seal, a blot), not text
STRAY_PT = 3.5  # a mark smaller than this standing apart from the text is a speck
DASH_CONFIDENCE = 0.97  # a lone short flat stroke read by its shape as a dash (a blank mark)
TOUCH_CONFIDENCE = 0.5  # at most this sure: a number whose ink touches a ruling (the sums must confirm it)
MAX_PIXELS = 60_000_000  # a picture larger than this (after scaling) is refused: ~ an A4 page at 900 dpi
NUMERIC_CHARS = "0123456789.,-/—－"
_NUMERIC_LOOKALIKE = str.maketrans({"O": "0", "o": "0", "D": "0", "〇": "0", "口": "0", "Q": "0", "l": "1", "I": "1",
                                    "|": "1",
                                    "丨": "1", "S": "5", "B": "8", "。": ".", "，": ",", "．": ".", "一": "—",
                                    "_": "—", "~": "—", "Z": "2", "z": "2"})
_NUMERIC_LOOKALIKE_MAP = {chr(k): v for k, v in _NUMERIC_LOOKALIKE.items()}
_NUMERIC_TEXT = re.compile(r"^[+\-－]?\s*[\d.,，]+\s*$|^[/／—–\-－]{1,2}$")


@dataclass
class OcrOptions:
    mode: str = "auto"  # auto: pages and pictures without usable text | force: every page | off: never
    dpi: int = 200  # PDF pages are rendered at this resolution for OCR
    min_confidence: float = 0.9  # a number read less sure than this is doubtful: the table's sums must confirm it
    very_sure: float = 0.98  # a sum that fails keeps only cells read at least this sure (as printed)
    threads: int = 0  # ONNX Runtime threads per process (0: its default, all cores)
    engine: str = "rapidocr"  # rapidocr (PP-OCRv4) | rapidocr3 (PP-OCRv6, measured) | tesseract (the baseline)
    max_pages: int = 100  # pages OCR'd in one document; later pages are reported, not read


@dataclass
class Reading:
    """What the recogniser read in one text line: the best text, how sure it is, and the next readings."""
    text: str
    confidence: float
    alternatives: list[tuple[str, float]] = field(default_factory=list)  # (text, probability), best first


@dataclass
class OcrResult:
    """A picture read by OCR, in the units of `scale` (pixels per point) turned back into points."""
    lines: list[tuple[float, float, str, float, float]]  # (top, bottom, text, x0, x1), top to bottom
    tables: list[tuple[tuple[float, float, float, float], list[list[Cell]]]]  # (bbox, rows)
    skew: float = 0.0
    seconds: float = 0.0
    height: float = 0.0  # the picture's height in points (after a photographed sheet was squared up)
    sheet: bool = False  # a photographed sheet was found and squared up


def engine(threads: int = 0, kind: str | None = None):
    """The detector and recogniser (recogniser.py), loaded once per process (and per thread setting)."""
    return load(kind or _ENGINE[0], threads)


# ---------------------------------------------------------------- pictures

RED_MARGIN = 60  # a pixel whose red exceeds its green and blue by this much is seal ink, not text


def to_grey(image):
    """A numpy picture (grey, BGR or BGRA) as 8-bit grey. Red ink (a seal stamped over the text, a red rule) is
    taken out as paper: Chinese documents print their text black, and a seal over it would hide digits."""
    import cv2
    import numpy as np

    img = np.asarray(image)
    if img.dtype != np.uint8:
        img = np.clip(img, 0, 255).astype(np.uint8)
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[:, :, 0]
    if img.ndim == 3 and img.shape[2] == 4:
        alpha = img[:, :, 3:4].astype(np.float32) / 255.0  # transparent parts are paper, not ink
        img = (img[:, :, :3] * alpha + 255 * (1 - alpha)).astype(np.uint8)
    if img.ndim == 3:
        b, g, r = (img[:, :, k].astype(np.int16) for k in range(3))
        red = (r - np.maximum(g, b)) > RED_MARGIN
        img = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
        if red.any():
            img[red] = 255
    return img


def deskew(grey):
    """The picture turned so that its lines are level, and the angle (degrees) it was turned by."""
    import cv2
    import numpy as np

    h, w = grey.shape
    f = min(1.0, 800 / max(w, 1))
    small = cv2.resize(grey, (max(1, int(w * f)), max(1, int(h * f))), interpolation=cv2.INTER_AREA)
    _, ink = cv2.threshold(small, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    sh, sw = ink.shape
    centre = (sw / 2, sh / 2)

    def sharpness(angle):
        m = cv2.getRotationMatrix2D(centre, angle, 1.0)
        turned = cv2.warpAffine(ink, m, (sw, sh), flags=cv2.INTER_NEAREST, borderValue=0)
        return float(np.var(turned.sum(axis=1, dtype=np.float64)))

    angles = np.arange(-MAX_SKEW, MAX_SKEW + 1e-9, SKEW_STEP)
    scores = [sharpness(a) for a in angles]
    best = float(angles[int(np.argmax(scores))])
    fine = np.arange(best - SKEW_STEP, best + SKEW_STEP + 1e-9, SKEW_STEP / 4)
    best = float(fine[int(np.argmax([sharpness(a) for a in fine]))])
    if abs(best) < 0.05:
        return grey, 0.0
    m = cv2.getRotationMatrix2D((w / 2, h / 2), best, 1.0)
    return cv2.warpAffine(grey, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=255), round(best, 2)


def flatten(grey, scale: float):
    """The paper made white: each pixel divided by the paper's own tone around it (a closing with a kernel wider
    than any stroke removes the ink and leaves the paper), so grey, yellowed or unevenly lit scans read like clean
    prints, and white margins added around a crop do not frame it with an edge the recogniser would see."""
    import cv2
    import numpy as np

    k = max(9, int(6 * scale) | 1)
    paper = cv2.morphologyEx(grey, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    paper = cv2.GaussianBlur(paper, (0, 0), k / 2)
    flat = grey.astype(np.float32) * 255.0 / np.maximum(paper.astype(np.float32), 1.0)
    return np.clip(flat, 0, 255).astype(np.uint8)


def binarise(grey, scale: float):
    """Ink as 1, paper as 0: a threshold local to each neighbourhood (grey paper, shading, uneven light), and never
    lighter than the page's own ink/paper split would allow (so pale noise on white stays paper)."""
    import cv2
    import numpy as np

    block = max(15, int(12 * scale) | 1)
    local = cv2.adaptiveThreshold(grey, 1, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY_INV, block, 12)
    otsu, _ = cv2.threshold(grey, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    global_ink = (grey < min(otsu + 25, 235)).astype(np.uint8)
    return local & global_ink


def ruling_masks(ink, scale: float):
    """Horizontal and vertical ruling strokes (masks) of a binarised picture."""
    import cv2

    h, w = ink.shape
    bridge = max(3, int(1.5 * scale))  # close the small gaps noise and blur leave in a printed line
    hk = max(int(w / LINE_SCALE), int(20 * scale))
    vk = max(int(h / LINE_SCALE), int(12 * scale))
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (bridge, 1)))
    horizontal = cv2.morphologyEx(horizontal, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (hk, 1)))
    vertical = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, bridge)))
    vertical = cv2.morphologyEx(vertical, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, vk)))
    return horizontal, vertical


def _edges(mask, orientation: str, max_thickness: float) -> list[dict]:
    """Each stroke of a ruling mask as a pdfplumber edge (in pixels)."""
    import cv2

    n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    out = []
    for k in range(1, n):
        x, y, w, h, _ = stats[k]
        if orientation == "h":
            if h > max_thickness * 3 and h > w / 8:
                continue  # a block of ink, not a line
            top = y + h / 2
            out.append({"x0": float(x), "x1": float(x + w), "top": top, "bottom": top, "width": float(w),
                        "height": 0.0, "orientation": "h", "object_type": "line"})
        else:
            if w > max_thickness * 3 and w > h / 8:
                continue
            x_mid = x + w / 2
            out.append({"x0": x_mid, "x1": x_mid, "top": float(y), "bottom": float(y + h), "width": 0.0,
                        "height": float(h), "orientation": "v", "object_type": "line"})
    return out


# ---------------------------------------------------------------- recognition

def _charset():
    return engine(_THREADS[0]).characters


_THREADS = [0]
_ENGINE = ["rapidocr"]


def _logits(crops) -> list:
    """The recogniser's per-frame character probabilities for each crop (grey), batched by width."""
    import cv2
    import numpy as np

    rec = engine(_THREADS[0])
    height, base_width = rec.height, rec.base_width
    out = [None] * len(crops)
    ratio_of = [min(MAX_LINE_RATIO, c.shape[1] / max(1, c.shape[0])) for c in crops]
    order = sorted(range(len(crops)), key=lambda i: ratio_of[i])
    batches: list[list[int]] = []
    for i in order:  # up to 8 lines a batch, fewer when they are long: every line is padded to the longest
        if batches and len(batches[-1]) < 8 and (len(batches[-1]) + 1) * max(ratio_of[i], 10) <= BATCH_RATIO:
            batches[-1].append(i)
        else:
            batches.append([i])
    for idx in batches:
        ratios = [ratio_of[i] for i in idx]
        max_ratio = max(base_width / height, *ratios)
        imgs = [rec.prepare(cv2.cvtColor(crops[i], cv2.COLOR_GRAY2BGR), max_ratio)[np.newaxis, :] for i in idx]
        preds = rec.run(np.concatenate(imgs).astype(np.float32))
        for k, i in enumerate(idx):
            frames = int(math.ceil(preds.shape[1] * min(1.0, ratios[k] / max_ratio))) + 2
            out[i] = preds[k, :min(frames, preds.shape[1])]
    return out


def _numeric_classes():
    return _numeric_fold(_ENGINE[0])


@lru_cache(maxsize=4)
def _numeric_fold(kind: str):
    """A matrix that folds the recogniser's characters into number classes (blank, the digits and number marks):
    a digit's probability includes its look-alikes (0 and O, 1 and l), which are no doubt about the number."""
    import numpy as np

    chars = _charset()
    classes = ["blank"] + list(NUMERIC_CHARS)
    where = {c: k for k, c in enumerate(classes)}
    fold = np.zeros((len(chars), len(classes)), dtype=np.float32)
    fold[0, 0] = 1.0
    for i, c in enumerate(chars):
        target = c if c in where else _NUMERIC_LOOKALIKE_MAP.get(c)
        if i and target in where:
            fold[i, where[target]] = 1.0
    return fold, classes


def _decode(probs, fold=None) -> Reading:
    """Greedy CTC decoding of one line's frames (folded into number classes by `fold` when given), with the confidence of the least sure character or dropped character and up to four other readings."""
    import numpy as np

    if fold is None:
        chars = _charset()
        p = probs
    else:
        # folded into number classes, the probabilities are not renormalised: mass the recogniser gave to other
        # characters (a 0 it half took for a 6, or for a Chinese character) stays doubt
        matrix, chars = fold
        p = probs @ matrix
    index = np.arange(p.shape[1])
    best = p.argmax(axis=1)
    text = []
    conf = []
    options = []  # per emitted character: [(char, prob)] best first
    gaps = []  # frames of blanks between characters: the chance that a character was dropped there
    prev = 0
    segments = []  # (kind, frames)
    for t, k in enumerate(best):
        if k != prev or k == 0:
            segments.append([int(k), [t]])
        else:
            segments[-1][1].append(t)
        prev = k
    for k, frames in segments:
        frame_probs = p[frames]
        if k == 0:
            nonblank = frame_probs[:, 1:].max() if frame_probs.shape[1] > 1 else 0.0
            gaps.append((len(text), float(nonblank), int(frame_probs[:, 1:].max(axis=0).argmax()) + 1
                         if frame_probs.shape[1] > 1 else 0))
            continue
        peak = frame_probs.max(axis=0)
        ranked = np.argsort(-peak)[:3]
        ch = chars[index[k]]
        text.append(ch)
        conf.append(float(peak[k]))
        options.append([(chars[index[j]], float(peak[j])) for j in ranked if j != 0 and peak[j] >= 0.02])
    if not text:
        return Reading("", 0.0)
    if fold is not None:
        # for a number, only a dropped character that would change its value is doubt: a digit anywhere, a
        # decimal point between digits of a number that has none, a sign before it; a stray mark after it is not
        gaps = [g for g in gaps if _changes_number(text, g[0], chars[index[g[2]]])]
    worst_drop = max((g[1] for g in gaps), default=0.0)
    confidence = min(min(conf), 1.0 - worst_drop)
    readings = {"".join(text): float(np.prod(conf))}
    for i, opts in enumerate(options):
        for ch, q in opts:
            if ch != text[i]:
                alt = text[:i] + [ch] + text[i + 1:]
                readings["".join(alt)] = max(readings.get("".join(alt), 0.0), float(np.prod(conf)) / conf[i] * q)
    for pos, q, j in gaps:
        if q >= 0.05:
            alt = text[:pos] + [chars[index[j]]] + text[pos:]
            readings["".join(alt)] = max(readings.get("".join(alt), 0.0), float(np.prod(conf)) * q)
    ranked_readings = sorted(readings.items(), key=lambda kv: -kv[1])
    top = "".join(text)
    return Reading(top, round(confidence, 4), [(t, round(q, 4)) for t, q in ranked_readings if t != top][:4])


def _changes_number(text: list[str], pos: int, ch: str) -> bool:
    """Whether inserting `ch` at `pos` into a number's characters would make another number."""
    if ch.isdigit():
        return True
    if ch == "." and "." not in text:
        return 0 < pos < len(text) and text[pos - 1].isdigit() and text[pos].isdigit()
    if ch in "-—－":
        return pos == 0 and bool(text) and text[0].isdigit()
    return False


def recognise(crops) -> list[tuple[Reading, object]]:
    """Read each crop (one line of text, grey): the free reading, and the recogniser's frame probabilities for a
    second, restricted reading (`as_number`)."""
    if not crops:
        return []
    return [(_decode(probs), probs) for probs in _logits(crops)]


def as_number(probs) -> Reading:
    """The reading of a line known to hold a number: only digits and number marks are considered."""
    return _decode(probs, _numeric_classes())


def _looks_numeric(text: str) -> bool:
    t = text.translate(_NUMERIC_LOOKALIKE).replace(" ", "")
    return bool(t) and bool(_NUMERIC_TEXT.match(t))


_CJK = re.compile(r"[\u3400-\u9fff]")


def _may_be_number(text: str) -> bool:
    """A free reading that could be a misread number: no Chinese character, and at least half of it digits or
    their look-alikes (1Q5, O, l2)."""
    t = text.replace(" ", "").replace("\n", "").translate(_NUMERIC_LOOKALIKE)
    if not t or _CJK.search(t):
        return False
    digits = sum(1 for ch in t if ch.isdigit())
    return digits * 2 >= len(t) or len(t) <= 2


# ---------------------------------------------------------------- cells

def _ink_components(ink, scale: float):
    """Connected marks of a cell's crop that are bigger than speckle (stats rows: x, y, w, h, area); a thin mark
    along the crop's edge is what is left of a ruling line, not ink in the cell."""
    import cv2

    n, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    least, dash, thin = MIN_MARK_PT * scale, MIN_DASH_PT * scale, RESIDUE_PT * scale
    height, width = ink.shape
    out = []
    for k in range(1, n):
        x, y, w, h, area = (int(v) for v in stats[k])
        if (y == 0 or y + h == height) and h <= thin or (x == 0 or x + w == width) and w <= thin:
            continue  # a sliver of a ruling line
        if max(w, h) >= least or (w >= dash and w >= 1.4 * h):
            out.append((x, y, w, h, area))
    return out


def _without_stray_specks(marks, scale: float):
    """A cell's marks less the small specks that stand apart from its text (dust beside a number): a small mark
    more than two points from every glyph-sized mark is dropped, where the cell has glyph-sized marks at all."""
    small = STRAY_PT * scale
    big = [m for m in marks if max(m[2], m[3]) >= small]
    if not big:
        return marks

    def gap(a, b):
        dx = max(0, max(a[0], b[0]) - min(a[0] + a[2], b[0] + b[2]))
        dy = max(0, max(a[1], b[1]) - min(a[1] + a[3], b[1] + b[3]))
        return max(dx, dy)

    return [m for m in marks if max(m[2], m[3]) >= small or min(gap(m, b) for b in big) <= 2.0 * scale]


def _text_lines(marks, scale: float) -> list[tuple[int, int, int, int]]:
    """Marks grouped into lines by their rows: (x0, top, x1, bottom) each, top to bottom."""
    bands: list[list[int]] = []
    for x, y, w, h, _ in sorted(marks, key=lambda m: m[1]):
        if bands and y <= bands[-1][3] - 0.25 * min(h, bands[-1][3] - bands[-1][1]) + 0.5 * scale:
            b = bands[-1]
            b[0], b[1], b[2], b[3] = min(b[0], x), min(b[1], y), max(b[2], x + w), max(b[3], y + h)
        else:
            bands.append([x, y, x + w, y + h])
    # a band that is only a small mark (a stray dot or a comma left over) belongs to the line it touches
    merged: list[list[int]] = []
    for b in bands:
        if merged and (b[3] - b[1]) < 2.5 * scale and b[1] - merged[-1][3] < 1.5 * scale:
            m = merged[-1]
            m[0], m[1], m[2], m[3] = min(m[0], b[0]), min(m[1], b[1]), max(m[2], b[2]), max(m[3], b[3])
        else:
            merged.append(b)
    return [tuple(b) for b in merged]


def _frame(grey, box, margin: float = 0.25):
    """A tight crop of one line with a margin of paper around it (the recogniser reads framed lines best). The
    picture is flattened (white paper), so the added margin makes no edge."""
    import cv2

    x0, y0, x1, y1 = box
    h = y1 - y0
    crop = grey[y0:y1, x0:x1]
    m = max(2, int(margin * h))
    return cv2.copyMakeBorder(crop, m, m, m, m, cv2.BORDER_CONSTANT, value=255)


def _line_boxes(ink, lines_mask, grid, scale: float) -> tuple[dict, dict, set, dict]:
    """For every cell of a grid: its lines of ink as boxes (pixels), or no box for a blank cell; each cell's inner
    box; the line boxes that begin with a minus-shaped mark (_with_signs); and each cell's marks."""
    import numpy as np

    pad = max(2, int(round(1.0 * scale)))
    boxes: dict = {}
    inner: dict = {}
    signed: set = set()
    marks_of: dict = {}
    for cell in grid.cells():
        x0, y0, x1, y1 = (int(round(v)) for v in grid.box(cell))
        x0, y0, x1, y1 = x0 + pad, y0 + pad, x1 - pad, y1 - pad
        inner[cell] = (x0, y0, x1, y1)
        if x1 - x0 < 2 or y1 - y0 < 2:
            boxes[cell] = []
            continue
        cell_ink = (ink[y0:y1, x0:x1] & (lines_mask[y0:y1, x0:x1] == 0)).astype(np.uint8)
        marks = _without_stray_specks(_ink_components(cell_ink, scale), scale)
        marks_of[cell] = marks
        boxes[cell] = []
        for line in _text_lines(marks, scale):
            (a, b, c, d), sign = _with_signs(line, cell_ink)
            boxes[cell].append((x0 + a, y0 + b, x0 + c, y0 + d))
            if sign:
                signed.add(boxes[cell][-1])
    return boxes, inner, signed, marks_of


def _touching_rulings(ink, core, grid, inner: dict, scale: float) -> dict:
    """{cell: [(x0, y0, x1, y1, crossing)]}: ink reaching a cell's rulings that is not the ruling itself (pixels).

    Cell crops leave out the ruling lines with a margin (`lines_mask`), so a glyph that touches a ruling loses the
    part that lies against it: a 7 whose top bar rests on the line reads 1, a 75 whose 7 leans on the left ruling
    reads 5, sure of itself. Here the ink left when only the rulings themselves (`core`, one pixel wider) are taken
    away is looked at around each cell: a glyph-sized mark that crosses from the cell's inner box into the band
    along its rulings or reaches the inner box's edge (`crossing`: cut where the crop ends, and a thin cut stroke
    there is dropped as what is left of a ruling), or that lies in that band on the cell's own side, makes the
    cell's reading doubtful."""
    import cv2
    import numpy as np

    core1 = cv2.dilate(core, np.ones((3, 3), np.uint8))
    extra = (ink & (core1 == 0)).astype(np.uint8)
    least = MIN_MARK_PT * scale
    height, width = ink.shape
    reach = max(3, int(round(1.0 * scale)) + max(1, int(0.4 * scale)) + 2)
    out: dict = {}
    for cell, (x0, y0, x1, y1) in inner.items():
        gx0, gy0, gx1, gy1 = (int(round(v)) for v in grid.box(cell))
        ox0, oy0, ox1, oy1 = max(0, gx0 - reach), max(0, gy0 - reach), min(width, gx1 + reach), min(height, gy1 + reach)
        crop = extra[oy0:oy1, ox0:ox1]
        if not crop.any():
            continue
        n, labels, stats, centres = cv2.connectedComponentsWithStats(crop, connectivity=8)
        ix0, iy0, ix1, iy1 = x0 - ox0, y0 - oy0, x1 - ox0, y1 - oy0
        found = []
        for k in range(1, n):
            x, y, w, h, _ = (int(v) for v in stats[k])
            if max(w, h) < least or (x > ix0 and x + w < ix1 and y > iy0 and y + h < iy1):
                continue  # a speck, or a mark inside the cell's crop clear of its edges: read as it is
            crossing = ix1 > ix0 and iy1 > iy0 and bool((labels[max(0, iy0):iy1, max(0, ix0):ix1] == k).any())
            cx, cy = centres[k]
            own_side = gx0 - ox0 <= cx <= gx1 - ox0 and gy0 - oy0 <= cy <= gy1 - oy0
            if crossing or own_side:
                found.append((ox0 + x, oy0 + y, ox0 + x + w, oy0 + y + h, crossing))
        if found:
            out[cell] = found
    return out


def _is_slash(mark) -> bool:
    """A mark (ink, rows × columns, cropped to it) that is one thin stroke leaning like /: a slash standing for
    nothing. Read by its shape: a recogniser shown a lone slash reads 7, 2 or 1. A 7 has a bar along its top, a 1
    stands upright, and any other digit has a row crossed by more than one short run of ink."""
    import numpy as np

    h, w = mark.shape
    if h < 6 or not (0.2 * h <= w <= 0.9 * h):
        return False
    rows = [np.flatnonzero(mark[y]) for y in range(h)]
    if any(len(r) == 0 for r in rows[1:-1]):
        return False  # a gap: more than one stroke
    for r in rows:
        if len(r) and (r[-1] - r[0] + 1 > max(0.5 * w, 0.3 * h) or len(r) != r[-1] - r[0] + 1):
            return False  # a long or broken run across a row: a bar or a loop, not a thin stroke
    top = float(np.mean([r.mean() for r in rows[: max(1, h // 4)] if len(r)]))
    bottom = float(np.mean([r.mean() for r in rows[-max(1, h // 4):] if len(r)]))
    return (top - bottom) >= 0.25 * h and float(mark[: max(1, h // 5)].any(axis=0).mean()) < 0.6


def _is_dash(marks, height: int, scale: float) -> bool:
    """A cell whose only ink is one short flat stroke at text size: a dash standing for nothing (-, —, －). Read by
    its shape: a recogniser shown a lone dash invents characters (日, 8, ：)."""
    if len(marks) != 1:
        return False
    _, _, w, h, _ = marks[0]
    return h <= max(0.35 * height, 1.2 * scale) and w >= 1.15 * h and w <= 3.0 * height


def _with_signs(line, cell_ink):
    """A line's box widened to a minus sign before it, and whether the line begins with one: a short flat stroke,
    thin against the line's height and level with its middle, either just before the line (a blurred minus is a
    few pixels, too small to count as ink on its own, and one set apart by a space is dropped as a speck) or its
    own first mark. A recogniser often reads the digits and drops the sign (a printed -18 read 18): read_cells
    makes such a reading doubtful unless it kept the sign."""
    import cv2

    x0, y0, x1, y1 = line
    h = y1 - y0
    n, _, stats, _ = cv2.connectedComponentsWithStats(cell_ink, connectivity=8)
    sign = False
    first = None
    for k in range(1, n):
        x, y, w, hh, _ = (int(v) for v in stats[k])
        if x >= x0 and y < y1 and y + hh > y0 and (first is None or x < first[0]):
            first = (x, y, w, hh)
        mid = y + hh / 2
        minus_shaped = (w >= 0.25 * h and w >= 1.2 * hh and hh <= 0.4 * h and y0 + 0.3 * h <= mid <= y0 + 0.75 * h)
        if minus_shaped and x + w <= x0 and x0 - (x + w) <= 1.5 * h:
            x0, sign = min(x0, x), True
    if first is not None and not sign:
        x, y, w, hh = first
        mid = y + hh / 2
        sign = (w >= 0.25 * h and w >= 1.2 * hh and hh <= 0.4 * h and y0 + 0.3 * h <= mid <= y0 + 0.75 * h
                and x + w < x1 - 0.3 * h)  # the line's own first mark is a minus, digits after it
    return (x0, y0, x1, y1), sign


def _shape_doubt(mark, text: str) -> str | None:
    """For a cell holding one mark read as 7, 1 or /: the other of these its shape suggests, when the shape
    contradicts the reading (a slash with no top bar is no 7; a slanted stroke is no 1; a bar along the top is no
    slash). The recogniser confuses them when a glyph stands alone; `mark` is the mark's ink (rows × columns)."""
    import numpy as np

    if text not in ("7", "1", "/") or not mark.any():
        return None
    rows, cols = np.flatnonzero(mark.any(axis=1)), np.flatnonzero(mark.any(axis=0))
    mark = mark[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    h, w = mark.shape
    if h < 4:
        return None
    band = max(1, h // 5)
    top_cover = float(mark[:band].any(axis=0).mean())  # share of the mark's width inked along its top
    cols = np.arange(w)

    def centre(rows):
        weight = rows.sum(axis=0)
        return float((weight * cols).sum() / weight.sum()) if weight.sum() else w / 2

    slant = (centre(mark[: max(1, h // 4)]) - centre(mark[-max(1, h // 4):])) / h  # > 0 leans like /
    if text == "7" and top_cover < 0.5:
        return "/"
    if text == "/" and top_cover >= 0.7 and w > 0.4 * h:
        return "7"
    if text == "1" and slant > 0.25:
        return "/"
    if text == "/" and abs(slant) < 0.08:
        return "1"
    return None


def _to_line_height(box, height: int, limits):
    """A line box at least `height` tall (centred, inside the cell): a lone dash or dot framed at the height of
    the table's text, not blown up to a glyph's size."""
    x0, y0, x1, y1 = box
    if y1 - y0 >= height:
        return box
    mid = (y0 + y1) // 2
    top = max(limits[1], mid - height // 2)
    return x0, top, x1, min(limits[3], top + height)


def read_cells(clean, ink, lines_mask, grid, scale: float, grey=None, core=None) -> dict:
    """{cell: (text, confidence, alternatives, ink)} for every cell of a grid (pixels), read crop by crop from `clean`
    (the flattened page with its ruling lines whitened).

    A number is read twice, framed two ways (tight, and with a wider margin at a smaller size): when the two
    readings disagree the cell is doubtful, whatever either says of itself. Given the page (`grey`) and its ruling
    strokes (`core`), a number whose ink touches a ruling is doubtful too, and the reading of its crop with the
    ink along the ruling restored is offered among its readings (_touching_rulings)."""
    import numpy as np

    boxes, inner, signed, marks_of = _line_boxes(ink, lines_mask, grid, scale)
    touching = _touching_rulings(ink, core, grid, inner, scale) if core is not None and grey is not None else {}
    restored = None
    if touching:
        import cv2

        restored = grey.copy()  # the page with only the ruling strokes taken out, not the margin around them
        restored[cv2.dilate(core, np.ones((3, 3), np.uint8)) > 0] = 255
    # the height of the table's text: the median line, leaving out flat marks (dashes) that may fill a table
    heights = [b[3] - b[1] for bs in boxes.values() for b in bs if b[3] - b[1] >= MIN_MARK_PT * scale]
    height = int(np.median(heights)) if heights else int(6 * scale)
    work, crops = [], []
    results: dict = {}
    marked: set = set()  # cells whose number is printed after a small flat mark
    for cell, bs in boxes.items():
        if not bs:
            results[cell] = ("", 1.0, [], False)  # no ink: a blank cell (unless a glyph hides along a ruling)
            continue
        if _is_dash(marks_of[cell], height, scale) and cell not in touching:
            results[cell] = ("—", DASH_CONFIDENCE, [], True)
            continue
        if len(marks_of[cell]) == 1 and marks_of[cell][0][3] >= 0.6 * height and cell not in touching:
            # (a stroke against a ruling may be what the ruling's margin left of a 7 or a 1: read, not a slash)
            x, y, w, h, _ = marks_of[cell][0]
            ix0, iy0 = inner[cell][:2]
            mark = (ink[iy0 + y:iy0 + y + h, ix0 + x:ix0 + x + w] & (lines_mask[iy0 + y:iy0 + y + h, ix0 + x:ix0 + x + w] == 0))
            if _is_slash(mark.astype(bool)):
                results[cell] = ("/", DASH_CONFIDENCE, [], True)
                continue
        for box in bs:
            if box in signed:
                marked.add(cell)
            box = _to_line_height(box, int(0.8 * height), inner[cell])
            work.append((cell, box))
            crops.append(_frame(clean, box))
    readings = recognise(crops)
    by_cell: dict = {}
    for (cell, box), reading in zip(work, readings):
        by_cell.setdefault(cell, []).append((reading, box))
    dashes = {c: [(Reading(r[0], DASH_CONFIDENCE), None)] for c, r in results.items() if r[0] in ("—", "/")}
    numeric_columns = _numeric_columns({**{c: [r for r, _ in v] for c, v in by_cell.items()}, **dashes})
    numeric_rows = _numeric_rows({**{c: [r for r, _ in v] for c, v in by_cell.items()}, **dashes})
    label_columns = _label_columns({c: [r for r, _ in v] for c, v in by_cell.items()})

    def among_values(c) -> bool:  # a cell in a column of values, or in a row of values outside the labels
        return c[1] in numeric_columns or (c[0] in numeric_rows and c[1] not in label_columns)

    numbers = [c for c, parts in by_cell.items() if len(parts) <= 2 and among_values(c)
               and all(_may_be_number(r.text) for (r, _), _ in parts)]
    second = recognise([_frame(clean, box, 0.6) for c in numbers for _, box in by_cell[c]])
    # cells whose ink touches a ruling, read again with that ink restored (the box grown over it)
    against = [c for c in touching if among_values(c) and (c in numbers or c not in by_cell)
               and (c in numbers or (results.get(c, ("",))[0] == "" and not boxes[c]))]
    regrown = {}
    for c, (reading, probs) in zip(against, recognise([_frame(restored, _grown(by_cell.get(c), touching[c]))
                                                          for c in against])):
        regrown[c] = as_number(probs)
    for c in against:
        if c not in by_cell:  # looked blank: its only ink lies along a ruling, perhaps a digit the mask took away
            again = regrown[c]
            results[c] = (UNREADABLE, 0.0, [("", 0.5)] + ([(again.text, again.confidence)] if again.text else []),
                          True)
    k = 0
    for cell, parts in by_cell.items():
        if cell in numbers:  # a number, perhaps wrapped over two lines
            first = [as_number(probs) for (_, probs), _ in parts]
            again = [as_number(probs) for _, probs in second[k:k + len(parts)]]
            k += len(parts)
            text = "\n".join(r.text for r in first)
            conf = min(r.confidence for r in first)
            if not text.strip():
                text, conf = UNREADABLE, 0.0  # ink that reads as no number: a value cell, unreadable
            if [r.text for r in again] != [r.text for r in first]:
                conf = min(conf, 0.5)  # the two framings read different numbers
            alternatives = first[0].alternatives if len(first) == 1 else []
            if len(first) == 1 and again[0].text != first[0].text and again[0].text:
                alternatives = [(again[0].text, again[0].confidence)] + [a for a in alternatives
                                                                         if a[0] != again[0].text]
            if cell in marked and len(first) == 1 and first[0].text[:1].isdigit():
                # a minus-shaped mark before the digits that the recogniser did not read: the ink says -18, the
                # recogniser 18; doubtful either way, the sums (if any) choose
                conf = min(conf, 0.3)
                alternatives = [(first[0].text, 0.5)] + [a for a in alternatives if a[0] != "-" + first[0].text]
                text = "-" + first[0].text
            if cell in regrown:  # ink against a ruling: part of a glyph may be lost under the ruling's margin
                conf = min(conf, TOUCH_CONFIDENCE)
                again = regrown[cell]
                if again.text and again.text != text:
                    alternatives = [(again.text, again.confidence)] + [a for a in alternatives if a[0] != again.text]
            if len(first) == 1:
                x0, y0, x1, y1 = parts[0][1]
                other = _shape_doubt(ink[y0:y1, x0:x1] & (lines_mask[y0:y1, x0:x1] == 0), first[0].text)
                if other is not None:  # the mark's shape says otherwise: doubtful, the other reading offered
                    conf = min(conf, 0.3)
                    alternatives = [(other, 0.5)] + [a for a in alternatives if a[0] != other]
        elif among_values(cell) and cell[2] - cell[0] == 1 and len(parts) <= 2 \
                and (all(r.confidence < 0.5 for (r, _), _ in parts)
                     or (len(parts) == 1 and len(parts[0][0][0].text) <= 2 and parts[0][0][0].text not in BLANKS
                         and parts[0][0][0].confidence < 0.8)):
            # a mark among numbers that reads as nothing sure, or as a character or two that are no number (a
            # blot read as 图): unreadable, not a label; maybe blank, maybe a number the sums may recognise
            text, conf = UNREADABLE, 0.0
            alternatives = [("", 0.5)] + [(n.text, n.confidence) for n in
                                          (as_number(probs) for (_, probs), _ in parts[:1]) if n.text]
        else:
            text = _DOT_FOR_COMMA.sub("、", "\n".join(r.text for (r, _), _ in parts))
            conf = min(r.confidence for (r, _), _ in parts)
            alternatives = parts[0][0][0].alternatives if len(parts) == 1 else []
        results[cell] = (text, conf, alternatives, True)
    return results


def _grown(parts, blobs) -> tuple[int, int, int, int]:
    """The box of a cell's lines of ink grown over the ink found against its rulings."""
    xs0, ys0, xs1, ys1 = zip(*([box for _, box in parts or []] + [b[:4] for b in blobs]))
    return min(xs0), min(ys0), max(xs1), max(ys1)


def _label_columns(by_cell: dict) -> set[int]:
    """Grid columns whose one-column cells mostly read as Chinese text: label columns, never values."""
    votes: dict[int, list[int]] = {}
    for (r0, c0, r1, c1), parts in by_cell.items():
        if c1 - c0 == 1:
            v = votes.setdefault(c0, [0, 0])
            v[0 if any(_CJK.search(r.text) for r, _ in parts) else 1] += 1
    return {c for c, (chinese, other) in votes.items() if chinese > other}


def _numeric_rows(by_cell: dict) -> set[int]:
    """Grid rows of values (table 4 prints its 15 numbers in one row under two header rows): one-row cells of which
    at least four read as numbers and more than half do."""
    votes: dict[int, list[int]] = {}
    for (r0, c0, r1, c1), parts in by_cell.items():
        if r1 - r0 == 1:
            v = votes.setdefault(r0, [0, 0])
            v[0 if all(_looks_numeric(r.text) for r, _ in parts) else 1] += 1
    return {r for r, (numeric, other) in votes.items() if numeric >= 4 and numeric > other}


def _numeric_columns(by_cell: dict) -> set[int]:
    """Grid columns whose one-column cells are mostly numbers: their cells are value cells. Header and label text
    (Chinese) above the values does not outvote them: at least two numbers, and numbers in most of the cells that
    hold no Chinese and in a third of all."""
    votes: dict[int, list[int]] = {}
    for (r0, c0, r1, c1), parts in by_cell.items():
        if c1 - c0 == 1:
            v = votes.setdefault(c0, [0, 0, 0])  # numbers, other cells without Chinese, cells with Chinese
            texts = [r.text for r, _ in parts]
            if all(_looks_numeric(t) for t in texts):
                v[0] += 1
            elif any(_CJK.search(t) for t in texts):
                v[2] += 1
            else:
                v[1] += 1
    return {c for c, (numeric, other, chinese) in votes.items()
            if numeric >= 2 and numeric >= other and 3 * numeric >= numeric + other + chinese}


# ---------------------------------------------------------------- a whole picture

def read_picture(grey, scale: float, options: OcrOptions | None = None, min_rulings: int = MIN_RULINGS,
                 tables_only: bool = False) -> OcrResult:
    """Text lines and ruled tables of a picture whose resolution is `scale` pixels per point. With `tables_only`,
    a picture without a ruled table is not read further (a photo, a logo, a seal)."""
    import time

    import cv2
    import numpy as np

    options = options or OcrOptions()
    _THREADS[0] = options.threads
    started = time.perf_counter()
    tesseract = options.engine == "tesseract"
    if tesseract:
        from . import ocr_tesseract
    else:
        _ENGINE[0] = options.engine
        engine(options.threads)  # a clear error before any work when the engine is missing
    if grey.size > MAX_PIXELS:
        raise ReadError(f"picture too large for OCR: {grey.shape[1]}x{grey.shape[0]} pixels")
    given_scale = scale
    grey, scale, sheet, perspective = find_page(grey, scale)
    if sheet:  # a photo's light falls off across the sheet: evened out first, so deskewing sees rows of ink
        grey, skew = deskew(flatten(grey, scale))
    else:
        grey, skew = deskew(grey)
        grey = flatten(grey, scale)
    back = _back_to_picture(perspective, skew, grey.shape, given_scale)
    ink = binarise(grey, scale)
    horizontal, vertical = ruling_masks(ink, scale)
    thickness = max(2.0, 1.2 * scale)
    edges = _edges(horizontal, "h", thickness) + _edges(vertical, "v", thickness)
    lines_mask = cv2.dilate(horizontal | vertical, np.ones((3, 3), np.uint8), iterations=max(1, int(0.4 * scale)))
    tables = []
    covered = np.zeros(grey.shape, np.uint8)
    clean = grey.copy()  # the page with its ruling lines taken out: cells are cropped from it (either recogniser)
    clean[lines_mask > 0] = 255
    if tesseract:
        words = ocr_tesseract.words(clean)
    for grid in table_grids(edges, min_rulings, snap=max(3.0, 3.0 * scale)):
        x0, y0, x1, y1 = grid.bbox
        if (x1 - x0) < 30 * scale or (y1 - y0) < 10 * scale:
            continue  # a frame around a word or a stamp's border, not a table
        if tesseract:
            read = ocr_tesseract.read_cells(words, _line_boxes(ink, lines_mask, grid, scale)[0], grid)
        else:
            read = read_cells(clean, ink, lines_mask, grid, scale, grey, horizontal | vertical)

        def cell_of(cell, read=read):
            text, conf, alternatives, has_ink = read.get(cell, ("", 1.0, [], False))
            return Cell(text, confidence=round(conf, 4), alternatives=alternatives or None, source="ocr",
                        ink=has_ink, box=back(grid.box(cell)))  # where it is on the picture as given

        rows = grid.rows(cell_of)
        tables.append(((x0 / scale, y0 / scale, x1 / scale, y1 / scale), rows))
        covered[int(y0):int(y1) + 1, int(x0):int(x1) + 1] = 1
    height = grey.shape[0] / scale
    if tables_only and not tables:
        return OcrResult([], [], skew, round(time.perf_counter() - started, 3), height, sheet)
    lines = ocr_tesseract.prose_lines(words, covered, scale) if tesseract else _prose_lines(grey, covered, scale)
    return OcrResult(lines, tables, skew, round(time.perf_counter() - started, 3), height, sheet)


def _back_to_picture(perspective, skew: float, shape, scale: float):
    """A function taking a box (x0, top, x1, bottom) in the pixels of the picture as read — squared up and turned
    level — to the box it covers on the picture as given, in its points (`scale`: its pixels per point): so a
    cell's box outlines the cell on the page or photo a reviewer sees. Corners are taken back through the turn and
    the perspective, and their bounding box kept."""
    import cv2
    import numpy as np

    h, w = shape
    turn = np.vstack([cv2.getRotationMatrix2D((w / 2, h / 2), skew, 1.0), [0, 0, 1]]) if skew else np.eye(3)
    forward = turn @ (perspective if perspective is not None else np.eye(3))
    inverse = np.linalg.inv(forward)

    def back(box):
        x0, y0, x1, y1 = box
        corners = np.array([[x0, y0, 1], [x1, y0, 1], [x1, y1, 1], [x0, y1, 1]], float) @ inverse.T
        xs, ys = corners[:, 0] / corners[:, 2], corners[:, 1] / corners[:, 2]
        return (float(xs.min() / scale), float(ys.min() / scale), float(xs.max() / scale), float(ys.max() / scale))

    return back


SHEET_LONG_SIDE_PT = 842.0  # an A4 sheet's long side: the paper of these reports (GB/T 9704, the official format)
SCALE_AGREES = 2.0  # a scale within this factor of the one measured from the text is kept


def find_page(grey, scale: float):
    """A photographed sheet found and squared up (photo.py), its scale then taken from the sheet: an A4 page as
    long as the rectified sheet's longer side. A picture without such a sheet (a scan, a screenshot) is returned as
    it is, its scale checked against its text's height: a scale off by more than SCALE_AGREES (a phone's 72 dpi,
    photos bound into a PDF at any page size, a screenshot without a resolution) gives way to the measured one.
    Returns the picture, its scale, whether a sheet was found, and the perspective matrix that took the picture's
    pixels to the sheet's (None where nothing was moved)."""
    from .photo import find_sheet, rectify, sheet_transform, text_scale

    quad = find_sheet(grey)
    if quad is not None:
        grey = rectify(grey, quad)
        return grey, max(grey.shape) / SHEET_LONG_SIDE_PT, True, sheet_transform(quad)[0]
    measured = text_scale(grey)
    if measured and not scale / SCALE_AGREES <= measured <= scale * SCALE_AGREES:
        scale = measured
    return grey, scale, False, None


def _prose_lines(grey, covered, scale: float) -> list[tuple[float, float, str, float, float]]:
    """The text outside the tables: the detector's boxes, read by the recogniser, joined into printed lines."""
    import cv2
    import numpy as np

    page = grey.copy()
    page[covered > 0] = 255
    if not (page < 128).any():
        return []
    # the detector sees the page at most DET_MAX_SIDE pixels high or wide: body text stays well above its smallest
    # size, and its memory (~0.7 GB at 2000 pixels) and time fall with the square
    f = min(1.0, DET_MAX_SIDE / max(page.shape))
    small = cv2.resize(page, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1.0 else page
    found = engine(_THREADS[0]).detect(cv2.cvtColor(small, cv2.COLOR_GRAY2BGR))
    # each box read again from a loose crop of the page's own pixels: the detector's tight box cuts small marks
    # at its ends (the 、 of 一、总体情况)
    spans = []
    for box in found or []:
        pts = np.asarray(box, dtype=float) / f
        x0, y0, x1, y1 = pts[:, 0].min(), pts[:, 1].min(), pts[:, 0].max(), pts[:, 1].max()
        m = max(3, int(0.15 * (y1 - y0)))
        spans.append((x0, y0, x1, y1, (max(0, int(y0) - m), int(y1) + m, max(0, int(x0) - m), int(x1) + m)))
    readings = recognise([page[a:b, c:d] for *_, (a, b, c, d) in spans])
    boxes = []
    for (x0, y0, x1, y1, _), (reading, _) in zip(spans, readings):
        text = restore_heading_comma(_DOT_FOR_COMMA.sub("、", reading.text.strip()))
        if text and reading.confidence >= PROSE_MIN_CONFIDENCE:
            boxes.append((y0, y1, x0, x1, text, reading.confidence))
    lines: list[list] = []
    for y0, y1, x0, x1, text, score in sorted(boxes, key=lambda b: ((b[0] + b[1]) / 2, b[2])):
        mid = (y0 + y1) / 2
        if lines:
            last = lines[-1]
            if abs(mid - (last[0] + last[1]) / 2) <= 0.35 * max(y1 - y0, last[1] - last[0]):
                last[0], last[1] = min(last[0], y0), max(last[1], y1)
                last[4].append((x0, x1, text))
                continue
        lines.append([y0, y1, x0, x1, [(x0, x1, text)]])
    out = []
    for y0, y1, _, _, parts in lines:
        parts.sort()
        text = ""
        for k, (x0, x1, t) in enumerate(parts):
            if k and x0 - parts[k - 1][1] > 1.0 * (y1 - y0):
                text += " "
            text += t
        out.append((y0 / scale, y1 / scale, text, parts[0][0] / scale, max(p[1] for p in parts) / scale))
    return out


def render_page(pdf, index: int, dpi: int):
    """A PDF page rendered by PDFium as grey pixels, and its scale (pixels per point)."""
    page = pdf[index]
    try:
        bitmap = page.render(scale=dpi / 72)  # in colour: red seal ink is taken out (to_grey)
        grey = to_grey(bitmap.to_numpy())
        return grey, dpi / 72
    finally:
        page.close()
