"""trim: keep part of the clip, video and audio in sync.

FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#trim
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from pydantic import Field, model_validator

from ..syntax.timecode import format_seconds
from .base import Effect
from .context import Clip, StepContext, StepError
from .fields import Time


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


def exact(seconds: float) -> Fraction:
    """A time as the decimal it was written as: 0.4 is 2/5, not the binary float just above it.

    Nanoseconds are the finest a recipe states; rounding to them also undoes the float
    sums of resolve_span (0.4 + 0.8 is 1.2000000000000002, past the frame at 1.2).

    >>> exact(0.4), exact(1.001), exact(0.4 + 0.8)
    (Fraction(2, 5), Fraction(1001, 1000), Fraction(6, 5))
    """
    return Fraction(repr(round(float(seconds), 9)))


@dataclass(frozen=True)
class Cut:
    """Which frames a trim keeps, and where it cuts so that no timestamp rounding moves a frame across.

    FFmpeg turns a time in seconds into a stream's ticks by rounding (``-ss``
    to microseconds, then the time base; ``trim`` with ``lrint``), so a cut
    exactly at a frame's time may land a tick either side of it. The video is
    therefore cut half-way between frames; the audio at the kept frames' own
    span, so both start and end together.
    """

    frames: int
    first: Fraction  # when the first kept frame is shown
    next: Fraction  # the next frame's time, or the end of the stream
    stop: Fraction  # when the clip ends: ``next``, or the trim's end when that comes first
    before: Fraction | None  # half-way between the frame before and the first kept one; None: nothing before
    after: Fraction  # half-way between the last kept frame and ``next``

    @property
    def duration(self) -> Fraction:
        return self.stop - self.first


def cut_frames(times: Sequence[Fraction], stream_end: Fraction | None, start: float, end: float,
               frame: Fraction | None = None, unit: Fraction | None = None) -> Cut:
    """Keep exactly the frames with ``start <= t < end`` among ``times`` (sorted, seconds).

    ``stream_end`` is when the last frame in ``times`` stops showing (None: unknown,
    then ``frame``, a nominal frame length, stands in). The last kept frame is shown
    until the next one or until ``end``, whichever comes first (rounded to the time
    base ``unit`` when known), so a 2 s trim lasts 2 s even when its last frame would
    stay longer.

    >>> cut = cut_frames([Fraction(k, 24) for k in range(48)], Fraction(2), 0.03, 1.0)
    >>> cut.frames, cut.first, cut.next, cut.stop, cut.before, cut.after
    (23, Fraction(1, 24), Fraction(1, 1), Fraction(1, 1), Fraction(1, 48), Fraction(47, 48))
    >>> cut_frames([Fraction(k, 10) for k in range(20)], None, 0, 0.95, unit=Fraction(1, 1000)).stop
    Fraction(19, 20)
    """
    lo, hi = exact(start), exact(end)
    kept = [i for i, t in enumerate(times) if lo <= t < hi]
    if not kept:
        raise StepError(f"no frame is shown between {start:g} s and {end:g} s", field="start")
    i, j = kept[0], kept[-1]
    first, last = times[i], times[j]
    if j + 1 < len(times):
        following = times[j + 1]
    elif stream_end is not None and stream_end > last:
        following = stream_end
    else:
        following = last + (frame or (last - times[j - 1] if j > 0 else Fraction(1, 25)))
    before = (times[i - 1] + first) / 2 if i > 0 else None
    stop = following
    if hi < following:
        stop = round(hi / unit) * unit if unit else hi
    return Cut(frames=len(kept), first=first, next=following, stop=stop, before=before,
               after=(last + following) / 2)


def constant_rate_times(fps: Fraction, frames: int | None, start: float,
                        end: float) -> tuple[list[Fraction], Fraction | None]:
    """Frame ``k`` at ``k / fps``: the times around ``[start, end)``, and the stream's end if they reach it.

    >>> constant_rate_times(Fraction(25), 50, 0.4, 0.5)
    ([Fraction(9, 25), Fraction(2, 5), Fraction(11, 25), Fraction(12, 25), Fraction(13, 25)], None)
    """
    lo = max(0, math.ceil(exact(start) * fps) - 1)
    hi = math.ceil(exact(end) * fps) + 1
    if frames is not None and hi >= frames:
        return [k / fps for k in range(lo, frames)], frames / fps
    return [k / fps for k in range(lo, hi)], None


class Trim(Effect):
    """Keep ``[start, end)`` (or ``start`` + ``duration``) of the clip: exactly the frames with ``start <= pts < end``.

    Negative times count from the end. On a file the frames' own times are read
    (a short packet scan, nothing decoded), so variable-rate clips
    count right. As the first step it seeks the input (``-ss`` before ``-i``),
    so FFmpeg does not decode what is cut. The rules: docs/design.md, "Frame selection".
    """

    effect: Literal["trim"] = "trim"
    start: Time = Field(0.0, description="first kept instant (seconds or \"m:ss.ff\"); negative counts from the end")
    end: Time | None = Field(None, description="first instant no longer kept; negative counts from the end")
    duration: Time | None = Field(None, description="length to keep, instead of end")

    example = "- trim: {start: \"1:22.65\", end: \"1:23.2\"}"
    unbounded_because = "cuts by time; render the cut to a file first, then split that"

    @model_validator(mode="after")
    def _one_end(self):
        if self.end is not None and self.duration is not None:
            raise ValueError("give end or duration, not both")
        if self.duration is not None and self.duration <= 0:
            raise ValueError("duration must be positive")
        return self

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        # the header's length bounds the span: a long file is not read whole for an excerpt (media.UncountedInfo)
        start, end = resolve_span(self.start, self.end, self.duration, clip.info.estimate.duration)
        node = clip.input_node
        # seeking the input skips decoding what is cut, where FFmpeg's -ss lands exactly
        seekable = ctx.first_step and node is not None and clip.info.seeks_exactly and ctx.input_options is not None
        cut = self._cut(clip, ctx, start, end)
        if cut is None:  # no frames to count (audio only, or a rate nobody knows): FFmpeg's own rule
            return self._by_time(clip, ctx, start, end, seekable)
        seek = Fraction(0)
        if seekable:
            # input seeking: nothing before the cut is decoded. The length only bounds the reading (a second
            # to spare): FFmpeg counts it from the first frame decoded, not from the seek, so it cannot cut exactly
            if cut.before is not None and cut.before > 0:
                seek = cut.before
            ctx.input_options.seek(node, float(seek), float(cut.next - seek) + 1)
        video = audio = None
        if clip.video is not None:
            # FFmpeg reads a time in whole microseconds, dropping the rest: a cut half-way between two frames
            # of 1001/24000 s (an AVI's time base) read a hair early lands on the frame before. Rounded up
            span = {"end": format_seconds(math.ceil((cut.after - seek) * 10**6) / 10**6)}
            if cut.before is not None and cut.before > seek:
                span = {"start": format_seconds(math.ceil((cut.before - seek) * 10**6) / 10**6), **span}
            video = ctx.chain(clip.video, "trim", span)
            expr = "PTS-STARTPTS"
            if cut.stop < cut.next:
                # the stream ends where the trim does, not when the frame after would come: setpts maps the
                # end-of-stream time too, and fps fills its slots up to it (no slot at 2.00 s in [0, 2))
                expr = f"min(PTS-STARTPTS,round({format_seconds(float(cut.duration))}/TB))"
            video = ctx.chain(video, "setpts", {"expr": expr})
        if clip.audio is not None:
            span = {"start": format_seconds(float(cut.first - seek)), "end": format_seconds(float(cut.stop - seek))}
            audio = ctx.chain(ctx.chain(clip.audio, "atrim", span), "asetpts", {"expr": "PTS-STARTPTS"})
        info = clip.info.replace(duration=float(cut.duration), frames=cut.frames)
        # a seeked input stays known as one, so a reverse can still read it again segment by segment
        return clip.evolve(video=video, audio=audio, info=info, input_node=node if seekable else None)

    @staticmethod
    def _cut(clip: Clip, ctx: StepContext, start: float, end: float) -> Cut | None:
        """The frames kept: from the file's own packet times when the clip is a file as read, else by rate."""
        info, node = clip.info, clip.input_node
        if clip.video is None or info.estimate.fps is None:
            return None
        frame = 1 / info.estimate.fps
        # a plain file as read: no seek yet, nor the options of a picture sequence
        as_read = node is not None and not node.input_args and node.name.startswith("file:")
        if as_read and ctx.input_files is not None:
            # a file's frames need not sit on k / fps (phones, screen recorders): read where they are
            read = ctx.input_files.frame_times(node.name[len("file:"):], start, end, info.start_time)
            return cut_frames(read.times, read.end, start, end, frame, read.unit)
        if info.duration is None and info.frames is None:
            return None  # a live source: it has no end to count to
        times, stream_end = constant_rate_times(info.fps, info.frames, start, end)
        return cut_frames(times, stream_end, start, end, frame)

    @staticmethod
    def _by_time(clip: Clip, ctx: StepContext, start: float, end: float, seekable: bool) -> Clip:
        info = clip.info.with_duration(end - start)
        if seekable:
            ctx.input_options.seek(clip.input_node, start, end - start)
            return clip.evolve(info=info, input_node=clip.input_node)
        span = {"start": format_seconds(start), "end": format_seconds(end)}
        video = audio = None
        if clip.video is not None:
            video = ctx.chain(ctx.chain(clip.video, "trim", span), "setpts", {"expr": "PTS-STARTPTS"})
        if clip.audio is not None:
            audio = ctx.chain(ctx.chain(clip.audio, "atrim", span), "asetpts", {"expr": "PTS-STARTPTS"})
        return clip.evolve(video=video, audio=audio, info=info)
