"""retime: keep every frame and give the clip a new frame rate, like re-writing it at another rate.

This is what OpenCV's writer does when a 24 fps clip is written at 30 fps:
frame ``n`` is shown at ``n / fps``, nothing is dropped or repeated, and the
clip gets shorter (96 frames: 4.00 s at 24 fps, 3.20 s at 30) or longer. ``speed`` instead keeps the rate and
drops or repeats frames, each slot showing the frame nearest its instant (the rule of
:mod:`ffx.effects.fps`); here no frame is picked by time, so no tie can arise. The audio is time-stretched by the same factor
(``atempo``, pitch kept) so it stays in sync with the picture and ends with
it; ``audio: false`` drops it, as OpenCV's writer does.
FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#setpts_002c-asetpts
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Effect
from .context import Clip, StepContext
from .fields import Rate
from .speed import atempo_chain


def _tempi(factor: float) -> list[float]:
    """atempo factors whose product is ``factor``: each instance takes 0.5 to 100.

    >>> _tempi(120.0), _tempi(0.3)
    ([100.0, 1.2], [0.5, 0.6])
    """
    parts = []
    while factor > 100:
        parts.append(100.0)
        factor /= 100
    return parts + atempo_chain(factor)


class Retime(Effect):
    """Show every frame at a new rate ``fps``: the clip plays faster or slower, no frame dropped or repeated."""

    effect: Literal["retime"] = "retime"
    fps: Rate = Field(description="the new frame rate; frame n is shown at n / fps")
    audio: bool = Field(True, description="keep the audio, stretched to stay in sync (pitch kept); false drops it")

    main_parameter = "fps"
    example = "- retime: {fps: 30}"
    unbounded_because = "gives frames new times"
    requires = frozenset({"video", "frame_rate"})

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        info = clip.info
        factor = self.fps / info.fps  # how much faster the clip plays
        # by frame index, so a variable-rate clip comes out at exactly the new constant rate; the fps
        # filter after it only tells later filters the rate (every frame already sits on its slot)
        # in a time base of one frame, so the timestamps are whole numbers (N/(30*TB) in 1/24 is not)
        video = ctx.chain(clip.video, "settb", {"expr": f"1/({self.fps})"})
        video = ctx.chain(video, "setpts", {"expr": "N"})
        video = ctx.chain(video, "fps", {"fps": self.fps})
        audio = None
        if clip.audio is not None and self.audio:
            audio = clip.audio
            if factor != 1:
                for part in _tempi(float(factor)):
                    audio = ctx.chain(audio, "atempo", {"tempo": part})
        duration = None
        if info.frames is not None:
            duration = float(info.frames / self.fps)
        elif info.duration is not None:
            duration = float(info.duration / factor)
        out = info.replace(fps=self.fps, duration=duration, has_audio=audio is not None,
                           sample_rate=info.sample_rate if audio is not None else None)
        return clip.evolve(video=video, audio=audio, info=out)
