"""The cells of a ruled grid read one by one from their crops (pixels of the prepared picture, its ruling lines
whitened), with a Recogniser (engine.py).

Whole-page text detection misses lone digits in a grid, so each cell is looked at alone: a cell with no ink (no mark
bigger than speckle noise) is blank; a lone dash or slash is read by its shape (a recogniser shown one alone invents
日, 8 or 7); the ink is cut into text lines by its rows, each line framed tightly and recognised. A number is read
twice, framed two ways, and is doubtful when the two disagree; a number whose ink runs into a ruling, or whose minus
sign the recogniser dropped, or whose mark's shape contradicts a 7 / 1 / slash, is doubtful too, with the other
reading offered. Every reading keeps its confidence and next readings (reading.py).
"""

from __future__ import annotations

from ...document import BLANKS, MARK_CONFIDENCE, UNREADABLE
from .reading import CJK, DOT_FOR_COMMA, Reading, as_number, looks_numeric, may_be_number, recognise

MIN_MARK_PT = 2.2  # ink smaller than this (in points, both ways) is speckle, not a character
MIN_DASH_PT = 1.5  # a flat mark this wide (a minus sign, a dash standing for nothing) is ink too
RESIDUE_PT = 1.0  # a mark this thin along a cell's edge is left over from the ruling line
STRAY_PT = 3.5  # a mark smaller than this standing apart from the text is a speck
DASH_CONFIDENCE = 0.97  # a lone short flat stroke read by its shape as a dash (a blank mark)
UNSURE_MARK = 0.5  # a mark read less sure than this, as no number, is no text of the cell
TOUCH_CONFIDENCE = 0.5  # at most this sure: a number whose ink runs into a ruling's (the sums must confirm it)
FAINT_INK = 100  # a line whose darkest pixel is lighter than this (0 black, 255 paper) is faint ink: a photograph
HALO_PT = 1.25  # a faint line's crop grows at most this far over the blur around its ink (_frame)
HALO_CONTRAST = 6  # grey levels under the paper's: pixels still in a glyph's blur
FAINT_MARK = 12  # a faint mark that the binarised ink may have missed: at least this many grey levels under the
FAINT_SHARE = 0.5  # paper's, and this share as dark as the darkest ink of the lines read (_faint_ink_left)


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
    # a band that is only a small mark (a stray dot or a comma left over, the top bar of a faint 5 or 7 that came
    # apart from the rest of the glyph) belongs to the line it touches, below it or above it
    merged: list[list[int]] = []
    for b in bands:
        touching = merged and b[1] - merged[-1][3] < 1.5 * scale
        small_below = touching and (b[3] - b[1]) < 2.5 * scale
        small_above = (  # the small mark before this line, apart from any line above it
            touching
            and (merged[-1][3] - merged[-1][1]) < 2.5 * scale
            and (len(merged) == 1 or merged[-1][1] - merged[-2][3] >= 1.5 * scale)
        )
        if small_below or small_above:
            m = merged[-1]
            m[0], m[1], m[2], m[3] = min(m[0], b[0]), min(m[1], b[1]), max(m[2], b[2]), max(m[3], b[3])
        else:
            merged.append(b)
    return [tuple(b) for b in merged]


def _frame(grey, box, margin: float = 0.25, limits=None, scale: float = 1.0):
    """A tight crop of one line with a margin of paper around it (the recogniser reads framed lines best). The
    picture is flattened (white paper), so a white margin makes no edge around dark ink.

    Faint, blurred ink (a photographed page: its darkest pixel lighter than FAINT_INK) is different: the blur
    spreads each glyph a few pixels beyond the ink that was binarised, and a white margin cut at the ink's edge
    frames the glyph in a grey box the recogniser reads as part of it (a 0 of 6-point type read as 恩, ®). Such a
    line is framed over its halo (grown, within the cell's `limits`, while the pixels just outside are darker than
    the paper nearby, at most HALO_PT), and its margin continues its own edge."""
    import cv2

    x0, y0, x1, y1 = box
    m = max(2, int(margin * (y1 - y0)))
    if limits is None or not _is_faint(grey, box):
        return cv2.copyMakeBorder(grey[y0:y1, x0:x1], m, m, m, m, cv2.BORDER_CONSTANT, value=255)
    x0, y0, x1, y1 = _over_halo(grey, box, limits, max(1, int(round(HALO_PT * scale))))
    return cv2.copyMakeBorder(grey[y0:y1, x0:x1], m, m, m, m, cv2.BORDER_REPLICATE)


