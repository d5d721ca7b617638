"""Command line: `python -m pipeline extract INPUT... --out DIR` and the other stages.

Every line printed goes through names.shown (or, for JSON, names.json_line_shown): file names come from crawlers,
archives and attackers, and a name holding ESC [2J or an OSC title sequence must be shown, not obeyed."""

from __future__ import annotations

import json
import sys
from types import SimpleNamespace

import click

from .names import json_line_shown, shown
from .params import section

# where the labelled documents are: the bundled corpus, and the real files beside the checkout as the DVC `gather`
# stage links them (data/shared/external, data/shared/scans; empty when ../shared is absent)
DOC_DIRS = ["data/raw", "data/shared"]
# the optional folders beside the checkout that `gather` links into data/shared
SHARED_SOURCES = ["../shared/corpus/external", "../shared/corpus/scans"]


def _say(text: str, file=None) -> None:
    """Print one line with its control characters escaped (names.shown)."""
    print(shown(text), file=file)


def _extract(args) -> int:
    import time

    from .batch.run import run_batch
    from .batch.runners import choose_runner
    from .batch.store import OutputError

    from .batch.checks import nothing_to_read, usable_models_and_out

    problem = nothing_to_read(args.mode, args.inputs, args.out)
    if problem:
        _say(f"error: {problem}", file=sys.stderr)
        return 1
    args.models, problem = usable_models_and_out(args.mode, getattr(args, "models", None), args.out)
    if problem:
        _say(f"error: {problem}", file=sys.stderr)
        return 2

    from .batch.stages import Extract, Predict, Read

    if args.mode == "read":  # each command is a stage
        stage = Read(options=read_options(args), verbose=args.verbose)
    else:
        stage = (Extract if args.mode == "extract" else Predict)(
            options=read_options(args), verbose=args.verbose, models_dir=args.models or None
        )
    # the live bar only on a terminal: in a log (DVC, CI, a pipe) its frames would pile up as several bars, so
    # there it is drawn once, as one line at the end
    live = not args.quiet and sys.stderr.isatty()
    started = time.monotonic()
    try:
        runner = choose_runner(args.workers, args.time_limit, args.memory_limit, args.scheduler)
        result = run_batch(args.inputs, args.out, stage, runner, resume=not args.no_resume, show_progress=live)
    except KeyboardInterrupt:
        print(file=sys.stderr)
        _say(f"interrupted: finished outputs are in {args.out}; run the same command again to resume", file=sys.stderr)
        return 130
    except OutputError as e:  # a full disk (or a quota, a read-only file system): one line, no traceback
        done = getattr(e, "result", None)
        written = f"{len(done.written)} output(s) kept whole, {len(done.errors)} failure(s) so far" if done else ""
        _say(
            f"error: {e}; stopped: {written} (each recorded in {args.out}/errors.jsonl while there was room); "
            f"free some space and run the same command again to resume",
            file=sys.stderr,
        )
        return 1
    if not args.quiet:
        if not live:
            done = len(result.written) + len(result.errors)
            seconds = time.monotonic() - started
            _say(
                f"{done}/{done} input(s) in {seconds:.1f} s ({done / max(seconds, 1e-9):.1f} report/s), "
                f"failed={len(result.errors)}, skipped={len(result.skipped)}",
                file=sys.stderr,
            )
        for e in result.errors:
            _say(f"error: {e['file']}: [{e['stage']}] {e['message']}", file=sys.stderr)
        skipped = f" ({len(result.skipped)} already up to date)" if result.skipped else ""
        what = "document(s)" if args.mode == "read" else "report(s)"
        _say(
            f"{len(result.written)} {what} written to {args.out}{skipped}, {len(result.errors)} failure(s) "
            f"recorded in {args.out}/errors.jsonl",
            file=sys.stderr,
        )
    return 1 if result.errors and not args.keep_going else 0


