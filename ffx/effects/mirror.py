"""mirror: flip the picture left-right (``x``) and/or upside down (``y``).

MoviePy's ``MirrorX`` and ``MirrorY`` in one step. Both filters only move
pixels, so the result is exact on every plane, subsampled chroma included.
FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#hflip and #vflip
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .base import Effect
from .context import Clip, StepContext


class Mirror(Effect):
    """Flip the picture: left-right (``x``, the default) and/or upside down (``y``)."""

    effect: Literal["mirror"] = "mirror"
    x: bool = Field(True, description="swap left and right (hflip)")
    y: bool = Field(False, description="swap top and bottom (vflip)")

    example = "- mirror: {x: true, y: false}"
    frame_state = "none"
    requires = frozenset({"video"})

    @model_validator(mode="after")
    def _some_flip(self):
        if not self.x and not self.y:
            raise ValueError("mirror nothing? set x, y or both to true")
        return self

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        video = clip.video
        if self.x:
            video = ctx.chain(video, "hflip")
        if self.y:
            video = ctx.chain(video, "vflip")
        return clip.evolve(video=video)
