"""Odd but legal text: each input is read as it is shown, or named with a clear error, never dropped or read as
missing. Invisible characters inside numbers and headings, full-width or Chinese-numeral years in the title,
counts printed in Chinese numerals, a UTF-8 byte-order mark in front of GB18030 bytes, and Word content kept in an
altChunk (HTML, MHT, text or another Word document pasted in)."""

from __future__ import annotations

import base64
import codecs
import itertools
import re
import zipfile

import pytest

from fixtures import REVIEW, make_report_docx, report_html, request_values
from pipeline.batch.stages import extract_one
from pipeline.document import ReadError
from pipeline.extraction.cells import chinese_numeral, looks_numeric, parse_value
from pipeline.extraction.report import build_report
from pipeline.readers.formats import read_document
from pipeline.readers.encoding import decode_bytes

HEADINGS = [
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
]
COLUMNS = ("natural_person", "commercial", "research", "social_org", "legal_service", "other_org", "total")
STATUSES = ("upheld", "corrected", "other", "pending", "total")
# every character that prints nothing and must not change what a cell or heading reads as
INVISIBLES = [
    "\u200b",
    "\u200c",
    "\u200d",
    "\ufeff",
    "\u2060",
    "\u200e",
    "\u200f",
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
]


def _report(doc, models) -> dict:
    return build_report(doc, models.row_labeler, models.section_model, models.column_labeler)


def assert_html_fixture_tables(report: dict) -> None:
    """The numbers of fixtures.report_html, exactly."""
    t = report["tables"]
    assert t["active_disclosure"]["rows"]["normative_docs"] == {"issued": 8, "repealed": 26, "in_force": 66}
    assert t["active_disclosure"]["rows"]["licensing"] == {"decisions": 4472}
    for row, values in request_values().items():
        assert [t["requests"]["rows"][row][c] for c in COLUMNS] == values, row
    rl = t["review_litigation"]["rows"]
    assert [rl["review"][c] for c in STATUSES] == REVIEW[:5]
    assert [rl["litigation_direct"][c] for c in STATUSES] == REVIEW[5:10]
    assert [rl["litigation_after_review"][c] for c in STATUSES] == REVIEW[10:]


# ------------------------------------------------------------------ 1. invisible characters


def _with_invisibles(html: str) -> str:
    """Every number of every table cell with an invisible character inside it or around it, all of them used."""
    marks = itertools.cycle(INVISIBLES)

    def mark(m):
        digits = m.group(2)
        c = next(marks)
        inside = digits[:1] + c + digits[1:] if len(digits) > 1 else c + digits
        return f"{m.group(1)}{inside}{next(marks)}</td>"

    html = html.replace("4472", "44&#8203;72&zwj;")  # as character references too
    html = re.sub(r"(<td[^>]*>)(\d+)</td>", mark, html)
    html = html.replace("<p>一、总体情况</p>", "<p>一、总\u200b体情况</p>")
    html = html.replace("<p>二、主动公开政府信息情况</p>", "<p>\ufeff二\u2060、主动公开\u200d政府信息情况\u200e</p>")
    return html.replace("<p>六、其他需要报告的事项</p>", "<p>六、其他需要报告的&#8203;事项</p>")


def test_invisible_characters_inside_numbers_and_headings_of_a_web_page(tmp_path, models):
    path = tmp_path / "invisible.html"
    html = _with_invisibles(report_html())
    assert sum(html.count(c) for c in INVISIBLES) > 100
    path.write_text(html, encoding="utf-8")
    report = extract_one(path, models)
    assert [s["heading"] for s in report["sections"]] == HEADINGS  # found, and printed without the marks
    assert_html_fixture_tables(report)
    raws = [c["raw"] for t in report["tables"].values() for cols in t["cells"].values() for c in cols.values()]
    assert not any(ch in raw for raw in raws for ch in INVISIBLES)


