"""The `scan` layout family of the synthetic reports: a report printed, then scanned.

The report is typeset as a ruled PDF with a real CJK TrueType font embedded (Debian's fonts-arphic-uming or
fonts-wqy-microhei: a scanned page shows the glyphs, so a font must be there to draw them), each page is rendered
by PDFium at a scanner's resolution and damaged as scanners and photocopiers do — a slight rotation, blur, a grey
and uneven paper tone, speckle and noise, a seal stamped over the sign-off, JPEG compression — and the pages are
bound again into an image-only PDF. Some scans carry another program's OCR text layer laid invisibly over the
picture, with digits dropped and changed the way such layers get them wrong: the project must read the pixels,
not trust that layer.

`scan_pdf` does the same to any PDF (the renderings of real reports scanned by the `scan_corpus` stage).

The `photo` family is the same printed report photographed on a desk with a phone (`photograph`, `photo_pdf`):
each page a colour JPEG about 1700 pixels wide, the sheet in perspective (the camera not square above it) and
tilted up to 2°, a darker desk around it, the light falling off towards one corner, focus and camera-shake blur,
sensor noise; the photos bound into an image-only PDF (as a phone's scanner app or a converter binds them, at the
A4 width or at the 72 dpi a phone records), or kept as a multi-page TIFF.
"""

from __future__ import annotations

import io
import random
from pathlib import Path

