"""Runners: where a batch's tasks (tasks.run_task: read an input, make its output, write it) are run.

- `InProcess`: this process, one input after the other (a time limit stops Python code between steps).
- `ProcessPool`: N worker processes (pebble), forked from a warmed-up parent; a report stuck past its time limit,
  even inside C code, has its worker killed; a worker's data memory is capped.
- `DaskCluster`: Dask's distributed scheduler (an address or a Client). Each worker reads its inputs and writes its
  outputs itself — a folder every worker sees (a path, `file://`) or an object store through fsspec (`s3://`) —
  and sends back a few hundred bytes (an Outcome), so the process running the batch handles names and small
  results only; the models are scattered once to every worker.

Every runner yields one Outcome per job (in the order they finish; run.py records them in input order), and
rewrites the reports the corpus-wide checks change (`rewrite`): in this process, or on the Dask workers.
"""

from __future__ import annotations

import dataclasses
import os
import time
import uuid
from dataclasses import dataclass

from ..document import ReadError
from .corpus_checks import rewrite
from .tasks import DEFAULT_TIME_LIMIT, Outcome, Task, TimeLimitExceeded, gist, limited_task, run_chunk

KILL_GRACE = 15.0  # a worker still busy this long after its time limit is killed (a hang inside C code)
MAX_WORKER_MB = 6144  # the automatic memory limit of a worker process never goes above this
WORKER_MAX_TASKS = 200  # a worker process is replaced after this many reports, so memory cannot creep up
REWRITE_CHUNK = 64  # reports rewritten by one Dask task (the corpus-wide checks)


def default_memory_limit(workers: int) -> int:
    """MB a worker process may take: three quarters of the machine's memory shared among the workers, at most
    MAX_WORKER_MB (a 2-core machine with 24 GB: 6 GB each, 12 GB in all, the rest left to everything else)."""
    import psutil

    total = psutil.virtual_memory().total // (1024 * 1024)
    return max(1024, min(MAX_WORKER_MB, int(0.75 * total / max(1, workers))))


@dataclass
class InProcess:
    """This process. With `memory_limit_mb`, the data memory is capped as a worker's is while each report runs,
    and the cap lifted after: a file that inflates fails with a memory error, recorded like any other failure."""

    time_limit: float | None = DEFAULT_TIME_LIMIT
    memory_limit_mb: int | None = None

    def run(self, jobs, task: Task):
        import resource

        models = task.stage.models() if jobs else None
        previous = None
        if self.memory_limit_mb:
            soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
            limit = int(self.memory_limit_mb) * 1024 * 1024
            if hard == resource.RLIM_INFINITY or limit <= hard:
                previous = (soft, hard)
        for job in jobs:
            if previous:
                resource.setrlimit(resource.RLIMIT_DATA, (int(self.memory_limit_mb) * 1024 * 1024, previous[1]))
            try:
                outcome = limited_task(job, task, models, self.time_limit)
            finally:
                if previous:
                    resource.setrlimit(resource.RLIMIT_DATA, previous)
            yield outcome

    def rewrite(self, store, changes) -> int:
        return rewrite(store, changes)

    def close(self) -> None:
        pass


# --- worker processes -------------------------------------------------------------------------------------------
_WORKER_MODELS = None
_WARM_REPORT = (
    "示例县2024年政府信息公开工作年度报告\n一、总体情况\n全年共收到政府信息公开申请3件，行政复议1件。\n"
    "二、主动公开政府信息情况\n规章 | 0 | 0 | 0 |\n三、收到和处理政府信息公开申请情况\n"
    "一、本年新收政府信息公开申请数量 | 3 | 0 | 0 | 0 | 0 | 0 | 3 |\n四、政府信息公开行政复议、行政诉讼情况\n"
    "五、存在的主要问题及改进情况\n六、其他需要报告的事项\n无。\n"
)
_warm = False


def warm_up(models) -> None:
    """Import and initialise everything a report needs once (the compiled schema, the PDF libraries, the copies'
    MinHash), by reading a tiny report in memory: done before worker processes are forked, they inherit it instead
    of each paying a second of imports."""
    global _warm
    if _warm:
        return
    import pdfplumber.table  # noqa: F401  (imported here so forked workers inherit the modules)
    import pypdfium2  # noqa: F401

    from ..readers.text import parse_text
    from .copies import THRESHOLD, lsh_bands
    from .stages import predict_one

    lsh_bands(THRESHOLD)  # datasketch (and scipy) for the copies' signatures, the LSH layout computed once

    try:
        predict_one(parse_text(_WARM_REPORT, "warm-up.txt"), models)
    except ReadError:
        pass
    _warm = True


def _init_worker(stage, memory_limit_mb=None):
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
    _WORKER_MODELS = stage.models()
    if _WORKER_MODELS is not None:
        warm_up(_WORKER_MODELS)  # a no-op in a forked worker: the parent warmed up before forking


