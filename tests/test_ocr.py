"""OCR with the real engine (RapidOCR) on scans the tests make themselves: generated reports printed with a real
CJK font and scanned (pipeline/synth_scan.py), pages saved as image files, tables pasted as pictures into Word
files and web pages. Nothing is mocked: every number is read from pixels, and checked against what was printed.
"""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from fixtures import make_report_pdf

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _cells(report: dict, gold: dict):
    """(gold value, read value) of every cell of every table the gold file has found."""
    for table, gt in gold["tables"].items():
        if gt["status"] != "found":
            continue
        rows = report["tables"][table].get("rows") or {}
        for row, cols in gt["rows"].items():
            for col, value in cols.items():
                yield table, row, col, value, rows.get(row, {}).get(col)


def _score(report: dict, gold: dict) -> tuple[int, int, list]:
    exact = total = 0
    wrong = []
    for table, row, col, value, got in _cells(report, gold):
        total += 1
        if got is not None and abs(float(got) - float(value)) < 1e-6:
            exact += 1
        elif got is not None:
            wrong.append((table, row, col, value, got))
    return exact, total, wrong


@pytest.fixture(scope="module")
def scanned_reports(tmp_path_factory):
    """Three generated reports (both templates drawn at random) printed and scanned, with their gold labels."""
    from pipeline.modeling import synth_scan, synthesize

    synth_scan.cjk_fonts()  # a clear error naming the font packages when the machine has none
    out = tmp_path_factory.mktemp("scans")
    synthesize.generate(out, 3, 20261202, ROOT / "data" / "raw", ["scan"])
    return out


@pytest.mark.slow  # slow (about a minute): every labelled scan OCR'd end to end; run by .ci/run (-m slow)
def test_scanned_reports_are_read_from_pixels_with_no_wrong_number(scanned_reports, models):
    from pipeline.batch.stages import extract_one

    exact = total = 0
    for gold_path in sorted((scanned_reports / "labels").glob("*.gold.json")):
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        report = extract_one(scanned_reports / "docs" / gold["document"], models)
        e, t, wrong = _score(report, gold)
        assert wrong == [], (gold["document"], wrong)  # a cell OCR cannot be sure of is null, never a guess
        exact, total = exact + e, total + t
        assert report["source"]["ocr_pages"] == list(range(1, report["source"]["pages"] + 1))
        assert report["meta"]["year"] == gold["meta"]["year"]
        for table, gt in gold["tables"].items():
            assert report["tables"][table]["status"] == gt["status"], (gold["document"], table)
            for row in (report["tables"][table].get("cells") or {}).values():
                for cell in row.values():
                    assert cell.get("source") == "ocr" or cell["raw"] is None
        found = [s["heading"] for s in report["sections"]]
        assert sum(h is not None for h in found) >= 5
    assert total > 300 and exact >= 0.85 * total, (exact, total)


def test_a_born_digital_report_scanned_reads_as_the_original(tmp_path, models):
    """The fixture report (every sum holds, table 3 in 6-point type) printed and scanned at 300 dpi with heavy noise:
    every cell read is as in the original, most are read, and the OCR'd cells say so."""
    from pipeline.batch.stages import extract_one
    from pipeline.modeling.synth_scan import scan_pdf

    original = make_report_pdf(tmp_path / "original.pdf")
    scan = tmp_path / "scan.pdf"
    scan_pdf(original, scan, random.Random(3), ocr_layer=True, dpi=300)
    got, want = extract_one(scan, models), extract_one(original, models)
    for table in ("active_disclosure", "requests", "review_litigation"):
        assert got["tables"][table]["status"] == "found"
        for row, cols in want["tables"][table]["rows"].items():
            for col, value in cols.items():
                assert got["tables"][table]["rows"][row][col] in (value, None), (table, row, col)
    exact = sum(
        got["tables"][t]["rows"][r][c] == v
        for t in want["tables"]
        for r, cols in want["tables"][t]["rows"].items()
        for c, v in cols.items()
    )
    total = sum(len(cols) for t in want["tables"] for cols in want["tables"][t]["rows"].values())
    assert exact >= 0.7 * total, (exact, total)
    assert any("read by OCR" in w for w in got["source"]["warnings"])
    for row, cols in got["tables"]["requests"]["rows"].items():
        for col, value in cols.items():
            cell = got["tables"]["requests"]["cells"][row][col]
            if value is not None:
                assert cell["source"] == "ocr" and 0 < cell["confidence"] <= 1
            else:
                assert cell["confidence"] == 0


def _page_pictures(pdf: Path, dpi: int = 200):
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        return [doc[i].render(scale=dpi / 72).to_pil() for i in range(len(doc))]
    finally:
        doc.close()


def test_image_files_are_read_as_pages(tmp_path, models):
    """The fixture report's pages as a multi-page TIFF and as one PNG per page: the TIFF is read whole; a PNG of
    the page holding table 3's start is read as a picture of a page."""
    from pipeline.batch.stages import extract_one

    pages = _page_pictures(make_report_pdf(tmp_path / "original.pdf"))
    tiff = tmp_path / "report.tif"
    pages[0].save(tiff, save_all=True, append_images=pages[1:], dpi=(200, 200))
    report = extract_one(tiff, models)
    assert report["source"]["format"] == "image"
    assert report["source"]["ocr_pages"] == list(range(1, len(pages) + 1))
    want = extract_one(tmp_path / "original.pdf", models)
    rows, expected = report["tables"]["requests"]["rows"], want["tables"]["requests"]["rows"]
    assert all(rows[r][c] in (v, None) for r, cols in expected.items() for c, v in cols.items())
    assert sum(rows[r][c] == v for r, cols in expected.items() for c, v in cols.items()) >= 0.97 * 175
    assert [s["heading"] for s in report["sections"]] == [s["heading"] for s in want["sections"]]


