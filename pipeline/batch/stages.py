"""What a batch does to each input — a *stage* — and how it finds and names its inputs; a runner (runners.py) runs
a stage over them wherever the work is done.

- `Read`: a file → its document JSON (`<name>.doc.json`: the blocks every reader produces; the DVC extract stage).
- `Predict`: a document JSON → its report JSON (models applied, checks run, validated; the DVC predict stage),
  carrying the read stage's failures along.
- `Extract`: a file → its report JSON in one go (read + predict: `python -m pipeline extract`); resumable.

A stage is a small value (its options and the folder of its models, never the models themselves), sent with each
task to the process that runs it; that process loads the models once (`models()`), or is given them by its runner.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..document import Document, ReadError
from ..extraction.models import load_models
from ..extraction.report import ReportSchemaError, build_report, validate_report
from ..readers.formats import read_bytes, read_document
from ..readers.options import ReadOptions
from . import inputs as archives
from .provenance import options_key, seal
from .sources import find_inputs, open_object
from .store import FolderStore, is_url

NOT_A_REPORT_MIN_SIGNALS = 1
DOC_SUFFIX = ".doc.json"


class NotAReport(ReadError):
    pass


_TITLE = re.compile(r"信息公开\s*(工作)?\s*(年\s*度)?\s*(工作)?\s*报\s*告")


def check_is_report(report: dict, doc) -> None:
    """A document with no statutory heading, no table and no report title is not an annual report."""
    headings = sum(1 for s in report["sections"] if s["heading"])
    tables = sum(1 for t in report["tables"].values() if t["status"] == "found")
    titled = any(_TITLE.search(b.text) for b in doc.blocks[:60] if b.kind == "text")
    if headings + tables < NOT_A_REPORT_MIN_SIGNALS and not titled:
        how = ""
        if doc.ocr_pages and doc.format == "pdf":
            how = " in the text OCR read from its pages (its own text layer is unusable or absent)"
        elif doc.format == "image":
            how = " in the text OCR read from the picture"
        raise NotAReport(
            f"not a government information-disclosure annual report: found {headings} of the six "
            f"section headings and {tables} of the three tables{how}",
            stage="classify",
        )


def predict_one(doc, models, options: ReadOptions | None = None) -> dict:
    """The report JSON of a document already read (the predict stage: models applied, checks run, validated)."""
    report = build_report(
        doc,
        models.row_labeler,
        models.section_model,
        models.column_labeler,
        ocr_options=options.ocr if options is not None else None,
    )
    check_is_report(report, doc)
    try:
        validate_report(report)
    except ReportSchemaError as e:
        raise ReadError(f"output failed its JSON Schema: {str(e)[:200]}", stage="validate")
    return report


def extract_one(path: Path, models, options: ReadOptions | None = None) -> dict:
    """One file's report, in this process (the `label` command, tests)."""
    return predict_one(read_document(str(path), options), models, options)


@dataclass
class Job:
    """One input of a batch: its position (outputs and errors are reported in input order whatever finishes first),
    the input as shown (errors.jsonl, the document's path), the name of its output in the store, and what the
    process that runs it opens: `source`, an absolute path or a URL (for an archive's member: the archive's)."""

    index: int
    path: str
    name: str
    source: str
    member: str | None = None  # a member of an archive: its name there, and its entry's place in the directory
    entry: int | None = None
    document: str | None = None  # its document name in the batch (inputs.document_names)
    note: str | None = None  # a warning its document carries (a member whose name its archive holds twice)


@dataclass
class Plan:
    """A batch's work, known before any report is read: its jobs, what was found wrong with the inputs given
    (missing paths, refused members: recorded first), and the inputs this run answers for in errors.jsonl."""

    jobs: list[Job]
    problems: list[dict]
    answered: set[str]


def _source(path) -> str:
    return str(path) if is_url(str(path)) else os.path.abspath(path)


