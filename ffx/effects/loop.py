"""loop: the clip played several times over, or until a given length, sound included.

FFmpeg's ``loop``/``aloop`` keep one pass of the clip in memory to replay it,
so the step reports that to the plan's memory estimate.
FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#loop and #aloop
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, model_validator

from ._joint import exact_length
from .base import Effect
from .context import Clip, StepContext
from .fields import Time


class Loop(Effect):
    """Play the clip ``times`` times in a row, or repeat it until it lasts ``duration`` seconds."""

    effect: Literal["loop"] = "loop"
    times: int | None = Field(None, ge=1, le=10000, description="how many times the clip plays in all")
    duration: Time | None = Field(None, description="repeat until the result is this long (the last pass is cut)")

    main_parameter = "times"
    example = "- loop: 3"
    unbounded_because = "repeats the whole clip"
    requires = frozenset({"video", "frame_count", "frame_rate"})

    @model_validator(mode="after")
    def _one(self):
        if (self.times is None) == (self.duration is None):
            raise ValueError("give times or duration")
        if self.duration is not None and self.duration <= 0:
            raise ValueError("duration must be positive")
        return self

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        info = clip.info
        frames = info.frames
        total = self.times * frames if self.times else round(self.duration * info.fps)
        passes = math.ceil(total / frames)
        video = ctx.chain(clip.video, "loop", {"loop": passes - 1, "size": frames, "start": 0})
        if total % frames:
            video = ctx.chain(video, "trim", {"end_frame": total})
        audio = clip.audio
        if audio is not None:
            rate = info.sample_rate or 48000
            samples = round(frames / info.fps * rate)  # one pass, as long as its picture
            audio = exact_length(audio, samples, ctx)
            audio = ctx.chain(audio, "aloop", {"loop": passes - 1, "size": samples})
            audio = ctx.chain(audio, "atrim", {"end_sample": round(total / info.fps * rate)})
        ctx.holds(frames * info.frame_bytes())
        return clip.evolve(video=video, audio=audio, info=info.replace(frames=total, duration=float(total / info.fps)))
