"""tmix: a weighted mix of the last N frames, the general temporal filter.

With weights ``-1 0 ... 0 1`` and ``scale=2`` it subtracts the frame N-1 back
from the current one (motion extraction). The weights are a YAML list; FFmpeg
wants them space-separated, which this effect writes.
FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#tmix
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .base import Effect
from .context import Clip, StepContext

Weight = float


def difference_weights(frames: int) -> list[int]:
    """``-1 0 ... 0 1``: the oldest frame subtracted from the newest.

    >>> difference_weights(3)
    [-1, 0, 1]
    """
    return [-1] + [0] * (frames - 2) + [1]


def weights_text(weights: list[float]) -> str:
    return " ".join(str(int(w)) if float(w).is_integer() else repr(float(w)) for w in weights)


class Tmix(Effect):
    """Mix each frame with the ones before it, with a weight per frame (oldest first)."""

    effect: Literal["tmix"] = "tmix"
    frames: int = Field(3, ge=2, le=1024, description="how many frames are mixed (the current one and frames-1 before it)")
    weights: list[Weight] | Literal["difference"] | None = Field(
        None, description="one weight per frame, oldest first; `difference` = -1 0 ... 0 1; default all 1 (an average)")
    scale: float | None = Field(None, ge=-1e6, le=1e6, description="multiply the weighted sum by this; default 1 / sum of weights")

    main_parameter = "frames"
    example = "- tmix: {frames: 3, weights: [-1, 0, 1], scale: 2}"
    frame_state = "bounded"
    requires = frozenset({"video"})

    def frames_of_state(self) -> int | str:
        return self.frames - 1  # the current frame and frames - 1 before it

    @model_validator(mode="after")
    def _weights_match_frames(self):
        if isinstance(self.weights, list):
            if len(self.weights) != self.frames:
                raise ValueError(f"give {self.frames} weights, one per frame (got {len(self.weights)})")
            if any(abs(w) > 1e6 for w in self.weights):
                raise ValueError("weights must lie within ±1e6")
        return self

    def resolved_weights(self) -> list[float] | None:
        if self.weights == "difference":
            return difference_weights(self.frames)
        return self.weights

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        weights = self.resolved_weights()
        ctx.holds_frames(clip.info, self.frames)  # the window of frames mixed
        options = {"frames": self.frames, "weights": weights_text(weights) if weights else None, "scale": self.scale}
        return clip.evolve(video=ctx.chain(clip.video, "tmix", options))
