"""The formats users collect beside HTML and PDF: legacy Word (.doc), Kingsoft WPS (.wps), RTF, spreadsheets
(.xlsx/.xls/.et), OFD, and zip archives of all of them.

The files are made here from the corpus's gold-labelled Word renderings (pingtan-2021-lo.docx, pingtan-2023-lo.docx)
by real LibreOffice (`soffice --convert-to doc/rtf/xls`), openpyxl and tests/office_files.py (OFD), and scored
with the project's evaluation code against the gold labels of the .docx. A Kingsoft .wps is a Word 97 binary:
LibreOffice cannot write Kingsoft's own flavour, so its .doc saved under a .wps name is the stand-in.
Tests that need LibreOffice skip, saying so, where it is not installed (scripts/setup.sh installs it; CI has it).
"""

from __future__ import annotations

import json
import os
import time
import shutil
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT
from office_files import LABELS, RAW, lo_convert, make_ofd, make_xlsx, report_blocks, soffice

from pipeline.batch.run import run_batch
from pipeline.batch.runners import InProcess, ProcessPool
from pipeline.batch.stages import Extract, Read, extract_one
from pipeline.document import ReadError
from pipeline.modeling.evaluate import score_report
from pipeline.readers.formats import read_document

REPORTS = ("pingtan-2021-lo.docx", "pingtan-2023-lo.docx")
MODELS = ROOT / "models"
needs_soffice = pytest.mark.skipif(
    soffice() is None,
    reason="LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui libreoffice-calc-nogui",
)


def _score(report: dict, name: str) -> dict:
    gold = json.loads((LABELS / f"{name}.gold.json").read_text(encoding="utf-8"))
    counts = score_report(report, gold)["counts"]
    exact, total = counts["cells"]
    return {
        "exact": exact,
        "total": total,
        "wrong": counts["cells_wrong"][0],
        "status": counts["table_status"],
        "headings": counts["section_heading"],
    }


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    """Each corpus DOCX rendering, and the .doc, .wps and .rtf LibreOffice makes of it."""
    if soffice() is None:
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui")
    d = tmp_path_factory.mktemp("converted")
    out = {}
    for name in REPORTS:
        src = d / name
        shutil.copyfile(RAW / name, src)
        doc = lo_convert(src, "doc", d)
        wps = d / f"{src.stem}.wps"
        shutil.copyfile(doc, wps)
        out[name] = {"docx": src, "doc": doc, "wps": wps, "rtf": lo_convert(src, "rtf", d)}
    return out


@needs_soffice
@pytest.mark.parametrize("name", REPORTS)
def test_doc_and_wps_score_as_their_docx(converted, models, name):
    """Measured: 200 of 200 cells exact, 0 wrong, for each report as .docx, .doc and .wps."""
    files = converted[name]
    docx = _score(extract_one(files["docx"], models), name)
    for kind in ("doc", "wps"):
        report = extract_one(files[kind], models)
        assert report["source"]["format"] == "doc"
        got = _score(report, name)
        print(
            f"{name} as .{kind}: {got['exact']}/{got['total']} cells exact, {got['wrong']} wrong "
            f"(.docx: {docx['exact']}/{docx['total']}, {docx['wrong']} wrong)"
        )
        assert got["wrong"] == 0, got
        assert got["exact"] >= 0.995 * got["total"] and got["exact"] >= docx["exact"], (got, docx)
        assert got["status"] == docx["status"] and got["headings"] == docx["headings"], (got, docx)


@needs_soffice
def test_rtf_is_converted_and_read(converted, models):
    name = REPORTS[1]
    report = extract_one(converted[name]["rtf"], models)
    assert report["source"]["format"] == "rtf"
    got = _score(report, name)
    assert got["wrong"] == 0 and got["exact"] >= 0.995 * got["total"], got


