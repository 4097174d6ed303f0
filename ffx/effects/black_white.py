"""black_white: a grayscale look, kept in the stream's own pixel format.

FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#hue
"""

from __future__ import annotations

from typing import Literal

from .base import Clip, Effect, StepContext


class BlackWhite(Effect):
    """Drop the colour: the luma stays, chroma goes neutral (``hue=s=0``)."""

    effect: Literal["black_white"] = "black_white"

    example = "- black_white"

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        self.need_video(clip)
        return clip.evolve(video=ctx.chain(clip.video, "hue", {"s": 0}))
