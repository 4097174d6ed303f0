"""crop: keep a rectangle given by its edges, or by its size around a centre.

The rectangle can pan: an edge or a centre given as keyframes, in pixels (``x1: {0: 0, 2: 160}`` with
``width``), follows its curve on the step's clock through crop's own per-frame ``x``/``y`` expressions.
Its size is the picture's size, which cannot change over time, so ``width`` and ``height`` stay fixed.
FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#crop
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field, WithJsonSchema, model_validator

from ._crop_auto import find_picture
from .base import CheckedCopy, Effect
from .context import Clip, StepContext, StepError
from .keyframes import MOVES_OVER_TIME, Keyframes, fixed, moves, moving

# whole numbers are pixels (within ±10 million: past any frame FFmpeg can allocate, and a float still holds
# them exactly), decimals in [0, 1] fractions of the frame
MAX_PIXELS = 10_000_000


def _bounded(value: int | float) -> int | float:
    if isinstance(value, int) and abs(value) > MAX_PIXELS:
        raise ValueError(f"a position in pixels is within ±{MAX_PIXELS:,}")
    return value


Coord = Annotated[int | float, AfterValidator(_bounded)]


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


class RectangleFields(CheckedCopy):
    """Where a rectangle is: by its edges, or by its size around a centre (shared by crop and freeze)."""

    x1: Coord | None = Field(None, ge=0, description="left edge")
    y1: Coord | None = Field(None, ge=0, description="top edge")
    x2: Coord | None = Field(None, ge=0, description="right edge (exclusive)")
    y2: Coord | None = Field(None, ge=0, description="bottom edge (exclusive)")
    width: Coord | None = Field(None, gt=0, description="width of the rectangle")
    height: Coord | None = Field(None, gt=0, description="height of the rectangle")
    x_center: Coord | None = Field(None, ge=0, description="horizontal centre of the rectangle (default: frame centre when width is given)")
    y_center: Coord | None = Field(None, ge=0, description="vertical centre of the rectangle")

    @model_validator(mode="after")
    def _consistent(self):
        check_rectangle_fields(self)
        return self


class Rectangle(RectangleFields):
    """A rectangle by its edges ``x1,y1``–``x2,y2``, or ``width`` x ``height`` around a centre.

    Whole numbers are pixels; decimals between 0 and 1 are fractions of the frame
    (``x2: 0.5`` is the middle). Checked against the frame it applies to.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    def pixels(self, w0: int, h0: int, prefix: str = "") -> tuple[int, int, int, int]:
        """(x1, y1, x2, y2) in pixels, or a StepError naming the frame size."""
        return rectangle_pixels(self, w0, h0, prefix)


def check_rectangle_fields(spec) -> None:
    for a, b, size, centre in (("x1", "x2", "width", "x_center"), ("y1", "y2", "height", "y_center")):
        given = [n for n in (a, b, size, centre) if getattr(spec, n) is not None]
        if getattr(spec, size) is None and getattr(spec, centre) is not None:
            raise ValueError(f"{centre} needs {size}")
        if getattr(spec, size) is not None and len(given) > 2:
            raise ValueError(f"give {size} with at most one of {a}, {b}, {centre}")


def rectangle_pixels(spec, w0: int, h0: int, prefix: str = "") -> tuple[int, int, int, int]:
    x1, x2 = _span(spec.x1, spec.x2, spec.width, spec.x_center, w0, ("x1", "x2", "width", "x_center"))
    y1, y2 = _span(spec.y1, spec.y2, spec.height, spec.y_center, h0, ("y1", "y2", "height", "y_center"))
    for lo, hi, full, axis in ((x1, x2, w0, "x"), (y1, y2, h0, "y")):
        if lo < 0 or hi > full or hi <= lo:
            raise StepError(
                f"the rectangle x {x1}..{x2}, y {y1}..{y2} does not fit in the {w0}x{h0} frame",
                field=prefix + (f"{axis}2" if hi > full else f"{axis}1"),
            )
    return x1, y1, x2, y2