@needs_soffice
def test_a_doc_is_told_by_its_content_not_its_name(converted, tmp_path):
    """A Word 97 file named .docx (a site's mislabelled attachment) is read, saying so; a .doc that holds a .docx
    is read as Word too."""
    named = tmp_path / "report.docx"
    shutil.copyfile(converted[REPORTS[0]]["doc"], named)
    doc = read_document(str(named))
    assert doc.format == "doc" and any("Word 97-2003" in w for w in doc.warnings), doc.warnings
    lying = tmp_path / "report.doc"
    shutil.copyfile(RAW / REPORTS[0], lying)
    doc = read_document(str(lying))
    assert doc.format == "docx" and any("content is docx" in w for w in doc.warnings), doc.warnings


@needs_soffice
def test_password_protected_doc_is_refused_before_conversion(converted, tmp_path):
    """The Word FIB's fEncrypted bit set (what Word writes for a password-protected .doc): refused, not guessed."""
    import olefile

    data = bytearray(converted[REPORTS[0]]["doc"].read_bytes())
    ole = olefile.OleFileIO(bytes(data))
    fib = ole.openstream("WordDocument").read(12)
    ole.close()
    at = bytes(data).find(fib)  # the WordDocument stream's first sector (a stream this large is not in the mini FAT)
    assert at > 0
    flags = struct.unpack_from("<H", data, at + 10)[0] | 0x0100
    struct.pack_into("<H", data, at + 10, flags)
    path = tmp_path / "secret.doc"
    path.write_bytes(bytes(data))
    with pytest.raises(ReadError, match="encrypted"):
        read_document(str(path))


def test_without_libreoffice_each_doc_fails_clearly_and_the_batch_goes_on(tmp_path):
    """$GOVREPORT_SOFFICE naming a program that does not exist is what a machine without LibreOffice looks like
    to the reader: every .doc gets its own error naming the Debian package, the other reports are read."""
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copyfile(RAW / "qingtongxia-2020.txt", inputs / "qingtongxia-2020.txt")
    if soffice() is not None:
        for name in REPORTS:
            lo_convert(RAW / name, "doc", inputs)
    else:  # a real Word 97 file cannot be made without LibreOffice: the corpus has none
        pytest.skip("LibreOffice (soffice) is not installed: the .doc inputs of this test cannot be made")
    assert all(p.read_bytes()[:8] == ole for p in inputs.glob("*.doc"))
    env = dict(os.environ, GOVREPORT_SOFFICE=str(tmp_path / "no-such" / "soffice"))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline",
            "extract",
            str(inputs),
            "--out",
            str(tmp_path / "out"),
            "--models",
            str(MODELS),
            "--quiet",
            "--workers",
            "2",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 1, proc.stderr[-2000:]
    errors = [json.loads(line) for line in (tmp_path / "out" / "errors.jsonl").read_text().splitlines()]
    assert sorted(Path(e["file"]).name for e in errors) == ["pingtan-2021-lo.doc", "pingtan-2023-lo.doc"]
    for e in errors:
        assert "LibreOffice" in e["message"] and "apt-get install libreoffice-writer-nogui" in e["message"], e
    assert (tmp_path / "out" / "qingtongxia-2020.txt.json").exists()


@pytest.mark.parametrize("name", REPORTS)
def test_spreadsheet_of_the_tables_reads_every_cell_and_says_prose_is_absent(tmp_path, models, name):
    """Each table under its caption (as the report printed it): every cell. Bare grids with no caption at all: the
    review/litigation table is recognised by the heading above it, so it is missing then (measured: 2 of 3 tables
    found, their cells exact) — missing, never filled with another table's numbers."""
    blocks = report_blocks(name)
    for captions in (True, False):
        path = make_xlsx(tmp_path / f"tables-{captions}.xlsx", blocks, captions=captions)
        report = extract_one(path, models)
        got = _score(report, name)
        assert got["wrong"] == 0, (captions, got)
        assert report["source"]["format"] == "spreadsheet" and report["source"]["prose_absent"] is True
        assert any("prose is absent" in w for w in report["source"]["warnings"])
        if captions:
            assert got["exact"] == got["total"], got
        else:
            assert [t["status"] for t in report["tables"].values()][:2] == ["found", "found"]
            gold = json.loads((LABELS / f"{name}.gold.json").read_text(encoding="utf-8"))
            for table in ("active_disclosure", "requests"):
                assert report["tables"][table]["rows"] == gold["tables"][table]["rows"], table


