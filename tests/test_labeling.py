import json
import subprocess
import sys

from conftest import ROOT
from pipeline.modeling.labeling import fold_of, validate_dir, validate_gold


def _cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600)


def test_label_prefills_gold_and_marks_cells_for_review(tmp_path):
    proc = _cli("label", str(ROOT / "data" / "raw" / "pingtan-2023.txt"), "--out", str(tmp_path), "--models",
                str(tmp_path / "no-models"))
    assert proc.returncode == 0, proc.stderr
    gold = json.loads((tmp_path / "pingtan-2023.txt.gold.json").read_text(encoding="utf-8"))
    real = json.loads((ROOT / "data" / "labels" / "pingtan-2023.txt.gold.json").read_text(encoding="utf-8"))
    assert gold["meta"] == real["meta"]
    assert gold["tables"]["requests"]["rows"] == real["tables"]["requests"]["rows"]
    assert [s["heading"] for s in gold["sections"]] == [s["heading"] for s in real["sections"]]
    # the run-together 行政规范性文件77132470 cannot be cut: its three cells are null and marked for review
    marked = {r["cell"] for r in gold["review"]}
    assert marked == {f"active_disclosure.normative_docs.{c}" for c in ("issued", "repealed", "in_force")}
    problems = validate_gold(gold, "x")
    assert problems.errors == [] and len(problems.warnings) == 3
    again = _cli("label", str(ROOT / "data" / "raw" / "pingtan-2023.txt"), "--out", str(tmp_path))
    assert again.returncode == 1 and "exists" in again.stderr


def test_validation_names_the_file_and_the_place_to_fix(tmp_path):
    gold = json.loads((ROOT / "data" / "labels" / "qingtongxia-2020.txt.gold.json").read_text(encoding="utf-8"))
    bad = json.loads(json.dumps(gold))
    bad["tables"]["requests"]["rows"]["other.other"] = bad["tables"]["requests"]["rows"].pop("other")
    bad["tables"]["active_disclosure"]["rows"]["fees"]["change"] = "3"
    bad["sections"] = bad["sections"][:5]
    (tmp_path / "qingtongxia-2020.txt.gold.json").write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "broken.gold.json").write_text("{not json", encoding="utf-8")
    problems = validate_dir(tmp_path)
    text = "\n".join(problems.errors)
    assert "broken.gold.json: not valid JSON" in text
    assert "tables.requests.rows.other.other is not a row of the 2019 template" in text
    assert "tables.requests.rows.other is missing (template 2019)" in text
    assert "tables.active_disclosure.rows.fees.change must be a number or null, not '3'" in text
    assert "sections must be six entries with ids 1..6 in order" in text
    assert all(e.startswith(str(tmp_path)) for e in problems.errors)


def test_broken_sums_in_gold_are_warnings_not_errors():
    problems = validate_dir(ROOT / "data" / "labels")
    assert problems.errors == []
    assert any("hongze-2023.pdf.gold.json: review_litigation.total does not hold" in w for w in problems.warnings)


def test_training_refuses_invalid_labels(tmp_path):
    labels = tmp_path / "labels"
    labels.mkdir()
    (labels / "x.txt.gold.json").write_text('{"document": "x.txt"}', encoding="utf-8")
    proc = _cli("train", "--labels", str(labels), "--out", str(tmp_path / "models"), "--synthetic",
                str(tmp_path / "none"))
    assert proc.returncode == 1
    assert "missing top-level key 'meta'" in proc.stderr


def test_one_report_in_two_formats_shares_a_fold():
    for year in (2019, 2021, 2023, 2025):
        a, b = (json.loads((ROOT / "data" / "labels" / f"pingtan-{year}.{ext}.gold.json").read_text(encoding="utf-8"))
                for ext in ("txt", "html"))
        assert fold_of(a) == fold_of(b)


def test_params_are_checked_with_messages_that_say_what_to_fix(tmp_path):
    import subprocess
    import sys

    import yaml

    from conftest import ROOT
    from pipeline.params import check

    assert check(yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))) == []
    problems = check({"train": {"C": "ten", "ngram": 3, "per_row": 0}, "synth": {"families": ["html", "pdf_bordred"]},
                      "extrac": {}, "extract": {"pdf_tables": "camlot"}})
    assert problems == [
        "params.yaml: train.C must be a number above 0, not 'ten'",
        "params.yaml: train.ngram is not a parameter (did you mean ngram_max?)",
        "params.yaml: train.per_row must be 1 or more, not 0",
        "params.yaml: synth.families has 'pdf_bordred', not a layout family (did you mean pdf_bordered?)",
        "params.yaml: extrac is not a section of the parameters (did you mean extract?)",
        "params.yaml: extract.pdf_tables must be one of rulings, camelot, not 'camlot'",
    ]
    bad = tmp_path / "params.yaml"
    bad.write_text("train:\n  C: -1\n", encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "pipeline", "train", "--params", str(bad), "--out", str(tmp_path / "m")],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 2 and f"error: {bad}: train.C must be above 0, not -1" in run.stderr
    assert not (tmp_path / "m").exists()
