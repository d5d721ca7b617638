import json

from pipeline.modeling.evaluate import score_report, write_outputs
from pipeline.extraction.labels import RowLabeler
from pipeline.modeling.train import train_row_labeler


def test_train_saves_a_model_that_reads_label_variants(tmp_path):
    metrics = train_row_labeler({"C": 10.0, "ngram_max": 3, "per_row": 20, "seed": 1}, str(tmp_path))
    assert metrics["row_labeler_synthetic_heldout_accuracy"] > 0.9
    model = RowLabeler.load(tmp_path / "row_labeler.joblib")
    got = [
        c
        for c, _ in model.predict(
            ["（四）无法提供／1.本機關不掌握相關政府信息", "四、结转下年度继续办理", "行政许可(指2020年办件量)"]
        )
    ]
    assert got == ["requests:unable.not_held", "requests:carried_forward", "active_disclosure:licensing"]


def test_gold_scores_perfectly_against_itself_and_a_wrong_cell_is_counted(labels_dir):
    gold = json.loads((labels_dir / "qingtongxia-2020.txt.gold.json").read_text(encoding="utf-8"))
    pred = json.loads(json.dumps(gold))
    for s in pred["sections"]:
        s["text"] = s["start"] + "……" + s["end"] if s["start"] else ""
    s = score_report(pred, gold)
    assert s["counts"]["cells"] == [198, 198]
    assert s["counts"]["section_boundary"] == [12, 12]
    pred["tables"]["requests"]["rows"]["total"]["total"] = 5
    s = score_report(pred, gold)
    assert s["counts"]["cells"] == [197, 198]
    assert s["errors"][0]["row"] == "total"


def test_pipeline_run_is_logged_to_mlflow(tmp_path, monkeypatch, labels_dir):
    import mlflow

    from pipeline.modeling.tracking import log_pipeline_run

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    models = tmp_path / "models"
    train_row_labeler({"per_row": 10}, str(models))
    metrics_dir = tmp_path / "metrics"
    write_outputs(
        {
            "documents": 1,
            "cells_accuracy": 0.5,
            "by_format": {"txt": {"cells_accuracy": 0.5}},
            "table_status_confusion": {"found->found": 3},
        },
        [],
        str(metrics_dir),
    )
    run_id = log_pipeline_run(
        {"train": {"C": 10.0}}, str(models), str(metrics_dir), str(labels_dir), str(metrics_dir / "mlflow_run.json")
    )
    client = mlflow.tracking.MlflowClient(tracking_uri=uri)
    run = client.get_run(run_id)
    assert run.data.metrics["cells_accuracy"] == 0.5
    assert run.data.metrics["by_format.txt.cells_accuracy"] == 0.5
    assert run.data.params["train.C"] == "10.0"
    assert run.data.tags["git_commit"]
    versions = client.search_model_versions("name='row-labeler'")
    assert len(versions) == 1
    artifacts = [a.path for a in client.list_artifacts(run_id, "evaluation")]
    assert "evaluation/metrics.json" in artifacts


def test_column_labeler_reads_header_paths_and_a_remarks_column_is_not_a_column(tmp_path):
    from pipeline.extraction.labels import ColumnLabeler
    from pipeline.modeling.train import train_column_labeler

    metrics = train_column_labeler({"seed": 2, "per_column": 20}, str(tmp_path))
    assert metrics["column_labeler_synthetic_heldout_accuracy"] > 0.95
    model = ColumnLabeler.load(tmp_path / "column_labeler.joblib")
    got = [
        c
        for c, _ in model.predict(
            [
                "申请人情况／法人或其他组织／科研机构",
                "自 然 人",
                "现行有效件数",
                "行政诉讼／复议后起诉／尚未审结",
                "备注",
                "本年收费金额（单位：万元）",
            ]
        )
    ]
    assert got == [
        "requests:research",
        "requests:natural_person",
        "active_disclosure:in_force",
        "review_litigation:litigation_after_review.pending",
        "none",
        "active_disclosure:amount_wan",
    ]


