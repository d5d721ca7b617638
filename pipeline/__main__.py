"""Command line: `python -m pipeline extract INPUT... --out DIR` and the other stages."""
from __future__ import annotations

import argparse
import json
import sys


def _extract(args) -> int:
    from .extract import run_batch
    from .readers import PdfOptions

    opts = PdfOptions(camelot_flavor=args.camelot_flavor)

    def progress(path, result):
        if not args.quiet:
            done = len(result.written) + len(result.errors)
            print(f"\r{done} done, {len(result.errors)} failed", end="", file=sys.stderr, flush=True)

    result = run_batch(args.inputs, args.out, args.models, opts, verbose=args.verbose, progress=progress)
    if not args.quiet:
        print(file=sys.stderr)
        for e in result.errors:
            print(f"error: {e['file']}: [{e['stage']}] {e['message']}", file=sys.stderr)
        print(f"{len(result.written)} report(s) written to {args.out}, {len(result.errors)} failure(s) recorded in "
              f"{args.out}/errors.jsonl", file=sys.stderr)
    return 1 if result.errors and not args.keep_going else 0


def _load_params(path: str) -> dict:
    import yaml

    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f) or {}


def _train(args) -> int:
    from .train import train_row_labeler

    from .train import train_section_model

    all_params = _load_params(args.params)
    metrics = train_row_labeler(all_params.get("train", {}), args.out)
    metrics.update(train_section_model(all_params.get("sections", {}), args.synthetic, args.out))
    from pathlib import Path

    Path(args.out, "train_metrics.json").write_text(json.dumps(metrics, indent=1), encoding="utf-8")
    print(json.dumps(metrics, ensure_ascii=False))
    return 0


def _evaluate(args) -> int:
    from .evaluate import evaluate_dir, write_outputs

    metrics, errors, unmatched = evaluate_dir(args.reports, args.labels)
    write_outputs(metrics, errors, args.out)
    for doc in unmatched:
        print(f"warning: no report output for labelled document {doc}", file=sys.stderr)
    print(json.dumps({k: v for k, v in metrics.items() if not isinstance(v, dict)}, ensure_ascii=False))
    return 0


def _track(args) -> int:
    from .tracking import log_pipeline_run

    run_id = log_pipeline_run(_load_params(args.params), args.models, args.metrics, args.labels, args.out)
    print(f"MLflow run {run_id}")
    return 0


def _synthesize(args) -> int:
    import shutil
    from pathlib import Path

    from .synth import generate

    params = _load_params(args.params).get("synth", {})
    if args.out and __import__("pathlib").Path(args.out).exists():
        shutil.rmtree(args.out)
    seed = int(params.get("seed", 0))
    made = generate(Path(args.out) / "train", int(params.get("n", 60)), seed, args.raw, params.get("families"))
    held = generate(Path(args.out) / "heldout", int(params.get("n_heldout", 30)), seed + 1000, args.raw,
                    params.get("families"))
    print(f"{len(made)} synthetic training reports and {len(held)} held-out ones written to {args.out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline",
                                     description="政府信息公开工作年度报告 → structured data")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("extract", help="extract report JSON from files or directories")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="files or directories (walked)")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--models", default="models", help="directory of trained models (default: models)")
    p.add_argument("--camelot-flavor", default="lattice", choices=["lattice", "stream", "network", "hybrid"])
    p.add_argument("--quiet", action="store_true")
    p.add_argument("--verbose", action="store_true", help="print tracebacks of internal errors")
    p.add_argument("--keep-going", action="store_true",
                   help="exit 0 even when some inputs failed (they are still recorded in errors.jsonl)")
    p.set_defaults(func=_extract)

    p = sub.add_parser("train", help="train the models from labels and generated data")
    p.add_argument("--params", default="params.yaml")
    p.add_argument("--out", default="models")
    p.add_argument("--synthetic", default="data/synthetic", help="labelled synthetic reports (synthesize stage)")
    p.set_defaults(func=_train)

    p = sub.add_parser("evaluate", help="score report JSON against gold labels")
    p.add_argument("--reports", required=True)
    p.add_argument("--labels", default="data/labels")
    p.add_argument("--out", default="metrics")
    p.set_defaults(func=_evaluate)

    p = sub.add_parser("synthesize", help="write labelled synthetic reports in every layout family")
    p.add_argument("--params", default="params.yaml")
    p.add_argument("--raw", default="data/raw", help="real reports whose prose the synthetic reports reuse")
    p.add_argument("--out", default="data/synthetic")
    p.set_defaults(func=_synthesize)

    p = sub.add_parser("track", help="log params, metrics, artifacts and models of this pipeline run to MLflow")
    p.add_argument("--params", default="params.yaml")
    p.add_argument("--models", default="models")
    p.add_argument("--metrics", default="metrics")
    p.add_argument("--labels", default="data/labels")
    p.add_argument("--out", default="metrics/mlflow_run.json")
    p.set_defaults(func=_track)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
