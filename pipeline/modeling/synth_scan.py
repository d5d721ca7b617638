"""The `scan` layout family of the synthetic reports: a report printed, then scanned.

The report is typeset as a ruled PDF with a real CJK TrueType font embedded (Debian's fonts-arphic-uming or
fonts-wqy-microhei: a scanned page shows the glyphs, so a font must be there to draw them), each page is rendered
by PDFium at a scanner's resolution and damaged as scanners and photocopiers do — a slight rotation, blur, a grey
and uneven paper tone, speckle and noise, a seal stamped over the sign-off, JPEG compression — and the pages are
bound again into an image-only PDF. Some scans carry another program's OCR text layer laid invisibly over the
picture, with digits dropped and changed the way such layers get them wrong: the project must read the pixels,
not trust that layer.

`scan_pdf` does the same to any PDF (the renderings of real reports scanned by the `scan_corpus` stage).
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
        raise SynthError(f"the scan family needs a CJK TrueType font to print its pages: install Debian's "
                         f"{FONT_PACKAGES} (scripts/setup.sh does), or leave `scan` out of params.yaml synth.families")
    return names


def degrade(grey, rng: random.Random, scale: float, seal: bool = False):
    """A clean rendered page (grey pixels) as a scanner gives it back; `seal`: the body's seal stamped over the
    sign-off at the foot of the page, grey as red prints in a grey scan."""
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
        cv2.drawMarker(ring, (cx, cy), 1.0, cv2.MARKER_STAR if hasattr(cv2, "MARKER_STAR") else 0,
                       int(r * 0.6), max(1, int(1.5 * scale)))
        img = np.where(ring > 0, np.minimum(img, tone), img)
    # slight rotation
    angle = rng.uniform(-1.5, 1.5)
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    img = cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)
    # blur
    sigma = rng.uniform(0.3, 1.0) * scale / 2.1
    img = cv2.GaussianBlur(img, (0, 0), sigma)
    # paper tone, uneven light
    paper = rng.uniform(205, 248)
    gradient = np.linspace(0, rng.uniform(-18, 18), w, dtype=np.float32)[None, :] + \
        np.linspace(0, rng.uniform(-12, 12), h, dtype=np.float32)[:, None]
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


def scan_pdf(source: Path, target: Path, rng: random.Random, ocr_layer: bool | None = None,
             dpi: int | None = None) -> dict:
    """Print `source` (a PDF) to a degraded image-only PDF at `target`; with `ocr_layer`, an invisible, garbled OCR
    text layer over each page. Returns what was done (dpi, layer)."""
    import pypdfium2 as pdfium
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    dpi = dpi or rng.choice([150, 150, 200, 200, 300])
    ocr_layer = rng.random() < 0.35 if ocr_layer is None else ocr_layer
    scale = dpi / 72
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
            out.drawImage(ImageReader(io.BytesIO(_jpeg(degrade(grey, rng, scale, seal), rng))), 0, 0, width, height)
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
    return {"dpi": dpi, "ocr_layer": ocr_layer}


def render_scan(rep, tables, path: Path, rng: random.Random) -> None:
    """A synthetic report printed with an embedded CJK font and scanned (see the module's doc)."""
    import tempfile

    from .synth import render_pdf

    fonts = cjk_fonts()
    with tempfile.TemporaryDirectory(prefix="synth-scan-") as tmp:
        clean = Path(tmp) / "clean.pdf"
        render_pdf(rep, tables, clean, ruled=True, font=rng.choice(fonts), table_size=rng.choice([7.5, 8.0, 9.0]))
        scan_pdf(clean, path, rng)


def scan_corpus(inputs: list[str], labels_dir: str, out_dir: str, seed: int = 0) -> list[str]:
    """Every labelled born-digital PDF among `inputs` printed and scanned again (a test set of real layouts read
    from pixels): `out_dir/docs/<name>-scanned.pdf` with its gold label as `out_dir/labels/…gold.json` (the same
    label, the new document name). Each gets its own draw of resolution and damage from `seed` and its name.
    Scanned copies are scored apart from the real reports."""
    import json
    import shutil
    import zlib

    out = Path(out_dir)
    if out.exists():
        shutil.rmtree(out)
    (out / "docs").mkdir(parents=True)
    (out / "labels").mkdir(parents=True)
    made = []
    for path in sorted(p for d in inputs if Path(d).exists()
                       for p in (Path(d).rglob("*.pdf") if Path(d).is_dir() else [Path(d)])):
        gold_path = Path(labels_dir) / f"{path.name}.gold.json"
        if not gold_path.exists():
            continue
        with open(path, "rb") as f:
            head = f.read(4096)
        if b"/Image" in head and b"/Font" not in head:
            continue  # already a scan
        name = f"{path.stem}-scanned.pdf"
        scan_pdf(path, out / "docs" / name, random.Random(seed * 7919 + zlib.crc32(path.name.encode())),
                 ocr_layer=False)
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        gold["document"] = name
        (out / "labels" / f"{name}.gold.json").write_text(json.dumps(gold, ensure_ascii=False, indent=1),
                                                          encoding="utf-8")
        made.append(name)
    return made
