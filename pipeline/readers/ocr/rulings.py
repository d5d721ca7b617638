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
    vertical = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, bridge)))
    vertical = cv2.morphologyEx(vertical, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, vk)))
    return horizontal, vertical


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
