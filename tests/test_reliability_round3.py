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
    code = "import sys; from pipeline.__main__ import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", code, *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=env)


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
    run = _cli("extract", inputs / "hostile.ofd", "--out", tmp_path / "out", "--models", "", "--quiet",
               "--workers", "1", "--memory-limit", "700", timeout=300)
    assert run.returncode == 0, (run.stderr, _errors(tmp_path / "out"))
    report = json.loads((tmp_path / "out" / "hostile.ofd.json").read_text(encoding="utf-8"))
    assert report["source"]["format"] == "ofd" and report["tables"]["requests"]["status"] == "found"


def test_ofd_repeat_counts_fill_only_what_the_line_lacks():
    from pipeline.readers.ofd import _deltas

    assert _deltas("g 1000000000 1", 4) == [1.0] * 4
    assert _deltas("2 g 3 1.5 9", 6) == [2.0, 1.5, 1.5, 1.5, 9.0]
    assert _deltas("g 1e400 1 g nan 2 3", 3) == [3.0]  # an infinite or NaN count repeats nothing
    assert _deltas("g -5 1 4", 2) == [4.0]