def read_options(args):
    """The reading options from the command line: its --pdf-tables, --ocr-* … are params.yaml's extract and ocr
    keys, read by the one builder (readers.options.read_options)."""
    from .readers.options import read_options as build

    return build(
        {
            "extract": {
                "pdf_tables": args.pdf_tables,
                "camelot_flavor": args.camelot_flavor,
                "min_ruling_lines": args.min_ruling_lines,
            },
            "ocr": {
                "mode": args.ocr,
                "dpi": args.ocr_dpi,
                "min_confidence": args.ocr_min_confidence,
                "very_sure": args.ocr_very_sure,
                "max_pages": args.ocr_max_pages,
            },
        },
        threads=args.ocr_threads,
        engine=args.ocr_engine,
    )


def _load_params(path: str) -> dict:
    """params.yaml, checked (params.py): a wrong key or value stops the stage with what to fix."""
    from .params import ParamsError, load

    try:
        return load(path)
    except ParamsError as e:
        for problem in e.problems:
            _say(f"error: {problem}", file=sys.stderr)
        raise SystemExit(2)


def _train(args) -> int:
    from .modeling.labeling import validate_dir
    from .modeling.train import train_models
    from .readers.cache import use_read_cache

    use_read_cache(args.read_cache)
    problems = validate_dir(args.labels, args.docs)
    if problems.errors:
        for e in problems.errors:
            _say(f"error: {e}", file=sys.stderr)
        _say("label files have errors: fix them (python -m pipeline validate-labels) before training", file=sys.stderr)
        return 1
    import os

    figures = train_models(
        _load_params(args.params),
        args.out,
        args.synthetic,
        args.labels,
        args.docs,
        args.jobs,
        args.scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS") or None,
    )
    print(json_line_shown(json.dumps(figures, ensure_ascii=False)))
    return 0


def _crossfit(args) -> int:
    from .readers.cache import use_read_cache

    use_read_cache(args.read_cache)
    from .modeling.crossfit import crossfit

    summary = crossfit(
        _load_params(args.params), args.documents, args.labels, args.synthetic, args.models, args.out, args.docs
    )
    print(json_line_shown(json.dumps(summary, ensure_ascii=False)))
    return 0


def _compare_labelers(args) -> int:
    from .modeling.compare_labelers import compare, write_comparison
    from .readers.cache import use_read_cache

    use_read_cache(args.read_cache)
    params = _load_params(args.params)
    result = compare(
        params.get("train", {}), args.labels, args.docs, epochs=int(section(params, "compare").spacy_epochs)
    )
    write_comparison(result, args.out)
    print(json_line_shown(json.dumps(result["models"], ensure_ascii=False)))
    _say(f"chosen: {result['chosen']} ({result['why']})")
    return 0


def _evaluate(args) -> int:
    from .modeling.evaluate import evaluate_dir, write_outputs

    metrics, errors, unmatched = evaluate_dir(args.reports, args.labels)
    write_outputs(metrics, errors, args.out)
    for doc in unmatched:
        _say(f"warning: no report output for labelled document {doc}", file=sys.stderr)
    flat = {k: v for k, v in metrics.items() if not isinstance(v, dict)}
    print(json_line_shown(json.dumps(flat, ensure_ascii=False)))
    return 0


def _track(args) -> int:
    from .modeling.tracking import log_pipeline_run

    run_id = log_pipeline_run(
        _load_params(args.params),
        args.models,
        args.metrics,
        args.labels,
        args.out,
        synthetic_dir=args.synthetic,
        params_path=args.params,
    )
    _say(f"MLflow run {run_id}")
    return 0


def _gather(args) -> int:
    from .batch.gather import gather

    found = gather(args.sources, args.out)
    for src, (name, files) in zip(args.sources, found.items()):
        where = (
            f"{len(files)} file(s) linked into {args.out}/{name}"
            if files or __import__("os").path.isdir(src)
            else f"absent: {args.out}/{name} left empty"
        )
        _say(f"{src}: {where}")
    return 0


def _headline(args) -> int:
    from .modeling.evaluate import write_headline

    headline = write_headline(args.metrics, args.out)
    _say(f"{args.out}: {len(headline)} figures")
    return 0


def _synthesize(args) -> int:
    from .modeling.synthesize import synthesize

    made, held = synthesize(_load_params(args.params), args.raw, args.out)
    _say(f"{len(made)} synthetic training reports and {len(held)} held-out ones written to {args.out}")
    return 0


