"""overlay: lay another named stream over the current one, at a place, for a time.

Without ``start``/``end`` the two streams are paired frame by frame for their
whole length (a still lasts as long as the stream it meets). With them, the
overlay's own first frame is shown at ``start`` (as MoviePy's ``with_start``),
it is cut to end at ``end`` (default: the end of the clip), and the clip goes
on underneath before and after: frames with ``start <= t < end`` carry it,
the same rule as ``trim`` and ``text``.

``x``, ``y``, ``opacity`` and ``scale`` can move: given keyframes (``x: {0: 0, 2: 200}``, see
keyframes.py) they follow their curve on the clip's clock, frame ``k`` at ``k / fps`` as for ``start``.
Position and scale are overlay's and scale's own per-frame expressions; opacity is sent to
``colorchannelmixer`` frame by frame by ``sendcmd``.
FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#overlay-1
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, model_validator

from ..filtergraph import graph
from .base import Effect
from .context import Clip, StepContext, StepError, paired_length, require
from .fields import StreamRef, Time
from .keyframes import Keyframes, commanded, fixed, moving

Place = Literal["center", "top", "bottom", "left", "right", "top_left", "top_right", "bottom_left", "bottom_right"]

# x, y expressions of the overlay filter for each named place: W, H the clip's size, w, h the overlay's
_PLACES = {
    "center": ("(W-w)/2", "(H-h)/2"), "top": ("(W-w)/2", "{m}"), "bottom": ("(W-w)/2", "H-h-{m}"),
    "left": ("{m}", "(H-h)/2"), "right": ("W-w-{m}", "(H-h)/2"), "top_left": ("{m}", "{m}"),
    "top_right": ("W-w-{m}", "{m}"), "bottom_left": ("{m}", "H-h-{m}"), "bottom_right": ("W-w-{m}", "H-h-{m}"),
}


Coordinate = moving(int, ge=-16384, le=16384)
Opacity = moving(float, ge=0, le=1)
Scale = moving(float, gt=0, le=16)


class Overlay(Effect):
    """Draw the stream named in ``with`` over this one: at ``x``, ``y`` or a named ``position``, from ``start``
    to ``end``, sliding in, faded to an ``opacity``, scaled."""

    effect: Literal["overlay"] = "overlay"
    other: StreamRef = Field(alias="with", description="the named stream drawn on top (a video or a picture)")
    x: Coordinate = Field(0, description="left edge of the overlay, in pixels (or keyframes)")
    y: Coordinate = Field(0, description="top edge of the overlay, in pixels (or keyframes)")
    position: Place | None = Field(None, description="a named place instead of x, y: center, top_right, "
                                                     "bottom_left, ... (margin from the edge)")
    margin: fixed(int, "a named position's margin is set once; give x and y as keyframes to move the overlay") = Field(
        10, ge=0, le=16384, description="distance from the edge for a named position, px")
    start: Time | None = Field(None, description="when the overlay appears (seconds; its first frame shows then)")
    end: Time | None = Field(None, description="when it disappears (default: the end of the clip)")
    slide: Literal["left", "right", "top", "bottom"] | None = Field(
        None, description="slide in from this edge of the frame at start")
    slide_duration: float = Field(0.5, gt=0, le=60, description="seconds the slide takes")
    opacity: Opacity = Field(1.0, description="1 opaque, 0.5 half see-through (or keyframes)")
    scale: Scale | None = Field(None, description="resize the overlay by this factor first (or keyframes)")
    width: int | None = Field(None, ge=1, le=16384, description="resize the overlay to this width first (aspect kept)")
    shortest: bool = Field(True, description="untimed: stop at the end of the shorter stream")

    example = "- overlay: {with: logo, position: top_right, start: 0.5, end: 1.5, slide: right, opacity: 0.8}"
    unbounded_because = "pairs the streams by time and may show the overlay from a given time"
    requires = frozenset({"video"})

    @model_validator(mode="after")
    def _consistent(self):
        if self.scale is not None and self.width is not None:
            raise ValueError("give scale or width, not both")
        if self.position is not None and ("x" in self.model_fields_set or "y" in self.model_fields_set):
            raise ValueError("give position or x, y, not both")
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValueError("end must come after start")
        return self

    @property
    def timed(self) -> bool:
        return self.start is not None or self.end is not None or self.slide is not None

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        other = ctx.stream(self.other, "with", needs={"video"})
        if other.info.fps != clip.info.fps:
            # its frames are re-timed to the clip's rate (N / rate), which a coarse time base cannot hold when
            # the rates differ (1/25 for a generated picture under a 50/3 fps clip): setpts would round the
            # times and the fps after it drop a frame (49 of 50); FFmpeg's microseconds hold them
            other = other.evolve(video=ctx.chain(other.video, "settb", {"expr": "AVTB"}))
        if self.timed:
            return self._timed(clip, other, ctx)
        clip, other = ctx.paired([clip, other])  # a still lasts as long as the stream it meets
        over = self._looked(ctx.constant_rate(other), ctx)
        x, y = self._place()
        options = {"x": x, "y": y, "shortest": 1 if self.shortest else None}
        video = ctx.filter("overlay", [ctx.constant_rate(clip), over], options).pad()
        info = paired_length(clip, [other], self.shortest)
        return clip.evolve(video=ctx.ends_after_its_frames(video, info), info=info)

    def _timed(self, clip: Clip, other: Clip, ctx: StepContext) -> Clip:
        info = clip.info
        require(clip, {"frame_count", "frame_rate"})
        rate, length = info.fps, float(info.frames / info.fps)
        start, end = self.start or 0.0, self.end if self.end is not None else length
        start, end = (t + length if t < 0 else t for t in (start, end))
        for name, value in (("start", start), ("end", end)):
            if not 0 <= value <= length + 1e-6:
                raise StepError(f"{name} {value:g} s is outside the clip (0-{length:g} s)", field=name)
        if end <= start:
            raise StepError("end must come after start", field="end")
        # frames k with start <= k / rate < end carry the overlay
        first, last = math.ceil(start * rate - 1e-6), min(info.frames, math.ceil(end * rate - 1e-6))
        shown = max(1, last - first)
        span = info.replace(frames=shown, duration=float(shown / rate), still=False)
        if other.info.still:
            other = ctx.lasting(other, span)
            over = other.video
        else:
            over = other.video
            if other.info.fps != rate:
                over = ctx.chain(over, "fps", {"fps": rate})
            over = ctx.chain(over, "trim", {"end_frame": shown})
        # its frame n lands on the clip's frame first + n
        over = ctx.chain(over, "setpts", {"expr": f"(N+{first})/({rate}*TB)"})
        over = self._looked(over, ctx)
        x, y = self._place()
        if self.slide is not None:
            x, y = self._sliding(x, y, float(first / rate))
        options = {"x": x, "y": y, "eof_action": "pass", "shortest": 0}
        video = ctx.filter("overlay", [ctx.constant_rate(clip), over], options).pad()
        return clip.evolve(video=video)

    def _looked(self, over: graph.Pad, ctx: StepContext) -> graph.Pad:
        """The overlay scaled and made see-through as asked."""
        if isinstance(self.scale, Keyframes):
            # see-through first: filters after a size that changes from frame to frame keep the first size
            # (colorchannelmixer drew its first frame's size); overlay reads each frame's own
            over = self._faded(over, ctx)
            factor = f"({self.scale.as_expression()})"  # eval=frame: the size follows t on every frame
            return ctx.chain(over, "scale", {"w": f"iw*{factor}", "h": f"ih*{factor}", "eval": "frame",
                                             "flags": "lanczos"})
        if self.scale is not None:
            over = ctx.chain(over, "scale", {"w": f"iw*{self.scale!r}", "h": f"ih*{self.scale!r}", "flags": "lanczos"})
        elif self.width is not None:
            over = ctx.chain(over, "scale", {"w": self.width, "h": -1, "flags": "lanczos"})
        return self._faded(over, ctx)

    def _faded(self, over: graph.Pad, ctx: StepContext) -> graph.Pad:
        if isinstance(self.opacity, Keyframes):
            over = ctx.chain(over, "format", {"pix_fmts": "rgba"})
            over = commanded(ctx, over, "colorchannelmixer", {}, "aa", self.opacity, "opacity")
        elif self.opacity < 1:
            over = ctx.chain(over, "format", {"pix_fmts": "rgba"})
            over = ctx.chain(over, "colorchannelmixer", {"aa": self.opacity})
        return over

    def _place(self) -> tuple[str, str]:
        if self.position is None:
            return tuple(v.as_expression() if isinstance(v, Keyframes) else str(v) for v in (self.x, self.y))
        x, y = _PLACES[self.position]
        return x.format(m=self.margin), y.format(m=self.margin)

    def _sliding(self, x: str, y: str, start: float) -> tuple[str, str]:
        """Position as a function of time: from just outside the edge to (x, y) over slide_duration."""
        left = f"max(0,1-(t-{start!r})/{self.slide_duration!r})"  # 1 at start, 0 once arrived
        if self.slide == "left":
            return f"({x})-(({x})+w)*{left}", y
        if self.slide == "right":
            return f"({x})+(W-({x}))*{left}", y
        if self.slide == "top":
            return x, f"({y})-(({y})+h)*{left}"
        return x, f"({y})+(H-({y}))*{left}"
