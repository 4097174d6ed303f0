"""fps: resample the frame rate (duplicating or dropping frames).

FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#fps
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Clip, Effect, Rate, StepContext


class Fps(Effect):
    """Resample to ``rate`` frames per second (GIFs commonly use 10-15)."""

    effect: Literal["fps"] = "fps"
    rate: Rate = Field(description="frames per second: 15, 12.5 or \"30000/1001\"")

    main_parameter = "rate"
    example = "- fps: 15"

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        self.need_video(clip)
        video = ctx.chain(clip.video, "fps", {"fps": self.rate})
        info = clip.info.replace(fps=self.rate)
        return clip.evolve(video=video, info=info.with_duration(info.duration))
