"""Rows broken over grid rows and page breaks, and rows printed twice: never a wrong number.

A long label printed over grid rows of its own (numbers on the first only), or cut by a page break (the rest of the
label, with empty cells, at the top of the next page), continues its row: read as a row, its empty cells would be a
blank copy of the row, and blanks would become 0 where the report prints 1. Where copies of a row disagree, none is
kept unless the table's sums choose one.
"""

import json
import random

import pytest

from conftest import ROOT
from pipeline import schema
from pipeline.document import Cell
from pipeline.extraction.build import build_table
from pipeline.extraction.continuations import join_label_tails
from pipeline.extraction.document_records import GridRecords
from pipeline.extraction.records import records_from_grid
from pipeline.extraction.template import label_records
from pipeline.extraction.report import build_report
from pipeline.readers.formats import read_document


def _wrong_and_null(report: dict, gold: dict) -> tuple[list, int]:
    wrong, null = [], 0
    for t, g in gold["tables"].items():
        for row, cols in g.get("rows", {}).items():
            for col, want in cols.items():
                got = report["tables"][t].get("rows", {}).get(row, {}).get(col)
                if got is None:
                    null += 1
                elif got != want:
                    wrong.append((t, row, col, got, want))
    return wrong, null


def _narrow_pdf(tmp_path, seed: int, style: str):
    """A synthetic report of the narrow family (ruled, label columns a few characters wide), some of its table 3
    labels printed over grid rows of their own; with style "cut", a page break falls inside one of those rows."""
    from pipeline.modeling.synth import corpus_sentences, draw_report, gold_of, printed_tables, render_pdf
    from pipeline.modeling.synth_converter import NARROW_WIDTHS

    rng = random.Random(seed)
    while True:
        rep = draw_report(rng, f"wrapped-{seed}.pdf", "narrow", corpus_sentences(ROOT / "data" / "raw"))
        if rep.tables["requests"]["status"] == "found":
            break
    tables = printed_tables(rep, rng)
    rep.style["tall"] = "vertical"
    rep.style["wrapped_labels"] = style
    path = tmp_path / rep.name
    render_pdf(rep, tables, path, ruled=True, widths=NARROW_WIDTHS, table_size=7.5)
    return path, gold_of(rep, rep.name)


def _tails(doc):
    grids = GridRecords(doc.blocks)
    out = []
    for i, b in enumerate(doc.blocks):
        if b.kind == "table":
            out += [(k == 0, rec) for k, rec in enumerate(grids.plain(i)) if rec.tail]
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_label_wrapped_over_grid_rows_and_cut_by_a_page_break_keeps_its_numbers(tmp_path, models, seed):
    path, gold = _narrow_pdf(tmp_path, seed, "cut")
    doc = read_document(str(path))
    assert _tails(doc), "labels wrapped onto grid rows of their own"
    assert doc.pages >= 3
    report = build_report(doc, models.row_labeler, models.section_model, models.column_labeler)
    wrong, null = _wrong_and_null(report, gold)
    assert wrong == []
    assert null == 0
    assert not any("more than once" in n for n in report["tables"]["requests"]["notes"])


def test_the_rest_of_a_label_over_a_real_page_break_is_joined_to_its_row(models):
    """平潭 2021 exported by LibreOffice: `（五 | 1.信访举报 | 0 …` ends page 4, `）不予处理 | 投诉类申请 |  …` heads
    page 6."""
    doc = read_document(str(ROOT / "data" / "raw" / "pingtan-2021-lo.pdf"))
    report = build_report(doc, models.row_labeler, models.section_model, models.column_labeler)
    table = report["tables"]["requests"]
    assert table["source"]["not_processed.complaint"]["label"].endswith("1.信访举报投诉类申请")
    assert table["source"]["not_processed.complaint"]["page"] == 4
    assert not any("more than once" in n for n in table["notes"])
    gold = json.loads((ROOT / "data" / "labels" / "pingtan-2021-lo.pdf.gold.json").read_text(encoding="utf-8"))
    assert _wrong_and_null(report, gold) == ([], 0)


