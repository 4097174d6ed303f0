"""Renders that end in memory, and videos made from frames that Python code draws.

``render_bytes`` / ``iter_bytes``: a recipe's output as bytes, or as chunks
while FFmpeg writes them (to answer an HTTP request). Streamable formats (GIF,
WebM, Matroska, fragmented MP4, ...) go through a pipe; a plain MP4 needs its
index (moov) written at the front after the fact, so it is rendered to a
private unnamed file, read back and closed: a normal, widely playable
file, and nothing ever on disk under a name.

``encode``: frames (H x W x 3 uint8 arrays, RGB or BGR) piped into FFmpeg as
raw video, into a file or into bytes; the output stage is the same as for
recipes (codec, CRF, pixel format, GIF palettes...).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Any

from ..compile.plan import FfmpegStage, Plan
from ..compile.request import compile_request
from ..effects.context import Clip, StepContext, StepError
from ..effects.fields import parse_rate
from ..errors import CapabilityError, FfxError, InputError, Problem, RecipeError, UsageError, quote
from ..ffmpeg.binary import FfmpegBinary, ffmpeg_binary
from ..filtergraph import graph
from ..filtergraph.filter_options import image_size_problem
from ..media.info import MediaInfo
from ..recipe.arguments import check_options
from ..recipe.output import ALL_FORMATS, Output
from ..recipe.paths import path_text
from .executor import execute, stream
from .partfile import PartFile
from .runner import check_can_write, private_intermediates, run_stage

# formats FFmpeg can write to a pipe as they are (no seeking back)
STREAMABLE = {"gif", "webm", "mkv", "matroska", "webp", "ts", "mpegts", "nut", "ogg", "wav", "mp3", "flac", "opus"}
# formats whose index is written at the end (ISO media): rendered in a private file, then read out
SEEKING = ("mp4", "mov", "m4v", "avif")
FRAGMENTED = ("-movflags", "+frag_keyframe+empty_moov+default_base_moof")


class FrameError(FfxError, ValueError):
    """A frame given to :func:`encode` is not like the first one, or not an image at all."""


def _extension(format: str) -> str:
    return {"matroska": "mkv", "mpegts": "ts"}.get(format, format)


def _memory_plan(recipe: Any, format: str, **options) -> Plan:
    """Compile with a stand-in output name whose extension picks the format (nothing is written there)."""
    return compile_request(recipe, output=f"ffx-in-memory.{_extension(format)}", overwrite=True, **options)


def iter_bytes(recipe: Any, *, format: str = "mp4", fragmented: bool = False, **options) -> Iterator[bytes]:
    """The recipe's output in chunks, as FFmpeg writes them.

    A plain ``mp4``/``mov`` is rendered to a private temporary file first (its
    index goes at the front) and then read out; ``fragmented=True`` streams a
    fragmented MP4 instead. The recipe is compiled (and every problem raised)
    before this returns; FFmpeg starts at the first ``next()``. Stopping the
    iteration early stops FFmpeg.
    """
    format = _memory_format(format, fragmented, options)
    return _chunks(_memory_plan(recipe, format, **options), format, fragmented)


def _chunks(plan: Plan, format: str, fragmented: bool) -> Iterator[bytes]:
    with private_intermediates(plan) as stages:
        for earlier in stages[:-1]:  # a GIF's palette, when one pass would not fit the memory budget
            run_stage(earlier, plan.binary_path, overwrite=True)
        yield from _final_bytes(plan, stages[-1], format, fragmented)


def _final_bytes(plan: Plan, stage: FfmpegStage, format: str, fragmented: bool) -> Iterator[bytes]:
    if format in SEEKING and not (fragmented and format != "avif"):
        yield from _via_private_file(plan, stage, format)
        return
    if format in ("mp4", "mov", "m4v"):
        stage = stage.with_output_options(FRAGMENTED)
    elif format not in STREAMABLE:
        raise RecipeError(Problem(f"{format} cannot be written to a pipe", field="format",
                                  hint="use mp4, gif, webm or mkv"))
    yield from stream(stage, binary=plan.binary_path, feeds=plan.feeds)


def render_bytes(recipe: Any, *, format: str = "mp4", fragmented: bool = False, **options) -> bytes:
    """The recipe's output as bytes (see :func:`iter_bytes`)."""
    _memory_format(format, fragmented, options)
    return b"".join(iter_bytes(recipe, format=format, fragmented=fragmented, **options))


