import json
import subprocess
import sys

from conftest import ROOT
from pipeline.modeling.labeling import fold_of, validate_dir, validate_gold


def _cli(*args, cwd=ROOT):
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args], cwd=cwd, capture_output=True, text=True, timeout=600
    )


def test_label_prefills_gold_and_marks_cells_for_review(tmp_path):
    proc = _cli(
        "label",
        str(ROOT / "data" / "raw" / "pingtan-2023.txt"),
        "--out",
        str(tmp_path),
        "--models",
        str(tmp_path / "no-models"),
    )
    assert proc.returncode == 0, proc.stderr
    gold = json.loads((tmp_path / "pingtan-2023.txt.gold.json").read_text(encoding="utf-8"))
    real = json.loads((ROOT / "data" / "labels" / "pingtan-2023.txt.gold.json").read_text(encoding="utf-8"))
    assert gold["meta"] == real["meta"]
    assert gold["tables"]["requests"]["rows"] == real["tables"]["requests"]["rows"]
    assert [s["heading"] for s in gold["sections"]] == [s["heading"] for s in real["sections"]]
    # the run-together 行政规范性文件77132470 cannot be cut: its three cells are null and marked for review
    marked = {r["cell"] for r in gold["review"]}
    assert marked == {f"active_disclosure.normative_docs.{c}" for c in ("issued", "repealed", "in_force")}
    # a prediction's null is not gold: each null cell is an error until it is filled in or listed as unreadable
    problems = validate_gold(gold, "x")
    assert len(problems.errors) == 3 and all("is null" in e and "unreadable" in e for e in problems.errors)
    assert len(problems.warnings) == 3  # and they are still marked for review
    del gold["review"]  # the review list deleted, the null cells untouched: still not gold
    assert len(validate_gold(gold, "x").errors) == 3
    gold["unreadable"] = sorted(marked)  # the person says the document prints them unreadably
    assert validate_gold(gold, "x").errors == []
    gold["unreadable"].append("requests.total.total")  # a cell that holds a number cannot be listed
    assert any("unreadable lists requests.total.total" in e for e in validate_gold(gold, "x").errors)
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
    proc = _cli(
        "train", "--labels", str(labels), "--out", str(tmp_path / "models"), "--synthetic", str(tmp_path / "none")
    )
    assert proc.returncode == 1
    assert "missing top-level key 'meta'" in proc.stderr


def test_one_report_in_two_formats_shares_a_fold():
    for year in (2019, 2021, 2023, 2025):
        a, b = (
            json.loads((ROOT / "data" / "labels" / f"pingtan-{year}.{ext}.gold.json").read_text(encoding="utf-8"))
            for ext in ("txt", "html")
        )
        assert fold_of(a) == fold_of(b)


def test_params_are_checked_with_messages_that_say_what_to_fix(tmp_path):
    import subprocess
    import sys

    import yaml

    from conftest import ROOT
    from pipeline.params import check

    assert check(yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))) == []
    problems = check(
        {
            "train": {"C": "ten", "ngram": 3, "per_row": 0},
            "synth": {"families": ["html", "pdf_bordred"]},
            "extrac": {},
            "extract": {"pdf_tables": "camlot"},
        }
    )
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
    run = subprocess.run(
        [sys.executable, "-m", "pipeline", "train", "--params", str(bad), "--out", str(tmp_path / "m")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 2 and f"error: {bad}: train.C must be above 0, not -1" in run.stderr
    assert not (tmp_path / "m").exists()


def test_misspelt_identifiers_get_a_did_you_mean():
    gold = json.loads((ROOT / "data" / "labels" / "qingtongxia-2020.txt.gold.json").read_text(encoding="utf-8"))
    bad = json.loads(json.dumps(gold))
    rows = bad["tables"]["requests"]["rows"]
    rows["new_recieved"] = rows.pop("new_received")
    rows["total"]["natural_persn"] = rows["total"].pop("natural_person")
    bad["tables"]["active_disclosur"] = bad["tables"].pop("active_disclosure")
    bad["unreadabel"] = []
    text = "\n".join(validate_gold(bad, "x").errors)
    assert "tables.requests.rows.new_recieved is not a row of the 2019 template (did you mean 'new_received'?)" in text
    assert "natural_persn is not a column of this row (did you mean 'natural_person'?)" in text
    assert "tables.active_disclosur is not a table of fields.json (did you mean 'active_disclosure'?)" in text
    assert "unknown top-level key 'unreadabel' (did you mean 'unreadable'?)" in text


def test_snippets_must_occur_in_the_document(tmp_path):
    gold = json.loads((ROOT / "data" / "labels" / "qingtongxia-2020.txt.gold.json").read_text(encoding="utf-8"))
    labels = tmp_path / "labels"
    labels.mkdir()
    bad = json.loads(json.dumps(gold))
    bad["sections"][0]["start"] = "这句话不在报告里"
    (labels / "qingtongxia-2020.txt.gold.json").write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
    problems = validate_dir(labels, [ROOT / "data" / "raw"])
    assert any("sections[id=1].start does not occur in the document: '这句话不在报告里'" in e for e in problems.errors)
    # the real snippet with its whitespace changed still matches (LABELS.md: whitespace is not significant)
    good = json.loads(json.dumps(gold))
    good["sections"][0]["start"] = " ".join(gold["sections"][0]["start"])
    (labels / "qingtongxia-2020.txt.gold.json").write_text(json.dumps(good, ensure_ascii=False), encoding="utf-8")
    assert validate_dir(labels, [ROOT / "data" / "raw"]).errors == []


def test_every_bundled_gold_file_validates_against_its_document():
    """The snippets of every gold file whose document has a text layer (the bundled corpus, and the real PDFs of
    ../shared/corpus/external when present) occur in it; the scans (read by OCR) are left to the slow runs."""
    from conftest import EXTERNAL
    from pipeline.modeling.labeling import find_document

    dirs = [ROOT / "data" / "raw", EXTERNAL]
    problems = validate_dir(ROOT / "data" / "labels", dirs)
    assert problems.errors == []
    # every document present was read and its snippets checked; a missing one is named
    golds = [json.loads(p.read_text(encoding="utf-8")) for p in (ROOT / "data" / "labels").glob("*.gold.json")]
    absent = sum(find_document(g["document"], dirs) is None for g in golds)
    assert absent < len(golds)
    assert len([w for w in problems.warnings if "snippets are not checked" in w]) == absent