@needs_soffice
def test_xls_and_et_are_converted_and_read(tmp_path, models):
    name = REPORTS[1]
    xls = lo_convert(make_xlsx(tmp_path / "tables.xlsx", report_blocks(name)), "xls", tmp_path / "xls")
    assert xls.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"
    et = tmp_path / "tables.et"  # a Kingsoft ET sheet is an Excel 97 binary, as a .wps is a Word one
    shutil.copyfile(xls, et)
    for path in (xls, et):
        report = extract_one(path, models)
        got = _score(report, name)
        assert got["wrong"] == 0 and got["exact"] == got["total"], (path.name, got)
        assert report["source"]["prose_absent"] is True


def test_formula_without_a_computed_value_is_unreadable_not_zero(tmp_path, models):
    """A workbook saved by a program that does not calculate (openpyxl) keeps formulas without values: null."""
    import openpyxl

    name = REPORTS[1]
    path = make_xlsx(tmp_path / "tables.xlsx", report_blocks(name))
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    target = next(c for row in ws.iter_rows() for c in row if isinstance(c.value, int) and c.value > 0)
    target.value = f"={target.value}+0"
    wb.save(path)
    doc = read_document(str(path))
    assert any("formula cells hold no computed value" in w for w in doc.warnings), doc.warnings
    got = _score(extract_one(path, models), name)
    assert got["wrong"] == 0 and got["exact"] < got["total"], got


@pytest.mark.parametrize("name", REPORTS)
def test_ofd_reads_text_and_ruled_tables(tmp_path, models, name):
    """An OFD written from the report's blocks (text lines, ruled tables with merged cells, page breaks)."""
    path = make_ofd(tmp_path / "report.ofd", report_blocks(name))
    report = extract_one(path, models)
    assert report["source"]["format"] == "ofd" and report["source"]["pages"] > 1
    got = _score(report, name)
    print(f"{name} as OFD: {got['exact']}/{got['total']} cells exact, {got['wrong']} wrong, headings {got['headings']}")
    assert got["wrong"] == 0 and got["exact"] >= 0.995 * got["total"], got
    assert got["headings"][0] == got["headings"][1], got


def _mixed_zip(path: Path, tmp: Path) -> dict[str, str]:
    """A zip of mixed formats in folders, as a site's 年报 column downloads: {member: corpus report it holds}."""
    name = REPORTS[1]
    members = {
        "2023/pingtan-2023.html": "pingtan-2023.html",
        "qingtongxia-2020.txt": "qingtongxia-2020.txt",
        "平潭/tables.xlsx": name,
        "平潭/report.ofd": name,
    }
    make_xlsx(tmp / "tables.xlsx", report_blocks(name))
    make_ofd(tmp / "report.ofd", report_blocks(name))
    sources = {
        "2023/pingtan-2023.html": RAW / "pingtan-2023.html",
        "qingtongxia-2020.txt": RAW / "qingtongxia-2020.txt",
        "平潭/tables.xlsx": tmp / "tables.xlsx",
        "平潭/report.ofd": tmp / "report.ofd",
    }
    if soffice() is not None:
        members["平潭/report.doc"] = name
        sources["平潭/report.doc"] = lo_convert(RAW / name, "doc", tmp / "doc")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for member, source in sources.items():
            z.write(source, member)
        z.writestr("__MACOSX/平潭/._report.ofd", b"\x00\x05\x16\x07")  # an archiver's own file: not an input
        z.writestr("../outside.txt", "本报告")  # path traversal: refused, never written anywhere
    return members


