"""The one place an FFmpeg stage is started and supervised.

Whatever a run wants from a stage (a file, nothing but its side effects,
bytes on standard output, frames written to standard input), it goes through
:func:`execute` or :func:`stream`, so every run gets the same care: the
plan's feeders start on their pipes and stop with the stage; a filtergraph
too long for one argument is read from a file; FFmpeg's failure becomes a
:class:`~ffx.errors.RenderError` naming the recipe step; a part file is
read back before anyone publishes it. The stage is changed as data (its
target, its inputs' URLs), never by editing argv. Children are started and
stopped by :mod:`ffx.ffmpeg.process`.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Iterator

from ..compile.plan import FfmpegStage
from ..ffmpeg.binary import ffmpeg_binary
from ..ffmpeg.process import Child, terminations_raise
from .failures import render_error
from .feeds import FeedPipes, memory_files
from .partfile import PartFile
from .progress import ProgressCallback, follow_progress
from .verify import verify_output

CHUNK = 1 << 16
QUIET = ("-loglevel", "error")


def execute(stage: FfmpegStage, *, binary: str, feeds: tuple = (), stdin: Iterable[bytes] | None = None,
            progress: ProgressCallback | None = None, part: PartFile | None = None, verify: bool = True,
            global_options: tuple[str, ...] = ()) -> None:
    """Run ``stage`` to its end, writing into ``part`` (checked unless ``verify=False``) or where it says.

    ``feeds`` fill the pipes the stage reads. ``stdin`` is written to FFmpeg's
    standard input (raw frames); otherwise FFmpeg's ``-progress`` pipe is read
    here and each report goes to ``progress``. Publishes nothing.
    """
    # the handlers outlast the clean-up, so a second SIGTERM during it is ignored, not obeyed halfway
    with terminations_raise(), contextlib.ExitStack() as cleanup:
        if stdin is not None:
            run = _Running(stage, binary, cleanup, feeds=feeds, part=part, global_options=(*QUIET, *global_options),
                           stdin=subprocess.PIPE)
            _write(run, stdin)
            reported = None
        else:
            read_fd, write_fd = os.pipe()
            cleanup.callback(os.close, read_fd)
            writer = cleanup.enter_context(_Descriptor(write_fd))
            options = (*QUIET, "-nostats", "-progress", f"pipe:{write_fd}", *global_options)
            run = _Running(stage, binary, cleanup, feeds=feeds, part=part, global_options=options,
                           pass_fds=(write_fd,), started=writer.close)  # FFmpeg holds the write end now
            reported = follow_progress(read_fd, stage.duration, progress)
        stderr = run.finish()
        if part is not None and verify:
            verify_output(part, stage, binary, run.argv, stderr, reported)


def stream(stage: FfmpegStage, *, binary: str, feeds: tuple = (), frame_bytes: int | None = None,
           global_options: tuple[str, ...] = QUIET, on_line: Callable[[str], bool] | None = None) -> Iterator[bytes]:
    """Run ``stage`` writing to standard output and yield what it writes: chunks as they come, or exactly
    ``frame_bytes`` at a time (raw frames). ``on_line`` sees FFmpeg's log lines. Stopping early stops FFmpeg."""
    with contextlib.ExitStack() as cleanup:
        run = _Running(stage.to("pipe:1"), binary, cleanup, feeds=feeds, global_options=global_options,
                       stdout=subprocess.PIPE, on_line=on_line)
        output = run.child.stdout
        while data := (output.read(frame_bytes) if frame_bytes else output.read1(CHUNK)):
            if frame_bytes and len(data) < frame_bytes:
                raise render_error(stage, run.argv, run.child.wait(), run.child.stderr_text(),
                                   "FFmpeg stopped in the middle of a frame")
            yield data  # read1: whatever FFmpeg has written, without waiting for more
        run.finish()


