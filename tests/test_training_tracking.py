import json

from pipeline.evaluate import score_report, write_outputs
from pipeline.labels import RowLabeler
from pipeline.train import train_row_labeler


def test_train_saves_a_model_that_reads_label_variants(tmp_path):
    metrics = train_row_labeler({"C": 10.0, "ngram_max": 3, "per_row": 20, "seed": 1}, str(tmp_path))
    assert metrics["row_labeler_synthetic_heldout_accuracy"] > 0.9
    model = RowLabeler.load(tmp_path / "row_labeler.joblib")
    got = [c for c, _ in model.predict(["（四）无法提供／1.本機關不掌握相關政府信息", "四、结转下年度继续办理",
                                        "行政许可(指2020年办件量)"])]
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

    from pipeline.tracking import log_pipeline_run

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    models = tmp_path / "models"
    train_row_labeler({"per_row": 10}, str(models))
    metrics_dir = tmp_path / "metrics"
    write_outputs({"documents": 1, "cells_accuracy": 0.5, "by_format": {"txt": {"cells_accuracy": 0.5}},
                   "table_status_confusion": {"found->found": 3}}, [], str(metrics_dir))
    run_id = log_pipeline_run({"train": {"C": 10.0}}, str(models), str(metrics_dir), str(labels_dir),
                              str(metrics_dir / "mlflow_run.json"))
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
