"""blend: mix the current stream with another named stream, pixel by pixel.

FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#blend-1
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Effect
from .context import Clip, StepContext, StepError, paired_length
from .fields import StreamRef

BlendMode = Literal[
    "addition", "addition128", "grainmerge", "and", "average", "burn", "darken", "difference", "difference128",
    "grainextract", "divide", "dodge", "freeze", "exclusion", "extremity", "glow", "hardlight", "hardmix",
    "heat", "lighten", "linearlight", "multiply", "multiply128", "negation", "normal", "or", "overlay",
    "phoenix", "pinlight", "reflect", "screen", "softlight", "subtract", "vividlight", "xor", "softdifference",
    "geometric", "harmonic", "bleach", "stain", "interpolate", "hardoverlay",
]


def same_size(a: Clip, b: Clip, what: str, field: str) -> None:
    if (a.info.width, a.info.height) != (b.info.width, b.info.height):
        raise StepError(f"{what} needs equal frame sizes, got {a.info.size} and {b.info.size}", field=field,
                        hint="resize or crop one of them first")


class Blend(Effect):
    """Blend the stream (top) with the stream named in ``with`` (bottom)."""

    effect: Literal["blend"] = "blend"
    other: StreamRef = Field(alias="with", description="the named stream blended under this one")
    all_mode: BlendMode | None = Field(None, description="blend mode for every component")
    all_opacity: float | None = Field(None, ge=0, le=1, description="opacity of the blend for every component")
    c0_mode: BlendMode | None = None
    c1_mode: BlendMode | None = None
    c2_mode: BlendMode | None = None
    c3_mode: BlendMode | None = None
    shortest: bool = Field(True, description="stop at the end of the shorter stream")

    example = "- blend: {with: motion, all_mode: multiply128}"
    frame_state = "none"
    frame_clock = "index"
    requires = frozenset({"video"})

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        other = ctx.stream(self.other, "with", needs={"video"})
        same_size(clip, other, "blend", "with")
        clip, other = ctx.paired([clip, other])  # a still lasts as long as the stream it meets
        options = {k: getattr(self, k) for k in ("all_mode", "all_opacity", "c0_mode", "c1_mode", "c2_mode", "c3_mode")}
        options["shortest"] = 1 if self.shortest else None
        video = ctx.filter("blend", [ctx.constant_rate(clip), ctx.constant_rate(other)], options).pad()
        info = paired_length(clip, [other], self.shortest)
        return clip.evolve(video=ctx.ends_after_its_frames(video, info), info=info)
