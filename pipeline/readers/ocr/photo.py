"""Photographs of printed pages: the sheet found and squared up before anything else reads it, and a picture's
scale measured from its own text.

A phone photo of a report lying on a desk shows the sheet as a quadrilateral (the camera is never square above it)
on a darker background, lit unevenly. Deskewing turns a picture, it cannot make converging rulings parallel again,
and a grid whose rulings converge puts numbers into the neighbouring column. So, before deskewing:

1. `find_sheet`: the sheet's four corners. On a small copy the text is closed away (a closing wider than any
   stroke leaves the paper's tone), the paper is told from the desk by its local brightness, and the largest bright
   region's outline is reduced to four corners; each side is then fitted again to the strongest brightness edge
   along it (a robust line fit), so a dark corner of the sheet or a hand's shadow does not pull a corner in.
   No sheet is found in a scan, a screenshot or a picture of a table, whose paper reaches the picture's edges (or
   whose "sheet" would not be brighter than what lies around it): those are left as they are.
2. `rectify`: the quadrilateral warped to a rectangle (OpenCV's perspective transform) as wide and tall as its
   longer sides, so the sheet keeps its pixels. The light is evened out afterwards by ocr.flatten (each pixel
   divided by the paper's own tone around it), as for any scan.

`text_scale` measures a picture's pixels per point from the height of its characters, for a picture that records
no usable resolution (a screenshot without dpi, a phone's 72 dpi, photos bound into a PDF at any page size).

A maintained rectifier was measured against this (README, "Photographs"): `rapid-undistorted` fetches its ONNX
models from the network on first use (nothing may be downloaded at run time), and `page-dewarp` models page curl
from text lines, not a sheet's outline on a desk, and was slower and worse on the `photo` family.
"""

from __future__ import annotations

import math

SMALL_SIDE = 640  # the sheet is looked for on a copy this long on its longer side
MIN_SHEET_SHARE = 0.2  # a sheet covers at least this share of the photo
MAX_SHEET_SHARE = 0.96  # ... and less than this (else the paper fills the picture: a scan, a screenshot)
MIN_CONTRAST = 18  # grey levels the paper must stand above what lies around the sheet
MIN_CORNER_ANGLE, MAX_CORNER_ANGLE = 55.0, 125.0  # degrees: a sheet seen at an angle is still roughly rectangular
# text height to points: the height below which 70% of the ink of the character-sized marks lies is about a
# glyph's height; on the labelled scans and PDFs of the corpus and the synthetic sets (their resolution known) it
# measures 10.1 points at the median, 9.5 to 14.8 from the 10th to the 90th percentile (body text of 10.5 to 16 pt)
GLYPH_PT = 10.0
GLYPH_SHARE = 0.7


