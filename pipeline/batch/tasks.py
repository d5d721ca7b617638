"""One input of a batch, done where a runner runs it: in this process, a worker process, or a Dask worker.

The task does the whole of an input's work in the process that runs it, so that only names and a few hundred bytes
go back to the process that runs the batch: it reads the input (its bytes, from a path or a URL), keeps an earlier
output that is up to date (resume: the hash of those bytes against the output's provenance), else makes the output
(the stage: read, predict, extract), writes it into the store, and says what the corpus-wide checks need to know of
the report (corpus_checks.index_entry). It never raises for a bad document: a failure is an Outcome with its
errors.jsonl record.
"""

from __future__ import annotations

import hashlib
import os
import signal
import sys
import threading
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass

import orjson

from ..document import ReadError
from ..names import shown
from .corpus_checks import index_entry
from .provenance import dump_json, is_up_to_date
from .stages import Job
from .store import OutputError

DEFAULT_TIME_LIMIT = 600.0  # seconds per report


class TimeLimitExceeded(ReadError):
    def __init__(self, seconds: float):
        super().__init__(
            f"time limit exceeded: stopped after {seconds:g} s (raise it with --time-limit)", stage="timeout"
        )


@dataclass
class Outcome:
    """What comes back of one input: its error record, or that its output was written (or kept: `skipped`), and
    its entry in the corpus-wide checks' index. `write_error` (errno, reason): its output could not be written
    (a full disk), which stops the batch."""

    index: int
    error: dict | None = None
    seconds: float = 0.0
    written: bool = False
    skipped: bool = False
    write_error: tuple[int, str] | None = None
    entry: dict | None = None


@dataclass
class Task:
    """What every task of a batch is given with its job: the stage, the store its outputs go to, whether an
    up-to-date output is kept (`resume`), and whether the corpus-wide checks will index the report (`index`: not
    for a batch of one report, which has no other report to check against)."""

    stage: object
    store: object
    resume: bool = False
    index: bool = False


def gist(e: BaseException, width: int = 200) -> str:
    """An unexpected error in one line: its type and what its message says went wrong. An engine that wraps an
    error it caught may give a whole traceback as the message (RapidOCR's ONNXRuntimeError), whose first line
    (`Traceback (most recent call last):`) says nothing: the error is what follows the traceback's last frame (the
    first line there that is not indented, and the lines after it)."""
    text = str(e)
    lines = text.splitlines()
    if lines and lines[0].startswith("Traceback"):
        frames = [k for k, line in enumerate(lines) if line.startswith("  File ")]
        after = lines[frames[-1] + 1 :] if frames else lines[1:]
        start = next((k for k, line in enumerate(after) if line.strip() and not line[0].isspace()), None)
        if start is not None:
            lines = after[start:]
    said = " ".join(line.strip() for line in lines if line.strip())
    return f"{type(e).__name__}: {said[:width]}" if said else type(e).__name__


def run_task(job: Job, task: Task, models) -> Outcome:
    """Read, make and write one input's output; never raises for a bad document (see the module's docstring)."""
    stage, store = task.stage, task.store
    started = time.perf_counter()
    source = job.path
    try:
        data = stage.input_bytes(job)
        if task.resume:
            kept = _kept(job, data, stage, store, models)
            if kept is not None:
                return Outcome(job.index, skipped=True, entry=_entry(task, kept), seconds=time.perf_counter() - started)
        doc = stage.document(job, data)
        source = doc.path
        text = dump_json(stage.output(doc, models), indent=1)
    except ReadError as e:
        error = {"file": str(source), "stage": e.stage, "message": str(e)}
    except MemoryError:
        error = {
            "file": str(source),
            "stage": "memory",
            "message": "memory limit exceeded: reading it needed more memory than a worker may take "
            "(raise it with --memory-limit)",
        }
    except RecursionError:
        error = {"file": str(source), "stage": stage.name, "message": "document nested too deeply to read"}
    except Exception as e:  # an unexpected bug must not stop the batch
        error = {"file": str(source), "stage": stage.name, "message": f"internal error: {gist(e)}"}
        if stage.verbose:
            sys.stderr.write(shown(traceback.format_exc(), keep_newlines=True))
    else:
        try:
            store.write(job.name, text)
        except OutputError as e:  # the process running the batch stops it with this one line
            return Outcome(job.index, write_error=(e.errno, e.reason), seconds=time.perf_counter() - started)
        return Outcome(job.index, written=True, entry=_entry(task, text), seconds=time.perf_counter() - started)
    return Outcome(job.index, error=error, seconds=time.perf_counter() - started)


def _entry(task: Task, report) -> dict | None:
    """The report's entry in the corpus-wide checks' index, made from the report as written (its JSON text parsed
    again, so the checks see what a reader of the file sees)."""
    if not task.index:
        return None
    return index_entry(orjson.loads(report) if isinstance(report, str) else report)


