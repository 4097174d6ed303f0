"""loop_crossfade: cross-fade the clip's end into its beginning, so it loops without a jump.

From n frames and a fade of m frames the result has n - m frames: it opens
on the fade from frame n - m into frame 0, then plays frames m .. n - m - 1.
Its last frame is source frame n - m - 1, and the loop goes on to the first
output frame, which is mostly source frame n - m: the motion continues
across the seam. Audio is cross-faded the same way. Since the result opens
on the tail, the head waits in memory until the tail is decoded: almost the
whole clip, which the plan's memory estimate counts.

A fade of exactly half the clip (MoviePy's ``crossfadein(d / 2)`` montage,
the tutorial's castle GIF) leaves no plain part: every frame is a mix, the
loop is n / 2 frames long and the tutorial's GIF shows it twice.
FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#xfade
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..filtergraph import graph
from ..media.memory import audio_bytes, buffering_memory
from .base import Effect
from .context import Clip, StepContext, StepError
from .fields import Time


def fade_frames(clip: Clip, seconds: float) -> tuple[float, int]:
    """(frame rate, fade length in whole frames, at least one) of a clip whose frames are counted (``requires``)."""
    info = clip.info
    rate = float(info.fps)
    return rate, max(1, round(seconds * rate))


class LoopCrossfade(Effect):
    """Make a seamless loop: the last ``fade`` seconds dissolve into the first ones."""

    effect: Literal["loop_crossfade"] = "loop_crossfade"
    fade: Time = Field(0.5, gt=0, le=3600, description="length of the cross-fade, seconds")
    duration: Time | None = Field(None, gt=0, le=86400, description="length of the loop; default: the clip's length minus the fade")

    main_parameter = "fade"
    example = "- loop_crossfade: {fade: 0.8, duration: 3}"
    unbounded_because = "dissolves the end of the clip into its beginning"
    requires = frozenset({"video", "frame_count", "frame_rate"})

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        info = clip.info
        rate, fade = fade_frames(clip, self.fade)
        frames = info.frames
        if self.duration is not None:
            frames = round(self.duration * rate) + fade
            if frames > info.frames:
                raise StepError(f"a {self.duration:g} s loop with a {self.fade:g} s fade needs "
                                f"{frames / rate:.2f} s of clip, and it has {info.duration:.2f} s", field="duration")
        if 2 * fade > frames and self.fade * rate <= frames / 2 + 0.5:
            fade = frames // 2  # half of an odd clip, asked for in seconds, rounded up past the half
        if 2 * fade > frames:
            raise StepError(f"the fade ({fade} frames) must be at most half the clip ({frames} frames)",
                            field="fade")
        cut = frames - fade  # first frame of the tail that fades out
        # the result opens on the tail: the head (frames 0 .. cut - 1, audio too) waits in memory until the
        # tail is decoded. Measured held as planar RGB, the format xfade negotiates (docs/design.md).
        head = clip.info.with_duration(cut / rate) if clip.audio is not None else clip.info.replace(has_audio=False)
        ctx.holds(buffering_memory(info, cut, ctx.encoder_frames) + audio_bytes(head))
        video = ctx.constant_rate(clip)
        tail = ctx.chain(ctx.chain(video, "trim", {"start_frame": cut, "end_frame": frames}), "setpts",
                         {"expr": "PTS-STARTPTS"})
        head = ctx.chain(ctx.chain(video, "trim", {"end_frame": cut}), "setpts", {"expr": "PTS-STARTPTS"})
        seconds = round(fade / rate, 9)
        video = ctx.filter("xfade", [tail, head], {"transition": "fade", "duration": seconds, "offset": 0}).pad()
        audio = None
        if clip.audio is not None:
            start, end = graph.format_number(round(cut / rate, 9)), graph.format_number(round(frames / rate, 9))
            a_tail = ctx.chain(ctx.chain(clip.audio, "atrim", {"start": start, "end": end}), "asetpts",
                               {"expr": "PTS-STARTPTS"})
            a_head = ctx.chain(ctx.chain(clip.audio, "atrim", {"end": start}), "asetpts", {"expr": "PTS-STARTPTS"})
            audio = ctx.filter("acrossfade", [a_tail, a_head], {"duration": seconds}).pad()
        out = cut
        return clip.evolve(video=video, audio=audio, info=info.replace(frames=out, duration=out / rate))