def find_sheet(grey):
    """The four corners (top-left, top-right, bottom-right, bottom-left; pixels of `grey`) of a printed sheet lying
    on a darker background, or None when the picture shows no such sheet."""
    import cv2
    import numpy as np

    h, w = grey.shape
    f = min(1.0, SMALL_SIDE / max(h, w))
    small = cv2.resize(grey, (max(1, int(w * f)), max(1, int(h * f))), interpolation=cv2.INTER_AREA)
    sh, sw = small.shape
    k = max(5, int(0.02 * max(sh, sw)) | 1)
    paper = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    paper = cv2.GaussianBlur(paper, (0, 0), 1.5)
    _, bright = cv2.threshold(paper, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    bright = cv2.morphologyEx(bright, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(bright, connectivity=4)
    if n < 2:
        return None
    best = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    region = (labels == best).astype(np.uint8)
    share = stats[best, cv2.CC_STAT_AREA] / float(sh * sw)
    if not MIN_SHEET_SHARE <= share <= MAX_SHEET_SHARE:
        return None
    contours, _ = cv2.findContours(region, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    hull = cv2.convexHull(max(contours, key=cv2.contourArea))
    quad = _four_corners(hull)
    if quad is None:
        return None
    quad = _refit_sides(paper, quad)
    if quad is None or not _plausible(quad, sw, sh):
        return None
    inside = np.zeros_like(small)
    cv2.fillConvexPoly(inside, quad.astype(np.int32), 1)
    ring = cv2.dilate(inside, cv2.getStructuringElement(cv2.MORPH_RECT, (3 * k, 3 * k))) - inside
    if not ring.any() or float(np.median(paper[inside > 0])) - float(np.median(paper[ring > 0])) < MIN_CONTRAST:
        return None
    return quad / f


def _four_corners(hull):
    """The hull reduced to four corners by Douglas-Peucker, the tolerance widened until four are left."""
    import cv2
    import numpy as np

    length = cv2.arcLength(hull, True)
    for eps in (0.01, 0.015, 0.02, 0.03, 0.04, 0.05, 0.07):
        approx = cv2.approxPolyDP(hull, eps * length, True)
        if len(approx) == 4:
            return _ordered(approx.reshape(4, 2).astype(np.float32))
        if len(approx) < 4:
            break
    rect = cv2.boxPoints(cv2.minAreaRect(hull))  # a hull with a cut corner: its bounding rectangle's corners
    return _ordered(np.asarray(rect, np.float32))


def _ordered(pts):
    """Corners as top-left, top-right, bottom-right, bottom-left."""
    import numpy as np

    s, d = pts.sum(axis=1), pts[:, 0] - pts[:, 1]
    return np.array([pts[np.argmin(s)], pts[np.argmax(d)], pts[np.argmax(s)], pts[np.argmin(d)]], np.float32)


def _refit_sides(paper, quad):
    """Each side fitted again to the strongest edge across it (sampled along the side, searched a few percent of
    the picture either way; a robust line fit), the corners where the fitted sides meet."""
    import cv2
    import numpy as np

    gy = cv2.Sobel(paper.astype(np.float32), cv2.CV_32F, 0, 1, ksize=3)
    gx = cv2.Sobel(paper.astype(np.float32), cv2.CV_32F, 1, 0, ksize=3)
    h, w = paper.shape
    reach = max(4, int(0.03 * max(h, w)))
    lines = []
    centre = quad.mean(axis=0)
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        side = b - a
        length = float(np.hypot(*side))
        if length < 10:
            return None
        normal = np.array([-side[1], side[0]]) / length
        if np.dot(normal, centre - (a + b) / 2) < 0:
            normal = -normal  # pointing into the sheet: the edge is dark outside, bright inside
        points = []
        for t in np.linspace(0.1, 0.9, 40):
            p = a + t * side
            best, where = 0.0, None
            for s in range(-reach, reach + 1):
                x, y = p + s * normal
                xi, yi = int(round(x)), int(round(y))
                if 0 <= xi < w and 0 <= yi < h:
                    g = gx[yi, xi] * normal[0] + gy[yi, xi] * normal[1]  # brighter towards the inside
                    if g > best:
                        best, where = g, (x, y)
            if where is not None and best > 20:
                points.append(where)
        if len(points) < 8:
            lines.append((a, side / length))  # no clear edge: keep the outline's side
            continue
        vx, vy, x0, y0 = cv2.fitLine(np.array(points, np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
        lines.append((np.array([x0, y0]), np.array([vx, vy])))
    corners = []
    for i in range(4):
        (p, u), (q, v) = lines[i - 1], lines[i]
        m = np.array([[u[0], -v[0]], [u[1], -v[1]]])
        if abs(np.linalg.det(m)) < 1e-6:
            return None
        t, _ = np.linalg.solve(m, q - p)
        corners.append(p + t * u)
    return _ordered(np.array(corners, np.float32))


def _plausible(quad, w: int, h: int) -> bool:
    """A convex quadrilateral inside the picture (a little slack), its corners not far from right angles."""
    import numpy as np

    if (
        (quad[:, 0] < -0.02 * w).any()
        or (quad[:, 0] > 1.02 * w).any()
        or (quad[:, 1] < -0.02 * h).any()
        or (quad[:, 1] > 1.02 * h).any()
    ):
        return False
    for i in range(4):
        a, b, c = quad[i - 1], quad[i], quad[(i + 1) % 4]
        u, v = a - b, c - b
        cos = float(np.dot(u, v) / max(1e-6, np.hypot(*u) * np.hypot(*v)))
        angle = math.degrees(math.acos(max(-1.0, min(1.0, cos))))
        if not MIN_CORNER_ANGLE <= angle <= MAX_CORNER_ANGLE:
            return False
    return True


def rectify(grey, quad):
    """The sheet inside `quad` warped to an upright rectangle as wide as its longer horizontal side and as tall as
    its longer vertical side (so no detail is lost), paper-white outside the source picture."""
    import cv2

    matrix, (width, height) = sheet_transform(quad)
    return cv2.warpPerspective(grey, matrix, (width, height), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)


def sheet_transform(quad):
    """The perspective matrix (3×3) that takes the picture's pixels to the rectified sheet's, and the sheet's
    (width, height) in pixels: rectify's geometry, kept so that what is found on the sheet can be placed back on the
    picture as it was taken."""
    import cv2
    import numpy as np

    tl, tr, br, bl = quad
    width = int(round(max(np.hypot(*(tr - tl)), np.hypot(*(br - bl)))))
    height = int(round(max(np.hypot(*(bl - tl)), np.hypot(*(br - tr)))))
    target = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], np.float32)
    return cv2.getPerspectiveTransform(np.asarray(quad, np.float32), target), (width, height)


def text_scale(grey) -> float | None:
    """Pixels per point of a picture of print, measured from its characters: the height of the character-sized and
    -shaped marks (not rulings, not specks), weighted by their ink so that speckle and dots do not count, taken as
    GLYPH_PT points. None when the picture shows too little text to tell."""
    import cv2
    import numpy as np

    h, w = grey.shape
    _, ink = cv2.threshold(grey, 0, 1, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    n, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if n < 30:
        return None
    ws, hs, areas = stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT], stats[1:, cv2.CC_STAT_AREA]
    glyph = (
        (hs >= 4)
        & (hs <= h / 8)
        & (ws <= 2.5 * hs)
        & (ws >= 0.15 * hs)
        & (areas >= 0.08 * ws * hs)
        & (areas <= 0.9 * ws * hs)
    )
    if glyph.sum() < 30:
        return None
    heights, weights = hs[glyph].astype(float), areas[glyph].astype(float)
    order = np.argsort(heights)
    cumulative = np.cumsum(weights[order]) / weights.sum()
    return float(heights[order][np.searchsorted(cumulative, GLYPH_SHARE)]) / GLYPH_PT