class _Running:
    """A stage's FFmpeg and its feeders, started; ``cleanup`` stops the feeders first, then FFmpeg."""

    def __init__(self, stage: FfmpegStage, binary: str, cleanup: contextlib.ExitStack, *, feeds: tuple = (),
                 part: PartFile | None = None, global_options: tuple[str, ...] = (), stdin=subprocess.DEVNULL,
                 stdout=subprocess.DEVNULL, pass_fds: tuple[int, ...] = (), on_line=None,
                 started: Callable[[], None] | None = None):
        self.stage = stage
        self.pipes = pipes = cleanup.enter_context(FeedPipes(feeds))
        aimed = stage.with_urls(pipes.urls())
        if part is not None:
            aimed = aimed.to(part.url, stage.output_path, part.extension)  # /proc/self/fd/N says no type
        graph_from, graph_fds = spill_long_graph(aimed, binary, cleanup)
        self.argv = aimed.argv(binary, overwrite=True, global_options=global_options, graph_from=graph_from)
        fds = (*pass_fds, *pipes.read_ends, *graph_fds, *(part.pass_fds if part else ()))
        self.child = Child(self.argv, stdin=stdin, stdout=stdout, pass_fds=fds, on_line=on_line)
        cleanup.callback(self.child.close)
        cleanup.callback(pipes.stop)  # runs first: feeders end before the encoder is stopped
        if started is not None:
            started()
        pipes.close_read_ends()
        pipes.start(binary, self.child)

    def finish(self) -> str:
        """Wait for FFmpeg and the feeders; raise the failure that came first. FFmpeg's last words."""
        returncode = self.child.wait()
        self.pipes.join()
        stderr = self.child.stderr_text()
        if self.pipes.error is not None and (self.pipes.killed_reader or returncode == 0):
            raise self.pipes.error  # a feeder failed first; the encoder was stopped because of it
        if returncode != 0:
            raise render_error(self.stage, self.argv, returncode, stderr)
        return stderr


def _write(run: _Running, chunks: Iterable[bytes]) -> None:
    """Write ``chunks`` to FFmpeg's standard input, then close it (the input's end)."""
    try:
        for chunk in chunks:
            run.child.stdin.write(chunk)
        run.child.stdin.close()
    except BrokenPipeError:
        code = run.child.wait()
        raise render_error(run.stage, run.argv, code, run.child.stderr_text(),
                           "FFmpeg stopped reading frames") from None


class _Descriptor:
    """A descriptor closed exactly once, early or at the end of a ``with``."""

    def __init__(self, fd: int):
        self.fd = fd

    def close(self) -> None:
        fd, self.fd = self.fd, -1
        if fd >= 0:
            os.close(fd)

    def __enter__(self) -> _Descriptor:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# Linux refuses any single argument longer than 32 pages (MAX_ARG_STRLEN, 128 KiB).
SPILL_BYTES = 100_000


def spill_long_graph(stage: FfmpegStage, binary: str,
                     cleanup: contextlib.ExitStack) -> tuple[tuple[str, str] | None, tuple[int, ...]]:
    """A filtergraph too long for one argument written to a file FFmpeg reads: (option, path) for
    :meth:`FfmpegStage.argv`, or None when it fits; and the descriptors FFmpeg needs to open it.

    FFmpeg 7 and later read any option's value from a file when it is written
    ``-/option``; older ones have ``-filter_complex_script``. The file is a
    memory file (``memfd``) reached as ``/proc/self/fd/N``: it has no name, so
    nothing stays behind whatever ends ffx. Without memfd (off Linux) it is a
    private temporary file, removed at the end.
    """
    text = stage.graph.encode()
    if len(text) <= SPILL_BYTES:
        return None, ()
    option = "-/filter_complex" if ffmpeg_binary(binary).major >= 7 else "-filter_complex_script"
    if memory_files():
        fd = os.memfd_create("ffx-graph")
        cleanup.callback(os.close, fd)
        with os.fdopen(fd, "wb", closefd=False) as file:
            file.write(text)
        return (option, f"/proc/self/fd/{fd}"), (fd,)
    handle, path = tempfile.mkstemp(prefix="ffx-graph-", suffix=".txt")
    cleanup.callback(os.unlink, path)
    with os.fdopen(handle, "wb") as file:
        file.write(text)
    return (option, path), ()