def test_invisible_characters_in_a_word_file(tmp_path, models):
    import docx

    path = make_report_docx(tmp_path / "plain.docx")
    d = docx.Document(str(path))
    heading = next(p for p in d.paragraphs if p.text == "一、总体情况")
    heading.runs[0].text = "一、总\u200b体情况"
    t2 = d.tables[0]
    t2.cell(1, 1).text, t2.cell(1, 2).text, t2.cell(1, 3).text = "\u20660\u2069", "0\u200f", "\ufeff0"
    t2.cell(2, 1).text, t2.cell(2, 2).text, t2.cell(2, 3).text = "2\u200b1", "1\u2060\u200c8", "2\u202a0\u202c"
    t4 = d.tables[2]
    for c, v in enumerate(REVIEW):
        t4.cell(1, c).text = INVISIBLES[c] + str(v) + INVISIBLES[-1 - c]
    d.save(str(tmp_path / "invisible.docx"))
    report = extract_one(tmp_path / "invisible.docx", models)
    assert [s["heading"] for s in report["sections"]] == HEADINGS
    t = report["tables"]
    assert t["active_disclosure"]["rows"]["normative_docs"] == {"issued": 21, "repealed": 18, "in_force": 20}
    assert t["active_disclosure"]["rows"]["rules"] == {"issued": 0, "repealed": 0, "in_force": 0}
    rl = t["review_litigation"]["rows"]
    assert [rl["review"][c] for c in STATUSES] == REVIEW[:5]
    assert [rl["litigation_direct"][c] for c in STATUSES] == REVIEW[5:10]


def test_invisible_characters_in_plain_text(tmp_path, models):
    """In a text file, including a crawler's one-line rendering where a mark splits a heading's numbering: the text
    reader finds headings in the characters themselves."""
    text = (
        "示例县2020年政府信息公开工作年度报告\n一、总\u200b体情况\n本县推进公开。\n二、主动公开政府信息情况\n"
        "第二十条第（八）项 | | |\n信息内容 | 上一年项目数量 | 本年增/减 |\n行政事业性收费 | 1\u200b98 | \u2060 |\n"
        "三、收到和处理政府信息公开申请情况\n四、政府信息公开行政复议、行政诉讼情况\n五、存在的主要问题及改进情况\n"
        "六、其他需要报告的事项\n无。\n"
    )
    path = tmp_path / "invisible.txt"
    path.write_text(text, encoding="utf-8")
    report = _report(read_document(str(path)), models)
    assert report["sections"][0]["heading"] == "一、总体情况"
    assert report["tables"]["active_disclosure"]["rows"]["fees"] == {"prev_items": 198, "change": 0}

    line = (
        "报告如下。 一\u200b、总体情况 2023年，本区推进公开。二\u2060、主动公开政府信息情况第二十条第（一）项信息内容"
        "规章000三、收到和处理政府信息公开申请情况（本列数据）申请人情况一、本年新收政府信息公开申请数量801000081"
    ) * 2
    path = tmp_path / "one-line.txt"
    path.write_text(line, encoding="utf-8")
    texts = [b.text for b in read_document(str(path)).blocks]
    assert "一、总体情况" in texts and "二、主动公开政府信息情况" in texts


def test_a_paragraph_of_invisible_characters_only_is_no_block(tmp_path):
    path = tmp_path / "blank-lines.html"
    path.write_text(
        "<html><body><p>一、总体情况</p><p>\u200b\u200d</p><p>&#8203;</p><p>正文。</p></body></html>", encoding="utf-8"
    )
    assert [b.text for b in read_document(str(path)).blocks] == ["一、总体情况", "正文。"]


def test_a_heading_glued_to_its_prose_behind_an_invisible_mark_is_cut_off(tmp_path):
    prose = "本年度共收到政府信息公开申请20件，均已按期答复，未发生因答复不当引起的行政复议和诉讼。"
    path = tmp_path / "glued.html"
    path.write_text(
        f"<html><body><p>&#65279;三、收到和处理政府信息公开申请情况。{prose}</p></body></html>", encoding="utf-8"
    )
    assert [b.text for b in read_document(str(path)).blocks] == ["三、收到和处理政府信息公开申请情况", prose]