def _edge(value: object) -> int | float:
    """A plain edge or centre: pixels (whole) or a fraction (decimal), at least 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{value!r} is not a number of pixels, a fraction, nor keyframes such as {{0: 0, 2: 160}}")
    if not value >= 0:
        raise ValueError(f"{value!r} is out of range: the value must be at least 0")
    return _bounded(value)


# keyframes of an edge or centre are pixels (a whole number and a fraction could not be told apart in them)
Edge = moving(float, ge=0, le=MAX_PIXELS, plain=_edge)
FIXED_SIZE = ("the crop's size is the size of the picture it hands on, which cannot change over time; "
              "move x1, y1 (or x_center, y_center) instead")
MOVABLE = ("x1", "y1", "x2", "y2", "x_center", "y_center")
SIZE_OF = {"x1": "width", "x2": "width", "x_center": "width", "y1": "height", "y2": "height", "y_center": "height"}


def _auto_word(value: object) -> object:
    return True if value == "auto" else value  # `- crop: auto`


class Crop(Effect, RectangleFields):
    """Keep the rectangle ``x1,y1``–``x2,y2``, or ``width`` x ``height`` around a centre; or, with
    ``crop: auto``, the picture inside black bars, found on a few sampled frames before the render.

    Whole numbers are pixels; decimals between 0 and 1 are fractions of the frame
    (``x2: 0.5`` keeps the left half). A rectangle outside the frame is an error.
    """

    effect: Literal["crop"] = "crop"
    auto: Annotated[bool, BeforeValidator(_auto_word),
                    WithJsonSchema({"anyOf": [{"const": "auto"}, {"type": "boolean"}]})] = Field(
        False, description="find the black bars (cropdetect on sampled frames) and crop them away; "
                           "validate and compile say what was found")
    x1: Edge | None = Field(None, description="left edge (or keyframes, in pixels)")
    y1: Edge | None = Field(None, description="top edge (or keyframes, in pixels)")
    x2: Edge | None = Field(None, description="right edge, exclusive (or keyframes, in pixels)")
    y2: Edge | None = Field(None, description="bottom edge, exclusive (or keyframes, in pixels)")
    width: fixed(Coord | None, FIXED_SIZE) = Field(None, gt=0, description="width of the rectangle")
    height: fixed(Coord | None, FIXED_SIZE) = Field(None, gt=0, description="height of the rectangle")
    x_center: Edge | None = Field(None, description="horizontal centre of the rectangle (default: frame centre "
                                                    "when width is given; or keyframes, in pixels)")
    y_center: Edge | None = Field(None, description="vertical centre of the rectangle (or keyframes, in pixels)")

    main_parameter = "auto"
    example = "- crop: {x1: 145, x2: 400}"
    frame_state = "none"
    requires = frozenset({"video"})

    @model_validator(mode="after")
    def _auto_alone(self):
        given = [name for name in RectangleFields.model_fields if getattr(self, name) is not None]
        if self.auto and given:
            raise ValueError(f"auto finds the rectangle itself: give it without {', '.join(given)}")
        return self

    def frames_of_state(self) -> int | str:
        if self.auto:
            return "finds the bars on frames sampled from the whole clip, which each piece would sample anew"
        return MOVES_OVER_TIME if moves(self) else 0

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        w0, h0 = clip.info.width, clip.info.height
        if self.auto:
            box = find_picture(clip, ctx)
            if box is None or (box.width, box.height) == (w0, h0):
                return clip
            video = ctx.chain(clip.video, "crop", {"w": box.width, "h": box.height, "x": box.x1, "y": box.y1,
                                                   "exact": 1})
            return clip.evolve(video=video, info=clip.info.replace(width=box.width, height=box.height))
        moves = {name: keys for name in MOVABLE if isinstance(keys := getattr(self, name), Keyframes)}
        x1, y1, x2, y2 = self._at(w0, h0)
        w, h = x2 - x1, y2 - y1
        x, y = x1, y1
        for name, keys in moves.items():
            if getattr(self, SIZE_OF[name]) is None:
                raise StepError(f"{name} moves, so give {SIZE_OF[name]} too: {FIXED_SIZE.split(';')[0]}", field=name)
            for value in keys.values:  # the rectangle stays in the frame at every key
                self._at(w0, h0, **{name: value})
            size = w if SIZE_OF[name] == "width" else h
            corner = {"1": keys, "2": keys.mapped(lambda v: v - size)}.get(name[1:], keys.mapped(lambda v: v - size / 2))
            # rounded as a still rectangle's edges are; crop keeps every position inside the frame anyway
            if name.startswith("x"):
                x = f"round({corner.as_expression()})"
            else:
                y = f"round({corner.as_expression()})"
        # exact=1: without it FFmpeg rounds odd offsets on subsampled formats
        video = ctx.chain(clip.video, "crop", {"w": w, "h": h, "x": x, "y": y, "exact": 1})
        return clip.evolve(video=video, info=clip.info.replace(width=w, height=h))

    def _at(self, w0: int, h0: int, **pixels: float) -> tuple[int, int, int, int]:
        """The rectangle with moving edges at their first key (or at ``pixels``), in pixels, in the frame."""
        values = {name: getattr(self, name) for name in (*MOVABLE, "width", "height")}
        for name, value in values.items():
            if isinstance(value, Keyframes):
                values[name] = round(pixels.get(name, value.first))  # keyframes are pixels: whole numbers
        return rectangle_pixels(SimpleNamespace(**values), w0, h0)
