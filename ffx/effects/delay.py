"""delay: the stream N frames late, the first frame held while it catches up.

Output frame i is input frame max(i - N, 0), and the frame count is kept when
it is known, so a delayed copy lines up with the original in ``blend``. A
live source (unknown length) keeps every frame; ``blend``'s ``shortest`` ends
the pair with the original.
FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#tpad
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..filtergraph.graph import Pad
from ..media.info import MediaInfo
from .base import Effect
from .context import Clip, StepContext


def delayed(video: Pad, frames: int, ctx: StepContext, info: MediaInfo) -> Pad:
    """``video`` (already constant-rate) ``frames`` late, first frame cloned; ``frames`` longer.

    ``tpad`` itself holds nothing; whatever pairs the delayed copy with the original (blend, overlay, a
    stack) keeps ``frames`` frames of it waiting for their partners: counted here, where the length is known.
    """
    ctx.holds_frames(info, frames)
    return ctx.chain(video, "tpad", {"start": frames, "start_mode": "clone"})


class Delay(Effect):
    """Show each frame N frames later; the first frame fills the gap."""

    effect: Literal["delay"] = "delay"
    frames: int = Field(1, ge=1, le=100000, description="how many frames late")

    main_parameter = "frames"
    example = "- delay: 3"
    frame_state = "bounded"
    frame_clock = "index"
    requires = frozenset({"video"})

    def frames_of_state(self) -> int | str:
        return self.frames

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        video = delayed(ctx.constant_rate(clip), self.frames, ctx, clip.info)
        if clip.info.frames is not None:
            video = ctx.chain(video, "trim", {"end_frame": clip.info.frames})
        return clip.evolve(video=video, info=ctx.constant_rate_info(clip.info))
