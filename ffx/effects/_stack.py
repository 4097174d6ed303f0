"""What hstack and vstack share: streams placed next to each other along one side.

FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#hstack
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from .base import Effect
from .context import Clip, StepContext, StepError, paired_length, require
from .fields import StreamRef


class _Stack(Effect):
    others: list[StreamRef] = Field(alias="with", min_length=1, max_length=15, description="the named streams placed after this one")
    shortest: bool = Field(True, description="stop at the end of the shortest stream")

    main_parameter = "others"
    frame_state = "none"
    frame_clock = "index"
    filter_name: ClassVar[str]
    shared_side: ClassVar[str]
    requires = frozenset({"video"})

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        clips = [clip] + [ctx.stream(name, "with") for name in self.others]
        for name, other in zip(self.others, clips[1:]):
            require(other, {"video"}, stream=name, field="with")
            if getattr(other.info, self.shared_side) != getattr(clip.info, self.shared_side):
                raise StepError(
                    f"{self.effect} needs equal {self.shared_side}s, got {clip.info.size} and {other.info.size}",
                    field="with", hint="resize one of them first")
        clips = ctx.paired(clips)  # stills last as long as the first moving stream
        options = {"inputs": len(clips), "shortest": 1 if self.shortest else None}
        video = ctx.filter(self.filter_name, [ctx.constant_rate(c) for c in clips], options).pad()
        info = paired_length(clips[0], clips[1:], self.shortest)
        if self.filter_name == "hstack":
            info = info.replace(width=sum(c.info.width for c in clips))
        else:
            info = info.replace(height=sum(c.info.height for c in clips))
        return clips[0].evolve(video=ctx.ends_after_its_frames(video, info), info=info)
