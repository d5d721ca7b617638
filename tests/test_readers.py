import re

import pytest

from conftest import EXTERNAL
from fixtures import make_image_only_pdf, make_report_docx, make_report_pdf, report_html
from pipeline.document import ReadError, expand_spans
from pipeline.readers.formats import read_document
from pipeline.readers.text import parse_text


def test_tab_table_with_placeholders_and_wrapped_cells():
    text = (
        "二、主动公开政府信息情况\n\t信息内容\n\t本年新\n制作数量\n\t本年新\n公开数量\n\n\t规章\n\t0\n\t1\n\n"
        "\t\n\t（三）不予公开\n\t1.属于国家秘密\n\t3\n\n\n三、收到和处理政府信息公开申请情况\n"
    )
    doc = parse_text(text, "x.txt")
    kinds = [b.kind for b in doc.blocks]
    assert kinds == ["text", "table", "text"]
    rows = [[c.text for c in r] for r in doc.blocks[1].rows]
    assert rows == [
        ["信息内容", "本年新制作数量", "本年新公开数量"],
        ["规章", "0", "1"],
        ["", "（三）不予公开", "1.属于国家秘密", "3"],
    ]


def test_pipe_rows_keep_blank_cells_and_drop_only_the_closing_pipe():
    doc = parse_text("行政许可 | 1478 | 236 | 294954 |\n2.重复申请 | 2 | 0 | ||\n | | 12 |\n", "x.txt")
    rows = [[c.text for c in r] for r in doc.blocks[0].rows]
    # blank cells at the end may be zeros printed blank: the table stage trims padding once it knows the width
    assert rows == [["行政许可", "1478", "236", "294954"], ["2.重复申请", "2", "0", "", ""], ["", "", "12"]]


def test_blank_last_cells_of_a_pipe_row_read_as_zeros(models):
    from pipeline.extraction.report import build_report

    text = (
        "示例县2020年政府信息公开工作年度报告\n一、总体情况\n本县推进公开。\n二、主动公开政府信息情况\n"
        "第二十条第（八）项 | | |\n信息内容 | 上一年项目数量 | 本年增/减 |\n行政事业性收费 | 198 | |\n"
        "三、收到和处理政府信息公开申请情况\n四、政府信息公开行政复议、行政诉讼情况\n五、存在的主要问题及改进情况\n"
        "六、其他需要报告的事项\n无。\n"
    )
    report = build_report(parse_text(text, "x.txt"), models.row_labeler)
    assert report["tables"]["active_disclosure"]["rows"]["fees"] == {"prev_items": 198, "change": 0}


def test_flattened_report_line_is_split_before_headings():
    line = (
        "报告如下。 一、总体情况 2023年，本区推进公开。二、主动公开政府信息情况第二十条第（一）项信息内容规章000"
        "三、收到和处理政府信息公开申请情况（本列数据）申请人情况一、本年新收政府信息公开申请数量801000081" * 2
    )
    doc = parse_text(line, "x.txt")
    texts = [b.text for b in doc.blocks]
    assert "一、总体情况" in texts
    assert "二、主动公开政府信息情况" in texts
    assert "三、收到和处理政府信息公开申请情况" in texts
    assert "一、本年新收政府信息公开申请数量801000081" in texts


def test_html_gbk_without_declaration_keeps_spans(tmp_path):
    path = tmp_path / "report.html"
    path.write_bytes(report_html(charset_meta=False).encode("gbk"))
    doc = read_document(str(path))
    texts = [b.text for b in doc.blocks if b.kind == "text"]
    assert "一、总体情况" in texts
    assert not any("alert" in t for t in texts)
    tables = [b for b in doc.blocks if b.kind == "table"]
    assert len(tables) == 3
    t3 = tables[1]
    first = t3.rows[0][0]
    assert (first.rowspan, first.colspan) == (2, 3)
    assert t3.rows[1][0].text == "商业企业"  # a <br> wrap inside a cell is joined
    dense = expand_spans(t3.rows)
    assert dense[4][0] == "三、本年度办理结果" and dense[5][0] is None


