import json
import shutil
import subprocess
import sys


from conftest import EXTERNAL, ROOT, SCANS
from fixtures import REVIEW, make_report_docx, make_report_pdf, report_html, request_values
from pipeline.batch.run import run_batch
from pipeline.batch.stages import Extract
from pipeline.extraction.report import validate_report


def _run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args], cwd=ROOT, capture_output=True, text=True, timeout=600
    )


def _check_2021_fixture(report):
    t = report["tables"]
    assert report["meta"]["template"] == "2021"
    assert t["active_disclosure"]["rows"]["normative_docs"] == {"issued": 8, "repealed": 26, "in_force": 66}
    assert t["active_disclosure"]["rows"]["fees"] == {"amount_wan": 96171.6}
    for row, values in request_values().items():
        got = [
            t["requests"]["rows"][row][c]
            for c in ("natural_person", "commercial", "research", "social_org", "legal_service", "other_org", "total")
        ]
        assert got == values, row
    rl = t["review_litigation"]["rows"]
    assert [rl["review"][c] for c in ("upheld", "corrected", "other", "pending", "total")] == REVIEW[:5]
    assert [rl["litigation_after_review"][c] for c in ("upheld", "corrected", "other", "pending", "total")] == REVIEW[
        10:
    ]
    assert [s["heading"] for s in report["sections"]][0] == "一、总体情况"
    assert all(c["ok"] for c in report["checks"] if c["ok"] is not None)


def test_every_format_gives_the_same_tables(tmp_path, models):
    html = tmp_path / "in" / "report.html"
    html.parent.mkdir()
    html.write_bytes(report_html().encode("gbk"))
    make_report_pdf(tmp_path / "in" / "report.pdf")
    out = tmp_path / "out"
    result = run_batch([str(tmp_path / "in")], str(out), Extract(models_dir=None))
    assert result.errors == []
    for name in ("report.html.json", "report.pdf.json"):
        report = json.loads((out / name).read_text(encoding="utf-8"))
        validate_report(report)
        _check_2021_fixture(report)
        assert report["sections"][4]["text"].startswith("存在的问题是政策解读")
        assert report["sections"][5]["text"] == "本年度未收取信息处理费。"  # the site footer is not section 6


def test_docx_report(tmp_path, models):
    make_report_docx(tmp_path / "r.docx")
    result = run_batch([str(tmp_path / "r.docx")], str(tmp_path / "out"), Extract(models_dir=None))
    assert result.errors == []
    report = json.loads((tmp_path / "out" / "r.docx.json").read_text(encoding="utf-8"))
    assert report["meta"]["year"] == 2022
    t = report["tables"]
    assert t["active_disclosure"]["rows"]["normative_docs"] == {"issued": 21, "repealed": 18, "in_force": 20}
    assert t["requests"]["rows"]["denied.third_party"]["natural_person"] == 1
    assert t["requests"]["rows"]["unable.not_held"]["social_org"] == 1
    assert t["review_litigation"]["rows"]["litigation_direct"]["total"] == 4