def _grid(rows):
    return [[Cell(t) for t in row] for row in rows]


def test_a_grid_headed_by_the_rest_of_a_label_continues_the_last_row_of_the_grid_before(models):
    """Two pieces of table 3 the reader could not stitch (a page between them): the second begins with the rest of
    the first's last label, its cells empty."""
    from pipeline.document import Block
    from pipeline.extraction.document_records import collect_records

    first = _grid(
        [
            ["三、本年度办理结果", "（三）不予公开", "4.保护第三方合法", "1", "0", "0", "0", "0", "0", "1"],
            ["", "", "5.属于三类", "1", "0", "0", "0", "0", "0", "1"],
        ]
    )
    first[1][0] = Cell("")
    second = _grid(
        [
            ["", "", "内部事务信息", "", "", "", "", "", "", ""],
            ["", "", "6.属于四类过程性信息", "2", "0", "0", "0", "0", "0", "2"],
        ]
    )
    blocks = [
        Block("table", rows=first, page=4),
        Block("text", text="- 5 -", page=5),
        Block("table", rows=second, page=6),
    ]
    records, _ = collect_records(blocks, [3, 3, 3], [False, True, False])
    assert [r.tail for r in records] == [0, 0, 1, 0]
    predictions = label_records(records, models.row_labeler)
    joined, predictions = join_label_tails(records, predictions, models.row_labeler)
    assert len(joined) == 3
    assert joined[1].parts[-1] == "5.属于三类内部事务信息" and joined[1].values[0] == "1"
    assert predictions[1][0] == "requests:denied.internal_affairs"


def test_a_row_printed_with_empty_cells_under_another_stays_a_row_of_its_own(models):
    """`行政强制 |` under `行政处罚 | 1330`: a row whose cell is empty (0), not the rest of 行政处罚's label; a caption
    row (第二十条第（八）项) under the last row is no label either."""
    rows = _grid(
        [
            ["信息内容", "本年处理决定数量"],
            ["行政处罚", "1330"],
            ["行政强制", ""],
            ["第二十条第（八）项", ""],
            ["信息内容", "本年收费金额（单位：万元）"],
            ["行政事业性收费", "5.5"],
        ]
    )
    records = records_from_grid(rows, section=2)
    predictions = label_records(records, models.row_labeler)
    joined, predictions = join_label_tails(records, predictions, models.row_labeler)
    labels = [r.label for r in joined]
    assert "行政强制" in labels and "行政处罚" in labels
    res = build_table("active_disclosure", "2021", joined, predictions, models.column_labeler)
    assert res.rows["penalty"]["decisions"] == 1330
    assert res.rows["enforcement"]["decisions"] == 0
    assert res.rows["fees"]["amount_wan"] == 5.5


def _table3(total_copy_first, total_copy_second, template="2021", drop=()):
    """Table 3 in the official layout with every row printed once (all sums holding), except （七）总计, printed twice
    with the given values; rows in `drop` are left out."""
    rng = random.Random(5)
    columns = schema.column_ids("requests", template, "total")
    values = {}
    from pipeline.extraction.sums import outcome_rows

    for r in outcome_rows(template):
        six = [rng.randint(0, 3) for _ in range(6)]
        values[r] = six + [sum(six)]
    total = [sum(values[r][k] for r in outcome_rows(template)) for k in range(7)]
    values["total"] = total
    values["carried_over"] = [0] * 7
    values["carried_forward"] = [0] * 7
    values["new_received"] = list(total)
    grid = [["", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]]
    for r in schema.row_ids("requests", template):
        if r in drop:
            continue
        label = schema.row_label("requests", r, template)
        if r == "total":
            grid.append([label] + [str(v) for v in total_copy_first])
            grid.append([label] + [str(v) for v in total_copy_second])
            continue
        grid.append([label] + [str(v) for v in values[r]])
    assert len(columns) == 7
    return _grid(grid), values


def _build3(models, grid, template="2021"):
    records = records_from_grid(grid, section=3)
    predictions = label_records(records, models.row_labeler)
    return build_table("requests", template, records, predictions, models.column_labeler)