def _pool_task(job, task, seconds) -> Outcome:
    """In a worker process: one report, its output written here, so that only a few bytes go back to the parent,
    which stays free to schedule the next reports."""
    return limited_task(job, task, _WORKER_MODELS, seconds)


@dataclass
class ProcessPool:
    """`workers` worker processes (pebble: a worker stuck past its time limit is killed and replaced, the batch goes
    on). A single input runs in this process instead (no worker start-up to pay), under the same memory cap.
    `memory_limit_mb` None: default_memory_limit; 0: none."""

    workers: int
    time_limit: float | None = DEFAULT_TIME_LIMIT
    memory_limit_mb: int | None = None

    def _limit(self) -> int | None:
        limit = self.memory_limit_mb if self.memory_limit_mb is not None else default_memory_limit(self.workers)
        return limit or None

    def _stage(self, stage):
        """Worker processes share the cores: one ONNX Runtime thread each, not all cores each (a thread count is
        no part of a report's provenance: it changes nothing in it)."""
        if stage.options.ocr.threads == 0 and self.workers > 1:
            return dataclasses.replace(
                stage,
                options=dataclasses.replace(
                    stage.options,
                    ocr=dataclasses.replace(stage.options.ocr, threads=max(1, (os.cpu_count() or 1) // self.workers)),
                ),
            )
        return stage

    def run(self, jobs, task: Task):
        task = dataclasses.replace(task, stage=self._stage(task.stage))
        stage = task.stage
        if len(jobs) <= 1:
            yield from InProcess(self.time_limit, self._limit()).run(jobs, task)
            return
        import multiprocessing
        from concurrent.futures import FIRST_COMPLETED, TimeoutError as FutureTimeout, wait

        from pebble import ProcessExpired, ProcessPool as Pool

        models = stage.models()
        if models is not None:
            warm_up(models)
        limit = self._limit()
        context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
        seconds = self.time_limit
        hard_limit = seconds + KILL_GRACE if seconds else None
        queue = iter(jobs)
        pending = {}
        with Pool(
            max_workers=self.workers,
            max_tasks=WORKER_MAX_TASKS,
            initializer=_init_worker,
            initargs=(stage, limit),
            context=context,
        ) as pool:

            def submit():
                job = next(queue, None)
                if job is not None:
                    pending[pool.schedule(_pool_task, args=(job, task, seconds), timeout=hard_limit)] = job

            for _ in range(self.workers * 8):  # a short queue: memory stays bounded however many files there are
                submit()
            try:
                while pending:
                    done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
                    for future in done:
                        job = pending.pop(future)
                        try:
                            yield future.result()
                        except FutureTimeout:
                            yield Outcome(
                                job.index,
                                error={
                                    "file": job.path,
                                    "stage": "timeout",
                                    "message": str(TimeLimitExceeded(seconds)) + "; worker killed",
                                },
                            )
                        except ProcessExpired as e:
                            yield Outcome(
                                job.index,
                                error={
                                    "file": job.path,
                                    "stage": "memory",
                                    "message": f"memory limit exceeded or crash: its worker process died (exit code "
                                    f"{e.exitcode}) and was replaced; a worker may take {limit} MB "
                                    f"(--memory-limit)",
                                },
                            )
                        except Exception as e:
                            yield Outcome(
                                job.index,
                                error={
                                    "file": job.path,
                                    "stage": stage.name,
                                    "message": f"internal error: {gist(e)}",
                                },
                            )
                        submit()
            except GeneratorExit:  # the batch stopped (a full disk, Ctrl-C): the reports still queued are not run
                pool.stop()
                raise

    def rewrite(self, store, changes) -> int:
        return rewrite(store, changes)

    def close(self) -> None:
        pass


# --- a Dask cluster -----------------------------------------------------------------------------------------------
CHUNK_SECONDS = 0.5  # a Dask task is given about this much work: reports of milliseconds go several to a task
MAX_CHUNK = 64


@dataclass
class DaskCluster:
    """Dask's distributed scheduler: `scheduler` an address (`tcp://HOST:8786`) or a distributed.Client. The workers
    read and write through the store themselves and send back Outcomes of a few hundred bytes.

    A task costs the cluster milliseconds of its own (the client's messages, the scheduler's bookkeeping, the
    worker's), as much as a small text report's whole reading: so a task runs a *chunk* of reports, as many as
    take about CHUNK_SECONDS by the seconds the reports so far took (one report a task to begin with, and for
    reports of a second or more), fewer as the batch nears its end so that the workers finish together. Each report keeps its own time limit inside its chunk (tasks.time_limit: a Dask
    worker's thread is stopped between Python steps). Two chunks per worker thread are in flight, so a worker
    never waits for this process; a chunk that does not come back within twice its reports' time limits (a report
    stuck inside C code, which no one can stop in a thread) has its reports recorded as timed out, and the batch
    goes on."""

    scheduler: object
    time_limit: float | None = DEFAULT_TIME_LIMIT
    queued: int = 2  # chunks in flight per worker thread

    def __post_init__(self):
        self._connected = None  # the Client this runner opened (closed by close()), or None

    def _client(self):
        from distributed import Client

        if isinstance(self.scheduler, Client):
            return self.scheduler
        if self._connected is None:
            self._connected = Client(self.scheduler)
        return self._connected

    def close(self) -> None:
        if self._connected is not None:
            self._connected.close()
            self._connected = None

    def run(self, jobs, task: Task):
        if not jobs:
            return
        from distributed import wait

        client = self._client()
        models = task.stage.models()
        shared = client.scatter(models, broadcast=True, hash=False) if models is not None else None
        threads = max(1, sum(client.nthreads().values()))
        window = self.queued * threads
        seconds = self.time_limit
        queue = iter(jobs)
        pending = {}  # future -> (its jobs, the time by which it must be back)
        pace = {"reports": 0, "seconds": 0.0, "left": len(jobs)}  # what the reports so far took; what is left
        run_id = uuid.uuid4().hex[:8]

        def submit():
            size = 1
            if pace["reports"]:  # about CHUNK_SECONDS of work; smaller as the batch nears its end (guided
                # scheduling: no worker is left with a long chunk while the others have nothing to do)
                size = int(CHUNK_SECONDS * pace["reports"] / max(pace["seconds"], 1e-6))
                size = max(1, min(MAX_CHUNK, size, pace["left"] // (2 * threads)))
            chunk = [job for job in (next(queue, None) for _ in range(size)) if job is not None]
            pace["left"] -= len(chunk)
            if chunk:
                future = client.submit(
                    run_chunk, chunk, task, shared, seconds, pure=False, key=f"reports-{run_id}-{chunk[0].index}"
                )
                pending[future] = (chunk, time.monotonic() + 2 * len(chunk) * seconds + KILL_GRACE if seconds else None)

        for _ in range(window):
            submit()
        try:
            while pending:
                deadlines = [d for _, d in pending.values() if d is not None]
                timeout = max(0.05, min(deadlines) - time.monotonic()) if deadlines else None
                done, _ = wait(list(pending), timeout=timeout, return_when="FIRST_COMPLETED")
                now = time.monotonic()
                for future in list(pending):
                    chunk, deadline = pending[future]
                    if future in done:
                        del pending[future]
                        try:
                            outcomes = future.result()
                        except Exception as e:  # the worker died, or could not unpickle the task
                            outcomes = [
                                Outcome(
                                    job.index,
                                    error={
                                        "file": job.path,
                                        "stage": task.stage.name,
                                        "message": f"worker error: {gist(e)}",
                                    },
                                )
                                for job in chunk
                            ]
                        future.release()
                        pace["reports"] += len(outcomes)
                        pace["seconds"] += sum(o.seconds for o in outcomes)
                        submit()
                        yield from outcomes
                    elif deadline is not None and now >= deadline:
                        del pending[future]
                        future.cancel()
                        submit()
                        for job in chunk:
                            yield Outcome(
                                job.index,
                                error={
                                    "file": job.path,
                                    "stage": "timeout",
                                    "message": f"{TimeLimitExceeded(seconds)}; its Dask worker did not answer (a report "
                                    f"stuck inside C code: the worker's thread cannot be stopped)",
                                },
                            )
        except GeneratorExit:  # the batch stopped (a full disk, Ctrl-C): what is queued is not run
            client.cancel(list(pending))
            raise

    def rewrite(self, store, changes) -> int:
        """The reports whose corpus-wide checks change, rewritten by the workers, REWRITE_CHUNK a task."""
        from distributed import as_completed

        client = self._client()
        futures, chunk, done, in_flight = as_completed(), [], 0, 0
        window = max(1, self.queued * sum(client.nthreads().values()))
        for change in changes:
            chunk.append(change)
            if len(chunk) == REWRITE_CHUNK:
                futures.add(client.submit(rewrite, store, chunk, pure=False))
                chunk, in_flight = [], in_flight + 1
                while in_flight >= window:  # a bounded number in flight: the changes are streamed, never all held
                    done += next(futures).result()
                    in_flight -= 1
        if chunk:
            futures.add(client.submit(rewrite, store, chunk, pure=False))
        for future in futures:
            done += future.result()
        return done


def choose_runner(
    workers: int | None, time_limit: float | None, memory_limit_mb: int | None = None, scheduler: str | None = None
):
    """Where a batch runs: a Dask cluster (`scheduler`, or $DASK_SCHEDULER_ADDRESS), `workers` worker processes
    (None: all cores), or this process (0). A time limit of 0 or None is none."""
    time_limit = time_limit or None
    scheduler = scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS") or None
    if scheduler:
        return DaskCluster(scheduler, time_limit)
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if workers > 0:
        return ProcessPool(workers, time_limit, memory_limit_mb)
    return InProcess(time_limit)
