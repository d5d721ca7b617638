"""A picture made ready for reading: grey with red seal ink taken out, a photographed sheet found and squared up
(photo.py), turned level, its paper flattened to white, its ink binarised and its ruling lines found (rulings.py).

1. Deskew: the angle that makes the rows of ink sharpest (the variance of the row sums of a small copy, searched
   over ±`MAX_SKEW` degrees) is turned back.
2. Flatten: each pixel divided by the paper's own tone around it (grey, yellowed, unevenly lit scans and photos);
   a photo's light is evened out before deskewing, so that deskewing sees rows of ink.
3. Binarise, then the ruling strokes by morphology; the cells are cropped from the picture with its rulings and
   their margin whitened (`clean`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .rulings import ruling_edges, ruling_margin, ruling_masks

MAX_SKEW = 3.0  # degrees searched either way
SKEW_STEP = 0.1
MAX_PIXELS = 60_000_000  # a picture larger than this (after scaling) is refused: ~ an A4 page at 900 dpi
SHEET_LONG_SIDE_PT = 842.0  # an A4 sheet's long side: the paper of these reports (GB/T 9704, the official format)
SCALE_AGREES = 2.0  # a scale within this factor of the one measured from the text is kept


@dataclass
class PreparedPicture:
    """A picture ready to be read, in pixels: `grey` deskewed and flattened, `ink` (1) and paper (0), the ruling
    strokes (`core`) and their `edges` for the grid code, `lines_mask` (the strokes grown by their margin) and
    `clean` (grey with `lines_mask` whitened: cells are cropped from it); `scale` its pixels per point, `skew`
    the angle it was turned by, `sheet` whether a photographed sheet was squared up, and `back` taking a box of it
    to the picture as given (in points)."""

    grey: object
    scale: float
    skew: float
    sheet: bool
    back: Callable
    ink: object
    core: object
    edges: list
    lines_mask: object
    clean: object


def prepare(grey, scale: float) -> PreparedPicture:
    """Every step before reading, in order: the sheet, deskew and flatten (a photo's light evened out first), the
    ink, the ruling strokes, and the clean copy cells are cropped from."""
    given_scale = scale
    grey, scale, sheet, perspective = find_page(grey, scale)
    if sheet:  # a photo's light falls off across the sheet: evened out first, so deskewing sees rows of ink
        grey, skew = deskew(flatten(grey, scale))
    else:
        grey, skew = deskew(grey)
        grey = flatten(grey, scale)
    back = back_to_picture(perspective, skew, grey.shape, given_scale)
    ink = binarise(grey, scale)
    horizontal, vertical = ruling_masks(ink, scale)
    edges = ruling_edges(horizontal, vertical, scale)
    core = horizontal | vertical
    lines_mask = ruling_margin(core, scale)
    clean = grey.copy()  # the page with its ruling lines taken out: cells are cropped from it (either engine)
    clean[lines_mask > 0] = 255
    return PreparedPicture(grey, scale, skew, sheet, back, ink, core, edges, lines_mask, clean)


RED_MARGIN = 60  # a pixel whose red exceeds its green and blue by this much is seal ink, not text
# a red region reaching the picture's edge and covering this share of it is the surface the sheet lies on (a red or
# reddish-brown desk under a photographed page), not ink: a seal is a ring of strokes inside the page's margins
# (a 4 cm seal's ink covers about 0.6% of an A4 page), a red rule or a red-headed title stays clear of the edges
RED_SURFACE_SHARE = 0.02


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
            img[red & ~_red_surface(red)] = 255
    return img


def _red_surface(red):
    """The part of a picture's red pixels that is the surface a photographed sheet lies on, not ink: red regions
    that reach the picture's edge and cover at least RED_SURFACE_SHARE of it (found on a copy a quarter the size,
    closed so that the desk's grain and the photo's noise do not break it up). Whitened as seal ink, a red desk
    would become paper, and the sheet on it could not be found."""
    import cv2
    import numpy as np

    h, w = red.shape
    if red.mean() < RED_SURFACE_SHARE:
        return np.zeros_like(red)
    small = cv2.resize(red.astype(np.uint8), (max(1, w // 4), max(1, h // 4)), interpolation=cv2.INTER_AREA)
    small = cv2.morphologyEx(small, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
    _, labels, stats, _ = cv2.connectedComponentsWithStats(small, connectivity=8)
    sh, sw = small.shape
    keep = [
        k
        for k, (x, y, cw, ch, area) in enumerate(stats)
        if k and (x == 0 or y == 0 or x + cw == sw or y + ch == sh) and area >= RED_SURFACE_SHARE * sh * sw
    ]  # reaching the edge, and large
    if not keep:
        return np.zeros_like(red)
    surface = np.isin(labels, keep).astype(np.uint8)
    surface = cv2.dilate(surface, np.ones((3, 3), np.uint8))
    return cv2.resize(surface, (w, h), interpolation=cv2.INTER_NEAREST).astype(bool)


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


def back_to_picture(perspective, skew: float, shape, scale: float):
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
