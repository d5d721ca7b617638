"""Builders of the office formats tests/test_formats.py reads: legacy Word and WPS files (LibreOffice converts a corpus
DOCX), spreadsheets (openpyxl) and OFD files (written here, GB/T 33190 XML) made from a gold-labelled report's
content. Nothing binary is checked in.

A Kingsoft WPS Writer .wps file is an OLE2 compound file in the Word 97 binary format; LibreOffice cannot write
Kingsoft's own flavour, so the .doc it writes, saved under a .wps name, is the honest stand-in.
"""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

from conftest import ROOT

RAW = ROOT / "data" / "raw"
LABELS = ROOT / "data" / "labels"


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def lo_convert(source: Path, target: str, out_dir: Path) -> Path:
    """`source` converted by LibreOffice (`soffice --convert-to target`) into out_dir, in a private profile."""
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = (out_dir.parent / f".lo-profile-{out_dir.name}").resolve().as_uri()
    subprocess.run(
        [
            soffice(),
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            target,
            "--outdir",
            str(out_dir),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    made = out_dir / f"{source.stem}.{target.split(':')[0]}"
    assert made.is_file(), f"LibreOffice did not write {made}"
    return made


def report_blocks(name: str = "pingtan-2023-lo.docx"):
    """The blocks of a corpus report as the pipeline reads them (text lines and tables with their spans)."""
    from pipeline.readers.formats import read_document

    return read_document(str(RAW / name)).blocks


def _grid_positions(rows):
    """(row, column, cell) of every origin cell of a table with spans."""
    occupied, out = set(), []
    for r, row in enumerate(rows):
        c = 0
        for cell in row:
            while (r, c) in occupied:
                c += 1
            out.append((r, c, cell))
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    occupied.add((r + dr, c + dc))
            c += cell.colspan
    return out


def make_xlsx(path: Path, blocks, captions: bool = True) -> Path:
    """The tables of `blocks` on one sheet (merged cells kept, digits stored as numbers), each under the line of
    text printed just before it when `captions`; an empty row between tables."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    r = 1
    for i, b in enumerate(blocks):
        if b.kind == "text" and captions and i + 1 < len(blocks) and blocks[i + 1].kind == "table":
            ws.cell(r, 1, b.text)
            r += 1
        if b.kind != "table":
            continue
        for dr, dc, cell in _grid_positions(b.rows):
            ws.cell(r + dr, 1 + dc, int(cell.text) if cell.text.isdigit() else cell.text)
            if cell.rowspan > 1 or cell.colspan > 1:
                ws.merge_cells(
                    start_row=r + dr,
                    start_column=1 + dc,
                    end_row=r + dr + cell.rowspan - 1,
                    end_column=dc + cell.colspan,
                )
        r += len(b.rows) + 1
    wb.save(path)
    return path


# --- OFD ------------------------------------------------------------------------------------------------------
_NS = "http://www.ofdspec.org/2016"
PAGE_W, PAGE_H, MARGIN = 210.0, 297.0, 15.0
FONT = 3.5  # mm: body text
CELL_FONT = 2.6
COL_W = 18.0


def _text_object(oid: int, x: float, y: float, text: str, size: float) -> str:
    from xml.sax.saxutils import escape

    deltas = " ".join(f"{size:g}" for _ in text[1:])
    w = size * len(text)
    return (
        f'<ofd:TextObject ID="{oid}" Boundary="{x:.2f} {y:.2f} {w:.2f} {size * 1.4:.2f}" Font="2" '
        f'Size="{size:g}"><ofd:TextCode X="0" Y="{size:g}"'
        + (f' DeltaX="{deltas}"' if deltas else "")
        + f">{escape(text)}</ofd:TextCode></ofd:TextObject>"
    )


def _line(oid: int, x0, y0, x1, y1) -> str:
    left, top = min(x0, x1), min(y0, y1)
    return (
        f'<ofd:PathObject ID="{oid}" Boundary="{left:.2f} {top:.2f} {abs(x1 - x0) + 0.2:.2f} '
        f'{abs(y1 - y0) + 0.2:.2f}" LineWidth="0.25"><ofd:AbbreviatedData>M {x0 - left:.2f} {y0 - top:.2f} '
        f"L {x1 - left:.2f} {y1 - top:.2f}</ofd:AbbreviatedData></ofd:PathObject>"
    )


def _wrap(text: str, width: float, size: float) -> list[str]:
    per = max(1, int(width / size))
    return [text[i : i + per] for i in range(0, len(text), per)] or [""]


def make_ofd(path: Path, blocks, ruled: bool = True) -> Path:
    """An OFD file holding `blocks` laid out on A4 pages: text lines at their places, tables as ruled grids of
    TextObjects (merged cells as one ruled box), wrapped to their cells; a page ends where the next line or table
    row would not fit (a table goes on over the page break)."""
    pages: list[list[str]] = [[]]
    oid = [10]
    y = [MARGIN]

    def nid():
        oid[0] += 1
        return oid[0]

    def need(h):
        if y[0] + h > PAGE_H - MARGIN:
            pages.append([])
            y[0] = MARGIN

    for b in blocks:
        if b.kind == "text":
            for part in _wrap(b.text, PAGE_W - 2 * MARGIN, FONT):
                need(FONT * 1.8)
                pages[-1].append(_text_object(nid(), MARGIN, y[0], part, FONT))
                y[0] += FONT * 1.8
            continue
        cells = _grid_positions(b.rows)
        heights = [0.0] * len(b.rows)
        for r, c, cell in cells:
            lines = len(_wrap(cell.text, COL_W * cell.colspan - 1.5, CELL_FONT))
            if cell.rowspan == 1:
                heights[r] = max(heights[r], lines * CELL_FONT * 1.3 + 2)
        y[0] += 2
        for r in range(len(b.rows)):
            need(heights[r])
            top = y[0]
            for rr, c, cell in cells:
                if rr != r:
                    continue
                x = MARGIN + c * COL_W
                w = COL_W * cell.colspan
                h = sum(heights[r : r + cell.rowspan])
                for k, part in enumerate(_wrap(cell.text, w - 1.5, CELL_FONT)):
                    pages[-1].append(_text_object(nid(), x + 0.8, top + 1 + k * CELL_FONT * 1.3, part, CELL_FONT))
                if ruled:
                    pages[-1] += [
                        _line(nid(), x, top, x + w, top),
                        _line(nid(), x, top + h, x + w, top + h),
                        _line(nid(), x, top, x, top + h),
                        _line(nid(), x + w, top, x + w, top + h),
                    ]
            y[0] += heights[r]
        y[0] += 3
    files = {
        "OFD.xml": f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="{_NS}" Version="1.1" DocType="OFD">'
        f"<ofd:DocBody><ofd:DocInfo><ofd:DocID>0c2b7ee4a1f94e4b9bd3a1c1e9f2d001</ofd:DocID>"
        f"<ofd:Title>report</ofd:Title></ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>"
        f"</ofd:DocBody></ofd:OFD>",
        "Doc_0/Document.xml": f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document xmlns:ofd="{_NS}">'
        f"<ofd:CommonData><ofd:MaxUnitID>{oid[0] + 1}</ofd:MaxUnitID><ofd:PageArea>"
        f"<ofd:PhysicalBox>0 0 {PAGE_W:g} {PAGE_H:g}</ofd:PhysicalBox></ofd:PageArea>"
        f"<ofd:PublicRes>PublicRes.xml</ofd:PublicRes></ofd:CommonData><ofd:Pages>"
        + "".join(f'<ofd:Page ID="{i + 1}" BaseLoc="Pages/Page_{i}/Content.xml"/>' for i in range(len(pages)))
        + "</ofd:Pages></ofd:Document>",
        "Doc_0/PublicRes.xml": f'<?xml version="1.0" encoding="UTF-8"?><ofd:Res xmlns:ofd="{_NS}" BaseLoc="Res">'
        f'<ofd:Fonts><ofd:Font ID="2" FontName="宋体" FamilyName="宋体"/></ofd:Fonts></ofd:Res>',
    }
    for i, objects in enumerate(pages):
        files[f"Doc_0/Pages/Page_{i}/Content.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="{_NS}"><ofd:Content>'
            f'<ofd:Layer ID="{3 + i}">' + "".join(objects) + "</ofd:Layer></ofd:Content></ofd:Page>"
        )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            z.writestr(name, text.encode("utf-8"))
    return path
