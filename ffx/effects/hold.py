"""hold: one frame held still for a while, the sound silent meanwhile; the clip then goes on.

The clip is cut after the held frame, ``tpad`` clones that frame (FFmpeg keeps
just that one), and the rest follows; the same span of silence goes into the
sound, so everything after the hold stays in sync. (``loop`` with a one-frame
buffer would do it in one filter, but which frame it repeats for a given
``start`` is off by one in FFmpeg 7-9.)
FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#tpad and #concat
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field

from ..filtergraph import graph
from ._joint import exact_length, silence
from .base import Effect
from .context import Clip, StepContext, StepError
from .fields import Time


class Hold(Effect):
    """Hold the frame at ``at`` (or the last frame, ``at: end``) still for ``duration`` seconds."""

    effect: Literal["hold"] = "hold"
    duration: Time = Field(gt=0, description="how long the frame stays, in seconds")
    at: Time | Literal["end"] = Field("end", description="the time of the frame to hold (seconds), or end")

    main_parameter = "duration"
    example = "- hold: {at: 1.5, duration: 2}"
    unbounded_because = "stops the picture at a given time"
    requires = frozenset({"video", "frame_count", "frame_rate"})

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        info = clip.info
        held = round(self.duration * info.fps)
        if held < 1:
            raise StepError("the hold is shorter than one frame", field="duration")
        if self.at == "end":
            index = info.frames - 1
            video = ctx.chain(clip.video, "tpad", {"stop_mode": "clone", "stop": held})
        else:
            at = self.at + info.duration if self.at < 0 else self.at
            index = math.ceil(at * info.fps - 1e-6)  # the frame showing from `at` on
            if not 0 <= index < info.frames:
                raise StepError(f"at {self.at:g} s is outside the clip (0-{info.duration:g} s)", field="at")
            head = ctx.chain(clip.video, "trim", {"end_frame": index + 1})
            head = ctx.chain(head, "tpad", {"stop_mode": "clone", "stop": held})
            video = ctx.chain(clip.video, "trim", {"start_frame": index + 1})
            if index + 1 < info.frames:
                rest = ctx.chain(video, "setpts", {"expr": "PTS-STARTPTS"})
                video = ctx.filter("concat", [head, rest], {"n": 2, "v": 1, "a": 0}).pad()
            else:
                video = head
        audio = clip.audio
        if audio is not None:
            rate = info.sample_rate or 48000
            split = round(index / info.fps * rate) if self.at != "end" else round(info.frames / info.fps * rate)
            gap = ctx.chain(silence(rate, info.channel_layout or "stereo", ctx), "atrim",
                            {"end_sample": round(held / info.fps * rate)})
            if self.at == "end":
                audio = exact_length(audio, split, ctx)
                parts = [audio, gap]
            else:
                before = ctx.chain(audio, "atrim", {"end_sample": split})
                after = ctx.chain(ctx.chain(audio, "atrim", {"start_sample": split}), "asetpts",
                                  {"expr": "PTS-STARTPTS"})
                parts = [before, gap, after]
            audio = ctx.filter("concat", parts, {"n": len(parts), "v": 0, "a": 1}, outputs=(graph.AUDIO,)).pad()
        frames = info.frames + held
        return clip.evolve(video=video, audio=audio, info=info.replace(frames=frames, duration=float(frames / info.fps)))