def _hunt(args) -> int:
    from .modeling.hunt import run_hunt

    h = section(_load_params(args.params), "hunt")
    ocr = read_options(args).ocr
    out = run_hunt(
        args.work,
        args.out,
        args.curve,
        args.n or int(h.n),
        args.seed if args.seed is not None else int(h.seed),
        int(h.chunk),
        list(h.families),
        args.workers or int(h.workers),
        args.raw,
        args.models or None,
        ocr,
        args.cases or None,
        args.reuse,
    )
    print(
        f"{out['reports']} reports, {out['cells']} cells: {out['wrong']} wrong "
        f"({out['wrong_per_million']} per million), {out['null']} null; seconds {out['seconds']}"
    )
    return 0


def _scan_corpus(args) -> int:
    from .modeling.synth_scan import scan_corpus

    made = scan_corpus(
        args.inputs,
        args.labels,
        args.out,
        int(section(_load_params(args.params), "scan_corpus").seed),
        args.photos or None,
    )
    _say(
        f"{len(made)} copies of labelled PDFs printed and scanned into {args.out}"
        + (f", photographed into {args.photos}" if args.photos else "")
    )
    return 0


def _label(args) -> int:
    from pathlib import Path

    from .document import ReadError
    from .batch.stages import extract_one
    from .modeling.labeling import gold_from_report
    from .extraction.models import load_models

    models = load_models(args.models)
    status = 0
    for f in args.files:
        path = Path(f)
        target = Path(args.out) / f"{path.name}.gold.json"
        if target.exists() and not args.force:
            _say(f"error: {target} exists; correct it by hand, or pass --force to overwrite it", file=sys.stderr)
            status = 1
            continue
        try:
            report = extract_one(path, models)
        except ReadError as e:
            _say(f"error: {f}: [{e.stage}] {e}", file=sys.stderr)
            status = 1
            continue
        gold = gold_from_report(report)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(gold, ensure_ascii=False, indent=1), encoding="utf-8")
        _say(f"{target}: pre-filled; {len(gold['review'])} item(s) marked for review")
    return status


def _validate_labels(args) -> int:
    from .modeling.labeling import validate_dir

    problems = validate_dir(args.labels, args.docs, args.documents or None)
    for w in problems.warnings:
        _say(f"warning: {w}", file=sys.stderr)
    for e in problems.errors:
        _say(f"error: {e}", file=sys.stderr)
    _say(f"{len(problems.errors)} error(s), {len(problems.warnings)} warning(s) in {args.labels}", file=sys.stderr)
    return 1 if problems.errors else 0


def _export(args) -> int:
    from .outputs.export import export

    summary = export(args.reports, args.out)  # reports.db first: its audit view is the Excel's and summary's
    _say(f"{summary['reports']} reports, {summary['cells']} cells exported to {args.out}")
    db = summary["database"]
    _say(
        f"{args.out}/reports.db: {db['reports']} report files ({db['distinct']} distinct reports, "
        f"{db['fragments']} fragments), {db['failures']} failed files, {db['cells']} cells; open it with "
        f"`datasette {args.out}/reports.db --metadata {args.out}/metadata.json`"
    )
    return 0


def _review(args) -> int:
    from pathlib import Path

    from .outputs.review_app import serve

    if not Path(args.reports).is_dir():
        _say(
            f"error: {args.reports}: no such folder of report JSONs (run `python -m pipeline extract ... --out "
            f"{args.reports}` first)",
            file=sys.stderr,
        )
        return 2
    serve(args.reports, args.labels, args.docs, args.documents or None, args.host, args.port, args.dvc)
    return 0


def package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("gov-disclosure-reports")
    except PackageNotFoundError:
        return "unknown (not installed: pip install -e .)"


def pipeline_version() -> str:
    from .extraction.report import PIPELINE_VERSION

    return PIPELINE_VERSION


# paths that must exist before any work starts: (command, argument) -> what it names; a missing one is a usage error
MUST_EXIST = {
    "extract": ["inputs"],
    "read": ["inputs"],
    "predict": ["inputs"],
    "label": ["files"],
    "scan-corpus": ["inputs"],
    "evaluate": ["reports", "labels"],
    "validate-labels": ["labels"],
    "export": ["reports"],
    "crossfit": ["documents", "labels", "synthetic"],
    "track": ["models", "metrics"],
    "compare-labelers": ["labels"],
    "synthesize": ["raw"],
    "train": ["labels"],
    "headline": ["metrics"],
}


