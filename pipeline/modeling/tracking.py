"""MLflow: a local embedded store by default (`sqlite:///mlflow.db` in the working directory), or the server named
by MLFLOW_TRACKING_URI. Every run records the git commit and a hash of the labelled data it used.

Runs you can tell apart: a run is named after the commit, the parameters changed against the committed
params.yaml and the gold files added, changed or removed against git HEAD (`cad4b6f train.C=3.0 · labels +1 ~2`);
its datasets' digests are hashes of the gold files' contents, so two runs on different labels never share one.
The MLflow 3 UI opens an experiment on whichever workflow its browser last chose (GenAI by default: the
`mlflow.experimentKind` tag is no longer read for it), so the link written to the run file and printed carries
`?workflowType=machine_learning`: it opens on the training runs."""

from __future__ import annotations

import re

import hashlib
import os
import subprocess
from pathlib import Path

EXPERIMENT = "gov-disclosure-reports"
DEFAULT_URI = "sqlite:///mlflow.db"


# what the experiment holds, for MLflow's own use (the 3.17 UI no longer picks its landing page by it: see ui_link)
EXPERIMENT_KIND = {"mlflow.experimentKind": "custom_model_development"}
LOCAL_UI = "http://127.0.0.1:5000"  # where `mlflow ui --backend-store-uri sqlite:///mlflow.db` serves the local store
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
        committed = subprocess.run(
            ["git", "show", f"HEAD:./{params_path}"], capture_output=True, text=True, timeout=10, check=True
        ).stdout
        before = _flatten("", yaml.safe_load(committed) or {}, {})
    except Exception:
        return None
    now = _flatten("", params, {})
    return {k: v for k, v in now.items() if before.get(k) != v} | {k: None for k in before if k not in now}


def label_changes(labels_dir: str | Path) -> dict[str, list[str]] | None:
    """The gold files (`*.gold.json`) of `labels_dir` added, changed and removed against git HEAD (what is not yet
    committed: new files, edits, deletions, staged or not), as document names; None where git cannot say."""
    try:
        out = subprocess.run(
            ["git", "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", str(labels_dir)],
            capture_output=True,
            timeout=20,
            check=True,
        ).stdout
    except Exception:
        return None
    changes: dict[str, list[str]] = {"added": [], "changed": [], "removed": []}
    entries = out.decode("utf-8", "replace").split("\0")
    k = 0
    while k < len(entries):
        entry = entries[k]
        k += 1
        if len(entry) < 4:
            continue
        code, path = entry[:2], entry[3:]
        if "R" in code or "C" in code:  # a rename or copy: the old path follows
            old = entries[k] if k < len(entries) else ""
            k += 1
            if old.endswith(".gold.json") and "R" in code:
                changes["removed"].append(Path(old).name[: -len(".gold.json")])
        if not path.endswith(".gold.json"):
            continue
        name = Path(path).name[: -len(".gold.json")]
        if code == "??" or "A" in code or "R" in code or "C" in code:
            changes["added"].append(name)
        elif "D" in code:
            changes["removed"].append(name)
        else:
            changes["changed"].append(name)
    return {kind: sorted(set(names)) for kind, names in changes.items()}


def _labels_text(changes: dict[str, list[str]] | None) -> str:
    if changes is None:
        return "labels unknown"
    if not any(changes.values()):
        return "committed labels"
    parts = []
    for sign, kind in (("+", "added"), ("~", "changed"), ("-", "removed")):
        names = changes[kind]
        if names:
            shown = ", ".join(names[:3]) + (f" …{len(names) - 3} more" if len(names) > 3 else "")
            parts.append(f"{sign}{len(names)} ({shown})")
    return "labels " + " ".join(parts)


