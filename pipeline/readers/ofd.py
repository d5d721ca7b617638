"""OFD (GB/T 33190, China's fixed-layout e-document format): its pages redrawn as a PDF, then read by the PDF reader.

An OFD file is a zip: OFD.xml names each document's Document.xml, which lists its pages; a page's Content.xml holds
TextObjects (a Boundary on the page, a Size, TextCodes with an X/Y start and DeltaX advances, all in millimetres
from the top left, optionally under a CTM), PathObjects (AbbreviatedData: M/L/C/B/Q/A commands, the rulings of a
table) and ImageObjects (a scanned page, a seal, a table pasted as a picture). Each page is drawn again with
reportlab at the same places: every character of every TextCode at its own position (fonts are not embedded: the
CJK font STSong-Light, whose characters the PDF reader reads with pdfplumber), every path's straight segments as
lines, every image at its boundary. The PDF reader then does what it does for any PDF: ruled tables from the
lines (merged cells kept), tables printed without rulings from word positions, a page of pictures read by OCR.

Why not a library: easyofd (PyPI), measured on the OFD tests/office_files.py makes from pingtan-2023-lo.docx:
its own PDF of that file reads no text at all (it draws with the Windows font files it expects on the disk,
simsun.ttc; without them it falls back to a Latin font that has no CJK glyphs, and logs a failure per font at
import), it pulls in PyMuPDF (AGPL), and its parse gives text objects without table structure, which would have to
be rebuilt from positions anyway. Redrawn here and read by the PDF reader, the test OFDs of pingtan-2021-lo and
pingtan-2023-lo read 200 of 200 gold cells each, zero wrong, and all six headings (tests/test_formats.py).

The archive is bounded like a Word file (zip bombs refused); part names are resolved inside the archive only (a
name reaching outside it with `..` is ignored); an encrypted OFD (Encryptions) is refused; a page's template
(headers, a seal's frame) is not drawn.
"""

from __future__ import annotations

import io
import math
import posixpath
import re
import zipfile

from ..document import Document, ReadError
from .zipped import open_bounded_zip

MAX_PAGES = 2000
MAX_OBJECTS = 500_000
MM = 72 / 25.4  # points per millimetre
_NUM = re.compile(r"-?\d+(?:\.\d+)?(?:[eE]-?\d+)?")


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


class _Package:
    def __init__(self, data: bytes):
        self.zip = open_bounded_zip(data, "OFD")
        infos = self.zip.infolist()
        self.names = {i.filename.lstrip("/"): i.filename for i in infos}

    @staticmethod
    def resolve(base_dir: str, name: str) -> str | None:
        name = (name or "").strip().replace("\\", "/")
        if not name:
            return None
        joined = posixpath.normpath(name.lstrip("/") if name.startswith("/") else posixpath.join(base_dir, name))
        return None if joined.startswith("..") else joined

    def bytes(self, name: str | None) -> bytes | None:
        if name is None:
            return None
        real = self.names.get(name) or next((v for k, v in self.names.items() if k.lower() == name.lower()), None)
        if real is None:
            return None
        try:
            return self.zip.read(real)
        except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError) as e:
            raise ReadError(f"corrupt OFD: its part {name} cannot be read ({e})")

    def xml(self, name: str | None):
        from lxml import etree

        data = self.bytes(name)
        if data is None:
            return None
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)
        try:
            return etree.fromstring(data, parser)
        except etree.XMLSyntaxError as e:
            raise ReadError(f"corrupt OFD: its part {name} is not well-formed XML ({str(e)[:120]})")


def _numbers(text: str | None) -> list[float]:
    return [float(x) for x in _NUM.findall(text or "")]


def _deltas(text: str | None, count: int) -> list[float]:
    """DeltaX/DeltaY: numbers, where `g N D` stands for N times D. A line of `count + 1` characters has `count`
    advances, so a repeat is cut to what is still missing before it is built: `g 1000000000 1` in a 1 kB file must
    not become a billion-long list."""
    out: list[float] = []
    tokens = (text or "").split()
    i = 0
    while i < len(tokens) and len(out) < count:
        if tokens[i] == "g" and i + 2 < len(tokens):
            try:
                times = min(int(float(tokens[i + 1])), count - len(out))
                out += [float(tokens[i + 2])] * max(times, 0)
            except (ValueError, OverflowError):  # not a number, NaN, or an infinite count
                pass
            i += 3
        else:
            try:
                out.append(float(tokens[i]))
            except ValueError:
                pass
            i += 1
    return out[:count]