def _missing_paths(args) -> list[str]:
    from pathlib import Path

    positional = {"inputs", "files"} | ({"labels"} if args.command == "validate-labels" else set())
    missing = []
    for name in MUST_EXIST.get(args.command, []):
        value = getattr(args, name, None)
        for v in value if isinstance(value, list) else [value]:
            if v and "://" in v and name == "inputs":  # a URL: asked of its store (file://, s3://...)
                from .batch.sources import input_exists

                there = input_exists(v)
            else:
                there = bool(v) and Path(v).exists()
            if v and not there:
                missing.append(v if name in positional else f"--{name} {v}")
    return missing


# --- the command line (click) ------------------------------------------------------------------------------------


class _Option(click.Option):
    """An option whose help ends with its default, unless the help already says it (or there is none to say: a
    flag, or a default worked out at run time)."""

    def __init__(self, *decls, **kw):
        text, default = kw.get("help") or "", kw.get("default")
        if "default" not in text and default not in (None, False, "") and not kw.get("is_flag"):
            shown_default = " ".join(default) if isinstance(default, (list, tuple)) else default
            kw["help"] = f"{text} (default: {shown_default})"
        super().__init__(*decls, **kw)


class _Many(_Option):
    """An option taking every value up to the next option (`--docs data/raw data/shared`), as argparse's nargs='*'
    (or '+', `at_least=1`) did; its value a list."""

    def __init__(self, *decls, at_least: int = 0, **kw):
        self.at_least = at_least
        super().__init__(*decls, type=click.UNPROCESSED, **kw)

    def add_to_parser(self, parser, ctx):
        super().add_to_parser(parser, ctx)
        for name in self.opts:
            option = parser._long_opt.get(name) or parser._short_opt.get(name)
            if option is None:
                continue
            option.nargs = 0  # the values are taken below, however many there are
            store = option.process

            def process(value, state, store=store, name=name):
                values = []
                while state.rargs and not (state.rargs[0][:1] == "-" and len(state.rargs[0]) > 1):
                    values.append(state.rargs.pop(0))
                if len(values) < self.at_least:
                    raise click.BadOptionUsage(name, f"Option {name!r} requires at least one value.", ctx=ctx)
                store(values, state)

            option.process = process

    def type_cast_value(self, ctx, value):
        return list(value)


class _Argument(click.Argument):
    """A positional argument with a help text (listed under Arguments in the command's help)."""

    def __init__(self, *decls, help: str = "", **kw):
        self.help = help
        super().__init__(*decls, **kw)


class _Command(click.Command):
    def format_options(self, ctx, formatter):
        rows = [(p.make_metavar(ctx), p.help) for p in self.get_params(ctx) if isinstance(p, _Argument) and p.help]
        if rows:
            with formatter.section("Arguments"):
                formatter.write_dl(rows)
        super().format_options(ctx, formatter)


class _PositiveInt(click.ParamType):
    name = "N"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            number = value
        else:
            try:
                number = int(value)
            except ValueError:
                self.fail(f"{value!r} is not a whole number", param, ctx)
        if number < 1:
            self.fail(f"{number} is not 1 or more", param, ctx)
        return number


def option(*decls, **kw):
    return click.option(*decls, cls=_Many if kw.pop("many", False) else _Option, **kw)


def argument(name, **kw):
    return click.argument(name, cls=_Argument, **kw)


