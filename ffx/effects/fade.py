"""fade: the picture and the sound fade in from the start and out to the end, together.

The picture fades by frame number (``start_frame``/``nb_frames``), the sound by
sample number, both computed from the clip's own length, so nobody computes
times by hand and a clip whose timestamps do not start at zero fades the same.
FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#fade and #afade
"""

from __future__ import annotations

from fractions import Fraction
from typing import Literal

from pydantic import Field, model_validator

from .base import Effect
from .context import Clip, StepContext, StepError, require
from .fields import Color


class Fade(Effect):
    """Fade in from ``color`` at the start and out to it at the end, picture and sound together."""

    effect: Literal["fade"] = "fade"
    duration: float | None = Field(None, gt=0, le=3600, description="seconds of both the fade in and the fade out")
    fade_in: float | None = Field(None, alias="in", ge=0, le=3600, description="seconds of the fade in (0: none)")
    fade_out: float | None = Field(None, alias="out", ge=0, le=3600, description="seconds of the fade out (0: none)")
    color: Color = Field("black", description="the colour faded from and to")
    audio: bool = Field(True, description="fade the sound too")

    main_parameter = "duration"
    example = "- fade: {in: 0.5, out: 1}"
    unbounded_because = "counts its frames from the ends of the clip"

    @model_validator(mode="after")
    def _something(self):
        if self.duration is None and self.fade_in is None and self.fade_out is None:
            raise ValueError("give in, out, or duration (both)")
        return self

    def seconds(self) -> tuple[float, float]:
        both = self.duration or 0.0
        return (both if self.fade_in is None else self.fade_in), (both if self.fade_out is None else self.fade_out)

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        info = clip.info
        fade_in, fade_out = self.seconds()
        if info.duration is None:
            if fade_out:
                require(clip, {"known_length"}, field="out")
        elif fade_in + fade_out > info.duration + 1e-6:
            raise StepError(f"the fades ({fade_in:g} s + {fade_out:g} s) are longer than the clip "
                            f"({info.duration:g} s)", field="in" if self.fade_in else "duration")
        video = clip.video
        if video is not None:
            if fade_out:
                require(clip, {"frame_count"})
            rate = info.fps or Fraction(25)
            frames_in = round(fade_in * rate)
            frames_out = round(fade_out * rate)
            if frames_in:
                video = ctx.chain(video, "fade", {"type": "in", "start_frame": 0, "nb_frames": frames_in,
                                                  "color": self.color})
            if frames_out:
                video = ctx.chain(video, "fade", {"type": "out", "start_frame": info.frames - frames_out,
                                                  "nb_frames": frames_out, "color": self.color})
        audio = clip.audio
        if audio is not None and self.audio:
            rate = info.sample_rate or 48000
            length = info.duration or 0.0
            if info.frames is not None and info.fps:
                length = float(info.frames / info.fps)  # the picture's length: the sound ends with it
            if fade_in:
                audio = ctx.chain(audio, "afade", {"type": "in", "start_sample": 0,
                                                   "nb_samples": round(fade_in * rate)})
            if fade_out:
                samples = round(fade_out * rate)
                audio = ctx.chain(audio, "afade", {"type": "out", "start_sample": max(0, round(length * rate) - samples),
                                                   "nb_samples": samples})
        return clip.evolve(video=video, audio=audio)
