"""text: words over the video, exactly as written.

Any characters render literally: the value is escaped for both filtergraph
levels (see graph.py) and drawtext's own ``%{...}`` expansion is switched
off (``expansion=none``), so quotes, colons, ``%{pts}``, backslashes,
brackets, newlines and emoji are just text. The default font ships with ffx
(DejaVu Sans), so text renders on a machine without system fonts.

Layout is Pillow's (and so MoviePy's): ``position: [x, y]`` is the top-left
of the text box, whose top is the font's ascender line (not the top of the
tallest glyph), and lines are ``ascent + line_spacing`` pixels apart, with
``line_spacing`` defaulting to 4 as Pillow's ``spacing`` and MoviePy's
``interline`` do. Named positions place that box, ``(lines - 1) * pitch +
ascent + descent`` high. The same font at the same size, position and
spacing draws its ink on the same rows as Pillow's ``multiline_text``.
Text wider than the frame is fitted as MoviePy's ``TextClip(method="caption")``
fits it (``fit``): ``shrink`` lowers the size until the widest line fits the
frame's width less the margins and the lines fit its height; ``wrap`` breaks
lines at spaces (and a word longer than the width between its letters) at the
size given. Widths are the font's own advances and kerning, as drawtext's
HarfBuzz lays them out (``_fontmetrics.line_widths``, equal to drawtext's
``text_w`` to the pixel). Under ``none`` text that leaves the frame is named in
a warning.

``position: [x, y]``, ``size`` and ``opacity`` can move (keyframes, see keyframes.py): drawtext evaluates
``x``, ``y``, ``fontsize`` and ``alpha`` on every frame, in ``t``. A moving size keeps Pillow's layout through
drawtext's own ``font_a``/``font_d`` (the font's ascent and descent at the frame's size, the numbers
``_fontmetrics`` computes), for one line of text: the space between lines (``line_spacing``) is set once.
FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#drawtext
"""

from __future__ import annotations

import os
import unicodedata
import warnings
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from ..errors import FfxWarning
from ..filtergraph import graph
from ._fontmetrics import FontWidths, font_metrics, font_widths, line_widths
from .base import Effect
from .context import Clip, StepContext, StepError, provided, require
from .fields import Color, Time
from .fonts import FONT_FILE_SUFFIXES, SHIPPED_FONT, check_font_file
from .keyframes import MOVES_OVER_TIME, Keyframes, fixed, moves, moving

_ONCE = "drawtext sets it once (what moves: position as [x, y], size, opacity)"

Fit = Literal["shrink", "wrap", "none"]
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




def check_drawable(value: str) -> str:
    """Refuse what drawtext cannot draw as written: NUL, and control characters other than new line and tab."""
    if "\x00" in value:
        raise ValueError("text cannot contain the NUL character")
    unprintable = next((c for c in value if _unprintable(c)), None)
    if unprintable is not None:
        raise ValueError(f"text contains the control character U+{ord(unprintable):04X} {unprintable!r} "
                         f"(at {value.index(unprintable)}), which FFmpeg draws as a box, as nothing or as a "
                         "line break; remove it (new lines and tabs are fine)")
    return value


def check_font_name(value: str) -> str:
    if any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in value):
        raise ValueError("a font name or file cannot contain control characters")
    return value


DrawnText = Annotated[str, AfterValidator(check_drawable)]
"Text drawtext draws exactly as written (effects that draw text type their fields with it)."
FontName = Annotated[str, AfterValidator(check_font_name)]


def _unprintable(char: str) -> bool:
    """Control characters (C0, DEL, C1) and the Unicode line/paragraph separators, but not new line and tab.

    drawtext draws ESC and most others as a box, U+2028 as nothing, and breaks the line at CR
    (so Windows line endings would double every break).
    """
    return char not in "\n\t" and unicodedata.category(char) in ("Cc", "Zl", "Zp")


def font_from(font: str, folder: str) -> str:
    """A font file named relative to a recipe, joined to the recipe's folder; ``sans``, a family name
    and an absolute path stay as they are.

    >>> font_from("fonts/A.ttf", "recipes"), font_from("DejaVu Serif", "recipes"), font_from("sans", "r")
    ('recipes/fonts/A.ttf', 'DejaVu Serif', 'sans')
    """
    if font == "sans" or os.path.isabs(font) or not (font.lower().endswith(FONT_FILE_SUFFIXES) or os.sep in font):
        return font
    return os.path.join(folder, font)