def _ocr_options(f):
    from .readers.ocr.options import OcrOptions

    d = OcrOptions()
    for decorate in reversed(
        [
            option(
                "--ocr",
                default=d.mode,
                type=click.Choice(["auto", "off", "force"]),
                help="OCR (RapidOCR, offline): auto reads pages without a usable text layer, image files and "
                "pictures that hold tables; force reads every PDF page from its pixels; off never "
                f"(default {d.mode})",
            ),
            option(
                "--ocr-dpi",
                type=int,
                default=d.dpi,
                metavar="DPI",
                help=f"resolution PDF pages are rendered at for OCR (default {d.dpi})",
            ),
            option(
                "--ocr-min-confidence",
                type=float,
                default=d.min_confidence,
                metavar="P",
                help="an OCR'd number less sure than this is taken only when the table's sums confirm it, else "
                f"null (default {d.min_confidence})",
            ),
            option(
                "--ocr-very-sure",
                type=float,
                default=d.very_sure,
                metavar="P",
                help="where a sum fails over OCR'd cells, those read less sure than this are null "
                f"(default {d.very_sure})",
            ),
            option(
                "--ocr-engine",
                default=d.engine,
                type=click.Choice(["rapidocr", "rapidocr3", "tesseract"]),
                help="the recogniser: rapidocr (PP-OCRv4, default), rapidocr3 (the rapidocr 3.x wheel's PP-OCRv6 "
                "small models, measured against it) or tesseract (Debian's tesseract-ocr with chi_sim: the "
                "baseline; scripts/benchmark.py --ocr)",
            ),
            option(
                "--ocr-threads",
                type=int,
                default=d.threads,
                metavar="N",
                help="ONNX Runtime threads per process (default 0: one per worker when several workers run, "
                "else all cores)",
            ),
            option(
                "--ocr-max-pages",
                type=_PositiveInt(),
                default=d.max_pages,
                metavar="N",
                help="pages OCR'd in one document (a scanned PDF, a multi-page TIFF); a longer one says how many "
                f"of its pages were read (default {d.max_pages})",
            ),
        ]
    ):
        f = decorate(f)
    return f


def _read_options(f):
    from .params import Extract

    d = Extract()
    f = _ocr_options(f)
    for decorate in reversed(
        [
            option(
                "--pdf-tables",
                default=d.pdf_tables,
                type=click.Choice(["rulings", "camelot"]),
                help="ruled PDF tables from the PDF's own lines (default; with --ocr off, camelot reads scanned "
                "pages that carry an OCR text layer) or from camelot on every ruled page (about 20 times "
                "slower)",
            ),
            option(
                "--camelot-flavor",
                default=d.camelot_flavor,
                type=click.Choice(["lattice", "stream", "network", "hybrid"]),
                help="camelot's flavour where camelot reads a page (default lattice)",
            ),
            option(
                "--min-ruling-lines",
                type=int,
                default=d.min_ruling_lines,
                metavar="N",
                help=f"a PDF page with fewer ruling lines holds no ruled table (default {d.min_ruling_lines})",
            ),
        ]
    ):
        f = decorate(f)
    return f


def _batch(out_help: str):
    """The options of the batch commands (extract, read, predict)."""

    def decorate_all(f):
        for decorate in reversed(
            [
                option("--out", required=True, help=out_help),
                _read_options,
                option("--quiet", is_flag=True, help="no progress bar and no summary on stderr"),
                option("--verbose", is_flag=True, help="print tracebacks of internal errors"),
                option(
                    "--keep-going",
                    is_flag=True,
                    help="exit 0 even when some inputs failed (they are still recorded in errors.jsonl)",
                ),
                option(
                    "--workers",
                    type=int,
                    default=None,
                    help="worker processes (default: all cores; 0 runs in this process)",
                ),
                option(
                    "--time-limit",
                    type=float,
                    default=600.0,
                    metavar="SECONDS",
                    help="per-report time limit; a report over it is recorded as failed (default 600, 0: none)",
                ),
                option(
                    "--memory-limit",
                    type=int,
                    default=None,
                    metavar="MB",
                    help="memory a worker process may take; a file that needs more is recorded as failed and the "
                    "batch goes on (default: 3/4 of the machine's memory shared by the workers, at most 6144; "
                    "0: none)",
                ),
                option(
                    "--scheduler",
                    default=None,
                    metavar="ADDRESS",
                    help="run on a Dask cluster, e.g. tcp://HOST:8786 (default: $DASK_SCHEDULER_ADDRESS if set); "
                    "its workers read the inputs and write the outputs themselves: give a folder they all see, "
                    "or fsspec URLs (s3://bucket/prefix)",
                ),
                option(
                    "--no-resume", is_flag=True, help="redo every report, even those whose output is already up to date"
                ),
            ]
        ):
            f = decorate(f)
        return f

    return decorate_all


