"""Small ruled tables drawn as a scanner sees them, each number set where a case needs it — centred in its cell or
pushed against one of its rulings, touching it or running into it — for the tests and measurements of how the OCR
reader reads numbers against rulings (tests/test_photos.py, scripts/touching_rulings.py). Whole synthetic reports
are drawn by synth_scan.py."""

from __future__ import annotations

LABELS = ["规章", "规范性文件", "行政许可", "行政处罚", "行政强制", "行政事业性收费"]


def draw_ruled_table(
    texts: list[list[str]],
    where: list[list[str]],
    dpi: int = 200,
    overlap: int = 1,
    blur: float = 0.8,
    font_pt: float = 10.0,
    column_pt: int = 70,
    row_pt: int = 25,
    label_dy_px: int = 6,
    noise_seed: int = 0,
):
    """(grey picture, scale in pixels a point): a table ruled 0.8 pt, a label column and one column per number,
    drawn at `dpi` with a CJK font, blurred (`blur` pixels) and with sensor noise (σ 4 grey levels, `noise_seed`).
    Each number is placed as `where` says: "mid" (centred), or "left", "right", "top", "bottom" (set against that
    ruling, `overlap` pixels short of it when positive, into it when negative)."""
    import cv2
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    from .synth_scan import FONT_FILES

    scale = dpi / 72
    font = ImageFont.truetype(FONT_FILES[0][1], int(font_pt * scale))
    n = len(texts[0])
    xs = [int(v * scale) for v in [20, 120] + [120 + column_pt * (k + 1) for k in range(n)]]
    ys = [int(v * scale) for v in [20] + [20 + row_pt * (k + 1) for k in range(len(texts))]]
    img = Image.new("L", (xs[-1] + int(20 * scale), ys[-1] + int(20 * scale)), 255)
    d = ImageDraw.Draw(img)
    for x in xs:
        d.line([(x, ys[0]), (x, ys[-1])], fill=0, width=max(1, int(0.8 * scale)))
    for y in ys:
        d.line([(xs[0], y), (xs[-1], y)], fill=0, width=max(1, int(0.8 * scale)))
    for r, row in enumerate(texts):
        d.text((xs[0] + 5, ys[r] + label_dy_px), LABELS[r % len(LABELS)], font=font, fill=0)
        for c, t in enumerate(row):
            x0, x1, y0, y1 = xs[c + 1], xs[c + 2], ys[r], ys[r + 1]
            box = d.textbbox((0, 0), t, font=font)
            px = {"left": x0 - box[0] + overlap, "right": x1 - box[2] - overlap}.get(
                where[r][c], (x0 + x1 - box[2]) // 2
            )
            py = {"top": y0 - box[1] + overlap, "bottom": y1 - box[3] - overlap}.get(
                where[r][c], (y0 + y1 - box[3] - box[1]) // 2
            )
            d.text((px, py), t, font=font, fill=0)
    a = cv2.GaussianBlur(np.asarray(img, np.float32), (0, 0), blur)
    a = np.clip(a + np.random.default_rng(noise_seed).normal(0, 4, a.shape), 0, 255).astype(np.uint8)
    return a, scale