FONT_FILES = [  # (name, file, index in a .ttc collection)
    ("UMing", "/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    ("WqyMicroHei", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
]
FONT_PACKAGES = "fonts-arphic-uming fonts-wqy-microhei"


class SynthError(RuntimeError):
    pass


def cjk_fonts() -> list[str]:
    """The CJK TrueType fonts found on this machine, registered with reportlab; a clear error when there is none."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    names = []
    for name, path, index in FONT_FILES:
        if not Path(path).exists():
            continue
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, path, subfontIndex=index))
        names.append(name)
    if not names:
        raise SynthError(
            f"the scan family needs a CJK TrueType font to print its pages: install Debian's "
            f"{FONT_PACKAGES} (scripts/setup.sh does), or leave `scan` out of params.yaml synth.families"
        )
    return names


def degrade(grey, rng: random.Random, scale: float, seal: bool = False, turns_out: list | None = None):
    """A clean rendered page (grey pixels) as a scanner gives it back; `seal`: the body's seal stamped over the
    sign-off at the foot of the page, grey as red prints in a grey scan. The angle the page was turned by (degrees,
    about its centre, as cv2.getRotationMatrix2D takes it) is appended to `turns_out` when given."""
    import cv2
    import numpy as np

    h, w = grey.shape
    img = grey.astype(np.float32)
    if seal:
        cx, cy = int(w * rng.uniform(0.6, 0.8)), int(h * rng.uniform(0.72, 0.88))
        r = int(rng.uniform(55, 75) * scale / 2.0)
        tone = rng.uniform(110, 170)
        ring = np.zeros_like(img)
        cv2.circle(ring, (cx, cy), r, 1.0, max(2, int(2.5 * scale)))
        cv2.drawMarker(
            ring,
            (cx, cy),
            1.0,
            cv2.MARKER_STAR if hasattr(cv2, "MARKER_STAR") else 0,
            int(r * 0.6),
            max(1, int(1.5 * scale)),
        )
        img = np.where(ring > 0, np.minimum(img, tone), img)
    # slight rotation
    angle = rng.uniform(-1.5, 1.5)
    if turns_out is not None:
        turns_out.append(angle)
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    img = cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)
    # blur
    sigma = rng.uniform(0.3, 1.0) * scale / 2.1
    img = cv2.GaussianBlur(img, (0, 0), sigma)
    # paper tone, uneven light
    paper = rng.uniform(205, 248)
    gradient = (
        np.linspace(0, rng.uniform(-18, 18), w, dtype=np.float32)[None, :]
        + np.linspace(0, rng.uniform(-12, 12), h, dtype=np.float32)[:, None]
    )
    ink = rng.uniform(10, 60)
    img = ink + (img / 255.0) * (paper - ink) + gradient * (img / 255.0)
    # noise and speckle
    nprng = np.random.default_rng(rng.randrange(1 << 30))
    img += nprng.normal(0, rng.uniform(3, 10), img.shape).astype(np.float32)
    specks = nprng.random(img.shape) < rng.uniform(0.0002, 0.001)
    img[specks] = nprng.uniform(60, 160, int(specks.sum()))
    return np.clip(img, 0, 255).astype(np.uint8)


def _jpeg(grey, rng: random.Random) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(grey).save(buf, "JPEG", quality=rng.randint(35, 80))
    return buf.getvalue()


def _garbled(text: str, rng: random.Random) -> str:
    """A text line as a careless OCR layer gives it: digits dropped or changed, spaces between characters."""
    out = []
    for ch in text:
        if ch.isdigit():
            roll = rng.random()
            if roll < 0.25:
                continue
            if roll < 0.4:
                ch = rng.choice("0123456789")
        out.append(ch)
    return " ".join(out) if rng.random() < 0.5 else "".join(out)


def scan_pdf(
    source: Path, target: Path, rng: random.Random, ocr_layer: bool | None = None, dpi: int | None = None
) -> dict:
    """Print `source` (a PDF) to a degraded image-only PDF at `target`; with `ocr_layer`, an invisible, garbled OCR
    text layer over each page. Returns what was done (dpi, layer, and each page's turn in degrees)."""
    import pypdfium2 as pdfium
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    dpi = dpi or rng.choice([150, 150, 200, 200, 300])
    ocr_layer = rng.random() < 0.35 if ocr_layer is None else ocr_layer
    scale = dpi / 72
    turns: list = []
    pdf = pdfium.PdfDocument(str(source))
    try:
        width, height = pdf[0].get_size()
        out = canvas.Canvas(str(target), pagesize=(width, height), invariant=1)  # no date or random ID
        font = cjk_fonts()[0] if ocr_layer else None
        for i in range(len(pdf)):
            page = pdf[i]
            width, height = page.get_size()
            out.setPageSize((width, height))
            grey = page.render(scale=scale, grayscale=True).to_numpy()
            if grey.ndim == 3:
                grey = grey[:, :, 0]
            seal = i == len(pdf) - 1 and rng.random() < 0.6  # the seal on the sign-off of the last page
            out.drawImage(
                ImageReader(io.BytesIO(_jpeg(degrade(grey, rng, scale, seal, turns), rng))), 0, 0, width, height
            )
            if ocr_layer:
                textpage = page.get_textpage()
                try:
                    for k in range(textpage.count_rects()):
                        left, bottom, right, top = textpage.get_rect(k)
                        text = textpage.get_text_bounded(left, bottom, right, top).strip()
                        if not text:
                            continue
                        t = out.beginText()
                        t.setTextRenderMode(3)  # invisible, as OCR layers over scans are
                        t.setFont(font, max(4.0, min(14.0, top - bottom)))
                        t.setTextOrigin(left, bottom)
                        t.textLine(_garbled(text, rng))
                        out.drawText(t)
                finally:
                    textpage.close()
            page.close()
            out.showPage()
        out.save()
    finally:
        pdf.close()
    return {"dpi": dpi, "ocr_layer": ocr_layer, "turns": turns}


PHOTO_WIDTH = 1700  # pixels: a phone photo scaled for sending, as journalists receive them


def photograph(grey, rng: random.Random, width: int = PHOTO_WIDTH, seal: bool = False, corners_out: list | None = None):
    """A clean rendered page (grey pixels) photographed on a desk: a colour picture (BGR, `width` pixels wide, 3:4)
        with the sheet in perspective, turned up to 2°, on a darker desk, lit unevenly (brightest near one corner,
        falling off towards the opposite one), blurred and noisy; `seal` stamps a red seal over the sign-off. The sheet's
    corners in the photo (top-left, top-right, bottom-right, bottom-left) are appended to `corners_out` when given."""
    import cv2
    import numpy as np

    h, w = grey.shape
    height = int(round(width * 4 / 3))
    nprng = np.random.default_rng(rng.randrange(1 << 30))
    page = grey.astype(np.float32) / 255.0  # 1 paper, 0 ink
    paper = np.array([rng.uniform(225, 250), rng.uniform(225, 248), rng.uniform(215, 240)], np.float32)  # BGR
    ink = np.array([rng.uniform(20, 55)] * 3, np.float32) + np.array([rng.uniform(0, 15), 0, 0], np.float32)
    sheet = ink[None, None, :] + page[:, :, None] * (paper - ink)[None, None, :]
    if seal:
        cx, cy = int(w * rng.uniform(0.6, 0.8)), int(h * rng.uniform(0.72, 0.88))
        ring = np.zeros((h, w), np.uint8)
        r = int(rng.uniform(0.09, 0.12) * w)
        cv2.circle(ring, (cx, cy), r, 1, max(2, int(0.005 * w)))
        cv2.drawMarker(ring, (cx, cy), 1, cv2.MARKER_STAR, int(r * 0.6), max(1, int(0.003 * w)))
        red = np.array([rng.uniform(30, 70), rng.uniform(30, 70), rng.uniform(190, 230)], np.float32)
        sheet[ring > 0] = np.minimum(sheet[ring > 0], red)
    # where the sheet's corners land in the photo: the sheet fills 78-92% of the width, the camera a little tilted
    # (the far edge shorter), each corner off by a little more, the whole turned up to 2°
    fill = rng.uniform(0.78, 0.92) * width
    sh = fill * h / w
    if sh > 0.93 * height:
        fill, sh = fill * 0.93 * height / sh, 0.93 * height
    cx, cy = width / 2 + rng.uniform(-0.03, 0.03) * width, height / 2 + rng.uniform(-0.03, 0.03) * height
    keystone = rng.uniform(-0.06, 0.06) * fill  # the top edge shorter (or longer) than the bottom
    side = rng.uniform(-0.03, 0.03) * sh  # the left edge shorter (or longer) than the right
    corners = np.array(
        [
            [-fill / 2 + keystone / 2, -sh / 2 + side / 2],
            [fill / 2 - keystone / 2, -sh / 2 - side / 2],
            [fill / 2 + keystone / 2, sh / 2 + side / 2],
            [-fill / 2 - keystone / 2, sh / 2 - side / 2],
        ],
        np.float32,
    )
    corners += nprng.uniform(-0.012, 0.012, corners.shape).astype(np.float32) * width
    angle = np.radians(rng.uniform(-2.0, 2.0))
    turn = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]], np.float32)
    corners = corners @ turn.T + np.array([cx, cy], np.float32)
    if corners_out is not None:
        corners_out.append(corners.copy())
    source = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    matrix = cv2.getPerspectiveTransform(source, corners.astype(np.float32))
    warped = cv2.warpPerspective(sheet, matrix, (width, height), flags=cv2.INTER_AREA, borderValue=(0, 0, 0))
    inside = cv2.warpPerspective(np.ones((h, w), np.float32), matrix, (width, height), flags=cv2.INTER_LINEAR)
    # the desk: a darker, slightly textured surface, its own tone
    desk = np.array([rng.uniform(40, 120), rng.uniform(50, 130), rng.uniform(60, 150)], np.float32)
    texture = cv2.GaussianBlur(nprng.normal(0, 1, (height // 8, width // 8)).astype(np.float32), (0, 0), 3)
    texture = cv2.resize(texture, (width, height)) * rng.uniform(5, 15)
    img = warped * inside[:, :, None] + (desk[None, None, :] + texture[:, :, None]) * (1 - inside[:, :, None])
    # the light: brightest near one corner, falling off towards the opposite one
    bx, by = rng.choice([0, 1]), rng.choice([0, 1])
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    d = np.hypot((xx / width - bx), (yy / height - by)) / np.sqrt(2.0)
    img *= (1.0 - rng.uniform(0.2, 0.42) * d ** rng.uniform(1.2, 2.0))[:, :, None]
    # focus and a little camera shake
    img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.4, 1.0))
    if rng.random() < 0.3:
        k = rng.randint(1, 2)
        shake = np.zeros((2 * k + 1, 2 * k + 1), np.float32)
        cv2.line(shake, (0, k + rng.randint(-1, 1)), (2 * k, k), 1.0, 1)
        img = cv2.filter2D(img, -1, shake / shake.sum())
    img += nprng.normal(0, rng.uniform(2, 6), img.shape).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8)