def _read_cache(f):
    return option(
        "--read-cache",
        default="data/interim/read_cache",
        metavar="DIR",
        help="keep each labelled document as read (scans are OCR'd once, not at every training); '' for none",
    )(f)


def _docs(help_text: str, at_least: int = 0):
    return option("--docs", many=True, at_least=at_least, default=DOC_DIRS, metavar="DIR", help=help_text)


def _print_version(ctx, param, value):
    """--version: the package's version and the pipeline version (a hash of the code, as in every report JSON);
    worked out only when asked for."""
    if value and not ctx.resilient_parsing:
        click.echo(f"govreport {package_version()} (pipeline {pipeline_version()})")
        ctx.exit()


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 120},
    help="政府信息公开工作年度报告 → structured data (also installed as `govreport`)",
)
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="print the package version and the pipeline version (the code hash in every report)",
)
def cli():
    pass


def _run(handler, name: str, values: dict, **fixed) -> int:
    """A subcommand's values (tuples as lists) as the namespace its handler takes; the paths it names checked first
    (MUST_EXIST: a missing one is a usage error, before any work)."""
    args = SimpleNamespace(
        command=name, **fixed, **{k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}
    )
    missing = _missing_paths(args)
    if missing:
        raise click.UsageError(shown(f"no such file or directory: {', '.join(missing)}"))
    return handler(args)


def _command(name: str, help_text: str):
    return cli.command(name, cls=_Command, help=help_text, short_help=help_text)


_MODELS_HELP = (
    "directory of trained models (default: models/ when it exists, else the built-in models; '' for the built-in ones)"
)
_LABELLED_DOCS = "folders holding the labelled documents (absent ones are passed over)"


@_command("extract", "extract report JSON from files or directories (read + predict in one go)")
@argument(
    "inputs",
    nargs=-1,
    required=True,
    metavar="INPUT...",
    help="files or directories (walked), or fsspec URLs (s3://bucket/prefix/: listed)",
)
@option("--models", default=None, help=_MODELS_HELP)
@_batch("output directory (or an fsspec URL: s3://bucket/prefix): one <input name>.json per input, and errors.jsonl")
def _extract_command(**values):
    return _run(_extract, "extract", values, mode="extract")


@_command("read", "read files into document JSON (the DVC extract stage)")
@argument("inputs", nargs=-1, required=True, metavar="INPUT...", help="files or directories (walked)")
@_batch("output directory: one <input name>.doc.json per input, and errors.jsonl")
def _read_command(**values):
    return _run(_extract, "read", values, mode="read")


@_command("predict", "apply the models to document JSON and write report JSON (the DVC predict stage)")
@argument(
    "inputs",
    nargs=-1,
    required=True,
    metavar="DOCUMENTS...",
    help="document JSON files or folders (the read stage's output)",
)
@option("--models", default=None, help=_MODELS_HELP)
@_batch("output directory: one report JSON per document, and errors.jsonl")
def _predict_command(**values):
    return _run(_extract, "predict", values, mode="predict")


@_command(
    "gather",
    "link the optional real files kept beside the checkout into one folder (the DVC gather stage); "
    "an absent source folder gives an empty sub-folder, not an error",
)
@argument(
    "sources",
    nargs=-1,
    metavar="[FOLDER]...",
    help=f"source folders, each linked into OUT/<its name>/ (default: {' '.join(SHARED_SOURCES)})",
)
@option("--out", default="data/shared", help="the folder made (rebuilt from scratch)")
def _gather_command(sources, **values):
    return _run(_gather, "gather", dict(values, sources=list(sources) or SHARED_SOURCES))


@_command("train", "train the models from labels and generated data")
@option("--params", default="params.yaml", help="the pipeline's parameters (train, sections)")
@option("--out", default="models", help="where the models and train_metrics.json are written")
@option("--synthetic", default="data/synthetic", help="labelled synthetic reports (synthesize stage)")
@option("--labels", default="data/labels", help="gold labels of real reports (training fold is used)")
@_docs(_LABELLED_DOCS)
@option("--jobs", type=int, default=2, help="models trained side by side (joblib worker processes)")
@option(
    "--scheduler",
    default=None,
    metavar="ADDRESS",
    help="train on a Dask cluster through joblib's Dask backend (default: $DASK_SCHEDULER_ADDRESS)",
)
@_read_cache
def _train_command(**values):
    return _run(_train, "train", values)