def test_header_paths_put_cells_under_their_columns_when_the_template_order_would_not(models):
    """A table 3 whose publisher added a 备注 column and printed 总计 before the applicants: the template's order
    cannot read it; the headers can, and the row's sum confirms the reading."""
    from pipeline.document import Cell
    from pipeline.extraction.build import build_table
    from pipeline.extraction.records import records_from_grid
    from pipeline.extraction.template import label_records

    head = [
        "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
        "总计",
        "自然人",
        "商业企业",
        "科研机构",
        "社会公益组织",
        "法律服务机构",
        "其他",
        "备注",
    ]
    rows = [
        [Cell(h) for h in head],
        [Cell(x) for x in ["一、本年新收政府信息公开申请数量", "12", "9", "1", "0", "2", "0", "0", "含转办件"]],
    ]
    records = records_from_grid(rows, 0, None, 3)
    preds = label_records(records, models.row_labeler)
    with_headers = build_table("requests", "2021", records, preds, models.column_labeler)
    assert with_headers.rows["new_received"] == {
        "natural_person": 9,
        "commercial": 1,
        "research": 0,
        "social_org": 2,
        "legal_service": 0,
        "other_org": 0,
        "total": 12,
    }
    by_position = build_table("requests", "2021", records, preds, None)
    assert all(v is None for v in by_position.rows["new_received"].values())  # unreadable, never shifted numbers


def test_row_labeler_comparison_measures_both_models_on_real_printed_labels(labels_dir):
    from conftest import EXTERNAL, ROOT
    from pipeline.modeling.compare_labelers import compare, real_label_set

    docs = [str(ROOT / "data" / "raw"), str(EXTERNAL)]
    real = real_label_set(str(labels_dir), docs)
    assert len(real) >= 50 and all(cls.split(":")[0] in ("active_disclosure", "requests") for _, cls, _ in real)
    assert ("四、结转下年度继续办理", "requests:carried_forward") in {(t, c) for t, c, _ in real}
    result = compare({"per_row": 10, "seed": 0}, str(labels_dir), docs, epochs=2)
    for name in ("sklearn_char_ngrams", "spacy_textcat_bow"):
        m = result["models"][name]
        assert 0.5 < m["synthetic_heldout_accuracy"] <= 1 and 0.5 < m["real_label_accuracy"] <= 1
    assert result["chosen"] in result["models"]


def test_section_model_cache_overflow_never_loses_a_lookup():
    """The cache of block probabilities is bounded: when it is full it is emptied before a lookup, not between
    finding what is cached and reading it back (a 20 MB page filled it and the next report failed)."""
    from pipeline.extraction.section_model import SectionModel

    headings = [
        "一、总体情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况",
        "六、其他需要报告的事项",
    ]
    model = SectionModel.train(
        (headings + ["正文。", "首页"]) * 3, ["h1", "h2", "h3", "h4", "h5", "h6", "other", "junk"] * 3
    )
    model.probabilities(["一、总体情况"])
    model.__dict__["_cache"].update({f"filler {i}": None for i in range(100_001)})
    scores = model.heading_scores(["一、总体情况", "从未见过的一行"])
    assert len(scores) == 2 and scores[0][0] > scores[1][0]