def _colour_jpeg(bgr, rng: random.Random) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(bgr[:, :, ::-1]).save(buf, "JPEG", quality=rng.randint(60, 90))
    return buf.getvalue()


def photo_pdf(source: Path, target: Path, rng: random.Random, kind: str = "pdf") -> dict:
    """Print `source` (a PDF) and photograph each page (`photograph`): `kind` "pdf" binds the photos into an
    image-only PDF (page width A4's or the photo's at 72 dpi, drawn at random), "tiff" saves them as one multi-page
    TIFF (JPEG-compressed, 72 dpi as phones record). Returns what was done."""
    import pypdfium2 as pdfium
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    pdf = pdfium.PdfDocument(str(source))
    photos = []
    try:
        for i in range(len(pdf)):
            page = pdf[i]
            width_pt = page.get_width()
            # rendered finer than the photo will be, so that the camera, not the renderer, sets the detail
            grey = page.render(scale=PHOTO_WIDTH * 1.1 / width_pt, grayscale=True).to_numpy()
            if grey.ndim == 3:
                grey = grey[:, :, 0]
            seal = i == len(pdf) - 1 and rng.random() < 0.6
            photos.append(_colour_jpeg(photograph(grey, rng, seal=seal), rng))
            page.close()
    finally:
        pdf.close()
    if kind == "tiff":
        frames = [Image.open(io.BytesIO(p)) for p in photos]
        frames[0].save(target, "TIFF", save_all=True, append_images=frames[1:], compression="jpeg", dpi=(72, 72))
        return {"kind": kind, "pages": len(photos)}
    page_width = rng.choice([595.0, 72.0 * PHOTO_WIDTH / 72.0])
    out = canvas.Canvas(str(target), invariant=1)
    for p in photos:
        im = Image.open(io.BytesIO(p))
        size = (page_width, page_width * im.height / im.width)
        out.setPageSize(size)
        out.drawImage(ImageReader(io.BytesIO(p)), 0, 0, *size)
        out.showPage()
    out.save()
    return {"kind": kind, "pages": len(photos), "page_width": page_width}


