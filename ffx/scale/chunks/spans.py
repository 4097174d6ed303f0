"""Whether a render may be split, and where: pure functions of the recipe and the input's frame list.

A render is split only where the pieces provably join into the frames of the
plain render. Each step declares how far back its frames depend on the frames
it receives (``Effect.frame_state``): a step that looks at its own frame only
splits anywhere; one that looks ``k`` frames back (a motion ``delay``) splits
when each piece first renders the ``k`` frames before its seam and then drops
them; anything else (the time, the whole clip, state without a bound) is
refused, naming the step and the reason. Seams sit on the input's keyframes,
so every piece decodes from a keyframe and sees exactly the frames the plain
render sees.

Nothing here runs FFmpeg or touches a file: the keyframes come in as frame
numbers (``ffx/chunking/jobs.py`` reads them from the file's packets).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass

from ...effects.fields import stream_references
from ...errors import Problem, RecipeError
from ...recipe.document import Recipe
from ...syntax.yamlsource import format_path

OPTION = "--chunks"
WHOLE = "leave out --chunks to render it whole"


@dataclass(frozen=True)
class Span:
    """One piece of the video: it delivers frames ``first`` to ``end - 1`` and decodes from ``decode_from``.

    The frames from ``decode_from`` to ``first - 1`` (the overlap, :attr:`lead`)
    are rendered only to fill the steps' memory of earlier frames, then dropped.
    """

    first: int
    end: int
    decode_from: int

    @property
    def frames(self) -> int:
        return self.end - self.first

    @property
    def lead(self) -> int:
        return self.first - self.decode_from


def choose_seams(keyframes: Sequence[int], frames: int, chunks: int) -> list[int]:
    """The frames where pieces start (0 first): keyframes as near as there are to equal shares.

    ``keyframes`` are frame numbers (in presentation order) a decoder can start at.
    Fewer pieces come out when there are fewer keyframes to split at.

    >>> choose_seams([0, 12, 24, 36, 48, 60], 75, 3)
    [0, 24, 48]
    >>> choose_seams([0, 40], 75, 4)  # one keyframe past the start: two pieces at most
    [0, 40]
    >>> choose_seams([0, 10, 11, 12], 100, 3)  # every seam at a distinct keyframe
    [0, 12]
    """
    candidates = sorted({k for k in keyframes if 0 < k < frames})
    if chunks <= 1 or not candidates:
        return [0]
    if len(candidates) <= chunks - 1:
        return [0, *candidates]
    seams = [0]
    for share in range(1, chunks):
        target = share * frames / chunks
        at = bisect_left(candidates, target)
        nearest = min(candidates[max(0, at - 1):at + 1], key=lambda k: (abs(k - target), k))
        if nearest > seams[-1]:
            seams.append(nearest)
    return seams


def plan_spans(keyframes: Sequence[int], frames: int, chunks: int, overlap: int) -> list[Span]:
    """The pieces of a ``frames``-long video split at keyframes, each decoding ``overlap`` frames early.

    The overlap never reaches before the first frame: there the piece sees
    what the plain render sees, the clip's beginning.

    >>> for span in plan_spans([0, 12, 24, 36, 48, 60], 75, 3, overlap=2):
    ...     print(span.first, span.end, span.decode_from, span.lead)
    0 24 0 0
    24 48 22 2
    48 75 46 2
    >>> [s.decode_from for s in plan_spans([0, 3, 50], 100, 3, overlap=5)]
    [0, 0, 45]
    """
    if frames <= 0:
        return []
    seams = choose_seams(keyframes, frames, chunks)
    ends = [*seams[1:], frames]
    return [Span(first=first, end=end, decode_from=max(0, first - overlap)) for first, end in zip(seams, ends)]


def _problem(recipe: Recipe, path: tuple, message: str, hint: str = "") -> RecipeError:
    file, line, column = recipe.location(path)
    return RecipeError(Problem(f"{OPTION}: {message}", field=format_path(path), file=file, line=line, column=column,
                               hint=hint))


def overlap_frames(recipe: Recipe) -> int:
    """How many frames before each seam a piece must render so that its first kept frame is exact.

    The steps' own counts add up: a frame after two steps that look ``a`` and
    ``b`` frames back depends on at most ``a + b`` frames before it (streams
    named with ``as:`` and read again are counted the same way, an upper bound).
    Raises a :class:`~ffx.errors.RecipeError` naming the first thing that
    cannot be split: a step, the input or the output.

    >>> from ffx.effects import Crop, Motion, Reverse
    >>> overlap_frames(Recipe(input="in.mp4", steps=[Crop(x2=0.5), Motion(delay=3)], output="out.mp4"))
    3
    >>> overlap_frames(Recipe(input="in.mp4", steps=[Reverse()], output="out.mp4"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ffx.errors.RecipeError: steps[0].reverse: --chunks: reverse reads the whole clip; reverse already renders in ...
    """
    named = recipe.named_inputs()
    if len(named) != 1:
        where = ("inputs",) if recipe.inputs is not None else ("input",)
        raise _problem(recipe, where, f"splits one input file, and this recipe reads {len(named)}",
                       WHOLE)
    spec = next(iter(named.values()))
    where = ("inputs", next(iter(named))) if recipe.inputs is not None else ("input",)
    if spec.path is None:
        what = "a generated source" if spec.generated else "a live source" if spec.live else "a picture sequence"
        raise _problem(recipe, where, f"splits a media file at its keyframes, and {what} has none",
                       WHOLE)
    output = recipe.output
    if output is not None:
        if output.kind == "gif":
            raise _problem(recipe, ("output",), "a GIF's palette is made from the whole clip",
                           "render it whole, or split into a video and make the GIF from that")
        if output.kind != "video":
            raise _problem(recipe, ("output",), f"joins video files by stream copy, and a {output.kind} output "
                                                "is not one", WHOLE)
        if output.stage_kind == "scenes":
            raise _problem(recipe, ("output",), "joins its pieces into one file, and this output is one file "
                                                "per scene", WHOLE)
        if output.fps is not None:
            raise _problem(recipe, ("output", "fps"), "an output frame rate picks frames by their time",
                           "leave out fps, or render it whole")
    total = 0
    for index, step in enumerate(recipe.steps):
        read = [name for name in [step.source, *stream_references(step)] if name in named]
        if read:
            # a piece cuts its input with a trim in front of the steps; a step reading the input by name
            # would get all of it
            raise _problem(recipe, ("steps", index, step.effect), f"{step.effect} reads the input {read[0]!r} "
                           "by name, which is the whole file, not the piece", "split it first (- split: [original]) "
                           "and read that name, or leave out --chunks")
        state = step.frames_of_state()
        if isinstance(state, str):
            raise _problem(recipe, ("steps", index, step.effect), f"{step.effect} {state}",
                           WHOLE)
        total += state
    return total


def output_clock(recipe: Recipe) -> str | None:
    """On which clock the result's frames are: "kept" (the input's own times), "index" (frame n at n / fps),
    or None when that cannot be told (a step reads a named stream and does not re-time it).

    It places the pieces on the output's timeline: by the input's frame times, or by frame numbers.

    >>> from ffx.effects import Crop, Motion
    >>> output_clock(Recipe(input="in.mp4", steps=[Motion(delay=2), Crop(x2=0.5)], output="out.mp4"))
    'index'
    >>> output_clock(Recipe(input="in.mp4", steps=[Crop(x2=0.5)], output="out.mp4"))
    'kept'
    """
    clock: str | None = "kept"
    for step in recipe.steps:
        if step.frame_clock == "index":
            clock = "index"
        elif step.source is not None:
            clock = None
    return clock
