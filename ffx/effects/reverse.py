"""reverse: the clip played backwards, audio reversed too.

FFmpeg's reverse/areverse keep every decoded frame until the input ends, so the
step reports its memory use to the plan.
FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#reverse
"""

from __future__ import annotations

from fractions import Fraction
from math import lcm
from typing import Literal

from ..media.memory import frames_per_segment, tree_memory
from .base import Effect
from .context import Clip, StepContext, StepError, require


def reverse_memory(clip: Clip, encoder: int = 60) -> int:
    """Estimated peak of the FFmpeg processes while the in-memory reverse holds the whole clip."""
    info = clip.info if clip.audio is not None else clip.info.replace(has_audio=False)
    if clip.video is None:
        info = info.replace(width=0, height=0)
    frames = info.frames or round((info.duration or 0) * float(info.fps or 25))
    return tree_memory(info, frames, encoder)


MAX_PIECES = 1000  # runs of evenly spaced frames a reversed clip's re-timing spells out, at most


def mirrored_starts(times: tuple[Fraction, ...], end: Fraction) -> list[Fraction]:
    """When each reversed frame starts, so every frame keeps its own display time: the last of frames shown
    at ``times`` (and ending at ``end``) at 0, and frame k of the reversed clip at ``end - times[N - k]``.

    >>> [str(t) for t in mirrored_starts((Fraction(0), Fraction(1), Fraction(3)), Fraction(4))]
    ['0', '1', '3']
    """
    ends = (*times[1:], end)
    return [end - ends[-1 - k] for k in range(len(times))]


def pieces_expression(starts: list[Fraction]) -> str | None:
    """A setpts expression in N giving frame N the time ``starts[N]``: one straight piece per run of evenly
    spaced frames (a term per change of spacing), or None past :data:`MAX_PIECES` pieces.

    >>> pieces_expression([Fraction(0), Fraction(1, 2), Fraction(1), Fraction(3)])
    'round((0+1*N+3*max(0,N-2))/2/TB)'
    """
    steps = [b - a for a, b in zip(starts, starts[1:])] or [Fraction(0)]
    turns = [k for k in range(1, len(steps)) if steps[k] != steps[k - 1]]
    if len(turns) + 1 > MAX_PIECES:
        return None
    den = lcm(starts[0].denominator, *(s.denominator for s in steps))
    terms = [str(starts[0] * den), f"{steps[0] * den}*N"]
    terms += [f"{(steps[k] - steps[k - 1]) * den}*max(0,N-{k})" for k in turns]
    return f"round(({'+'.join(terms).replace('+-', '-')})/{den}/TB)"


def gap_times(clip: Clip, ctx: StepContext) -> tuple[tuple[Fraction, ...], Fraction] | None:
    """When the frames of a clip that keeps its gaps are shown, and when its picture ends (read from the file:
    the file as read, or its first frames when a trim from its start bounds the reading with -t only); None
    for a clip without gaps or whose frame times are not known."""
    info, node = clip.info, clip.input_node
    if (not info.gaps or node is None or any(option != "-t" for option, _ in node.input_args)
            or not node.name.startswith("file:") or ctx.input_files is None or not info.frames
            or info.duration is None):
        return None
    read = ctx.input_files.frame_times(node.name[len("file:"):], 0.0, info.duration, info.start_time)
    times, end = read.times[:info.frames], read.end
    if node.input_args and times:  # trimmed: its frames from the first, for its length
        end = times[0] + Fraction(info.duration).limit_denominator(10**6)
    if len(times) != info.frames or end is None or end <= times[-1]:
        return None
    return times, end


def mirrored_gaps(clip: Clip, ctx: StepContext, video):
    """The reversed picture of a file that keeps its gaps, each frame at its mirrored time (FFmpeg's reverse
    hands the reversed frames the forward times in order, so a gap would not move and the wrong frame would
    be held through it); ``video`` unchanged for any other clip, or one whose frame times are not read."""
    known = gap_times(clip, ctx)
    if known is None:
        return video
    expr = pieces_expression(mirrored_starts(*known))
    if expr is None:
        ctx.tell(f"the gaps are not mirrored: the frames' spacing changes over {MAX_PIECES} times, so the "
                 f"reversed frames keep the forward times in order")
        return video
    return ctx.chain(video, "setpts", {"expr": expr})


