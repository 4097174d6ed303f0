"""freeze: part of the picture stands still while the rest moves.

A snapshot (the frame at ``at``) is laid over the clip, limited to

- a ``region`` (a rectangle in pixels or fractions), copied exactly; or
- one ``side`` of the line through ``p1`` and ``p2``, with an edge that fades
  over ``width`` pixels (the snapshot's alpha is drawn once with ``geq``); or
- a ``mask``: a named stream (an image: white = still, black = moving).

Without any of them the whole frame freezes. The work is done in planar RGB
so odd coordinates stay exact. The snapshot must be decoded before the first
output frame, so the frames up to ``at`` are held in memory.
FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#overlay-1
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, model_validator

from ..filtergraph import graph
from .base import Effect
from .context import Clip, StepContext, StepError
from .crop import Coord, Rectangle, _pixels
from .fields import StreamRef, Time


class Freeze(Effect):
    """Freeze a region (or one side of a line, or a mask) at the frame shown at time ``at``."""

    effect: Literal["freeze"] = "freeze"
    at: Time = Field(0.0, description="time of the snapshot (seconds; negative counts from the end)")
    region: Rectangle | None = Field(None, description="the still rectangle: {x1, y1, x2, y2} or {width, height, ...}")
    p1: list[Coord] | None = Field(None, min_length=2, max_length=2, description="a point [x, y] on the edge line")
    p2: list[Coord] | None = Field(None, min_length=2, max_length=2, description="a second point [x, y] on the edge line")
    side: Literal["left", "right"] = Field("left", description="which side of p1 -> p2 stays still, as seen walking from p1 to p2")
    width: float = Field(20.0, ge=0, le=10000, description="how many pixels the edge fades over (0 = hard edge)")
    mask: StreamRef | None = Field(None, description="a named stream whose first frame is the mask: white = still")

    example = "- freeze: {at: 1.5, region: {x1: 0.5}}"
    unbounded_because = "holds a snapshot taken at one time"
    requires = frozenset({"video"})

    @model_validator(mode="after")
    def _one_shape(self):
        shapes = [name for name, given in (("region", self.region is not None),
                                           ("p1/p2", self.p1 is not None or self.p2 is not None),
                                           ("mask", self.mask is not None)) if given]
        if len(shapes) > 1:
            raise ValueError(f"give one of region, p1/p2 or mask, not {' and '.join(shapes)}")
        if (self.p1 is None) != (self.p2 is None):
            raise ValueError("a line needs both p1 and p2")
        if self.p1 is not None and self.p1 == self.p2:
            raise ValueError("p1 and p2 must be different points")
        return self

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        info = clip.info
        at = self.at + info.duration if self.at < 0 and info.duration is not None else self.at
        if at < 0 or (info.duration is not None and at >= info.duration):
            raise StepError(f"at {self.at:g} s is outside the clip (0-{info.duration:g} s)", field="at")
        frame = int(math.floor(at * float(info.fps) + 1e-6))
        if info.frames is not None:
            frame = min(frame, info.frames - 1)
        rgb = ctx.rgb(ctx.constant_rate(clip))
        snap = ctx.chain(rgb, "trim", {"start_frame": frame, "end_frame": frame + 1})
        snap = ctx.chain(snap, "setpts", {"expr": "PTS-STARTPTS"})
        ctx.holds_frames(info, frame + 1)  # RGB frames wait for the snapshot
        x = y = 0
        if self.region is not None:
            x1, y1, x2, y2 = self.region.pixels(info.width, info.height, prefix="region.")
            snap = ctx.chain(snap, "crop", {"w": x2 - x1, "h": y2 - y1, "x": x1, "y": y1, "exact": 1})
            x, y = x1, y1
        elif self.p1 is not None:
            snap = self._soft_edge(snap, info, ctx)
        elif self.mask is not None:
            mask = ctx.stream(self.mask, "mask", needs={"video"})
            shape = ctx.chain(mask.video, "scale", {"w": info.width, "h": info.height, "flags": "bicubic"})
            # the green plane of RGB: white is exactly 255 (a gray conversion would use video levels)
            shape = ctx.chain(ctx.rgb(shape), "extractplanes", {"planes": "g"})
            shape = ctx.chain(shape, "trim", {"end_frame": 1})
            shape = ctx.chain(shape, "setpts", {"expr": "PTS-STARTPTS"})
            snap = ctx.filter("alphamerge", [ctx.rgb(snap, alpha=True), shape]).pad()
        # the snapshot is one frame at t=0; overlay repeats it to the end (eof_action=repeat)
        video = ctx.filter("overlay", [rgb, snap], {"x": x, "y": y, "format": "gbrp", "eof_action": "repeat"}).pad()
        return clip.evolve(video=video)

    def _soft_edge(self, snap, info, ctx: StepContext):
        (ax, ay), (bx, by) = ((_pixels(v, full, f"{name}") for v, full in zip(point, (info.width, info.height)))
                              for name, point in (("p1", self.p1), ("p2", self.p2)))
        length = math.hypot(bx - ax, by - ay)
        n = graph.format_number
        # signed distance from the line, positive on the chosen side (screen coordinates, y down)
        sign = -1 if self.side == "left" else 1
        distance = f"{sign}*(({n(bx - ax)})*(Y-({n(ay)}))-({n(by - ay)})*(X-({n(ax)})))/{n(length)}"
        alpha = (f"255*gte({distance},0)" if self.width == 0 else
                 f"clip(255*(0.5+({distance})/{n(self.width)}),0,255)")
        snap = ctx.rgb(snap, alpha=True)
        return ctx.chain(snap, "geq", {"r": "r(X,Y)", "g": "g(X,Y)", "b": "b(X,Y)", "a": alpha})
