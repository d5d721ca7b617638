"""Born-digital reports whose tables are pictures, built by the tests: a generated report (synth.py) typeset as a
ruled PDF, each of its tables cut out of the rendered pages as a PNG (what a publisher pastes into Word), and a new
PDF laid out around those pictures with the report's real text: prose and page numbers as text, the headings either
as text or as Word's "bitmap text" (the heading drawn as a picture with the same words laid invisibly over it, as
Word exports a font it may not embed). Also a table of such a report as a screenshot without a resolution."""

from __future__ import annotations

import io
import random
from pathlib import Path

PAGE_W, PAGE_H, MARGIN = 595.0, 842.0, 60.0
DPI = 200


def table_pictures(pdf_path: Path, dpi: int = DPI) -> list[list[bytes]]:
    """Every ruled table of a PDF cut out of its rendered pages as PNGs, in reading order: one list per table, with
    more than one picture where a page break cuts the table (nothing printed between its two parts but the page
    number)."""
    import pdfplumber
    import pypdfium2 as pdfium

    found = []  # (page, top, bottom, png)
    words = []
    doc = pdfium.PdfDocument(str(pdf_path))
    try:
        with pdfplumber.open(str(pdf_path)) as p:
            for i, page in enumerate(p.pages):
                img = doc[i].render(scale=dpi / 72).to_pil()
                words.append([w for w in page.extract_words() if 50 < w["top"] < page.height - 50])  # no page furniture
                for t in sorted(page.find_tables(), key=lambda t: t.bbox[1]):
                    x0, top, x1, bottom = t.bbox
                    buf = io.BytesIO()
                    f = dpi / 72
                    img.crop((int(x0 * f) - 4, int(top * f) - 4, int(x1 * f) + 4, int(bottom * f) + 4)).save(buf, "PNG")
                    found.append((i, top, bottom, buf.getvalue()))
    finally:
        doc.close()
    groups: list[list] = []
    for k, (page, top, bottom, png) in enumerate(found):
        if k:
            ppage, _, pbottom, _ = found[k - 1]
            between = [w for w in words[ppage] if w["top"] > pbottom] + [w for w in words[page] if w["bottom"] < top]
            if page == ppage + 1 and not between:
                groups[-1].append(png)
                continue
        groups.append([png])
    return groups


