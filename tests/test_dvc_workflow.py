"""The user's daily workflow on a real DVC pipeline and a real MLflow store, in a copy of the repository with no
../shared beside it (as a user's clone): `dvc repro`, again with nothing to do and a clean tree, the headline metrics,
adding a labelled report and re-running, and `dvc exp run -S` shown in a 160-column terminal."""

import json
import os
import shutil
import subprocess
import sys

import pytest
import yaml

from conftest import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.skipif(shutil.which("dvc") is None, reason="needs dvc")]


def _run(cmd, cwd, env):
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=900, shell=True)
    assert proc.returncode == 0, f"{cmd}\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    return proc


def test_repro_retrain_on_new_label_and_experiment(tmp_path):
    import mlflow

    repo = tmp_path / "repo"
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for f in files:
        if (ROOT / f).is_file():
            (repo / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / f, repo / f)
    assert not (tmp_path / "shared").exists()  # the bundled corpus alone
    params = yaml.safe_load((repo / "params.yaml").read_text(encoding="utf-8"))
    params["synth"].update({"n": 12, "n_heldout": 6})  # a smaller synthetic corpus keeps the test short
    params["compare"]["spacy_epochs"] = 1  # so does one pass of spaCy in the labeler comparison
    (repo / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    env = dict(os.environ, MLFLOW_TRACKING_URI=f"sqlite:///{tmp_path / 'mlflow.db'}", PYTHONPATH=str(repo))
    _run("git init -q && git add -A && git -c user.email=t@t -c user.name=t commit -qm init", repo, env)

    _run("dvc repro", repo, env)
    assert sorted(p.name for p in (repo / "data" / "shared").iterdir()) == [".gathered", "external", "scans"]
    _run("git add -A && git -c user.email=t@t -c user.name=t commit -qm repro", repo, env)
    # a second repro with nothing changed reruns nothing (gather runs, its output is the same) and leaves a clean tree
    again = _run("dvc repro", repo, env)
    assert [line for line in again.stdout.splitlines() if line.startswith("Running stage")] == [
        "Running stage 'gather':"
    ], again.stdout
    assert _run("git status --porcelain", repo, env).stdout == ""
    # the main pipeline is up to date; the hunt (hunt/dvc.yaml, run only when asked for) is not part of it
    status = _run("dvc status dvc.yaml", repo, env).stdout
    assert "changed" not in status.replace("always changed", ""), status
    # the headline metrics: one small file, a table that fits a terminal
    shown = _run("dvc metrics show --json", repo, env).stdout
    metrics = next(iter(json.loads(shown).values()))["data"]  # the workspace's
    assert list(metrics) == ["metrics/headline.json"]
    flat = [k for figs in metrics["metrics/headline.json"]["data"].values() for k in figs]
    assert 10 <= len(flat) <= 30  # six figures for each of at most five sets
    client = mlflow.tracking.MlflowClient(tracking_uri=env["MLFLOW_TRACKING_URI"])
    exp = client.get_experiment_by_name("gov-disclosure-reports")
    runs = client.search_runs([exp.experiment_id])
    assert len(runs) == 1
    assert runs[0].data.metrics["section_heading_accuracy"] > 0.9
    assert {v.name for v in client.search_model_versions("")} == {"row-labeler", "column-labeler", "section-model"}
    assert (repo / "data" / "processed" / "tables.xlsx").exists()
    # every labelled real report is also scored by a section model trained without its fold
    crossfit = json.loads((repo / "metrics" / "crossfit" / "metrics.json").read_text(encoding="utf-8"))
    golds = [json.loads(p.read_text(encoding="utf-8")) for p in (repo / "data" / "labels").glob("*.gold.json")]
    labelled = sum(any((repo / "data" / "raw").rglob(g["document"])) for g in golds)  # those without ../shared
    assert crossfit["documents"] == labelled and crossfit["documents_without_output"] == len(golds) - labelled
    assert set(crossfit["by_fold"]) == {"heldout", "train"}
    assert runs[0].data.metrics["crossfit.section_heading_accuracy"] > 0.9

    # a newly labelled report: label it, (here it needs no correction), re-run
    shutil.copy(repo / "data" / "raw" / "qingtongxia-2020.txt", repo / "data" / "raw" / "qingtongxia-copy.txt")
    _run(f"{sys.executable} -m pipeline label data/raw/qingtongxia-copy.txt", repo, env)
    out = _run("dvc repro", repo, env)
    assert "Running stage 'train'" in out.stdout and "Running stage 'track'" in out.stdout
    runs = client.search_runs([exp.experiment_id])
    assert len(runs) == 2
    assert max(r.data.metrics["documents"] for r in runs) == labelled + 1

    _run("git add -A && git -c user.email=t@t -c user.name=t commit -qm label", repo, env)
    _run("dvc exp run -S train.C=3", repo, env)
    shown = _run("dvc exp show --no-pager --json", repo, env).stdout
    assert '"C": 3' in shown.replace("3.0", "3")
    # in a 160-column terminal: the changed parameter and the headline figures it changed, whole; the hashes of
    # the data it changed are folded into one "…" column at the right, or dropped
    diff = json.loads(_run("dvc metrics diff HEAD --json", repo, env).stdout or "{}")
    changed = sorted(diff.get("metrics/headline.json", {}))  # the headline figures the experiment changed
    for cmd in (
        "dvc exp show --no-pager --only-changed",
        "dvc exp show --no-pager --only-changed --drop '(data|models|metrics)/'",
    ):
        table = _run(cmd, repo, dict(env, COLUMNS="160")).stdout
        print(table)
        header = table.splitlines()[1]
        assert max(len(line) for line in table.splitlines()) <= 160
        assert "train.C" in header
        if len(changed) <= 5:  # as many as a 160-column terminal holds beside the parameter
            assert all(name in header for name in changed), (changed, header)
            if "--drop" in cmd:
                assert "…" not in table