# ------------------------------------------------------------------ 2. the title's year in other digits


@pytest.mark.parametrize(
    "title, year",
    [
        ("示例市２０２４年政府信息公开工作年度报告", 2024),
        ("示例市二〇二三年政府信息公开工作年度报告", 2023),
        ("示例市二零二一年度政府信息公开工作年度报告", 2021),
    ],
)
def test_title_year_in_full_width_digits_or_chinese_numerals(tmp_path, models, title, year):
    path = tmp_path / "title.txt"
    path.write_text(f"{title}\n一、总体情况\n本市推进公开。\n五、存在的主要问题及改进情况\n无。\n", encoding="utf-8")
    report = _report(read_document(str(path)), models)
    assert report["meta"]["year"] == year
    assert report["meta"]["body"] == "示例市"
    assert report["sections"][0]["heading"] == "一、总体情况"


# ------------------------------------------------------------------ 3. counts in Chinese numerals


def test_chinese_numerals_of_one_reading_are_counts():
    for text, value in [
        ("〇", 0),
        ("零", 0),
        ("三", 3),
        ("九", 9),
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("三十五", 35),
        ("一百", 100),
        ("一百零五", 105),
        ("一百一十", 110),
        ("九百九十九", 999),
        ("三件", 3),
        (" 十二 ", 12),
    ]:
        assert parse_value(text) == value, text
        assert looks_numeric(text), text
    # a lone 一 is a dash-like blank mark, as before (a printed 一 and a dash cannot be told apart): 0, and no value
    # when the table stage tells labels from values
    assert parse_value("一") == 0 and not looks_numeric("一")
    # more than one reading, no standard form, or more than a numeral: unreadable, never guessed
    for text in (
        "一二",
        "二〇",
        "二百五",
        "一百十",
        "零五",
        "百",
        "十十",
        "一千",
        "两",
        "约三",
        "三十余",
        "第三",
        "一十二",
        "三、",
    ):
        assert parse_value(text) is None, text
        assert chinese_numeral(text) is None, text
    assert parse_value("三", "money") is None  # amounts are never read from numerals


def test_counts_printed_in_chinese_numerals_are_read_and_an_unclear_one_stays_null(tmp_path, models):
    html = report_html()
    html = html.replace("<td>8</td><td>26</td><td>66</td>", "<td>八</td><td>二十六</td><td>六十六</td>")
    html = html.replace('<td colspan="3">398</td>', '<td colspan="3">三百九十八</td>')
    review = "".join(f"<td>{v}</td>" for v in REVIEW)
    numerals = "〇一二三四五六七八九"
    # a lone 一 would read as a dash (0): the review table's 1s are printed 1, its other numbers as numerals
    html = html.replace(review, "".join(f"<td>{numerals[v] if v != 1 else v}</td>" for v in REVIEW))
    # table 3: the granted row (5 1 0 0 0 0 6) as 五 1 〇 零 0 〇 六
    html = html.replace(
        "<td>5</td><td>1</td><td>&nbsp;</td><td>&nbsp;</td><td>&nbsp;</td><td>&nbsp;</td><td>6</td>",
        "<td>五</td><td>1</td><td>〇</td><td>零</td><td>0</td><td>〇</td><td>六</td>",
    )
    assert "<td>五</td>" in html and "<td>六十六</td>" in html
    path = tmp_path / "numerals.html"
    path.write_text(html, encoding="utf-8")
    report = extract_one(path, models)
    assert_html_fixture_tables(report)
    assert report["tables"]["active_disclosure"]["rows"]["penalty"] == {"decisions": 398}
    assert report["tables"]["requests"]["cells"]["granted"]["natural_person"]["raw"] == "五"

    # 二百五 (250, or 205?) has no single reading: never guessed. The table stage takes a cell of text it cannot
    # read as a number for part of the row's label, so the row has a cell too few and is null, and says so.
    unclear = html.replace("<td>五</td><td>1</td><td>〇</td>", "<td>二百五</td><td>1</td><td>〇</td>")
    path.write_text(unclear, encoding="utf-8")
    t3 = extract_one(path, models)["tables"]["requests"]
    assert set(t3["rows"]["granted"].values()) == {None}
    assert any("row granted" in n and "unreadable" in n for n in t3["notes"])
    assert t3["rows"]["partially_granted"]["total"] == 2


