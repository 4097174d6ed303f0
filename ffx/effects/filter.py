"""filter: any FFmpeg filter by name, for what ffx has no effect for yet.

Options are written flat beside ``name``; they are escaped like every other
value, and filters or options that can touch files, devices or code are refused
unless the recipe is trusted (``--allow-unsafe``).
FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import ConfigDict, Field, model_validator

from ..graph import FILTER_NAME, OPTION_NAME
from ..safety import unsafe_filter_reason
from .base import Clip, Effect, StepContext, StepError

Scalar = str | int | float | bool


class RawFilter(Effect):
    """Apply one FFmpeg filter: ``{name: tmix, frames: 3, weights: "-1 0 1"}``.

    ffx cannot know what an arbitrary filter does to the stream, so it assumes
    size, rate and length unchanged; later checks rely on that.
    """

    model_config = ConfigDict(extra="allow")

    effect: Literal["filter"] = "filter"
    name: str = Field(pattern=FILTER_NAME.pattern, max_length=64, description="the FFmpeg filter's name")
    stream: Literal["video", "audio"] = Field("video", description="which stream the filter applies to")

    main_parameter = "name"
    example = "- filter: {name: tmix, frames: 3, weights: \"-1 0 1\", scale: 2}"

    @model_validator(mode="after")
    def _options(self):
        for key, value in (self.model_extra or {}).items():
            if not OPTION_NAME.match(key):
                raise ValueError(f"option name {key!r} must be lowercase letters, digits and _")
            values = value if isinstance(value, list) else [value]
            for item in values:
                if not isinstance(item, (str, int, float, bool)):
                    raise ValueError(f"option {key!r} must be a number, text or a list of them")
                if isinstance(item, float) and not math.isfinite(item):
                    raise ValueError(f"option {key!r} must be finite")
        return self

    def options(self) -> dict:
        return dict(self.model_extra or {})

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        reason = unsafe_filter_reason(self.name, list(self.options()))
        if reason and not ctx.allow_unsafe:
            raise StepError(f"refused: {reason}", field="name",
                            hint="only for recipes you trust: --allow-unsafe")
        pad = clip.video if self.stream == "video" else clip.audio
        if pad is None:
            raise StepError(f"the stream has no {self.stream}", field="stream")
        out = ctx.chain(pad, self.name, self.options())
        if self.stream == "video":
            return clip.evolve(video=out)
        return clip.evolve(audio=out)