class Text(Effect):
    """Draw text: multi-line, any font, named or pixel position, optional box, optional time span."""

    effect: Literal["text"] = "text"
    text: DrawnText = Field(min_length=1, max_length=10_000, description="the words; new lines start new lines")
    font: FontName = Field("sans", min_length=1, max_length=4096,
                      description="sans (the bundled DejaVu Sans), a font family installed on the system, or a font file")
    size: moving(int, ge=4, le=2048) = Field(32, description="font size in pixels, or keyframes (one line of text)")
    color: Color = Field("white", description="text colour")
    opacity: moving(float, ge=0, le=1) = Field(1.0, description="1 opaque, 0.5 half see-through, or keyframes")
    position: Position | list[moving(int, ge=-100_000, le=100_000)] = Field(
        "bottom", description="center, top, bottom, left, right, top_left, ... or [x, y] in pixels (each may be "
                              "keyframes)")
    margin: fixed(int, _ONCE) = Field(10, ge=0, le=10000, description="distance from the frame's edge for named positions, px")
    align: Literal["left", "center", "right"] = Field("center", description="alignment of the lines of a multi-line text")
    line_spacing: fixed(int, _ONCE) = Field(4, ge=-1000, le=1000,
                              description="pixels between lines beyond the font's ascent (Pillow's spacing, MoviePy's interline)")
    box: Color | None = Field(None, description="draw a box of this colour behind the text (e.g. black@0.5)")
    box_padding: fixed(int, _ONCE) = Field(8, ge=0, le=1000, description="box margin around the text, px")
    outline: fixed(int, _ONCE) = Field(0, ge=0, le=100, description="outline width, px")
    outline_color: Color = Field("black", description="outline colour")
    fit: Fit = Field("none", description="text wider than the frame: shrink (a smaller size), wrap (more lines) "
                                         "or none (cut off, with a warning)")
    start: Time | None = Field(None, description="show from this time (seconds; negative counts from the end)")
    end: Time | None = Field(None, description="show until just before this time; default to the end")

    main_parameter = "text"
    example = '- text: {text: "Hello, world", position: bottom, size: 48, box: black@0.5}'
    frame_state = "none"
    requires = frozenset({"video"})

    def frames_of_state(self) -> int | str:
        if self.start is not None or self.end is not None:
            return "is shown between given times, and a chunk's clock starts at its own beginning"
        if moves(self) or (isinstance(self.position, list) and any(isinstance(v, Keyframes) for v in self.position)):
            return MOVES_OVER_TIME
        return 0

    @field_validator("text")
    @classmethod
    def _printable_to_ffmpeg(cls, value: str) -> str:
        value = value.rstrip("\n")  # a YAML `|` block ends with a new line; it would draw an empty line
        if not value:
            raise ValueError("text is empty")
        return value

    @field_validator("position")
    @classmethod
    def _pair(cls, value):
        if isinstance(value, list) and len(value) != 2:
            raise ValueError("a position in pixels is [x, y]")
        return value

    @model_validator(mode="after")
    def _span(self):
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValueError("end must come after start")
        return self

    def relative_to(self, folder: str, keep: frozenset = frozenset()) -> Text:
        return self if "font" in keep else self.model_copy(update={"font": font_from(self.font, folder)})

    def font_options(self) -> dict:
        """The drawtext option the recipe asks for, before anything is looked up."""
        if self.font == "sans":
            return {"fontfile": str(SHIPPED_FONT)}
        if self.font.lower().endswith(FONT_FILE_SUFFIXES) or os.sep in self.font:
            return {"fontfile": os.path.abspath(self.font)}
        return {"font": self.font}

    def layout(self, fonts: dict) -> dict:
        """drawtext's x, y, y_align and line_spacing for Pillow's layout rule (see _fontmetrics).

        The text box's top is the font's ascender line and its height is
        ``(lines - 1) * (ascent + line_spacing) + ascent + descent``, as MoviePy
        sizes its text clips; named positions place that box. A font known only
        by family name has no file to measure: FFmpeg's own rule applies to it
        (the box is the drawn glyphs, lines are the font's line height plus
        ``line_spacing`` apart).
        """
        if isinstance(self.position, list):
            x, y = (v.as_expression() if isinstance(v, Keyframes) else str(v) for v in self.position)
        else:
            x, y = (part.format(m=self.margin) for part in _PLACES[self.position])
        if isinstance(self.size, Keyframes) and "fontfile" in fonts:
            # one line (drawn() sees to it): the box is the font's ascent and descent at this frame's size,
            # which drawtext knows as font_a and font_d (FreeType's, as font_metrics computes them)
            return {"x": x, "y": f"{y.replace('text_h', '(font_a+font_d)')}+font_a", "y_align": "baseline"}
        metrics = font_metrics(fonts["fontfile"], self.size) if "fontfile" in fonts else None
        if metrics is None:
            return {"line_spacing": self.line_spacing or None, "x": x, "y": y}
        pitch = metrics.ascent + self.line_spacing
        box = self.text.count("\n") * pitch + metrics.ascent + metrics.descent
        top = y.replace("text_h", str(box))
        # FFmpeg clips the last line when it lays out from the font's top (y_align=font) with a positive
        # line_spacing; from the first baseline it draws every line whole
        return {"line_spacing": pitch - metrics.height or None, "x": x,
                "y": str(int(top) + metrics.ascent) if top.lstrip("-").isdigit() else f"{top}+{metrics.ascent}",
                "y_align": "baseline"}

    # Fitting the frame -----------------------------------------------------------------------------------

    def room(self, width: int, height: int) -> tuple[int, int]:
        """Pixels the text box may take in a ``width`` x ``height`` frame: less the margins for a named
        position, less the offset for a position in pixels."""
        if isinstance(self.position, list):
            left, top = (v.first if isinstance(v, Keyframes) else v for v in self.position)
            return width - max(0, left), height - max(0, top)
        return width - 2 * self.margin, height - 2 * self.margin

    def padding(self) -> int:
        """Pixels the outline (or the box) adds around the text on each side."""
        return max(self.outline, self.box_padding if self.box else 0)

    def extent(self, font_file: str, widths: FontWidths, size: int, text: str) -> tuple[int, int]:
        """Width and height in pixels of ``text`` drawn at ``size``, its outline (or box padding) included:
        the widest line's ``text_w``, and the text box of :meth:`layout`."""
        lines = text.replace("\t", "    ").split("\n")
        metrics = font_metrics(font_file, size)
        wide = max(line_widths(widths, size, lines)) + 2 * self.padding()
        if metrics is None:
            return wide, 0
        return wide, (len(lines) - 1) * (metrics.ascent + self.line_spacing) + metrics.ascent + metrics.descent

    def wrapped(self, widths: FontWidths, room: int) -> str:
        """The text with its lines broken at spaces to fit ``room`` pixels at this size; a word wider than
        that is broken between letters (MoviePy's caption breaks only at spaces and lets it run out)."""
        pad = 2 * self.padding()

        def fits(line: str) -> bool:
            return line_widths(widths, self.size, [line.replace("\t", "    ")])[0] + pad <= room

        out: list[str] = []
        for paragraph in self.text.split("\n"):
            line = ""
            for word in paragraph.split(" "):
                candidate = f"{line} {word}" if line else word
                if fits(candidate) or not candidate:
                    line = candidate
                    continue
                if line:
                    out.append(line)
                line = ""
                for char in word:  # a word alone too wide: broken where it no longer fits
                    if line and not fits(line + char):
                        out.append(line)
                        line = ""
                    line += char
            out.append(line)
        return "\n".join(out)

    def fitted(self, clip: Clip, font_file: str, label: str) -> Text:
        """This step with its size or its lines fitted to the clip's frame (``fit``); under ``none``, or where
        it still does not fit, a warning naming the step."""
        info = clip.info
        if isinstance(self.size, Keyframes):
            if self.fit != "none":
                raise StepError(f"fit: {self.fit} chooses one size, and this size moves; give one size or "
                                "fit: none", field="fit")
            return self
        if not info.width or not info.height:
            return self  # a size known only while it plays (it varies in time): nothing to fit at compile time
        widths = font_widths(font_file)
        if widths is None:
            if self.fit != "none":
                warnings.warn(f"{label}: the font {font_file!r} cannot be measured (a collection or a web font), "
                              f"so fit: {self.fit} leaves the text as it is", FfxWarning, stacklevel=2)
            return self
        room_w, room_h = self.room(info.width, info.height)
        wide, tall = self.extent(font_file, widths, self.size, self.text)
        if wide <= room_w and tall <= room_h:
            return self
        size, text = self.size, self.text
        if self.fit == "shrink":
            low, high = 4, self.size  # the largest size that fits (widths grow with the size)
            while low < high:
                middle = (low + high + 1) // 2
                w, h = self.extent(font_file, widths, middle, text)
                low, high = (middle, high) if w <= room_w and h <= room_h else (low, middle - 1)
            size = low
        elif self.fit == "wrap":
            text = self.wrapped(widths, room_w)
        wide, tall = self.extent(font_file, widths, size, text)
        if wide > room_w or tall > room_h:
            along, need, have = ("wide", wide, room_w) if wide > room_w else ("tall", tall, room_h)
            less = "" if isinstance(self.position, list) or not self.margin else f" less {self.margin} px margins"
            advice = {"none": "set fit: shrink or fit: wrap, or a smaller size",
                      "wrap": "set fit: shrink, or a smaller size or fewer words",
                      "shrink": "use fewer words or a smaller margin"}[self.fit]
            warnings.warn(f"{label}: the text is {need} px {along} at size {size}, more than the {have} px of the "
                          f"{info.width}x{info.height} frame{less}, so it is cut off ({advice})",
                          FfxWarning, stacklevel=2)
        return self if (size, text) == (self.size, self.text) else self.derived(size=size, text=text)

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        fonts = self.font_options()
        if "fontfile" in fonts:
            check_font_file(fonts["fontfile"])
        else:
            # the file fontconfig finds for the family (ffx/compile/ports.py), so the font measured is the one drawn
            fonts = {"fontfile": provided(ctx.fonts, "fonts (a font family looked up)").family_file(fonts["font"])}
        return self.fitted(clip, fonts["fontfile"], ctx.label or "text").drawn(clip, ctx, fonts)

    def drawn(self, clip: Clip, ctx: StepContext, fonts: dict) -> Clip:
        """The drawtext filter for this text, as fitted, with the font file found."""
        duration = clip.info.duration
        for name, value in (("start", self.start), ("end", self.end)):
            if value is not None and value < 0:
                require(clip, {"known_length"}, field=name)
                value += duration
            if value is not None and duration is not None and not 0 <= value <= duration:
                raise StepError(f"{name} {value:g} s is outside the clip (0-{duration:g} s)", field=name)
        start = self.start + duration if self.start is not None and self.start < 0 else self.start
        end = self.end + duration if self.end is not None and self.end < 0 else self.end
        if isinstance(self.size, Keyframes) and "\n" in self.text:
            raise StepError("size can move only for one line of text: drawtext sets the space between lines "
                            "once, and it would change with the size", field="size")
        enable = None
        if start is not None or end is not None:
            # shown on frames with start <= t < end, like trim; a microsecond absorbs t's rounding
            low = graph.format_number(round((start or 0) - 1e-6, 9))
            enable = f"gte(t,{low})" if end is None else f"gte(t,{low})*lt(t,{graph.format_number(round(end - 1e-6, 9))})"
        options = {
            **fonts,
            "text": self.text,
            "expansion": "none",
            "fontsize": self.size.as_expression() if isinstance(self.size, Keyframes) else self.size,
            "fontcolor": self.color,
            "alpha": (self.opacity.as_expression() if isinstance(self.opacity, Keyframes)
                      else self.opacity if self.opacity < 1 else None),
            "text_align": {"left": "L", "center": "C", "right": "R"}[self.align],
            **self.layout(fonts),
            "box": 1 if self.box else None,
            "boxcolor": self.box,
            "boxborderw": self.box_padding if self.box else None,
            "borderw": self.outline or None,
            "bordercolor": self.outline_color if self.outline else None,
            "enable": enable,
        }
        return clip.evolve(video=ctx.chain(clip.video, "drawtext", options))