@pytest.mark.parametrize("workers", [0, 2])
def test_zip_of_mixed_formats_gives_one_output_per_member(tmp_path, models, workers):
    inputs = tmp_path / "in"
    inputs.mkdir()
    members = _mixed_zip(inputs / "年报.zip", tmp_path)
    out = tmp_path / "out"
    runner = ProcessPool(workers) if workers else InProcess()
    result = run_batch([str(inputs)], str(out), Extract(models_dir=str(MODELS)), runner)
    names = sorted(p.name for p in out.glob("*.json"))
    assert names == sorted(f"年报.zip!{m.replace('/', '_')}.json" for m in members)
    assert [e["file"] for e in result.errors] == [str(inputs / "年报.zip!../outside.txt")]
    assert "unsafe member name" in result.errors[0]["message"]
    for member, gold in members.items():
        report = json.loads((out / f"年报.zip!{member.replace('/', '_')}.json").read_text(encoding="utf-8"))
        got = _score(report, gold)
        assert got["wrong"] == 0 and got["exact"] >= 0.995 * got["total"], (member, got)
    again = run_batch([str(inputs)], str(out), Extract(models_dir=str(MODELS)), runner)
    assert len(again.skipped) == len(members)  # resumed: each member known by its own bytes


def test_zip_members_in_read_mode_and_their_names(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    with zipfile.ZipFile(inputs / "batch.zip", "w") as z:
        z.write(RAW / "qingtongxia-2020.txt", "a/qingtongxia-2020.txt")
        z.write(RAW / "qingtongxia-2020.txt", "b/qingtongxia-2020.txt")
        z.writestr("inner.zip", (inputs / "batch.zip").read_bytes() if False else _tiny_zip())
    result = run_batch([str(inputs)], str(tmp_path / "docs"), Read())
    assert sorted(p.name for p in (tmp_path / "docs").glob("*.doc.json")) == [
        "batch.zip!a_qingtongxia-2020.txt.doc.json",
        "batch.zip!b_qingtongxia-2020.txt.doc.json",
    ]
    doc = json.loads((tmp_path / "docs" / "batch.zip!a_qingtongxia-2020.txt.doc.json").read_text(encoding="utf-8"))
    assert doc["path"] == str(inputs / "batch.zip!a/qingtongxia-2020.txt")
    assert [(Path(e["file"]).name, "archive inside an archive" in e["message"]) for e in result.errors] == [
        ("batch.zip!inner.zip", True)
    ]


def _tiny_zip() -> bytes:
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("x.txt", "x")
    return buf.getvalue()


def test_gbk_member_names_are_decoded(tmp_path):
    """Chinese Windows archivers store names in GBK without the UTF-8 flag."""
    from pipeline.batch.inputs import expand_archive

    path = tmp_path / "gbk.zip"
    with zipfile.ZipFile(path, "w") as z:
        info = zipfile.ZipInfo("x.txt")
        z.writestr(info, (RAW / "qingtongxia-2020.txt").read_bytes())
    data = bytearray(path.read_bytes())
    gbk = "年报.txt".encode("gbk")
    assert len(gbk) == len(b"x.txt") + 3
    path.write_bytes(_renamed(bytes(data), b"x.txt", gbk))
    members, problems = expand_archive(path, "zip")
    assert problems == [] and [Path(str(m[0])).name for m in members] == ["gbk.zip!年报.txt"]


def _renamed(data: bytes, old: bytes, new: bytes) -> bytes:
    """A stored zip's one member renamed in its local and central headers (sizes and offsets rewritten)."""
    import io

    src = zipfile.ZipFile(io.BytesIO(data))
    info = src.infolist()[0]
    content = src.read(info)
    local = (
        bytearray(
            struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, 0, 0, info.CRC, len(content), len(content), len(new), 0)
        )
        + new
        + content
    )
    central = (
        struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            20,
            20,
            0,
            0,
            0,
            0,
            info.CRC,
            len(content),
            len(content),
            len(new),
            0,
            0,
            0,
            0,
            0,
            0,
        )
        + new
    )
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), len(local), 0)
    return bytes(local) + central + end