def _table_picture(tmp_path: Path) -> bytes:
    """Table 4 of the fixture report as a PNG cropped from its page (what a publisher pastes into Word)."""
    from pipeline.readers.options import ReadOptions  # noqa: F401 (the reader locates the table)
    from pipeline.readers.formats import read_document

    pdf = make_report_pdf(tmp_path / "source.pdf")
    doc = read_document(str(pdf))
    page = [b for b in doc.blocks if b.kind == "table"][-1].page
    picture = _page_pictures(pdf)[page - 1]
    import pdfplumber

    with pdfplumber.open(str(pdf)) as p:
        words = p.pages[page - 1].extract_words()
    top = min(w["top"] for w in words if w["text"].startswith("行政复议")) - 8
    buf = io.BytesIO()
    picture.crop((0, int(top * 200 / 72), picture.width, int((top + 70) * 200 / 72))).save(buf, "PNG")
    return buf.getvalue()


REVIEW_ROWS = {
    "review": {"upheld": 1, "corrected": 0, "other": 0, "pending": 1, "total": 2},
    "litigation_direct": {"upheld": 3, "corrected": 1, "other": 0, "pending": 0, "total": 4},
    "litigation_after_review": {"upheld": 0, "corrected": 0, "other": 0, "pending": 0, "total": 0},
}
HEADINGS = [
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
]


def test_a_table_pasted_as_a_picture_into_word_is_read(tmp_path, models):
    import docx
    from docx.shared import Pt

    from pipeline.batch.stages import extract_one

    picture = tmp_path / "table4.png"
    picture.write_bytes(_table_picture(tmp_path))
    d = docx.Document()
    d.add_paragraph("示例县人民政府2024年政府信息公开工作年度报告")
    for k, heading in enumerate(HEADINGS, start=1):
        d.add_paragraph(heading)
        d.add_paragraph("本年度各项工作有序推进。")
        if k == 4:
            d.add_picture(str(picture), width=Pt(450))
    d.save(tmp_path / "report.docx")
    report = extract_one(tmp_path / "report.docx", models)
    assert report["source"]["ocr_pictures"] == 1
    assert report["tables"]["review_litigation"]["status"] == "found"
    assert report["tables"]["review_litigation"]["rows"] == REVIEW_ROWS


