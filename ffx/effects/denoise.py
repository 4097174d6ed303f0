"""denoise: less grain and sensor noise, by ``hqdn3d`` (spatial and temporal).

``hqdn3d`` is fast (real time at 1080p) and smooths both within a frame and
across frames; ``nlmeans`` is better on heavy noise but one to two orders of
magnitude slower, so ffx offers strengths of the fast one. A named strength
sets the luma's spatial strength; chroma and temporal strengths follow as
hqdn3d's own defaults derive them (chroma 3/4, temporal 1.5x).
FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#hqdn3d
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from .base import Effect
from .context import Clip, StepContext

STRENGTHS = {"light": 2.0, "medium": 4.0, "strong": 8.0}  # luma_spatial; hqdn3d's own default is 4


class Denoise(Effect):
    """Reduce noise: ``strength`` light, medium or strong (or a number, hqdn3d's luma_spatial)."""

    effect: Literal["denoise"] = "denoise"
    strength: Literal["light", "medium", "strong"] | Annotated[float, Field(ge=0, le=100)] = Field(
        "medium", description="light, medium, strong, or hqdn3d's spatial luma strength (0-100; medium is 4)")
    temporal: bool = Field(True, description="also average across frames (smoother still scenes; can smear fast motion)")

    main_parameter = "strength"
    example = "- denoise: strong"
    unbounded_because = "smooths over time recursively (hqdn3d), so every frame carries all earlier ones"
    requires = frozenset({"video"})

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        spatial = STRENGTHS[self.strength] if isinstance(self.strength, str) else float(self.strength)
        chroma = spatial * 0.75
        options = {"luma_spatial": spatial, "chroma_spatial": chroma,
                   "luma_tmp": spatial * 1.5 if self.temporal else 0,
                   "chroma_tmp": chroma * 1.5 if self.temporal else 0}
        video = ctx.chain(clip.video, "hqdn3d", options)
        if clip.info.alpha:
            # hqdn3d has no alpha plane: it would come out opaque, so the untouched alpha is merged back
            alpha = ctx.chain(clip.video, "alphaextract")
            video = ctx.filter("alphamerge", [video, alpha]).pad()
        return clip.evolve(video=video)
