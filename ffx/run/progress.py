"""What FFmpeg says about its progress, and the reports ffx hands on.

FFmpeg writes ``-progress`` key=value blocks to a pipe; :class:`ProgressReader`
turns them into :class:`Progress` reports that never go back.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace

ProgressCallback = Callable[["Progress"], None]


@dataclass(frozen=True)
class Progress:
    """One progress report: seconds written so far out of ``total`` (None when unknown)."""

    done: float
    total: float | None
    speed: float | None
    fps: float | None
    finished: bool = False
    frames: int | None = None  # frames written so far, as FFmpeg counts them

    @property
    def fraction(self) -> float | None:
        """Of the total, 0 to 1; 1 once FFmpeg has finished (None when the total is unknown)."""
        if not self.total:
            return None
        if self.finished:
            return 1.0
        return min(1.0, max(0.0, self.done / self.total))


class ProgressReader:
    """FFmpeg's ``-progress`` lines in, :class:`Progress` reports out: one per block, never going back.

    While it flushes its encoders at the end, FFmpeg reports ``out_time_us=N/A``
    (and ``speed=N/A``): that means "unknown", not 0, so the last known time
    stands. A report is never lower than the one before it.
    """

    def __init__(self, total: float | None):
        self.total = total
        self.done = 0.0
        self.block: dict[str, str] = {}

    def feed(self, line: str) -> Progress | None:
        key, _, value = line.strip().partition("=")
        self.block[key] = value
        if key != "progress":
            return None
        block, self.block = self.block, {}
        written = _float(block.get("out_time_us"))
        if written is not None:
            self.done = max(self.done, written / 1e6)
        frames = _float(block.get("frame"))
        return Progress(done=self.done, total=self.total, speed=_float(block.get("speed", "").rstrip("x")),
                        fps=_float(block.get("fps")), finished=value == "end",
                        frames=int(frames) if frames is not None else None)


def follow_progress(fd: int, total: float | None, on_progress: ProgressCallback | None) -> Progress | None:
    """Read FFmpeg's ``-progress`` key=value blocks until it closes the pipe; the last report."""
    reader = ProgressReader(total)
    last = None
    with os.fdopen(fd, "rb", closefd=False) as stream:
        for raw in stream:
            report = reader.feed(raw.decode("ascii", "replace"))
            if report is not None:
                last = report
                if on_progress is not None:
                    on_progress(report)
    return last


def _float(text: str | None) -> float | None:
    try:
        value = float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return value if value == value and abs(value) != float("inf") else None


def share_of_plan(on_progress: ProgressCallback | None, index: int, count: int) -> ProgressCallback | None:
    """Progress of stage ``index`` of ``count`` as a share of the whole (the plan's duration)."""
    if on_progress is None or count == 1:
        return on_progress

    def report(progress: Progress) -> None:
        on_progress(replace(progress, done=(index * (progress.total or 0) + progress.done) / count,
                            finished=progress.finished and index == count - 1))
    return report