def test_pictures_of_a_web_page_saved_with_its_files_are_read_and_nothing_else_is(tmp_path, models):
    """page.html + page_files/: the picture where table 4 should be is read; a path out of the page's folder and
    a web address are never opened (a planted file outside and a symbolic link prove it)."""
    from pipeline.batch.run import run_batch
    from pipeline.batch.stages import Extract

    site = tmp_path / "site"
    (site / "page_files").mkdir(parents=True)
    (site / "page_files" / "image001.png").write_bytes(_table_picture(tmp_path))
    secret = tmp_path / "outside.png"
    secret.write_bytes(_table_picture(tmp_path))
    (site / "page_files" / "link.png").symlink_to(secret)
    body = "".join(
        f"<p>{h}</p><p>本年度各项工作有序推进。</p>"
        + (
            '<p><img src="page_files/image001.png" width="600"></p>'
            '<p><img src="../outside.png"><img src="page_files/link.png">'
            '<img src="http://127.0.0.1:9/x.png"><img src="/etc/passwd"></p>'
            if k == 4
            else ""
        )
        for k, h in enumerate(HEADINGS, start=1)
    )
    (site / "page.html").write_text(
        f"<html><head><meta charset='utf-8'></head><body><h1>示例县2024年政府信息公开"
        f"工作年度报告</h1>{body}</body></html>",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = run_batch([str(site)], str(out), Extract(models_dir=None))
    assert result.errors == []
    assert [Path(p).name for p in result.written] == ["page.html.json"]  # the page's pictures are no inputs
    report = json.loads((out / "page.html.json").read_text(encoding="utf-8"))
    assert report["source"]["ocr_pictures"] == 1  # the one inside the folder; not the link, not ../, not http
    assert report["tables"]["review_litigation"]["rows"] == REVIEW_ROWS


def test_ocr_off_refuses_a_scan_and_names_the_switch(tmp_path):
    from pipeline.document import ReadError
    from pipeline.readers.formats import read_document
    from pipeline.readers.options import ReadOptions
    from pipeline.readers.ocr.options import OcrOptions
    from pipeline.modeling.synth_scan import scan_pdf

    scan = tmp_path / "scan.pdf"
    scan_pdf(make_report_pdf(tmp_path / "original.pdf"), scan, random.Random(1), ocr_layer=False, dpi=100)
    with pytest.raises(ReadError) as e:
        read_document(str(scan), ReadOptions(ocr=OcrOptions(mode="off")))
    assert "scanned PDF" in str(e.value) and "--ocr auto" in str(e.value)


def test_without_the_engine_a_scan_fails_with_what_to_install(tmp_path):
    """A machine without rapidocr-onnxruntime: the scan is one clear error naming the package; a born-digital
    report beside it is still read."""
    from pipeline.modeling.synth_scan import scan_pdf

    scan = tmp_path / "in" / "scan.pdf"
    scan.parent.mkdir()
    scan_pdf(make_report_pdf(tmp_path / "original.pdf"), scan, random.Random(2), ocr_layer=False, dpi=100)
    make_report_pdf(tmp_path / "in" / "good.pdf")
    code = (
        "import sys; sys.modules['rapidocr_onnxruntime'] = None\n"
        "from pipeline.__main__ import main\n"
        f"sys.exit(main(['extract', {str(tmp_path / 'in')!r}, '--out', {str(tmp_path / 'out')!r}, "
        "'--workers', '0', '--models', '', '--quiet']))"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 1, run.stderr
    errors = [json.loads(line) for line in (tmp_path / "out" / "errors.jsonl").read_text().splitlines()]
    assert [Path(e["file"]).name for e in errors] == ["scan.pdf"]
    assert "pip install rapidocr-onnxruntime" in errors[0]["message"]
    assert (tmp_path / "out" / "good.pdf.json").exists()


def test_a_crop_in_the_wrong_shape_is_an_error_not_a_reading():
    """The recogniser takes colour crops (N × 3 × 48 × W). OpenVINO would broadcast a grey crop over the three
    channels and read it without a word: a bug feeding it grey pixels must fail loudly, naming the model."""
    import numpy as np

    from pipeline.readers.ocr.engine_rapidocr import load

    recogniser = load("rapidocr", 1)
    assert recogniser.run(np.zeros((1, 3, 48, 320), np.float32)).shape[:2] == (1, 40)  # 40 frames of a 320 crop
    with pytest.raises(Exception, match="rec_infer|channel|INVALID"):
        recogniser.run(np.zeros((1, 1, 48, 320), np.float32))


def test_openvino_and_onnx_runtime_read_a_scan_alike(tmp_path):
    """The recogniser's models run on OpenVINO where it is installed, else on ONNX Runtime: a scan read both ways
    gives the same report — every value, raw text and status — and confidences equal to within a few ten-thousandths
    (the two runtimes' arithmetic differs in the last bits of a probability)."""
    pytest.importorskip("openvino")
    from pipeline.modeling.synth_scan import scan_pdf

    scan = tmp_path / "in" / "scan.pdf"
    scan.parent.mkdir()
    scan_pdf(make_report_pdf(tmp_path / "original.pdf"), scan, random.Random(5), ocr_layer=False, dpi=150)
    reports = {}
    for runtime, block in (("openvino", ""), ("onnxruntime", "sys.modules['openvino'] = None\n")):
        code = (
            f"import sys\n{block}"
            "from pipeline.__main__ import main\n"
            f"code = main(['extract', {str(scan)!r}, '--out', {str(tmp_path / runtime)!r}, "
            "'--workers', '0', '--models', '', '--quiet'])\n"
            "print('openvino loaded:', sys.modules.get('openvino') is not None)\n"
            "sys.exit(code)"
        )
        run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, run.stderr
        assert f"openvino loaded: {runtime == 'openvino'}" in run.stdout
        reports[runtime] = json.loads((tmp_path / runtime / "scan.pdf.json").read_text(encoding="utf-8"))

    def cells(report):
        return {
            (table, row, col): cell
            for table, t in report["tables"].items()
            for row, cols in (t.get("cells") or {}).items()
            for col, cell in cols.items()
        }

    a, b = cells(reports["openvino"]), cells(reports["onnxruntime"])
    assert len(a) > 50 and a.keys() == b.keys()
    for key in a:
        assert a[key]["raw"] == b[key]["raw"], key
        assert abs((a[key].get("confidence") or 1.0) - (b[key].get("confidence") or 1.0)) <= 5e-4, key
    for table in reports["openvino"]["tables"]:
        ta, tb = reports["openvino"]["tables"][table], reports["onnxruntime"]["tables"][table]
        assert (ta["status"], ta.get("rows")) == (tb["status"], tb.get("rows")), table
    assert [s["text"] for s in reports["openvino"]["sections"]] == [
        s["text"] for s in reports["onnxruntime"]["sections"]
    ]


# ------------------------------------------------------------------ the guard: numbers from pixels, never a guess


def _ocr_table(
    values: dict, confidence: dict | None = None, alternatives: dict | None = None, ink=None, table="review_litigation"
):
    """Table 4 (or `table`) built by the table stage from an OCR'd grid with the given readings (raw texts)."""
    from pipeline.document import Cell
    from pipeline.extraction.values import TableResult

    res = TableResult(table, status="found")
    for row, cols in values.items():
        res.rows[row], res.cells[row] = {}, {}
        for col, raw in cols.items():
            conf = (confidence or {}).get((row, col), 0.99)
            cell = Cell(
                raw,
                confidence=conf,
                alternatives=(alternatives or {}).get((row, col)),
                source="ocr",
                ink=(ink or {}).get((row, col), bool(raw)),
            )
            from pipeline.extraction.cells import parse_value

            res.rows[row][col] = parse_value(raw) if not (cell.ink and not raw) else None
            res.cells[row][col] = {"raw": raw, "confidence": conf, "source": "ocr"}
            res.ocr[(row, col)] = cell
    return res


def _review(*rows):
    cols = ("upheld", "corrected", "other", "pending", "total")
    return {
        name: dict(zip(cols, row))
        for name, row in zip(("review", "litigation_direct", "litigation_after_review"), rows)
    }


def test_an_unsure_reading_is_kept_only_when_the_sums_confirm_it():
    from pipeline.extraction.ocr_guard import verify_ocr_table

    res = _ocr_table(
        _review(["1", "0", "0", "1", "2"], ["3", "1", "0", "0", "4"], ["", "", "", "", ""]),
        confidence={("review", "pending"): 0.6, ("litigation_direct", "upheld"): 0.5},
        alternatives={("litigation_direct", "upheld"): [("8", 0.3)]},
    )
    verify_ocr_table(res, "review_litigation", "2021")
    assert res.rows["review"]["pending"] == 1 and res.cells["review"]["pending"]["checked"] == "sums"
    assert res.rows["litigation_direct"]["upheld"] == 3  # 8 would break the row's total: 3 is the one reading


def test_two_readings_the_sums_cannot_tell_apart_leave_the_cell_null():
    from pipeline.extraction.ocr_guard import verify_ocr_table

    # upheld read 3 (unsure, maybe 8) and total read 4 (unsure, maybe 9): 3+1=4 and 8+1=9 both hold
    res = _ocr_table(
        _review(["1", "0", "0", "1", "2"], ["3", "1", "0", "0", "4"], ["", "", "", "", ""]),
        confidence={("litigation_direct", "upheld"): 0.6, ("litigation_direct", "total"): 0.6},
        alternatives={("litigation_direct", "upheld"): [("8", 0.3)], ("litigation_direct", "total"): [("9", 0.3)]},
    )
    verify_ocr_table(res, "review_litigation", "2021")
    assert res.rows["litigation_direct"]["upheld"] is None and res.rows["litigation_direct"]["total"] is None
    assert res.cells["litigation_direct"]["upheld"]["raw"] == "3"  # the printed reading is kept as evidence
    assert res.rows["litigation_direct"]["corrected"] == 1  # a sure reading stays


def test_ink_that_reads_as_nothing_is_never_a_zero_unless_the_sums_say_so():
    from pipeline.extraction.ocr_guard import verify_ocr_table

    # pending of row 1: ink, no reading (maybe a speck on a blank cell: alternative ""); the total confirms 0
    res = _ocr_table(
        _review(["1", "0", "0", "", "1"], ["3", "1", "0", "", "5"], ["", "", "", "", ""]),
        ink={("review", "pending"): True, ("litigation_direct", "pending"): True},
        alternatives={("review", "pending"): [("", 0.5)], ("litigation_direct", "pending"): [("", 0.5)]},
        confidence={("review", "pending"): 0.0, ("litigation_direct", "pending"): 0.0},
    )
    verify_ocr_table(res, "review_litigation", "2021")
    assert res.rows["review"]["pending"] == 0  # 1+0+0+0 = 1: the sum says the ink was noise
    assert res.rows["litigation_direct"]["pending"] is None  # 3+1+0+0 != 5: no reading fits, null


def test_a_sum_that_fails_over_unsure_cells_nulls_them_and_keeps_the_very_sure():
    from pipeline.extraction.ocr_guard import verify_ocr_table

    res = _ocr_table(
        _review(["1", "0", "0", "1", "3"], ["3", "1", "0", "0", "4"], ["", "", "", "", ""]),
        confidence={("review", "upheld"): 0.95},
    )
    verify_ocr_table(res, "review_litigation", "2021")
    assert res.rows["review"]["upheld"] is None  # 0.95: read, but a failing sum runs over it
    assert res.rows["review"]["total"] == 3  # very sure: kept as printed; the check reports the failing sum


def test_an_unsure_reading_where_no_sum_reaches_is_null():
    """主动公开 has no sums: an unsure number there has nothing to confirm it, whatever it reads."""
    from pipeline.document import Cell
    from pipeline.extraction.ocr_guard import verify_ocr_table
    from pipeline.extraction.values import TableResult

    res = TableResult("active_disclosure", status="found")
    res.rows = {"fees": {"amount_wan": 4791721}, "penalty": {"decisions": 12}}
    res.cells = {
        "fees": {"amount_wan": {"raw": "4791721", "confidence": 0.5, "source": "ocr"}},
        "penalty": {"decisions": {"raw": "12", "confidence": 0.99, "source": "ocr"}},
    }
    res.ocr = {
        ("fees", "amount_wan"): Cell("4791721", confidence=0.5, source="ocr", ink=True),
        ("penalty", "decisions"): Cell("12", confidence=0.99, source="ocr", ink=True),
    }
    verify_ocr_table(res, "active_disclosure", "2021")
    assert res.rows["fees"]["amount_wan"] is None and "checked" not in res.cells["fees"]["amount_wan"]
    assert res.rows["penalty"]["decisions"] == 12  # sure enough to stand without a sum


def test_a_blank_cell_read_from_pixels_is_zero_only_where_the_sums_say_so():
    """No ink found in a cell may be a digit too faint to see (a photo's dark corner): 0 where a sum confirms it,
    null where none can (主动公开 has no sums)."""
    from pipeline.document import Cell
    from pipeline.extraction.ocr_guard import verify_ocr_table
    from pipeline.extraction.values import TableResult

    res = _ocr_table(_review(["1", "", "0", "0", "1"], ["3", "", "0", "0", "4"], ["", "", "", "", ""]))
    verify_ocr_table(res, "review_litigation", "2021")
    assert res.rows["review"]["corrected"] == 0 and res.cells["review"]["corrected"]["checked"] == "sums"
    assert res.rows["litigation_after_review"]["total"] == 0  # a row of blanks whose sum holds
    assert res.rows["litigation_direct"]["corrected"] is None  # 3 + 0 + 0 + 0 != 4: the blank hides a 1
    assert any("litigation_direct.corrected: blank" in n for n in res.notes)

    table2 = TableResult("active_disclosure", status="found")
    table2.rows = {"penalty": {"decisions": 0}}
    table2.cells = {"penalty": {"decisions": {"raw": "", "confidence": 0.99, "source": "ocr"}}}
    table2.ocr = {("penalty", "decisions"): Cell("", confidence=1.0, source="ocr", ink=False)}
    verify_ocr_table(table2, "active_disclosure", "2021")
    assert table2.rows["penalty"]["decisions"] is None


def test_a_sum_with_an_unreadable_cell_still_bounds_the_cells_read():
    """total = upheld + corrected + other + pending with `other` unreadable: the parts read cannot add up to more
    than the total (the unreadable one is a count, never below 0), so a misreading that overshoots is caught."""
    from pipeline.extraction.ocr_guard import verify_ocr_table

    res = _ocr_table(
        _review(["7", "5", "", "0", "10"], ["1", "0", "0", "0", "1"], ["", "", "", "", ""]),
        confidence={("review", "upheld"): 0.95, ("review", "other"): 0.0},
        ink={("review", "other"): True},
    )
    verify_ocr_table(res, "review_litigation", "2021")
    assert res.rows["review"]["upheld"] is None  # 7 + 5 > 10: not very sure, so null
    assert res.rows["review"]["corrected"] == 5 and res.rows["review"]["total"] == 10  # read very surely: kept


def test_a_sum_no_reading_of_its_unsure_cell_can_make_hold_distrusts_the_rest():
    """75 read as 5 (0.95: sure enough to be read, not very sure): its row's total 80 is sure; `corrected` is unsure,
    read 3 or 8. No reading makes 5 + x = 80, so the sum fails whatever `corrected` is: the 5 is null too."""
    from pipeline.extraction.ocr_guard import verify_ocr_table

    res = _ocr_table(
        _review(["5", "3", "0", "0", "80"], ["1", "0", "0", "0", "1"], ["", "", "", "", ""]),
        confidence={("review", "upheld"): 0.95, ("review", "corrected"): 0.6},
        alternatives={("review", "corrected"): [("8", 0.3)]},
    )
    verify_ocr_table(res, "review_litigation", "2021")
    assert res.rows["review"]["corrected"] is None
    assert res.rows["review"]["upheld"] is None
    assert res.rows["review"]["total"] == 80


def test_readings_changed_together_that_no_sum_pins_one_by_one_are_not_taken():
    """From the volume hunt (a photographed report): three unsure cells of one row, the page printing 268, 297 and
    565. 268 is no reading of its cell, yet 258 + 297 = 555 holds among the readings: the only sum over them is the
    row's, and it would have to accept three changed readings at once. Nothing is settled; never 555."""
    from pipeline.extraction.ocr_guard import verify_ocr_table

    res = _ocr_table(
        _review(["0", "256", "291", "0", "565"], ["1", "0", "0", "0", "1"], ["", "", "", "", ""]),
        confidence={("review", "corrected"): 0.71, ("review", "other"): 0.30, ("review", "total"): 0.81},
        alternatives={
            ("review", "corrected"): [("258", 0.1), ("266", 0.05), ("286", 0.03)],
            ("review", "other"): [("281", 0.2), ("290", 0.2), ("297", 0.1), ("261", 0.05)],
            ("review", "total"): [("555", 0.1), ("5655", 0.02), ("585", 0.02)],
        },
    )
    verify_ocr_table(res, "review_litigation", "2021")
    assert [res.rows["review"][c] for c in ("corrected", "other", "total")] == [None, None, None]
    assert res.rows["review"]["upheld"] == 0


def test_a_row_placed_by_its_order_that_reads_nothing_is_null_not_an_error():
    """From the volume hunt: a row filled by the template's order whose cells were all unreadable made the check of
    the filled rows fail with a KeyError, and the whole report was lost."""
    from pipeline.extraction.table_rules import check_filled
    from pipeline.extraction.values import TableResult
    from pipeline import schema

    res = TableResult("requests", status="found")
    for row in schema.row_ids("requests", "2021"):
        res.rows[row] = {c: 0 for c in schema.column_ids("requests", "2021", row)}
        res.cells[row] = {c: {"raw": "0", "confidence": 0.9} for c in res.rows[row]}
    res.rows["carried_over"] = {c: None for c in res.rows["carried_over"]}
    check_filled(res, "requests", "2021", {"carried_over", "granted"})
    assert all(v is None for v in res.rows["granted"].values())  # not confirmed by the sums: null


def test_a_sure_reading_a_failing_sum_runs_over_is_taken_when_the_sums_choose_its_other_reading():
    """A 1288 read as a sure-but-not-very-sure 1388 (0.95, its other reading 1288) breaks its row's total, read very
    surely: the second look opens the cells of the failing sum to their own readings, and the one combination that
    makes it hold is taken, with a note saying what was read and what the sums chose."""
    from pipeline.extraction.ocr_guard import verify_ocr_table

    res = _ocr_table(
        _review(["1388", "21", "0", "3", "1312"], ["1", "0", "0", "0", "1"], ["", "", "", "", ""]),
        confidence={("review", "upheld"): 0.95},
        alternatives={("review", "upheld"): [("1288", 0.04), ("1368", 0.01)]},
    )
    verify_ocr_table(res, "review_litigation", "2021", very_sure=0.98)
    assert res.rows["review"]["upheld"] == 1288 and res.cells["review"]["upheld"]["checked"] == "sums"
    assert res.cells["review"]["upheld"]["raw"] == "1388"  # what was read stays as evidence
    assert any("review.upheld: OCR read '1388'; the table's sums choose 1288" in n for n in res.notes)
    assert res.rows["review"]["total"] == 1312 and res.rows["review"]["corrected"] == 21


def test_two_sure_readings_the_sums_could_only_change_together_stay_null():
    """The second look takes a changed reading only where a sum forces it on its own: 7 (maybe 1) and 0 (maybe 3)
    under a total of 4 hold only as 1 + 3, two readings changed within one sum and nowhere else, which could add up
    by chance. Both are null; the very sure total stays."""
    from pipeline.extraction.ocr_guard import verify_ocr_table

    res = _ocr_table(
        _review(["7", "0", "0", "0", "4"], ["1", "0", "0", "0", "1"], ["", "", "", "", ""]),
        confidence={("review", "upheld"): 0.95, ("review", "corrected"): 0.95},
        alternatives={("review", "upheld"): [("1", 0.04)], ("review", "corrected"): [("3", 0.04)]},
    )
    verify_ocr_table(res, "review_litigation", "2021", very_sure=0.98)
    assert res.rows["review"]["upheld"] is None and res.rows["review"]["corrected"] is None
    assert res.rows["review"]["total"] == 4


def test_slashes_read_as_ones_beside_a_total_that_leaves_nothing_for_them_are_zeros():
    """From the volume hunt (a scan whose blank cells are printed as slashes): each slash read as 1, unsure, its
    other reading "/". The row's 5 and its total 5 leave nothing for the three cells between them, and none of them
    can be below 0: each is 0 by the sum alone, though three readings change within one sum and the row holds more
    cells read as probably wrong than sums. Where the sum leaves something over for them, which of them holds it
    cannot be told: null."""
    from pipeline.extraction.ocr_guard import verify_ocr_table

    slashes = {("review", c): 0.34 for c in ("corrected", "other", "pending")}
    res = _ocr_table(
        _review(["5", "1", "1", "1", "5"], ["1", "0", "0", "0", "1"], ["", "", "", "", ""]),
        confidence=slashes,
        alternatives={k: [("/", 0.26)] for k in slashes},
    )
    verify_ocr_table(res, "review_litigation", "2021")
    assert [res.rows["review"][c] for c in ("upheld", "corrected", "other", "pending", "total")] == [5, 0, 0, 0, 5]
    assert all(res.cells["review"][c]["checked"] == "sums" for c in ("corrected", "other", "pending"))
    assert res.cells["review"]["other"]["raw"] == "1"  # what was read stays as evidence

    res = _ocr_table(
        _review(["4", "1", "1", "1", "5"], ["1", "0", "0", "0", "1"], ["", "", "", "", ""]),
        confidence=slashes,
        alternatives={k: [("/", 0.26)] for k in slashes},
    )
    verify_ocr_table(res, "review_litigation", "2021")
    assert [res.rows["review"][c] for c in ("corrected", "other", "pending")] == [None, None, None]
    assert res.rows["review"]["upheld"] == 4 and res.rows["review"]["total"] == 5


def test_blanks_their_own_column_confirms_stay_0_when_a_crossing_column_fails():
    """From the volume hunt (a scan printing its zeros as blank cells): one misread cell in a column (3 read as 8,
    unsure) breaks that column's sum, so its blank cells are in doubt, and so is every row that crosses them. The
    other blanks of those rows are 0 all the same: each one's own column sum holds with them. The misread cell and
    the blanks of its column are then fixed twice over (each by its row, and by its column with the others its rows
    give): the 8 is the printed 3 (one digit changed), the blanks 0. Read as 38 (another length), the ink could not
    print the 3: null, and the blanks still 0."""
    from pipeline.extraction.ocr_guard import verify_ocr_table

    printed = {
        "granted": [5, 1, 0, 0, 3, 0],
        "partially_granted": [2, 0, 0, 0, 0, 0],
        "other.other": [2, 0, 0, 0, 3, 0],
    }
    misread = {("other.other", "legal_service"): "8"}
    misread.update({("partially_granted", c): "" for c in ("commercial", "research", "social_org", "legal_service")})
    misread.update({("partially_granted", "other_org"): "", ("denied.state_secret", "legal_service"): ""})
    res, columns = _requests_read(printed, misread, {("other.other", "legal_service"): 0.5})
    verify_ocr_table(res, "requests", "2021", very_sure=0.98)
    row = res.rows["partially_granted"]
    assert [row[c] for c in columns] == [2, 0, 0, 0, 0, 0, 2]
    assert res.rows["other.other"]["legal_service"] == 3 and res.rows["denied.state_secret"]["legal_service"] == 0
    assert res.cells["other.other"]["legal_service"]["checked"] == "sums"
    assert res.rows["granted"]["legal_service"] == 3

    misread[("other.other", "legal_service")] = "38"
    res, columns = _requests_read(printed, misread, {("other.other", "legal_service"): 0.5})
    verify_ocr_table(res, "requests", "2021", very_sure=0.98)
    assert res.rows["other.other"]["legal_service"] is None
    assert res.rows["partially_granted"]["legal_service"] == 0 and res.rows["denied.state_secret"]["legal_service"] == 0


def _requests_read(printed: dict, misread: dict, confidence: dict):
    """Table 3 (2021) built from OCR readings: `printed` outcome rows (six applicant numbers each, the rest 0), the
    totals and new_received made up from them, every cell read as printed at 0.99 but for `misread` (raw texts) and
    `confidence`."""
    from pipeline import schema

    columns = schema.column_ids("requests", "2021", "granted")
    numbers = {row: [0] * 6 for row in schema.row_ids("requests", "2021")}
    numbers.update(printed)
    outcomes = [r for r in numbers if r not in ("new_received", "carried_over", "total", "carried_forward")]
    numbers["total"] = [sum(numbers[r][k] for r in outcomes) for k in range(6)]
    numbers["new_received"] = list(numbers["total"])
    values = {row: {c: str(v) for c, v in zip(columns, vs + [sum(vs)])} for row, vs in numbers.items()}
    for (row, col), raw in misread.items():
        values[row][col] = raw
    return _ocr_table(values, confidence=confidence, table="requests"), columns


def test_a_failing_sum_spares_the_cells_other_sums_confirm_when_one_of_its_cells_can_carry_the_error():
    """From a photographed report: 447 read as an unsure 8 breaks its column, so its row's sum fails too. The row's
    7 and 454 (sure, not very sure) are each confirmed by their own column, which holds; the 8 is in no sum that
    holds and carries the error: it is null (its column and row do fix it at 447, but the ink read as 8 cannot print
    a number of three digits), the 7 and the 454 stay. Where the 7 was misread too (as 71), its column fails as well:
    nothing confirms it, null. Misread as 1, its column and its row (with the 447 its column fixes) both give 7."""
    from pipeline.extraction.ocr_guard import verify_ocr_table

    printed = {"granted": [1288, 21, 0, 0, 50, 3], "partially_granted": [447, 7, 0, 0, 0, 0]}
    unsure = {("partially_granted", "natural_person"): 0.5, ("partially_granted", "commercial"): 0.95}
    unsure[("partially_granted", "total")] = 0.95
    res, columns = _requests_read(printed, {("partially_granted", "natural_person"): "8"}, unsure)
    verify_ocr_table(res, "requests", "2021", very_sure=0.98)
    assert [res.rows["partially_granted"][c] for c in columns] == [None, 7, 0, 0, 0, 0, 454]
    assert res.rows["granted"]["natural_person"] == 1288

    misread = {("partially_granted", "natural_person"): "8", ("partially_granted", "commercial"): "71"}
    res, columns = _requests_read(printed, misread, unsure)
    verify_ocr_table(res, "requests", "2021", very_sure=0.98)
    assert [res.rows["partially_granted"][c] for c in columns] == [None, None, 0, 0, 0, 0, 454]

    misread[("partially_granted", "commercial")] = "1"
    res, columns = _requests_read(printed, misread, unsure)
    verify_ocr_table(res, "requests", "2021", very_sure=0.98)
    assert [res.rows["partially_granted"][c] for c in columns] == [None, 7, 0, 0, 0, 0, 454]


def test_cells_the_sums_fix_twice_over_take_the_value_their_ink_could_print():
    """From a phone photograph of a report printed in 6-pt type (huaian-2024-photo): 1288 read as 1388, 447
    unreadable, 7 read as 1, a row total 105 read as 106, one column crossing all four. Every sum over them fails,
    and each of their rows loses its numbers. Yet the table adds up in two independent ways over each of them (its
    row; its column, with the cells the other rows fix): each takes that value, as its ink could print it (one digit
    changed, or no reading at all). A value only one sum fixes stays null (table 4's rows have no column sums), and
    so does every value of a group whose sums disagree with a sure cell (one of them is misread)."""
    from pipeline.extraction.ocr_guard import verify_ocr_table

    printed = {
        "granted": [1288, 21, 0, 0, 50, 3],
        "partially_granted": [447, 7, 0, 0, 0, 0],
        "denied.internal_affairs": [7, 1, 0, 0, 0, 0],
        "denied.admin_query": [105, 0, 0, 0, 0, 0],
    }
    misread = {
        ("granted", "natural_person"): "1388",
        ("partially_granted", "natural_person"): "\ufffd",
        ("denied.internal_affairs", "natural_person"): "1",
        ("denied.admin_query", "total"): "106",
    }
    unsure = {("granted", "natural_person"): 0.93, ("denied.internal_affairs", "natural_person"): 0.6}
    unsure[("denied.admin_query", "total")] = 0.95
    res, columns = _requests_read(printed, misread, unsure)
    verify_ocr_table(res, "requests", "2021", very_sure=0.98)
    for row, numbers in printed.items():
        assert [res.rows[row][c] for c in columns[:6]] == numbers, row
        assert res.rows[row]["total"] == sum(numbers), row
    assert res.cells["granted"]["natural_person"]["checked"] == "sums"
    assert any("1388" in note and "1288" in note for note in res.notes)

    # a sure cell misread in the same column (1 read as 4): the column no longer agrees with the rows, so none of
    # the column's doubtful cells is taken from it
    misread[("denied.internal_affairs", "commercial")] = "4"
    res, columns = _requests_read(printed, misread, unsure)
    verify_ocr_table(res, "requests", "2021", very_sure=0.98)
    assert res.rows["granted"]["natural_person"] is None and res.rows["partially_granted"]["natural_person"] is None

    # a table whose known cells already break a sum (a row's total printed 1372, read very sure) takes nothing from
    # its sums as a whole, even where they would agree: the unreadable 447 stays null
    res, columns = _requests_read(printed, {("partially_granted", "natural_person"): "\ufffd"}, {})
    res.rows["granted"]["total"] = 1372
    verify_ocr_table(res, "requests", "2021", very_sure=0.98)
    assert res.rows["partially_granted"]["natural_person"] is None

    # table 4: the unreadable cell of a row is fixed by the row's total alone, once: null
    res = _ocr_table(_review(["1", "\ufffd", "0", "1", "4"], ["3", "1", "0", "0", "4"], ["0", "0", "0", "0", "0"]))
    verify_ocr_table(res, "review_litigation", "2021")
    assert res.rows["review"]["corrected"] is None


def test_faint_cells_a_sum_leaves_nothing_for_are_0_when_their_ink_could_print_0():
    """From the same photograph: a block of faint cells in two columns and two rows that read as no number (ink, no
    reading). No sum fixes any one of them (each row and each column holds two of them), but the columns' totals
    read 0: counts are never below 0, so each is 0. Where one of them reads 15 (which no 0 is printed as), that
    column's sum takes none of its cells; the 15 stays null, though its row and column both leave it 0, and the
    others are 0 by the sums that still hold them (the other column's total; each row's, twice over)."""
    from pipeline.extraction.ocr_guard import verify_ocr_table

    printed = {"granted": [12, 0, 0, 0, 0, 0], "partially_granted": [4, 0, 0, 0, 0, 0]}
    block = [(row, col) for row in printed for col in ("research", "social_org")]
    res, columns = _requests_read(printed, {k: "\ufffd" for k in block}, {})
    verify_ocr_table(res, "requests", "2021", very_sure=0.98)
    assert [res.rows[r][c] for r, c in block] == [0, 0, 0, 0]
    assert any("leave nothing for it" in note for note in res.notes)

    res, columns = _requests_read(printed, {**{k: "\ufffd" for k in block}, block[0]: "15"}, {block[0]: 0.6})
    verify_ocr_table(res, "requests", "2021", very_sure=0.98)
    assert [res.rows[r][c] for r, c in block] == [None, 0, 0, 0]
    assert res.cells["granted"]["research"]["raw"] == "15"


def test_readings_of_a_badly_read_table_are_taken_where_two_ways_of_adding_it_up_check_them():
    """From the same photograph, read worse: every number of six rows read as probably wrong (confidence 0.4), the
    faint 0s unreadable (two rows of them in columns that do hold numbers: no sum fixes one of them alone), and one
    of the numbers misread (1288 as 1388). No sum can choose among so many doubtful
    readings one at a time, and a search of their combinations could agree by chance. Put to the sums all at once,
    the readings disagree only through the 1388; freed, the others agree, and each is checked twice over (were it
    misread, its row and its column would each disagree). So they are taken as read, and the sums then give the
    1288. Where two readings of one row are misread so that the row still adds up (21 as 27, 50 as 44), the
    columns disagree with them: they are not taken."""
    from pipeline.extraction.ocr_guard import verify_ocr_table

    printed = {
        "granted": [1288, 21, 0, 0, 50, 3],
        "partially_granted": [447, 7, 0, 0, 0, 0],
        "denied.third_party": [6, 0, 0, 0, 0, 0],
        "denied.process_info": [12, 0, 0, 0, 0, 0],
        "unable.not_held": [746, 12, 0, 0, 10, 1],
        "other.other": [108, 2, 0, 0, 0, 0],
    }
    columns = ["natural_person", "commercial", "research", "social_org", "legal_service", "other_org", "total"]
    misread = {(row, c): "\ufffd" for row in printed for c in ("research", "social_org")}
    misread.update(
        {(row, c): "\ufffd" for row in printed if row.startswith("denied") for c in ("commercial", "other_org")}
    )
    misread[("granted", "natural_person")] = "1388"
    unsure = {(row, c): 0.4 for row in printed for c in columns}
    res, columns = _requests_read(printed, misread, unsure)
    verify_ocr_table(res, "requests", "2021", very_sure=0.98)
    for row, numbers in printed.items():
        assert [res.rows[row][c] for c in columns] == numbers + [sum(numbers)], row
    assert any("checked by two ways" in note for note in res.notes)

    misread.update({("granted", "commercial"): "27", ("granted", "legal_service"): "44"})
    res, columns = _requests_read(printed, misread, unsure)
    verify_ocr_table(res, "requests", "2021", very_sure=0.98)
    assert res.rows["granted"]["commercial"] != 27 and res.rows["granted"]["legal_service"] != 44
    for row in printed:
        for c in columns:
            assert res.rows[row][c] in (None, printed[row][columns.index(c)] if c != "total" else sum(printed[row]))


def test_a_row_whose_numbers_could_not_be_placed_takes_what_the_sums_fix_twice_among_the_numbers_it_printed():
    """From the volume hunt: a scanned row printed 4, 1 and 5 with blank cells between, read as three numbers where
    the row has seven cells: which number stands in which column cannot be told from the row, so the table stage
    leaves it unreadable (its cells hold the row's text). Each column's sum and the row's total fix every cell twice
    over; a value is taken where the row printed it (or 0, the row having blank cells). Where the row's 1 was read as
    7, the 1 its column fixes is nowhere in what the row printed: null."""
    from pipeline.extraction.ocr_guard import verify_ocr_table

    printed = {"granted": [12, 3, 0, 0, 0, 1], "partially_granted": [4, 0, 0, 0, 1, 0]}
    for raw, expected in (("4 | 1 | 5", [4, 0, 0, 0, 1, 0, 5]), ("4 | 7 | 5", [4, 0, 0, 0, None, 0, 5])):
        res, columns = _requests_read(printed, {}, {})
        for col in columns:
            del res.ocr[("partially_granted", col)]
            res.rows["partially_granted"][col] = None
            res.cells["partially_granted"][col] = {"raw": raw, "confidence": 0.0, "source": "ocr"}
        verify_ocr_table(res, "requests", "2021", very_sure=0.98)
        assert [res.rows["partially_granted"][c] for c in columns] == expected, raw


def test_no_cell_is_solved_below_0_to_make_up_for_a_slash_read_as_1():
    """From a hunt of other seeds (a photo whose blanks are slashes): a row's slash and its total's slash read as
    unsure 1s, so the row holds as read, and two rows whose numbers could not be placed are unknown. Solved for
    without bounds, those rows' cells would take -1 to make the column of the 1 add up, and the 1s would be taken as
    checked twice over (four wrong numbers). Counts are never below 0: the readings cannot all be right, and the 1s
    are not taken."""
    from pipeline.extraction.ocr_guard import verify_ocr_table

    printed = {"denied.third_party": [0, 0, 0, 0, 0, 1]}
    misread = {("granted", "commercial"): "1", ("granted", "total"): "1"}
    res, columns = _requests_read(printed, misread, {k: 0.5 for k in misread})
    for row in ("denied.internal_affairs", "denied.process_info"):
        for col in columns:
            del res.ocr[(row, col)]
            res.rows[row][col] = None
            res.cells[row][col] = {"raw": " | ".join(["0"] * 8), "confidence": 0.0, "source": "ocr"}
    verify_ocr_table(res, "requests", "2021", very_sure=0.98)
    assert res.rows["granted"]["commercial"] in (0, None) and res.rows["granted"]["total"] in (0, None)


def test_a_table_of_slashes_read_as_unsure_ones_gets_no_number_by_coincidence():
    """From a hunt of other seeds (tests/data/hunt_slashes_table3.json: table 3 of a synthetic scan as the table
    stage built it from its OCR readings, with what the page printed): a table whose zeros are slashes, nearly every
    one read as an unsure 1 (its other reading "/"), and one row unreadable. A version of the zero rule that left the
    0s a sum settles out of the count of cells read as probably wrong took six 1s where the page prints slashes: the
    search's one combination of so many unsure readings was a coincidence. Only the 0s a sum of sure cells leaves
    by itself may be taken there; no number differs from the page."""
    import json

    from pipeline.document import Cell
    from pipeline.extraction.ocr_guard import verify_ocr_table
    from pipeline.extraction.values import TableResult

    case = json.loads((Path(__file__).parent / "data" / "hunt_slashes_table3.json").read_text(encoding="utf-8"))
    res = TableResult("requests", status="found")
    for row, cols in case["rows"].items():
        res.rows[row] = {c: v["value"] for c, v in cols.items()}
        res.cells[row] = {c: {"raw": v["raw"], "confidence": 0.0, "source": "ocr"} for c, v in cols.items()}
    for c in case["ocr"]:
        alternatives = [tuple(a) for a in c["alternatives"]] or None
        res.ocr[(c["row"], c["column"])] = Cell(
            c["text"], confidence=c["confidence"], alternatives=alternatives, source="ocr", ink=c["ink"]
        )
    verify_ocr_table(res, "requests", case["template"], very_sure=0.97)
    taken = {(r, c): v for r, cols in res.rows.items() for c, v in cols.items() if v is not None}
    assert taken, "the sure readings and the 0s the sums leave are taken"
    wrong = {k: (v, case["printed"][k[0]][k[1]]) for k, v in taken.items() if v != case["printed"][k[0]][k[1]]}
    assert not wrong
