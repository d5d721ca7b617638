"""Builders of small real documents for the tests: PDFs with reportlab, DOCX with python-docx, HTML and text."""

from __future__ import annotations

import io
from pathlib import Path

REQUEST_ROWS_2021 = [
    ("一、本年新收政府信息公开申请数量", None, None),
    ("二、上年结转政府信息公开申请数量", None, None),
    ("三、本年度办理结果", "（一）予以公开", None),
    ("三、本年度办理结果", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", None),
    ("三、本年度办理结果", "（三）不予公开", "1.属于国家秘密"),
    ("三、本年度办理结果", "（三）不予公开", "2.其他法律行政法规禁止公开"),
    ("三、本年度办理结果", "（三）不予公开", "3.危及“三安全一稳定”"),
    ("三、本年度办理结果", "（三）不予公开", "4.保护第三方合法权益"),
    ("三、本年度办理结果", "（三）不予公开", "5.属于三类内部事务信息"),
    ("三、本年度办理结果", "（三）不予公开", "6.属于四类过程性信息"),
    ("三、本年度办理结果", "（三）不予公开", "7.属于行政执法案卷"),
    ("三、本年度办理结果", "（三）不予公开", "8.属于行政查询事项"),
    ("三、本年度办理结果", "（四）无法提供", "1.本机关不掌握相关政府信息"),
    ("三、本年度办理结果", "（四）无法提供", "2.没有现成信息需要另行制作"),
    ("三、本年度办理结果", "（四）无法提供", "3.补正后申请内容仍不明确"),
    ("三、本年度办理结果", "（五）不予处理", "1.信访举报投诉类申请"),
    ("三、本年度办理结果", "（五）不予处理", "2.重复申请"),
    ("三、本年度办理结果", "（五）不予处理", "3.要求提供公开出版物"),
    ("三、本年度办理结果", "（五）不予处理", "4.无正当理由大量反复申请"),
    ("三、本年度办理结果", "（五）不予处理", "5.要求行政机关确认或重新出具已获取信息"),
    ("三、本年度办理结果", "（六）其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    (
        "三、本年度办理结果",
        "（六）其他处理",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    ),
    ("三、本年度办理结果", "（六）其他处理", "3.其他"),
    ("三、本年度办理结果", "（七）总计", None),
    ("四、结转下年度继续办理", None, None),
]
ROW_IDS_2021 = [
    "new_received",
    "carried_over",
    "granted",
    "partially_granted",
    "denied.state_secret",
    "denied.prohibited_by_law",
    "denied.security_stability",
    "denied.third_party",
    "denied.internal_affairs",
    "denied.process_info",
    "denied.enforcement_file",
    "denied.admin_query",
    "unable.not_held",
    "unable.needs_creation",
    "unable.unclear",
    "not_processed.complaint",
    "not_processed.duplicate",
    "not_processed.publication",
    "not_processed.excessive",
    "not_processed.confirmation",
    "other.no_correction",
    "other.unpaid_fee",
    "other.other",
    "total",
    "carried_forward",
]


def request_values() -> dict[str, list[int]]:
    """A table 3 whose numbers obey every sum: row totals, column totals and the balance."""
    vals = {r: [0] * 7 for r in ROW_IDS_2021}
    vals["granted"] = [5, 1, 0, 0, 0, 0, 6]
    vals["partially_granted"] = [2, 0, 0, 0, 0, 0, 2]
    vals["denied.third_party"] = [1, 0, 0, 0, 0, 0, 1]
    vals["unable.not_held"] = [7, 0, 0, 1, 0, 0, 8]
    vals["not_processed.duplicate"] = [1, 0, 0, 0, 0, 0, 1]
    vals["other.other"] = [3, 0, 0, 0, 0, 0, 3]
    vals["total"] = [19, 1, 0, 1, 0, 0, 21]
    vals["new_received"] = [18, 1, 0, 1, 0, 0, 20]
    vals["carried_over"] = [2, 0, 0, 0, 0, 0, 2]
    vals["carried_forward"] = [1, 0, 0, 0, 0, 0, 1]
    return vals


PROSE_1 = (
    "2024年，本机关坚持以习近平新时代中国特色社会主义思想为指导，扎实推进政务公开工作。全年主动公开政府信息1200条。"
)
PROSE_5 = "存在的问题是政策解读形式不够丰富。下一步将加强培训，提升公开质量。"
PROSE_6 = "本年度未收取信息处理费。"
REVIEW = [1, 0, 0, 1, 2, 3, 1, 0, 0, 4, 0, 0, 0, 0, 0]


def _cjk_font():
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


def make_report_pdf(path: Path, encrypt_user_password: str | None = None, page_numbers: bool = True) -> Path:
    """A 2021-template report: prose, table 2, table 3 long enough to break across a page, table 4."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    font = _cjk_font()
    st = ParagraphStyle("n", fontName=font, fontSize=10.5, leading=18)
    grid = TableStyle([("FONT", (0, 0), (-1, -1), font, 9), ("GRID", (0, 0), (-1, -1), 0.6, colors.black)])
    story = [
        Paragraph("示例市人民政府2024年政府信息公开工作年度报告", st),
        Paragraph("一、总体情况", st),
        Paragraph(PROSE_1, st),
        Paragraph("二、主动公开政府信息情况", st),
    ]
    t2 = [
        ["第二十条第（一）项", "", "", ""],
        ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
        ["规章", "1", "0", "11"],
        ["行政规范性文件", "8", "26", "66"],
        ["第二十条第（五）项", "", "", ""],
        ["信息内容", "本年处理决定数量", "", ""],
        ["行政许可", "4472", "", ""],
        ["行政处罚", "398", "", ""],
        ["行政强制", "88", "", ""],
        ["行政事业性收费", "96171.6", "", ""],
    ]
    t = Table(t2)
    t.setStyle(grid)
    story += [t, Paragraph("三、收到和处理政府信息公开申请情况", st)]
    vals = request_values()
    small = ParagraphStyle("s", fontName=font, fontSize=6, leading=8)
    rows = [["", "", "", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]]
    for (a, b, c), rid in zip(REQUEST_ROWS_2021, ROW_IDS_2021):
        label = [a if not b else "", b or "", c or ""] if b else [a, "", ""]
        rows.append([Paragraph(x, small) if x else "" for x in label] + [str(v) for v in vals[rid]])
    t = Table(rows, repeatRows=0, colWidths=[60, 60, 110] + [32] * 7)
    t.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), font, 6), ("GRID", (0, 0), (-1, -1), 0.6, colors.black)]))
    # push table 3 low on the page so that it breaks across pages
    story += [Paragraph("（本表数据单位：件）", st)] + [Paragraph("　", st)] * 14 + [t]
    story += [Paragraph("四、政府信息公开行政复议、行政诉讼情况", st)]
    head1 = ["行政复议", "", "", "", "", "行政诉讼", "", "", "", "", "", "", "", "", ""]
    head2 = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 3
    t = Table([head1, head2, [str(v) for v in REVIEW]], colWidths=[30] * 15)
    t.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), font, 6), ("GRID", (0, 0), (-1, -1), 0.6, colors.black)]))
    story += [
        t,
        Paragraph("五、存在的主要问题及改进情况", st),
        Paragraph(PROSE_5, st),
        Paragraph("六、其他需要报告的事项", st),
        Paragraph(PROSE_6, st),
    ]

    def number(canvas, doc):
        if page_numbers:
            canvas.setFont(font, 10)
            canvas.drawCentredString(A4[0] / 2, 30, f"- {doc.page} -")

    kwargs = {}
    if encrypt_user_password is not None:
        from reportlab.lib.pdfencrypt import StandardEncryption

        kwargs["encrypt"] = StandardEncryption(encrypt_user_password, ownerPassword="owner-secret")
    doc = SimpleDocTemplate(str(path), pagesize=A4, **kwargs)
    doc.build(story, onFirstPage=number, onLaterPages=number)
    return path


def make_image_only_pdf(path: Path) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    for i in range(2):
        c.rect(50, 50, 400, 600, fill=1)
        c.showPage()
    c.save()
    return path


def make_report_docx(path: Path) -> Path:
    """A DOCX report with table 3 using vertical and horizontal merges, as Word writes them."""
    import docx

    d = docx.Document()
    for text in ("示例县2022年政府信息公开工作年度报告", "一、总体情况", PROSE_1, "二、主动公开政府信息情况"):
        d.add_paragraph(text)
    t2 = d.add_table(rows=3, cols=4)
    for r, row in enumerate(
        [
            ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
            ["规章", "0", "0", "0"],
            ["行政规范性文件", "21", "18", "20"],
        ]
    ):
        for c, text in enumerate(row):
            t2.cell(r, c).text = text
    d.add_paragraph("三、收到和处理政府信息公开申请情况")
    vals = request_values()
    n = len(REQUEST_ROWS_2021) + 1
    t3 = d.add_table(rows=n, cols=10)
    heads = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
    for c, h in enumerate(heads):
        t3.cell(0, 3 + c).text = h
    for r, ((a, b, c), rid) in enumerate(zip(REQUEST_ROWS_2021, ROW_IDS_2021), start=1):
        t3.cell(r, 0).text = a
        if b:
            t3.cell(r, 1).text = b
        if c:
            t3.cell(r, 2).text = c
        for k, v in enumerate(vals[rid]):
            t3.cell(r, 3 + k).text = str(v)
    # merges: 三、本年度办理结果 over its rows (vertical), （三）不予公开 over its 8 rows, single-level rows across
    first, last = 3, 3 + 22 - 1
    merged = t3.cell(first, 0).merge(t3.cell(last, 0))
    merged.text = "三、本年度办理结果"
    m = t3.cell(5, 1).merge(t3.cell(12, 1))
    m.text = "（三）不予公开"
    for r in (1, 2, n - 1):
        cell = t3.cell(r, 0).merge(t3.cell(r, 2))
        cell.text = REQUEST_ROWS_2021[r - 1][0]
    d.add_paragraph("四、政府信息公开行政复议、行政诉讼情况")
    t4 = d.add_table(rows=2, cols=15)
    for c, h in enumerate(["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 3):
        t4.cell(0, c).text = h
    for c, v in enumerate(REVIEW):
        t4.cell(1, c).text = str(v)
    for text in ("五、存在的主要问题及改进情况", PROSE_5, "六、其他需要报告的事项", PROSE_6):
        d.add_paragraph(text)
    d.save(str(path))
    return path


def report_html(charset_meta: bool = True) -> str:
    vals = request_values()
    rows = [
        '<tr><td rowspan="2" colspan="3">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td>'
        '<td rowspan="2">自然人</td><td colspan="5">法人或其他组织</td><td rowspan="2">总计</td></tr>',
        "<tr><td>商业<br>企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td></tr>",
    ]
    for i, ((a, b, c), rid) in enumerate(zip(REQUEST_ROWS_2021, ROW_IDS_2021)):
        cells = "".join(f"<td>{v if v else '&nbsp;'}</td>" for v in vals[rid])
        if b is None:
            rows.append(f'<tr><td colspan="3">{a}</td>{cells}</tr>')
            continue
        lead = '<td rowspan="22">三、本年度办理结果</td>' if rid == "granted" else ""
        if c is None:
            rows.append(f'<tr>{lead}<td colspan="2">{b}</td>{cells}</tr>')
        else:
            first_child = c.startswith("1.")
            span = {"（三）不予公开": 8, "（四）无法提供": 3, "（五）不予处理": 5, "（六）其他处理": 3}[b]
            parent = f'<td rowspan="{span}">{b}</td>' if first_child else ""
            rows.append(f"<tr>{lead}{parent}<td>{c}</td>{cells}</tr>")
    meta = '<meta charset="gbk">' if charset_meta else ""
    review = "".join(f"<td>{v}</td>" for v in REVIEW)
    return f"""<!DOCTYPE html><html><head>{meta}<title>年报</title><script>alert(1)</script></head><body>
<div class="nav"><a href="/">首页</a> | <a href="/zwgk">政务公开</a></div>
<h1>示例区2024年政府信息公开工作年度报告</h1>
<p>一、总体情况</p><p>{PROSE_1}</p>
<p>二、主动公开政府信息情况</p>
<table border="1"><tr><td colspan="4">第二十条第（一）项</td></tr>
<tr><td>信息内容</td><td>本年制发件数</td><td>本年废止件数</td><td>现行有效件数</td></tr>
<tr><td>规章</td><td>1</td><td>0</td><td>11</td></tr><tr><td>行政规范性文件</td><td>8</td><td>26</td><td>66</td></tr>
<tr><td colspan="4">第二十条第（五）项</td></tr><tr><td>信息内容</td><td colspan="3">本年处理决定数量</td></tr>
<tr><td>行政许可</td><td colspan="3">4472</td></tr><tr><td>行政处罚</td><td colspan="3">398</td></tr>
<tr><td>行政强制</td><td colspan="3">88</td></tr>
<tr><td colspan="4">第二十条第（八）项</td></tr><tr><td>信息内容</td><td colspan="3">本年收费金额（单位：万元）</td></tr>
<tr><td>行政事业性收费</td><td colspan="3">96171.6</td></tr></table>
<p>三、收到和处理政府信息公开申请情况</p><table border="1">{"".join(rows)}</table>
<p>四、政府信息公开行政复议、行政诉讼情况</p>
<table border="1"><tr><td colspan="5">行政复议</td><td colspan="10">行政诉讼</td></tr>
<tr><td rowspan="2">结果维持</td><td rowspan="2">结果纠正</td><td rowspan="2">其他结果</td><td rowspan="2">尚未审结</td>
<td rowspan="2">总计</td><td colspan="5">未经复议直接起诉</td><td colspan="5">复议后起诉</td></tr>
<tr><td>结果维持</td><td>结果纠正</td><td>其他结果</td><td>尚未审结</td><td>总计</td><td>结果维持</td><td>结果纠正</td>
<td>其他结果</td><td>尚未审结</td><td>总计</td></tr><tr>{review}</tr></table>
<p>五、存在的主要问题及改进情况</p><p>{PROSE_5}</p><p>六、其他需要报告的事项</p><p>{PROSE_6}</p>
<div class="footer">附件下载</div><div>版权所有：示例区人民政府</div></body></html>"""


def make_ocr_scan_pdf(source: Path, path: Path, dpi: int = 150) -> Path:
    """`source` as a scanner with OCR makes it: every page a picture (its ruling lines only pixels) under an
    invisible text layer that puts each character where the picture shows it (a "双层PDF")."""
    import pdfplumber
    import pypdfium2 as pdfium
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    font = _cjk_font()
    doc = pdfium.PdfDocument(str(source))
    plumber = pdfplumber.open(str(source))
    c = canvas.Canvas(str(path))
    for i in range(len(doc)):
        page = doc[i]
        width, height = page.get_size()
        c.setPageSize((width, height))
        image = page.render(scale=dpi / 72).to_pil()
        buf = io.BytesIO()
        image.save(buf, "PNG")
        c.drawImage(ImageReader(io.BytesIO(buf.getvalue())), 0, 0, width=width, height=height)
        text = c.beginText()
        text.setTextRenderMode(3)  # invisible: OCR text sits under the picture
        for ch in plumber.pages[i].chars:
            text.setFont(font, ch["size"])
            text.setTextOrigin(ch["x0"], height - ch["bottom"] + 0.2 * ch["size"])
            text.textOut(ch["text"])
        c.drawText(text)
        c.showPage()
    c.save()
    plumber.close()
    doc.close()
    return path
