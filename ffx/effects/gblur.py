"""gblur: Gaussian blur, the glow in the motion "bloom" look.

FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#gblur
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Effect
from .context import Clip, StepContext


class Gblur(Effect):
    """Blur with a Gaussian of standard deviation ``sigma`` pixels."""

    effect: Literal["gblur"] = "gblur"
    sigma: float = Field(5.0, gt=0, le=1024, description="standard deviation of the blur, in pixels")
    steps: int = Field(1, ge=1, le=6, description="passes of the approximation; more is closer to a true Gaussian")

    main_parameter = "sigma"
    example = "- gblur: {sigma: 5, steps: 6}"
    frame_state = "none"
    requires = frozenset({"video"})

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        return clip.evolve(video=ctx.chain(clip.video, "gblur", {"sigma": self.sigma, "steps": self.steps}))
