"""crop: keep a rectangle given by its edges, or by its size around a centre.

FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#crop
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .base import Clip, Effect, StepContext, StepError

Coord = int | float  # whole numbers are pixels, decimals in [0, 1] fractions of the frame


def _pixels(value: Coord | None, full: int, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, float):
        if not 0 <= value <= 1:
            raise StepError(f"{name}: {value} is neither a fraction (0 to 1) nor whole pixels", field=name,
                            hint="write pixels as whole numbers, e.g. 145")
        return value * full
    return float(value)


def _span(low: Coord | None, high: Coord | None, size: Coord | None, centre: Coord | None,
          full: int, names: tuple[str, str, str, str]) -> tuple[int, int]:
    lo, hi = _pixels(low, full, names[0]), _pixels(high, full, names[1])
    length, mid = _pixels(size, full, names[2]), _pixels(centre, full, names[3])
    if length is not None:
        if mid is not None:
            lo = mid - length / 2
        elif lo is None and hi is not None:
            lo = hi - length
        elif lo is None:
            lo = (full - length) / 2
        hi = lo + length
    lo = 0.0 if lo is None else lo
    hi = float(full) if hi is None else hi
    return int(round(lo)), int(round(hi))


class Crop(Effect):
    """Keep the rectangle ``x1,y1``–``x2,y2``, or ``width`` x ``height`` around a centre.

    Whole numbers are pixels; decimals between 0 and 1 are fractions of the frame
    (``x2: 0.5`` keeps the left half). A rectangle outside the frame is an error.
    """

    effect: Literal["crop"] = "crop"
    x1: Coord | None = Field(None, ge=0, description="left edge")
    y1: Coord | None = Field(None, ge=0, description="top edge")
    x2: Coord | None = Field(None, ge=0, description="right edge (exclusive)")
    y2: Coord | None = Field(None, ge=0, description="bottom edge (exclusive)")
    width: Coord | None = Field(None, gt=0, description="width of the kept rectangle")
    height: Coord | None = Field(None, gt=0, description="height of the kept rectangle")
    x_center: Coord | None = Field(None, ge=0, description="horizontal centre of the rectangle (default: frame centre when width is given)")
    y_center: Coord | None = Field(None, ge=0, description="vertical centre of the rectangle")

    example = "- crop: {x1: 145, x2: 400}"

    @model_validator(mode="after")
    def _consistent(self):
        for axis, (a, b, size, centre) in {"x": ("x1", "x2", "width", "x_center"),
                                          "y": ("y1", "y2", "height", "y_center")}.items():
            given = [n for n in (a, b, size, centre) if getattr(self, n) is not None]
            if getattr(self, size) is None and getattr(self, centre) is not None:
                raise ValueError(f"{centre} needs {size}")
            if getattr(self, size) is not None and len(given) > 2:
                raise ValueError(f"give {size} with at most one of {a}, {b}, {centre}")
        return self

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        self.need_video(clip)
        w0, h0 = clip.info.width, clip.info.height
        x1, x2 = _span(self.x1, self.x2, self.width, self.x_center, w0, ("x1", "x2", "width", "x_center"))
        y1, y2 = _span(self.y1, self.y2, self.height, self.y_center, h0, ("y1", "y2", "height", "y_center"))
        for lo, hi, full, axis in ((x1, x2, w0, "x"), (y1, y2, h0, "y")):
            if lo < 0 or hi > full or hi <= lo:
                raise StepError(
                    f"the rectangle x {x1}..{x2}, y {y1}..{y2} does not fit in the {w0}x{h0} frame",
                    field=f"{axis}2" if hi > full else f"{axis}1",
                )
        w, h = x2 - x1, y2 - y1
        # exact=1: without it FFmpeg rounds odd offsets on subsampled formats
        video = ctx.chain(clip.video, "crop", {"w": w, "h": h, "x": x1, "y": y1, "exact": 1})
        return clip.evolve(video=video, info=clip.info.replace(width=w, height=h))