# what compile_recipe takes besides the recipe; the output is in memory (so no output, no overwrite)
_MEMORY_OPTIONS = {"inputs", "variables", "ffmpeg", "allow_unsafe", "max_memory", "max_recipe_size"}


def _memory_format(format: Any, fragmented: Any, options: dict) -> str:
    """The format to render in memory, lower case, checked with the other arguments before any work."""
    if "output" in options:
        raise UsageError("render_bytes and iter_bytes return the bytes and write no file; "
                         "use ffx.render(recipe, output=...) for a file")
    unknown = sorted(set(options) - _MEMORY_OPTIONS)
    if unknown:
        raise UsageError(f"unknown option {quote(unknown[0])}; the options are {', '.join(sorted(_MEMORY_OPTIONS))}")
    if not isinstance(fragmented, bool):
        raise UsageError(f"fragmented is True or False, not {quote(fragmented)}")
    if not isinstance(format, str):
        raise UsageError(f"format is a name such as 'mp4', 'gif' or 'webm', not {type(format).__name__}")
    name = format.strip().lower()
    in_memory = sorted(STREAMABLE | set(SEEKING))
    if name not in in_memory:
        writable = name and f".{name}" in ALL_FORMATS
        raise RecipeError(Problem(f"{quote(format)} " + ("cannot be written to a pipe" if writable else
                                                         "is not a format ffx writes"), field="format",
                                  hint="use one of " + ", ".join(in_memory)))
    return name


def _via_private_file(plan: Plan, stage: FfmpegStage, format: str) -> Iterator[bytes]:
    """Render into an unnamed file (it vanishes with its descriptor, whatever ends ffx) and read it out."""
    with PartFile.private("." + format) as part:
        execute(stage, binary=plan.binary_path, feeds=plan.feeds, part=part)
        yield from part.chunks()


def _array(frame: Any, index: int) -> Any:
    """A frame as a numpy array; anything numpy cannot make one of (a list nested past its 64 dimensions,
    a ragged list) is refused as not a frame."""
    import numpy as np

    try:
        return np.asarray(frame)
    except (ValueError, TypeError, RecursionError, OverflowError, MemoryError):
        raise FrameError(f"frame {index} is no array of pixels ({type(frame).__name__}); give height x width x 3 "
                         "arrays of uint8") from None


def _frame_info(frame: Any) -> tuple[int, int, Any]:
    import numpy as np

    array = _array(frame, 0)
    if array.dtype != np.uint8 or array.ndim != 3 or array.shape[2] != 3:
        raise FrameError(f"frame 0 is {array.dtype} with shape {array.shape}; "
                         "give height x width x 3 arrays of uint8 (RGB, or BGR with bgr=True)")
    # refused before its bytes are copied for the pipe: FFmpeg could not allocate the frame anyway
    problem = image_size_problem(array.shape[1], array.shape[0])
    if problem:
        raise FrameError(f"frame 0 is {problem}")
    return array.shape[1], array.shape[0], array


