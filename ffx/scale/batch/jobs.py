"""A job: a compiled plan and what the scheduler needs to know about it, run by one top-level function.

A job is plain picklable data (the plan is argv lists and numbers), so the
same :func:`run_job` runs it in a thread of this process or in a Dask worker
on another machine. The schedulers only read a job's ``key`` (unique in the
batch) and ``memory`` (bytes, the plan's own estimate) and call
``job.run(on_progress)``, which returns the bytes written; ``seconds``
(media seconds) feeds the display's ETA. Any picklable object with those
members (a frozen dataclass defined in an importable module) runs through
``local.run_local`` and ``cluster.run_on_cluster`` alike.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from ...ffmpeg.binary import ffmpeg_here
from ...errors import FfxError, InputError, RenderError
from ...compile.plan import Plan
from .manifest import identity_of

# a plan whose estimate says nothing (0) still runs an FFmpeg: count it as this much
MINIMUM_JOB_MEMORY = 64 * 2**20


class Cancelled(Exception):
    """Raised from a job's progress callback when the batch is stopping: the runner's clean-up stops
    FFmpeg and discards the unfinished output, as for a failure."""


@dataclass(frozen=True)
class RenderJob:
    """One input rendered by the batch's recipe to one output, compiled on the submitting side."""

    key: str
    input: str  # absolute paths: a worker's working folder is not ours
    output: str
    plan: Plan
    label: str = ""  # the input as the user named it, for messages
    # (device, inode, ctime) of the earlier output this job replaces, as the batch checked it: any other
    # file found at its name (put there since) is kept and the job fails
    replaces: tuple[int, int, int] | None = None

    @property
    def memory(self) -> int:
        return max(self.plan.memory_estimate, MINIMUM_JOB_MEMORY)

    @property
    def seconds(self) -> float:
        return self.plan.result.duration or 0.0

    def run(self, on_progress: Callable | None = None) -> int:
        from ...run.sequence import run_any_plan

        plan = replace(self.plan, binary_path=ffmpeg_here(self.plan.binary_path))
        held = self._hold_replaced()
        try:
            if held is not None:  # the render replaces that very file (its inode kept from reuse meanwhile)
                info = os.fstat(held)
                plan = replace(plan, overwrite=(info.st_dev, info.st_ino))
            elif self.replaces is not None:  # it went: nothing to replace, and nothing that appears meanwhile
                plan = replace(plan, overwrite=False)
            run_any_plan(plan, on_progress=on_progress)
        finally:
            if held is not None:
                os.close(held)
        return os.stat(self.output).st_size

    def _hold_replaced(self) -> int | None:
        """The earlier output this job replaces, opened (so its inode cannot be reused by another file until
        the new one is published), if it is still the file the batch checked; None if it is gone."""
        if self.replaces is None:
            return None
        try:
            held = os.open(self.output, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        except FileNotFoundError:
            return None
        except OSError:  # a symlink, or nothing we may read: not the batch's file
            held = None
        if held is None or tuple(identity_of(os.fstat(held))) != tuple(self.replaces):
            if held is not None:
                os.close(held)
            raise InputError(f"{self.output!r} was replaced since the batch checked it, by a file ffx did not "
                             "write; it is kept")
        return held


@dataclass(frozen=True)
class Outcome:
    """How one job ended: ``ok``, ``failed`` or ``stopped`` (the batch was interrupted)."""

    status: str
    seconds: float = 0.0
    bytes: int | None = None
    error: str | None = None


def error_line(exc: BaseException) -> str:
    """The one line a summary shows for a failure: the message's first line and, for FFmpeg, its last word."""
    lines = [line for line in str(exc).splitlines() if line.strip()] or [type(exc).__name__]
    if isinstance(exc, RenderError) and exc.stderr_tail and len(lines) > 1:
        return f"{lines[0]} ({lines[-1].strip()})"
    return lines[0]


def run_job(job, should_stop: Callable[[], bool] | None = None,
            on_progress: Callable[[float], None] | None = None) -> Outcome:
    """Run ``job`` to an :class:`Outcome`; the one function a thread or a Dask worker calls.

    ``should_stop`` is asked with every progress report (about twice a
    second): when it says yes, the job ends as ``stopped`` with nothing
    written. A job's own failure (an :class:`~ffx.errors.FfxError`: a corrupt
    input, FFmpeg refusing) is an outcome, never retried; anything else (the
    machine's trouble: a full disk, a lost mount) is raised, so Dask may retry
    the job elsewhere.
    """
    started = time.monotonic()

    def report(progress) -> None:
        if should_stop is not None and should_stop():
            raise Cancelled
        if on_progress is not None:
            on_progress(progress.done)

    if should_stop is not None and should_stop():
        return Outcome("stopped")
    try:
        written = job.run(report)
    except Cancelled:
        return Outcome("stopped", time.monotonic() - started)
    except FfxError as exc:
        return Outcome("failed", time.monotonic() - started, error=error_line(exc))
    return Outcome("ok", time.monotonic() - started, written)
