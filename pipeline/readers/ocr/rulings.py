"""Ruling lines of a binarised picture: OpenCV morphology (an opening with long thin kernels, as camelot's lattice
flavour does) finds the horizontal and vertical strokes; each stroke becomes an edge, and pdfplumber's table geometry
(readers/ruling_grid.py) builds the cells from them, merged cells kept as spans, as for a PDF's own lines."""

from __future__ import annotations

LINE_SCALE = 40  # a ruling line is at least 1/LINE_SCALE of the picture's width or height (camelot's line_scale)


def ruling_masks(ink, scale: float):
    """Horizontal and vertical ruling strokes (masks) of a binarised picture."""
    import cv2

    h, w = ink.shape
    bridge = max(3, int(1.5 * scale))  # close the small gaps noise and blur leave in a printed line
    hk = max(int(w / LINE_SCALE), int(20 * scale))
    vk = max(int(h / LINE_SCALE), int(12 * scale))
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (bridge, 1)))
    horizontal = cv2.morphologyEx(horizontal, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (hk, 1)))
    closed = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, bridge)))
    vertical = cv2.morphologyEx(closed, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, vk)))
    return horizontal, vertical | band_rules(closed, horizontal, vk, scale)


BAND_RULE_PT = 8  # the shortest column rule of a band of one row (a table's last row carried over a page break)
BAND_ENDS_PT = 3  # how far apart the ends of a band's top and bottom rules, and its end rules, may lie


def band_rules(closed, horizontal, longest: int, scale: float):
    """The column rules of a band of one row: vertical strokes too short for a ruling of their own (under `longest`
    pixels, the page's height over LINE_SCALE) that run from one horizontal ruling to the next. A table's last row
    carried over a page break is such a band. It is a frame: two horizontal rules of one extent (their ends within
    BAND_ENDS_PT of each other), closed at both ends by vertical rules, with at least one more between them; the
    strokes of a line of text set just under a table's last ruling never make one."""
    import cv2
    import numpy as np

    short = cv2.morphologyEx(
        closed, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(3, int(BAND_RULE_PT * scale))))
    )
    n, labels, stats, _ = cv2.connectedComponentsWithStats(short, connectivity=8)
    if n <= 1:
        return np.zeros_like(short)
    _, rules, rule_stats, _ = cv2.connectedComponentsWithStats(horizontal, connectivity=8)
    reach = max(2, int(round(scale)))
    thickness = max(2.0, 1.2 * scale)
    tolerance = BAND_ENDS_PT * scale
    height, width = short.shape

    def rule_at(y0, y1, x0, x1):
        found = rules[max(0, y0) : min(height, y1), x0:x1]
        found = found[found > 0]
        return int(np.bincount(found).argmax()) if found.size else 0

    bands: dict = {}  # (top rule, bottom rule) -> [(x, component)]
    kept: list[int] = []  # the components that are a band's column rules
    for k in range(1, n):
        x, y, w, h, _ = stats[k]
        if h >= longest or w > 3 * thickness:
            continue
        x0, x1 = max(0, x - reach), min(width, x + w + reach)
        top = rule_at(y - reach, y + reach + 1, x0, x1)
        bottom = rule_at(y + h - 1 - reach, y + h + reach, x0, x1)
        if top and bottom and top != bottom:
            bands.setdefault((top, bottom), []).append((x + w / 2, k))
    for (top, bottom), strokes in bands.items():
        left, right = rule_stats[top][0], rule_stats[top][0] + rule_stats[top][2]
        if (
            abs(left - rule_stats[bottom][0]) > tolerance
            or abs(right - rule_stats[bottom][0] - rule_stats[bottom][2]) > tolerance
        ):
            continue  # not one band: the rules above and below it end in different places
        xs = [x for x, _ in strokes]
        if len(strokes) < 3 or min(xs) - left > tolerance or right - max(xs) > tolerance:
            continue  # not closed at both ends, or no column rule between them
        kept += [k for _, k in strokes]
    if not kept:
        return np.zeros_like(short)
    return np.where(np.isin(labels, kept), 255, 0).astype(short.dtype)


def stroke_edges(mask, orientation: str, max_thickness: float) -> list[dict]:
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
            out.append(
                {
                    "x0": float(x),
                    "x1": float(x + w),
                    "top": top,
                    "bottom": top,
                    "width": float(w),
                    "height": 0.0,
                    "orientation": "h",
                    "object_type": "line",
                }
            )
        else:
            if w > max_thickness * 3 and w > h / 8:
                continue
            x_mid = x + w / 2
            out.append(
                {
                    "x0": x_mid,
                    "x1": x_mid,
                    "top": float(y),
                    "bottom": float(y + h),
                    "width": 0.0,
                    "height": float(h),
                    "orientation": "v",
                    "object_type": "line",
                }
            )
    return out


def ruling_edges(horizontal, vertical, scale: float) -> list[dict]:
    """The edges (pixels) of the ruling strokes, for the grid code: a stroke thicker than a printed line's few
    points is a block of ink, not a ruling."""
    thickness = max(2.0, 1.2 * scale)
    return stroke_edges(horizontal, "h", thickness) + stroke_edges(vertical, "v", thickness)


def ruling_margin(core, scale: float):
    """The ruling strokes grown by their margin (a blurred line's fringe): what is whitened before cells are cropped,
    so no crop shows a piece of a ruling."""
    import cv2
    import numpy as np

    return cv2.dilate(core, np.ones((3, 3), np.uint8), iterations=max(1, int(0.4 * scale)))