def build(out: Path, seed: int, bitmap_headings: bool = True, bare_sections: tuple = ()) -> tuple[Path, dict]:
    """A report whose three tables are pictures, as a PDF with a text layer for everything else. Sections 3 and 4
    start new pages; `bare_sections` print no prose, so their page holds its heading, its table's picture and the
    page number only."""
    from PIL import Image, ImageDraw, ImageFont
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    from conftest import ROOT
    from pipeline.modeling import synth
    from pipeline.modeling.synth_scan import FONT_FILES, cjk_fonts

    rng = random.Random(seed)
    rep = synth.draw_report(rng, f"pictures-{seed}.pdf", "pdf_bordered", synth.corpus_sentences(ROOT / "data" / "raw"))
    tables = synth.printed_tables(rep, rng)
    for sid in bare_sections:
        rep.prose[sid], rep.before_table[sid] = [], 0
    font = cjk_fonts()[0]
    font_file = next(path for name, path, _ in FONT_FILES if name == font)
    clean = out / f"clean-{seed}.pdf"
    synth.render_pdf(rep, tables, clean, ruled=True, font=font, table_size=9.0)
    groups = iter(table_pictures(clean))
    path = out / rep.name
    c = canvas.Canvas(str(path), pagesize=(PAGE_W, PAGE_H), invariant=1)
    state = {"page": 1, "y": PAGE_H - MARGIN}

    def new_page():
        c.setFont(font, 10)
        c.drawCentredString(PAGE_W / 2, 30, f"- {state['page']} -")
        c.showPage()
        state["page"] += 1
        state["y"] = PAGE_H - MARGIN

    def room(h):
        if state["y"] - h < MARGIN:
            new_page()

    def text_line(s, size=10.5):
        room(size * 1.8)
        state["y"] -= size * 1.8
        c.setFont(font, size)
        c.drawString(MARGIN, state["y"], s)

    def heading(s, size=12.0):
        if not bitmap_headings:
            return text_line(s, size)
        room(size * 2)
        state["y"] -= size * 2
        pil_font = ImageFont.truetype(font_file, int(size * DPI / 72))
        w = int(pil_font.getlength(s)) + 8
        img = Image.new("L", (w, int(size * 1.6 * DPI / 72)), 255)
        ImageDraw.Draw(img).text((4, 2), s, font=pil_font, fill=0)
        buf = io.BytesIO()
        img.save(buf, "PNG")
        c.drawImage(ImageReader(buf), MARGIN, state["y"] - size * 0.35, w * 72 / DPI, img.height * 72 / DPI)
        t = c.beginText()
        t.setTextRenderMode(3)  # invisible: the words of the bitmap, for search and copy
        t.setFont(font, size)
        t.setTextOrigin(MARGIN + 4 * 72 / DPI, state["y"])
        t.textLine(s)
        t.setTextRenderMode(0)  # reportlab keeps the mode for the text drawn after it otherwise
        c.drawText(t)

    c.setFont(font, 14)
    text_line(f"{rep.body}{rep.year}年政府信息公开工作年度报告", 14)
    for kind, x in synth._sections_in_order(rep, tables):
        if kind == "h":
            if x in (rep.headings[3], rep.headings[4]) and state["y"] < PAGE_H - MARGIN:
                new_page()
            heading(x)
        elif kind == "p":
            for k in range(0, len(x), 38):
                text_line(x[k : k + 38])
        else:
            png = joined(next(groups))  # one picture of the whole table, as a publisher pastes it
            im = Image.open(io.BytesIO(png))
            w = min(PAGE_W - 2 * MARGIN, im.width * 72 / DPI)
            h = w * im.height / im.width
            if h > PAGE_H - 2 * MARGIN - 40:
                w, h = w * (PAGE_H - 2 * MARGIN - 40) / h, PAGE_H - 2 * MARGIN - 40
            room(h + 6)
            state["y"] -= h + 6
            c.drawImage(ImageReader(io.BytesIO(png)), MARGIN, state["y"], w, h)
    new_page()
    c.save()
    return path, synth.gold_of(rep, rep.name)


def joined(parts: list[bytes]) -> bytes:
    """The pictures of a table cut by page breaks, one under the other: one picture of the table."""
    from PIL import Image

    ims = [Image.open(io.BytesIO(p)).convert("RGB") for p in parts]
    if len(ims) == 1:
        return parts[0]
    out = Image.new("RGB", (max(i.width for i in ims), sum(i.height for i in ims)), "white")
    y = 0
    for i in ims:
        out.paste(i, (0, y))
        y += i.height
    buf = io.BytesIO()
    out.save(buf, "PNG")
    return buf.getvalue()


def screenshot(out: Path, seed: int, zoom: float = 2.0) -> tuple[bytes, dict]:
    """Table 3 of a generated report as a screenshot taken at `zoom` (a high-density screen: 2 device pixels per
    CSS pixel), saved as a PNG that records no resolution; and the report's gold label."""
    from PIL import Image

    from conftest import ROOT
    from pipeline.modeling import synth
    from pipeline.modeling.synth_scan import cjk_fonts

    rng = random.Random(seed)
    rep = synth.draw_report(
        rng, f"screenshot-{seed}.html", "pdf_bordered", synth.corpus_sentences(ROOT / "data" / "raw")
    )
    tables = synth.printed_tables(rep, rng)
    clean = out / f"clean-shot-{seed}.pdf"
    synth.render_pdf(rep, tables, clean, ruled=True, font=cjk_fonts()[0], table_size=9.0)
    dpi = int(96 * zoom)  # 96 CSS pixels an inch, `zoom` device pixels each
    groups = table_pictures(clean, dpi)
    order = [x for kind, x in synth._sections_in_order(rep, tables) if kind == "t"]
    shot = Image.open(io.BytesIO(joined(groups[order.index("requests")])))
    buf = io.BytesIO()
    shot.save(buf, "PNG")  # no pHYs chunk: the picture records no resolution
    return buf.getvalue(), synth.gold_of(rep, rep.name)