def test_a_blank_copy_of_a_row_never_beats_the_copy_with_digits(models):
    _, values = _table3([0] * 7, [0] * 7)
    grid, _ = _table3(values["total"], [""] * 7)
    res = _build3(models, grid)
    assert list(res.rows["total"].values()) == values["total"]
    assert any("the table's sums choose" in n for n in res.notes)
    grid, _ = _table3([""] * 7, values["total"])  # the order they are printed in decides nothing
    res = _build3(models, grid)
    assert list(res.rows["total"].values()) == values["total"]


def test_copies_of_a_row_the_sums_cannot_choose_between_leave_it_null(models):
    _, values = _table3([0] * 7, [0] * 7)
    other = [v + 1 for v in values["total"][:6]]
    other.append(sum(other))  # a second reading whose own sum holds, but the column sums break
    outcome_row = "granted"
    # with an outcome row and the stock rows left out, no sum ties 总计 to other rows: nothing can choose
    grid, _ = _table3(values["total"], other, drop=(outcome_row, "new_received", "carried_over", "carried_forward"))
    res = _build3(models, grid)
    assert all(v is None for v in res.rows["total"].values())
    assert any("choose none of them" in n for n in res.notes)
    # where the sums do tie it, the copy that makes them hold is kept, and the other one not
    grid, _ = _table3(other, values["total"])
    res = _build3(models, grid)
    assert list(res.rows["total"].values()) == values["total"]


def test_two_rows_under_one_label_cell_are_null_not_given_each_others_numbers(models):
    """A lost ruling line merges 规章 and 规范性文件 into one label cell over two rows of numbers: which numbers are
    whose cannot be told, so both rows are null (never 规章's numbers under 规范性文件)."""
    rows = [
        [Cell("信息内容"), Cell("本年制发件数"), Cell("本年废止件数"), Cell("现行有效件数")],
        [Cell("规章\n规范性文件", rowspan=2), Cell("22"), Cell("3"), Cell("235")],
        [Cell("7"), Cell("0"), Cell("524")],
        [Cell("行政许可"), Cell("15", colspan=3)],
    ]
    records = records_from_grid(rows, section=2)
    assert [bool(r.unreadable) for r in records if any(v.strip() for v in r.values)] == [True, True, False]
    predictions = label_records(records, models.row_labeler)
    res = build_table("active_disclosure", "2021", records, predictions, models.column_labeler)
    for row in ("rules", "normative_docs"):
        assert all(v is None for v in res.rows[row].values()), row
    assert res.rows["licensing"]["decisions"] == 15


def test_a_number_with_a_stray_mark_beside_it_is_unreadable_not_a_label():
    """OCR read a speck above a printed 555 as 武 (0.13) on the line above it: the cell is neither the number as
    read nor text (number_beside_a_mark), so it is read as unreadable with 555 among its readings. A label and a
    number both read sure, a lone number, or a mark read sure are not this case."""
    from pipeline.readers.ocr.cells import number_beside_a_mark
    from pipeline.readers.ocr.reading import Reading

    assert number_beside_a_mark([Reading("武", 0.13), Reading("555", 0.99)])
    assert number_beside_a_mark([Reading("555", 0.99), Reading("。", 0.2)])
    assert not number_beside_a_mark([Reading("555", 0.99)])
    assert not number_beside_a_mark([Reading("武", 0.6), Reading("555", 0.99)])
    assert not number_beside_a_mark([Reading("属于国家秘密", 0.78), Reading("287", 0.99)])
    assert not number_beside_a_mark([Reading("武", 0.1), Reading("汉", 0.2)])


