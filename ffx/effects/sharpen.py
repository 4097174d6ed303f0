"""sharpen: an unsharp mask on the luma, so edges gain contrast without colour fringes.

``unsharp`` subtracts a blurred copy: ``amount`` is how much of the
difference is added back, ``size`` the blur's matrix (odd, pixels). Only the
luma is sharpened, as photo editors do: sharpening chroma makes coloured
halos. (``cas`` adapts to local contrast but cannot be sized.)
FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#unsharp
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from .base import Effect
from .context import Clip, StepContext


class Sharpen(Effect):
    """Sharpen edges with an unsharp mask of ``amount`` over a ``size`` x ``size`` neighbourhood."""

    effect: Literal["sharpen"] = "sharpen"
    amount: float = Field(1.0, gt=0, le=5, description="strength: how much of the detail is added back (1 = doubled)")
    size: int = Field(5, ge=3, le=23, description="neighbourhood in pixels (odd): larger sharpens coarser detail")

    main_parameter = "amount"
    example = "- sharpen: {amount: 1.0, size: 5}"
    frame_state = "none"
    requires = frozenset({"video"})

    @field_validator("size")
    @classmethod
    def _odd(cls, value: int) -> int:
        if value % 2 == 0:
            raise ValueError(f"size must be odd (3, 5, 7, ...), not {value}")
        return value

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        video = ctx.chain(clip.video, "unsharp", {"luma_msize_x": self.size, "luma_msize_y": self.size,
                                                  "luma_amount": self.amount})
        return clip.evolve(video=video)
