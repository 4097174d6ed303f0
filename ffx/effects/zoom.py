"""zoom: a slow zoom (and pan) over the clip, the "Ken Burns" move for photos in a slideshow.

``zoompan`` places its window on whole pixels, so a slow zoom at the
picture's own size shakes by a pixel from frame to frame. The picture is
therefore enlarged ``4x`` first, the window moves on that finer grid, and
zoompan scales it back down to the output size.

``factor`` moves the zoom along keyframes instead of from ``start`` to ``end`` (``factor: {0: 1, 3: 1.3,
ease: in_out}``, the eased Ken Burns move), and each of ``focus``'s fractions may be keyframes too (a pan).
zoompan numbers its output frames from 0 and evaluates its expressions for each: the curves are
expressions of its output time ``ot``, frame ``k`` at ``k / fps``.
FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#zoompan
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .base import Effect
from .context import Clip, StepContext
from .keyframes import Keyframes, fixed, moving

_ENDS = "start and end are the zoom on the first and last frames; give factor as keyframes for any other curve"

FINE = 4  # the enlargement that makes the window's steps a quarter pixel

_FOCUS = {"center": (0.5, 0.5), "top": (0.5, 0.0), "bottom": (0.5, 1.0), "left": (0.0, 0.5), "right": (1.0, 0.5),
          "top_left": (0.0, 0.0), "top_right": (1.0, 0.0), "bottom_left": (0.0, 1.0), "bottom_right": (1.0, 1.0)}


class Zoom(Effect):
    """Zoom smoothly from ``start`` to ``end`` times the picture over the clip, centred on ``focus``."""

    effect: Literal["zoom"] = "zoom"
    start: fixed(float, _ENDS) = Field(1.0, ge=1, le=10, description="zoom factor on the first frame (1 = the whole picture)")
    end: fixed(float, _ENDS) = Field(1.2, ge=1, le=10, description="zoom factor on the last frame")
    factor: moving(float, ge=1, le=10) | None = Field(
        None, description="the zoom factor as keyframes over time (instead of start and end), e.g. "
                          "{0: 1, 3: 1.3, ease: in_out}")
    focus: Literal[tuple(_FOCUS)] | list[moving(float)] = Field(
        "center", description="the point zoomed into: center, top_left, ... or [x, y] as fractions of the frame "
                              "(each may be keyframes)")

    main_parameter = "end"
    example = "- zoom: {start: 1, end: 1.3, focus: top_right}"
    unbounded_because = "moves over time"
    requires = frozenset({"video", "frame_count", "frame_rate"})

    @model_validator(mode="after")
    def _focus(self):
        if isinstance(self.focus, list) and (len(self.focus) != 2 or not all(
                0 <= v <= 1 for f in self.focus for v in (f.values if isinstance(f, Keyframes) else [f]))):
            raise ValueError("focus as [x, y] takes two fractions between 0 and 1 (or keyframes of them)")
        if self.factor is not None and {"start", "end"} & self.model_fields_set:
            raise ValueError("give factor, or start and end, not both")
        return self

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        info = clip.info
        fx, fy = (_FOCUS[self.focus] if isinstance(self.focus, str) else
                  [f"({v.as_expression('ot')})" if isinstance(v, Keyframes) else repr(v) for v in self.focus])
        last = max(1, info.frames - 1)
        if isinstance(self.factor, Keyframes):
            zoom = self.factor.as_expression("ot")  # ot: zoompan's output time, k / fps for its frame k
        elif self.factor is not None:
            zoom = repr(self.factor)
        else:
            zoom = f"{self.start!r}+({self.end!r}-{self.start!r})*on/{last}"
        video = ctx.chain(clip.video, "scale", {"w": f"iw*{FINE}", "h": f"ih*{FINE}", "flags": "bicubic"})
        video = ctx.chain(video, "zoompan", {
            "zoom": zoom,
            # the window's top-left corner, keeping the focus point where it is in the frame
            "x": f"{fx}*(iw-iw/zoom)", "y": f"{fy}*(ih-ih/zoom)",
            "d": 1, "s": info.size, "fps": info.fps,
        })
        return clip.evolve(video=video)
