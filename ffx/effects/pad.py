"""pad: put the picture on a larger canvas, by margins or to fit an aspect ratio (9:16 for vertical video).

MoviePy's ``margin`` and the "vertical video" look in one effect, because
they differ only in how the canvas is sized: by ``margin`` (or ``left``,
``right``, ``top``, ``bottom``), by an ``aspect`` ratio the picture is
centred in, or by a ``width`` x ``height``. The canvas is filled with a
``color`` or, with ``background: blur``, with a copy of the picture scaled to
cover it and blurred, the look phones use for landscape clips.

Aspect and size canvases have even sides and the picture sits on an even
offset, so 4:2:0 video is padded exactly; odd margins are padded in planar
RGB, since ``pad`` would round a 4:2:0 offset down to even.

On an aspect or size canvas ``x``, ``y`` place the picture (centred by default) and can move:
``pad``'s own x, y know no time, so a moving picture is laid with ``overlay`` (its x, y expressions of
``t``) on a canvas of the colour made from the clip's own frames, in planar RGB so every pixel counts.
FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#pad-1
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Literal

from pydantic import Field, model_validator

from .base import Effect
from .context import Clip, StepContext, StepError
from .fields import Color
from .keyframes import MOVES_OVER_TIME, Keyframes, fixed, moves, moving

# the canvas is the picture the step hands on: its size is one for the whole stream
Side = fixed(int | None, "the canvas's size is the size of the picture it hands on, which cannot change over time; "
                         "x and y move the picture on it")

ASPECT = r"^\d{1,5}:\d{1,5}$"


def _even_up(value: float) -> int:
    return 2 * math.ceil(value / 2 - 1e-9)


class Pad(Effect):
    """Add borders: ``margin`` pixels, or a canvas of ``aspect`` (9:16) or ``width`` x ``height``; colour or blurred picture behind."""

    effect: Literal["pad"] = "pad"
    margin: Side = Field(None, ge=0, le=8192, description="pixels added on every side")
    left: Side = Field(None, ge=0, le=8192, description="pixels added on the left (overrides margin)")
    right: Side = Field(None, ge=0, le=8192, description="pixels added on the right (overrides margin)")
    top: Side = Field(None, ge=0, le=8192, description="pixels added on the top (overrides margin)")
    bottom: Side = Field(None, ge=0, le=8192, description="pixels added on the bottom (overrides margin)")
    aspect: str | None = Field(None, pattern=ASPECT, description="fit the picture, centred, in a canvas of this shape: \"9:16\", \"1:1\", \"16:9\"")
    width: Side = Field(None, ge=2, le=16384, description="canvas width (with height): the picture is centred")
    height: Side = Field(None, ge=2, le=16384, description="canvas height (with width)")
    x: moving(int, ge=-16384, le=16384) | None = Field(
        None, description="left edge of the picture on an aspect or width x height canvas (default: centred), "
                          "or keyframes")
    y: moving(int, ge=-16384, le=16384) | None = Field(
        None, description="top edge of the picture on the canvas (default: centred), or keyframes")
    color: Color = Field("black", description="colour of the borders")
    background: Literal["color", "blur"] = Field("color", description="color: plain borders; blur: the picture itself, scaled to cover the canvas and blurred")
    blur: float = Field(20.0, gt=0, le=1024, description="sigma of the background's blur in pixels (with background: blur)")

    main_parameter = "margin"
    example = "- pad: {aspect: \"9:16\", background: blur}"
    frame_state = "none"
    requires = frozenset({"video"})

    def frames_of_state(self) -> int | str:
        return MOVES_OVER_TIME if moves(self) else 0

    @model_validator(mode="after")
    def _one_way(self):
        sides = [n for n in ("margin", "left", "right", "top", "bottom") if getattr(self, n) is not None]
        ways = [bool(sides), self.aspect is not None, self.width is not None or self.height is not None]
        if sum(ways) != 1:
            raise ValueError("give margins (margin, left, right, top, bottom), an aspect, or a width and height: one of them")
        if ways[2] and (self.width is None or self.height is None):
            raise ValueError("a canvas size needs both width and height")
        if sides and (self.x is not None or self.y is not None):
            raise ValueError("x and y place the picture on an aspect or width x height canvas; margins place it "
                             "themselves")
        if self.aspect is not None and "0" in (self.aspect.split(":")[0].lstrip("0") or "0", self.aspect.split(":")[1].lstrip("0") or "0"):
            raise ValueError(f"aspect {self.aspect!r} has a zero side")
        return self

    def canvas(self, w0: int, h0: int) -> tuple[int, int, int, int]:
        """(canvas width, canvas height, x, y of the picture)."""
        if self.aspect is not None:
            num, den = (int(v) for v in self.aspect.split(":"))
            ratio = Fraction(num, den)
            if Fraction(w0, h0) >= ratio:
                width, height = _even_up(w0), _even_up(w0 / ratio)
            else:
                width, height = _even_up(h0 * ratio), _even_up(h0)
            return width, height, (width - w0) // 4 * 2, (height - h0) // 4 * 2
        if self.width is not None:
            if self.width < w0 or self.height < h0:
                raise StepError(f"the {w0}x{h0} picture does not fit in a {self.width}x{self.height} canvas",
                                field="width" if self.width < w0 else "height", hint="resize it first")
            return self.width, self.height, (self.width - w0) // 4 * 2, (self.height - h0) // 4 * 2
        base = self.margin or 0
        left, right, top, bottom = (base if v is None else v for v in (self.left, self.right, self.top, self.bottom))
        return w0 + left + right, h0 + top + bottom, left, top

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        info = clip.info
        width, height, x, y = self.canvas(info.width, info.height)
        if width > 16384 or height > 16384:
            raise StepError(f"the canvas {width}x{height} is larger than 16384 pixels on a side")
        video = clip.video
        x, y = (place if isinstance(place, (int, Keyframes)) else centre for place, centre in ((self.x, x), (self.y, y)))
        if moves(self):
            video = ctx.rgb(video)  # overlay would round offsets to the 4:2:0 chroma grid
            if self.background == "blur":
                canvas = self._behind(video, width, height, ctx)
            else:  # a canvas of the colour with the clip's own frames and times: padded, then painted over
                canvas = ctx.chain(video, "pad", {"w": width, "h": height, "x": 0, "y": 0, "color": self.color})
                canvas = ctx.chain(canvas, "drawbox", {"x": 0, "y": 0, "w": "iw", "h": "ih", "color": self.color,
                                                       "t": "fill"})
            places = [p.as_expression() if isinstance(p, Keyframes) else p for p in (x, y)]
            padded = ctx.filter("overlay", [canvas, video], {"x": places[0], "y": places[1], "format": "auto"}).pad()
            return clip.evolve(video=padded, info=info.replace(width=width, height=height))
        for name, place, room in (("x", x, width - info.width), ("y", y, height - info.height)):
            if not 0 <= place <= room:
                raise StepError(f"{name} {place} puts the picture outside the {width}x{height} canvas (0 to {room})",
                                field=name, hint="keyframes may move it out and in; a still place must be inside")
        if x % 2 or y % 2:
            video = ctx.rgb(video)  # pad and overlay round odd offsets to the 4:2:0 chroma grid
        if self.background == "color":
            padded = ctx.chain(video, "pad", {"w": width, "h": height, "x": x, "y": y, "color": self.color})
        else:
            behind = self._behind(video, width, height, ctx)
            # format=auto: overlay would otherwise turn an RGB or 4:4:4 picture into 4:2:0
            padded = ctx.filter("overlay", [behind, video], {"x": x, "y": y, "format": "auto"}).pad()
        return clip.evolve(video=padded, info=info.replace(width=width, height=height))

    def _behind(self, video, width: int, height: int, ctx: StepContext):
        """The picture scaled to cover the canvas and blurred (background: blur)."""
        behind = ctx.chain(video, "scale", {"w": width, "h": height, "force_original_aspect_ratio": "increase",
                                            "flags": "bicubic"})
        behind = ctx.chain(behind, "crop", {"w": width, "h": height})
        return ctx.chain(behind, "gblur", {"sigma": self.blur, "steps": 3})