def test_cli_batch_records_failures_and_goes_on(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copy(ROOT / "data" / "raw" / "qingtongxia-2020.txt", inputs)
    (inputs / "empty.txt").write_bytes(b"")
    (inputs / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj <<")
    (inputs / "news.html").write_text("<html><body><p>今天天气晴，气温二十度。</p></body></html>", encoding="utf-8")
    out = tmp_path / "out"
    proc = _run_cli("extract", str(inputs), "--out", str(out))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    errors = [json.loads(line) for line in (out / "errors.jsonl").read_text(encoding="utf-8").splitlines()]
    by_file = {e["file"].split("/")[-1]: e for e in errors}
    assert set(by_file) == {"empty.txt", "broken.pdf", "news.html"}
    assert by_file["news.html"]["stage"] == "classify"
    report = json.loads((out / "qingtongxia-2020.txt.json").read_text(encoding="utf-8"))
    assert report["tables"]["active_disclosure"]["rows"]["procurement"] == {"items": 329, "amount_wan": 29550.7315}
    assert report["tables"]["active_disclosure"]["rows"]["licensing"]["change"] == 64


def test_cli_exit_codes(tmp_path):
    ok = _run_cli("extract", str(ROOT / "data" / "raw" / "gejiu-2020.txt"), "--out", str(tmp_path / "o"))
    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "o" / "errors.jsonl").read_text() == ""
    usage = _run_cli("extract", "--out")
    assert usage.returncode == 2
    report = json.loads((tmp_path / "o" / "gejiu-2020.txt.json").read_text(encoding="utf-8"))
    assert {t["status"] for t in report["tables"].values()} == {"missing"}
    assert "rows" not in report["tables"]["requests"]  # a missing table is never filled with zeros


def test_corpus_reports_match_gold(tmp_path, labels_dir):
    """Every corpus document gives schema-valid JSON; tables match the gold cells except where the printed text
    really is ambiguous (cells run together with no sum to tell them apart), which must be null, never a guess."""
    inputs = [str(ROOT / "data" / "raw")]
    if EXTERNAL.exists():
        inputs.append(str(EXTERNAL))
    if SCANS.exists():
        inputs.append(str(SCANS))
    out = tmp_path / "out"
    result = run_batch(inputs, str(out), Extract(models_dir=None))
    assert result.errors == []
    checked = 0
    for gold_path in sorted(labels_dir.glob("*.gold.json")):
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        pred_path = out / f"{gold['document']}.json"
        if not pred_path.exists():
            assert gold["document"].endswith(".pdf") and not (EXTERNAL.exists() and SCANS.exists())
            continue
        pred = json.loads(pred_path.read_text(encoding="utf-8"))
        validate_report(pred)
        assert pred["meta"]["template"] == gold["meta"]["template"]
        assert [s["heading"] for s in pred["sections"]] == [s["heading"] for s in gold["sections"]]
        for table, gt in gold["tables"].items():
            pt = pred["tables"][table]
            assert pt["status"] == gt["status"], (gold["document"], table)
            for row, cols in gt.get("rows", {}).items():
                for col, value in cols.items():
                    got = pt["rows"][row][col]
                    assert got == value or got is None, (gold["document"], table, row, col, value, got)
                    if got is None:
                        assert pt["cells"][row][col]["confidence"] == 0.0
                    checked += 1
    assert checked > 1500


def test_digits_run_together_keep_the_cells_every_reading_agrees_on(tmp_path, models):
    """A crawler's one-line rendering whose table cells ran together with no separator: where the digits can be cut
    more than one way under the sums (table 4's `011010212000200000` is 0·11·0·10·21 or 0·1·10·10·21 in its first
    row), the cells every reading agrees on are kept and the others are null, with a note; a row of 主动公开 (no
    sum) keeps a cell only where every cut gives it (`0267`: 0 first, a count never printed with a leading 0)."""
    text = (ROOT / "data" / "raw" / "pingtan-2021.txt").read_text(encoding="utf-8")
    assert "10203120001200000五、" in text and "行政规范性文件693665" in text
    text = text.replace("10203120001200000五、", "011010212000200000五、")
    text = text.replace("行政规范性文件693665", "行政规范性文件0267")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "flat.txt").write_text(text, encoding="utf-8")
    result = run_batch([str(tmp_path / "in")], str(tmp_path / "out"), Extract(models_dir=str(models)))
    assert result.errors == []
    report = json.loads((tmp_path / "out" / "flat.txt.json").read_text(encoding="utf-8"))
    validate_report(report)
    t4 = report["tables"]["review_litigation"]
    columns = ("upheld", "corrected", "other", "pending", "total")
    assert [t4["rows"]["review"][c] for c in columns] == [0, None, None, 10, 21]
    assert [t4["rows"]["litigation_direct"][c] for c in columns] == [2, 0, 0, 0, 2]
    assert [t4["rows"]["litigation_after_review"][c] for c in columns] == [0, 0, 0, 0, 0]
    assert t4["cells"]["review"]["corrected"]["confidence"] == 0.0
    assert any("2 readings" in n and "agree" in n for n in t4["notes"]), t4["notes"]
    t2 = report["tables"]["active_disclosure"]
    assert t2["rows"]["normative_docs"] == {"issued": 0, "repealed": None, "in_force": None}
    assert any(n.startswith("row normative_docs:") and "agree" in n for n in t2["notes"]), t2["notes"]
