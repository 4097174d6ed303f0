"""Frames into Python: a recipe's (or a file's) video as numpy arrays, one at a time.

The mirror of :func:`ffx.encode`: FFmpeg decodes and runs the recipe's steps
(trim, resize, fps, black_white...) and writes raw RGB (or BGR, OpenCV's
order) to a pipe; Python reads exactly one frame's bytes per iteration, so
memory stays at one frame whatever the clip's length. Each frame comes with
its time on the output's clock, which ``showinfo`` reports as the frame
leaves the graph (a variable-rate clip keeps its own times). A recipe that
needs several commands (a segmented reverse, a numpy stage, stabilize) is
rendered into a private, unnamed lossless file first, which is then read the
same way and closed.

Stopping the iteration early (``break``, ``close()``, garbage collection)
stops FFmpeg; no process outlives the generator.

(The module is not called ``frames``: the package's ``ffx.frames`` is the function.)
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import queue
import re
from collections.abc import Iterator
from typing import Any, NamedTuple

from ..compile.plan import Plan
from ..compile.request import compile_request
from ..effects.filter import RawFilter
from ..errors import Problem, RecipeError, UsageError, quote
from ..ffmpeg.binary import FfmpegBinary
from ..media.cache import ProbeCache
from ..recipe.document import Recipe
from ..recipe.inputs import Input
from ..recipe.output import Output
from ..recipe.paths import path_text
from .executor import stream
from .partfile import PartFile
from .runner import run_plan

RECIPE_SUFFIXES = (".yaml", ".yml")
_SHOWINFO = re.compile(r"\bn:\s*(\d+)\s+pts:\s*\S+\s+pts_time:(\S+)")
_END = object()


class Frame(NamedTuple):
    """One decoded frame: ``for time, image in ffx.frames(...)``."""

    time: float | None  # seconds on the output's clock (None when FFmpeg gives the frame no time)
    image: Any  # numpy array, height x width x 3, uint8: RGB, or BGR when asked


def frames(source: Recipe | str | os.PathLike, *, steps: list | None = None, bgr: bool = False,
           inputs: list[str | Input] | None = None, variables: dict[str, Any] | None = None,
           ffmpeg: str | FfmpegBinary | None = None, allow_unsafe: bool = False,
           max_memory: int | str | None = None) -> Iterator[Frame]:
    """Yield the video's frames as :class:`Frame` (time, image) pairs, decoded and processed by FFmpeg.

    ``source`` is a :class:`~ffx.Recipe`, a recipe file (``.yaml``), or a media
    file, optionally with ``steps`` to run on it. The recipe's output is not
    written. The recipe is compiled (and every problem raised) before this
    returns; FFmpeg starts at the first ``next()``.

    >>> import ffx
    >>> clip = {"source": "testsrc2", "size": "64x48", "rate": 10, "duration": 1}
    >>> [(t, image.shape) for t, image in ffx.frames(ffx.Recipe(input=clip, steps=[{"trim": {"end": 0.2}}]))]
    [(0.0, (48, 64, 3)), (0.1, (48, 64, 3))]
    """
    if not isinstance(bgr, bool):
        raise UsageError(f"bgr is True or False, not {quote(bgr)}")
    recipe = _as_recipe(source, steps)
    # the last step reports each frame's time; the "output" is raw pixels for the pipe
    probe = RawFilter(name="showinfo", checksum=0)
    raw = Output(path="ffx-frames.nut", codec="rawvideo", pix_fmt="bgr24" if bgr else "rgb24", audio=False)
    recipe = _with(recipe, steps=[*recipe.steps, probe], output=raw)
    probes = ProbeCache()  # a staged compile below reads the same inputs: probed (and counted) once
    plan = compile_request(recipe, inputs=inputs, variables=variables, overwrite=True, ffmpeg=ffmpeg,
                          allow_unsafe=allow_unsafe, max_memory=max_memory, probes=probes)
    if not plan.result.has_video:
        raise RecipeError(Problem("the recipe's result has no video to yield frames of", field="input"))
    if plan.feeds or len(plan.stages) > 1:
        # several commands joined by pipes (a segmented reverse, a numpy stage, stabilize's two passes): the
        # runner knows how to run them into a file, so they go to a private lossless one, read back from there
        lossless = Output(path="ffx-frames.mkv", codec="ffv1", pix_fmt="gbrp", audio=False)
        staged = compile_request(_with(recipe, steps=recipe.steps[:-1], output=lossless), inputs=inputs,
                                variables=variables, overwrite=True, ffmpeg=ffmpeg, allow_unsafe=allow_unsafe,
                                max_memory=max_memory, probes=probes)
        return _via_private_file(staged, bgr)
    return _read(plan, bgr)


def _via_private_file(plan: Plan, bgr: bool) -> Iterator[Frame]:
    """Run a multi-command plan into a private FFV1 file (exact pixels and times), then read that one.

    The file is unnamed (:mod:`ffx.run.partfile`): it vanishes however ffx ends, SIGKILL included; FFmpeg
    reaches it as ``/proc/PID/fd/N`` (where unnamed files are missing, a hidden part the next run sweeps)."""
    with PartFile.private(".mkv") as part:
        target = f"/proc/{os.getpid()}/fd/{part.fd}" if part.unnamed else part.local_path
        private = plan.stages[-1].to("file:" + target, None)
        run_plan(dataclasses.replace(plan, stages=(*plan.stages[:-1], private)))
        yield from frames(target, bgr=bgr, ffmpeg=plan.binary_path)


def _as_recipe(source: Recipe | str | os.PathLike, steps: list | None) -> Recipe:
    if steps is not None and not isinstance(steps, list):
        raise UsageError(f"steps is a list of steps, not {type(steps).__name__}")
    if isinstance(source, Recipe):
        if steps is not None:
            raise UsageError("steps go with a media file; a Recipe has its own")
        return source
    path = path_text("source", source, "an ffx.Recipe, a recipe file or a media file")
    if path.lower().endswith(RECIPE_SUFFIXES):
        if steps is not None:
            raise UsageError("steps go with a media file; a recipe file has its own")
        from ..recipe.loading import load_recipe

        return load_recipe(path)
    return Recipe(input=path, steps=[] if steps is None else steps)


def _with(recipe: Recipe, **update: Any) -> Recipe:
    copy = recipe.model_copy(update=update)
    copy._source = recipe._source  # keep the YAML line numbers for errors
    return copy


def _read(plan: Plan, bgr: bool) -> Iterator[Frame]:
    import numpy as np

    # one raw frame per frame the graph makes (rawvideo has no timestamps, so FFmpeg would otherwise
    # duplicate and drop frames to a constant rate); showinfo logs at the info level
    stage = plan.stages[-1].with_output_options(("-f", "rawvideo"), ("-fps_mode", "passthrough"))
    width, height = plan.result.width, plan.result.height
    times: queue.Queue = queue.Queue()
    raw = stream(stage, binary=plan.binary_path, frame_bytes=width * height * 3,
                 global_options=("-nostats", "-loglevel", "info"), on_line=functools.partial(_sort_line, times))
    with contextlib.closing(raw):
        for data in raw:
            time = times.get()
            if time is _END:  # cannot happen before the frame's own line, unless FFmpeg's log is cut short
                time = None
            yield Frame(time, np.frombuffer(data, np.uint8).reshape(height, width, 3))


def _sort_line(times: queue.Queue, line: str) -> bool:
    """One line of FFmpeg's log: showinfo's frame times go to the queue and out of the tail kept for errors."""
    if not line:  # the log's end
        times.put(_END)
        return True
    if "showinfo" not in line:
        return False
    match = _SHOWINFO.search(line)
    if match:
        text = match.group(2)
        times.put(None if text.upper().startswith("NOPTS") else float(text))
    return True


__all__ = ["Frame", "frames"]
