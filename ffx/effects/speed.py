"""speed: play faster or slower; audio follows through atempo (pitch kept).

FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#setpts_002c-asetpts and #atempo
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Clip, Effect, StepContext
from .fps import resampled_frames, video_length


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


class Speed(Effect):
    """Change playback speed by ``factor`` (0.5 = half speed, 2 = double).

    The frame rate stays as it was: slowed clips repeat frames, faster ones skip
    them, so MP4, MKV and GIF outputs all hold the same frames.
    """

    effect: Literal["speed"] = "speed"
    factor: float = Field(gt=0.01, le=100, description="speed multiplier: 0.5 plays at half speed")
    audio: bool = Field(True, description="keep the audio (time-stretched, pitch kept); false drops it")

    main_parameter = "factor"
    example = "- speed: 0.5"

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        video = audio = None
        if clip.video is not None:
            # microsecond timestamps first: divided in a coarse time base (1/25, Matroska's 1/1000) they round
            # onto each other, and the number of frames fps makes would depend on the container
            video = ctx.chain(clip.video, "settb", {"expr": "AVTB"})
            video = ctx.chain(video, "setpts", {"expr": f"PTS/{self.factor!r}" if self.factor != 1 else "PTS"})
            if clip.info.fps:
                # keep the stream's rate (repeat or skip frames) so every container gets the same frames
                video = ctx.chain(video, "fps", {"fps": clip.info.fps})
        if clip.audio is not None and self.audio:
            audio = clip.audio
            for part in atempo_chain(self.factor):
                audio = ctx.chain(audio, "atempo", {"tempo": part})
        info = clip.info
        info = info.replace(has_audio=audio is not None)
        length = video_length(clip, ctx) if video is not None else None
        if length is not None and info.fps:
            # the fps filter fills slots up to the stream's end: half up, like FFmpeg's default rounding
            frames = resampled_frames(length / self.factor, float(info.fps))
            info = info.replace(frames=frames, duration=frames / float(info.fps))
        elif info.duration is not None:
            info = info.with_duration(info.duration / self.factor)
        return clip.evolve(video=video, audio=audio, info=info)
