"""tblend: blend each frame with the one before it.

FFmpeg emits no frame for the first input frame, so the clip is one frame
shorter; ``motion`` keeps the length instead (see motion.py).
FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#tblend
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Effect
from .blend import BlendMode
from .context import Clip, StepContext, StepError


class Tblend(Effect):
    """Blend the current frame (top) with the previous one (bottom)."""

    effect: Literal["tblend"] = "tblend"
    mode: BlendMode = Field("subtract", description="blend mode for every component")
    opacity: float = Field(1.0, ge=0, le=1, description="opacity of the blend")

    main_parameter = "mode"
    example = "- tblend: difference"
    unbounded_because = "puts out one frame fewer than it receives, which the seams would have to follow"
    requires = frozenset({"video"})

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        info = clip.info
        if info.frames is not None and info.frames < 2:
            raise StepError("tblend needs at least 2 frames")
        options = {"all_mode": self.mode, "all_opacity": self.opacity if self.opacity != 1 else None}
        video = ctx.chain(clip.video, "tblend", options)
        if info.frames is not None:
            info = info.replace(frames=info.frames - 1, duration=(info.frames - 1) / float(info.fps))
        return clip.evolve(video=video, info=info)
