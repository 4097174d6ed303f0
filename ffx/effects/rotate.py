"""rotate: turn the picture by any angle; quarter turns are exact.

Angles are degrees counterclockwise, as in MoviePy (``Rotate``) and in a
phone's rotation metadata. Multiples of 90 only move pixels (``transpose``,
or ``hflip`` + ``vflip`` for 180), so they are exact and swap width and
height where they should. Any other angle resamples (bilinear) with the
``rotate`` filter, filling the uncovered corners with ``fill``; ``expand``
(the default, as in MoviePy) grows the frame so no corner is cut off,
rounded up to even sides for 4:2:0 encoders, while ``expand: false`` keeps
the frame's size. A fill with an opacity (``black@0``) makes the corners
transparent: the result carries alpha, like ``chroma_key``'s.

Rotation metadata (a phone's display matrix) is already honoured when the
input is decoded: FFmpeg turns the frames upright and ffx probes the upright
size, so this step applies on top of what a player shows.
FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#rotate and #transpose
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field

from .base import Effect
from .context import Clip, StepContext, StepError
from .fields import Color


def expanded_size(width: int, height: int, degrees: float) -> tuple[int, int]:
    """The smallest even-sided frame that holds the whole turned picture.

    >>> expanded_size(640, 360, 45)
    (708, 708)
    >>> expanded_size(160, 90, 30)
    (184, 158)
    """
    angle = math.radians(degrees)
    c, s = abs(math.cos(angle)), abs(math.sin(angle))
    w, h = width * c + height * s, width * s + height * c
    # a hair below an even number stays (floating-point noise in cos/sin), anything above rounds up
    return (2 * math.ceil(w / 2 - 1e-9), 2 * math.ceil(h / 2 - 1e-9))


def _opacity(color: str) -> float:
    """The opacity a colour asks for: 1 unless it ends in ``@0.5`` and the like.

    >>> _opacity("black"), _opacity("white@0")
    (1.0, 0.0)
    """
    return float(color.split("@")[1]) if "@" in color else 1.0


class Rotate(Effect):
    """Rotate by ``angle`` degrees counterclockwise: quarter turns exact, other angles with a ``fill`` colour."""

    effect: Literal["rotate"] = "rotate"
    angle: float = Field(ge=-3600, le=3600, description="degrees counterclockwise (negative turns clockwise); 90, 180, 270 are exact")
    fill: Color = Field("black", description="colour of the corners the turned picture leaves uncovered; black@0 leaves them transparent")
    expand: bool = Field(True, description="grow the frame to hold the whole picture (false: keep the size, cut the corners)")

    main_parameter = "angle"
    example = "- rotate: 90"
    frame_state = "none"
    requires = frozenset({"video"})

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        turns = self.angle / 90
        if turns == round(turns):
            return self._quarter_turns(clip, ctx, round(turns) % 4)
        w, h = clip.info.width, clip.info.height
        out_w, out_h = expanded_size(w, h, self.angle) if self.expand else (w, h)
        if out_w > 16384 or out_h > 16384:
            raise StepError(f"the turned frame {out_w}x{out_h} is larger than 16384 pixels on a side", field="angle")
        video, info = clip.video, clip.info
        see_through = info.alpha or _opacity(self.fill) < 1
        if see_through:
            video = ctx.rgb(video, alpha=True)  # the corners keep the fill's transparency
        # the rotate filter turns clockwise for a positive angle, in radians
        video = ctx.chain(video, "rotate", {"angle": f"{-self.angle!r}*PI/180", "out_w": out_w,
                                                 "out_h": out_h, "fillcolor": self.fill})
        return clip.evolve(video=video, info=info.replace(width=out_w, height=out_h, alpha=see_through))

    @staticmethod
    def _quarter_turns(clip: Clip, ctx: StepContext, turns: int) -> Clip:
        video, info = clip.video, clip.info
        if turns == 0:
            return clip
        if turns == 2:
            video = ctx.chain(ctx.chain(video, "hflip"), "vflip")
            return clip.evolve(video=video)
        video = ctx.chain(video, "transpose", {"dir": "cclock" if turns == 1 else "clock"})
        return clip.evolve(video=video, info=info.replace(width=info.height, height=info.width))
