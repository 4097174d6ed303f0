"""remove_background: keep what moves over a still scene, make the rest transparent.

No single frame need show the empty scene: the background is the per-pixel
median of ``samples`` frames spread over a span of the clip (``tmedian``), or
a clean plate given as a named stream. A pixel is kept where its colour is
farther than ``threshold`` from the background. The distance is Euclidean in
RGB, computed exactly in 16-bit planar RGB: ``blend`` takes the per-channel
difference, ``lut`` squares it, ``colorchannelmixer`` sums the channels. The
mask is then cleaned like a binary image: an opening (``erosion`` then
``dilation``) removes specks, a closing fills holes, and ``gblur`` feathers
the edge before ``alphamerge`` makes it the alpha channel.

The background is ready only once its last sample is decoded, so the frames
before it wait in memory: the span is checked against the memory budget.
FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#tmedian
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, model_validator

from ..media.memory import tree_memory
from .base import Effect
from .context import Clip, StepContext, StepError, require
from .fields import StreamRef, Time

_WHITE16 = 65535
_SQUARE = "val*val/66049"  # a 16-bit difference is 257 times the 8-bit one: this is its square, exact


class RemoveBackground(Effect):
    """Make the still background transparent, keeping what differs from it (for GIF, WebP, WebM or PNG)."""

    effect: Literal["remove_background"] = "remove_background"
    threshold: float = Field(40.0, gt=0, le=255, description="colour distance (RGB, 0-255 per channel) beyond which a pixel is kept")
    samples: int = Field(31, ge=1, le=255, description="frames whose per-pixel median is the background (odd; an even count uses one fewer)")
    start: Time = Field(0.0, description="where the background samples begin (seconds; negative counts from the end)")
    end: Time | None = Field(None, description="where the background samples end (default: the end of the clip)")
    plate: StreamRef | None = Field(None, description="a named stream whose first frame is the empty scene, instead of the median")
    clean: int = Field(1, ge=0, le=20, description="passes of erosion then dilation: removes specks up to 2*clean px wide")
    fill: int = Field(2, ge=0, le=20, description="passes of dilation then erosion: fills holes up to 2*fill px wide")
    feather: float = Field(1.5, ge=0, le=100, description="blur of the mask edge (Gaussian sigma, px; 0 = hard edge)")

    main_parameter = "threshold"
    example = "- remove_background: {threshold: 40, samples: 31}"
    unbounded_because = "computes the background from frames across the whole clip"
    requires = frozenset({"video"})

    @model_validator(mode="after")
    def _plate_or_samples(self):
        sampled = {"start", "end", "samples"} & self.model_fields_set
        if self.plate is not None and sampled:
            raise ValueError(f"a plate replaces the sampled background: drop {', '.join(sorted(sampled))}")
        return self

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        video = ctx.constant_rate(clip)
        background = self._plate(clip, ctx) if self.plate is not None else self._median(video, clip, ctx)
        rgb16 = ctx.chain(video, "format", {"pix_fmts": "gbrp16le"})
        distance = ctx.filter("blend", [rgb16, background], {"all_mode": "difference", "eof_action": "repeat"}).pad()
        distance = ctx.chain(distance, "lut", {"c0": _SQUARE, "c1": _SQUARE, "c2": _SQUARE})
        distance = ctx.chain(distance, "colorchannelmixer", {"rr": 1, "rg": 1, "rb": 1})
        # the threshold while still 16-bit (lut has no 16-bit gray), then the red plane as the mask; down to
        # 8 bits in RGB, which maps 65535 to 255 (swscale's gray16 -> gray gives 254)
        limit = math.floor(self.threshold ** 2)
        mask = ctx.chain(distance, "lut", {"c0": f"{_WHITE16}*gt(val,{limit})"})
        mask = ctx.chain(ctx.rgb(mask), "extractplanes", {"planes": "r"})
        for name, passes in (("erosion", self.clean), ("dilation", self.clean), ("dilation", self.fill),
                             ("erosion", self.fill)):
            for _ in range(passes):
                mask = ctx.chain(mask, name)
        if self.feather > 0:
            mask = ctx.chain(mask, "gblur", {"sigma": self.feather})
        picture = ctx.rgb(video, alpha=True)
        merged = ctx.filter("alphamerge", [picture, mask]).pad()
        return clip.evolve(video=merged, info=ctx.constant_rate_info(clip.info).replace(alpha=True))

    def _median(self, video, clip: Clip, ctx: StepContext):
        info = clip.info
        rate = float(info.fps)
        # the median samples frames spread over the whole clip
        require(clip, {"frame_count"}, hint="give a `plate` (a picture of the background) instead, or trim the clip")
        total = info.frames
        start = self.start + info.duration if self.start < 0 else self.start
        end = total / rate if self.end is None else (self.end + info.duration if self.end < 0 else self.end)
        first, last = math.floor(start * rate + 1e-6), min(total, math.ceil(end * rate - 1e-6))
        if not 0 <= first < last:
            raise StepError(f"the sample span {start:g}-{end:g} s holds no frame of this {info.duration:g} s clip",
                            field="start" if first >= total or first < 0 else "end")
        span = last - first
        count = min(self.samples, span)
        count -= 1 - count % 2  # tmedian's window is 2*radius+1 frames
        step = max(1, (span - 1) // (count - 1)) if count > 1 else 1
        # until the background is ready the frames wait, as 16-bit RGB (6 bytes a pixel) for the distance
        # and 8-bit RGBA (4) for the picture: about 8 times a yuv420p frame, besides FFmpeg's own memory
        held = last * info.frame_bytes() * 8 + tree_memory(info, 0, ctx.encoder_frames)
        ctx.holds(held)
        if ctx.max_memory is not None and held > ctx.max_memory:
            raise StepError(
                f"frames up to {end:g} s must wait in memory for the background (~{held / 2**20:.0f} MiB), "
                f"beyond the budget of {ctx.max_memory / 2**20:.0f} MiB",
                field="end", hint="sample an earlier span (start/end), trim the clip first, or raise --max-memory")
        picked = ctx.chain(video, "select", {"expr": f"between(n,{first},{last - 1})*not(mod(n-{first},{step}))"})
        picked = ctx.rgb(picked)  # the median of each RGB channel
        if count > 1:
            picked = ctx.chain(picked, "tmedian", {"radius": (count - 1) // 2})
        return self._first_frame(ctx.chain(picked, "format", {"pix_fmts": "gbrp16le"}), ctx)

    def _plate(self, clip: Clip, ctx: StepContext):
        plate = ctx.stream(self.plate, "plate", needs={"video"})
        info = clip.info
        scaled = ctx.chain(plate.video, "scale", {"w": info.width, "h": info.height, "flags": "bicubic"})
        return self._first_frame(ctx.chain(scaled, "format", {"pix_fmts": "gbrp16le"}), ctx)

    @staticmethod
    def _first_frame(pad, ctx: StepContext):
        """One frame at t=0: blend repeats it for every frame (eof_action=repeat)."""
        return ctx.chain(ctx.chain(pad, "trim", {"end_frame": 1}), "setpts", {"expr": "PTS-STARTPTS"})
