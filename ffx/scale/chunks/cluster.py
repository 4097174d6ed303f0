"""Running a chunked render's pieces as Dask tasks (``ffx render --chunks N --cluster ...``), then the join here.

The pieces go through the runner ``ffx batch --cluster`` uses
(:func:`ffx.scale.batch.cluster.run_on_cluster`): each piece, and the sound, is
one task, annotated with its own plan's memory estimate. A worker is another
process, perhaps on another machine, so it cannot reach this process's unnamed
files (``local.py``): every piece is written under its own hidden name in the
output's folder, ``.NAME.ffx-piece-K-RANDOM.EXT`` (the sound
``.NAME.ffx-sound-RANDOM.EXT``), which the worker publishes only when FFmpeg
succeeded and the file read back as planned (an unnamed file linked into
place, or a part renamed). The output's folder must therefore be the same
path on every worker (a shared file system), as for ``ffx batch --cluster``.

This process then joins the pieces by stream copy into the output, which is
published as every render's is. Whatever happens (success, a failed piece,
Ctrl-C), the piece files are removed before it returns; a piece that fails
stops the others. Only a SIGKILL of this process leaves hidden pieces behind.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
import warnings
from dataclasses import dataclass

from ..batch.jobs import MINIMUM_JOB_MEMORY
from ...ffmpeg.binary import ffmpeg_here
from ...errors import FfxWarning, RenderError
from ...run.partfile import part_name
from ...run.progress import Progress, ProgressCallback
from ...run.runner import check_can_write
from .jobs import ChunkedRender, ChunkJob, run_chunk
from .local import join_pieces


@dataclass(frozen=True)
class PieceJob:
    """One piece (or the sound) of a chunked render as a job of the batch runners (``ffx.scale.batch.jobs``)."""

    key: str
    chunk: ChunkJob

    @property
    def memory(self) -> int:
        return max(self.chunk.memory, MINIMUM_JOB_MEMORY)

    @property
    def seconds(self) -> float:
        return self.chunk.stage.duration or 0.0

    def run(self, on_progress: ProgressCallback | None = None) -> int:
        """Render the piece into its named file (published when complete); the bytes written."""
        path = run_chunk(self.chunk, ffmpeg=ffmpeg_here(self.chunk.binary), on_progress=on_progress)
        return os.stat(path).st_size


def piece_paths(output: str, chunked: ChunkedRender) -> tuple[list[str], str | None]:
    """Hidden, unique names beside ``output`` for the pieces and the sound, owned by this process: if it is
    killed outright, the next ffx writing in that folder sweeps them (:func:`ffx.run.partfile.sweep_stale_parts`)."""
    folder = os.path.dirname(os.path.abspath(output))
    pieces = [os.path.join(folder, part_name(os.path.splitext(job.output)[1], f"piece{job.index}"))
              for job in chunked.chunks]
    sound = None
    if chunked.audio is not None:
        sound = os.path.join(folder, part_name(os.path.splitext(chunked.audio.output)[1], "sound"))
    return pieces, sound


class _PieceFailed(KeyboardInterrupt):
    """Raised by the listener when a piece fails, so the cluster runner stops the others as for Ctrl-C."""


class _Pieces:
    """The listener the cluster runner reports to: pieces done (for progress) and the first failure."""

    def __init__(self, total: float | None, on_progress: ProgressCallback | None):
        self.total = total
        self.on_progress = on_progress
        self.done = 0.0
        self.failure: str | None = None
        self.began = time.monotonic()
        self.lock = threading.Lock()

    def started(self, job) -> None:
        pass

    def progressed(self, job, done: float) -> None:
        pass

    def finished(self, job: PieceJob, outcome) -> None:
        with self.lock:
            if outcome.status == "failed" and self.failure is None:
                which = "the sound" if job.chunk.index is None else f"piece {job.chunk.index + 1}"
                self.failure = f"{which} of the chunked render failed: {outcome.error}"
                # the runner stops the other tasks on a KeyboardInterrupt from its loop; one from here while it
                # already handles one (winding down after Ctrl-C) would cut short its wait for them
                if not isinstance(sys.exc_info()[1], KeyboardInterrupt):
                    raise _PieceFailed
            if outcome.status != "ok" or job.chunk.index is None:
                return
            self.done += job.seconds
            if self.on_progress is not None:
                elapsed = time.monotonic() - self.began
                self.on_progress(Progress(done=self.done, total=self.total, fps=None,
                                          speed=self.done / elapsed if elapsed > 1 else None))


def run_chunked_on_cluster(chunked: ChunkedRender, *, cluster, overwrite: bool = False,
                           on_progress: ProgressCallback | None = None, budget: int | None = None) -> None:
    """Render the pieces and the sound as Dask tasks on ``cluster`` (``"local:N"``, an address or a
    ``distributed.Client``), then join them here into the output. ``budget`` is the memory a ``local:N``
    cluster's workers share (default: half the available memory)."""
    from ..batch.local import default_memory_budget
    from ..batch.cluster import run_on_cluster

    output = chunked.output
    check_can_write(output, overwrite)
    paths, sound = piece_paths(output, chunked)
    jobs = [PieceJob(f"piece-{job.index}", job.aimed_at(path)) for job, path in zip(chunked.chunks, paths)]
    if chunked.audio is not None:
        jobs.insert(0, PieceJob("sound", chunked.audio.aimed_at(sound)))  # first: short, done early
    pieces = _Pieces(chunked.plain.result.duration, on_progress)
    try:
        try:
            run_on_cluster(jobs, pieces, cluster=cluster, budget=budget or default_memory_budget(), note=_warn)
        except _PieceFailed:
            pass  # the other pieces were stopped, or ran to their end, before the runner raised
        if pieces.failure is not None:
            raise RenderError(pieces.failure)
        join_pieces(chunked, paths, sound, overwrite=overwrite, on_progress=on_progress)
    finally:
        for path in [*paths, sound]:
            if path is not None:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)


def _warn(line: str) -> None:
    warnings.warn(line, FfxWarning, stacklevel=2)
