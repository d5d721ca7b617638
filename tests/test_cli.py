"""The command line as a user meets it, run for real (`python -m pipeline ...` in a subprocess): --version, help and
defaults on every option of every subcommand, a path that does not exist (a usage error before any model loads), an
input folder with nothing to read, and `gather` with its sources present or absent."""

import json
import os
import subprocess
import sys

from conftest import ROOT
from pipeline.__main__ import cli


def _cli(*args, cwd=ROOT, timeout=120):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p))
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env
    )


def test_version_names_the_package_and_the_pipeline_version():
    from pipeline.extraction.report import PIPELINE_VERSION

    run = _cli("--version")
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("govreport ") and f"(pipeline {PIPELINE_VERSION})" in run.stdout


def test_every_option_of_every_subcommand_has_help_and_shows_its_default():
    subcommands = cli.commands
    assert {
        "extract",
        "read",
        "predict",
        "label",
        "compare-labelers",
        "export",
        "track",
        "evaluate",
        "train",
        "gather",
        "headline",
        "validate-labels",
        "review",
        "synthesize",
        "crossfit",
        "scan-corpus",
    } <= set(subcommands)
    missing = [f"{name} {p.opts}" for name, sub in subcommands.items() for p in sub.params if not p.help]
    assert missing == []
    for name in subcommands:
        run = _cli(name, "--help")
        assert run.returncode == 0, run.stderr
        assert "default" in run.stdout, name
    # a default given as a value is printed with its option (by the option class, not retyped by hand)
    assert "(default: data/labels)" in " ".join(_cli("evaluate", "--help").stdout.split())
    text = " ".join(_cli("train", "--help").stdout.split())
    assert "(default: 2)" in text and "(default: params.yaml)" in text
    assert "--memory-limit" not in text  # train never had a use for it


def test_options_taking_several_values_read_them_up_to_the_next_option():
    ctx = cli.commands["train"].make_context("train", ["--docs", "a", "b", "--jobs", "3"])
    assert ctx.params["docs"] == ["a", "b"] and ctx.params["jobs"] == 3
    ctx = cli.commands["validate-labels"].make_context("validate-labels", ["L", "--docs", "--documents", "D"])
    assert ctx.params["labels"] == "L" and ctx.params["docs"] == [] and ctx.params["documents"] == "D"
    assert cli.commands["train"].make_context("train", []).params["docs"] == ["data/raw", "data/shared"]


def test_a_path_that_does_not_exist_is_a_usage_error_naming_it(tmp_path):
    for args in (
        ["extract", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out")],
        ["predict", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out")],
        ["label", str(tmp_path / "nowhere.pdf")],
        ["evaluate", "--reports", str(tmp_path / "nowhere")],
        ["export", "--reports", str(tmp_path / "nowhere")],
    ):
        run = _cli(*args)
        assert run.returncode == 2, (args, run.stderr)
        assert "no such file or directory" in run.stderr and str(tmp_path / "nowhere") in run.stderr, run.stderr
        assert not (tmp_path / "out").exists()  # stopped before any work


def test_an_input_folder_with_nothing_to_read_says_so(tmp_path):
    empty = tmp_path / "empty"
    (empty / ".hidden").mkdir(parents=True)
    (empty / ".hidden" / "x.txt").write_text("not walked", encoding="utf-8")
    run = _cli("extract", str(empty), "--out", str(tmp_path / "out"))
    assert run.returncode == 1
    assert f"nothing to read: {empty}" in run.stderr
    run = _cli("predict", str(empty), "--out", str(tmp_path / "out"))
    assert run.returncode == 1 and "no document JSON" in run.stderr


def test_gather_links_what_is_there_and_leaves_an_empty_folder_for_what_is_not(tmp_path):
    src = tmp_path / "external"
    src.mkdir()
    (src / "a.pdf").write_bytes(b"%PDF-1.4 a")
    (src / ".hidden.pdf").write_bytes(b"%PDF-1.4 h")
    out = tmp_path / "proj" / "data" / "shared"
    run = _cli("gather", str(src), str(tmp_path / "scans"), "--out", str(out))
    assert run.returncode == 0, run.stderr
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == [
        ".gathered",
        "external",
        "external/a.pdf",
        "scans",
    ]
    assert (out / "external" / "a.pdf").read_bytes() == b"%PDF-1.4 a"
    assert (out / ".gathered").read_text(encoding="utf-8") == "external: 1 file(s)\nscans: absent\n"
    assert "absent" in run.stdout
    first = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert _cli("gather", str(src), str(tmp_path / "scans"), "--out", str(out)).returncode == 0
    assert {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()} == first


def test_headline_is_a_few_figures_per_set(tmp_path):
    run = _cli("headline", "--metrics", str(ROOT / "metrics"), "--out", str(tmp_path / "headline.json"))
    assert run.returncode == 0, run.stderr
    headline = json.loads((tmp_path / "headline.json").read_text(encoding="utf-8"))
    flat = {f"{s}.{k}": v for s, figs in headline.items() for k, v in figs.items()}
    assert set(headline) <= {"heldout", "crossfit", "synthetic", "scanned", "photographed"}
    assert {"heldout", "crossfit", "synthetic", "scanned"} <= set(headline)
    assert len(flat) <= 30
    full = json.loads((ROOT / "metrics" / "metrics.json").read_text(encoding="utf-8"))
    assert flat["heldout.cells"] == round(full["by_fold"]["heldout"]["cells_accuracy"], 4)
    assert flat["heldout.wrong"] == full["by_fold"]["heldout"]["cells_wrong"]


def test_progress_in_a_log_is_one_line_not_a_pile_of_bar_frames(tmp_path):
    """Captured (as DVC, CI or a pipe do), the progress is told once at the end; on a terminal the bar is live."""
    src = tmp_path / "in"
    src.mkdir()
    for name in ("qingtongxia-2020.txt", "suizhou-2020.txt"):
        (src / name).write_bytes((ROOT / "data" / "raw" / name).read_bytes())
    (src / "empty.txt").write_bytes(b"")
    run = _cli("extract", str(src), "--out", str(tmp_path / "out"), "--workers", "0", "--models", "")
    assert run.returncode == 1
    assert "\r" not in run.stderr and "%|" not in run.stderr
    assert len([line for line in run.stderr.splitlines() if "report/s" in line]) == 1
    assert "3/3 input(s)" in run.stderr and "failed=1" in run.stderr
    assert "2 report(s) written" in run.stderr
