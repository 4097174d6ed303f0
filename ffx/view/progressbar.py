"""Progress on stderr, fed by FFmpeg's ``-progress`` reports: a rich bar on a terminal, plain lines in a log.

The reports never go backwards and the last one is finished (see
``runner.ProgressReader``), so the bar ends at 100 %.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import TextIO

from ..compile.plan import Plan
from ..run.progress import Progress, ProgressCallback


@contextlib.contextmanager
def progress_bar(plan: Plan, description: str = "rendering") -> Iterator[ProgressCallback]:
    """A rich bar that a thread loads and starts while FFmpeg starts: importing rich takes about 40 ms,
    which a short render would otherwise wait for before FFmpeg even begins. Reports that arrive
    before the bar is up wait for it; a render that ends first waits only for what is left of the load."""
    total = plan.result.duration or None
    shown: dict = {}

    def show() -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress as Bar, TaskProgressColumn, TextColumn, TimeRemainingColumn

        columns = [TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
                   TextColumn("{task.fields[speed]}"), TimeRemainingColumn()]
        bar = Bar(*columns, console=Console(stderr=True), transient=False)
        shown["task"] = bar.add_task(description, total=total, speed="")
        bar.start()
        shown["bar"] = bar

    loader = threading.Thread(target=show, name="ffx-progress-bar", daemon=True)
    loader.start()

    def update(report: Progress) -> None:
        loader.join()
        if "bar" in shown:
            speed = f"{report.speed:.2f}x" if report.speed else ""
            done = total if report.finished and total else report.done
            shown["bar"].update(shown["task"], completed=done, speed=speed)

    try:
        yield update
    finally:
        loader.join()
        if "bar" in shown:
            shown["bar"].stop()


class ProgressLines:
    """Progress for logs (cron, CI, ``2> file``): one plain line every ``step`` of the total or every
    ``interval`` seconds, whichever comes first, and one when FFmpeg finishes.

    >>> import io
    >>> out = io.StringIO()
    >>> lines = ProgressLines(out, clock=iter([0.0, 2.0, 3.0, 4.0, 14.0, 15.0]).__next__)
    >>> for done in (0.2, 1.0, 1.1, 1.2):
    ...     lines(Progress(done=done, total=4.0, speed=2.0, fps=None))
    >>> lines(Progress(done=4.0, total=4.0, speed=2.0, fps=None, finished=True))
    >>> print(out.getvalue(), end="")
    rendering: 25% (1.0 of 4.0 s) after 3 s, speed 2.00x
    rendering: 30% (1.2 of 4.0 s) after 14 s, speed 2.00x
    rendering: 100% (4.0 of 4.0 s) after 15 s, speed 2.00x
    """

    def __init__(self, stream: TextIO, description: str = "rendering", *, step: float = 0.1,
                 interval: float = 10.0, clock: Callable[[], float] = time.monotonic):
        self.stream = stream
        self.description = description
        self.step = step
        self.interval = interval
        self.clock = clock
        self.started = clock()
        self.last_time = self.started
        self.last_fraction = 0.0

    def __call__(self, report: Progress) -> None:
        now = self.clock()
        fraction = report.fraction
        due = report.finished or now - self.last_time >= self.interval or (
            fraction is not None and fraction - self.last_fraction >= self.step)
        if not due:
            return
        self.last_time = now
        if fraction is not None:
            self.last_fraction = fraction
        self.stream.write(self._line(report, now) + "\n")
        self.stream.flush()

    def _line(self, report: Progress, now: float) -> str:
        fraction = report.fraction
        done = report.total if report.finished and report.total else report.done
        if fraction is not None:
            where = f"{fraction:.0%} ({done:.1f} of {report.total:.1f} s)"
        else:
            where = f"{done:.1f} s written"
        speed = f", speed {report.speed:.2f}x" if report.speed else ""
        return f"{self.description}: {where} after {now - self.started:.0f} s{speed}"
