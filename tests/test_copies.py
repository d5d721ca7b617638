"""Copied reports (内容雷同): flagged in the report JSON by the real batch (batch/copies.py after the cross-year
checks), from reports the test writes; the same report in two formats is not a copy of itself."""

import json
import re

from conftest import ROOT
from pipeline.batch.copies import find_copies, signature
from pipeline.batch.run import run_batch
from pipeline.batch.stages import Extract
from pipeline.extraction.report import validate_report

RAW = ROOT / "data" / "raw"


def _write_corpus(folder):
    folder.mkdir()
    original = (RAW / "qingtongxia-2020.txt").read_text(encoding="utf-8")
    (folder / "qingtongxia-2020.txt").write_text(original, encoding="utf-8")
    # another body's report of the same year: its name put in, its figures changed, one sentence reworded
    other = original.replace("青 铜 峡 市", "灵 武 市").replace("青铜峡市", "灵武市")
    other = re.sub(r"(?<=[^\d])1(?=\d\d件)", "2", other).replace("深化重点领域信息公开", "深入推进重点领域信息公开")
    (folder / "lingwu-2020.txt").write_text(other, encoding="utf-8")
    # the same body's next year, last year's text with the year moved on
    (folder / "qingtongxia-2021.txt").write_text(original.replace("2020", "2021"), encoding="utf-8")
    # a report of the same year written by another body in its own words
    (folder / "suizhou-2020.txt").write_text((RAW / "suizhou-2020.txt").read_text(encoding="utf-8"), encoding="utf-8")
    # one report saved in two formats
    for name in ("pingtan-2023.html", "pingtan-2023.txt"):
        (folder / name).write_bytes((RAW / name).read_bytes())


def test_near_identical_reports_are_flagged_and_different_ones_are_not(tmp_path):
    _write_corpus(tmp_path / "in")
    out = tmp_path / "out"
    result = run_batch([str(tmp_path / "in")], str(out), Extract(models_dir=None))
    assert result.errors == []
    reports = {p.name[:-5]: json.loads(p.read_text(encoding="utf-8")) for p in out.glob("*.json")}
    for r in reports.values():
        validate_report(r)  # the copies field is part of the report schema

    def flags(name):
        return {(f["kind"], f["document"]): f["similarity"] for f in reports[name].get("copies", [])}

    lingwu = flags("lingwu-2020.txt")
    assert set(lingwu) == {("same_year_other_body", "qingtongxia-2020.txt")}
    assert 0.8 <= lingwu[("same_year_other_body", "qingtongxia-2020.txt")] < 1.0  # reworded: not all shared
    assert flags("qingtongxia-2021.txt") == {("previous_year", "qingtongxia-2020.txt"): 1.0}
    assert set(flags("qingtongxia-2020.txt")) == {
        ("same_year_other_body", "lingwu-2020.txt"),
        ("next_year", "qingtongxia-2021.txt"),
    }
    # a different report of the same year is no copy; one report in two formats is no copy of itself
    assert "copies" not in reports["suizhou-2020.txt"]
    assert "copies" not in reports["pingtan-2023.html"] and "copies" not in reports["pingtan-2023.txt"]


def test_a_different_pair_is_far_below_the_threshold():
    qt = {
        "document": "a",
        "meta": {"body": "青铜峡市", "year": 2020},
        "sections": [{"text": (RAW / "qingtongxia-2020.txt").read_text(encoding="utf-8")}],
    }
    sz = {
        "document": "b",
        "meta": {"body": "随州市", "year": 2020},
        "sections": [{"text": (RAW / "suizhou-2020.txt").read_text(encoding="utf-8")}],
    }
    assert find_copies({"a": signature(qt), "b": signature(sz)}) == {}
    short = {"document": "c", "meta": {"body": "某县", "year": 2020}, "sections": [{"text": "一、总体情况"}]}
    assert signature(short) is None  # a fragment's few words are not compared


def test_the_minhash_with_permutations_drawn_once_is_datasketchs_own():
    """The permutations are drawn once a process and shared: every MinHash is the one datasketch makes afresh."""
    from datasketch import MinHash

    from pipeline.batch.copies import NUM_PERM, SCHEME, minhash, shingle_hashes

    for text in ("本机关依法公开政府信息，" * 40, "二、主动公开政府信息情况" * 9):
        fresh = MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME, hashfunc=int)
        fresh.update_batch(shingle_hashes(text).tolist())
        assert (minhash(text).hashvalues == fresh.hashvalues).all()
