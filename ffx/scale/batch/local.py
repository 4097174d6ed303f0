"""Running jobs on this machine: as many at once as there are slots, and only as many as the memory budget holds.

Each job's weight is its plan's own memory estimate (the peak of its FFmpeg
processes, the number the compiler's safety limits use). The next job to
start is the first waiting one, in input order, that fits beside the running
ones; a job heavier than the whole budget waits until nothing runs and then
runs alone, and nothing starts beside it or while it waits (so it is not
starved by a stream of small ones). ``strict`` refuses such jobs instead.

Jobs run in threads of this process; their FFmpeg children are started and
stopped by :mod:`ffx.ffmpeg.process`. To stop (Ctrl-C, SIGTERM) every job is
asked to stop at its next progress report, which FFmpeg sends twice a
second; the runner's clean-up then stops FFmpeg and drops the unfinished
output, and the interrupt is raised again once all threads are done.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Sequence
from typing import Protocol

from ...ffmpeg.process import terminations_raise
from .jobs import Outcome, error_line, run_job


def default_memory_budget() -> int:
    """Half of the memory available now (``MemAvailable``), else 4 GiB where that cannot be read."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024 // 2
    except (OSError, ValueError, IndexError):
        pass
    return 4 * 2**30


# how long threads get to wind down after a stop before ffx exits anyway (its children die with it)
STOP_GRACE = 30.0


class Listener(Protocol):
    """What a scheduler tells the batch (all calls may come from other threads)."""

    def started(self, job) -> None: ...

    def progressed(self, job, done: float) -> None: ...

    def finished(self, job, outcome: Outcome) -> None: ...


def too_big(job, budget: int) -> str:
    return (f"needs ~{job.memory / 2**20:.0f} MiB by its plan's estimate, over the memory budget of "
            f"{budget / 2**20:.0f} MiB (raise --memory-budget)")


def next_job(waiting: Sequence, running: Sequence, slots: int, budget: int):
    """The job to start now, or None: the first waiting job that fits (module docstring).

    >>> from types import SimpleNamespace as Job
    >>> a, b, c = Job(memory=60), Job(memory=50), Job(memory=30)
    >>> next_job([a, b, c], [], slots=4, budget=100) is a
    True
    >>> next_job([b, c], [a], slots=4, budget=100) is c  # b does not fit beside a; c does
    True
    >>> next_job([b], [a, c], slots=4, budget=100) is None
    True
    >>> big = Job(memory=500)
    >>> next_job([big, c], [a], slots=4, budget=100) is None  # big waits for an empty machine; c waits behind it
    True
    >>> next_job([big, c], [], slots=4, budget=100) is big
    True
    """
    if len(running) >= slots:
        return None
    used = sum(job.memory for job in running)
    for job in waiting:
        if job.memory > budget:
            return job if not running else None
        if used + job.memory <= budget:
            return job
    return None


def run_local(jobs: Sequence, listener: Listener, *, slots: int, budget: int, strict: bool = False) -> None:
    """Run ``jobs`` here, reporting to ``listener``; raises KeyboardInterrupt (or ffx.Terminated) after a stop."""
    waiting = []
    for job in jobs:
        if strict and job.memory > budget:
            listener.finished(job, Outcome("failed", error=too_big(job, budget)))
        else:
            waiting.append(job)
    running: list = []
    done: queue.SimpleQueue = queue.SimpleQueue()
    stop = threading.Event()
    threads: list[threading.Thread] = []

    def work(job) -> None:
        try:
            outcome = run_job(job, stop.is_set, lambda seconds: listener.progressed(job, seconds))
        except Exception as exc:  # noqa: BLE001 - the machine's trouble fails this job, not the batch
            outcome = Outcome("failed", error=error_line(exc))
        done.put((job, outcome))

    with terminations_raise():
        try:
            while waiting or running:
                while (job := next_job(waiting, running, slots, budget)) is not None:
                    waiting.remove(job)
                    running.append(job)
                    listener.started(job)
                    thread = threading.Thread(target=work, args=(job,), name=f"ffx-batch-{job.key}", daemon=True)
                    threads.append(thread)
                    thread.start()
                try:  # a timeout, so that Ctrl-C is seen at once
                    job, outcome = done.get(timeout=0.5)
                except queue.Empty:
                    continue
                running.remove(job)
                listener.finished(job, outcome)
        except KeyboardInterrupt:
            stop.set()
            _wind_down(running, done, listener)
            raise


def _wind_down(running: list, done: queue.SimpleQueue, listener: Listener) -> None:
    """Wait for the running jobs to stop (each at its next progress report) and report how they ended."""
    deadline = time.monotonic() + STOP_GRACE
    while running:
        try:
            job, outcome = done.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            return
        running.remove(job)
        listener.finished(job, outcome)