def _is_faint(grey, box) -> bool:
    """Whether a line's darkest pixel is lighter than FAINT_INK: faint, blurred ink (a photographed page)."""
    x0, y0, x1, y1 = box
    return int(grey[y0:y1, x0:x1].min()) > FAINT_INK


def _over_halo(grey, box, limits, most: int) -> tuple[int, int, int, int]:
    """A line's box grown a pixel at a time, at most `most`, while the ring of pixels just outside it is darker than
    the paper around it (the 90th percentile of the cell's pixels within 6 pixels): over the blur of its glyphs."""
    import numpy as np

    x0, y0, x1, y1 = box
    lx0, ly0, lx1, ly1 = max(0, limits[0]), max(0, limits[1]), limits[2], limits[3]

    def within(g):
        return max(lx0, x0 - g), max(ly0, y0 - g), min(lx1, x1 + g), min(ly1, y1 + g)

    a0, b0, a1, b1 = within(6)
    window = grey[b0:b1, a0:a1]
    paper = float(np.percentile(window, 90)) if window.size else 255.0
    grow = 0
    while grow < most:
        a0, b0, a1, b1 = within(grow + 1)
        c0, d0, c1, d1 = within(grow)
        outer, core = grey[b0:b1, a0:a1], grey[d0:d1, c0:c1]
        ring = outer.size - core.size
        if ring <= 0 or (float(outer.sum()) - float(core.sum())) / ring >= paper - HALO_CONTRAST:
            break
        grow += 1
    return within(grow)


def _faint_ink_left(clean, inner, boxes, scale: float) -> bool:
    """Whether a cell of faint ink holds a glyph-sized mark outside the lines it was read from: faint ink that the
    binarised ink missed (a second line of a number, a digit lighter than the rest). Framed over their halo, the
    lines that were found read sure of themselves, so the number would be read short; such a cell is doubtful."""
    import cv2
    import numpy as np

    x0, y0, x1, y1 = (max(0, v) for v in inner)
    crop = clean[y0:y1, x0:x1]
    darkest = min(int(clean[b:d, a:c].min()) for a, b, c, d in boxes) if boxes else 0
    if crop.size == 0 or darkest <= FAINT_INK:
        return False  # dark ink: binarised whole
    paper = float(np.percentile(crop, 90))
    marks = (crop < paper - max(FAINT_MARK, FAINT_SHARE * (paper - darkest))).astype(np.uint8)
    grow = max(1, int(round(HALO_PT * scale))) + 1
    for a, b, c, d in boxes:  # the lines read, with their halo
        marks[max(0, b - y0 - grow) : max(0, d - y0 + grow), max(0, a - x0 - grow) : max(0, c - x0 + grow)] = 0
    n, _, stats, _ = cv2.connectedComponentsWithStats(marks, connectivity=8)
    least = MIN_MARK_PT * scale
    return any(max(stats[k][2], stats[k][3]) >= least for k in range(1, n))


