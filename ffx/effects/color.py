"""color: brightness, contrast, saturation, gamma, hue and inversion in one step.

The ``eq`` filter does brightness, contrast, saturation and gamma in one pass
(MoviePy's ``LumContrast``, ``MultiplyColor`` and ``GammaCorrection``), ``hue``
turns the colours around the colour wheel, ``negate`` is MoviePy's
``InvertColors``. Values left at their neutral default add no filter. Brightness, contrast,
saturation, gamma and hue can move: keyframes (``brightness: {0: -0.3, 2: 0}``) are eq's and hue's own
expressions of ``t``, evaluated on every frame (eq's ``eval=frame``).
FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#eq, #hue and #negate
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Effect
from .context import Clip, StepContext
from .keyframes import MOVES_OVER_TIME, Keyframes, moves, moving


class Color(Effect):
    """Adjust brightness, contrast, saturation, gamma and hue, or invert the colours."""

    effect: Literal["color"] = "color"
    brightness: moving(float, ge=-1, le=1) = Field(
        0.0, description="added to the luma as a fraction of full scale (0.1 = 10 % brighter), or keyframes")
    contrast: moving(float, ge=0, le=10) = Field(
        1.0, description="stretches the luma away from mid-gray (1 = unchanged, 0 = flat gray), or keyframes")
    saturation: moving(float, ge=0, le=3) = Field(1.0, description="colour strength (0 = gray, 1 = unchanged), "
                                                                   "or keyframes")
    gamma: moving(float, ge=0.1, le=10) = Field(1.0, description="gamma of the luma (above 1 lifts the shadows), "
                                                                  "or keyframes")
    hue: moving(float, ge=-360, le=360) = Field(0.0, description="turn the colours around the colour wheel, "
                                                                 "degrees, or keyframes")
    invert: bool = Field(False, description="a negative: every channel becomes its opposite")

    example = "- color: {brightness: 0.05, contrast: 1.2, saturation: 1.3}"
    frame_state = "none"
    requires = frozenset({"video"})

    def frames_of_state(self) -> int | str:
        return MOVES_OVER_TIME if moves(self) else 0

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        video = clip.video
        eq = {name: value for name, value, neutral in (
            ("brightness", self.brightness, 0.0), ("contrast", self.contrast, 1.0),
            ("saturation", self.saturation, 1.0), ("gamma", self.gamma, 1.0)) if value != neutral}
        if any(isinstance(value, Keyframes) for value in eq.values()):
            # eval=frame: the moving values are expressions of t, evaluated for every frame
            eq = {name: value.as_expression() if isinstance(value, Keyframes) else value for name, value in eq.items()}
            video = ctx.chain(video, "eq", {**eq, "eval": "frame"})
        elif eq:
            # eval=init: the values are constants, so eq computes its tables once, not per frame
            video = ctx.chain(video, "eq", {**eq, "eval": "init"})
        if isinstance(self.hue, Keyframes):
            video = ctx.chain(video, "hue", {"h": self.hue.as_expression()})  # hue evaluates h on every frame
        elif self.hue:
            video = ctx.chain(video, "hue", {"h": self.hue})
        if self.invert:
            video = ctx.chain(video, "negate")
        return clip.evolve(video=video)
