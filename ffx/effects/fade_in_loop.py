"""fade_in_loop: the first frame fades in over the end, so a nearly-looping clip loops.

Over the last ``fade`` seconds the clip dissolves into a still of its first
frame: frame n - m + i shows (1 - i/m) of itself and i/m of frame 0. The length
is kept, the last frame is already almost frame 0, and the loop restarts on
frame 0 itself: no jump and no repeated frame. Memory stays flat: ``loop``
keeps the one still frame (measured the same for 5 and 40 s clips).
FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#xfade
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Effect
from .context import Clip, StepContext, StepError
from .fields import Time
from .loop_crossfade import fade_frames


class FadeInLoop(Effect):
    """Fade the first frame in over the last ``fade`` seconds (a snapshot fade-in loop)."""

    effect: Literal["fade_in_loop"] = "fade_in_loop"
    fade: Time = Field(1.0, gt=0, le=3600, description="length of the fade, seconds")

    main_parameter = "fade"
    example = "- fade_in_loop: 1.5"
    unbounded_because = "dissolves the first frame into the last part of the clip"
    requires = frozenset({"video", "frame_count", "frame_rate"})

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        info = clip.info
        rate, fade = fade_frames(clip, self.fade)
        if fade >= info.frames:
            raise StepError(f"the fade ({fade} frames) must be shorter than the clip ({info.frames} frames)",
                            field="fade")
        video = ctx.constant_rate(clip)
        still = ctx.chain(video, "trim", {"end_frame": 1})
        still = ctx.chain(still, "loop", {"loop": fade - 1, "size": 1})
        still = ctx.chain(still, "setpts", {"expr": f"N/({info.fps}*TB)"})
        offset = round((info.frames - fade) / rate, 9)
        video = ctx.filter("xfade", [video, still], {"transition": "fade", "duration": round(fade / rate, 9),
                                                     "offset": offset}).pad()
        return clip.evolve(video=video, info=ctx.constant_rate_info(info))