def run_name(params: dict, params_path: str = "params.yaml", labels_dir: str | Path | None = None) -> str:
    """The short commit, what changed against its params.yaml and, given `labels_dir`, which gold files were
    added (+), changed (~) or removed (-) against it: `1a2b3c4 train.C=3.0 · labels +1 (hongze-2025.pdf)`,
    `1a2b3c4 committed params · committed labels`."""
    commit = git_commit()
    short = commit[:7] if commit != "unknown" else "no-git"
    changed = changed_params(params, params_path)
    if changed is None:
        text = "params unknown"
    elif not changed:
        text = "committed params"
    else:
        text = " ".join(f"{k}={v}" for k, v in sorted(changed.items()))
    if labels_dir is not None:
        text += " · " + _labels_text(label_changes(labels_dir))
    return f"{short} {text if len(text) <= 230 else text[:229] + '…'}"


def gold_digest(folder: str | Path) -> str:
    """A hash of the gold files' names and contents: the digest of the labelled set as an MLflow dataset (a label
    corrected in one cell changes it)."""
    h = hashlib.sha256()
    for f in sorted(Path(folder).glob("*.gold.json")) if Path(folder).is_dir() else []:
        h.update(f.name.encode("utf-8") + b"\0")
        h.update(f.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def ui_link(experiment_id: str, tracking_uri: str) -> str:
    """The address that opens the experiment on its training runs in the MLflow UI: the tracking server's own, or
    `mlflow ui`'s default for a local store, with `workflowType=machine_learning` (without it, MLflow 3.17 opens
    the GenAI overview whatever the experiment's tags say)."""
    base = tracking_uri.rstrip("/") if tracking_uri.startswith(("http://", "https://")) else LOCAL_UI
    return f"{base}/#/experiments/{experiment_id}/runs?workflowType=machine_learning"


def _label_rows(labels_dir: str | Path) -> list[dict]:
    """One row per gold file: document, body, year, template, fold and the counts of what it labels."""
    import json

    from .labeling import fold_of

    rows = []
    for f in sorted(Path(labels_dir).glob("*.gold.json")) if Path(labels_dir).is_dir() else []:
        try:
            gold = json.loads(f.read_text(encoding="utf-8"))
            found = [t for t in gold["tables"].values() if t.get("status") == "found"]
            rows.append(
                {
                    "document": gold["document"],
                    "body": gold["meta"].get("body"),
                    "year": gold["meta"].get("year"),
                    "template": gold["meta"].get("template"),
                    "fold": fold_of(gold),
                    "tables_found": len(found),
                    "cells": sum(len(cols) for t in found for cols in t.get("rows", {}).values()),
                    "headings": sum(s.get("heading") is not None for s in gold.get("sections", [])),
                }
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            continue  # validate-labels names a broken file; tracking records what it can read
    return rows


def log_datasets(labels_dir: str, synthetic_dir: str | None) -> dict:
    """The labelled real set and the synthetic training set as MLflow datasets of the active run (the runs table's
    Dataset column): one row per labelled report; the digest is a hash of the gold files' contents."""
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
        dataset = mlflow.data.from_pandas(df, source=str(Path(folder)), name=name, digest=gold_digest(folder))
        mlflow.log_input(dataset, context=context)
        logged[name] = len(rows)
    return logged


def git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
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


def log_pipeline_run(
    params: dict,
    models_dir: str,
    metrics_dir: str,
    labels_dir: str,
    out_file: str,
    synthetic_dir: str | None = None,
    params_path: str = "params.yaml",
) -> str:
    """One MLflow run for one `dvc repro`: every parameter, the training and evaluation metrics (overall and per
    format), the evaluation artifacts, and the models registered as `row-labeler`, `column-labeler` and
    `section-model`, the new versions given the alias `champion` (the version models/ holds). The run is named
    after the commit and the parameters changed against it; the labelled real and synthetic sets are its datasets."""
    import json

    from ..extraction.labels import RowLabeler
    from ..extraction.models import COLUMN_LABELER_FILE, ROW_LABELER_FILE, SECTION_MODEL_FILE

    name = run_name(params, params_path, labels_dir)
    changed = changed_params(params, params_path)
    labels = label_changes(labels_dir) or {}
    mlflow, run = start_run(
        name,
        {
            "model_type": "sklearn: row labeler, column labeler, section model",
            "params_changed": ", ".join(sorted(changed)) if changed else "none",
            **{f"labels_{kind}": ", ".join(names) or "none" for kind, names in labels.items()},
        },
    )
    registered = []
    with run:
        mlflow.set_tag("data_version", data_version(labels_dir, "data/raw"))
        log_datasets(labels_dir, synthetic_dir)
        mlflow.log_params(_flatten("", params, {}))
        scalars = {}
        for prefix, path in (
            ("", Path(models_dir) / "train_metrics.json"),
            ("", Path(models_dir) / "train_timings.json"),
            ("", Path(metrics_dir) / "metrics.json"),
            ("", Path(metrics_dir) / "labelers_timings.json"),
            ("synthetic", Path(metrics_dir) / "synthetic" / "metrics.json"),
            ("crossfit", Path(metrics_dir) / "crossfit" / "metrics.json"),
            ("scanned", Path(metrics_dir) / "scanned" / "metrics.json"),
            ("photographed", Path(metrics_dir) / "photographed" / "metrics.json"),
            ("", Path(metrics_dir) / "labelers.json"),
        ):
            if path.exists():
                _flatten(prefix, json.loads(path.read_text(encoding="utf-8")), scalars)
        # MLflow names hold letters, digits, _ - . / and spaces: by_format.pdf+ocr is logged as by_format.pdf_ocr
        mlflow.log_metrics(
            {
                re.sub(r"[^\w\-./ ]", "_", k.replace("->", "_to_")): float(v)
                for k, v in scalars.items()
                if isinstance(v, (int, float)) and not isinstance(v, bool)
            }
        )
        for f in sorted(Path(metrics_dir).rglob("*")):
            if f.is_file() and f.name != Path(out_file).name:
                sub = f.parent.relative_to(metrics_dir).as_posix()
                mlflow.log_artifact(str(f), artifact_path="evaluation" + ("" if sub == "." else f"/{sub}"))
        section_path = Path(models_dir) / SECTION_MODEL_FILE
        if section_path.exists():
            import mlflow.sklearn

            from ..extraction.section_model import SectionModel

            registered.append("section-model")
            mlflow.sklearn.log_model(
                SectionModel.load(section_path).pipeline,
                name="section_model",
                registered_model_name="section-model",
                input_example=["四、政府信息公开行政复议、行政诉讼情况"],
                skops_trusted_types=[
                    "pipeline.extraction.section_model._heads",
                    "pipeline.extraction.section_model._cues",
                ],
            )
        for file, model, example in (
            (ROW_LABELER_FILE, "row-labeler", "（三）不予公开／1.属于国家秘密"),
            (COLUMN_LABELER_FILE, "column-labeler", "法人或其他组织／商业企业"),
        ):
            path = Path(models_dir) / file
            if path.exists():
                import mlflow.sklearn

                registered.append(model)
                mlflow.sklearn.log_model(
                    RowLabeler.load(path).pipeline,
                    name=model.replace("-", "_"),
                    registered_model_name=model,
                    input_example=[example],
                    skops_trusted_types=["pipeline.extraction.labels.normalise_label"],
                )
        run_id = run.info.run_id
    client = mlflow.MlflowClient()
    for model in registered:  # the version this run registered is the one in use: alias `champion`
        versions = [v for v in client.search_model_versions(f"name='{model}'") if v.run_id == run_id]
        if versions:
            client.set_registered_model_alias(model, ALIAS, max(versions, key=lambda v: int(v.version)).version)
    Path(out_file).parent.mkdir(parents=True, exist_ok=True)
    link = ui_link(run.info.experiment_id, mlflow.get_tracking_uri())
    Path(out_file).write_text(
        json.dumps(
            {
                "run_id": run_id,
                "run_name": name,
                "tracking_uri": mlflow.get_tracking_uri(),
                "experiment": EXPERIMENT,
                "ui": link,
            },
            indent=1,
        ),
        encoding="utf-8",
    )
    print(
        f"MLflow run {name!r}: open {link}"
        + (
            ""
            if link.startswith(mlflow.get_tracking_uri())
            else f" after `mlflow ui --backend-store-uri {mlflow.get_tracking_uri()}`"
        )
    )
    return run_id
