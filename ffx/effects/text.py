"""text: words over the video, exactly as written.

Any characters render literally: the value is escaped for both filtergraph
levels (see graph.py) and drawtext's own ``%{...}`` expansion is switched
off (``expansion=none``), so quotes, colons, ``%{pts}``, backslashes,
brackets, newlines and emoji are just text. The default font ships with ffx
(DejaVu Sans), so text renders on a machine without system fonts.
FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#drawtext
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from .. import graph
from ..media import check_readable_file
from .base import Clip, Color, Effect, StepContext, StepError, Time

SHIPPED_FONT = Path(__file__).resolve().parent.parent / "fonts" / "DejaVuSans.ttf"
FONT_FILE_SUFFIXES = (".ttf", ".otf", ".ttc", ".woff", ".woff2", ".pfb")

Position = Literal["center", "top", "bottom", "left", "right", "top_left", "top_right", "bottom_left",
                   "bottom_right"]

# x, y expressions of drawtext for each named position; m is the margin in pixels
_PLACES = {
    "center": ("(w-text_w)/2", "(h-text_h)/2"),
    "top": ("(w-text_w)/2", "{m}"),
    "bottom": ("(w-text_w)/2", "h-text_h-{m}"),
    "left": ("{m}", "(h-text_h)/2"),
    "right": ("w-text_w-{m}", "(h-text_h)/2"),
    "top_left": ("{m}", "{m}"),
    "top_right": ("w-text_w-{m}", "{m}"),
    "bottom_left": ("{m}", "h-text_h-{m}"),
    "bottom_right": ("w-text_w-{m}", "h-text_h-{m}"),
}


class Text(Effect):
    """Draw text: multi-line, any font, named or pixel position, optional box, optional time span."""

    effect: Literal["text"] = "text"
    text: str = Field(min_length=1, max_length=200_000, description="the words; new lines start new lines")
    font: str = Field("sans", min_length=1, max_length=4096,
                      description="sans (the bundled DejaVu Sans), a font family installed on the system, or a font file")
    size: int = Field(32, ge=4, le=2048, description="font size in pixels")
    color: Color = Field("white", description="text colour")
    position: Position | list[int] = Field(
        "bottom", description="center, top, bottom, left, right, top_left, ... or [x, y] in pixels")
    margin: int = Field(10, ge=0, le=10000, description="distance from the frame's edge for named positions, px")
    align: Literal["left", "center", "right"] = Field("center", description="alignment of the lines of a multi-line text")
    line_spacing: int = Field(0, ge=-1000, le=1000, description="extra pixels between lines")
    box: Color | None = Field(None, description="draw a box of this colour behind the text (e.g. black@0.5)")
    box_padding: int = Field(8, ge=0, le=1000, description="box margin around the text, px")
    outline: int = Field(0, ge=0, le=100, description="outline width, px")
    outline_color: Color = Field("black", description="outline colour")
    start: Time | None = Field(None, description="show from this time (seconds; negative counts from the end)")
    end: Time | None = Field(None, description="show until just before this time; default to the end")

    main_parameter = "text"
    example = '- text: {text: "Hello, world", position: bottom, size: 48, box: black@0.5}'

    @field_validator("text")
    @classmethod
    def _printable_to_ffmpeg(cls, value: str) -> str:
        if "\x00" in value:
            raise ValueError("text cannot contain the NUL character")
        value = value.rstrip("\n")  # a YAML `|` block ends with a new line; it would draw an empty line
        if not value:
            raise ValueError("text is empty")
        return value

    @field_validator("position")
    @classmethod
    def _pair(cls, value):
        if isinstance(value, list) and (len(value) != 2 or any(abs(v) > 100_000 for v in value)):
            raise ValueError("a position in pixels is [x, y]")
        return value

    @model_validator(mode="after")
    def _span(self):
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValueError("end must come after start")
        return self

    def relative_to(self, folder: str, keep: frozenset = frozenset()) -> Text:
        if "font" in keep or "fontfile" not in self.font_options() or self.font == "sans" or os.path.isabs(self.font):
            return self
        return self.model_copy(update={"font": os.path.join(folder, self.font)})

    def font_options(self) -> dict:
        if self.font == "sans":
            return {"fontfile": str(SHIPPED_FONT)}
        if self.font.lower().endswith(FONT_FILE_SUFFIXES) or os.sep in self.font:
            return {"fontfile": os.path.abspath(self.font)}
        return {"font": self.font}

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        self.need_video(clip)
        fonts = self.font_options()
        if "fontfile" in fonts:
            try:
                check_readable_file(fonts["fontfile"])
            except OSError as exc:
                raise StepError(str(exc).replace("input", "font file"), field="font",
                                hint="give a .ttf/.otf file, a font family name, or sans") from None
        if isinstance(self.position, list):
            x, y = (str(v) for v in self.position)
        else:
            x, y = (part.format(m=self.margin) for part in _PLACES[self.position])
        duration = clip.info.duration
        for name, value in (("start", self.start), ("end", self.end)):
            if value is not None and value < 0:
                if duration is None:
                    raise StepError("a time counted from the end needs an input with a known length", field=name)
                value += duration
            if value is not None and duration is not None and not 0 <= value <= duration:
                raise StepError(f"{name} {value:g} s is outside the clip (0-{duration:g} s)", field=name)
        start = self.start + duration if self.start is not None and self.start < 0 else self.start
        end = self.end + duration if self.end is not None and self.end < 0 else self.end
        enable = None
        if start is not None or end is not None:
            # shown on frames with start <= t < end, like trim; a microsecond absorbs t's rounding
            low = graph.format_number(round((start or 0) - 1e-6, 9))
            enable = f"gte(t,{low})" if end is None else f"gte(t,{low})*lt(t,{graph.format_number(round(end - 1e-6, 9))})"
        options = {
            **fonts,
            "text": self.text,
            "expansion": "none",
            "fontsize": self.size,
            "fontcolor": self.color,
            "line_spacing": self.line_spacing or None,
            "text_align": {"left": "L", "center": "C", "right": "R"}[self.align],
            "x": x,
            "y": y,
            "box": 1 if self.box else None,
            "boxcolor": self.box,
            "boxborderw": self.box_padding if self.box else None,
            "borderw": self.outline or None,
            "bordercolor": self.outline_color if self.outline else None,
            "enable": enable,
        }
        return clip.evolve(video=ctx.chain(clip.video, "drawtext", options))
