"""Runs a plan: its stages in order, each output published whole, intermediates private.

Guarantees, whatever happens (FFmpeg error, Ctrl-C, SIGTERM, SIGHUP, ffx
killed with SIGKILL): the output path holds either its old content or the
complete new file; no temporary file stays behind; no FFmpeg child outlives
the run. FFmpeg writes to an unnamed file in the target's folder
(:mod:`ffx.run.partfile`), which gets the target's name only when FFmpeg succeeded
and the file reads back as planned. Each stage runs through
:func:`ffx.run.executor.execute`; children are started and stopped by
:mod:`ffx.ffmpeg.process`: own process group, parent-death signal.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import replace

from ..compile.plan import FfmpegStage, Plan
from ..errors import InputError
from .executor import execute
from .partfile import PartFile, part_name, sweep_stale_parts
from .progress import ProgressCallback, share_of_plan


def check_can_write(target: str, overwrite: bool) -> None:
    """Refuse before any work: an existing output without ``overwrite``, a name the folder cannot hold."""
    if os.path.lexists(target) and not overwrite:
        raise InputError(f"the output {target!r} already exists; use --overwrite to replace it")
    name = os.path.basename(target)
    folder = os.path.dirname(os.path.abspath(target))
    try:
        limit = os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    if limit and len(os.fsencode(name)) > limit:
        raise InputError(f"the output name {name!r} is {len(os.fsencode(name))} bytes long; "
                         f"the file system of {folder!r} allows at most {limit}")




def run_stage(stage: FfmpegStage, binary: str, *, overwrite: bool = False,
              on_progress: ProgressCallback | None = None, feeds: tuple = ()) -> None:
    """Run one FFmpeg stage to completion and publish its output, or leave everything as it was.

    ``feeds`` (segmented reverses, numpy stages) are commands run in threads,
    writing into pipes that this stage reads as inputs.
    """
    target = stage.output_path
    if target is None:
        execute(stage, binary=binary, feeds=feeds, progress=on_progress)
        return
    check_can_write(target, overwrite)
    with PartFile.beside(target) as part:
        execute(stage, binary=binary, feeds=feeds, progress=on_progress, part=part)
        part.publish(target, overwrite)


def run_plan(plan: Plan, *, on_progress: ProgressCallback | None = None) -> None:
    """Run every stage of a plan in order; the bar covers them all, each an equal share."""
    final = plan.stages[-1].output_path
    if final is not None and len(plan.stages) > 1:
        check_can_write(final, plan.overwrite)  # before an earlier stage spends its time
    with private_intermediates(plan) as stages:
        for index, stage in enumerate(stages):
            run_stage(stage, plan.binary_path, overwrite=plan.overwrite, feeds=plan.feeds if stage is stages[-1] else (),
                      on_progress=share_of_plan(on_progress, index, len(stages)))


@contextlib.contextmanager
def private_intermediates(plan: Plan) -> Iterator[list[FfmpegStage]]:
    """The plan's stages, each temporary file (a GIF palette) swapped for a private one, gone at the end.

    A printed plan names its intermediates beside the output; a run uses its
    own files instead, so two runs never share one and nothing appears beside
    the output, whatever happens (failure, Ctrl-C, SIGTERM; on Linux even SIGKILL).
    """
    private: dict[str, tuple[int | None, str]] = {}
    try:
        for path in plan.temporary_files:
            private[path] = _unnamed_file(os.path.splitext(path)[1])
        swap = {"file:" + path: "file:" + mine for path, (_, mine) in private.items()}
        yield [replace(stage.with_urls(swap), output_path=None if stage.output_path in private else stage.output_path)
               for stage in plan.stages]
    finally:
        for fd, path in private.values():
            if fd is None:
                _remove(path)
            else:
                os.close(fd)


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def _unnamed_file(suffix: str) -> tuple[int | None, str]:
    """(descriptor, path) of a private file FFmpeg can write and read back.

    On Linux the file has no name at all (``O_TMPFILE``): FFmpeg opens it as
    ``/proc/<ffx>/fd/<n>``, and it vanishes when ffx closes it or dies, even by
    SIGKILL. Elsewhere it is a hidden part (descriptor None) removed at the end, or swept after a SIGKILL.
    """
    folder = tempfile.gettempdir()
    if hasattr(os, "O_TMPFILE") and os.path.isdir(f"/proc/{os.getpid()}/fd"):
        try:
            fd = os.open(folder, os.O_TMPFILE | os.O_RDWR, 0o600)
        except OSError:
            pass  # a file system without unnamed files
        else:
            return fd, f"/proc/{os.getpid()}/fd/{fd}"
    sweep_stale_parts(folder)  # a hidden part, so that one a SIGKILL left is swept like any other
    path = os.path.join(folder, part_name(suffix))
    os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600))
    return None, path


