"""Running jobs on a Dask cluster (``pip install 'ffx[dask]'``): ``local:N`` or a scheduler's address.

Jobs are compiled here, so every recipe and input problem shows before work
is sent; each job goes to the cluster as one task, :func:`cluster_task` with
the job as its argument (a plan: argv lists and numbers). The task is
annotated with the plan's memory estimate as the worker resource ``MEMORY``,
so Dask starts a task only on a worker with that much unclaimed. ``local:N``
starts a ``LocalCluster`` of N worker processes sharing the budget
(``MEMORY`` = budget / N each). Workers of a remote cluster must declare
theirs (``dask worker tcp://host:8786 --resources MEMORY=8e9``); when none
does, tasks go without the annotation (Dask then runs one per worker thread)
and the batch says so. A job heavier than the largest worker's ``MEMORY``
asks for all of it, so it runs alone there (``strict`` refuses it).

Retries: a job's own failure (a corrupt input) is a result, not an error, so
it is not retried; an exception from the machine (a lost mount) is retried
twice (``retries=2``), and a task whose worker dies is moved to another by
Dask itself. Outputs are published by the worker (unnamed file, linked into
place), so a retried or duplicated task never leaves half a file; the
manifest is written here, as results arrive.

Workers need ffx installed and the inputs and outputs at the same paths (a
shared file system); the plan names FFmpeg by the path it has here, and a
worker without that file uses the FFmpeg its own ffx finds. URLs (fsspec,
s3://) are not supported.
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from collections.abc import Callable, Iterator, Sequence

from ...errors import CapabilityError, Problem, RecipeError, quote
from .jobs import Outcome, error_line, run_job
from .local import Listener, too_big

RESOURCE = "MEMORY"
STOP_CHECK_INTERVAL = 1.0  # seconds between a task's looks at the stop event (a scheduler round trip)
STOP_GRACE = 10.0


def import_distributed():
    """``distributed``, imported only when a cluster is asked for; one clear line when it is missing."""
    try:
        import distributed
    except ImportError:
        raise CapabilityError("--cluster needs Dask: pip install 'ffx[dask]'") from None
    return distributed


def parse_cluster(text: str) -> tuple[str, int | str]:
    """``("local", N)`` or ``("address", text)``.

    >>> parse_cluster("local:2"), parse_cluster("tcp://10.0.0.5:8786")
    (('local', 2), ('address', 'tcp://10.0.0.5:8786'))
    """
    if text.startswith("local:"):
        count = text.split(":", 1)[1]
        if not count.isdigit() or not 1 <= int(count) <= 1024:
            raise RecipeError(Problem(f"{quote(text)}: write local:N with N workers, e.g. local:2", field="cluster"))
        return "local", int(count)
    if "://" not in text and ":" not in text:
        raise RecipeError(Problem(f"{quote(text)} is not a scheduler address or local:N",
                                  field="cluster", hint="e.g. tcp://scheduler:8786 or local:2"))
    return "address", text


@contextlib.contextmanager
def connect(cluster, budget: int) -> Iterator:
    """A ``distributed.Client`` for ``cluster`` (text, or a Client the caller made), closed afterwards
    along with the LocalCluster it started."""
    distributed = import_distributed()
    if isinstance(cluster, distributed.Client):
        yield cluster
        return
    kind, value = parse_cluster(cluster)
    if kind == "address":
        try:
            client = distributed.Client(value, timeout="10s")
        except OSError as exc:
            raise CapabilityError(f"cannot reach the Dask scheduler at {value}: {exc}") from None
        with client:
            yield client
        return
    import logging

    workers = int(value)
    threads = max(1, len(os.sched_getaffinity(0)) // workers) if hasattr(os, "sched_getaffinity") else 1
    with _sigint_ignored():
        local = distributed.LocalCluster(n_workers=workers, threads_per_worker=threads, processes=True,
                                         dashboard_address=None, silence_logs=logging.ERROR,
                                         resources={RESOURCE: max(1, budget // workers)})
    try:
        with distributed.Client(local) as client:
            yield client
    finally:
        local.close()


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Worker processes started meanwhile ignore SIGINT (an ignored signal stays ignored across exec,
    and then neither Python nor asyncio installs its handler). Ctrl-C in a terminal signals the whole
    foreground process group; the workers must not die of it mid-task, but be told to stop by this process."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def worker_memory(client) -> int | None:
    """The largest ``MEMORY`` any worker declares, or None when none does."""
    declared = [info.get("resources", {}).get(RESOURCE) for info in client.scheduler_info()["workers"].values()]
    declared = [int(value) for value in declared if value]
    return max(declared) if declared else None


def cluster_task(job, stop_event: str) -> Outcome:
    """What a Dask worker runs for one job: :func:`~ffx.scale.batch.jobs.run_job`, stopping when the batch's
    event is set (looked at no more than once a second)."""
    from distributed import Event

    event = Event(stop_event)
    last = [float("-inf")]

    def should_stop() -> bool:
        now = time.monotonic()
        if now - last[0] < STOP_CHECK_INTERVAL:
            return False
        last[0] = now
        return event.is_set()

    return run_job(job, should_stop)


def run_on_cluster(jobs: Sequence, listener: Listener, *, cluster, budget: int, strict: bool = False,
                   note: Callable[[str], None] = lambda line: None) -> None:
    """Run ``jobs`` as Dask tasks, reporting to ``listener`` as each completes; after Ctrl-C or SIGTERM every
    task is told to stop, the ones not started are cancelled, and the interrupt is raised again."""
    distributed = import_distributed()
    from ...ffmpeg.process import terminations_raise

    with terminations_raise(), connect(cluster, budget) as client:
        largest = worker_memory(client)
        if largest is None:
            note(f"no Dask worker declares {RESOURCE}; scheduling by worker threads only "
                 f"(start workers with --resources {RESOURCE}=BYTES)")
        token = uuid.uuid4().hex[:12]
        stop_event = distributed.Event(f"ffx-batch-stop-{token}")
        futures = {}
        for job in jobs:
            resources = None
            if largest is not None:
                if job.memory > largest:
                    if strict:
                        listener.finished(job, Outcome("failed", error=too_big(job, largest)))
                        continue
                    note(f"{job.key}: {too_big(job, largest).split(' (')[0]} of the largest worker; "
                         "it runs alone there")
                resources = {RESOURCE: min(job.memory, largest)}
            future = client.submit(cluster_task, job, stop_event.name, key=f"ffx-{token}-{job.key}",
                                   resources=resources, retries=2, pure=False)
            futures[future] = job
        pending = set(futures)
        try:
            for future in distributed.as_completed(list(futures)):
                pending.discard(future)
                listener.finished(futures[future], _outcome(future))
        except KeyboardInterrupt:
            stop_event.set()
            _wind_down(client, futures, pending, listener)
            raise


def _outcome(future) -> Outcome:
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 - raised on the worker after its retries, or the worker died
        return Outcome("failed", error=error_line(exc))


def _wind_down(client, futures: dict, pending: set, listener: Listener) -> None:
    """Cancel tasks no worker has started; wait for the running ones to see the stop event."""
    with contextlib.suppress(Exception):
        started = {key for keys in client.processing().values() for key in keys}
        waiting = [future for future in pending if future.key not in started]
        client.cancel(waiting)
        for future in waiting:
            pending.discard(future)
            listener.finished(futures[future], Outcome("stopped"))
        distributed = import_distributed()
        for future in distributed.as_completed(list(pending), timeout=STOP_GRACE):
            pending.discard(future)
            listener.finished(futures[future], _outcome(future))
    for future in pending:
        listener.finished(futures[future], Outcome("stopped"))
