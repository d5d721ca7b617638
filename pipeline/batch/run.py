"""A batch run: a stage (stages.py: read, predict, extract) run by a runner (runners.py: in this process, worker
processes, a Dask cluster) over every input, each output written into the store (store.py: a folder, or an object
store), every failure to `OUT/errors.jsonl`.

    run_batch(["reports/"], "out/", Extract(models_dir="models"), ProcessPool(workers=2))

A failure of one document (unreadable, not a report, an internal error) is recorded with the file, the stage and a
one-line message as it happens, and the batch goes on. Outputs are written whole or not at all, so an interrupted
run never leaves a half-written file; a full disk stops the batch with one line (store.OutputError). Each input's
document name is its file name, or its path from the folder given where two inputs share a file name
(inputs.document_names). Once every output is written, the corpus-wide checks (corpus_checks.py: cross-year checks,
copied prose) are worked out from the small entries the tasks sent back, and the reports they change rewritten.

This process lists the inputs and names the outputs; the tasks read, check resume, make and write — wherever the
runner runs them — and send back a few hundred bytes each, so that a batch's memory here grows by about 1 kB per
input (its name and outcome) and its work here by well under a millisecond per report.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

from .corpus_checks import CorpusIndex
from .inputs import split_member
from .runners import InProcess
from .sources import input_exists
from .store import OutputError, open_store, write_errors
from .tasks import Task


@dataclass
class BatchResult:
    written: list[str] = field(default_factory=list)  # every up-to-date output, skipped ones included
    errors: list[dict] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # outputs already up to date (a resumed run)


def run_batch(
    inputs: list[str], out: str, stage, runner=None, resume: bool = True, show_progress: bool = False
) -> BatchResult:
    """Run `stage` over the files (folders walked, URLs listed) of `inputs` with `runner` (default: InProcess),
    writing into `out` (a folder, or an fsspec URL). With `resume` (a resumable stage: Extract), an output already
    made from the same bytes by this pipeline version, these models and options is kept, not redone. Outputs and
    errors come out in input order whatever the runner."""
    store = open_store(out)
    runner = runner if runner is not None else InProcess()
    if hasattr(store, "real"):
        from pathlib import Path

        Path(store.real).mkdir(parents=True, exist_ok=True)
    plan = stage.plan(inputs, store)
    jobs = plan.jobs
    result = BatchResult(errors=list(plan.problems))
    done: dict[int, dict | None] = {}  # input index → its error, or None: what the batch keeps of a finished report
    skipped: set[int] = set()
    # the corpus-wide checks' index: a batch of one report has no other to check it against
    index = CorpusIndex() if stage.corpus_checks and len(jobs) > 1 else None
    try:
        task = Task(stage, store, resume=resume and stage.resumable, index=index is not None)
        outcomes = runner.run(jobs, task)
        _record(outcomes, jobs, store, result, done, skipped, index, plan.answered, show_progress)
        failed_names = [jobs[i].name for i, error in done.items() if error is not None]
        failed_names += stage.stale_names(result.errors)
        _remove_stale_outputs(store, result, failed_names)
        if index is not None and len(result.written) > 1:
            runner.rewrite(store, index.changes())
        _write_errors(store, result.errors, plan.answered)
    except OutputError as e:  # a full disk: every later write would fail too, so the batch stops here
        e.result = result
        raise
    finally:
        if index is not None:
            index.close()
        runner.close()
    return result


def _record(outcomes, jobs, store, result, done, skipped, index, answered, show_progress) -> None:
    """Each outcome as it comes: a failure appended to errors.jsonl, an output's entry indexed for the corpus-wide
    checks; at the end (or at a stop) the result in input order."""
    from tqdm import tqdm

    failed = 0
    log = store.error_log()  # failures appended as they happen: a run that stops keeps what it recorded
    bar = tqdm(
        total=len(jobs), unit="report", disable=not show_progress, file=sys.stderr, dynamic_ncols=True, smoothing=0.1
    )
    try:
        for record in result.errors:  # what was found wrong before any work: missing paths, refused members
            log.add(record)
        for outcome in outcomes:
            job = jobs[outcome.index]
            if outcome.write_error is not None:  # the task could not write its output
                raise OutputError(store.locate(job.name), OSError(outcome.write_error[0], outcome.write_error[1]))
            if outcome.error is not None:
                failed += 1
                log.add(outcome.error)
            elif outcome.skipped:
                skipped.add(outcome.index)
            if index is not None and outcome.entry is not None:
                index.add(outcome.index, job.name, outcome.entry)
            done[outcome.index] = outcome.error
            bar.update(1)
            bar.set_postfix(failed=failed, skipped=len(skipped), refresh=False)
    finally:
        bar.close()
        if len(done) < len(jobs) and hasattr(outcomes, "close"):
            outcomes.close()  # stopped: worker processes are stopped now, not when the generator is collected
        for i in sorted(done):
            error, job = done[i], jobs[i]
            if error is not None:
                result.errors.append(error)
            else:
                result.written.append(store.locate(job.name))
                if i in skipped:
                    result.skipped.append(store.locate(job.name))
        try:
            log.close()
        finally:
            if len(done) < len(jobs):  # stopped (Ctrl-C, a full disk): record what was done so far, then stop
                finished = {jobs[i].path for i in done} | {e["file"] for e in result.errors}
                try:  # inputs not reached keep the records earlier runs left for them
                    _write_errors(store, result.errors, finished)
                except OSError:
                    pass  # no room to rewrite it: the lines appended so far stay, each one whole


def _write_errors(store, errors: list[dict], answered: set[str] | None = None) -> None:
    """OUT/errors.jsonl rewritten once at the end of a batch (store.write_errors): the records of a zip member
    stay while its archive exists."""
    write_errors(
        store, errors, answered, exists=input_exists, archive_of=lambda where: (split_member(where) or (where,))[0]
    )


def _remove_stale_outputs(store, result: BatchResult, stale_names: list[str]) -> None:
    """A document that failed this time must not keep an older run's output as if it were current."""
    written = set(result.written)
    for name in stale_names:
        if store.locate(name) not in written and store.exists(name):
            store.remove(name)
