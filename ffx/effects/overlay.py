"""overlay: lay another named stream over the current one at a position.

FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#overlay-1
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Clip, Effect, StepContext, StepError, StreamRef, paired_length


class Overlay(Effect):
    """Draw the stream named in ``with`` over this one, its top-left corner at ``x``, ``y`` pixels."""

    effect: Literal["overlay"] = "overlay"
    other: StreamRef = Field(alias="with", description="the named stream drawn on top")
    x: int = Field(0, ge=-16384, le=16384, description="left edge of the overlay, in pixels")
    y: int = Field(0, ge=-16384, le=16384, description="top edge of the overlay, in pixels")
    shortest: bool = Field(True, description="stop at the end of the shorter stream")

    example = "- overlay: {with: logo, x: 10, y: 10}"

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        self.need_video(clip)
        other = ctx.stream(self.other, "with")
        if other.video is None:
            raise StepError(f"stream {self.other!r} has no video", field="with")
        clip, other = ctx.paired([clip, other])  # a still lasts as long as the stream it meets
        options = {"x": self.x, "y": self.y, "shortest": 1 if self.shortest else None}
        video = ctx.filter("overlay", [ctx.constant_rate(clip), ctx.constant_rate(other)], options).pad()
        return clip.evolve(video=video, info=paired_length(clip, [other], self.shortest))