def _child(el, name):
    return next((c for c in el if _local(c.tag) == name), None)


def _box(text: str | None) -> tuple[float, float, float, float] | None:
    n = _numbers(text)
    return tuple(n[:4]) if len(n) >= 4 else None


def _matrix(el):
    n = _numbers(el.get("CTM"))
    return tuple(n[:6]) if len(n) >= 6 else None


def _apply(ctm, x, y):
    if ctm is None:
        return x, y
    a, b, c, d, e, f = ctm
    return a * x + c * y + e, b * x + d * y + f


def _segments(data: str) -> list[tuple[float, float, float, float]]:
    """The straight segments of an AbbreviatedData path (curves are left out: no ruling is a curve)."""
    tokens = (data or "").split()
    segments, i = [], 0
    cur = start = None
    while i < len(tokens):
        op = tokens[i]
        args = {"M": 2, "L": 2, "Q": 4, "B": 6, "A": 7, "C": 0, "S": 2}.get(op)
        if args is None:
            i += 1
            continue
        try:
            vals = [float(t) for t in tokens[i + 1 : i + 1 + args]]
        except ValueError:
            vals = []
        if len(vals) < args:
            break
        if op in ("M", "S"):
            cur = start = (vals[0], vals[1])
        elif op == "L" and cur is not None:
            segments.append((cur[0], cur[1], vals[0], vals[1]))
            cur = (vals[0], vals[1])
        elif op == "C" and cur is not None and start is not None:
            if cur != start:
                segments.append((cur[0], cur[1], start[0], start[1]))
            cur = start
        elif op in ("Q", "B", "A"):
            cur = (vals[-2], vals[-1])
        i += 1 + args
    return segments


def _media(pkg: _Package, res_names: list[str]) -> dict[str, str]:
    """ID → part name of every image resource (MultiMedia) the documents' resource files list."""
    out = {}
    for name in res_names:
        res = pkg.xml(name)
        if res is None:
            continue
        base = pkg.resolve(posixpath.dirname(name), res.get("BaseLoc") or "") or posixpath.dirname(name)
        for mm in res.iter():
            if _local(mm.tag) == "MultiMedia" and mm.get("ID"):
                f = _child(mm, "MediaFile")
                if f is not None and f.text:
                    out[mm.get("ID")] = pkg.resolve(base, f.text.strip())
    return out


