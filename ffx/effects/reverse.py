"""reverse: the clip played backwards, audio reversed too.

FFmpeg's reverse/areverse keep every decoded frame until the input ends, so the
step reports its memory use to the plan.
FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#reverse
"""

from __future__ import annotations

from typing import Literal

from .base import Clip, Effect, StepContext, StepError


def reverse_memory(clip: Clip) -> int:
    """Bytes the in-memory reverse holds at its peak: every frame and every audio sample."""
    info = clip.info
    total = 0
    if clip.video is not None and info.frames:
        total += info.frames * info.frame_bytes()
    if clip.audio is not None and info.duration:
        total += int(info.duration * (info.sample_rate or 48000) * 2 * 4)  # stereo float
    return total


def reversed_pads(clip: Clip, ctx: StepContext):
    if clip.info.duration is None:
        raise StepError("cannot reverse a stream with no end (a camera or live stream)")
    video = ctx.chain(clip.video, "reverse") if clip.video is not None else None
    audio = ctx.chain(clip.audio, "areverse") if clip.audio is not None else None
    ctx.memory_bytes = max(ctx.memory_bytes, reverse_memory(clip))
    return video, audio


class Reverse(Effect):
    """Play the clip backwards; the first frame out is the last frame in."""

    effect: Literal["reverse"] = "reverse"

    example = "- reverse"

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        video, audio = reversed_pads(clip, ctx)
        return clip.evolve(video=video, audio=audio)
