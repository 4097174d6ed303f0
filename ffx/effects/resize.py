"""resize: scale the frame by a factor or to a width and/or height.

FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#scale
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .base import Effect
from .context import Clip, StepContext, StepError


class Resize(Effect):
    """Scale by ``factor``, or to ``width`` and/or ``height`` keeping the aspect ratio."""

    effect: Literal["resize"] = "resize"
    factor: float | None = Field(None, gt=0, le=16, description="scale both sides by this factor (0.5 = half size)")
    width: int | None = Field(None, ge=1, le=16384, description="target width in pixels (height follows unless given)")
    height: int | None = Field(None, ge=1, le=16384, description="target height in pixels (width follows unless given)")
    even: bool = Field(False, description="round both sides to even numbers (4:2:0 codecs need them)")
    flags: Literal["lanczos", "bicubic", "bilinear", "area", "neighbor", "spline"] = Field("lanczos", description="scaling algorithm")

    main_parameter = "factor"
    example = "- resize: 0.3"
    frame_state = "none"
    requires = frozenset({"video"})

    @model_validator(mode="after")
    def _one_way(self):
        if self.factor is None and self.width is None and self.height is None:
            raise ValueError("give a factor, a width or a height")
        if self.factor is not None and (self.width is not None or self.height is not None):
            raise ValueError("give a factor or a size, not both")
        return self

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        w0, h0 = clip.info.width, clip.info.height
        step = 2 if self.even else 1

        def rounded(x: float) -> int:
            return max(step, int(x / step + 0.5) * step)

        if self.factor is not None:
            w, h = rounded(w0 * self.factor), rounded(h0 * self.factor)
        elif self.width is not None and self.height is not None:
            w, h = rounded(self.width), rounded(self.height)
        elif self.width is not None:
            w = rounded(self.width)
            h = rounded(h0 * w / w0)
        else:
            h = rounded(self.height)
            w = rounded(w0 * h / h0)
        if w > 16384 or h > 16384:
            raise StepError(f"the result {w}x{h} is larger than 16384 pixels on a side", field="factor")
        video = ctx.chain(clip.video, "scale", {"w": w, "h": h, "flags": self.flags})
        return clip.evolve(video=video, info=clip.info.replace(width=w, height=h))
