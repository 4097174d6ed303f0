"""What clips joined in time share: one size, rate, pixel format and audio format at every joint.

Filters that join streams in time (``concat``, ``xfade``, ``acrossfade``) need
identical frame sizes, time bases and audio formats on both sides. A clip is
fitted once, right before it joins, and a clip that already fits gets no
scaling filter. Every clip leaves with exactly ``frames / rate`` seconds of
picture and as many samples of sound, so each joint falls on the same instant
for both, and a clip without sound gets silence of its length.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from ..filtergraph import graph
from ..media.info import MediaInfo
from .context import Clip, StepContext, StepError

Fit = Literal["pad", "crop", "stretch"]


@dataclass(frozen=True)
class JointFormat:
    """The format every joined clip is brought to."""

    width: int
    height: int
    rate: Fraction
    pix_fmt: str
    sample_rate: int | None  # None: the result has no sound
    channel_layout: str

    def info(self, frames: int) -> MediaInfo:
        return MediaInfo(width=self.width, height=self.height, fps=self.rate, duration=float(frames / self.rate),
                         frames=frames, has_audio=self.sample_rate is not None, sample_rate=self.sample_rate,
                         pix_fmt=self.pix_fmt, channel_layout=self.channel_layout if self.sample_rate else None)

    def samples(self, frames: int) -> int:
        """Samples that last exactly as long as ``frames`` frames (to the nearest sample)."""
        return round(Fraction(frames) / self.rate * self.sample_rate)


def joint_format(clips: list[Clip], size: tuple[int, int] | None, rate: Fraction | None) -> JointFormat:
    """The first clip's format, unless a size or rate is given; sound if any clip has sound."""
    first = clips[0].info
    if first.fps is None and rate is None:
        raise StepError("the first clip has no known frame rate", hint="give fps")
    width, height = size or (first.width, first.height)
    with_sound = [c.info for c in clips if c.audio is not None]
    sample_rate = (with_sound[0].sample_rate or 48000) if with_sound else None
    layout = (with_sound[0].channel_layout if with_sound else None) or "stereo"
    if layout not in ("mono", "stereo"):
        layout = "stereo"
    pix_fmt = first.pix_fmt if first.pix_fmt in ("yuv420p", "yuv422p", "yuv444p", "gbrp", "rgb24") else "yuv420p"
    # 4:2:0 needs even sizes
    if pix_fmt == "yuv420p" and size is None:
        width, height = width - width % 2, height - height % 2
    return JointFormat(width, height, rate or first.fps, pix_fmt, sample_rate, layout)


JOINED = frozenset({"video", "frame_count", "frame_rate"})  # what every joined clip must have


def fit_clip(clip: Clip, fmt: JointFormat, fit: Fit, background: str, ctx: StepContext) -> tuple[Clip, int]:
    """The clip in the joint format, and how many frames it now has (its :data:`JOINED` needs are met)."""
    info = clip.info
    video = clip.video
    frames = info.frames
    if info.fps != fmt.rate:
        # frame n at n / its own rate first: fps counts its slots to the stream's end, and that end is not
        # always frames / rate (a still looped to 2 s at 25 fps ends at 2.04 s, the one frame's own end
        # added: 49 frames at 23.976 fps where 48 were planned; a clip that keeps gaps ends past its average)
        video = ctx.chain(ctx.constant_rate(clip), "fps", {"fps": fmt.rate})
        frames = round(Fraction(frames) / info.fps * fmt.rate)
    # frame n at n / rate: the joint filters need one time base and no gaps
    video = ctx.constant_rate(clip.evolve(video=video, info=info.replace(fps=fmt.rate)))
    if (info.width, info.height) != (fmt.width, fmt.height):
        video = _scaled(video, info, fmt, fit, background, ctx)
    if info.pix_fmt != fmt.pix_fmt:
        video = ctx.chain(video, "format", {"pix_fmts": fmt.pix_fmt})
    audio = None
    if fmt.sample_rate is not None:
        samples = fmt.samples(frames)
        if clip.audio is not None:
            audio = clip.audio
            if info.sample_rate != fmt.sample_rate:
                audio = ctx.chain(audio, "aresample", {"out_sample_rate": fmt.sample_rate})
            audio = ctx.chain(audio, "aformat", {"sample_fmts": "fltp", "channel_layouts": fmt.channel_layout})
            audio = ctx.chain(audio, "asetpts", {"expr": "PTS-STARTPTS"})
        else:
            audio = silence(fmt.sample_rate, fmt.channel_layout, ctx)
        audio = exact_length(audio, samples, ctx)  # exactly as long as the picture
    return clip.evolve(video=video, audio=audio, info=fmt.info(frames)), frames


def exact_length(audio: graph.Pad, samples: int, ctx: StepContext) -> graph.Pad:
    """Sound of exactly ``samples`` samples: padded with silence, or cut."""
    return ctx.chain(ctx.chain(audio, "apad", {"whole_len": samples}), "atrim", {"end_sample": samples})


def silence(sample_rate: int, layout: str, ctx: StepContext) -> graph.Pad:
    """An endless silent stream (a generated input): callers cut it to length."""
    spec = graph.filter_spec("anullsrc", [("channel_layout", layout), ("sample_rate", str(sample_rate))])
    node = graph.input_node(spec, [("-f", "lavfi")], False, True)
    pad = graph.input_pad(node, graph.AUDIO)
    return ctx.chain(pad, "aformat", {"sample_fmts": "fltp", "channel_layouts": layout})


def _scaled(video: graph.Pad, info: MediaInfo, fmt: JointFormat, fit: Fit, background: str,
            ctx: StepContext) -> graph.Pad:
    size = {"w": fmt.width, "h": fmt.height}
    if fit == "stretch":
        video = ctx.chain(video, "scale", {**size, "flags": "lanczos"})
    elif fit == "crop":
        video = ctx.chain(video, "scale", {**size, "force_original_aspect_ratio": "increase", "flags": "lanczos"})
        video = ctx.chain(video, "crop", {**size, "exact": 1})
    else:
        video = ctx.chain(video, "scale", {**size, "force_original_aspect_ratio": "decrease", "flags": "lanczos"})
        video = ctx.chain(video, "pad", {**size, "x": "(ow-iw)/2", "y": "(oh-ih)/2", "color": background})
    return ctx.chain(video, "setsar", {"r": 1})
