"""loudness: the sound brought to a loudness target (EBU R128), as streaming services ask (-14 LUFS).

One pass of ``loudnorm`` in its dynamic mode: it measures as it plays, with a
3 s look-ahead, so it needs no first run over the file. loudnorm works at
192 kHz inside; the sound is resampled back to its own rate afterwards.
FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#loudnorm
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Effect
from .context import Clip, StepContext


class Loudness(Effect):
    """Normalise the sound's loudness to ``target`` LUFS (EBU R128), with a true-peak ceiling."""

    effect: Literal["loudness"] = "loudness"
    target: float = Field(-14.0, ge=-70, le=-5, description="integrated loudness, LUFS (-14 streaming, -23 broadcast)")
    true_peak: float = Field(-1.5, ge=-9, le=0, description="ceiling for true peaks, dBTP")
    range: float = Field(11.0, ge=1, le=50, description="loudness range target, LU")

    main_parameter = "target"
    example = "- loudness: -14"
    unbounded_because = "measures the loudness across the clip"
    requires = frozenset({"audio"})

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        audio = ctx.chain(clip.audio, "loudnorm", {"i": self.target, "tp": self.true_peak, "lra": self.range})
        audio = ctx.chain(audio, "aresample", {"out_sample_rate": clip.info.sample_rate or 48000})
        return clip.evolve(audio=audio)