@_command(
    "crossfit",
    "predict each labelled real report with a section model trained without its fold (every real "
    "report scored by models that never saw it)",
)
@option("--params", default="params.yaml", help="the pipeline's parameters (sections, ocr)")
@option("--documents", default="data/interim/documents", help="document JSON (the read stage's output)")
@option("--labels", default="data/labels", help="gold labels of real reports")
@option("--synthetic", default="data/synthetic", help="labelled synthetic reports (synthesize stage)")
@option("--models", default="models", help="trained row and column labelers (used as they are)")
@_docs(_LABELLED_DOCS)
@option("--out", default="data/interim/crossfit_reports", help="where the report JSONs are written")
@_read_cache
def _crossfit_command(**values):
    return _run(_crossfit, "crossfit", values)


@_command(
    "scan-corpus",
    "print and scan (and photograph) the labelled real PDFs again (test sets of real layouts "
    "read by OCR, scored apart)",
)
@argument("inputs", nargs=-1, required=True, metavar="INPUT...", help="PDFs or directories holding them")
@option("--labels", default="data/labels", help="their gold labels")
@option("--out", default="data/scanned", help="scans and their labels")
@option("--photos", default="", help="where to photograph them too (photos and their labels; '' none)")
@option("--params", default="params.yaml", help="the pipeline's parameters (scan_corpus.seed)")
def _scan_corpus_command(**values):
    return _run(_scan_corpus, "scan-corpus", values)


@_command(
    "hunt",
    "generate hundreds of synthetic scans and photos, read them, count the wrong numbers and measure "
    "how reliable OCR's confidence is (hunt/dvc.yaml)",
)
@option("--params", default="params.yaml", help="the pipeline's parameters (hunt, ocr)")
@option("--raw", default="data/raw", help="real reports whose prose the generator borrows")
@option("--work", default="data/hunt", help="where the generated reports and their readings go")
@option("--out", default="metrics/hunt.json", help="the figures and every wrong number")
@option("--curve", default="metrics/hunt_reliability.csv", help="the reliability curve (a DVC plot)")
@option("--models", default="models", help="trained models ('' the built-in ones)")
@option("--n", type=int, default=0, help="reports to draw (default: params.yaml hunt.n)")
@option(
    "--seed",
    type=int,
    default=None,
    help="the first chunk's seed (default: params.yaml hunt.seed): another seed draws other reports, to check "
    "thresholds chosen on one hunt against reports they were not chosen on",
)
@option("--workers", type=int, default=0, help="processes (default: params.yaml hunt.workers)")
@option("--cases", default="", help="copy each document with a wrong number here, with its gold label")
@option(
    "--reuse",
    is_flag=True,
    help="score the documents already read in --work, drawing and reading nothing (an interrupted hunt)",
)
@_read_options
def _hunt_command(**values):
    return _run(_hunt, "hunt", values)


@_command("evaluate", "score report JSON against gold labels")
@option("--reports", required=True, help="folder of report JSONs")
@option("--labels", default="data/labels", help="folder of gold label files (*.gold.json)")
@option(
    "--out", default="metrics", help="where metrics.json, fields.csv, errors.csv and confusion_status.csv are written"
)
def _evaluate_command(**values):
    return _run(_evaluate, "evaluate", values)


@_command(
    "headline",
    "the few figures a user compares (metrics/headline.json, the DVC metrics), taken from the full metrics files",
)
@option(
    "--metrics",
    default="metrics",
    help="the evaluate stages' folder (metrics.json, crossfit/, synthetic/, scanned/, labelers.json)",
)
@option("--out", default="metrics/headline.json", help="the headline file written")
def _headline_command(**values):
    return _run(_headline, "headline", values)


