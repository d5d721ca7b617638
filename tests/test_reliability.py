"""Faults and hostile files of the second round (issue 13): each case is built here and run through the real CLI
or run_batch, with a good report beside it that must come out intact."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from conftest import ROOT

GOOD = ROOT / "data" / "raw" / "gejiu-2020.txt"


def _cli(*args, cwd=ROOT, timeout=300, umask=None) -> subprocess.CompletedProcess:
    code = "import sys; from pipeline.__main__ import main; sys.exit(main(sys.argv[1:]))"
    pre = (lambda: os.umask(umask)) if umask is not None else None
    return subprocess.run(
        [sys.executable, "-c", code, *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=pre,
    )


def _errors(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "errors.jsonl").read_text(encoding="utf-8").splitlines()]


def test_a_named_pipe_in_the_input_folder_is_recorded_not_opened(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    os.mkfifo(inputs / "pipe.pdf")  # opening it would wait for a writer forever
    shutil.copy(GOOD, inputs)
    run = _cli("extract", inputs, "--out", tmp_path / "out", "--models", "", "--quiet", "--workers", "0", timeout=120)
    assert run.returncode == 1, run.stderr
    [error] = _errors(tmp_path / "out")
    assert (
        error["file"].endswith("pipe.pdf") and "not a regular file" in error["message"] and "FIFO" in error["message"]
    )
    assert (tmp_path / "out" / "gejiu-2020.txt.json").exists()


def _inflating_pdf(path: Path, megabytes: int) -> Path:
    """A one-page PDF whose content stream is a few MB on disk and inflates to `megabytes` MB."""
    packer = zlib.compressobj(9)
    blank = b" " * (1 << 20)
    stream = b"".join(packer.compress(blank) for _ in range(megabytes)) + packer.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(out)
    return path


def test_a_pdf_that_inflates_past_the_memory_limit_fails_alone(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    _inflating_pdf(inputs / "bomb.pdf", 1500)  # 1.5 MB on disk, 1.5 GB inflated
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
        "1",
        "--memory-limit",
        "800",
        timeout=300,
    )
    assert run.returncode == 1, run.stderr
    [error] = _errors(tmp_path / "out")
    assert error["file"].endswith("bomb.pdf") and error["stage"] == "memory" and "memory limit" in error["message"]
    assert json.loads((tmp_path / "out" / "gejiu-2020.txt.json").read_text(encoding="utf-8"))["tables"]


def test_a_pdf_over_the_page_limit_says_so(tmp_path):
    from fixtures import make_report_pdf
    from pipeline.document import ReadError
    from pipeline.readers.formats import read_document
    from pipeline.readers.options import ReadOptions

    pdf = make_report_pdf(tmp_path / "long.pdf")
    with pytest.raises(ReadError) as e:
        read_document(str(pdf), ReadOptions(max_pages=1))
    assert "PDF too long" in str(e.value)


def test_failures_of_earlier_runs_are_kept_until_their_input_succeeds(tmp_path):
    from pipeline.batch.run import run_batch
    from pipeline.batch.stages import Extract

    a, b, out = tmp_path / "a", tmp_path / "b", tmp_path / "out"
    a.mkdir()
    b.mkdir()
    (a / "broken.pdf").write_bytes(b"%PDF-1.4 cut short")
    shutil.copy(GOOD, b)
    run_batch([str(a)], str(out), Extract(models_dir=None))
    run_batch([str(b)], str(out), Extract(models_dir=None))  # a run beside it, into the same folder
    assert [Path(e["file"]).name for e in _errors(out)] == ["broken.pdf"]
    from fixtures import make_report_pdf

    make_report_pdf(a / "broken.pdf")  # mended: the same input now succeeds, its old failure goes
    run_batch([str(a)], str(out), Extract(models_dir=None))
    assert _errors(out) == [] and (out / "broken.pdf.json").exists()


def test_unusable_options_stop_before_any_work(tmp_path):
    (tmp_path / "a-file").write_text("x")
    cases = [
        ("--out", tmp_path / "a-file"),
        ("--out", tmp_path / "a-file" / "sub"),
        ("--out", tmp_path / "out", "--models", tmp_path / "no-such-models"),
    ]
    broken = tmp_path / "broken-models"
    broken.mkdir()
    (broken / "row_labeler.joblib").write_bytes(b"not a model")
    cases.append(("--out", tmp_path / "out", "--models", broken))
    for case in cases:
        run = _cli("extract", GOOD, *case, "--quiet", "--workers", "0")
        assert run.returncode == 2, (case, run.stderr)
        assert run.stderr.startswith("error: ") and "Traceback" not in run.stderr, run.stderr
        assert not (tmp_path / "out" / "gejiu-2020.txt.json").exists()
    assert "not a readable model" in run.stderr


def test_outputs_are_readable_under_the_users_umask(tmp_path):
    run = _cli("extract", GOOD, "--out", tmp_path / "out", "--models", "", "--quiet", "--workers", "0", umask=0o022)
    assert run.returncode == 0, run.stderr
    for f in (tmp_path / "out").iterdir():
        assert f.stat().st_mode & 0o777 == 0o644, f


def test_folders_through_links_are_walked_and_a_file_named_twice_is_read_once(tmp_path):
    from pipeline.batch.sources import find_inputs

    real = tmp_path / "real"
    real.mkdir()
    shutil.copy(GOOD, real)
    top = tmp_path / "top"
    top.mkdir()
    (top / "linked").symlink_to(real, target_is_directory=True)
    (top / "loop").symlink_to(top, target_is_directory=True)  # a link back up must not loop
    files, problems = find_inputs([str(top), str(real / GOOD.name), str(real)])
    assert [f.name for f in files] == [GOOD.name] and problems == []


def test_resume_remakes_an_output_edited_by_hand(tmp_path):
    from pipeline.batch.run import run_batch
    from pipeline.batch.stages import Extract

    out = tmp_path / "out"
    run_batch([str(GOOD)], str(out), Extract(models_dir=None))
    path = out / "gejiu-2020.txt.json"
    first = path.read_text(encoding="utf-8")
    assert run_batch([str(GOOD)], str(out), Extract(models_dir=None)).skipped == [str(path)]
    report = json.loads(first)
    report["meta"]["year"] = 1999
    path.write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    again = run_batch([str(GOOD)], str(out), Extract(models_dir=None))
    assert again.skipped == [] and path.read_text(encoding="utf-8") == first
