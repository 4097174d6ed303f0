"""speed: play faster or slower; audio follows through atempo (pitch kept).

Output slot k (at k / fps) shows the source frame nearest to k * factor / fps, the
earlier at a tie: the rule of :mod:`ffx.effects.fps`, exact where the frames sit on
their slots (at 2x on 24 fps, slot k is frame 2k, as MoviePy's ``with_speed_scaled(2)``).

FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#setpts_002c-asetpts and #atempo
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Literal

from pydantic import Field, model_validator

from .base import Effect
from .context import Clip, StepContext, StepError, refusal
from .fields import Time
from .fps import on_their_slots, pick_by_index, video_length


def atempo_chain(factor: float) -> list[float]:
    """atempo accepts 0.5-100 per instance; slower speeds chain several.

    >>> atempo_chain(0.2)
    [0.5, 0.5, 0.8]
    >>> atempo_chain(3.0)
    [3.0]
    """
    parts = []
    while factor < 0.5:
        parts.append(0.5)
        factor /= 0.5
    parts.append(round(factor, 9))
    return parts


def exact_factor(factor: float) -> Fraction:
    """The factor as the fraction it was written as (1.3 is 13/10; a final_duration's 1.666... is 5/3).

    >>> exact_factor(1.3), exact_factor(2 / 1.2)
    (Fraction(13, 10), Fraction(5, 3))
    """
    return Fraction(repr(factor)).limit_denominator(10_000)


def on_the_slot_grid(clip: Clip, length: float | None) -> float | None:
    """The clip's length, or n / fps where it is within a tenth of a frame of its n frames: a container's
    rounded end (Matroska keeps milliseconds) must not move a count by one. A trim's shortened last frame
    (half a frame or more) is a real length and stays."""
    info = clip.info
    if length is None or not info.counted or not info.frames or not info.fps:
        return length
    grid = Fraction(info.frames) / info.fps
    return float(grid) if abs(Fraction(repr(length)) - grid) * info.fps < Fraction(1, 10) else length


def frames_at_speed(length: float, factor: Fraction, fps: Fraction) -> int:
    """Slots of ``fps`` a clip ending at ``length`` s fills at ``factor``: its new length in slots, half up.

    >>> frames_at_speed(2.0, Fraction(2), Fraction(24)), frames_at_speed(1001 / 24000, Fraction(2), Fraction(24000, 1001))
    (24, 1)
    """
    exact = Fraction(repr(length)).limit_denominator(1_000_000)  # 0.0417083... is 1001/24000 s again
    return math.floor(exact * fps / factor + Fraction(1, 2))


def sped_frames(length: float, factor: float, fps: Fraction) -> int:
    """How many frames ``settb=AVTB,setpts=PTS/factor,fps=fps`` makes of a stream ending at ``length`` s.

    That is the graph for frames off their slots (a variable-rate file).

    The fps filter fills slots up to the stream's end, rounded half up. That end
    goes through the same steps as every timestamp: microseconds (settb), then a
    double divided and truncated (setpts). At a tie this decides: 1001/24000 s
    at 2x is 20 854 us, just under half a slot, so one 23.976 fps frame sped up
    twice makes no frame at all.

    >>> sped_frames(1001 / 24000, 2, Fraction(24000, 1001)), sped_frames(2.0, 3, Fraction(25))
    (0, 17)
    """
    end = int(int(round(length * 1_000_000)) / factor)
    return math.floor(Fraction(end) * fps / 1_000_000 + Fraction(1, 2))


class Speed(Effect):
    """Change playback speed by ``factor`` (0.5 = half speed, 2 = double), or to last ``final_duration``.

    The frame rate stays as it was: slowed clips repeat frames, faster ones skip
    them, so MP4, MKV and GIF outputs all hold the same frames.
    """

    effect: Literal["speed"] = "speed"
    factor: float | None = Field(None, gt=0.01, le=100, description="speed multiplier: 0.5 plays at half speed")
    final_duration: Time | None = Field(None, gt=0, le=360000,
                                        description="instead of a factor: the speed that makes the clip last this long (seconds)")
    audio: bool = Field(True, description="keep the audio (time-stretched, pitch kept); false drops it")

    main_parameter = "factor"
    example = "- speed: 0.5"
    unbounded_because = "changes the time of every frame"

    @model_validator(mode="after")
    def _one_speed(self):
        if (self.factor is None) == (self.final_duration is None):
            raise ValueError("give factor or final_duration (one of them)")
        return self

    def speed_factor(self, length: float | None) -> float:
        """The factor itself, or the one that plays ``length`` seconds in ``final_duration``."""
        if self.factor is not None:
            return self.factor
        if not length:
            raise refusal("known_length", field="final_duration")
        factor = length / self.final_duration
        if not 0.01 < factor <= 100:
            raise StepError(f"lasting {self.final_duration:g} s means a speed of {factor:g}x, outside 0.01-100x",
                            field="final_duration")
        return factor

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        video = audio = None
        length = video_length(clip, ctx) if clip.video is not None else clip.info.duration
        factor = self.speed_factor(length)
        frames = None
        if clip.video is not None and on_their_slots(clip, ctx):
            # by frame index: each slot's frame chosen exactly (module docstring), the count the plan's
            exact = exact_factor(factor)
            frames = frames_at_speed(on_the_slot_grid(clip, length), exact, clip.info.fps)
            if frames:
                video = pick_by_index(clip.video, ctx, exact, clip.info.fps, frames)
        elif clip.video is not None:
            # microsecond timestamps first: divided in a coarse time base (1/25, Matroska's 1/1000) they round
            # onto each other, and the number of frames fps makes would depend on the container
            video = ctx.chain(clip.video, "settb", {"expr": "AVTB"})
            video = ctx.chain(video, "setpts", {"expr": f"PTS/{factor!r}" if factor != 1 else "PTS"})
            if clip.info.fps:
                # keep the stream's rate (repeat or skip frames) so every container gets the same frames
                video = ctx.chain(video, "fps", {"fps": clip.info.fps})
        if clip.audio is not None and self.audio:
            audio = clip.audio
            for part in atempo_chain(factor):
                audio = ctx.chain(audio, "atempo", {"tempo": part})
        info = clip.info.replace(has_audio=audio is not None)
        if clip.video is not None and length is not None and info.fps:
            if frames is None:
                frames = sped_frames(length, factor, info.fps)
            if frames == 0:
                raise StepError(f"at {factor:g}x the clip ({length:g} s) is shorter than one frame",
                                field="final_duration" if self.factor is None else "factor")
            info = info.replace(frames=frames, duration=frames / float(info.fps))
        elif info.duration is not None:
            info = info.with_duration(info.duration / factor)
        return clip.evolve(video=video, audio=audio, info=info)