@_command("label", "pre-fill a gold label file from the current predictions")
@argument("files", nargs=-1, required=True, metavar="FILE...", help="documents to label")
@option("--out", default="data/labels", help="where <file name>.gold.json is written")
@option("--models", default="models", help="trained models (a folder that does not exist: the built-in ones)")
@option("--force", is_flag=True, help="overwrite an existing label file")
def _label_command(**values):
    return _run(_label, "label", values)


@_command("validate-labels", "check gold label files before training uses them")
@argument(
    "labels",
    required=False,
    default="data/labels",
    metavar="[LABELS]",
    help="folder of gold label files (*.gold.json) (default: data/labels)",
)
@_docs(
    "folders holding the labelled documents: their text is read to check the section snippets (absent folders "
    "are passed over)"
)
@option(
    "--documents",
    default="data/interim/documents",
    metavar="DIR",
    help="the read stage's document JSONs, used instead of reading a source again where present",
)
def _validate_labels_command(**values):
    return _run(_validate_labels, "validate-labels", values)


@_command("compare-labelers", "measure scikit-learn char n-grams against spaCy textcat for row labels")
@option("--params", default="params.yaml", help="the pipeline's parameters (train, compare)")
@option("--labels", default="data/labels", help="gold labels of real reports")
@_docs(_LABELLED_DOCS, at_least=1)
@option("--out", default="metrics/labelers.json", help="the comparison written")
@_read_cache
def _compare_labelers_command(**values):
    return _run(_compare_labelers, "compare-labelers", values)


@_command("synthesize", "write labelled synthetic reports in every layout family")
@option("--params", default="params.yaml", help="the pipeline's parameters (synth)")
@option("--raw", default="data/raw", help="real reports whose prose the synthetic reports reuse")
@option("--out", default="data/synthetic", help="where train/ and heldout/ are written (rebuilt)")
def _synthesize_command(**values):
    return _run(_synthesize, "synthesize", values)


@_command(
    "export",
    "flat tables (Parquet, CSV, Excel) of every report, the SQLite database reports.db (with "
    "Datasette's metadata.json) and the summary page",
)
@option("--reports", default="data/interim/reports", help="folder of report JSONs")
@option("--out", default="data/processed", help="where the exports are written")
def _export_command(**values):
    return _run(_export, "export", values)


@_command("review", "check and correct reports in the browser (a local web app); saving writes gold label files")
@argument(
    "reports",
    required=False,
    default="data/interim/reports",
    metavar="[OUT]",
    help="folder of report JSONs (default: data/interim/reports)",
)
@option("--labels", default="data/labels", help="where gold files are written")
@_docs("folders holding the source files, served only from there")
@option(
    "--documents",
    default="data/interim/documents",
    help="the read stage's document JSONs, to show a document's tables as read ('' to read the source again)",
)
@option("--host", default="127.0.0.1", help="address to listen on (127.0.0.1: this machine only)")
@option("--port", type=int, default=8765, help="port")
@option("--dvc", default="dvc.yaml", help="the pipeline whose retraining a saved label causes")
def _review_command(**values):
    return _run(_review, "review", values)


@_command(
    "track",
    "log params, metrics, artifacts and models of this pipeline run to MLflow ($MLFLOW_TRACKING_URI, "
    "else sqlite:///mlflow.db)",
)
@option("--params", default="params.yaml", help="the pipeline's parameters")
@option("--models", default="models", help="the trained models (registered in MLflow)")
@option("--metrics", default="metrics", help="the metrics folder")
@option("--labels", default="data/labels", help="gold labels of real reports (logged as a dataset)")
@option("--synthetic", default="data/synthetic", help="labelled synthetic reports (logged as a dataset)")
@option("--out", default="metrics/mlflow_run.json", help="the run's id and name written")
def _track_command(**values):
    return _run(_track, "track", values)


def main(argv: list[str] | None = None) -> int:
    """Run the command line (`argv`: the arguments after the program name, default sys.argv's); its exit code."""
    try:
        code = cli.main(args=argv, prog_name="python -m pipeline", standalone_mode=False)
    except click.ClickException as e:  # a usage error (exit 2), told as click tells it
        e.show()
        return e.exit_code
    except click.Abort:
        print(file=sys.stderr)
        return 130
    return code if isinstance(code, int) else 0


if __name__ == "__main__":
    sys.exit(main())
