import json

import pandas as pd

from conftest import ROOT
from pipeline.outputs.export import export
from pipeline.batch.run import run_batch
from pipeline.batch.stages import Extract, Predict, Read


def test_read_then_predict_equals_extract_and_carries_failures(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name in ("qingtongxia-2020.txt", "pingtan-2021.html"):
        (inputs / name).write_bytes((ROOT / "data" / "raw" / name).read_bytes())
    (inputs / "empty.html").write_bytes(b"")
    read = run_batch([str(inputs)], str(tmp_path / "docs"), Read())
    assert sorted(p.split("/")[-1] for p in read.written) == [
        "pingtan-2021.html.doc.json",
        "qingtongxia-2020.txt.doc.json",
    ]
    pred = run_batch([str(tmp_path / "docs")], str(tmp_path / "reports"), Predict(models_dir=None))
    run_batch([str(inputs)], str(tmp_path / "direct"), Extract(models_dir=None))
    for name in ("pingtan-2021.html.json", "qingtongxia-2020.txt.json"):
        a = json.loads((tmp_path / "reports" / name).read_text(encoding="utf-8"))
        b = json.loads((tmp_path / "direct" / name).read_text(encoding="utf-8"))
        assert a == b
    errors = [json.loads(line) for line in (tmp_path / "reports" / "errors.jsonl").read_text().splitlines()]
    assert [e["file"].split("/")[-1] for e in errors] == ["empty.html"]
    assert pred.errors == errors


def test_export_writes_long_and_wide_tables_with_printed_values(tmp_path):
    inputs = [str(ROOT / "data" / "raw" / n) for n in ("qingtongxia-2020.txt", "pingtan-2021.html", "gejiu-2020.txt")]
    run_batch(inputs, str(tmp_path / "reports"), Extract(models_dir=None))
    summary = export(tmp_path / "reports", tmp_path / "out")
    assert summary["reports"] == 3
    cells = pd.read_parquet(tmp_path / "out" / "cells")  # one folder per year
    assert sorted(p.name for p in (tmp_path / "out" / "cells").iterdir()) == ["year=2020", "year=2021"]
    assert cells.year.astype(int).tolist().count(2021) == (cells.document == "pingtan-2021.html").sum()
    q = cells[
        (cells.document == "qingtongxia-2020.txt")
        & (cells.table == "active_disclosure")
        & (cells.row == "procurement")
        & (cells.column == "amount_wan")
    ]
    assert q.value.tolist() == [29550.7315] and q.raw.tolist() == ["29550.7315万元"]
    gejiu = cells[cells.document == "gejiu-2020.txt"]
    assert set(gejiu.status) == {"missing"} and gejiu.value.isna().all()
    csv_bytes = (tmp_path / "out" / "cells.csv").read_bytes()
    assert csv_bytes.startswith(b"\xef\xbb\xbf")
    # cells.csv: the official labels beside the identifiers, the report key, whole numbers as printed
    flat = pd.read_csv(tmp_path / "out" / "cells.csv", encoding="utf-8-sig", dtype=str)
    row = flat[(flat.document == "pingtan-2021.html") & (flat.row == "new_received") & (flat.column == "total")]
    assert row[["table_label", "row_label", "column_label", "value", "report"]].values.tolist() == [
        ["收到和处理政府信息公开申请情况", "一、本年新收政府信息公开申请数量", "总计", "70", "平潭综合实验区|2021"]
    ]
    assert (tmp_path / "out" / "cells.csv").read_text(encoding="utf-8-sig").count(",70.0,") == 0
    # tables.xlsx: the audit first; each table with the official two-level header merged, identifiers under it,
    # frozen panes, integers as integers
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter as letter

    book = load_workbook(tmp_path / "out" / "tables.xlsx")
    assert book.sheetnames[0] == "合规审查"
    audit = pd.read_excel(tmp_path / "out" / "tables.xlsx", sheet_name="合规审查")
    assert sorted(audit["机关"].tolist()) == ["个旧市", "平潭综合实验区", "青铜峡市"]
    assert audit.loc[audit["机关"] == "个旧市", "三张表齐全"].tolist() == ["不符合"]
    sheet = book["依申请公开2021"]
    assert sheet.freeze_panes == "E4"
    first = {c.value: c.column for c in sheet[1] if c.value}
    col = first["一、本年新收政府信息公开申请数量"]
    assert f"{letter(col)}1:{letter(col + 6)}1" in {str(r) for r in sheet.merged_cells.ranges}
    assert [sheet.cell(2, col + k).value for k in range(7)] == [
        "自然人",
        "法人或其他组织／商业企业",
        "法人或其他组织／科研机构",
        "法人或其他组织／社会公益组织",
        "法人或其他组织／法律服务机构",
        "法人或其他组织／其他",
        "总计",
    ]
    assert sheet.cell(3, col + 6).value == "new_received.total"
    assert sheet.cell(4, 1).value == "pingtan-2021.html"
    total = sheet.cell(4, col + 6).value
    assert total == 70 and isinstance(total, int)
    ids = pd.read_excel(tmp_path / "out" / "tables.xlsx", sheet_name="依申请公开2021", header=2)
    assert ids["new_received.total"].tolist() == [70]
    checks = pd.read_csv(tmp_path / "out" / "checks.csv", encoding="utf-8-sig")
    assert set(checks.rule) >= {"requests.balance", "requests.total_row", "review_litigation.total"}
    assert set(checks.result) <= {"符合", "不符", "无法核对"} and checks.rule_label.str.contains("＝").all()
