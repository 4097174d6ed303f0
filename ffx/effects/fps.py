"""fps: resample the frame rate (duplicating or dropping frames).

Which frame fills each slot is one rule for every step that picks frames by time
(``fps``, ``speed``): output slot k, at k / rate, shows the source frame whose time
is nearest to k / rate (times the speed factor), ties to the earlier frame. It is
computed exactly, on frame indices, where the stream's frames sit on their slots
of its rate (:func:`on_their_slots`); see :func:`nearest_frame`.
FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#fps
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Literal

from pydantic import Field

from ..filtergraph.graph import Pad
from .base import Effect
from .context import Clip, StepContext, StepError
from .fields import Rate

# the fps filter's `round` option for the picks it makes itself, on the frames' timestamps
ROUNDING = {"ffmpeg": "near", "shown": "up"}

# frames read from the end of a long file to tell whether its frames sit on their slots (the whole file up to this)
WHOLE_FILE_READ = 30.0


def video_length(clip: Clip, ctx: StepContext | None = None) -> float | None:
    """Seconds from the first frame to the end of the last, as FFmpeg's filters see the stream end.

    The fps filter fills output slots up to that end, so it decides how many frames
    fps and speed make. A file as read ends with its last packet (pts + duration),
    which on a variable-rate file is not frames / rate: a short packet scan of its
    last second reads it. Otherwise the duration (for an input, unless it disagrees
    with the frame count by a frame or more: audio running longer than the picture).
    """
    info, node = clip.info, clip.input_node
    if info.duration is None or not info.fps:
        return info.duration
    if (ctx is not None and ctx.input_files is not None and node is not None and node.name.startswith("file:")
            and not node.input_args):  # a plain file as read (no seek, not a picture sequence)
        read = ctx.input_files.frame_times(node.name[len("file:"):], max(0.0, info.duration - 1), info.duration,
                               info.start_time)
        if read.end is not None:
            return float(read.end)
    if (node is not None and not node.input_args and info.frames is not None
            and abs(info.duration * float(info.fps) - info.frames) >= 1):
        # an input's duration may be its audio's; a cut's (input_args: -ss/-t) is its video's, exactly, and its
        # frames / rate is not its length when the rate varies
        return info.frames / float(info.fps)
    return info.duration


def resampled_frames(length: float, rate: float, pick: str = "nearest") -> int:
    """How many frames the fps filter makes from ``length`` seconds starting at 0.

    It fills slots 0, 1, ... up to the stream's end converted to slots with its own
    rounding: half up for ``nearest`` and ``ffmpeg`` (FFmpeg's default), up for ``shown``.

    >>> resampled_frames(23 / 24, 12), resampled_frames(23 / 24, 12, "shown"), resampled_frames(2.0, 10, "shown")
    (12, 12, 20)
    """
    slots = length * rate
    return math.ceil(slots - 1e-6) if pick == "shown" else math.floor(slots + 0.5 + 1e-6)


def nearest_frame(slot: int, step: Fraction, frames: int | None = None) -> int:
    """The rule: the source frame slot ``slot`` shows, ``step`` source frames a slot apart.

    Slot k's instant is frame k * step of the source; the nearest frame is taken,
    the earlier at a tie (as MoviePy's ``with_speed_scaled`` shows frame ``int(t * fps)``
    where the instant falls exactly between two frames), and the last frame past the end.

    >>> [nearest_frame(k, Fraction(3, 2)) for k in range(5)], nearest_frame(9, Fraction(2), frames=12)
    ([0, 1, 3, 4, 6], 11)
    """
    index = max(0, math.ceil(slot * step - Fraction(1, 2)))
    return index if frames is None else min(index, frames - 1)


def first_slot_expression(step: Fraction, pick: str = "nearest") -> str:
    """``setpts`` expression: the first output slot that shows frame ``N``, ``step`` source frames a slot.

    ``nearest``: frame j > 0 takes over from frame j - 1 after their midpoint, j - 1/2
    frames, which is (2j - 1) / (2 step) slots: from the first whole slot after it, so
    a slot at the midpoint itself keeps the earlier frame. ``shown``: frame j is on
    screen from its own time, j / step slots: from the first slot at or after it.
    The quotient of two whole numbers is rounded once by the expression's doubles,
    which cannot carry it across a whole number (the numbers stay far below 2^53),
    so ``floor`` and ``ceil`` are exact.

    >>> first_slot_expression(Fraction(2)), first_slot_expression(Fraction(5, 2), "shown")
    ('max(0,floor((2*N-1)*1/4)+1)', 'ceil(N*2/5)')
    """
    if pick == "shown":
        return f"ceil(N*{step.denominator}/{step.numerator})"
    half = 1 / (2 * step)
    return f"max(0,floor((2*N-1)*{half.numerator}/{half.denominator})+1)"


def pick_by_index(video: Pad, ctx: StepContext, step: Fraction, rate: Fraction, count: int | None,
                  pick: str = "nearest") -> Pad:
    """Each slot of ``rate`` filled by ``pick`` (:func:`nearest_frame`, or the frame on screen at its instant),
    for frames on their slots ``step`` source frames a slot apart.

    Each frame is given, by its index, the first slot it fills, in a time base of
    one slot (``settb``, ``setpts``): every timestamp is a whole number, so FFmpeg's
    own rounding has nothing to decide. ``fps`` then repeats a frame over the slots
    until the next one's and drops a frame that a later one replaces in the same
    slot. ``tpad`` and ``trim`` make the count the plan's: the end of the stream,
    through ``setpts``, would be counted from the last frame's index instead.
    """
    video = ctx.chain(video, "settb", {"expr": f"1/({rate})"})
    video = ctx.chain(video, "setpts", {"expr": first_slot_expression(step, pick)})
    video = ctx.chain(video, "fps", {"fps": rate})
    if count is not None:
        video = ctx.chain(video, "tpad", {"stop_mode": "clone", "stop": count})
        video = ctx.chain(video, "trim", {"end_frame": count})
    return video


def on_their_slots(clip: Clip, ctx: StepContext) -> bool:
    """Whether the clip's frame n is shown at n / fps (from its first), so frames can be picked by index.

    A file is read (the packets only: the whole file when the probe listed it, else its
    last :data:`WHOLE_FILE_READ` seconds) and every frame read must sit on its slot to
    within half a tick of the file's time base. Anything made by the steps before is
    on its slots (they re-time by index or keep a file's times); a live source is not
    known to be, nor is a clip of no known length.
    """
    info, node = clip.info, clip.input_node
    if not info.fps or info.duration is None or clip.video is None:
        return False
    if node is None or not node.name.startswith("file:") or ctx.input_files is None:
        return True
    if any(option == "-framerate" for option, _ in node.input_args):
        return True  # a picture sequence: its frames are given their slots as read
    duration = info.estimate.duration
    start = 0.0 if duration <= WHOLE_FILE_READ else duration - WHOLE_FILE_READ
    read = ctx.input_files.frame_times(node.name[len("file:"):], start, duration, info.start_time)
    if not read.times:
        return False
    tolerance = (read.unit or Fraction(1, 1_000_000)) / 2
    first = round(read.times[0] * info.fps)
    return all(abs(t - (first + i) / info.fps) <= tolerance for i, t in enumerate(read.times)) and (
        start > 0 or first == 0)


class Fps(Effect):
    """Resample to ``rate`` frames per second (GIFs commonly use 10-15).

    ``pick`` says which source frame fills output slot n (the instant n / rate):
    ``nearest`` (the default) the frame nearest that instant, the earlier of two
    as near; ``shown`` the frame on screen at that instant, as MoviePy and OpenCV
    do; ``ffmpeg`` what FFmpeg's ``fps`` filter and ``ffmpeg -r`` take, the last
    frame before the middle of slots n and n + 1, up to half a slot later. Both
    of the first are exact on frame indices; on a variable-rate file (frames off
    their slots) they are taken on the frames' timestamps, and ``nearest`` is FFmpeg's pick.
    """

    effect: Literal["fps"] = "fps"
    rate: Rate = Field(description="frames per second: 15, 12.5 or \"30000/1001\"")
    pick: Literal["nearest", "shown", "ffmpeg"] = Field(
        "nearest", description="per slot, the frame nearest its instant, the one shown at it (MoviePy), "
                               "or FFmpeg's fps filter's pick")

    main_parameter = "rate"
    example = "- fps: 15"
    unbounded_because = "picks frames by their time"
    requires = frozenset({"video"})

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        length = video_length(clip, ctx)
        count = None
        if length is not None:
            count = resampled_frames(length, float(self.rate), self.pick)
            if count == 0:
                raise StepError(f"the clip ({length:g} s) is shorter than half a frame at {self.rate} fps: "
                                "no frame would be left", field="rate", hint="pick: shown keeps one")
        if self.pick != "ffmpeg" and on_their_slots(clip, ctx):
            video = pick_by_index(clip.video, ctx, clip.info.fps / self.rate, self.rate, count, self.pick)
        else:
            options = {"fps": self.rate}
            if self.pick == "shown":
                options["round"] = ROUNDING[self.pick]
            video = ctx.chain(clip.video, "fps", options)
        info = clip.info.replace(fps=self.rate)
        if count is not None:
            info = info.replace(frames=count, duration=count / float(self.rate))
        return clip.evolve(video=video, info=info)