def test_docx_merged_cells_become_spans(tmp_path):
    doc = read_document(str(make_report_docx(tmp_path / "r.docx")))
    tables = [b for b in doc.blocks if b.kind == "table"]
    assert len(tables) == 3
    t3 = tables[1]
    spans = [(c.text, c.rowspan, c.colspan) for c in t3.rows[3][:2]]
    assert spans == [("三、本年度办理结果", 22, 1), ("（一）予以公开", 1, 1)]
    assert ("（三）不予公开", 8, 1) in [(c.text, c.rowspan, c.colspan) for c in t3.rows[5]]
    assert (t3.rows[1][0].text, t3.rows[1][0].colspan) == ("一、本年新收政府信息公开申请数量", 3)


def test_pdf_tables_are_stitched_across_pages_without_page_numbers(tmp_path):
    doc = read_document(str(make_report_pdf(tmp_path / "r.pdf")))
    assert doc.pages >= 2
    texts = [b.text for b in doc.blocks if b.kind == "text"]
    assert not any(t.startswith("- ") and t.endswith(" -") for t in texts)
    tables = [b for b in doc.blocks if b.kind == "table"]
    t3 = [t for t in tables if any("本年新收" in c.text for r in t.rows for c in r)]
    assert len(t3) == 1
    labels = [c.text for r in t3[0].rows for c in r]
    assert "四、结转下年度继续办理" in labels  # the last row, printed on the next page
    assert not any(label.startswith("-") and label.endswith("-") for label in labels)


