"""The text outside a picture's tables: the detector finds its lines on the page with the tables whitened, each
line is read again by the recogniser from a loose crop of the page's own pixels, and the pieces are joined into
printed lines (top, bottom, text, x0, x1) in points."""

from __future__ import annotations

from ...headings import restore_heading_comma
from .reading import DOT_FOR_COMMA, recognise

DET_MAX_SIDE = 1280
PROSE_MIN_CONFIDENCE = 0.3  # a text box whose least sure character is less sure than this is noise (a seal, a blot)
# ... unless its characters are this sure on average and it has PROSE_MIN_CHARS of them: a heading with one unsure
# mark (四、… with its 、 half read as 丶) is text, not noise
PROSE_MIN_MEAN = 0.85
PROSE_MIN_CHARS = 4
INK_CONTRAST = 40  # ink is at least this much darker than the paper (grey levels)


def prose_lines(recogniser, grey, covered, scale: float) -> list[tuple[float, float, str, float, float]]:
    """The text outside the tables: the detector's boxes, read by the recogniser, joined into printed lines."""
    import cv2
    import numpy as np

    page = grey.copy()
    page[covered > 0] = 255
    if int(page.min()) > int(np.median(page[::4, ::4])) - INK_CONTRAST:
        return []  # nothing darker than the paper: no text (a faint scan's ink may be lighter than mid-grey)
    # the detector sees the page at most DET_MAX_SIDE pixels high or wide: body text stays well above its smallest
    # size, and its memory (~0.7 GB at 2000 pixels) and time fall with the square
    f = min(1.0, DET_MAX_SIDE / max(page.shape))
    small = cv2.resize(page, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1.0 else page
    found = recogniser.detect(cv2.cvtColor(small, cv2.COLOR_GRAY2BGR))
    # each box read again from a loose crop of the page's own pixels: the detector's tight box cuts small marks
    # at its ends (the 、 of 一、总体情况)
    spans = []
    for box in found or []:
        pts = np.asarray(box, dtype=float) / f
        x0, y0, x1, y1 = pts[:, 0].min(), pts[:, 1].min(), pts[:, 0].max(), pts[:, 1].max()
        m = max(3, int(0.15 * (y1 - y0)))
        spans.append((x0, y0, x1, y1, (max(0, int(y0) - m), int(y1) + m, max(0, int(x0) - m), int(x1) + m)))
    readings = recognise(recogniser, [page[a:b, c:d] for *_, (a, b, c, d) in spans])
    boxes = []
    for (x0, y0, x1, y1, _), (reading, probs) in zip(spans, readings):
        text = restore_heading_comma(DOT_FOR_COMMA.sub("、", reading.text.strip()))
        if text and is_text(text, reading.confidence, probs):
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


def is_text(text: str, confidence: float, probs) -> bool:
    """Whether a detector's box read as `text` (its least sure character `confidence`, the recogniser's frame
    probabilities `probs`) is text: every character reasonably sure, or a line of a few characters read surely on
    average (a seal or a blot reads as one or two unsure characters)."""
    return confidence >= PROSE_MIN_CONFIDENCE or (
        len(text) >= PROSE_MIN_CHARS and _mean_confidence(probs) >= PROSE_MIN_MEAN
    )


def _mean_confidence(probs) -> float:
    """The recogniser's average certainty over the frames where it read a character (not a blank)."""
    peak = probs.max(axis=1)
    read = probs.argmax(axis=1) != 0
    return float(peak[read].mean()) if read.any() else 0.0
