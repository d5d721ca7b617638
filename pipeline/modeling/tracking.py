"""MLflow: a local embedded store by default (`sqlite:///mlflow.db` in the working directory), or the server named
by MLFLOW_TRACKING_URI. Every run records the git commit and a hash of the labelled data it used."""
from __future__ import annotations

import re

import hashlib
import os
import subprocess
from pathlib import Path

EXPERIMENT = "gov-disclosure-reports"
DEFAULT_URI = "sqlite:///mlflow.db"


def start_run(run_name: str):
    import logging
    import warnings

    import mlflow

    logging.getLogger("mlflow").setLevel(logging.ERROR)
    logging.getLogger("alembic").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module="mlflow")
    mlflow.set_tracking_uri(os.environ.get("MLFLOW_TRACKING_URI", DEFAULT_URI))
    mlflow.set_experiment(EXPERIMENT)
    run = mlflow.start_run(run_name=run_name)
    mlflow.set_tag("git_commit", git_commit())
    return mlflow, run


def git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10,
                              check=True).stdout.strip()
    except Exception:
        return "unknown"


def data_version(*dirs: str) -> str:
    """A short hash of every file under the given directories (names and contents)."""
    h = hashlib.sha256()
    for d in dirs:
        for p in sorted(Path(d).rglob("*")) if Path(d).exists() else []:
            if p.is_file():
                h.update(str(p.relative_to(d)).encode())
                h.update(p.read_bytes())
    return h.hexdigest()[:16]


def _flatten(prefix: str, d: dict, out: dict) -> dict:
    for k, v in d.items():
        key = f"{prefix}.{k}" if prefix else str(k)
        if isinstance(v, dict):
            _flatten(key, v, out)
        else:
            out[key] = v
    return out


def log_pipeline_run(params: dict, models_dir: str, metrics_dir: str, labels_dir: str, out_file: str) -> str:
    """One MLflow run for one `dvc repro`: every parameter, the training and evaluation metrics (overall and per
    format), the evaluation artifacts, and the models registered as `row-labeler`, `column-labeler` and
    `section-model`."""
    import json

    from ..extraction.labels import RowLabeler
    from ..extraction.models import COLUMN_LABELER_FILE, ROW_LABELER_FILE, SECTION_MODEL_FILE

    mlflow, run = start_run("pipeline")
    with run:
        mlflow.set_tag("data_version", data_version(labels_dir, "data/raw"))
        mlflow.log_params(_flatten("", params, {}))
        scalars = {}
        for prefix, name in (("", Path(models_dir) / "train_metrics.json"), ("", Path(metrics_dir) / "metrics.json"),
                             ("synthetic", Path(metrics_dir) / "synthetic" / "metrics.json"),
                             ("crossfit", Path(metrics_dir) / "crossfit" / "metrics.json"),
                             ("scanned", Path(metrics_dir) / "scanned" / "metrics.json"),
                             ("", Path(metrics_dir) / "labelers.json")):
            if name.exists():
                _flatten(prefix, json.loads(name.read_text(encoding="utf-8")), scalars)
        # MLflow names hold letters, digits, _ - . / and spaces: by_format.pdf+ocr is logged as by_format.pdf_ocr
        mlflow.log_metrics({re.sub(r"[^\w\-./ ]", "_", k.replace("->", "_to_")): float(v) for k, v in scalars.items()
                            if isinstance(v, (int, float)) and not isinstance(v, bool)})
        for f in sorted(Path(metrics_dir).rglob("*")):
            if f.is_file() and f.name != Path(out_file).name:
                sub = f.parent.relative_to(metrics_dir).as_posix()
                mlflow.log_artifact(str(f), artifact_path="evaluation" + ("" if sub == "." else f"/{sub}"))
        section_path = Path(models_dir) / SECTION_MODEL_FILE
        if section_path.exists():
            import mlflow.sklearn

            from ..extraction.section_model import SectionModel

            mlflow.sklearn.log_model(SectionModel.load(section_path).pipeline, name="section_model",
                                     registered_model_name="section-model",
                                     input_example=["四、政府信息公开行政复议、行政诉讼情况"],
                                     skops_trusted_types=["pipeline.extraction.section_model._heads",
                                                          "pipeline.extraction.section_model._cues"])
        for file, name, example in ((ROW_LABELER_FILE, "row-labeler", "（三）不予公开／1.属于国家秘密"),
                                    (COLUMN_LABELER_FILE, "column-labeler", "法人或其他组织／商业企业")):
            path = Path(models_dir) / file
            if path.exists():
                import mlflow.sklearn

                mlflow.sklearn.log_model(RowLabeler.load(path).pipeline, name=name.replace("-", "_"),
                                         registered_model_name=name, input_example=[example],
                                         skops_trusted_types=["pipeline.extraction.labels.normalise_label"])
        run_id = run.info.run_id
    Path(out_file).parent.mkdir(parents=True, exist_ok=True)
    Path(out_file).write_text(json.dumps({"run_id": run_id, "tracking_uri": mlflow.get_tracking_uri(),
                                          "experiment": EXPERIMENT}, indent=1), encoding="utf-8")
    return run_id
