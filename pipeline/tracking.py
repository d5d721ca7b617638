"""MLflow: a local embedded store by default (`sqlite:///mlflow.db` in the working directory), or the server named
by MLFLOW_TRACKING_URI. Every run records the git commit and a hash of the labelled data it used."""
from __future__ import annotations

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