def encode(frames: Iterable[Any], *, fps: Any = 25, output: str | None = None, format: str | None = None,
           codec: str | None = None, crf: int | None = None, pix_fmt: str | None = None, bgr: bool = False,
           overwrite: bool = False, ffmpeg: str | FfmpegBinary | None = None, **output_options) -> bytes | None:
    """Encode frames that Python code makes; return the bytes when ``output`` is None.

    ``frames`` is any iterable of H x W x 3 uint8 arrays (RGB; ``bgr=True`` for
    OpenCV's order). The size comes from the first frame; a later frame of
    another size or type stops everything with :class:`FrameError` and writes
    nothing. ``fps`` may be 25, 12.5, 23.976 (read as 24000/1001) or
    "30000/1001". Without ``output`` the format defaults to MP4 (rendered in a
    private temporary file, so the index is at the front).
    """
    for name, flag in (("bgr", bgr), ("overwrite", overwrite)):
        if not isinstance(flag, bool):
            raise UsageError(f"{name} is True or False, not {quote(flag)}")
    check_options(ffmpeg=ffmpeg)
    if format is not None:
        if not isinstance(format, str):
            raise UsageError(f"format is a name such as 'mp4' or 'gif', not {type(format).__name__}")
        format = format.strip().lower()
    if output is not None:
        output = path_text("output", output, "a file path or None (for bytes)")
        if not output or output.endswith(os.sep) or os.path.isdir(output):
            raise RecipeError(Problem(f"{quote(output)} is not a file name", field="output",
                                      hint="give a file such as out.mp4, or None for bytes"))
        if "\0" in output:
            raise RecipeError(Problem("the NUL character (\\0) is not allowed", field="output"))
        folder = existing = os.path.dirname(os.path.abspath(output))
        while not os.path.lexists(existing):  # missing folders are made right before FFmpeg writes, as for render
            existing = os.path.dirname(existing)
        if not os.path.isdir(existing):
            raise InputError(f"cannot make the output folder {folder!r}: {existing!r} is not a folder")
    try:
        iterator = iter(frames)
    except TypeError:
        raise UsageError(f"frames is an iterable of height x width x 3 uint8 arrays, not {type(frames).__name__}") from None
    try:
        rate = parse_rate(fps)
    except ValueError as exc:
        raise RecipeError(Problem(str(exc), field="fps")) from None
    try:
        first = next(iterator)
    except StopIteration:
        raise FrameError("no frames to encode") from None
    width, height, first = _frame_info(first)
    fmt = format or (os.path.splitext(output)[1].lstrip(".").lower() if output else "mp4")
    fields = {k: v for k, v in dict(codec=codec, crf=crf, pix_fmt=pix_fmt, **output_options).items() if v is not None}
    from ..recipe.document import validated

    out = validated(Output, dict(path=output or f"ffx-in-memory.{_extension(fmt)}", format=format and _muxer(format),
                                 **fields), ("output",))
    binary = ffmpeg if isinstance(ffmpeg, FfmpegBinary) else ffmpeg_binary(ffmpeg)
    node = graph.input_node("pipe:0", [("-f", "rawvideo"), ("-pix_fmt", "bgr24" if bgr else "rgb24"),
                                       ("-video_size", f"{width}x{height}"), ("-framerate", graph.option_text(rate))],
                            True, False)
    info = MediaInfo(width=width, height=height, fps=rate, duration=None, frames=None, pix_fmt="rgb24")
    ctx = StepContext(label="output", streams={})
    try:
        pads, args, _ = out.apply(Clip(video=graph.input_pad(node, graph.VIDEO), audio=None, info=info), ctx)
    except StepError as exc:
        raise RecipeError(Problem(exc.message, field=exc.field, hint=exc.hint)) from None
    for option, encoder in args:  # said in one line before any frame is piped, as the compiler says it
        if option in ("-c:v", "-c:a") and encoder not in binary.encoders:
            raise CapabilityError(f"the FFmpeg at {binary.path} (version {binary.version}) has no {encoder!r} "
                                  "encoder; choose another codec or install a full build")
    to_bytes = output is None
    if not to_bytes:
        check_can_write(output, overwrite)
    extension = "." + _extension(fmt)
    stage = FfmpegStage.from_lowered(graph.lower(pads, "pipe:1", args), output or None, kind=out.kind)
    with PartFile.private(extension) if to_bytes else PartFile.beside(output) as part:
        execute(stage, binary=binary.path, stdin=_raw(first, iterator), part=part, verify=False)
        if to_bytes:
            return b"".join(part.chunks())
        part.publish(output, overwrite)
        return None


def _raw(first: Any, frames: Iterator[Any]) -> Iterator[bytes]:
    """The frames' bytes for FFmpeg's standard input; every frame must be like the first."""
    import numpy as np

    yield first.tobytes()
    for index, frame in enumerate(frames, start=1):
        array = _array(frame, index)
        if array.shape != first.shape or array.dtype != np.uint8:
            raise FrameError(f"frame {index} is {array.dtype} {array.shape}, but frame 0 was uint8 "
                             f"{first.shape}: every frame needs the first one's size")
        yield array.tobytes()


def _muxer(format: str) -> str:
    return {"mkv": "matroska", "ts": "mpegts", "m4v": "mp4"}.get(format, format)


__all__ = ["FrameError", "encode", "iter_bytes", "render_bytes"]
