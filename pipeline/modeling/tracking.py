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


# the MLflow 3 UI opens an experiment on its training runs (not the GenAI traces page) when tagged so
EXPERIMENT_KIND = {"mlflow.experimentKind": "custom_model_development"}
ALIAS = "champion"  # the registered model version the workspace's models/ holds: the one in use


def start_run(run_name: str, tags: dict | None = None):
    import logging
    import warnings

    import mlflow

    logging.getLogger("mlflow").setLevel(logging.ERROR)
    logging.getLogger("alembic").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module="mlflow")
    mlflow.set_tracking_uri(os.environ.get("MLFLOW_TRACKING_URI", DEFAULT_URI))
    experiment = mlflow.set_experiment(EXPERIMENT)
    for key, value in EXPERIMENT_KIND.items():
        if experiment.tags.get(key) != value:
            mlflow.MlflowClient().set_experiment_tag(experiment.experiment_id, key, value)
    run = mlflow.start_run(run_name=run_name, tags={"git_commit": git_commit(), **(tags or {})})
    return mlflow, run


def changed_params(params: dict, params_path: str = "params.yaml") -> dict | None:
    """{flattened key: value} of the parameters that differ from the committed params.yaml (`git show
    HEAD:params.yaml`; what `dvc exp run -S` set, or an edit not yet committed); None where git cannot say."""
    import yaml

    try:
        committed = subprocess.run(["git", "show", f"HEAD:./{params_path}"], capture_output=True, text=True,
                                   timeout=10, check=True).stdout
        before = _flatten("", yaml.safe_load(committed) or {}, {})
    except Exception:
        return None
    now = _flatten("", params, {})
    return {k: v for k, v in now.items() if before.get(k) != v} | \
        {k: None for k in before if k not in now}


def run_name(params: dict, params_path: str = "params.yaml") -> str:
    """The short commit, then what changed against its params.yaml: `1a2b3c4 train.C=3.0` or `1a2b3c4 committed
    params`."""
    commit = git_commit()
    short = commit[:7] if commit != "unknown" else "no-git"
    changed = changed_params(params, params_path)
    if changed is None:
        return f"{short} params unknown"
    if not changed:
        return f"{short} committed params"
    text = " ".join(f"{k}={v}" for k, v in sorted(changed.items()))
    return f"{short} {text if len(text) <= 200 else text[:199] + '…'}"


def _label_rows(labels_dir: str | Path) -> list[dict]:
    """One row per gold file: document, body, year, template, fold and the counts of what it labels."""
    import json

    from .labeling import fold_of

    rows = []
    for f in sorted(Path(labels_dir).glob("*.gold.json")) if Path(labels_dir).is_dir() else []:
        try:
            gold = json.loads(f.read_text(encoding="utf-8"))
            found = [t for t in gold["tables"].values() if t.get("status") == "found"]
            rows.append({"document": gold["document"], "body": gold["meta"].get("body"),
                         "year": gold["meta"].get("year"), "template": gold["meta"].get("template"),
                         "fold": fold_of(gold), "tables_found": len(found),
                         "cells": sum(len(cols) for t in found for cols in t.get("rows", {}).values()),
                         "headings": sum(s.get("heading") is not None for s in gold.get("sections", []))})
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            continue  # validate-labels names a broken file; tracking records what it can read
    return rows


def log_datasets(labels_dir: str, synthetic_dir: str | None) -> dict:
    """The labelled real set and the synthetic training set as MLflow datasets of the active run (the runs table's
    Dataset column): one row per labelled report; the digest changes with the labels."""
    import mlflow
    import mlflow.data
    import pandas as pd

    logged = {}
    sets = [("real-labels", labels_dir, "training")]
    if synthetic_dir:
        sets.append(("synthetic-train", str(Path(synthetic_dir) / "train" / "labels"), "training"))
    for name, folder, context in sets:
        rows = _label_rows(folder)
        if not rows:
            continue
        df = pd.DataFrame(rows)
        dataset = mlflow.data.from_pandas(df, source=str(Path(folder)), name=name)
        mlflow.log_input(dataset, context=context)
        logged[name] = len(rows)
    return logged


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


