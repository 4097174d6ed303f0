"""The recipe's inputs: a media file, a pattern of pictures, a source FFmpeg generates, or a live
camera or stream.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any, Literal

from pydantic import (
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from ..effects.base import CheckedCopy
from ..effects.fields import Color, Rate
from ..filtergraph.filter_options import image_size_problem
from ..syntax.problems import model_error

SIZE = r"^[1-9][0-9]{0,4}x[1-9][0-9]{0,4}$"
VIDEO_SOURCES = ("testsrc2", "testsrc", "smptebars", "smptehdbars", "rgbtestsrc", "color", "mandelbrot", "yuvtestsrc",
                 "cuts")  # cuts: testsrc2 with a new hue and brightness every 1.5 s, scene changes to find
AUDIO_SOURCES = ("sine", "anoisesrc")


LIVE_URL = r"^(https?|rtsps?|rtmps?|srt|udp|tcp|rtp)://[^\s]+$"
DEVICE_FORMATS = ("v4l2", "avfoundation", "dshow", "x11grab", "gdigrab", "kmsgrab")


class Input(CheckedCopy):
    """A media file (``path``), a source FFmpeg generates (``source``) so no media is needed,
    or a live source: a capture ``device`` or a network stream ``url``.

    Live sources are never probed (they do not end); ``size`` and ``rate`` say
    what they deliver (a device is asked for exactly that).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    path: str | None = Field(None, min_length=1, max_length=4096, description="a media file")
    images: str | None = Field(None, min_length=1, max_length=4096,
                               description="a sequence of pictures, one frame each at `rate`: a pattern such as "
                                           "photos/*.jpg or frames/%04d.png")
    device: str | None = Field(None, min_length=1, max_length=4096, pattern=r"^[^-\s]", description="a live capture device, e.g. /dev/video0")
    device_format: Literal[DEVICE_FORMATS] = Field("v4l2", description="how FFmpeg opens the device: v4l2 (Linux), avfoundation (macOS), dshow (Windows), ...")
    url: str | None = Field(None, pattern=LIVE_URL, max_length=4096, description="a live network stream: rtsp://, srt://, udp://, http(s):// ...")
    source: Literal[VIDEO_SOURCES + AUDIO_SOURCES] | None = Field(None, description="a generated source: testsrc2, color, smptebars, mandelbrot, sine, ...; cuts (testsrc2 cut to a new look every 1.5 s)")
    size: str | None = Field(None, pattern=SIZE, description="generated or live video: frame size WxH (default 640x360 generated, 640x480 live)")
    rate: Rate | None = Field(None, description="generated or live video: frames per second (default 25 generated, 30 live)")
    duration: float = Field(5.0, gt=0, le=86400, description="generated source, or a still image (PNG, JPEG...): length in seconds")
    color: Color = Field("black", description="color source: a colour name or #rrggbb")
    frequency: float = Field(440.0, gt=0, le=24000, description="sine: tone frequency in Hz (also the tone of `audio: sine`)")
    sample_rate: int = Field(48000, ge=8000, le=192000, description="generated audio: samples per second")
    audio: Literal["sine", "silence"] | None = Field(None, description="generated video: add an audio track")
    pauses: list[list[float]] | None = Field(None, max_length=1000, description="generated tone (sine): stretches "
                                             "[start, end] of silence in it, in seconds, as a talk pauses")
    deinterlace: Literal["auto", "on", "off"] = Field(
        "auto", description="a file: interlaced video (broadcast, DV, camcorders) made progressive with bwdif, one "
                            "frame per frame. auto: when the file says it is interlaced, or a look at its first frames "
                            "(idet) finds fields in MPEG-2, DV or H.264 in MPEG-TS at 25 or 29.97 fps")
    video_stream: int | None = Field(None, ge=0, le=1000, description="a file: which of its video streams to use, "
                                     "counted from 0 as FFmpeg's v:N (default: the one a player shows; never a cover "
                                     "picture unless there is nothing else)")
    audio_stream: int | None = Field(None, ge=0, le=1000, description="a file: which of its audio streams to use, "
                                     "counted from 0 as a:N (default: the one a player plays)")

    def __init__(self, **data: Any):
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise model_error("input", exc, Input) from None

    @field_validator("size")
    @classmethod
    def _allocatable(cls, value: str | None) -> str | None:
        problem = value and image_size_problem(*(int(side) for side in value.split("x")))
        if problem:
            raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _path_or_source(self):
        given = [k for k in ("path", "images", "source", "device", "url") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of path (a file), images (a pattern of pictures), source (a generated "
                             "source such as testsrc2), device (a camera) or url (a live stream)")
        if self.images is not None:
            extra = sorted(self.model_fields_set - {"images", "rate"})
            if extra:
                raise ValueError(f"{', '.join(extra)} do not apply to images (give images and rate)")
            return self
        generated_only = {"duration", "color", "frequency", "sample_rate", "audio", "pauses"}
        if self.path is not None:
            generated_only.discard("duration")  # a still image's length; the compiler refuses it for a video
        if not self.generated:
            generated_only |= {"size", "rate"} if self.path is not None else set()
            extra = sorted(generated_only & self.model_fields_set)
            if extra:
                raise ValueError(f"{', '.join(extra)} only apply to generated sources" +
                                 ("; trim a file with a trim step" if self.path is not None else ""))
        file_only = sorted({"deinterlace", "video_stream", "audio_stream"} & self.model_fields_set)
        if file_only and self.path is None:
            raise ValueError(f"{', '.join(file_only)} only apply to a media file (path)")
        if "device_format" in self.model_fields_set and self.device is None:
            raise ValueError("device_format only applies to a device")
        if self.pauses is not None and "sine" not in (self.source, self.audio):
            raise ValueError("pauses apply to a generated tone: source: sine, or audio: sine")
        for pause in self.pauses or ():
            if len(pause) != 2:
                raise ValueError(f"pauses: {pause} is not a stretch [start, end] in seconds")
            start, end = pause
            if not 0 <= start < end <= self.duration:
                raise ValueError(f"pauses: [{start:g}, {end:g}] is not a stretch [start, end] within the "
                                 f"{self.duration:g} s the source lasts")
        if self.source in AUDIO_SOURCES and self.audio:
            raise ValueError("audio only applies to video sources")
        return self

    @property
    def generated(self) -> bool:
        return self.source is not None

    @property
    def live(self) -> bool:
        return self.device is not None or self.url is not None

    @classmethod
    def live_source(cls, text: str) -> Input:
        """A camera (``/dev/video0``) or a stream URL (``rtsp://...``), as ``--live`` reads ``-i``."""
        if re.match(r"^[a-z]+://", text):
            return cls(url=text)
        return cls(device=text)

    @property
    def frame_size(self) -> tuple[int, int]:
        width, height = (self.size or ("640x480" if self.live else "640x360")).split("x")
        return int(width), int(height)

    @property
    def frame_rate(self) -> Fraction:
        return self.rate if self.rate is not None else Fraction(30 if self.live else 25)
