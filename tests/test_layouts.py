"""Layouts met in converter output and narrow tables (issue 17): each category at its cause, on files written here
and on the two real converter-made reports shipped in data/raw/fragments."""

import json

import pytest

from conftest import ROOT
from fixtures import REQUEST_ROWS_2021, ROW_IDS_2021, request_values
from pipeline.extraction.report import build_report
from pipeline.modeling.evaluate import score_report
from pipeline.readers.formats import read_document

TITLE = "2024年示例市人民政府政府信息公开工作年度报告"
T2_HEAD = "| 信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |\n|---|---|---|---|"
APPLICANTS = "| 项目 | 数据1 | 数据2 | 数据3 | 数据4 | 数据5 | 数据6 | 总计 |\n|---|---|---|---|---|---|---|---|"


def _report(tmp_path, models, text, name="r.md"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return build_report(read_document(str(path)), models.row_labeler, models.section_model, models.column_labeler)


def _row(values):
    return "| " + " | ".join(str(v) for v in values) + " |"


def _requests_text(detached: set[str], drop: set[str] = frozenset(), total_override=None) -> tuple[str, dict]:
    """Table 3 (fixtures.request_values) cut in three pieces with generic heads; rows in `detached` printed
    without their label, the label wrapped in text lines above the piece; rows in `drop` not printed at all.
    Returns the text and the expected values of each row."""
    labels = {row: [p for p in parts if p][-1] for row, parts in zip(ROW_IDS_2021, REQUEST_ROWS_2021)}
    values = request_values()
    if total_override:
        values["total"] = list(total_override)
    outcomes = ROW_IDS_2021[2:-2]  # （一）予以公开 … 3.其他
    lines = [
        "三、收到和处理政府信息公开申请情况",
        "申请人情况",
        APPLICANTS,
        _row([labels["new_received"]] + values["new_received"]),
        _row([labels["carried_over"]] + values["carried_over"]),
        "",
    ]
    for piece in (outcomes[:10], outcomes[10:17], outcomes[17:]):
        above, rows = [], []
        for row in piece:
            if row in drop:
                continue
            if row in detached:
                above += [labels[row][i : i + 8] for i in range(0, len(labels[row]), 8)]
                rows.append(_row(values[row]))
            else:
                rows.append(_row([labels[row]] + values[row]))
        lines += above + [APPLICANTS] + rows + [""]
    lines += [
        APPLICANTS,
        _row([labels["total"]] + values["total"]),
        _row([labels["carried_forward"]] + values["carried_forward"]),
        "",
    ]
    return "\n".join(lines), values


def _document(requests_text: str, review: str | None = None) -> str:
    review = review or (
        "四、政府信息公开行政复议、行政诉讼情况\n行政复议行政诉讼\n"
        + _row(list(range(1, 16))).replace("| 1 | 2 | 3 | 4 | 5 |", "| 1 | 0 | 0 | 0 | 1 |")
        + "\n"
    )
    return "\n".join(
        [
            TITLE,
            "一、总体情况",
            "本年度政务公开工作有序推进。",
            "二、主动公开政府信息情况",
            "第二十条第（一）项",
            T2_HEAD,
            "| 规章 | 0 | 0 | 2 |",
            "| 行政规范性文件 | 3 | 1 | 40 |",
            requests_text,
            review,
            "五、存在的主要问题及改进情况",
            "公开内容还不够全面。",
            "六、其他需要报告的事项",
            "本年度未收取信息处理费。",
            "",
        ]
    )


def test_rows_printed_apart_from_their_labels_take_the_gaps_the_template_leaves(tmp_path, models):
    detached = {
        "partially_granted",
        "denied.prohibited_by_law",
        "unable.not_held",
        "unable.needs_creation",
        "not_processed.confirmation",
        "other.no_correction",
        "other.unpaid_fee",
    }
    text, values = _requests_text(detached)
    rep = _report(tmp_path, models, _document(text))
    rows = rep["tables"]["requests"]["rows"]
    for row, expected in values.items():
        assert list(rows[row].values()) == expected, row
    assert any("placed by the template's order" in n for n in rep["tables"]["requests"]["notes"])


def test_rows_apart_from_their_labels_are_null_when_the_sums_do_not_confirm_them(tmp_path, models):
    detached = {"unable.not_held", "unable.needs_creation"}
    text, values = _requests_text(detached, total_override=[99, 1, 0, 1, 0, 0, 101])  # a printed total that fails
    rep = _report(tmp_path, models, _document(text))
    rows = rep["tables"]["requests"]["rows"]
    for row in detached:
        assert set(rows[row].values()) == {None}, row  # unconfirmed: unreadable, never guessed
    assert list(rows["granted"].values()) == values["granted"]  # rows with their labels are read as printed


def test_a_gap_that_does_not_match_the_orphans_is_left_alone(tmp_path, models):
    # two rows printed without labels where the template leaves three: nothing can be placed
    text, values = _requests_text({"unable.not_held", "unable.needs_creation"}, drop={"unable.unclear"})
    rep = _report(tmp_path, models, _document(text))
    rows = rep["tables"]["requests"]["rows"]
    for row in ("unable.not_held", "unable.needs_creation", "unable.unclear"):
        assert set(rows[row].values()) == {None}, row


def test_a_row_printed_twice_keeps_the_complete_one(tmp_path, models):
    doc = _document(_requests_text(set())[0]).replace(
        "第二十条第（一）项", "规范性文件 3\n第二十条第（一）项"
    )  # a line of section 2 naming the row, one number
    rep = _report(tmp_path, models, doc)
    assert rep["tables"]["active_disclosure"]["rows"]["normative_docs"] == {"issued": 3, "repealed": 1, "in_force": 40}


def _review_in_three(groups: list[list[int]]) -> str:
    """Table 4 printed as three tables of five, each under its kind of case and its own head row."""
    heads = "| 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 |\n|---|---|---|---|---|"
    lines = ["四、政府信息公开行政复议、行政诉讼情况"]
    for name, values in zip(("行政复议", "行政诉讼（未经复议直接起诉）", "行政诉讼（复议后起诉）"), groups):
        lines += [name, heads, _row(values), ""]
    return "\n".join(lines)


def test_table_4_as_three_tables_of_five(tmp_path, models):
    review = _review_in_three([[2, 1, 0, 0, 3], [0, 0, 0, 1, 1], [0, 0, 0, 0, 0]])
    rep = _report(tmp_path, models, _document(_requests_text(set())[0], review))
    t4 = rep["tables"]["review_litigation"]
    assert t4["status"] == "found"
    assert t4["rows"]["review"] == {"upheld": 2, "corrected": 1, "other": 0, "pending": 0, "total": 3}
    assert t4["rows"]["litigation_direct"]["total"] == 1
    assert t4["rows"]["litigation_after_review"]["total"] == 0


def test_a_table_4_of_five_that_breaks_its_sums_is_not_read_as_groups(tmp_path, models):
    review = _review_in_three([[2, 1, 0, 0, 7], [0, 0, 0, 1, 1], [0, 0, 0, 0, 0]])
    rep = _report(tmp_path, models, _document(_requests_text(set())[0], review))
    rows = rep["tables"]["review_litigation"].get("rows", {})
    assert all(v is None for v in rows.get("review", {}).values())  # 2+1 ≠ 7: no reading is confirmed


def test_own_outline_renumbered_headings_and_a_lost_heading(tmp_path, models):
    """A report with its own outline 一…四 before the statutory tables, which it numbers 一、二、三, and no heading
    for section 5: the headings are found by where the tables are, section 5's prose starts after table 4."""
    requests_text = _requests_text(set())[0].replace("三、收到和处理", "二、收到和处理")
    doc = "\n".join(
        [
            "# " + TITLE,
            "## 一、总体情况",
            "本年度政务公开工作有序推进。",
            "## 二、工作机制保障",
            "建立了协调机制。",
            "## 三、主动公开工作情况",
            "全年主动公开信息100条。",
            "## 四、政府信息公开申请情况",
            "全年收到申请10件。",
            "## 一、主动公开政府信息情况",
            "## 表二：主动公开政府信息情况",
            "第二十条第（一）项",
            T2_HEAD,
            "| 规章 | 0 | 0 | 2 |",
            "| 行政规范性文件 | 3 | 1 | 40 |",
            requests_text,
            "三、政府信息公开行政复议、行政诉讼情况",
            "行政复议行政诉讼",
            _row([1, 0, 0, 0, 1] + [0] * 10),
            "（一）主要问题",
            "公开内容还不够全面。",
            "（二）改进情况",
            "下一步将加强培训。",
            "## 五、其他需要报告的事项",
            "本年度未收取信息处理费。",
            "",
        ]
    )
    rep = _report(tmp_path, models, doc)
    headings = {s["id"]: s["heading"] for s in rep["sections"]}
    assert headings == {
        1: "一、总体情况",
        2: "一、主动公开政府信息情况",
        3: "二、收到和处理政府信息公开申请情况",
        4: "三、政府信息公开行政复议、行政诉讼情况",
        5: None,
        6: "五、其他需要报告的事项",
    }
    sections = {s["id"]: s for s in rep["sections"]}
    assert "二、工作机制保障" in sections[1]["text"]  # the report's own outline is prose of section 1
    assert sections[5]["text"].startswith("（一）主要问题") and "下一步将加强培训" in sections[5]["text"]
    for sid in (2, 3, 4):
        assert sections[sid]["text"] == ""  # captions, header lines and cut labels are table text, not prose
    assert rep["tables"]["review_litigation"]["rows"]["review"]["upheld"] == 1


@pytest.mark.parametrize("name", ["shanghai-kewei-2024.md", "shanghai-office-2025.md"])
def test_the_real_converter_fragments(models, name):
    """The two real reports a PDF-to-markdown converter made: every heading, every boundary, no wrong number."""
    doc = read_document(str(ROOT / "data" / "raw" / "fragments" / name))
    rep = build_report(doc, models.row_labeler, models.section_model, models.column_labeler)
    gold = json.loads((ROOT / "data" / "labels" / f"{name}.gold.json").read_text(encoding="utf-8"))
    counts = score_report(rep, gold)["counts"]
    assert counts["cells_wrong"][0] == 0
    assert counts["section_heading"][0] == counts["section_heading"][1]
    assert counts["section_boundary"][0] == counts["section_boundary"][1]
    ok, n = counts["cells"]
    # office-2025 prints table 2's middle column apart from the table (22 / （其中修订16件） above 规章 | 22 | 235):
    # which column each number left is not printed, so those six cells are null
    assert ok / n >= (1.0 if "kewei" in name else 0.97)
