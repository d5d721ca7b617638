"""Batch extraction: every input file to `OUT/<document name>.json`, every failure to `OUT/errors.jsonl`.

A failure of one document (unreadable, not a report, an internal error) is recorded with the file, the stage and a
one-line message as it happens, and the batch goes on. Outputs are written to a temporary name and renamed, so an
interrupted run never leaves a half-written file; a full disk stops the batch with one line (writing.py). Each
input's document name is its file name, or its path from the folder given where two inputs share a file name
(inputs.document_names).
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import signal
import stat
import sys
import threading
import time
import traceback
import uuid
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..document import Document, ReadError
from ..names import printable, shown, unique_file_name
from ..extraction.models import load_models
from ..readers.formats import SUPPORTED_EXTENSIONS, read_bytes, read_document
from ..readers.pdf import PdfOptions
from ..extraction.report import PIPELINE_VERSION, ReportSchemaError, build_report, validate_report
from . import inputs as archives
from .writing import ErrorLog, OutputError, dump_json, write_atomic, write_errors  # noqa: F401 (re-exported)

NOT_A_REPORT_MIN_SIGNALS = 1


class NotAReport(ReadError):
    pass


@dataclass
class BatchResult:
    written: list[str] = field(default_factory=list)  # every up-to-date output, skipped ones included
    errors: list[dict] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # outputs already up to date (a resumed run)


def find_inputs(paths: list[str], skip: str | Path | None = None,
                roots: dict[Path, Path] | None = None) -> tuple[list[Path], list[dict]]:
    """Files named directly, and files with a supported extension found by walking directories (sorted; folders
    reached through symbolic links are walked too, each once). A file reached twice (named twice, or through a
    link) is read once. Anything that is not a regular file (a named pipe, a socket, a device) is recorded as an
    error without being opened: opening a FIFO would wait for a writer forever. A file in a folder with an extension
    no reader takes is read when its bytes are a format read (a PDF saved as .bin), else recorded as unsupported;
    hidden files and the systems' own (Thumbs.db, Word's ~$ lock files) are passed over, and so is the folder
    `skip` (the batch's own output folder, when it lies inside a folder walked). `roots`, when given, is filled
    with the input each file was found under (the folder given, or the file itself): its name is relative to it."""
    files: list[Path] = []
    problems: list[dict] = []
    seen: set[str] = set()
    roots = roots if roots is not None else {}

    def add(path: Path, root: Path | None = None) -> None:
        try:
            st = path.stat()
        except OSError as e:
            problems.append({"file": printable(str(path)), "stage": "input",
                             "message": f"cannot read: {e.strerror or e}"})
            return
        if not stat.S_ISREG(st.st_mode):
            kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(st.st_mode) else "a socket" if stat.S_ISSOCK(st.st_mode)
                    else "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else "not a file")
            problems.append({"file": printable(str(path)), "stage": "input",
                             "message": f"not a regular file: {kind}; it was not opened"})
            return
        real = os.path.realpath(path)
        if real not in seen:
            seen.add(real)
            files.append(path)
            roots[path] = root if root is not None else path

    for p in paths:
        path = Path(p)
        if path.is_dir():
            walked: set[str] = set()
            for root, dirs, names in os.walk(path, followlinks=True):
                real = os.path.realpath(root)
                if real in walked:  # a link back to a folder already walked (a loop, or two links to one folder)
                    dirs[:] = []
                    continue
                walked.add(real)
                if skip is not None and real == os.path.realpath(skip):
                    dirs[:] = []
                    continue
                # a web page saved with its files (page.html + page_files/): the pictures belong to the page
                # hidden folders (.git, a program's profile) hold no reports, as hidden files are none
                dirs[:] = sorted(d for d in dirs if not _page_files_folder(d, names) and not d.startswith("."))
                for n in sorted(names):
                    if n.startswith(".") or archives.system_file(n):
                        continue
                    if n.lower().endswith(SUPPORTED_EXTENSIONS):
                        add(Path(root) / n, path)
                    elif os.path.isfile(Path(root) / n):
                        refused = archives.unsupported(Path(root) / n)
                        if refused is None:
                            add(Path(root) / n, path)
                        else:
                            problems.append(refused)
        elif path.exists() or path.is_symlink():
            add(path)
        else:
            problems.append({"file": printable(str(p)), "stage": "input", "message": "no such file or directory"})
    return files, problems


_FILES_FOLDER = re.compile(r"^(.+?)[._](?:files|files_)$|^(.+?)\.fld$", re.I)


def _page_files_folder(folder: str, names: list[str]) -> bool:
    """A folder that holds the pictures of a web page saved beside it (page.html + page_files/ or page.files/)."""
    m = _FILES_FOLDER.match(folder)
    stem = m and (m.group(1) or m.group(2))
    return bool(stem) and any(n.lower() in (f"{stem.lower()}.html", f"{stem.lower()}.htm", f"{stem.lower()}.mht")
                              for n in names)


def default_document(path: Path | str) -> str:
    """The document name of an input that no other input of its batch shares: its file name, or for an archive
    member `archive.zip!path/inside`."""
    parts = archives.split_member(str(path))
    return f"{Path(parts[0]).name}!{parts[1]}" if parts else Path(path).name


def output_name(path: Path, taken: set[str], suffix: str = ".json", document: str | None = None) -> str:
    """`<document name><suffix>` made a safe file name (names.unique_file_name: no folder parts — `2023/index.html`
    is `2023_index.html` —, no bytes that are not UTF-8, at most MAX_NAME_BYTES) and unique within the batch; a
    name cut short or taken already gets a hash of the full path."""
    return unique_file_name(document or default_document(path), taken, suffix, key=os.fsencode(path.resolve()))


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
        raise NotAReport(f"not a government information-disclosure annual report: found {headings} of the six "
                         f"section headings and {tables} of the three tables{how}", stage="classify")


def extract_one(path: Path, models, pdf_options: PdfOptions | None = None) -> dict:
    return predict_one(read_document(str(path), pdf_options), models, pdf_options)


def predict_one(doc, models, pdf_options: PdfOptions | None = None) -> dict:
    """The report JSON of a document already read (the predict stage: models applied, checks run, validated)."""
    report = build_report(doc, models.row_labeler, models.section_model, models.column_labeler,
                          ocr_options=pdf_options.ocr if pdf_options is not None else None)
    check_is_report(report, doc)
    try:
        validate_report(report)
    except ReportSchemaError as e:
        raise ReadError(f"output failed its JSON Schema: {str(e)[:200]}", stage="validate")
    return report


DOC_SUFFIX = ".doc.json"
DEFAULT_TIME_LIMIT = 600.0  # seconds per report
KILL_GRACE = 15.0  # a worker still busy this long after its time limit is killed (a hang inside C code)
MAX_WORKER_MB = 6144  # the automatic memory limit of a worker process never goes above this


def default_memory_limit(workers: int) -> int:
    """MB a worker process may take: three quarters of the machine's memory shared among the workers, at most
    MAX_WORKER_MB (a 2-core machine with 24 GB: 6 GB each, 12 GB in all, the rest left to everything else)."""
    import psutil

    total = psutil.virtual_memory().total // (1024 * 1024)
    return max(1024, min(MAX_WORKER_MB, int(0.75 * total / max(1, workers))))
WORKER_MAX_TASKS = 200  # a worker process is replaced after this many reports, so memory cannot creep up


class TimeLimitExceeded(ReadError):
    def __init__(self, seconds: float):
        super().__init__(f"time limit exceeded: stopped after {seconds:g} s (raise it with --time-limit)",
                         stage="timeout")


@dataclass
class Job:
    """One input of a batch: its position (outputs and errors are reported in input order whatever finishes first),
    the file, and the name of its output."""
    index: int
    path: Path  # a member of an archive: `archive.zip!member` (inputs.member_path)
    name: str
    archive: Path | None = None  # the archive that holds it, and its name there
    member: str | None = None
    entry: int | None = None  # the member's place in the archive's directory (one name may be there twice)
    document: str | None = None  # its document name in the batch (inputs.document_names)
    note: str | None = None  # a warning its document carries (a member whose name its archive holds twice)


def job_bytes(job: Job) -> bytes:
    """The bytes of an input: its file's, or its member's read from its archive."""
    return archives.read_member(job.archive, job.member, job.entry) if job.member is not None else \
        job.path.read_bytes()


@dataclass
class Outcome:
    index: int
    payload: str | None = None  # the output JSON text
    error: dict | None = None
    seconds: float = 0.0
    written: bool = False  # a worker process wrote the output itself (payload not sent back)
    write_error: tuple[int, str] | None = None  # (errno, reason) when a worker could not write it (a full disk)


def process_job(job: Job, mode: str, models, pdf_options: PdfOptions | None = None, data: bytes | None = None,
                verbose: bool = False) -> Outcome:
    """Read (and, unless mode is "read", label and check) one input; never raises for a bad document.

    `data` are the file's bytes when the caller sent them (a Dask worker need not see the file system)."""
    started = time.perf_counter()
    source = job.path
    try:
        if mode == "predict":
            doc = Document.from_dict(json.loads(data.decode("utf-8") if data is not None else
                                                job.path.read_text(encoding="utf-8")))
            source = Path(doc.path)
        elif data is not None or job.member is not None:
            doc = read_bytes(str(job.path), data if data is not None else job_bytes(job), pdf_options)
        else:
            doc = read_document(str(job.path), pdf_options)
        if mode != "predict":  # its name in this batch (a name shared by two inputs, a member's path inside)
            if job.document and job.document != Path(doc.path).name:
                doc.name = job.document
            if job.note:
                doc.warnings.append(job.note)
        if mode == "read":
            payload = doc.to_dict()
        else:
            payload = predict_one(doc, models, pdf_options)
            payload["provenance"] = {"sha256": doc.sha256, "models": models.fingerprint,
                                     "options": options_key(pdf_options)}
            seal(payload)
        text = dump_json(payload, indent=1)
        return Outcome(job.index, payload=text, seconds=time.perf_counter() - started)
    except ReadError as e:
        error = {"file": str(source), "stage": e.stage, "message": str(e)}
    except MemoryError:
        error = {"file": str(source), "stage": "memory",
                 "message": "memory limit exceeded: reading it needed more memory than a worker may take "
                            "(raise it with --memory-limit)"}
    except RecursionError:
        error = {"file": str(source), "stage": mode, "message": "document nested too deeply to read"}
    except Exception as e:  # an unexpected bug must not stop the batch
        first = str(e).splitlines()[0][:200] if str(e) else ""
        error = {"file": str(source), "stage": mode, "message": f"internal error: {type(e).__name__}: {first}"}
        if verbose:
            sys.stderr.write(shown(traceback.format_exc(), keep_newlines=True))
    return Outcome(job.index, error=error, seconds=time.perf_counter() - started)


@contextmanager
def time_limit(seconds: float | None):
    """Raise TimeLimitExceeded in this (main) thread after `seconds`; a no-op elsewhere or without a limit."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise TimeLimitExceeded(seconds)

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _limited_job(job: Job, mode: str, models, pdf_options, seconds, verbose=False) -> Outcome:
    started = time.perf_counter()
    try:
        with time_limit(seconds):
            return process_job(job, mode, models, pdf_options, verbose=verbose)
    except TimeLimitExceeded as e:
        return Outcome(job.index, error={"file": str(job.path), "stage": e.stage, "message": str(e)},
                       seconds=time.perf_counter() - started)


# --- worker processes -------------------------------------------------------------------------------------------
_WORKER_MODELS = None
_WARM_REPORT = ("示例县2024年政府信息公开工作年度报告\n一、总体情况\n全年共收到政府信息公开申请3件，行政复议1件。\n"
                "二、主动公开政府信息情况\n规章 | 0 | 0 | 0 |\n三、收到和处理政府信息公开申请情况\n"
                "一、本年新收政府信息公开申请数量 | 3 | 0 | 0 | 0 | 0 | 0 | 3 |\n四、政府信息公开行政复议、行政诉讼情况\n"
                "五、存在的主要问题及改进情况\n六、其他需要报告的事项\n无。\n")
_warm = False


def warm_up(models) -> None:
    """Import and initialise everything a report needs once (spaCy, the compiled schema, the PDF libraries),
    by reading a tiny report in memory: done before worker processes are forked, they inherit it instead of each
    paying a second of imports."""
    global _warm
    if _warm:
        return
    import pdfplumber.table  # noqa: F401  (imported here so forked workers inherit the modules)
    import pypdfium2  # noqa: F401

    from ..readers.text import parse_text

    try:
        predict_one(parse_text(_WARM_REPORT, "warm-up.txt"), models)
    except ReadError:
        pass
    _warm = True


def _init_worker(models_dir, mode, memory_limit_mb=None):
    """Runs once in each worker process: models are loaded once per worker (inherited without a copy when forked),
    numeric libraries are kept to one thread so N workers use N cores, and the process's data memory is capped
    (RLIMIT_DATA): a file that inflates past it (a PDF whose streams decompress to gigabytes) fails with a memory
    error, or its worker dies and is replaced; either way the file is recorded and the batch goes on."""
    global _WORKER_MODELS
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    if memory_limit_mb:
        import resource

        limit = int(memory_limit_mb) * 1024 * 1024
        soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        if hard == resource.RLIM_INFINITY or limit <= hard:
            resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))
    _WORKER_MODELS = load_models(models_dir) if mode != "read" else None
    if _WORKER_MODELS is not None:
        warm_up(_WORKER_MODELS)  # a no-op in a forked worker: the parent warmed up before forking


def _worker_task(job: Job, mode: str, pdf_options, seconds, verbose, out_dir: str | None = None) -> Outcome:
    """In a worker process: one report, its output written here (atomically) so that only a few bytes go back
    to the parent, which stays free to schedule the next reports."""
    outcome = _limited_job(job, mode, _WORKER_MODELS, pdf_options, seconds, verbose)
    if out_dir is not None and outcome.payload is not None:
        try:
            write_atomic(Path(out_dir) / job.name, outcome.payload)
        except OutputError as e:  # the parent stops the batch with it
            outcome.write_error = (e.errno, e.reason)
        outcome.payload, outcome.written = None, outcome.write_error is None
    return outcome


def _run_in_process(jobs, mode, models, pdf_options, seconds, verbose, memory_limit_mb=None):
    """In this process. With `memory_limit_mb` (a single report a worker would have run), the data memory is capped
    as a worker's is while the report runs, and the cap lifted after: a file that inflates fails with a memory
    error, recorded like any other failure."""
    import resource

    previous = None
    if memory_limit_mb:
        soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        limit = int(memory_limit_mb) * 1024 * 1024
        if hard == resource.RLIM_INFINITY or limit <= hard:
            previous = (soft, hard)
    for job in jobs:
        if previous:
            resource.setrlimit(resource.RLIMIT_DATA, (int(memory_limit_mb) * 1024 * 1024, previous[1]))
        try:
            outcome = _limited_job(job, mode, models, pdf_options, seconds, verbose)
        finally:
            if previous:
                resource.setrlimit(resource.RLIMIT_DATA, previous)
        yield outcome


def _run_in_pool(jobs, mode, models_dir, pdf_options, seconds, workers, verbose, out_dir=None, memory_limit_mb=None):
    """Worker processes (pebble: a worker stuck past its time limit is killed and replaced, the batch goes on)."""
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, TimeoutError as FutureTimeout, wait

    from pebble import ProcessExpired, ProcessPool

    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    hard_limit = seconds + KILL_GRACE if seconds else None
    queue = iter(jobs)
    pending = {}
    with ProcessPool(max_workers=workers, max_tasks=WORKER_MAX_TASKS, initializer=_init_worker,
                     initargs=(models_dir, mode, memory_limit_mb), context=context) as pool:
        def submit():
            job = next(queue, None)
            if job is not None:
                pending[pool.schedule(_worker_task, args=(job, mode, pdf_options, seconds, verbose, out_dir),
                                      timeout=hard_limit)] = job

        for _ in range(workers * 8):  # a short queue: memory stays bounded however many files there are
            submit()
        try:
            while pending:
                done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
                for future in done:
                    job = pending.pop(future)
                    try:
                        yield future.result()
                    except FutureTimeout:
                        yield Outcome(job.index, error={"file": str(job.path), "stage": "timeout",
                                                        "message": str(TimeLimitExceeded(seconds)) + "; worker killed"})
                    except ProcessExpired as e:
                        yield Outcome(job.index, error={
                            "file": str(job.path), "stage": "memory",
                            "message": f"memory limit exceeded or crash: its worker process died (exit code "
                                       f"{e.exitcode}) and was replaced; a worker may take {memory_limit_mb} MB "
                                       f"(--memory-limit)"})
                    except Exception as e:
                        yield Outcome(job.index, error={"file": str(job.path), "stage": mode,
                                                        "message": f"internal error: {type(e).__name__}: {e}"[:240]})
                    submit()
        except GeneratorExit:  # the batch stopped (a full disk, Ctrl-C): the reports still queued are not run
            pool.stop()
            raise


def _run_on_dask(jobs, mode, models, pdf_options, seconds, scheduler, verbose):
    """Dask's distributed scheduler: the file bytes and the models (scattered once to every worker) are sent, so
    workers need no shared file system; results come back here and are written by this process."""
    from distributed import Client, wait

    client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
    try:
        shared_models = client.scatter(models, broadcast=True) if models is not None else None
        window = max(1, sum(client.nthreads().values()))
        queue = iter(jobs)
        pending = {}  # future -> (job, deadline)

        def submit():
            while True:
                job = next(queue, None)
                if job is None:
                    return
                try:
                    data = job_bytes(job)
                except OSError as e:
                    ready.append(Outcome(job.index, error={"file": str(job.path), "stage": "read",
                                                           "message": f"cannot read file: {e.strerror}"}))
                    continue
                except ReadError as e:
                    ready.append(Outcome(job.index, error={"file": str(job.path), "stage": e.stage,
                                                           "message": str(e)}))
                    continue
                future = client.submit(process_job, job, mode, shared_models, pdf_options, data, verbose,
                                       pure=False, key=f"report-{job.index}-{uuid.uuid4().hex[:8]}")
                pending[future] = (job, time.monotonic() + seconds if seconds else None)
                return

        ready: list[Outcome] = []
        for _ in range(window):
            submit()
        while pending or ready:
            yield from ready
            ready.clear()
            if not pending:
                break
            deadlines = [d for _, d in pending.values() if d is not None]
            timeout = max(0.05, min(deadlines) - time.monotonic()) if deadlines else None
            done, _ = wait(list(pending), timeout=timeout, return_when="FIRST_COMPLETED") \
                if timeout is not None else wait(list(pending), return_when="FIRST_COMPLETED")
            now = time.monotonic()
            for future in list(pending):
                job, deadline = pending[future]
                if future in done:
                    del pending[future]
                    try:
                        ready.append(future.result())
                    except Exception as e:
                        ready.append(Outcome(job.index, error={"file": str(job.path), "stage": mode,
                                                               "message": f"worker error: {type(e).__name__}: {e}"[:240]}))
                    submit()
                elif deadline is not None and now >= deadline:
                    del pending[future]
                    future.cancel()
                    ready.append(Outcome(job.index, error={"file": str(job.path), "stage": "timeout",
                                                           "message": str(TimeLimitExceeded(seconds))}))
                    submit()
    finally:
        if not isinstance(scheduler, Client):
            client.close()


def read_options_of(params: dict) -> PdfOptions:
    """The reading options a params.yaml sets (its extract and ocr sections), for stages run from Python."""
    from ..readers.ocr.options import OcrOptions

    extract, ocr = params.get("extract", {}), params.get("ocr", {})
    defaults = PdfOptions()
    return PdfOptions(camelot_flavor=extract.get("camelot_flavor", defaults.camelot_flavor),
                      tables=extract.get("pdf_tables", defaults.tables),
                      min_ruling_lines=int(extract.get("min_ruling_lines", defaults.min_ruling_lines)),
                      ocr=OcrOptions(**{k: v for k, v in ocr.items() if k in OcrOptions.__dataclass_fields__}))


def options_key(pdf_options: PdfOptions | None) -> str:
    """A short hash of the reading options that change what a report holds (OCR mode, resolution, thresholds, PDF
    table reader); worker and thread counts are left out, they change nothing."""

    opts = dataclasses.asdict(pdf_options or PdfOptions())
    opts["ocr"].pop("threads", None)
    return hashlib.sha256(json.dumps(opts, sort_keys=True).encode()).hexdigest()[:12]


def content_hash(report: dict) -> str:
    """A hash of a report's content, its own seal left out."""
    body = dict(report, provenance={k: v for k, v in (report.get("provenance") or {}).items() if k != "content"})
    return hashlib.sha256(dump_json(body).encode("utf-8")).hexdigest()[:16]


def seal(report: dict) -> None:
    """Record the report's content hash in its provenance: an output edited or damaged afterwards no longer
    matches it, and a resumed run makes it again instead of trusting it."""
    report.setdefault("provenance", {})["content"] = content_hash(report)


def is_up_to_date(output: Path, sha256: str, models_fingerprint: str, options: str | None = None,
                  document: str | None = None) -> bool:
    """An earlier output of the same bytes, made by this pipeline version with these models and options, under the
    same document name (a second index.html added beside the first renames the first)."""
    try:
        report = json.loads(output.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    provenance = report.get("provenance") if isinstance(report, dict) else None
    if not isinstance(provenance, dict) or report.get("pipeline_version") != PIPELINE_VERSION or \
            {k: v for k, v in provenance.items() if k != "content"} != {
                "sha256": sha256, "models": models_fingerprint, "options": options or options_key(None)}:
        return False
    if document is not None and report.get("document") != document:
        return False
    if provenance.get("content") != content_hash(report):
        return False  # edited or damaged since it was written
    try:  # an output edited or damaged by hand is not trusted: it must still be a valid report
        validate_report(report)
    except ReportSchemaError:
        return False
    return True


def _member_sha256(job: Job) -> str | None:
    try:
        return hashlib.sha256(job_bytes(job)).hexdigest()
    except (OSError, ReadError):
        return None


def file_sha256(path: Path) -> str | None:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()


def run_batch(inputs: list[str], out_dir: str, models_dir: str | None = "models",
              pdf_options: PdfOptions | None = None, verbose: bool = False, show_progress: bool = False,
              mode: str = "extract", workers: int = 0, time_limit_s: float | None = DEFAULT_TIME_LIMIT,
              resume: bool = True, scheduler=None, memory_limit_mb: int | None = None) -> BatchResult:
    """mode "extract": files → report JSON; "read": files → document JSON (`<name>.doc.json`, the blocks every
    reader produces); "predict": document JSON → report JSON, carrying the read stage's failures along.

    workers 0 runs in this process; N > 0 runs N worker processes; `scheduler` (a Dask address or Client) runs on a
    Dask cluster. With `resume` (extract mode), an output already made from the same bytes by this pipeline version
    and these models is kept, not redone. Outputs and errors come out in input order whatever the worker count."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    pdf_options = pdf_options or PdfOptions()
    if pdf_options.ocr.threads == 0 and scheduler is None and workers and workers > 1:
        # worker processes share the cores: one ONNX Runtime thread each, not all cores each
        pdf_options = dataclasses.replace(pdf_options, ocr=dataclasses.replace(
            pdf_options.ocr, threads=max(1, (os.cpu_count() or 1) // workers)))
    roots: dict[Path, Path] = {}
    if mode == "predict":
        files, missing = _find_documents(inputs)
    else:
        files, missing = find_inputs(inputs, skip=out, roots=roots)
    result = BatchResult(errors=list(missing))
    if mode == "predict":
        result.errors += _earlier_errors(inputs)
    models = load_models(models_dir) if mode != "read" else None
    # each input's document name: its file name, or its path from the folder given where two share one
    documents = archives.document_names([(p, roots.get(p, p)) for p in files]) if mode != "predict" else []
    taken: set[str] = set()
    jobs: list[Job] = []
    entries: list[tuple] = []  # (input, its archive, its name there, its entry there, document name, note)
    for k, path in enumerate(files):
        kind = archives.archive_kind(path) if mode != "predict" else None
        if kind is None:
            entries.append((path, None, None, None, documents[k] if documents else None, None))
            continue
        members, problems = archives.expand_archive(path, kind)
        count = Counter(member for _, member, _ in members)
        for where, member, entry in members:
            document = f"{documents[k]}!{archives.split_member(str(where))[1]}"
            note = (f"the archive holds {count[member]} members under this one's name: each is read on its own, "
                    f"this one (entry {entry + 1} of the archive) as {document}") if count[member] > 1 else None
            entries.append((where, path, member, entry, document, note))
        result.errors += problems
    for i, (path, archive, member, entry, document, note) in enumerate(entries):
        if mode == "predict":
            try:
                doc = json.loads(path.read_text(encoding="utf-8"))
                source, document = Path(doc["path"]), doc.get("name")
            except (OSError, ValueError, KeyError, TypeError):
                source = path
            name = output_name(source, taken, document=document)
        elif mode == "read":
            name = output_name(path, taken, DOC_SUFFIX, document)
        else:
            name = output_name(path, taken, document=document)
        jobs.append(Job(i, path, name, archive, member, entry, document, note))

    # the inputs this run answers for in errors.jsonl: its files, and what it found wrong with the paths given
    answered = {str(job.path) for job in jobs} | {str(f) for f in files} | {e["file"] for e in result.errors}
    done: dict[int, dict | None] = {}  # input index → its error, or None: what the batch keeps of a finished report
    todo = jobs
    if resume and mode == "extract":
        todo = []
        for job in jobs:
            digest = file_sha256(job.path) if job.member is None else _member_sha256(job)
            if digest and is_up_to_date(out / job.name, digest, models.fingerprint, options_key(pdf_options),
                                        job.document):
                done[job.index] = None
                result.skipped.append(str(out / job.name))
            else:
                todo.append(job)

    if scheduler is not None:
        outcomes = _run_on_dask(todo, mode, models, pdf_options, time_limit_s, scheduler, verbose)
    elif workers and workers > 0 and len(todo) > 1:
        if models is not None and todo:
            warm_up(models)
        limit = memory_limit_mb if memory_limit_mb is not None else default_memory_limit(workers)
        outcomes = _run_in_pool(todo, mode, models_dir, pdf_options, time_limit_s, workers, verbose, str(out),
                                limit or None)
    else:  # no workers asked for, or one report to do: this process does it (no worker start-up to pay)
        limit = (memory_limit_mb if memory_limit_mb is not None else default_memory_limit(workers)) if workers else None
        outcomes = _run_in_process(todo, mode, models, pdf_options, time_limit_s, verbose, limit or None)

    from tqdm import tqdm

    failed = 0
    log = ErrorLog(out / "errors.jsonl")  # failures appended as they happen: a run that stops keeps what it recorded
    bar = tqdm(total=len(jobs), initial=len(done), unit="report", disable=not show_progress, file=sys.stderr,
               dynamic_ncols=True, smoothing=0.1)
    try:
        for record in result.errors:  # what was found wrong before any work: missing paths, refused members
            log.add(record)
        for outcome in outcomes:
            job = jobs[outcome.index]
            if outcome.write_error is not None:  # a worker could not write its output
                raise OutputError(out / job.name, OSError(outcome.write_error[0], outcome.write_error[1]))
            if outcome.payload is not None:
                write_atomic(out / job.name, outcome.payload)
                outcome.payload, outcome.written = None, True  # written: the batch keeps no report in memory
            elif not outcome.written:
                failed += 1
                log.add(outcome.error)
            done[outcome.index] = outcome.error
            bar.update(1)
            bar.set_postfix(failed=failed, skipped=len(result.skipped), refresh=False)
    except OutputError as e:  # a full disk: every later write would fail too, so the batch stops here
        e.result = result
        raise
    finally:
        bar.close()
        if len(done) < len(jobs) and hasattr(outcomes, "close"):
            outcomes.close()  # stopped: worker processes are stopped now, not when the generator is collected
        for index in sorted(done):
            error, job = done[index], jobs[index]
            if error is not None:
                result.errors.append(error)
            else:
                result.written.append(str(out / job.name))
        if len(done) < len(jobs):  # stopped (Ctrl-C, a full disk): record what was done so far, then stop
            finished = {str(jobs[i].path) for i in done} | {e["file"] for e in result.errors}
            try:  # inputs not reached keep the records earlier runs left for them
                _write_errors(out, result.errors, finished)
            except OSError:
                pass  # no room to rewrite it: the lines appended so far stay, each one whole
    failed_names = [jobs[i].name for i, error in done.items() if error is not None]
    if mode == "predict":  # documents the read stage could not read have no document JSON, only an old report
        failed_names += [output_name(Path(e["file"]), set()) for e in result.errors if e.get("stage") != "input"]
    try:
        _remove_stale_outputs(out, result, failed_names)
        if mode != "read" and len(result.written) > 1:
            from .corpus_checks import add_cross_year_checks

            add_cross_year_checks(result.written)
        _write_errors(out, result.errors, answered)
    except OutputError as e:
        e.result = result
        raise
    return result


def _write_errors(out: Path, errors: list[dict], answered: set[str] | None = None) -> None:
    """OUT/errors.jsonl rewritten once at the end of a batch (writing.write_errors): the records of a zip member
    stay while its archive exists."""
    write_errors(out, errors, answered, archive_of=lambda where: (archives.split_member(where) or (where,))[0])


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


def _remove_stale_outputs(out: Path, result: BatchResult, stale_names: list[str]) -> None:
    """A document that failed this time must not keep an older run's output as if it were current."""
    written = {Path(w).name for w in result.written}
    for name in stale_names:
        stale = out / name
        if name not in written and (stale.exists() or stale.is_symlink()):
            stale.unlink()
