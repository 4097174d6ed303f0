"""black_white: a grayscale look, by luma (the default) or by a mix of R, G and B.

The default keeps the stream's luma and drops the chroma (``hue=s=0``), in
the stream's own pixel format. ``weights`` mixes the RGB channels instead:
``average`` is (R + G + B) / 3, MoviePy's ``blackwhite``; a list such as
``[0.2125, 0.7154, 0.0721]`` gives any other look. The weights are scaled to
sum to 1, so a white pixel stays white (MoviePy's ``preserve_luminosity``).
FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#hue and
https://ffmpeg.org/ffmpeg-filters.html#colorchannelmixer
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from ..filtergraph import graph
from .base import Effect
from .context import Clip, StepContext


class BlackWhite(Effect):
    """Drop the colour: keep the luma (default), or mix R, G and B with ``weights``."""

    effect: Literal["black_white"] = "black_white"
    weights: Literal["luma", "average"] | list[float] = Field(
        "luma", description="luma (the stream's own brightness), average ((R+G+B)/3, as MoviePy), or [r, g, b]")

    main_parameter = "weights"
    example = "- black_white: {weights: average}"
    frame_state = "none"
    requires = frozenset({"video"})

    @field_validator("weights")
    @classmethod
    def _three_weights(cls, value):
        if isinstance(value, list):
            if len(value) != 3 or any(not 0 <= w <= 1000 for w in value) or sum(value) <= 0:
                raise ValueError("weights are [r, g, b]: three numbers from 0 up, not all 0")
        return value

    def rgb_weights(self) -> tuple[float, float, float] | None:
        """The normalised (r, g, b) mix, or None for the luma look.

        >>> BlackWhite(weights="average").rgb_weights() == (1 / 3, 1 / 3, 1 / 3)
        True
        """
        if self.weights == "luma":
            return None
        r, g, b = (1.0, 1.0, 1.0) if self.weights == "average" else self.weights
        total = r + g + b
        return r / total, g / total, b / total

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        mix = self.rgb_weights()
        if mix is None:
            return clip.evolve(video=ctx.chain(clip.video, "hue", {"s": 0}))
        # the same mix for every output channel, in planar RGB (8 bits, so colorchannelmixer rounds each term)
        video = ctx.rgb(clip.video, alpha=clip.info.alpha)
        options = {f"{out}{src}": graph.format_number(round(w, 9)) for out in "rgb" for src, w in zip("rgb", mix)}
        video = ctx.chain(video, "colorchannelmixer", options)
        return clip.evolve(video=video, info=clip.info.replace(pix_fmt="gbrap" if clip.info.alpha else "gbrp"))
