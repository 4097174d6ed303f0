"""gblur: Gaussian blur, the glow in the motion "bloom" look.

``sigma`` can move: keyframes become ``sendcmd`` commands setting gblur's sigma on every frame.

FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#gblur
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Effect
from .context import Clip, StepContext
from .keyframes import MOVES_OVER_TIME, Keyframes, commanded, moves, moving


class Gblur(Effect):
    """Blur with a Gaussian of standard deviation ``sigma`` pixels."""

    effect: Literal["gblur"] = "gblur"
    sigma: moving(float, gt=0, le=1024) = Field(5.0, description="standard deviation of the blur, in pixels, or "
                                                                 "keyframes")
    steps: int = Field(1, ge=1, le=6, description="passes of the approximation; more is closer to a true Gaussian")

    main_parameter = "sigma"
    example = "- gblur: {sigma: 5, steps: 6}"
    frame_state = "none"
    requires = frozenset({"video"})

    def frames_of_state(self) -> int | str:
        return MOVES_OVER_TIME if moves(self) else 0

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        if isinstance(self.sigma, Keyframes):
            return clip.evolve(video=commanded(ctx, clip.video, "gblur", {"steps": self.steps}, "sigma", self.sigma,
                                               "sigma"))
        return clip.evolve(video=ctx.chain(clip.video, "gblur", {"sigma": self.sigma, "steps": self.steps}))
