"""What a batch shows on stderr: one display for the whole batch, and the summary at the end.

On a terminal: a rich display with the overall progress (in media seconds,
so the ETA follows the plans' durations, not the count of files) and a line
per running job. In a log (cron, CI): one plain line per finished job and an
overall line every ``interval`` seconds.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import TextIO

from .jobs import Outcome

SHOWN_ROWS = 50  # a longer batch lists its failures only, and counts the rest


def format_size(size: int | None) -> str:
    """
    >>> format_size(None), format_size(512), format_size(3_500_000)
    ('', '512 B', '3.3 MiB')
    """
    if size is None:
        return ""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size} B" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return ""


class BatchDisplay:
    """A :class:`~ffx.scale.batch.local.Listener` that draws the batch's progress on ``stream``."""

    def __init__(self, stream: TextIO | None = None, *, live: bool | None = None, interval: float = 10.0):
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty() if live is None else live
        self.interval = interval
        self.lock = threading.Lock()
        self.total_seconds = 0.0
        self.count = 0
        self.finished_count = 0
        self.done_seconds = 0.0
        self.job_done: dict[str, float] = {}
        self.started_at = time.monotonic()
        self.last_line = self.started_at
        self.bar = None
        self.tasks: dict[str, int] = {}

    def compiling(self, due: int, skipped: int) -> None:
        if skipped:
            self._print(f"{skipped} already done (same recipe, variables and input); {due} to render")

    def begin(self, jobs: list, earlier: list) -> None:
        self.count = len(jobs)
        self.total_seconds = sum(job.seconds for job in jobs) or float(len(jobs))
        self.started_at = self.last_line = time.monotonic()
        for result in earlier:
            if result.status == "failed":
                self._print(f"failed  {result.input}: {result.error}")
        if self.live and jobs:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
                                TimeRemainingColumn(), console=Console(file=self.stream), transient=False)
            self.overall = self.bar.add_task(f"batch 0/{self.count}", total=self.total_seconds)
            self.bar.start()

    def started(self, job) -> None:
        with self.lock:
            self.job_done[job.key] = 0.0
            if self.bar is not None:
                name = job.label or os.path.basename(job.input)
                self.tasks[job.key] = self.bar.add_task(f"  {name}", total=job.seconds or None)

    def progressed(self, job, done: float) -> None:
        with self.lock:
            before = self.job_done.get(job.key, 0.0)
            done = min(done, job.seconds or done)
            if done <= before:
                return
            self.job_done[job.key] = done
            self.done_seconds += done - before
            if self.bar is not None:
                self.bar.update(self.tasks[job.key], completed=done)
                self.bar.update(self.overall, completed=self.done_seconds)
            else:
                self._overall_line(due_only=True)

    def finished(self, job, outcome: Outcome) -> None:
        with self.lock:
            before = self.job_done.pop(job.key, 0.0)
            self.done_seconds += (job.seconds or 1.0) - before
            self.finished_count += outcome.status != "stopped"
            line = f"{outcome.status:<7} {job.label or job.input}"
            if outcome.status == "ok":
                line += f" -> {os.path.relpath(job.output)} ({outcome.seconds:.1f} s, {format_size(outcome.bytes)})"
            elif outcome.error:
                line += f": {outcome.error}"
            if self.bar is not None:
                task = self.tasks.pop(job.key, None)
                if task is not None:
                    self.bar.remove_task(task)
                self.bar.update(self.overall, completed=self.done_seconds,
                                description=f"batch {self.finished_count}/{self.count}")
                if outcome.status != "ok":
                    self.bar.console.print(line, highlight=False, markup=False)
            elif outcome.status != "stopped":
                self._print(f"[{self.finished_count}/{self.count}] {line}")

    def note(self, line: str) -> None:
        with self.lock:
            if self.bar is not None:
                self.bar.console.print(f"note: {line}", highlight=False, markup=False)
            else:
                self._print(f"note: {line}")

    def end(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None

    def _overall_line(self, due_only: bool) -> None:
        now = time.monotonic()
        if due_only and now - self.last_line < self.interval:
            return
        self.last_line = now
        fraction = min(1.0, self.done_seconds / self.total_seconds) if self.total_seconds else 0.0
        elapsed = now - self.started_at
        eta = f", about {elapsed * (1 - fraction) / fraction:.0f} s left" if fraction > 0.01 else ""
        self._print(f"batch: {fraction:.0%} after {elapsed:.0f} s ({self.finished_count}/{self.count} jobs){eta}")

    def _print(self, line: str) -> None:
        self.stream.write(line + "\n")
        self.stream.flush()


def summary_rows(results: list) -> list[list[str]]:
    """One row per job (status, input, output, time, size, error), failures first when the batch is long."""
    shown = results if len(results) <= SHOWN_ROWS else [r for r in results if r.status == "failed"][:SHOWN_ROWS]
    return [[r.status, r.input, r.output, f"{r.seconds:.1f} s" if r.status == "ok" else "",
             format_size(r.bytes), r.error or ""] for r in shown]


def summary_counts(results: list) -> str:
    """
    >>> from types import SimpleNamespace as R
    >>> summary_counts([R(status="ok"), R(status="failed"), R(status="ok")])
    '3 jobs: 2 ok, 1 failed'
    """
    parts = [f"{sum(r.status == status for r in results)} {status}" for status in ("ok", "failed", "skipped", "stopped")
             if any(r.status == status for r in results)]
    return f"{len(results)} jobs: " + ", ".join(parts)


def print_summary(results: list, stream: TextIO | None = None, seconds: float | None = None) -> None:
    """The table at the end: a rich table on a terminal, tab-separated lines in a log."""
    stream = stream or sys.stderr
    rows = summary_rows(results)
    counts = summary_counts(results) + (f" in {seconds:.1f} s" if seconds is not None else "")
    if len(rows) < len(results):
        counts += f" (the table lists the failures of {len(results)} jobs)"
    if stream.isatty():
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        table = Table("status", "input", "output", "time", "size", "error", title=counts, title_justify="left")
        for row in rows:
            table.add_row(*map(Text, row))  # file names are text, not rich markup
        Console(file=stream, highlight=False).print(table)
        return
    for row in rows:
        stream.write("\t".join(row).rstrip() + "\n")
    stream.write(counts + "\n")
    stream.flush()