def line_boxes(ink, lines_mask, grid, scale: float) -> tuple[dict, dict, set, dict]:
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
    """{cell: [(x0, y0, x1, y1, crossing, fused)]}: ink reaching a cell's rulings that is not the ruling itself
    (pixels), and whether it is one mark with the ruling's own ink (`fused`).

    Cell crops leave out the ruling lines with a margin (`lines_mask`), so a glyph that touches a ruling loses the
    part that lies against it: a 7 whose top bar rests on the line reads 1, a 75 whose 7 leans on the left ruling
    reads 5, sure of itself. Here the ink left when only the rulings themselves (`core`, one pixel wider) are taken
    away is looked at around each cell: a glyph-sized mark that crosses from the cell's inner box into the band
    along its rulings or reaches the inner box's edge (`crossing`: cut where the crop ends, and a thin cut stroke
    there is dropped as what is left of a ruling), or that lies in that band on the cell's own side, makes the
    cell's reading doubtful. A mark fused to the ruling may have more of its ink inside the ruling's stroke, where
    no reading sees it; a mark apart from it is seen whole once the margin is given back (read_cells)."""
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
        fused_to = None  # the ink's own marks, the ruling among them: which of them hold ruling pixels
        found = []
        for k in range(1, n):
            x, y, w, h, _ = (int(v) for v in stats[k])
            if max(w, h) < least or (x > ix0 and x + w < ix1 and y > iy0 and y + h < iy1):
                continue  # a speck, or a mark inside the cell's crop clear of its edges: read as it is
            crossing = ix1 > ix0 and iy1 > iy0 and bool((labels[max(0, iy0) : iy1, max(0, ix0) : ix1] == k).any())
            cx, cy = centres[k]
            own_side = gx0 - ox0 <= cx <= gx1 - ox0 and gy0 - oy0 <= cy <= gy1 - oy0
            if crossing or own_side:
                if fused_to is None:
                    _, whole = cv2.connectedComponents(ink[oy0:oy1, ox0:ox1].astype(np.uint8), connectivity=8)
                    fused_to = set(np.unique(whole[core[oy0:oy1, ox0:ox1] > 0]).tolist()) - {0}
                fused = bool(set(np.unique(whole[labels == k]).tolist()) & fused_to)
                found.append((ox0 + x, oy0 + y, ox0 + x + w, oy0 + y + h, crossing, fused))
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
    bottom = float(np.mean([r.mean() for r in rows[-max(1, h // 4) :] if len(r)]))
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
        minus_shaped = w >= 0.25 * h and w >= 1.2 * hh and hh <= 0.4 * h and y0 + 0.3 * h <= mid <= y0 + 0.75 * h
        if minus_shaped and x + w <= x0 and x0 - (x + w) <= 1.5 * h:
            x0, sign = min(x0, x), True
    if first is not None and not sign:
        x, y, w, hh = first
        mid = y + hh / 2
        sign = (
            w >= 0.25 * h
            and w >= 1.2 * hh
            and hh <= 0.4 * h
            and y0 + 0.3 * h <= mid <= y0 + 0.75 * h
            and x + w < x1 - 0.3 * h
        )  # the line's own first mark is a minus, digits after it
    return (x0, y0, x1, y1), sign


def _shape_doubt(mark, text: str) -> str | None:
    """For a cell holding one mark read as 7, 1 or /: the other of these its shape suggests, when the shape
    contradicts the reading (a slash with no top bar is no 7; a slanted stroke is no 1; a bar along the top is no
    slash). The recogniser confuses them when a glyph stands alone; `mark` is the mark's ink (rows × columns)."""
    import numpy as np

    if text not in ("7", "1", "/") or not mark.any():
        return None
    rows, cols = np.flatnonzero(mark.any(axis=1)), np.flatnonzero(mark.any(axis=0))
    mark = mark[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    h, w = mark.shape
    if h < 4:
        return None
    band = max(1, h // 5)
    top_cover = float(mark[:band].any(axis=0).mean())  # share of the mark's width inked along its top
    cols = np.arange(w)

    def centre(rows):
        weight = rows.sum(axis=0)
        return float((weight * cols).sum() / weight.sum()) if weight.sum() else w / 2

    slant = (centre(mark[: max(1, h // 4)]) - centre(mark[-max(1, h // 4) :])) / h  # > 0 leans like /
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


def read_cells(recogniser, clean, ink, lines_mask, grid, scale: float, grey=None, core=None) -> dict:
    """{cell: (text, confidence, alternatives, ink[, doubts])} for every cell of a grid (pixels), read crop by crop
    from `clean` (the flattened page with its ruling lines whitened); a number that was doubted carries why
    (`doubts`, see document.Cell).

    A number is read twice, framed two ways (tight, and with a wider margin at a smaller size): when the two
    readings disagree the cell is doubtful, whatever either says of itself. Given the page (`grey`) and its ruling
    strokes (`core`), a number whose ink touches a ruling is read a third time, its crop with the ink along the
    ruling restored (_touching_rulings): doubtful, that reading offered, where the ink runs into the ruling's own
    or the readings disagree; taken at the least sure reading's confidence where the ink stands apart from the
    ruling's and all three agree."""
    import numpy as np

    boxes, inner, signed, marks_of = line_boxes(ink, lines_mask, grid, scale)
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
    room_of: dict = {}  # (cell, line box): the part of the cell a faint line may be framed over (_frame)
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
            mark = ink[iy0 + y : iy0 + y + h, ix0 + x : ix0 + x + w] & (
                lines_mask[iy0 + y : iy0 + y + h, ix0 + x : ix0 + x + w] == 0
            )
            if _is_slash(mark.astype(bool)):
                results[cell] = ("/", DASH_CONFIDENCE, [], True)
                continue
        for k, box in enumerate(bs):
            if box in signed:
                marked.add(cell)
            # a faint line's halo is looked for between the lines above and below it, never over their ink
            ix0, iy0, ix1, iy1 = inner[cell]
            room = (ix0, max(iy0, bs[k - 1][3]) if k else iy0, ix1, min(iy1, bs[k + 1][1]) if k + 1 < len(bs) else iy1)
            box = _to_line_height(box, int(0.8 * height), inner[cell])
            work.append((cell, box))
            room_of[(cell, box)] = room
            crops.append(_frame(clean, box, 0.25, room, scale))
    readings = recognise(recogniser, crops)
    by_cell: dict = {}
    for (cell, box), reading in zip(work, readings):
        by_cell.setdefault(cell, []).append((reading, box))
    dashes = {c: [(Reading(r[0], DASH_CONFIDENCE), None)] for c, r in results.items() if r[0] in ("—", "/")}
    numeric_columns = _numeric_columns({**{c: [r for r, _ in v] for c, v in by_cell.items()}, **dashes})
    numeric_rows = _numeric_rows({**{c: [r for r, _ in v] for c, v in by_cell.items()}, **dashes})
    label_columns = _label_columns({c: [r for r, _ in v] for c, v in by_cell.items()})

    def among_values(c) -> bool:  # a cell in a column of values, or in a row of values outside the labels
        return c[1] in numeric_columns or (c[0] in numeric_rows and c[1] not in label_columns)

    numbers = [
        c
        for c, parts in by_cell.items()
        if len(parts) <= 2 and among_values(c) and all(may_be_number(r.text) for (r, _), _ in parts)
    ]
    # text (labels, headings) is read framed as dark ink is: the halo is for small faint numbers, and Chinese text
    # read over its blur reads no better (a table's header read so no longer named its table)
    text_lines = [
        (c, k) for c in by_cell if not among_values(c) for k, (_, box) in enumerate(by_cell[c]) if _is_faint(clean, box)
    ]
    for (c, k), reading in zip(
        text_lines, recognise(recogniser, [_frame(clean, by_cell[c][k][1], 0.25, None, scale) for c, k in text_lines])
    ):
        by_cell[c][k] = (reading, by_cell[c][k][1])
    second = recognise(
        recogniser, [_frame(clean, box, 0.6, room_of[(c, box)], scale) for c in numbers for _, box in by_cell[c]]
    )
    # cells whose ink touches a ruling, read again with that ink restored (the box grown over it)
    against = [
        c
        for c in touching
        if among_values(c)
        and (c in numbers or c not in by_cell)
        and (c in numbers or (results.get(c, ("",))[0] == "" and not boxes[c]))
    ]
    regrown = {}
    for c, (reading, probs) in zip(
        against, recognise(recogniser, [_frame(restored, _grown(by_cell.get(c), touching[c])) for c in against])
    ):
        regrown[c] = as_number(recogniser, probs)
    for c in against:
        if c not in by_cell:  # looked blank: its only ink lies along a ruling, perhaps a digit the mask took away
            again = regrown[c]
            results[c] = (UNREADABLE, 0.0, [("", 0.5)] + ([(again.text, again.confidence)] if again.text else []), True)
    k = 0
    for cell, parts in by_cell.items():
        if cell in numbers:  # a number, perhaps wrapped over two lines
            first = [as_number(recogniser, probs) for (_, probs), _ in parts]
            again = [as_number(recogniser, probs) for _, probs in second[k : k + len(parts)]]
            k += len(parts)
            text = "\n".join(r.text for r in first)
            conf = min(r.confidence for r in first)
            if not text.strip():
                text, conf = UNREADABLE, 0.0  # ink that reads as no number: a value cell, unreadable
            doubts = {"as_read": round(conf, 4)}  # the recogniser's own confidence, then each doubt and its reading
            if [r.text for r in again] != [r.text for r in first]:
                conf = min(conf, 0.5)  # the two framings read different numbers
                doubts["framings"] = "\n".join(r.text for r in again)
            alternatives = first[0].alternatives if len(first) == 1 else []
            if len(first) == 1 and again[0].text != first[0].text and again[0].text:
                alternatives = [(again[0].text, again[0].confidence)] + [
                    a for a in alternatives if a[0] != again[0].text
                ]
            if cell in marked and len(first) == 1 and first[0].text[:1].isdigit():
                # a minus-shaped mark before the digits that the recogniser did not read: the ink says -18, the
                # recogniser 18; doubtful either way, the sums (if any) choose
                conf = min(conf, 0.3)
                alternatives = [(first[0].text, 0.5)] + [a for a in alternatives if a[0] != "-" + first[0].text]
                text = "-" + first[0].text
                doubts["sign"] = True
            if _faint_ink_left(clean, inner[cell], [box for _, box in parts], scale):
                conf = min(conf, 0.5)  # faint marks no line took in: a digit or a line of it may be unread
                doubts["faint"] = True
            if cell in regrown:  # ink against a ruling: part of a glyph may be lost under the ruling's margin
                again = regrown[cell]
                doubts["ruling"] = [again.text, round(again.confidence, 4)]  # the crop with that ink restored
                fused = any(blob[5] for blob in touching[cell])
                if fused or again.text != text:
                    # doubtful even where that third reading agrees: ink that ran into the ruling is lost with it,
                    # and an 8 whose left half lies in the ruling reads 3 all three ways (touching_rulings.py)
                    conf = min(conf, TOUCH_CONFIDENCE)
                    doubts["fused"] = fused
                else:  # ink apart from the ruling's own, whole in the restored crop, which reads the same
                    conf = min(conf, again.confidence)
                if again.text and again.text != text:
                    alternatives = [(again.text, again.confidence)] + [a for a in alternatives if a[0] != again.text]
            if len(first) == 1:
                x0, y0, x1, y1 = parts[0][1]
                other = _shape_doubt(ink[y0:y1, x0:x1] & (lines_mask[y0:y1, x0:x1] == 0), first[0].text)
                if other is not None:  # the mark's shape says otherwise: doubtful, the other reading offered
                    conf = min(conf, 0.3)
                    alternatives = [(other, 0.5)] + [a for a in alternatives if a[0] != other]
                    doubts["shape"] = other
            results[cell] = (text, conf, alternatives, True, doubts if len(doubts) > 1 else None)
            continue
        elif (
            among_values(cell)
            and cell[2] - cell[0] == 1
            and len(parts) <= 2
            and (
                all(r.confidence < 0.5 for (r, _), _ in parts)
                or (
                    len(parts) == 1
                    and len(parts[0][0][0].text) <= 2
                    and parts[0][0][0].text not in BLANKS
                    and parts[0][0][0].confidence < MARK_CONFIDENCE
                )
            )
        ):
            # a mark among numbers that reads as nothing sure, or as a character or two that are no number (a
            # blot read as 图): unreadable, not a label; maybe blank, maybe a number the sums may recognise
            text, conf = UNREADABLE, 0.0
            alternatives = [("", 0.5)] + [
                (n.text, n.confidence) for n in (as_number(recogniser, probs) for (_, probs), _ in parts[:1]) if n.text
            ]
        elif among_values(cell) and cell[2] - cell[0] == 1 and number_beside_a_mark([r for (r, _), _ in parts]):
            # unreadable, never label text: taken as the row's label, it would shift the row's numbers one column
            # over; the number is offered among its readings, for the sums to confirm
            text, conf = UNREADABLE, 0.0
            alternatives = [("", 0.5)] + [
                (n.text, n.confidence)
                for n in (as_number(recogniser, probs) for (r, probs), _ in parts if may_be_number(r.text))
                if n.text
            ]
        else:
            text = DOT_FOR_COMMA.sub("、", "\n".join(r.text for (r, _), _ in parts))
            conf = min(r.confidence for (r, _), _ in parts)
            alternatives = parts[0][0][0].alternatives if len(parts) == 1 else []
        results[cell] = (text, conf, alternatives, True)
    return results


def number_beside_a_mark(readings: list) -> bool:
    """A cell's lines (Readings) are a number and a mark beside it that reads as no number and nothing sure (a speck
    above 555 read as 武 at 0.13): neither a number as read nor text."""
    return (
        len(readings) == 2
        and any(may_be_number(r.text) for r in readings)
        and all(may_be_number(r.text) or r.confidence < UNSURE_MARK for r in readings)
    )


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
            v[0 if any(CJK.search(r.text) for r, _ in parts) else 1] += 1
    return {c for c, (chinese, other) in votes.items() if chinese > other}


def _numeric_rows(by_cell: dict) -> set[int]:
    """Grid rows of values (table 4 prints its 15 numbers in one row under two header rows): one-row cells of which
    at least four read as numbers and more than half do."""
    votes: dict[int, list[int]] = {}
    for (r0, c0, r1, c1), parts in by_cell.items():
        if r1 - r0 == 1:
            v = votes.setdefault(r0, [0, 0])
            v[0 if all(looks_numeric(r.text) for r, _ in parts) else 1] += 1
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
            if all(looks_numeric(t) for t in texts):
                v[0] += 1
            elif any(CJK.search(t) for t in texts):
                v[2] += 1
            else:
                v[1] += 1
    return {
        c
        for c, (numeric, other, chinese) in votes.items()
        if numeric >= 2 and numeric >= other and 3 * numeric >= numeric + other + chinese
    }
