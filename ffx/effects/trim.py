"""trim: keep part of the clip, video and audio in sync.

FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#trim
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, model_validator

from ..media import MediaInfo
from ..timecode import format_seconds
from .base import Clip, Effect, StepContext, StepError, Time


def resolve_span(start: float, end: float | None, duration: float | None, length: float | None) -> tuple[float, float]:
    """Absolute ``[start, end)`` in seconds; negative times count back from ``length``."""

    def absolute(t: float, name: str) -> float:
        if t < 0:
            if length is None:
                raise StepError(f"{name} {t:g} counts from the end, but the input has no known end", field=name)
            return length + t
        return t

    start_s = absolute(start, "start")
    if duration is not None:
        end_s = start_s + duration
    elif end is not None:
        end_s = absolute(end, "end")
    else:
        if length is None:
            raise StepError("give end or duration: the input has no known end", field="end")
        end_s = length
    if start_s < 0:
        raise StepError(f"start is {-start_s:g} s before the beginning of the input ({length:g} s)", field="start")
    if length is not None and start_s >= length:
        raise StepError(f"start {start_s:g} is past the end of the input ({length:g} s)", field="start")
    if length is not None and end_s > length + 1e-6:
        name = "duration" if duration is not None else "end"
        raise StepError(f"end {end_s:g} is past the end of the input ({length:g} s)", field=name,
                        hint="negative times count from the end, e.g. end: -0.5")
    if end_s <= start_s:
        raise StepError(f"end {end_s:g} must come after start {start_s:g}", field="end")
    return start_s, end_s


def kept_span(info: MediaInfo, start: float, end: float) -> MediaInfo:
    """Media left after keeping ``[start, end)``: frame k (at k/fps) stays when start <= k/fps < end."""
    if info.fps is None or info.frames is None:
        return info.with_duration(end - start)
    first = math.ceil(start * info.fps - 1e-6)
    last = min(info.frames, math.ceil(end * info.fps - 1e-6))
    return info.replace(duration=end - start, frames=max(0, last - first))


class Trim(Effect):
    """Keep ``[start, end)`` (or ``start`` + ``duration``) of the clip.

    Negative times count from the end. As the first step on a file it seeks the
    input (``-ss``/``-t`` before ``-i``), so FFmpeg does not decode what is cut.
    """

    effect: Literal["trim"] = "trim"
    start: Time = Field(0.0, description="first kept instant (seconds or \"m:ss.ff\"); negative counts from the end")
    end: Time | None = Field(None, description="first instant no longer kept; negative counts from the end")
    duration: Time | None = Field(None, description="length to keep, instead of end")

    example = "- trim: {start: \"1:22.65\", end: \"1:23.2\"}"

    @model_validator(mode="after")
    def _one_end(self):
        if self.end is not None and self.duration is not None:
            raise ValueError("give end or duration, not both")
        if self.duration is not None and self.duration <= 0:
            raise ValueError("duration must be positive")
        return self

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        start, end = resolve_span(self.start, self.end, self.duration, clip.info.duration)
        info = kept_span(clip.info, start, end)
        node = clip.input_node
        if ctx.first_step and node is not None:
            # input seeking: frame-accurate when re-encoding, and nothing before start is decoded
            if start > 0:
                node.input_args.append(("-ss", format_seconds(start)))
            node.input_args.append(("-t", format_seconds(end - start)))
            return clip.evolve(info=info, input_node=node)
        span = {"start": format_seconds(start), "end": format_seconds(end)}
        video = audio = None
        if clip.video is not None:
            video = ctx.chain(ctx.chain(clip.video, "trim", span), "setpts", {"expr": "PTS-STARTPTS"})
        if clip.audio is not None:
            audio = ctx.chain(ctx.chain(clip.audio, "atrim", span), "asetpts", {"expr": "PTS-STARTPTS"})
        return clip.evolve(video=video, audio=audio, info=info)