def log_pipeline_run(params: dict, models_dir: str, metrics_dir: str, labels_dir: str, out_file: str,
                     synthetic_dir: str | None = None, params_path: str = "params.yaml") -> str:
    """One MLflow run for one `dvc repro`: every parameter, the training and evaluation metrics (overall and per
    format), the evaluation artifacts, and the models registered as `row-labeler`, `column-labeler` and
    `section-model`, the new versions given the alias `champion` (the version models/ holds). The run is named
    after the commit and the parameters changed against it; the labelled real and synthetic sets are its datasets."""
    import json

    from ..extraction.labels import RowLabeler
    from ..extraction.models import COLUMN_LABELER_FILE, ROW_LABELER_FILE, SECTION_MODEL_FILE

    name = run_name(params, params_path)
    changed = changed_params(params, params_path)
    mlflow, run = start_run(name, {"model_type": "sklearn: row labeler, column labeler, section model",
                                   "params_changed": ", ".join(sorted(changed)) if changed else "none"})
    registered = []
    with run:
        mlflow.set_tag("data_version", data_version(labels_dir, "data/raw"))
        log_datasets(labels_dir, synthetic_dir)
        mlflow.log_params(_flatten("", params, {}))
        scalars = {}
        for prefix, path in (("", Path(models_dir) / "train_metrics.json"), ("", Path(models_dir) / "train_timings.json"),
                             ("", Path(metrics_dir) / "metrics.json"),
                             ("", Path(metrics_dir) / "labelers_timings.json"),
                             ("synthetic", Path(metrics_dir) / "synthetic" / "metrics.json"),
                             ("crossfit", Path(metrics_dir) / "crossfit" / "metrics.json"),
                             ("scanned", Path(metrics_dir) / "scanned" / "metrics.json"),
                             ("photographed", Path(metrics_dir) / "photographed" / "metrics.json"),
                             ("", Path(metrics_dir) / "labelers.json")):
            if path.exists():
                _flatten(prefix, json.loads(path.read_text(encoding="utf-8")), scalars)
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

            registered.append("section-model")
            mlflow.sklearn.log_model(SectionModel.load(section_path).pipeline, name="section_model",
                                     registered_model_name="section-model",
                                     input_example=["四、政府信息公开行政复议、行政诉讼情况"],
                                     skops_trusted_types=["pipeline.extraction.section_model._heads",
                                                          "pipeline.extraction.section_model._cues"])
        for file, model, example in ((ROW_LABELER_FILE, "row-labeler", "（三）不予公开／1.属于国家秘密"),
                                     (COLUMN_LABELER_FILE, "column-labeler", "法人或其他组织／商业企业")):
            path = Path(models_dir) / file
            if path.exists():
                import mlflow.sklearn

                registered.append(model)
                mlflow.sklearn.log_model(RowLabeler.load(path).pipeline, name=model.replace("-", "_"),
                                         registered_model_name=model, input_example=[example],
                                         skops_trusted_types=["pipeline.extraction.labels.normalise_label"])
        run_id = run.info.run_id
    client = mlflow.MlflowClient()
    for model in registered:  # the version this run registered is the one in use: alias `champion`
        versions = [v for v in client.search_model_versions(f"name='{model}'") if v.run_id == run_id]
        if versions:
            client.set_registered_model_alias(model, ALIAS, max(versions, key=lambda v: int(v.version)).version)
    Path(out_file).parent.mkdir(parents=True, exist_ok=True)
    Path(out_file).write_text(json.dumps({"run_id": run_id, "run_name": name,
                                          "tracking_uri": mlflow.get_tracking_uri(),
                                          "experiment": EXPERIMENT}, indent=1), encoding="utf-8")
    return run_id