def test_bad_inputs_raise_one_line_errors(tmp_path):
    cases = {}
    (tmp_path / "empty.txt").write_bytes(b"")
    cases["empty.txt"] = "empty file"
    pdf = make_report_pdf(tmp_path / "good.pdf").read_bytes()
    (tmp_path / "truncated.pdf").write_bytes(pdf[: len(pdf) // 3])
    cases["truncated.pdf"] = "PDF"
    make_image_only_pdf(tmp_path / "scan.pdf")
    cases["scan.pdf"] = "scanned PDF"
    make_report_pdf(tmp_path / "locked.pdf", encrypt_user_password="secret")
    cases["locked.pdf"] = "encrypted PDF"
    (tmp_path / "fake.pdf").write_text("<html><body>hello</body></html>")
    cases["fake.pdf"] = "not a PDF"
    (tmp_path / "noise.txt").write_bytes(bytes(range(256)) * 40)
    cases["noise.txt"] = "undecodable"
    for name, expected in cases.items():
        with pytest.raises(ReadError) as e:
            read_document(str(tmp_path / name))
        assert expected in str(e.value), (name, str(e.value))
        assert "\n" not in str(e.value)


def test_encrypted_pdf_with_empty_user_password_is_read(tmp_path):
    from bad_inputs import encrypt_font_strings

    path = make_report_pdf(tmp_path / "open.pdf", encrypt_user_password="")
    # reportlab leaves its CJK font's CIDSystemInfo unencrypted, so readers lose the font's Unicode mapping (the
    # text reads as (cid:N)); encrypted as the standard says, the file reads like the plain one
    path.write_bytes(encrypt_font_strings(path.read_bytes()))
    doc = read_document(str(path))
    assert any(b.kind == "table" for b in doc.blocks)
    assert "一、总体情况" in [b.text for b in doc.blocks if b.kind == "text"]


def test_with_ocr_off_a_scan_with_an_ocr_text_layer_has_its_tables_read_by_camelot(tmp_path, models):
    """With --ocr off, a page that is a picture (its rulings are pixels) under invisible OCR text keeps that text,
    and camelot's lattice finds the table in the rendered page: every number comes back as in the original (the
    layer here is exact; a real one is not, which is why OCR reads such pages by default)."""
    from fixtures import make_ocr_scan_pdf, make_report_pdf
    from pipeline.batch.stages import extract_one
    from pipeline.readers.options import ReadOptions
    from pipeline.readers.ocr.options import OcrOptions

    off = ReadOptions(ocr=OcrOptions(mode="off"))
    original = make_report_pdf(tmp_path / "original.pdf")
    scan = make_ocr_scan_pdf(original, tmp_path / "scan.pdf")
    doc = read_document(str(scan), off)
    assert sum(b.kind == "table" for b in doc.blocks) >= 3
    got, want = extract_one(scan, models, off), extract_one(original, models)
    for table in ("active_disclosure", "requests", "review_litigation"):
        assert got["tables"][table]["status"] == "found"
        assert got["tables"][table]["rows"] == want["tables"][table]["rows"]


@pytest.mark.skipif(not EXTERNAL.exists(), reason="../shared/corpus/external is absent")
def test_ruled_tables_read_from_the_pdf_lines_match_camelot_on_the_corpus_pdfs():
    """The reader of ruling lines (PDFium + pdfplumber's table geometry) against camelot's lattice on every ruled
    page of the real PDFs: the same grids, cell for cell, spans included."""
    from pipeline.readers.options import ReadOptions

    def grids(doc):
        return [
            [[(re.sub(r"\s+", "", c.text), c.rowspan, c.colspan) for c in r] for r in b.rows]
            for b in doc.blocks
            if b.kind == "table"
        ]

    for pdf in sorted(EXTERNAL.glob("*.pdf")):
        by_lines = read_document(str(pdf))
        by_camelot = read_document(str(pdf), ReadOptions(tables="camelot"))
        assert grids(by_lines) == grids(by_camelot), pdf.name
        assert len(grids(by_lines)) >= 3


def test_html_content_after_the_page_end_and_past_libxml2s_depth_is_kept():
    """libxml2's own tree (the fast path) drops text after </body> or </html> and below 256 levels of nesting;
    such pages are built by hand instead, so nothing printed is lost."""
    from pipeline.readers.html import parse_html

    after = "<html><body><p>一、总体情况</p></body></html><p>二、主动公开政府信息情况</p><table><tr><td>规章</td><td>1</td></tr></table>"
    blocks = parse_html(after, "x.html").blocks
    assert [b.text for b in blocks if b.kind == "text"] == ["一、总体情况", "二、主动公开政府信息情况"]
    assert [[c.text for c in r] for b in blocks if b.kind == "table" for r in b.rows] == [["规章", "1"]]
    deep = "<html><body><p>一、总体情况</p>" + "<div>" * 400 + "<p>深处的文字</p>" + "</div>" * 400 + "</body></html>"
    assert "深处的文字" in [b.text for b in parse_html(deep, "x.html").blocks]
    plain = "<html><body><p>一、总体情况</p><p>正文。</p></body></html>\n<!-- counter -->\n"
    assert [b.text for b in parse_html(plain, "x.html").blocks] == ["一、总体情况", "正文。"]


def test_docx_content_controls_line_breaks_tabs_and_tracked_changes(tmp_path):
    """What Word shows is what is read: a table inside a content control (w:sdt) is still a table, a line break
    inside a paragraph starts a new line (the heading stays a heading), a tab in a run separates words, deleted
    text and the old place of moved text are left out."""

    import docx
    from docx.oxml.ns import qn
    from lxml import etree

    path = make_report_docx(tmp_path / "plain.docx")
    plain = read_document(str(path))
    d = docx.Document(str(path))
    body = d.element.body
    tables = body.findall(qn("w:tbl"))
    # wrap table 2 in a block-level content control
    sdt = etree.SubElement(body, qn("w:sdt"))
    content = etree.SubElement(sdt, qn("w:sdtContent"))
    tables[0].addprevious(sdt)
    content.append(tables[0])
    # the first heading followed by a line break and prose in one paragraph; a tab; a deletion; a move
    heading = next(p for p in d.paragraphs if p.text == "一、总体情况")
    run = heading.add_run()
    run._r.append(etree.Element(qn("w:br")))
    run2 = heading.add_run("本机关全年主动公开信息")
    run2._r.append(etree.Element(qn("w:tab")))
    t = etree.SubElement(run2._r, qn("w:t"))
    t.text = "120条。"
    deleted = etree.SubElement(heading._p, qn("w:del"))
    dr = etree.SubElement(deleted, qn("w:r"))
    etree.SubElement(dr, qn("w:delText")).text = "删去的999条"
    moved = etree.SubElement(heading._p, qn("w:moveFrom"))
    mr = etree.SubElement(moved, qn("w:r"))
    etree.SubElement(mr, qn("w:t")).text = "移走的888条"
    changed = tmp_path / "changed.docx"
    d.save(str(changed))

    doc = read_document(str(changed))
    texts = [b.text for b in doc.blocks if b.kind == "text"]
    assert "一、总体情况" in texts
    assert "本机关全年主动公开信息 120条。" in texts  # the tab kept the number apart from the words
    assert not any("999" in t or "888" in t for t in texts)
    assert [b.rows for b in doc.blocks if b.kind == "table"] == [b.rows for b in plain.blocks if b.kind == "table"]


def test_empty_glyphs_of_an_embedded_font_keep_the_page_with_pdfium():
    """LibreOffice's PDFs draw dozens of empty glyphs (no box, no text) in their embedded fonts: they hide no text,
    so the page is read by PDFium alone, with the same characters pdfplumber (pdfminer) finds on it."""
    import collections

    import pdfplumber
    import pypdfium2

    from conftest import ROOT
    from pipeline.readers.pdf_layer import read_page

    path = ROOT / "data" / "raw" / "pingtan-2021-lo.pdf"
    pdf = pypdfium2.PdfDocument(str(path))
    with pdfplumber.open(str(path)) as plumber:
        for i in range(len(pdf)):
            layer = read_page(pdf, i)
            assert layer.unmeasured_text == 0
            ours = collections.Counter(c["text"] for c in layer.chars if c["text"].strip())
            theirs = collections.Counter(c["text"] for c in plumber.pages[i].chars if c["text"].strip())
            assert ours == theirs, i
    pdf.close()
    doc = read_document(str(path))
    assert not any("pdfplumber" in w for w in doc.warnings)


def test_page_objects_walked_as_pypdfium2_walks_them():
    """The reader walks a page's objects through PDFium's own calls (no wrapper per object): the same objects, in
    the same order, at the same form depth as pypdfium2's PdfPage.get_objects, on the corpus PDFs and a scan."""
    import pypdfium2

    from conftest import ROOT, SCANS
    from pipeline.readers.pdf_layer import _objects

    paths = sorted((ROOT / "data" / "raw").glob("*.pdf")) + sorted(SCANS.glob("*.pdf"))
    walked = 0
    for path in paths:
        pdf = pypdfium2.PdfDocument(str(path))
        for page in pdf:
            ours = [(kind, level) for _, kind, level in _objects(page.raw, max_depth=4)]
            theirs = [(obj.type, obj.level) for obj in page.get_objects(max_depth=4)]
            assert ours == theirs
            walked += len(ours)
            page.close()
        pdf.close()
    assert walked > 1000


def test_a_heading_alone_at_the_foot_of_a_page_is_not_joined_to_the_next_pages_first_line():
    """A page whose only text line is a heading (under a table that fills the page): the heading is its widest line,
    but it does not run to the right margin of the body text, so the next page's first line is a paragraph of its
    own and the heading stays a heading (glued to it, the section was lost and its table with it)."""
    from pipeline.readers.printed_pages import PrintedPage, page_blocks

    body = "根据市政府信息公开工作安排，本单位认真落实各项要求，全面推进政务公开工作，取得了较好成效"
    page1 = [(100 + 18 * k, 112 + 18 * k, body, 72.0, 523.0) for k in range(8)]
    page2 = [(740.0, 752.0, "四、政府信息公开行政复议、行政诉讼情况", 72.0, 310.0)]
    page3 = [(80.0, 92.0, "全年门户网站共发布信息3354条。", 72.0, 250.0)] + [
        (100 + 18 * k, 112 + 18 * k, body + "。", 72.0, 523.0) for k in range(6)
    ]
    pages = [PrintedPage(n, 842.0, lines, []) for n, lines in ((1, page1), (2, page2), (3, page3))]
    texts = [b.text for b in page_blocks(pages, [])]
    assert "四、政府信息公开行政复议、行政诉讼情况" in texts, texts
    assert "全年门户网站共发布信息3354条。" in texts
    assert texts[0] == body * 8  # lines that run to the margin still make one paragraph