def ofd_to_pdf(data: bytes) -> tuple[bytes, int, list[str]]:
    """The OFD's pages redrawn as a PDF: (PDF bytes, pages, warnings)."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pkg = _Package(data)
    root = pkg.xml("OFD.xml")
    if root is None:
        raise ReadError("not an OFD file: the archive has no OFD.xml")
    if "Encryptions" in {_local(e.tag) for e in root.iter()} or any(
        n.lower().endswith("encryptions.xml") for n in pkg.names
    ):
        raise ReadError("encrypted OFD: it cannot be read without its key; save an unencrypted copy")
    doc_roots = [e.text.strip() for e in root.iter() if _local(e.tag) == "DocRoot" and e.text]
    if not doc_roots:
        raise ReadError("corrupt OFD: OFD.xml names no document (DocRoot)")
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pageCompression=1)
    warnings: list[str] = []
    pages = objects = 0
    images_missing = 0
    for doc_root in doc_roots:
        doc_name = pkg.resolve("", doc_root)
        document = pkg.xml(doc_name)
        if document is None:
            warnings.append(f"OFD document {doc_root} is missing from the file")
            continue
        doc_dir = posixpath.dirname(doc_name)
        common = _child(document, "CommonData")
        default_box = (0.0, 0.0, 210.0, 297.0)
        res_names = []
        if common is not None:
            area = _child(common, "PageArea")
            box = (
                _box(_child(area, "PhysicalBox").text)
                if area is not None and _child(area, "PhysicalBox") is not None
                else None
            )
            default_box = box or default_box
            res_names = [
                pkg.resolve(doc_dir, e.text) for e in common if _local(e.tag) in ("PublicRes", "DocumentRes") and e.text
            ]
        media = _media(pkg, [n for n in res_names if n])
        page_list = _child(document, "Pages")
        for page_el in page_list if page_list is not None else []:
            if _local(page_el.tag) != "Page":
                continue
            pages += 1
            if pages > MAX_PAGES:
                raise ReadError(f"document too large: more than {MAX_PAGES} pages")
            page_name = pkg.resolve(doc_dir, page_el.get("BaseLoc") or "")
            page = pkg.xml(page_name)
            if page is None:
                warnings.append(f"OFD page {pages} ({page_el.get('BaseLoc')}) is missing from the file; left blank")
                pdf.setPageSize((default_box[2] * MM, default_box[3] * MM))
                pdf.showPage()
                continue
            area = _child(page, "Area")
            box = (
                _box(_child(area, "PhysicalBox").text)
                if area is not None and _child(area, "PhysicalBox") is not None
                else default_box
            )
            ox, oy, width, height = box
            pdf.setPageSize((width * MM, height * MM))

            def at(x, y):
                return (x - ox) * MM, (height - (y - oy)) * MM

            for el in page.iter():
                name = _local(el.tag)
                if name not in ("TextObject", "PathObject", "ImageObject"):
                    continue
                objects += 1
                if objects > MAX_OBJECTS:
                    raise ReadError(f"document too large: more than {MAX_OBJECTS} page objects")
                bound = _box(el.get("Boundary"))
                if bound is None:
                    continue
                bx, by = bound[0], bound[1]
                ctm = _matrix(el)
                scale = math.sqrt(abs(ctm[0] * ctm[3] - ctm[1] * ctm[2])) if ctm else 1.0
                if name == "TextObject":
                    size = (_numbers(el.get("Size")) or [3.5])[0] * scale
                    for code in el:
                        if _local(code.tag) != "TextCode" or not code.text:
                            continue
                        text = code.text
                        dx = _deltas(code.get("DeltaX"), len(text) - 1)
                        dy = _deltas(code.get("DeltaY"), len(text) - 1)
                        x, y = (_numbers(code.get("X")) or [0.0])[0], (_numbers(code.get("Y")) or [0.0])[0]
                        pdf.setFont("STSong-Light", max(size * MM, 1))
                        for k, ch in enumerate(text):
                            if not ch.isspace():
                                px, py = _apply(ctm, x, y)
                                pdf.drawString(*at(bx + px, by + py), ch)
                            x += dx[k] if k < len(dx) else (size / scale if ctm else size)
                            y += dy[k] if k < len(dy) else 0.0
                elif name == "PathObject":
                    if el.get("Stroke") == "false" and el.get("Fill") != "true":
                        continue
                    data_el = _child(el, "AbbreviatedData")
                    width_mm = (_numbers(el.get("LineWidth")) or [0.353])[0]
                    pdf.setLineWidth(max(width_mm * MM, 0.1))
                    for x0, y0, x1, y1 in _segments(data_el.text if data_el is not None else ""):
                        p0, p1 = _apply(ctm, x0, y0), _apply(ctm, x1, y1)
                        pdf.line(*at(bx + p0[0], by + p0[1]), *at(bx + p1[0], by + p1[1]))
                else:
                    image = pkg.bytes(media.get(el.get("ResourceID") or ""))
                    if image is None:
                        images_missing += 1
                        continue
                    x0, y1 = at(bx, by + bound[3])
                    try:
                        pdf.drawImage(ImageReader(io.BytesIO(image)), x0, y1, bound[2] * MM, bound[3] * MM)
                    except Exception:  # an image format reportlab cannot decode
                        images_missing += 1
            pdf.showPage()
    if pages == 0:
        raise ReadError("empty document: the OFD file has no pages")
    if images_missing:
        warnings.append(f"{images_missing} images of the OFD file could not be drawn (missing or unreadable)")
    pdf.save()
    return buf.getvalue(), pages, warnings


def read_ofd(path: str, data: bytes, options=None) -> Document:
    from .pdf import read_pdf

    pdf, pages, warnings = ofd_to_pdf(data)
    doc = read_pdf(path, pdf, options)
    doc.format = "ofd"
    doc.warnings = warnings + doc.warnings
    return doc