# ------------------------------------------------------------------ 4. a UTF-8 mark before GB18030 bytes


def test_a_utf8_byte_order_mark_before_gb18030_text_is_read_as_gb18030(tmp_path, models):
    text = (
        "示例市2024年政府信息公开工作年度报告\n一、总体情况\n本市推进公开。\n二、主动公开政府信息情况\n"
        "第二十条第（八）项 | | |\n信息内容 | 上一年项目数量 | 本年增/减 |\n行政事业性收费 | 198 | |\n"
        "五、存在的主要问题及改进情况\n无。\n"
    )
    notes: list[str] = []
    assert decode_bytes(codecs.BOM_UTF8 + text.encode("gb18030"), "x.txt", notes=notes) == text
    assert any("byte-order mark" in n for n in notes)
    assert decode_bytes(codecs.BOM_UTF8 + text.encode("utf-8"), "x.txt") == text  # a true UTF-8 mark as before
    path = tmp_path / "bom-gb18030.txt"
    path.write_bytes(codecs.BOM_UTF8 + text.encode("gb18030"))
    doc = read_document(str(path))
    assert not any("\ufffd" in b.text for b in doc.text_blocks())
    report = _report(doc, models)
    assert report["meta"]["year"] == 2024 and report["sections"][0]["heading"] == "一、总体情况"
    assert report["tables"]["active_disclosure"]["rows"]["fees"] == {"prev_items": 198, "change": 0}

    page = tmp_path / "bom-gbk.html"
    page.write_bytes(codecs.BOM_UTF8 + report_html(charset_meta=False).encode("gb18030"))
    report = extract_one(page, models)
    assert [s["heading"] for s in report["sections"]] == HEADINGS
    assert_html_fixture_tables(report)


# ------------------------------------------------------------------ 5. Word content in an altChunk

_MAIN_XML = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


def _docx_with_chunk(path, blob: bytes, content_type: str, name: str, in_cell: bool = False, external: str = ""):
    """A Word file as Word writes one with content pasted as HTML: a title paragraph, a w:altChunk pointing to a
    part of the file (added with its relationship and content type), and a paragraph after it."""
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from docx.oxml.ns import qn
    from lxml import etree

    d = docx.Document()
    d.add_paragraph("示例区2024年政府信息公开工作年度报告")
    if external:
        rid = d.part.relate_to(external, RT.A_F_CHUNK, is_external=True)
    else:
        rid = d.part.relate_to(Part(PackURI(name), content_type, blob, d.part.package), RT.A_F_CHUNK)
    chunk = etree.Element(qn("w:altChunk"))
    chunk.set(qn("r:id"), rid)
    if in_cell:
        table = d.add_table(rows=1, cols=2)
        table.cell(0, 0).text = "规章"
        table.cell(0, 1)._tc.append(chunk)
    else:
        placeholder = d.add_paragraph()._p
        placeholder.addprevious(chunk)  # at the body's level, between the paragraphs
        placeholder.getparent().remove(placeholder)
    d.add_paragraph("附件：无")
    d.save(str(path))
    with zipfile.ZipFile(path) as z:
        assert b"<w:altChunk" in z.read("word/document.xml")
    return path


def test_an_html_altchunk_is_read_in_its_place(tmp_path, models):
    path = _docx_with_chunk(tmp_path / "chunk.docx", report_html().encode("utf-8"), "text/html", "/word/afchunk.html")
    doc = read_document(str(path))
    texts = [b.text for b in doc.text_blocks()]
    assert texts[0] == "示例区2024年政府信息公开工作年度报告" and texts[-1] == "附件：无"
    assert "一、总体情况" in texts
    report = extract_one(path, models)
    assert [s["heading"] for s in report["sections"]] == HEADINGS
    assert_html_fixture_tables(report)
    assert report["meta"]["year"] == 2024