def test_runs_are_named_after_what_changed_and_land_on_training_runs(tmp_path, monkeypatch, labels_dir):
    """A real local MLflow store (sqlite) and a real git repository: the run is named after the commit, the
    parameters changed against its params.yaml and the gold files added, changed or removed against HEAD; the
    labelled sets' digests are hashes of the gold files; the registered versions get the alias `champion`; the
    link written opens the experiment on its training runs."""
    import shutil
    import subprocess

    import mlflow
    import yaml

    from pipeline.modeling.tracking import ALIAS, log_pipeline_run

    repo = tmp_path / "repo"
    repo.mkdir()
    params = {"train": {"C": 10.0, "seed": 0}, "sections": {"C": 5.0}}
    (repo / "params.yaml").write_text(yaml.safe_dump(params), encoding="utf-8")
    labels = repo / "data" / "labels"
    labels.mkdir(parents=True)
    for name in ("qingtongxia-2020.txt", "suizhou-2020.txt", "gejiu-2020.txt"):
        shutil.copy(labels_dir / f"{name}.gold.json", labels / f"{name}.gold.json")
    git = ["git", "-c", "user.email=t@t", "-c", "user.name=t"]
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run(git + ["add", "-A"], cwd=repo, check=True)
    subprocess.run(git + ["commit", "-qm", "init"], cwd=repo, check=True)
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True).stdout.strip()
    synthetic = repo / "synthetic" / "train" / "labels"
    synthetic.mkdir(parents=True)
    for name in ("qingtongxia-2020.txt", "suizhou-2020.txt"):
        shutil.copy(labels_dir / f"{name}.gold.json", synthetic / f"{name}.gold.json")
    monkeypatch.chdir(repo)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    models = tmp_path / "models"
    train_row_labeler({"per_row": 10}, str(models))
    metrics_dir = tmp_path / "metrics"
    write_outputs(
        {"documents": 1, "cells_accuracy": 0.5, "table_status_confusion": {"found->found": 3}}, [], str(metrics_dir)
    )

    first = log_pipeline_run(
        params,
        str(models),
        str(metrics_dir),
        "data/labels",
        str(tmp_path / "run.json"),
        synthetic_dir=str(repo / "synthetic"),
    )
    changed = {"train": {"C": 3.0, "seed": 0}, "sections": {"C": 5.0}}  # as `dvc exp run -S train.C=3` sets it
    (repo / "params.yaml").write_text(yaml.safe_dump(changed), encoding="utf-8")
    # the labels change too: one file added, one corrected in one cell, one removed
    shutil.copy(labels_dir / "pingtan-2021.html.gold.json", labels / "pingtan-2021.html.gold.json")
    gold = json.loads((labels / "suizhou-2020.txt.gold.json").read_text(encoding="utf-8"))
    gold["tables"]["requests"]["rows"]["total"]["total"] += 1
    (labels / "suizhou-2020.txt.gold.json").write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")
    (labels / "gejiu-2020.txt.gold.json").unlink()
    second = log_pipeline_run(
        changed,
        str(models),
        str(metrics_dir),
        "data/labels",
        str(tmp_path / "run.json"),
        synthetic_dir=str(repo / "synthetic"),
    )

    client = mlflow.tracking.MlflowClient(tracking_uri=uri)
    assert client.get_run(first).info.run_name == f"{commit[:7]} committed params · committed labels"
    assert client.get_run(second).info.run_name == (
        f"{commit[:7]} train.C=3.0 · labels +1 (pingtan-2021.html) ~1 (suizhou-2020.txt) -1 (gejiu-2020.txt)"
    )
    tags = client.get_run(second).data.tags
    assert tags["params_changed"] == "train.C" and tags["labels_added"] == "pingtan-2021.html"
    assert tags["labels_changed"] == "suizhou-2020.txt" and tags["labels_removed"] == "gejiu-2020.txt"
    experiment = client.get_experiment(client.get_run(first).info.experiment_id)
    assert experiment.tags["mlflow.experimentKind"] == "custom_model_development"
    champion = client.get_model_version_by_alias("row-labeler", ALIAS)
    assert champion.run_id == second and str(champion.version) == "2"
    digests = []
    for run_id in (first, second):
        inputs = {d.dataset.name: d.dataset for d in client.get_run(run_id).inputs.dataset_inputs}
        assert set(inputs) == {"real-labels", "synthetic-train"}
        digests.append((inputs["real-labels"].digest, inputs["synthetic-train"].digest))
    # the labelled set's digest follows its contents (one cell corrected changes it); the synthetic set is the same
    assert digests[0][0] != digests[1][0] and digests[0][1] == digests[1][1]
    inputs = client.get_run(second).inputs.dataset_inputs
    profile = json.loads({d.dataset.name: d for d in inputs}["real-labels"].dataset.profile)
    assert profile["num_rows"] == 3
    run_file = json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))
    assert run_file["run_id"] == second
    assert (
        run_file["ui"]
        == f"http://127.0.0.1:5000/#/experiments/{experiment.experiment_id}/runs?workflowType=machine_learning"
    )
