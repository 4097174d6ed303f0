"""A rich progress bar fed by FFmpeg's ``-progress`` reports: percent, speed, ETA."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from .plan import Plan
from .runner import Progress, ProgressCallback


@contextlib.contextmanager
def progress_bar(plan: Plan, description: str = "rendering") -> Iterator[ProgressCallback]:
    from rich.console import Console
    from rich.progress import BarColumn, Progress as Bar, TaskProgressColumn, TextColumn, TimeRemainingColumn

    total = plan.result.duration or None
    columns = [TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
               TextColumn("{task.fields[speed]}"), TimeRemainingColumn()]
    with Bar(*columns, console=Console(stderr=True), transient=False) as bar:
        task = bar.add_task(description, total=total, speed="")

        def update(report: Progress) -> None:
            speed = f"{report.speed:.2f}x" if report.speed else ""
            done = total if report.finished and total else report.done
            bar.update(task, completed=done, speed=speed)

        yield update
