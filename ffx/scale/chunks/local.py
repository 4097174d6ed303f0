"""Running a chunked render on this machine: up to N pieces at once, then the join.

Every piece, the sound and the concat list are unnamed files (:mod:`ffx.run.partfile`)
that FFmpeg reaches as ``/proc/PID/fd/N``: the pieces beside the output (they
are as large as it), the list in the temporary folder. They vanish when ffx
closes them or dies, even by SIGKILL; only the joined file is published, when
it is complete. FFmpeg children are started and stopped by :mod:`ffx.ffmpeg.process`.

The pieces run in threads of this process. To stop (Ctrl-C, SIGTERM, a piece
that failed) every running piece is stopped at its next progress report,
which FFmpeg sends twice a second; the runner's clean-up ends that FFmpeg.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import threading
import time
from dataclasses import replace

from ...run.partfile import PartFile
from ...ffmpeg.process import terminations_raise
from ...run.progress import Progress, ProgressCallback
from ...run.runner import check_can_write, run_stage
from .jobs import ChunkedRender, ChunkJob, run_chunk


class _Stopped(Exception):
    """Raised inside a piece's progress report to stop it (another piece failed, or ffx was interrupted)."""


class _Tally:
    """The pieces' progress as one report on the whole render's clock (the pieces' seconds add up)."""

    def __init__(self, total: float | None, on_progress: ProgressCallback | None, stop: threading.Event):
        self.total = total
        self.on_progress = on_progress
        self.stop = stop
        self.done: dict[int, float] = {}
        self.began = time.monotonic()
        self.lock = threading.Lock()

    def reporter(self, job: ChunkJob) -> ProgressCallback:
        def report(progress: Progress) -> None:
            if self.stop.is_set():
                raise _Stopped
            if job.index is None:  # the sound: quick, and not on the picture's clock
                return
            with self.lock:
                # a piece's frames carry their times in the whole render: it has done what lies past its start
                done = max(0.0, progress.done - job.start)
                self.done[job.index] = min(done, job.stage.duration) if job.stage.duration else done
                if self.on_progress is not None:
                    total = sum(self.done.values())
                    elapsed = time.monotonic() - self.began
                    self.on_progress(Progress(done=total, total=self.total, fps=None,
                                              speed=total / elapsed if elapsed > 1 else None))
        return report


def _reachable(part: PartFile) -> str:
    """The path by which a child (without inherited descriptors) opens ``part``."""
    return f"/proc/{os.getpid()}/fd/{part.fd}" if part.unnamed else part.path


def run_chunked(chunked: ChunkedRender, *, workers: int, overwrite: bool = False,
                on_progress: ProgressCallback | None = None) -> None:
    """Render the pieces (``workers`` at once), the sound beside them, then join them into the output."""
    output = chunked.output
    check_can_write(output, overwrite)
    stop = threading.Event()
    tally = _Tally(chunked.plain.result.duration, on_progress, stop)
    with contextlib.ExitStack() as cleanup:
        pieces = [cleanup.enter_context(PartFile.beside(output)) for _ in chunked.chunks]
        jobs = [job.aimed_at(_reachable(part), publish=False) for job, part in zip(chunked.chunks, pieces)]
        sound = None
        if chunked.audio is not None:
            sound = cleanup.enter_context(PartFile.beside(output))
            jobs.insert(0, chunked.audio.aimed_at(_reachable(sound), publish=False))  # first: short, done early
        _run_all(jobs, workers, tally, stop)
        join_pieces(chunked, [_reachable(part) for part in pieces], _reachable(sound) if sound is not None else None,
                    overwrite=overwrite, on_progress=on_progress)


def join_pieces(chunked: ChunkedRender, pieces: list[str], sound: str | None, *, overwrite: bool = False,
                on_progress: ProgressCallback | None = None) -> None:
    """Join the rendered ``pieces`` (paths FFmpeg opens) and the ``sound`` by stream copy into the output;
    the concat list is an unnamed file here, the output published when complete."""
    with PartFile.private(".ffconcat") as listing:
        os.write(listing.fd, chunked.concat_list(pieces).encode())
        join = chunked.join_stage(_reachable(listing), sound)

        def joined(progress: Progress) -> None:
            if on_progress is not None and progress.finished:
                on_progress(replace(progress, done=chunked.plain.result.duration or progress.done,
                                    speed=None, fps=None))
        run_stage(join, chunked.plain.binary_path, overwrite=overwrite, on_progress=joined)


def _run_all(jobs: list[ChunkJob], workers: int, tally: _Tally, stop: threading.Event) -> None:
    """Run ``jobs`` on ``workers`` threads; the first failure (or an interrupt) stops the rest and is raised."""
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="ffx-chunk")
    futures = [pool.submit(run_chunk, job, on_progress=tally.reporter(job)) for job in jobs]
    failure: BaseException | None = None
    with terminations_raise():
        try:
            pending = set(futures)
            while pending:  # a timeout, so that Ctrl-C is seen at once
                finished, pending = concurrent.futures.wait(pending, timeout=0.5,
                                                            return_when=concurrent.futures.FIRST_EXCEPTION)
                failure = next((f.exception() for f in finished if f.exception() is not None), None)
                if failure is not None:
                    break
        except KeyboardInterrupt as interrupt:
            failure = interrupt
        finally:
            stop.set()  # pieces still running stop at their next report; those not started never start
            for future in futures:
                future.cancel()
            pool.shutdown(wait=True)
    if failure is not None:
        raise failure