def test_an_unreadable_first_cell_keeps_the_rows_numbers_in_their_columns(models):
    """Table 3 continued at the top of a page, with a remarks column (备注) printed blank after 总计: the first value
    cell of 二、上年结转 read as unreadable (the stray mark beside 555). The row's other numbers stay under their own
    columns; read as label text instead, the cell would make the six numbers after it and the blank remark the
    row's seven cells, each one column to the left — 625 under 商业企业, a wrong number read sure."""
    from pipeline.document import UNREADABLE

    def ocr(text, conf=0.99, alternatives=None):
        return Cell(text, confidence=conf, source="ocr", ink=bool(text), alternatives=alternatives)

    header = [
        Cell(""),
        *[Cell(t) for t in ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计", "备注")],
    ]
    printed = ["555", "—", "625", "—", "502", "—", "1682"]
    label = schema.row_label("requests", "carried_over", "2021")
    first = ocr(UNREADABLE, 0.0, [("", 0.5), ("555", 0.99)])  # as the reader gives it now
    row = [Cell(label), first, *[ocr(v, 0.97 if v == "—" else 0.99) for v in printed[1:]], ocr("", 1.0)]
    records = records_from_grid([header, row], section=3)
    predictions = label_records(records, models.row_labeler)
    res = build_table("requests", "2021", records, predictions, models.column_labeler)
    got = res.rows["carried_over"]
    assert [got[c] for c in ("commercial", "research", "social_org", "legal_service", "other_org", "total")] == [
        0,
        625,
        0,
        502,
        0,
        1682,
    ]
    assert got["natural_person"] in (None, 555)


def test_zeros_too_small_to_read_between_a_rows_numbers_are_value_cells_not_its_label(models):
    """Table 3 photographed in 6-point type: the zeros of a row read as 恩, 心, 限 (unsure), between numbers read
    surely. A label comes before a row's numbers: taken as label text, the marks would make the row's label run
    over its numbers (`… 3001 53 恩 心 61 限`) and leave it one value. They are value cells the recogniser could not
    read: the row keeps its seven cells, each number under its column, the marks null unless the sums fill them."""

    def ocr(text, conf=0.99):
        return Cell(text, confidence=conf, source="ocr", ink=bool(text))

    header = [
        Cell(""),
        *[Cell(t) for t in ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计")],
    ]
    label = schema.row_label("requests", "new_received", "2021")
    row = [
        Cell(label),
        ocr("3001"),
        ocr("53"),
        ocr("恩", 0.17),
        ocr("心", 0.3),
        ocr("61"),
        ocr("限", 0.23),
        ocr("3119"),
    ]
    records = records_from_grid([header, row], section=3)
    assert records[-1].values == ["3001", "53", "\ufffd", "\ufffd", "61", "\ufffd", "3119"]
    res = build_table("requests", "2021", records, label_records(records, models.row_labeler), models.column_labeler)
    got = res.rows["new_received"]
    assert [got[c] for c in ("natural_person", "commercial", "legal_service", "total")] == [3001, 53, 61, 3119]
    assert got["research"] is None and got["social_org"] is None and got["other_org"] is None
    # read surely, or before the row's first number, a word is text: the rule is for unsure marks between numbers
    sure = [
        Cell(label),
        ocr("3001"),
        ocr("53"),
        ocr("恩", 0.95),
        ocr("心", 0.3),
        ocr("61"),
        ocr("限", 0.23),
        ocr("3119"),
    ]
    assert "恩" in " ".join(records_from_grid([header, sure], section=3)[-1].parts)
    before = [Cell(label), ocr("图", 0.2), ocr("3001"), ocr("53"), ocr("0"), ocr("0"), ocr("61"), ocr("3119")]
    assert records_from_grid([header, before], section=3)[-1].values[0] == "3001"
    # the hunt's case: a mark before the row's first number may be its first value cell (a photo's 二、上年结转 row,
    # printed 副? 2 限? / 】? 望? 2 and a blank remark): which it is decides every number's column, so the marks
    # between its numbers are left as they were, and no number lands in another column (2 under 其他, printed 0)
    carried = schema.row_label("requests", "carried_over", "2021")
    marks = [ocr("副", 0.12), ocr("2", 0.40), ocr("限", 0.08), ocr("/", 0.97), ocr("】", 0.38), ocr("望", 0.10)]
    row = [Cell(carried), *marks, ocr("2", 0.993), ocr("", 1.0)]
    records = records_from_grid([header + [Cell("备注")], row], section=3)
    res = build_table("requests", "2021", records, label_records(records, models.row_labeler), models.column_labeler)
    got = res.rows["carried_over"]
    printed = {"commercial": 2, "social_org": 0, "other_org": 0, "total": 2}
    assert all(got[c] in (None, v) for c, v in printed.items()), got


def test_words_among_a_rows_numbers_leave_the_row_unreadable(models):
    """A scanned row that lost one of its cells and took in the remarks column printed after 总计 (详见附件): taken
    in order, 16 (the total, read sure) would sit under 其他 — a wrong number that looks right. The row is
    unreadable instead; with its words where they belong (a remarks cell after its seven numbers) it is read."""

    def ocr(text):
        return Cell(text, confidence=0.99, source="ocr", ink=bool(text))

    label = schema.row_label("requests", "new_received", "2021")
    header = [
        Cell(""),
        *[Cell(t) for t in ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计")],
    ]
    lost = [Cell(label), *[ocr(v) for v in ("5", "3", "—", "1", "2", "16", "详见附件")]]
    records = records_from_grid([header, lost], section=3)
    res = build_table("requests", "2021", records, label_records(records, models.row_labeler), models.column_labeler)
    assert all(v is None for v in res.rows["new_received"].values())
    assert any("words among its numbers" in n for n in res.notes)
    whole = [Cell(label), *[ocr(v) for v in ("5", "5", "3", "—", "1", "2", "16", "详见附件")]]
    records = records_from_grid([header + [Cell("备注")], whole], section=3)
    res = build_table("requests", "2021", records, label_records(records, models.row_labeler), models.column_labeler)
    assert list(res.rows["new_received"].values()) == [5, 5, 3, 0, 1, 2, 16]


def test_words_among_the_numbers_of_a_row_without_sums_leave_it_unreadable(models):
    """Table 2 (主动公开) has no sums to confirm a row: a scanned 规章 row, its header on the page before, that lost
    its first number and took in a remarks cell (详见附件) would put 2 and 12 one column early, both read sure — two
    wrong numbers. The row is unreadable; read whole, it is read."""

    def ocr(text):
        return Cell(text, confidence=0.99, source="ocr", ink=bool(text))

    header = [Cell(""), *[Cell(t) for t in ("第二十条第（一）项", "", "")]]
    lost = [Cell(schema.row_label("active_disclosure", "rules", "2021")), ocr("2"), ocr("12"), ocr("详见附件")]
    records = records_from_grid([header, lost], section=2)
    res = build_table(
        "active_disclosure", "2021", records, label_records(records, models.row_labeler), models.column_labeler
    )
    assert all(v is None for v in res.rows["rules"].values()), res.rows["rules"]
    assert any("words among its numbers" in n for n in res.notes), res.notes
    whole = [Cell(schema.row_label("active_disclosure", "rules", "2021")), ocr("1"), ocr("2"), ocr("12")]
    records = records_from_grid([header, whole], section=2)
    res = build_table(
        "active_disclosure", "2021", records, label_records(records, models.row_labeler), models.column_labeler
    )
    assert list(res.rows["rules"].values()) == [1, 2, 12]


def test_an_amount_printed_with_its_unit_is_a_number_not_words():
    """8778万元 under an amount's column is a number of its column's kind, not words among the numbers."""
    from pipeline.extraction.records import RowRecord
    from pipeline.extraction.values import words_among_values

    rec = RowRecord(parts=["x"], values=["29", "8778万元"], ocr=None)
    assert not words_among_values(rec, [0, 1], ["count", "money"])
    assert words_among_values(rec, [0, 1], ["count", "count"])


def test_a_place_of_a_pictures_grid_that_ocr_never_read_is_unknown_not_0():
    """In a row read from a photo, the grid has places where the picture gave no cell (no OCR reading, no ink test):
    their values are unknown, never the 0 an empty printed cell stands for; an OCR'd cell without ink is 0."""
    from pipeline.extraction.records import RowRecord
    from pipeline.extraction.values import cell_value

    read = [Cell("3", confidence=0.99, source="ocr", ink=True), Cell("", confidence=1.0, source="ocr", ink=False)]
    rec = RowRecord(parts=["x"], values=["3", "", "", ""], ocr=[*read, Cell(""), None])
    assert [cell_value(rec, k, "count") for k in range(4)] == [3, 0, None, None]
    text_layer = RowRecord(parts=["x"], values=["3", ""], ocr=None)  # a born-digital row: an empty cell is 0
    assert [cell_value(text_layer, k, "count") for k in range(2)] == [3, 0]


def test_a_row_of_numbers_whose_last_cell_reads_as_words_is_a_row_of_values_not_a_label(models):
    """Table 4 photographed badly: its header cells read as nonsense (结果雅训特, 翼他盛动暴) and the last of its 15
    numbers as 一 1. The row of numbers was taken as one long label (its only words came after the numbers), so the
    table was missing. Numbers with one cell of words after them and nothing before are a row with no label: found
    by its 15 cells under the section's heading, the cell of words unreadable, never a number."""
    values = ["0", "0", "0", "0", "0", "0", "12", "2", "3", "17", "0", "0", "0", "7", "一 1"]
    rows = _grid(
        [
            ["行政复议"] * 5 + ["行政诉讼"] * 10,
            ["结果雅训特", "结票纠正", "翼他盛动暴", "商未富结", "总计"]
            + ["未经复议直接超诉"] * 5
            + ["夏议后超诉"] * 5,
            ["路暴金训持", "结展纠正", "其脑生动票", "尚未审练", "益 B 计"]
            + ["生动果维持", "结票纠正", "其驰生司果", "阔未审技动", "总计"] * 2,
            values,
        ]
    )
    records = records_from_grid(rows, section=4)
    assert records[-1].label == "" and records[-1].values == values
    predictions = label_records(records, models.row_labeler)
    res = build_table("review_litigation", "2021", records, predictions, models.column_labeler)
    assert res.status == "found"
    assert res.rows["litigation_direct"]["total"] == 17
    assert res.rows["litigation_after_review"]["pending"] == 7
    assert res.rows["litigation_after_review"]["total"] is None  # 一 1: words, not a number

    # a label's row number in a cell of its own, with no numbers after the label, stays a label
    (row,) = records_from_grid(_grid([["1", "政府信息公开工作机构"]]), section=1)
    assert row.values == [] and "政府信息公开工作机构" in row.label


def _borderless_pdf(tmp_path, seed: int, header: str):
    """A synthetic report printed without rulings (tables rebuilt from word positions), its table headers printed
    as `header` says (spaced: 商 业 / 企 业, 维 持, each character a word of its own)."""
    from pipeline.modeling.synth import corpus_sentences, draw_report, gold_of, printed_tables, render_pdf

    rng = random.Random(seed)
    while True:
        rep = draw_report(rng, f"borderless-{seed}.pdf", "pdf_borderless", corpus_sentences(ROOT / "data" / "raw"))
        if all(t["status"] == "found" for t in rep.tables.values()):
            break
    rep.style["header"] = header
    tables = printed_tables(rep, rng)
    path = tmp_path / rep.name
    render_pdf(rep, tables, path, ruled=False)
    return path, gold_of(rep, rep.name)


@pytest.mark.parametrize("seed", [4, 5])
def test_letter_spaced_headers_of_a_table_without_rulings_make_no_columns_of_their_own(tmp_path, models, seed):
    """A header printed letter-spaced is a word per character to the PDF's word grouping; some of those characters
    stand between the value columns, and were taken for columns whose cells are all blank: table 3's rows under
    them had 9 cells for 7 and were null, and table 4's row of 15 numbers came to 27 cells and the table was
    missing. Every table is found and every number read, as with plain headers."""
    for header in ("spaced", "plain"):
        path, gold = _borderless_pdf(tmp_path, seed, header)
        report = build_report(read_document(str(path)), models.row_labeler, models.section_model, models.column_labeler)
        assert {t: report["tables"][t]["status"] for t in gold["tables"]} == {
            t: g["status"] for t, g in gold["tables"].items()
        }, header
        wrong, null = _wrong_and_null(report, gold)
        assert wrong == [], header
        assert null == 0, (header, [n for t in report["tables"].values() for n in t.get("notes", [])])
