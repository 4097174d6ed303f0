"""fps: resample the frame rate (duplicating or dropping frames).

FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#fps
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field

from .base import Effect
from .context import Clip, StepContext, StepError
from .fields import Rate

# the fps filter's `round` option for each way of picking a frame for slot n (shown at n / rate)
ROUNDING = {"nearest": "near", "shown": "up"}


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
    rounding: half up for ``nearest`` (FFmpeg's default), up for ``shown``.

    >>> resampled_frames(23 / 24, 12), resampled_frames(23 / 24, 12, "shown"), resampled_frames(2.0, 10, "shown")
    (12, 12, 20)
    """
    slots = length * rate
    return math.floor(slots + 0.5 + 1e-6) if pick == "nearest" else math.ceil(slots - 1e-6)


class Fps(Effect):
    """Resample to ``rate`` frames per second (GIFs commonly use 10-15).

    ``pick`` says which source frame fills output slot n (the instant n / rate):
    ``nearest`` (the default, FFmpeg's own rule and ``ffmpeg -r``) takes the frame
    nearest that instant, which may be up to half a slot later; ``shown`` takes
    the frame on screen at that instant, as MoviePy and OpenCV do.
    """

    effect: Literal["fps"] = "fps"
    rate: Rate = Field(description="frames per second: 15, 12.5 or \"30000/1001\"")
    pick: Literal["nearest", "shown"] = Field(
        "nearest", description="per slot, the frame nearest its instant (FFmpeg) or the one shown at it (MoviePy)")

    main_parameter = "rate"
    example = "- fps: 15"
    unbounded_because = "picks frames by their time"
    requires = frozenset({"video"})

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        options = {"fps": self.rate}
        if self.pick != "nearest":
            options["round"] = ROUNDING[self.pick]
        length = video_length(clip, ctx)
        video = ctx.chain(clip.video, "fps", options)
        info = clip.info.replace(fps=self.rate)
        if length is not None:
            frames = resampled_frames(length, float(self.rate), self.pick)
            if frames == 0:
                raise StepError(f"the clip ({length:g} s) is shorter than half a frame at {self.rate} fps: "
                                "no frame would be left", field="rate", hint="pick: shown keeps one")
            info = info.replace(frames=frames, duration=frames / float(self.rate))
        return clip.evolve(video=video, info=info)
