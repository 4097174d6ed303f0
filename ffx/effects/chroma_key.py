"""chroma_key: one colour (a green screen) becomes transparent.

ffx keys in RGB (``colorkey``), not in YUV (``chromakey``): a pixel goes
transparent when its RGB distance to ``color`` is within ``similarity`` (a
fraction of the largest distance), as MoviePy's ``mask_color`` decides, and
any colour can be keyed, black, white or gray included; ``chromakey``
compares chroma only, so it cannot tell those apart (they all have neutral
chroma). ``blend`` softens the edge: pixels a little beyond the similarity are
partly transparent.

The result carries an alpha channel (``MediaInfo.alpha``), so outputs that
cannot keep it (MP4, JPEG) are refused rather than flattened; write GIF,
WebP, WebM, PNG, or FFV1 in Matroska. Lay it over another clip with
``overlay``.
FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#colorkey
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Effect
from .context import Clip, StepContext
from .fields import Color


class ChromaKey(Effect):
    """Make ``color`` transparent (a green screen): within ``similarity`` fully, with a soft ``blend`` edge."""

    effect: Literal["chroma_key"] = "chroma_key"
    color: Color = Field("#00ff00", description="the colour to remove: a name or #rrggbb (default pure green)")
    similarity: float = Field(0.1, ge=0.00001, le=1, description="how close a colour must be to go transparent (fraction of the largest RGB distance)")
    blend: float = Field(0.0, ge=0, le=1, description="soft edge: colours up to this much farther are partly transparent")

    main_parameter = "color"
    example = "- chroma_key: {color: \"#00ff00\", similarity: 0.3, blend: 0.1}"
    frame_state = "none"
    requires = frozenset({"video"})

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        # colorkey works on packed RGBA; made from planar RGB, as every RGB conversion in ffx (StepContext.rgb)
        video = ctx.rgb(clip.video, packed=True, alpha=True)
        video = ctx.chain(video, "colorkey", {"color": self.color, "similarity": self.similarity, "blend": self.blend})
        return clip.evolve(video=video, info=clip.info.replace(alpha=True))
