"""The synthetic generator is byte-reproducible from its seed: every family, PDFs (reportlab, invariant: no creation
date, no random document ID) and Word files (fixed core-property dates, zip entries dated 1980) included."""

import hashlib
import os
import subprocess
import sys

from conftest import ROOT
from pipeline.modeling.synthesize import generate
from pipeline.params import FAMILIES


def _digests(folder):
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_two_generations_from_one_seed_are_the_same_bytes(tmp_path):
    n = 2 * len(FAMILIES)  # every family twice (the narrow family alternates PDF and Word)
    generate(tmp_path / "a", n, 7, ROOT / "data" / "raw")
    # the second in another process, with another string-hash seed: nothing may depend on either
    code = f"from pipeline.modeling.synthesize import generate; generate({str(tmp_path / 'b')!r}, {n}, 7, {str(ROOT / 'data' / 'raw')!r})"
    env = dict(os.environ, PYTHONHASHSEED="12345", PYTHONPATH=str(ROOT))
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=600)
    a, b = _digests(tmp_path / "a"), _digests(tmp_path / "b")
    assert len(a) == 2 * n
    assert {name.rsplit(".", 1)[-1] for name in a} >= {"pdf", "docx", "html", "txt", "md", "json"}
    assert [k for k in a if a[k] != b.get(k)] == []
    other = _digests_of_seed(tmp_path / "c", n)
    assert other != a  # the seed matters


def _digests_of_seed(folder, n):
    generate(folder, n, 8, ROOT / "data" / "raw")
    return _digests(folder)