def reversed_pads(clip: Clip, ctx: StepContext):
    require(clip, {"known_length"})
    video = mirrored_gaps(clip, ctx, ctx.chain(clip.video, "reverse")) if clip.video is not None else None
    audio = ctx.chain(clip.audio, "areverse") if clip.audio is not None else None
    ctx.holds(reverse_memory(clip, ctx.encoder_frames))
    return video, audio


def segmented_reverse(clip: Clip, ctx: StepContext, first: int, end: int):
    """Frames ``[first, end)`` reversed segment by segment, when the plain reverse would not fit the budget.

    Returns the (video, audio) pads of the raw pipes the feeders fill, or None
    when the plain in-memory reverse is fine or segmenting is not possible (the
    clip is no longer a file input as read, or another reverse is already fed:
    the feeders say so).
    """
    info = clip.info
    if (ctx.max_memory is None or reverse_memory(clip, ctx.encoder_frames) <= ctx.max_memory
            or clip.input_node is None or clip.video is None or ctx.feeders is None or not info.frames
            or not info.seeks_exactly):  # MPEG-TS: a segment's seek could land keyframes late
        return None
    max_frames = frames_per_segment(info, ctx.max_memory, ctx.encoder_frames)
    piped = ctx.feeders.reversed_in_segments(clip, first, end, max_frames)
    if piped is None:
        return None
    held = tree_memory(info, piped.held_frames, ctx.encoder_frames, segmented=True)
    ctx.holds(held)
    if held > ctx.max_memory:  # the plan is refused at its end (recipe.output.check_budget), with both figures
        ctx.memory_notes[ctx.label] = over_budget(reverse_memory(clip, ctx.encoder_frames), held, ctx.max_memory)
    return piped.video, piped.audio


def over_budget(plain: int, segmented: int, budget: int) -> str:
    """Why a reverse fits in neither plan: both figures, each named, and the budget under which one does.

    Segments hold at least one frame, and the feeders cost a fixed ~340 MiB whatever they hold, so a
    small clip's segmented plan needs more than its plain one: raising the budget to the plain figure
    is then the way out, not to the segmented one.

    >>> over_budget(196 * 2**20, 391 * 2**20, 150 * 2**20)
    "needs ~196 MiB as a plain reverse and, reversed in segments, at least ~391 MiB (the segment feeders' fixed cost), over the memory budget of 150 MiB: raise --max-memory to 196M or more, or trim the clip first"
    """
    enough = -(-min(plain, segmented) // 2**20)
    return (f"needs ~{plain / 2**20:.0f} MiB as a plain reverse and, reversed in segments, at least "
            f"~{segmented / 2**20:.0f} MiB (the segment feeders' fixed cost), over the memory budget "
            f"of {budget / 2**20:.0f} MiB: raise --max-memory to {enough}M or more, or trim the clip first")


class Reverse(Effect):
    """Play the clip backwards; the first frame out is the last frame in."""

    effect: Literal["reverse"] = "reverse"
    requires = frozenset({"known_length"})

    example = "- reverse"
    unbounded_because = "reads the whole clip; reverse already renders in segments"

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        pads = segmented_reverse(clip, ctx, 0, clip.info.frames or 0)
        whole = reverse_memory(clip, ctx.encoder_frames)
        if pads is None and not clip.info.seeks_exactly and ctx.max_memory is not None and whole > ctx.max_memory:
            if clip.info.normalised:  # the sound was cut or padded to the picture at the input (docs/design.md)
                raise StepError(f"this input cannot be reversed in segments (its sound is cut or padded to its "
                                f"picture at the file's times), and whole it needs ~{whole / 2**20:.0f} MiB, over "
                                f"the memory budget of {ctx.max_memory / 2**20:.0f} MiB",
                                hint="trim the clip first, or raise --max-memory")
            raise StepError(f"this input cannot be reversed in segments (FFmpeg's seeking in MPEG-TS lands by a "
                            f"guess), and whole it needs ~{whole / 2**20:.0f} MiB, "
                            f"over the memory budget of {ctx.max_memory / 2**20:.0f} MiB",
                            hint="remux it to Matroska or MP4 first, which seek exactly: "
                                 "ffmpeg -i in.ts -c copy in.mkv; or raise --max-memory")
        video, audio = pads if pads is not None else reversed_pads(clip, ctx)
        return clip.evolve(video=video, audio=audio)