def test_a_folder_file_no_reader_takes_is_recorded_not_skipped(tmp_path, models):
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copyfile(RAW / "qingtongxia-2020.txt", inputs / "qingtongxia-2020.txt")
    (inputs / "style.css").write_text("body { color: red }", encoding="utf-8")
    shutil.copyfile(RAW / "pingtan-2023.html", inputs / "download.jsp")  # a saved page: read by its content
    (inputs / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))  # the system's own
    (inputs / "~$report.docx").write_bytes(b"\x05owner")  # Word's lock file
    for _ in range(2):  # the second time the output folder is inside the folder walked: its JSON is no input
        result = run_batch([str(inputs)], str(inputs / "out"), Extract(models_dir=str(MODELS)))
        assert [(Path(e["file"]).name, e["stage"]) for e in result.errors] == [("style.css", "input")]
        assert "unsupported file type .css" in result.errors[0]["message"]
        assert sorted(Path(w).name for w in result.written) == ["download.jsp.json", "qingtongxia-2020.txt.json"]


DASK_DRIVER = r"""
import subprocess, sys
from distributed import LocalCluster

if __name__ == "__main__":
    src, out, models = sys.argv[1:4]
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        run = subprocess.run([sys.executable, "-m", "pipeline", "extract", src, "--out", out, "--models", models,
                              "--quiet", "--scheduler", cluster.scheduler_address])
        sys.exit(run.returncode)
"""


@pytest.mark.slow  # slow: a real Dask LocalCluster; run by .ci/run (-m slow)
def test_zip_members_on_a_dask_cluster_match_the_local_run(tmp_path):
    """Each Dask worker reads its member from the archive itself: a cluster's outputs are the local run's, name for
    name."""
    pytest.importorskip("distributed")
    inputs = tmp_path / "in"
    inputs.mkdir()
    with zipfile.ZipFile(inputs / "reports.zip", "w", zipfile.ZIP_DEFLATED) as z:
        for name in ("qingtongxia-2020.txt", "pingtan-2023.html", "gejiu-2020.txt"):
            z.write(RAW / name, f"y/{name}")
        z.writestr("y/../../escape.txt", "x")
    local = run_batch([str(inputs)], str(tmp_path / "local"), Extract(models_dir=str(MODELS)))
    driver = tmp_path / "driver.py"
    driver.write_text(DASK_DRIVER, encoding="utf-8")
    run = subprocess.run(
        [sys.executable, str(driver), str(inputs), str(tmp_path / "dask"), str(MODELS)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    assert run.returncode == 1, run.stderr[-2000:]  # the traversal member failed; the others were read

    def outputs(d):
        return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in d.glob("*.json")}

    assert (
        sorted(outputs(tmp_path / "dask"))
        == sorted(Path(w).name for w in local.written)
        == [
            "reports.zip!y_gejiu-2020.txt.json",
            "reports.zip!y_pingtan-2023.html.json",
            "reports.zip!y_qingtongxia-2020.txt.json",
        ]
    )
    assert outputs(tmp_path / "dask") == outputs(tmp_path / "local")
    errors = (tmp_path / "dask" / "errors.jsonl").read_text(encoding="utf-8")
    assert errors == (tmp_path / "local" / "errors.jsonl").read_text(encoding="utf-8")
    assert "reports.zip!y/../../escape.txt" in errors and "unsafe member name" in errors


def test_a_conversion_past_its_time_limit_is_stopped_with_its_children(tmp_path, monkeypatch):
    """A LibreOffice that never finishes (a stand-in program that starts a child and waits: what a hung soffice
    looks like from outside) is killed with its whole process group, and the file fails with a clear error."""
    from pipeline.readers import office

    pids = tmp_path / "pids"
    hang = tmp_path / "soffice"
    hang.write_text(f"#!/bin/sh\nsleep 300 &\necho $$ $! > {pids}\nwait\n", encoding="utf-8")
    hang.chmod(0o755)
    monkeypatch.setenv(office.SOFFICE_ENV, str(hang))
    with pytest.raises(ReadError, match="did not finish converting"):
        office.convert(b"{\\rtf1 x}", ".rtf", "docx", "x.rtf", seconds=2)

    def alive(pid):
        try:
            os.kill(pid, 0)
            return not Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
        except (ProcessLookupError, FileNotFoundError):
            return False

    for pid in map(int, pids.read_text().split()):
        deadline = time.monotonic() + 10  # a SIGKILLed process is gone once the kernel has torn it down
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(pid), pid