def _kept(job: Job, data: bytes, stage, store, models) -> dict | None:
    """The earlier output of this input when it is up to date (provenance.is_up_to_date), parsed; else None."""
    try:
        report = orjson.loads(store.read(job.name))
    except (OSError, ValueError):
        return None
    digest = hashlib.sha256(data).hexdigest()
    if is_up_to_date(report, digest, models.fingerprint, stage.options_key, job.document):
        return report
    return None


@contextmanager
def time_limit(seconds: float | None):
    """Raise TimeLimitExceeded in this thread after `seconds` (none: no limit). In the main thread by a signal
    (SIGALRM); in another thread (a Dask worker runs its tasks in threads) by a watchdog that raises it in the
    thread asynchronously. Either way it stops Python code, between two of its steps: a call stuck inside C code
    is stopped when it returns (a worker process's hard limit, runners.ProcessPool, stops that too). Yields a state
    whose `fired` says whether the limit was reached (limited_task reports a failure after it as the time limit)."""
    state = {"fired": False}
    if not seconds:
        yield state
        return
    if threading.current_thread() is threading.main_thread():

        def expire(signum, frame):
            state["fired"] = True
            raise TimeLimitExceeded(seconds)

        previous = signal.signal(signal.SIGALRM, expire)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            yield state
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        return
    with _watchdog(seconds, state):
        yield state


REFIRE_SECONDS = 0.5  # an asynchronous stop that did not take is raised again this much later


class _Watchdog:
    """One thread per process that stops the threads past their time limits (time_limit, in a Dask worker's task
    threads). A thread of its own for each report (a threading.Timer) cost a Dask worker about a sixth of its time
    on reports of milliseconds: starting a thread waits for it to run, and the GIL hands over slowly. The watchdog
    sleeps until the earliest deadline, at most REFIRE_SECONDS at a time, so a limit set while it sleeps is seen."""

    def __init__(self):
        self.lock = threading.Lock()
        self.limits: dict = {}  # key -> [deadline, target thread id, state, the exception class to raise]
        self.thread = None
        self.pid = None

    def watch(self, seconds: float, target: int, state: dict, expired) -> object:
        key = object()
        with self.lock:
            self.limits[key] = [time.monotonic() + seconds, target, state, expired]
            if self.thread is None or self.pid != os.getpid() or not self.thread.is_alive():
                self.pid = os.getpid()  # (a forked process has no thread of its parent's)
                self.thread = threading.Thread(target=self._run, name="time-limit watchdog", daemon=True)
                self.thread.start()
        return key

    def release(self, key) -> None:
        import ctypes

        with self.lock:
            _, target, _, _ = self.limits.pop(key)
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(target), None)  # one not yet raised: dropped

    def _run(self) -> None:
        import ctypes

        while True:
            with self.lock:
                now = time.monotonic()
                for limit in self.limits.values():
                    deadline, target, state, expired = limit
                    if deadline <= now:
                        state["fired"] = True
                        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(target), ctypes.py_object(expired))
                        # raised again until the thread leaves: an exception raised asynchronously can land where
                        # code swallows it (a garbage collector's callback, a __del__), and the thread would run on
                        limit[0] = now + REFIRE_SECONDS
                wait = min([REFIRE_SECONDS] + [limit[0] - now for limit in self.limits.values()])
            time.sleep(max(0.001, wait))


_WATCHDOG = _Watchdog()


@contextmanager
def _watchdog(seconds: float, state: dict):
    expired = type(
        "TimeLimitExceeded", (TimeLimitExceeded,), {"__init__": lambda self: TimeLimitExceeded.__init__(self, seconds)}
    )  # raised as a class: the exception is made in the thread, with its message
    key = _WATCHDOG.watch(seconds, threading.get_ident(), state, expired)
    try:
        yield
    finally:
        _WATCHDOG.release(key)


def limited_task(job: Job, task: Task, models, seconds: float | None) -> Outcome:
    """run_task within the per-report time limit (this process's main thread: a signal stops Python code)."""
    started = time.perf_counter()
    stopped, outcome = None, None
    try:
        with time_limit(seconds) as limit:
            outcome = run_task(job, task, models)
    except TimeLimitExceeded as e:
        stopped = e
    if stopped is not None or limit["fired"] and outcome.error is not None:
        # stopped at its limit: whatever failed after the stop was raised (code the stop landed in, left broken)
        # failed because of it
        stopped = stopped or TimeLimitExceeded(seconds or 0)
        return Outcome(
            job.index,
            error={"file": job.path, "stage": stopped.stage, "message": str(stopped)},
            seconds=time.perf_counter() - started,
        )
    return outcome


def run_chunk(jobs: list[Job], task: Task, models, seconds: float | None) -> list[Outcome]:
    """A few inputs one after the other, each within its own time limit: one Dask task (runners.DaskCluster), so
    that the cluster's cost of a task is shared by reports that each take milliseconds."""
    return [limited_task(job, task, models, seconds) for job in jobs]