def test_an_mht_or_gbk_html_altchunk_is_read(tmp_path, models):
    html = report_html(charset_meta=False)
    gbk = _docx_with_chunk(tmp_path / "gbk.docx", html.encode("gb18030"), "text/html", "/word/afchunk.htm")
    assert_html_fixture_tables(extract_one(gbk, models))
    mht = (
        'MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="----=_NextPart"\r\n\r\n'
        '------=_NextPart\r\nContent-Type: text/html; charset="gb2312"\r\nContent-Transfer-Encoding: base64\r\n'
        "Content-Location: file:///C:/chunk.htm\r\n\r\n"
    ).encode("ascii")
    mht += base64.encodebytes(html.encode("gb18030")) + b"\r\n------=_NextPart--\r\n"
    path = _docx_with_chunk(tmp_path / "mht.docx", mht, "message/rfc822", "/word/afchunk.mht")
    report = extract_one(path, models)
    assert [s["heading"] for s in report["sections"]] == HEADINGS
    assert_html_fixture_tables(report)


def test_a_word_document_or_text_in_an_altchunk_is_read(tmp_path, models):
    inner = make_report_docx(tmp_path / "inner.docx").read_bytes()
    path = _docx_with_chunk(tmp_path / "docx-chunk.docx", inner, _MAIN_XML, "/word/afchunk.docx")
    report = extract_one(path, models)
    t = report["tables"]
    assert t["active_disclosure"]["rows"]["normative_docs"] == {"issued": 21, "repealed": 18, "in_force": 20}
    for row, values in request_values().items():
        assert [t["requests"]["rows"][row][c] for c in COLUMNS] == values, row

    text = "一、总体情况\n本区推进公开。\n二、主动公开政府信息情况\n规章 | 3 | 0 | 11 |\n"
    path = _docx_with_chunk(tmp_path / "text-chunk.docx", text.encode("utf-8"), "text/plain", "/word/chunk.txt")
    doc = read_document(str(path))
    assert "一、总体情况" in [b.text for b in doc.text_blocks()]
    assert [[c.text for c in r] for b in doc.blocks if b.kind == "table" for r in b.rows] == [["规章", "3", "0", "11"]]


def test_an_altchunk_inside_a_table_cell_gives_the_cell_its_text(tmp_path):
    path = _docx_with_chunk(
        tmp_path / "cell.docx",
        "<html><body><p>1\u200b2</p></body></html>".encode(),
        "text/html",
        "/word/afchunk.html",
        in_cell=True,
    )
    tables = [b for b in read_document(str(path)).blocks if b.kind == "table"]
    assert [[c.text for c in r] for r in tables[0].rows] == [["规章", "12"]]


def test_an_altchunk_that_cannot_be_read_is_named(tmp_path):
    rtf = _docx_with_chunk(tmp_path / "rtf.docx", rb"{\rtf1\ansi report}", "application/rtf", "/word/afchunk.rtf")
    doc = read_document(str(rtf))
    assert [b.text for b in doc.text_blocks()] == ["示例区2024年政府信息公开工作年度报告", "附件：无"]
    assert any("altChunk" in w and "application/rtf" in w for w in doc.warnings)
    linked = _docx_with_chunk(tmp_path / "linked.docx", b"", "", "", external="http://example.invalid/chunk.html")
    doc = read_document(str(linked))
    assert any("altChunk" in w and "not fetched" in w for w in doc.warnings)
    broken = _docx_with_chunk(tmp_path / "broken.docx", b"\xff\xfe not a package", _MAIN_XML, "/word/afchunk.docx")
    assert any("altChunk" in w and "could not be read" in w for w in read_document(str(broken)).warnings)

    import docx

    d = docx.Document(str(rtf))
    for p in d.paragraphs:
        p._p.getparent().remove(p._p)
    d.save(str(tmp_path / "only-rtf.docx"))
    with pytest.raises(ReadError, match="altChunk of type application/rtf"):
        read_document(str(tmp_path / "only-rtf.docx"))