@dataclass(kw_only=True)
class Read:
    """A file → its document JSON."""

    options: ReadOptions = field(default_factory=ReadOptions)
    verbose: bool = False  # print the traceback of an internal error (a bug) to stderr
    name = "read"
    suffix = DOC_SUFFIX
    models_dir = None
    resumable = False  # an output is made again at every run
    corpus_checks = False  # no checks across reports

    def models(self):
        return None

    def plan(self, inputs: list[str], store) -> Plan:
        """Every file found (folders walked, objects listed), a zip's members each an input of their own; each
        input's document name (its file name, or its path from the folder given where two share one)."""
        roots: dict = {}
        files, problems = find_inputs(inputs, skip=store.real if isinstance(store, FolderStore) else None, roots=roots)
        problems = list(problems)
        documents = archives.document_names([(p, roots.get(p, p)) for p in files])
        entries: list[tuple] = []  # (input, its archive, its name there, its entry there, document name, note)
        for k, path in enumerate(files):
            members, refused = _members(path)
            if members is None:
                entries.append((path, None, None, None, documents[k], None))
                continue
            count = Counter(member for _, member, _ in members)
            for where, member, entry in members:
                document = f"{documents[k]}!{archives.split_member(str(where))[1]}"
                note = (
                    (
                        f"the archive holds {count[member]} members under this one's name: each is read on its "
                        f"own, this one (entry {entry + 1} of the archive) as {document}"
                    )
                    if count[member] > 1
                    else None
                )
                entries.append((where, path, member, entry, document, note))
            problems += refused
        taken: set[str] = set()
        jobs = []
        for i, (path, archive, member, entry, document, note) in enumerate(entries):
            name = archives.output_name(path, taken, self.suffix, document)
            jobs.append(
                Job(
                    i, str(path), name, _source(archive if archive is not None else path), member, entry, document, note
                )
            )
        answered = {job.path for job in jobs} | {str(f) for f in files} | {e["file"] for e in problems}
        return Plan(jobs, problems, answered)

    def input_bytes(self, job: Job) -> bytes:
        from .sources import read_input

        return read_input(job.source, job.member, job.entry)

    def document(self, job: Job, data: bytes) -> Document:
        """The input read, under its name in this batch (a name shared by two inputs, a member's path inside)."""
        doc = read_bytes(job.path, data, self.options)
        if job.document and job.document != Path(doc.path).name:
            doc.name = job.document
        if job.note:
            doc.warnings.append(job.note)
        return doc

    def output(self, doc: Document, models) -> dict:
        return doc.to_dict()

    def stale_names(self, errors: list[dict]) -> list[str]:
        """Outputs of inputs that failed before this stage ran (none: this stage reads every input itself)."""
        return []


@dataclass(kw_only=True)
class Extract(Read):
    """A file → its report JSON (read + predict in one go). Resumable: an output made from the same bytes by this
    pipeline version with the same models and options, under the same document name, is kept."""

    models_dir: str | None = "models"
    name = "extract"
    suffix = ".json"
    resumable = True
    corpus_checks = True

    def __post_init__(self):
        self.options_key = options_key(self.options)

    def models(self):
        return load_models(self.models_dir)

    def output(self, doc: Document, models) -> dict:
        report = predict_one(doc, models, self.options)
        report["provenance"] = {"sha256": doc.sha256, "models": models.fingerprint, "options": self.options_key}
        seal(report)
        return report


@dataclass(kw_only=True)
class Predict(Extract):
    """Document JSON (the Read stage's outputs) → report JSON; the read stage's failures (its errors.jsonl) are
    carried along, and their old reports removed."""

    name = "predict"
    resumable = False

    def plan(self, inputs: list[str], store) -> Plan:
        files, missing = _find_documents(inputs)
        problems = missing + _earlier_errors(inputs)
        taken: set[str] = set()
        jobs = []
        for i, path in enumerate(files):
            document = None
            try:  # named as the document the read stage read
                doc = json.loads(path.read_text(encoding="utf-8"))
                shown, document = Path(doc["path"]), doc.get("name")
            except (OSError, ValueError, KeyError, TypeError):
                shown = path
            jobs.append(
                Job(
                    i,
                    str(path),
                    archives.output_name(shown, taken, document=document),
                    _source(path),
                    document=document,
                )
            )
        answered = {job.path for job in jobs} | {str(f) for f in files} | {e["file"] for e in problems}
        return Plan(jobs, problems, answered)

    def input_bytes(self, job: Job) -> bytes:
        return Path(job.source).read_bytes()

    def document(self, job: Job, data: bytes) -> Document:
        return Document.from_dict(json.loads(data.decode("utf-8")))

    def stale_names(self, errors: list[dict]) -> list[str]:
        """Documents the read stage could not read have no document JSON, only an old report: it goes."""
        return [archives.output_name(Path(e["file"]), set()) for e in errors if e.get("stage") != "input"]


def _members(path) -> tuple[list | None, list[dict]]:
    """An archive's members to read and the problems found in it; (None, []) for a file that is no archive. A file
    is told to be an archive by its bytes; an object in an object store by its name (.zip .7z .rar), so that
    listing a prefix never reads the objects."""
    if not is_url(str(path)):
        kind = archives.archive_kind(path)
        return archives.expand_archive(path, kind) if kind else (None, [])
    ext = str(path).rsplit(".", 1)[-1].lower()
    if ext not in ("zip", "7z", "rar"):
        return None, []
    try:
        with open_object(str(path)) as f:
            kind = archives.archive_kind(path, f)
            return archives.expand_archive(path, kind, f) if kind else (None, [])
    except OSError as e:
        return [], [{"file": str(path), "stage": "input", "message": f"cannot read: {e.strerror or e}"}]


def _find_documents(paths: list[str]) -> tuple[list[Path], list[dict]]:
    files, missing = [], []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            files += sorted(path.rglob("*" + DOC_SUFFIX))
        elif path.is_file():
            files.append(path)
        else:
            missing.append({"file": str(p), "stage": "input", "message": "no such file or directory"})
    return files, missing


def _earlier_errors(paths: list[str]) -> list[dict]:
    out = []
    for p in paths:
        f = Path(p) / "errors.jsonl"
        if Path(p).is_dir() and f.exists():
            out += [json.loads(line) for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    return out