def render_photo(rep, tables, path: Path, rng: random.Random) -> None:
    """A synthetic report printed with an embedded CJK font and photographed page by page (`photograph`)."""
    import tempfile

    from .synth import render_pdf

    fonts = cjk_fonts()
    with tempfile.TemporaryDirectory(prefix="synth-photo-") as tmp:
        clean = Path(tmp) / "clean.pdf"
        render_pdf(rep, tables, clean, ruled=True, font=rng.choice(fonts), table_size=rng.choice([7.5, 8.0, 9.0]))
        photo_pdf(clean, path, rng)


def render_scan(rep, tables, path: Path, rng: random.Random) -> None:
    """A synthetic report printed with an embedded CJK font and scanned (see the module's doc)."""
    import tempfile

    from .synth import render_pdf

    fonts = cjk_fonts()
    with tempfile.TemporaryDirectory(prefix="synth-scan-") as tmp:
        clean = Path(tmp) / "clean.pdf"
        render_pdf(rep, tables, clean, ruled=True, font=rng.choice(fonts), table_size=rng.choice([7.5, 8.0, 9.0]))
        scan_pdf(clean, path, rng)


def scan_corpus(
    inputs: list[str], labels_dir: str, out_dir: str, seed: int = 0, photo_dir: str | None = None
) -> list[str]:
    """Every labelled born-digital PDF among `inputs` printed and scanned again (a test set of real layouts read
    from pixels): `out_dir/docs/<name>-scanned.pdf` with its gold label as `out_dir/labels/…gold.json` (the same
    label, the new document name). Each gets its own draw of resolution and damage from `seed` and its name.
    With `photo_dir`, each is also photographed on a desk (`photo_pdf`): `photo_dir/docs/<name>-photo.pdf` (an
    image-only PDF) or `<name>-photo.tif` (a multi-page TIFF at a phone's 72 dpi), which of the two drawn from its
    name, from a draw of its own (the scans stay as they were). Scanned and photographed copies are scored apart
    from the real reports and from each other."""
    import json
    import shutil
    import zlib

    outs = [Path(out_dir)] + ([Path(photo_dir)] if photo_dir else [])
    for out in outs:
        if out.exists():
            shutil.rmtree(out)
        (out / "docs").mkdir(parents=True)
        (out / "labels").mkdir(parents=True)
    made = []
    for path in sorted(
        p for d in inputs if Path(d).exists() for p in (Path(d).rglob("*.pdf") if Path(d).is_dir() else [Path(d)])
    ):
        gold_path = Path(labels_dir) / f"{path.name}.gold.json"
        if not gold_path.exists():
            continue
        with open(path, "rb") as f:
            head = f.read(4096)
        if b"/Image" in head and b"/Font" not in head:
            continue  # already a scan
        key = seed * 7919 + zlib.crc32(path.name.encode())
        name = f"{path.stem}-scanned.pdf"
        scan_pdf(path, outs[0] / "docs" / name, random.Random(key), ocr_layer=False)
        copies = [(outs[0], name)]
        if photo_dir:
            rng = random.Random(f"photo:{key}")
            kind = rng.choice(["pdf", "tiff"])
            photo = f"{path.stem}-photo.{'tif' if kind == 'tiff' else 'pdf'}"
            photo_pdf(path, outs[1] / "docs" / photo, rng, kind)
            copies.append((outs[1], photo))
        for out, copy in copies:
            gold = json.loads(gold_path.read_text(encoding="utf-8"))
            gold["document"] = copy
            (out / "labels" / f"{copy}.gold.json").write_text(
                json.dumps(gold, ensure_ascii=False, indent=1), encoding="utf-8"
            )
            made.append(copy)
    return made
