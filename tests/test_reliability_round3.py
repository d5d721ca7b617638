"""Faults and hostile inputs of the third round (issue 24): formula injection in the exports, long scans cut short,
a full disk, terminal control bytes in names, NaN in gold labels, colliding zip members and file names, brackets in
names, and an OFD repeat count. Each case is built here and run through the real CLI or the real functions, with a
good report beside it where a batch is concerned."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT

GOOD = ROOT / "data" / "raw" / "gejiu-2020.txt"


def _cli(*args, cwd=ROOT, timeout=300, env=None) -> subprocess.CompletedProcess:
    """The checkout's command line (its own package first on the path, whatever is installed), run in `cwd`."""
    code = "import sys; from pipeline.__main__ import main; sys.exit(main(sys.argv[1:]))"
    env = dict(os.environ if env is None else env)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return subprocess.run(
        [sys.executable, "-c", code, *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env
    )


def _errors(out: Path) -> list[dict]:
    path = out / "errors.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


# --- 9. an OFD's repeat count ------------------------------------------------------------------------------------


def test_an_ofd_repeat_count_of_a_billion_is_cut_to_its_line(tmp_path):
    """`DeltaX="g 1000000000 1"` in a small OFD: the advances of a line are bounded by its characters, so the file
    is read under a worker's memory cap of 700 MB (a billion-long list needs 8 GB)."""
    from office_files import make_ofd, report_blocks

    inputs = tmp_path / "in"
    inputs.mkdir()
    plain = make_ofd(tmp_path / "plain.ofd", report_blocks("pingtan-2023-lo.docx"))
    with zipfile.ZipFile(plain) as z:
        files = {n: z.read(n) for n in z.namelist()}
    page = "Doc_0/Pages/Page_0/Content.xml"
    text = files[page].decode("utf-8")
    assert 'DeltaX="' in text
    files[page] = re.sub(r'DeltaX="[^"]*"', 'DeltaX="g 1000000000 1"', text, count=1).encode("utf-8")
    with zipfile.ZipFile(inputs / "hostile.ofd", "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    run = _cli(
        "extract",
        inputs / "hostile.ofd",
        "--out",
        tmp_path / "out",
        "--models",
        "",
        "--quiet",
        "--workers",
        "1",
        "--memory-limit",
        "700",
        timeout=300,
    )
    assert run.returncode == 0, (run.stderr, _errors(tmp_path / "out"))
    report = json.loads((tmp_path / "out" / "hostile.ofd.json").read_text(encoding="utf-8"))
    assert report["source"]["format"] == "ofd" and report["tables"]["requests"]["status"] == "found"


def test_ofd_repeat_counts_fill_only_what_the_line_lacks():
    from pipeline.readers.ofd import _deltas

    assert _deltas("g 1000000000 1", 4) == [1.0] * 4
    assert _deltas("2 g 3 1.5 9", 6) == [2.0, 1.5, 1.5, 1.5, 9.0]
    assert _deltas("g 1e400 1 g nan 2 3", 3) == [3.0]  # an infinite or NaN count repeats nothing
    assert _deltas("g -5 1 4", 2) == [4.0]


# --- 5. NaN and Infinity in gold labels ---------------------------------------------------------------------------

LABELLED = "pingtan-2023.html"  # its gold file validates clean


def _gold_text_with(value: str) -> str:
    gold = (ROOT / "data" / "labels" / f"{LABELLED}.gold.json").read_text(encoding="utf-8")
    cell = re.compile(r'("natural_person":\s*)\d+')
    assert cell.search(gold)
    return cell.sub(lambda m: m.group(1) + value, gold, count=1)


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_validate_labels_refuses_a_gold_file_with_nan_or_infinity(tmp_path, value):
    labels = tmp_path / "labels"
    labels.mkdir()
    (labels / f"{LABELLED}.gold.json").write_text(_gold_text_with(value), encoding="utf-8")
    run = _cli("validate-labels", labels, "--docs")
    assert run.returncode == 1, run.stderr
    assert f"{LABELLED}.gold.json: not valid JSON" in run.stderr and value in run.stderr, run.stderr


def test_validate_gold_refuses_non_finite_numbers_a_parser_let_through():
    from pipeline.modeling.labeling import validate_gold

    gold = json.loads(_gold_text_with("NaN"))  # Python's json reads NaN
    errors = validate_gold(gold, "x").errors
    assert len(errors) == 1 and "natural_person is NaN" in errors[0], errors
    gold = json.loads((ROOT / "data" / "labels" / f"{LABELLED}.gold.json").read_text(encoding="utf-8"))
    gold["tables"]["requests"]["extra_rows"] = [{"label": "其他", "values": [float("inf")]}]
    assert any("extra_rows[0].values[0] is Infinity" in e for e in validate_gold(gold, "x").errors)


def test_the_review_app_refuses_to_save_nan_or_infinity(tmp_path):
    from pipeline.batch.run import run_batch
    from pipeline.batch.stages import Extract
    from pipeline.outputs.review_app import create_app

    shutil.copy(ROOT / "data" / "raw" / LABELLED, tmp_path / LABELLED)
    assert run_batch([str(tmp_path / LABELLED)], str(tmp_path / "reports"), Extract(models_dir=None)).errors == []
    labels = tmp_path / "labels"
    client = create_app(tmp_path / "reports", labels, token="t").test_client()
    headers = {"X-Review-Token": "t", "Content-Type": "application/json"}
    for value in ("NaN", "Infinity", "-Infinity", "1e999"):
        resp = client.post(f"/api/save/{LABELLED}", data=_gold_text_with(value).encode("utf-8"), headers=headers)
        assert resp.status_code == 400, (value, resp.get_json())
        assert "not valid JSON" in resp.get_json()["errors"][0] and value in resp.get_json()["errors"][0]
        assert not labels.exists() or list(labels.iterdir()) == []
    # the same file with the printed number is saved, and is strict JSON
    resp = client.post(f"/api/save/{LABELLED}", data=_gold_text_with("0").encode("utf-8"), headers=headers)
    assert resp.status_code == 200, resp.get_json()
    from pipeline.modeling.labeling import loads_strict

    loads_strict((labels / f"{LABELLED}.gold.json").read_text(encoding="utf-8"))


# --- 1. formula injection in the exports --------------------------------------------------------------------------

FORMULA = '=HYPERLINK("http://x","y")'
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def test_exported_text_that_looks_like_a_formula_is_stored_as_text(tmp_path):
    """A title starting with a live HYPERLINK formula, a section starting with a DDE payload, file names starting
    with = and @: text in the CSVs and in tables.xlsx, while the printed change -97 stays the number -97."""
    import csv

    from openpyxl import load_workbook

    inputs = tmp_path / "in"
    inputs.mkdir()
    text = (ROOT / "data" / "raw" / "suizhou-2020.txt").read_text(encoding="utf-8")
    text = f"{FORMULA}随州市2020年政府信息公开工作年度报告\n" + text
    dde = "-2+3+cmd|' /C calc'!A0"
    last = text.rindex("六、其他需要报告的事项")
    text = text[:last] + f"六、其他需要报告的事项\n{dde}\n"
    (inputs / "=1+2.txt").write_text(text, encoding="utf-8")
    shutil.copy(ROOT / "data" / "raw" / "suizhou-2020.txt", inputs / "@SUM(1+9).txt")
    run = _cli("extract", inputs, "--out", tmp_path / "reports", "--models", "", "--quiet", "--workers", "0")
    assert run.returncode == 0, run.stderr
    report = json.loads((tmp_path / "reports" / "=1+2.txt.json").read_text(encoding="utf-8"))
    assert report["meta"]["body"].startswith(FORMULA) and report["sections"][5]["text"] == dde  # the case holds
    run = _cli("export", "--reports", tmp_path / "reports", "--out", tmp_path / "out")
    assert run.returncode == 0, run.stderr
    out = tmp_path / "out"

    def rows(name):
        with open(out / name, encoding="utf-8-sig", newline="") as f:
            return list(csv.DictReader(f))

    cells, sections, checks = rows("cells.csv"), rows("sections.csv"), rows("checks.csv")
    for table in (cells, sections, checks):
        for row in table:
            for key, value in row.items():
                assert not value.startswith(DANGEROUS) or re.fullmatch(r"[+-]\d[\d,]*(\.\d+)?", value), (key, value)
    assert {r["document"] for r in cells} == {"'=1+2.txt", "'@SUM(1+9).txt"}
    assert {r["body"] for r in cells if r["document"] == "'=1+2.txt"} == {f"'{FORMULA}随州市"}
    assert [r["text"] for r in sections if r["document"] == "'=1+2.txt" and r["section"] == "6"] == [f"'{dde}"]
    assert {r["document"] for r in checks} == {"'=1+2.txt", "'@SUM(1+9).txt"}
    fees = [r for r in cells if r["row"] == "fees" and r["column"] == "change"]
    assert [(float(r["value"]), r["raw"]) for r in fees] == [(-97.0, "-97")] * 2  # numbers stay numbers

    book = load_workbook(out / "tables.xlsx")
    seen = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value.startswith(DANGEROUS):
                    assert cell.quotePrefix and cell.data_type == "s", (sheet.title, cell.coordinate, cell.value)
                    seen.append(cell.value)
                if cell.value == -97:
                    assert cell.data_type == "n"
                    seen.append(-97)
    assert {"=1+2.txt", "@SUM(1+9).txt", f"{FORMULA}随州市", -97} <= set(seen)
    with zipfile.ZipFile(out / "tables.xlsx") as z:  # no formula element anywhere in the workbook
        assert not any(b"<f>" in z.read(n) or b"<f " in z.read(n) for n in z.namelist() if n.endswith(".xml"))


# --- 2. long scans: the OCR page limit is said, and is a parameter ------------------------------------------------


def _blank_pages(n: int):
    from PIL import Image

    return [Image.new("RGB", (620, 877), "white") for _ in range(n)]  # A4 at 75 dpi


def test_a_scan_longer_than_the_ocr_page_limit_says_how_many_pages_were_read(tmp_path):
    """A multi-page TIFF and an image-only PDF of blank pages, one page over --ocr-max-pages 2: the error says
    OCR read 2 of the 3 pages (never 'no text on any of its 3 pages'); the limit raised, all 3 are read."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    first, *rest = _blank_pages(3)
    first.save(inputs / "long.tif", save_all=True, append_images=rest, dpi=(75, 75))
    first.save(inputs / "long.pdf", save_all=True, append_images=rest, resolution=75)
    shutil.copy(GOOD, inputs)
    run = _cli(
        "extract",
        inputs,
        "--out",
        tmp_path / "out",
        "--models",
        "",
        "--quiet",
        "--workers",
        "0",
        "--ocr-max-pages",
        "2",
    )
    assert run.returncode == 1, run.stderr
    errors = {Path(e["file"]).name: e["message"] for e in _errors(tmp_path / "out")}
    assert "OCR read 2 of its 3 pages: page(s) 3 were not read" in errors["long.tif"], errors
    assert "OCR found no text on the 2 pages it read of its 3" in errors["long.pdf"], errors
    assert "page(s) 3 were not read" in errors["long.pdf"] and "--ocr-max-pages" in errors["long.pdf"], errors
    assert (tmp_path / "out" / "gejiu-2020.txt.json").exists()
    run = _cli(
        "extract",
        inputs / "long.tif",
        inputs / "long.pdf",
        "--out",
        tmp_path / "all",
        "--models",
        "",
        "--quiet",
        "--workers",
        "0",
        "--ocr-max-pages",
        "3",
    )
    errors = {Path(e["file"]).name: e["message"] for e in _errors(tmp_path / "all")}
    assert errors == {
        "long.tif": "an image in which OCR found no text",
        "long.pdf": "scanned PDF: OCR found no text on any of its 3 pages (blank pages?)",
    }, errors


def test_a_report_scan_cut_by_the_page_limit_carries_a_warning_with_the_pages_read(tmp_path):
    """Page 1 prints a report's title, pages 2-3 are blank; read with --ocr-max-pages 1, the report says OCR read 1
    of its 3 pages and which were not read."""
    from PIL import ImageDraw, ImageFont

    from pipeline.modeling.synth_scan import FONT_FILES, cjk_fonts

    cjk_fonts()  # a clear error naming the font packages when the machine has none
    name, path, index = next(f for f in FONT_FILES if Path(f[1]).exists())
    first, *rest = _blank_pages(3)
    ImageDraw.Draw(first).text(
        (40, 80),
        "平潭综合实验区2023年政府信息公开工作年度报告",
        fill="black",
        font=ImageFont.truetype(path, 24, index=index),
    )
    tiff = tmp_path / "report.tif"
    first.save(tiff, save_all=True, append_images=rest, dpi=(75, 75))
    run = _cli(
        "extract", tiff, "--out", tmp_path / "out", "--models", "", "--quiet", "--workers", "0", "--ocr-max-pages", "1"
    )
    assert run.returncode == 0, run.stderr
    report = json.loads((tmp_path / "out" / "report.tif.json").read_text(encoding="utf-8"))
    assert report["source"]["pages"] == 3 and report["source"]["ocr_pages"] == [1]
    assert "OCR read 1 of its 3 pages: page(s) 2-3 were not read" in " ".join(report["source"]["warnings"]), report[
        "source"
    ]["warnings"]


def test_the_ocr_page_limit_is_a_parameter(tmp_path):
    import yaml

    from pipeline.readers.options import read_options
    from pipeline.params import check

    params = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    assert params["ocr"]["max_pages"] == 100 and check(params) == []
    assert read_options({"ocr": {"max_pages": 7}}).ocr.max_pages == 7
    assert check({"ocr": {"max_pages": 0}}) == ["params.yaml: ocr.max_pages must be 1 or more, not 0"]
    run = _cli("extract", GOOD, "--out", tmp_path / "out", "--ocr-max-pages", "0")
    assert run.returncode == 2 and "--ocr-max-pages" in run.stderr and "1 or more" in run.stderr
    assert "--ocr-max-pages" in (ROOT / "dvc.yaml").read_text(encoding="utf-8")


# --- 3. a full disk ----------------------------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path):
    """A real, small file system (tmpfs) mounted for the test: `mount` needs root (CAP_SYS_ADMIN); elsewhere the
    test is skipped, and test_an_always_full_device_for_errors_jsonl_is_one_clear_error runs instead."""
    where = tmp_path / "disk"
    where.mkdir()
    mounted = []

    def mount(size: str) -> Path:
        run = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(where)],
            capture_output=True,
            text=True,
        )
        if run.returncode != 0:
            pytest.skip(f"cannot mount a small tmpfs here (needs root: {run.stderr.strip() or run.returncode})")
        mounted.append(where)
        return where

    yield mount
    for m in mounted:
        subprocess.run(["umount", "-l", str(m)], capture_output=True)


def _fill(disk: Path, leave: int) -> Path:
    """A filler file that leaves about `leave` bytes free on the disk."""
    free = shutil.disk_usage(disk).free
    filler = disk / "filler"
    with open(filler, "wb") as f:
        f.write(b"\0" * max(0, free - leave))
    return filler


def test_a_full_disk_stops_the_batch_with_one_clear_line_and_keeps_what_fit(tmp_path, small_disk):
    """--out on a tmpfs with 160 kB left: six broken PDFs (recorded first) and the nine text reports of the corpus
    (10-75 kB of JSON each). The run stops with one line, exit 1; every file left is whole; the six failures are in
    errors.jsonl. Space freed, the same command completes, and nothing is recorded twice."""
    disk = small_disk("1m")
    inputs = tmp_path / "in"
    inputs.mkdir()
    for i in range(6):
        (inputs / f"a-broken-{i}.pdf").write_bytes(b"%PDF-1.4 cut short")
    reports = sorted((ROOT / "data" / "raw").glob("*.txt"))
    for p in reports:
        shutil.copy(p, inputs)
    filler = _fill(disk, 160 * 1024)
    out = disk / "out"
    run = _cli("extract", inputs, "--out", out, "--models", "", "--workers", "0", "--quiet")
    assert run.returncode == 1, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in run.stderr, run.stderr
    assert lines[0].startswith(f"error: cannot write {out}/") and "No space left on device" in lines[0], lines
    assert "run the same command again" in lines[0]
    written = sorted(p.name for p in out.glob("*.txt.json"))
    assert 0 < len(written) < len(reports), written  # the case ran out of space part way
    assert not list(out.glob(".tmp-*"))
    for p in out.glob("*.json"):
        json.loads(p.read_text(encoding="utf-8"))  # nothing torn
    assert sorted(Path(e["file"]).name for e in _errors(out)) == [f"a-broken-{i}.pdf" for i in range(6)]

    filler.unlink()
    again = _cli("extract", inputs, "--out", out, "--models", "", "--workers", "0")
    assert again.returncode == 1 and "Traceback" not in again.stderr, again.stderr
    assert f"({len(written)} already up to date)" in again.stderr, again.stderr
    assert sorted(p.name for p in out.glob("*.txt.json")) == sorted(f"{p.name}.json" for p in reports)
    assert sorted(Path(e["file"]).name for e in _errors(out)) == [f"a-broken-{i}.pdf" for i in range(6)]


def test_a_record_cut_short_by_a_full_disk_is_taken_back(small_disk):
    """errors.jsonl appended on a tmpfs filled to its last page: records go in whole until one does not fit; the
    one cut short by the kernel (a short write, then ENOSPC) is taken back, so every line left reads."""
    from pipeline.batch.store import ErrorLog, OutputError

    disk = small_disk("64k")
    (disk / "errors.jsonl").write_text('{"file": "earlier.pdf", "stage": "read", "message": "x"}\n')
    fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT)
    try:  # every page left taken
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)
    log = ErrorLog(disk / "errors.jsonl")
    added = 0
    with pytest.raises(OutputError) as e:
        for i in range(1000):
            log.add({"file": f"broken-{i}.pdf", "stage": "read", "message": "corrupt PDF " + "x" * 200})
            added += 1
    assert "No space left on device" in str(e.value) and str(disk / "errors.jsonl") in str(e.value)
    text = (disk / "errors.jsonl").read_text(encoding="utf-8")
    assert added > 0 and text.endswith("\n")
    records = [json.loads(line) for line in text.splitlines()]
    assert [r["file"] for r in records] == ["earlier.pdf"] + [f"broken-{i}.pdf" for i in range(added)]


def test_a_record_that_cannot_be_written_for_lack_of_space_is_a_clear_error():
    """Runs without root: /dev/full fails every write with ENOSPC, as a full disk does."""
    from pipeline.batch.store import ErrorLog, OutputError

    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    log = ErrorLog(Path("/dev/full"))
    with pytest.raises(OutputError) as e:
        log.add({"file": "broken.pdf", "stage": "read", "message": "corrupt PDF"})
    assert str(e.value) == "cannot write /dev/full: No space left on device" and log.recorded == 0


def test_a_link_planted_at_errors_jsonl_is_replaced_not_followed(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "errors.jsonl").symlink_to(outside)
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 cut short")
    run = _cli("extract", tmp_path / "broken.pdf", "--out", out, "--models", "", "--workers", "0", "--quiet")
    assert run.returncode == 1, run.stderr
    assert outside.read_text() == "keep me\n" and not (out / "errors.jsonl").is_symlink()
    assert [Path(e["file"]).name for e in _errors(out)] == ["broken.pdf"]


# --- 4. terminal control bytes in file names ---------------------------------------------------------------------

HOSTILE = "\x1b[2J\x1b]0;pwned\x07bell\x07\x9b31mred\rback\u202eevil"
RAW_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]")  # what a terminal obeys (newline and tab aside)


def test_names_with_terminal_control_bytes_are_printed_escaped(tmp_path):
    """A file named with ESC [2J (clear screen), an OSC title sequence ended by BEL, U+009B (CSI), CR and a
    right-to-left override: on stderr and in errors.jsonl it is shown escaped, never obeyed."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / f"{HOSTILE}.pdf").write_bytes(b"%PDF-1.4 cut short")
    shutil.copy(GOOD, inputs)
    run = _cli("extract", inputs, "--out", tmp_path / "out", "--models", "", "--workers", "0")
    assert run.returncode == 1, run.stderr
    assert not RAW_CONTROLS.search(run.stderr), repr(run.stderr)
    assert "\\x1b[2J\\x1b]0;pwned\\x07bell\\x07\\x9b31mred\\rback\\u202eevil.pdf: [read]" in run.stderr, run.stderr
    text = (tmp_path / "out" / "errors.jsonl").read_text(encoding="utf-8")
    assert not RAW_CONTROLS.search(text), repr(text)  # `cat errors.jsonl` is safe too
    [error] = _errors(tmp_path / "out")
    assert error["file"] == str(inputs / f"{HOSTILE}.pdf")  # the record still names the file exactly
    # a path that does not exist (a usage error) and a folder with nothing to read say so escaped as well
    missing = _cli("extract", tmp_path / f"{HOSTILE}-missing", "--out", tmp_path / "out2")
    assert missing.returncode == 2 and not RAW_CONTROLS.search(missing.stderr), repr(missing.stderr)
    assert "\\x1b[2J" in missing.stderr
    empty = tmp_path / f"{HOSTILE}-empty"
    empty.mkdir()
    nothing = _cli("extract", empty, "--out", tmp_path / "out3")
    assert nothing.returncode == 1 and "nothing to read" in nothing.stderr
    assert not RAW_CONTROLS.search(nothing.stderr), repr(nothing.stderr)


def test_shown_escapes_every_control_character_and_undecodable_byte():
    from pipeline.names import shown

    assert shown("a\x1b[2Jb\x07c\x9bd\re\nf\tg\u202eh\udcffi") == "a\\x1b[2Jb\\x07c\\x9bd\\re\\nf\\tg\\u202eh\\xffi"
    assert shown("平潭[1].html") == "平潭[1].html"
    assert shown("line one\nline\x1b two", keep_newlines=True) == "line one\nline\\x1b two"


# --- 6. zip members keep their own identity ----------------------------------------------------------------------

RAW = ROOT / "data" / "raw"


def _body_year(report: dict) -> tuple:
    return report["meta"]["body"], report["meta"]["year"]


def test_zip_members_of_one_name_or_one_flat_name_stay_apart(tmp_path):
    """Two entries named x.txt in one zip (zip allows it), and a/b/c.txt beside a_b/c.txt: four reports, each of
    its own member's bytes, under four document names, counted four times by the export and the summary."""
    import warnings

    inputs = tmp_path / "in"
    inputs.mkdir()
    members = [
        ("x.txt", "gejiu-2020.txt"),
        ("x.txt", "suizhou-2020.txt"),
        ("a/b/c.txt", "pingtan-2019.txt"),
        ("a_b/c.txt", "pingtan-2021.txt"),
    ]
    with zipfile.ZipFile(inputs / "dl.zip", "w") as z, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate name: that is the case
        for member, source in members:
            z.write(RAW / source, member)
    run = _cli("extract", inputs, "--out", tmp_path / "out", "--models", "", "--quiet", "--workers", "2")
    assert run.returncode == 0, run.stderr
    reports = {
        r["document"]: r for r in (json.loads(p.read_text(encoding="utf-8")) for p in (tmp_path / "out").glob("*.json"))
    }
    expected = {
        "dl.zip!x.txt": "gejiu-2020.txt",
        "dl.zip!x (2).txt": "suizhou-2020.txt",
        "dl.zip!a/b/c.txt": "pingtan-2019.txt",
        "dl.zip!a_b/c.txt": "pingtan-2021.txt",
    }
    assert sorted(reports) == sorted(expected)
    run = _cli("extract", *[RAW / s for s in expected.values()], "--out", tmp_path / "alone", "--models", "", "--quiet")
    assert run.returncode == 0, run.stderr
    alone = {s: json.loads((tmp_path / "alone" / f"{s}.json").read_text(encoding="utf-8")) for s in expected.values()}
    for document, source in expected.items():
        assert _body_year(reports[document]) == _body_year(alone[source]), document
        assert reports[document]["tables"] == alone[source]["tables"], document  # its own bytes, read whole
    assert any("2 members under this one's name" in w for w in reports["dl.zip!x (2).txt"]["source"]["warnings"])
    run = _cli("export", "--reports", tmp_path / "out", "--out", tmp_path / "export")
    assert run.returncode == 0, run.stderr
    import csv

    with open(tmp_path / "export" / "sections.csv", encoding="utf-8-sig", newline="") as f:
        assert {r["document"] for r in csv.DictReader(f)} == set(expected)
    summary = (tmp_path / "export" / "summary.html").read_text(encoding="utf-8")
    assert "4 份报告（4 个文件" in summary, summary[:2000]
    again = _cli("extract", inputs, "--out", tmp_path / "out", "--models", "", "--workers", "0")
    assert again.returncode == 0 and "(4 already up to date)" in again.stderr, again.stderr


def test_a_member_is_read_by_its_own_entry_not_by_its_name(tmp_path):
    from pipeline.batch.inputs import expand_archive, read_member
    import warnings

    path = tmp_path / "twice.zip"
    with zipfile.ZipFile(path, "w") as z, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        z.writestr("r.txt", "first")
        z.writestr("r.txt", "second")
    members, problems = expand_archive(path, "zip")
    assert problems == [] and [Path(str(w)).name for w, _, _ in members] == ["twice.zip!r.txt", "twice.zip!r (2).txt"]
    assert [read_member(path, name, entry) for _, name, entry in members] == [b"first", b"second"]


# --- 7. one file name in two folders -----------------------------------------------------------------------------


def test_one_file_name_in_two_folders_is_two_reports_named_by_their_paths(tmp_path):
    """A crawler's report.txt in two folders, and one at the root: three reports, `a/report.txt`, `b/report.txt`
    and `report.txt` (a file at the root keeps its plain name), three rows in the exports, three report pages
    linking three sources."""
    import csv

    raw = tmp_path / "data" / "raw"  # the folder the summary page links sources from
    for folder, source in (("a", "gejiu-2020.txt"), ("b", "suizhou-2020.txt"), ("", "qingtongxia-2020.txt")):
        (raw / folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(RAW / source, raw / folder / "report.txt")
    run = _cli("extract", raw, "--out", tmp_path / "reports", "--models", "", "--quiet", "--workers", "0", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    got = {json.loads(p.read_text(encoding="utf-8"))["document"]: p.name for p in (tmp_path / "reports").glob("*.json")}
    assert got == {
        "report.txt": "report.txt.json",
        "a/report.txt": "a_report.txt.json",
        "b/report.txt": "b_report.txt.json",
    }
    run = _cli("export", "--reports", tmp_path / "reports", "--out", tmp_path / "out", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    with open(tmp_path / "out" / "cells.csv", encoding="utf-8-sig", newline="") as f:
        bodies = {(r["document"], r["body"]) for r in csv.DictReader(f)}
    assert bodies == {("report.txt", "青铜峡市"), ("a/report.txt", "个旧市"), ("b/report.txt", "随州市")}
    summary = (tmp_path / "out" / "summary.html").read_text(encoding="utf-8")
    assert "3 份报告（3 个文件" in summary
    for document, page in (
        ("a/report.txt", "a_report.txt.html"),
        ("b/report.txt", "b_report.txt.html"),
        ("report.txt", "report.txt.html"),
    ):
        html = (tmp_path / "out" / "report" / page).read_text(encoding="utf-8")
        source = re.search(r'href="([^"]*)">源文件', html).group(1)
        assert (tmp_path / "out" / "report" / source).resolve() == (raw / document).resolve(), (document, source)
        assert f'href="report/{page}"' in summary


def test_a_second_file_of_the_same_name_renames_the_first_on_resume(tmp_path):
    from pipeline.batch.run import run_batch
    from pipeline.batch.stages import Extract

    (tmp_path / "in" / "a").mkdir(parents=True)
    shutil.copy(GOOD, tmp_path / "in" / "a" / "index.txt")
    run_batch([str(tmp_path / "in")], str(tmp_path / "out"), Extract(models_dir=None))
    assert json.loads((tmp_path / "out" / "index.txt.json").read_text(encoding="utf-8"))["document"] == "index.txt"
    (tmp_path / "in" / "b").mkdir()
    shutil.copy(RAW / "suizhou-2020.txt", tmp_path / "in" / "b" / "index.txt")
    result = run_batch([str(tmp_path / "in")], str(tmp_path / "out"), Extract(models_dir=None))
    assert result.skipped == [] and sorted(Path(w).name for w in result.written) == [
        "a_index.txt.json",
        "b_index.txt.json",
    ]
    assert json.loads((tmp_path / "out" / "a_index.txt.json").read_text(encoding="utf-8"))["document"] == "a/index.txt"


def test_document_names_go_only_as_deep_as_they_must():
    from pipeline.batch.inputs import document_names

    found = [
        (Path("crawl/index.html"), Path("crawl")),
        (Path("crawl/2023/index.html"), Path("crawl")),
        (Path("crawl/2024/index.html"), Path("crawl")),
        (Path("other/2023/index.html"), Path("other")),
        (Path("crawl/2023/report.pdf"), Path("crawl")),
        (Path("x/lone.txt"), Path("x/lone.txt")),
    ]
    assert document_names(found) == [
        "index.html",
        "crawl/2023/index.html",
        "2024/index.html",
        "other/2023/index.html",
        "report.pdf",
        "lone.txt",
    ]


# --- 8. brackets in a file name -----------------------------------------------------------------------------------


def test_a_name_with_brackets_links_and_serves_its_own_file(tmp_path):
    """pingtan[1].html beside pingtan1.html: as a glob pattern the first name matches the second file; the report
    page links, the review app serves and the labels find the file of that very name."""
    from urllib.parse import unquote

    from pipeline.modeling.labeling import find_document
    from pipeline.outputs.review_app import create_app

    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    shutil.copy(RAW / "pingtan-2023.html", raw / "pingtan[1].html")
    shutil.copy(RAW / "pingtan-2021.html", raw / "pingtan1.html")
    run = _cli(
        "extract", raw / "pingtan[1].html", "--out", tmp_path / "reports", "--models", "", "--quiet", cwd=tmp_path
    )
    assert run.returncode == 0, run.stderr
    run = _cli("export", "--reports", tmp_path / "reports", "--out", tmp_path / "out", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    html = (tmp_path / "out" / "report" / "pingtan[1].html.html").read_text(encoding="utf-8")
    source = re.search(r'href="([^"]*)">源文件', html).group(1)
    assert (tmp_path / "out" / "report" / unquote(source)).resolve() == (raw / "pingtan[1].html").resolve(), source
    client = create_app(tmp_path / "reports", tmp_path / "labels", [raw], token="t").test_client()
    assert 'href="/report/pingtan%5B1%5D.html"' in client.get("/").get_data(as_text=True)
    page = client.get("/report/pingtan%5B1%5D.html").get_data(as_text=True)
    assert 'href="/source/pingtan%5B1%5D.html"' in page
    resp = client.get("/source/pingtan%5B1%5D.html")
    assert resp.status_code == 200 and resp.data == (raw / "pingtan[1].html").read_bytes()
    assert find_document("pingtan[1].html", [raw]) == raw / "pingtan[1].html"
    assert find_document("pingtan[12].html", [raw]) is None  # a character class matching pingtan1.html
    assert find_document("pingtan*.html", [raw]) is None
