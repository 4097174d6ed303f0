"""What a box of the SVG picture says, and how much room that takes.

A filter box reads as its filter's name in bold, the recipe step that made it as
a small caption, then its key options packed a few to a line, so a graph of
seventy filters stays legible. The DOT and Mermaid texts show a box's lines as
they are; only the drawing is compacted here. Widths are estimated from
character counts (the drawing has no font metrics); the factors suit
DejaVu Sans, which FFmpeg's librsvg draws with, and Helvetica is narrower.

>>> from .picture import Box
>>> [(line.text, line.style) for line in shown_lines(Box("f0", ["scale", "steps[0] (resize)", "w=320", "h=180"],
...                                                  "filter", 0, step="steps[0] (resize)"))]
[('scale', 'title'), ('steps[0] (resize)', 'caption'), ('w=320  h=180', 'detail')]
"""

from __future__ import annotations

from dataclasses import dataclass

from .picture import Box

PACKED_WIDTH = 30  # characters: short options share a line up to this width
PAD = 10  # px between a box's border and its text


@dataclass(frozen=True)
class TextStyle:
    size: int  # font size, px
    char_width: float  # a rough average advance, px
    line_height: float
    attributes: str  # SVG attributes of the <text>


STYLES = {
    "title": TextStyle(11, 7.4, 14, ' font-weight="bold"'),
    "caption": TextStyle(9, 5.6, 12, ' font-size="9" font-style="italic" fill="#667"'),
    "detail": TextStyle(10, 6.2, 13, ' font-size="10"'),
    "label": TextStyle(9, 5.6, 12, ' font-size="9" fill="#335"'),
}


@dataclass(frozen=True)
class Line:
    text: str
    style: str  # a key of STYLES


def shown_lines(box: Box) -> list[Line]:
    """The box's first line as its title, its recipe step as a caption, the rest packed into few lines."""
    if not box.lines:
        return []
    rest = box.lines[1:]
    caption = []
    if box.step and rest and rest[0] == box.step:
        caption, rest = [Line(box.step, "caption")], rest[1:]
    packed: list[str] = []
    for text in rest:
        if packed and "\n" not in text and len(packed[-1]) + 2 + len(text) <= PACKED_WIDTH:
            packed[-1] += "  " + text
        else:
            packed.append(text)
    return [Line(box.lines[0], "title"), *caption, *(Line(text, "detail") for text in packed)]


def text_width(text: str, style: str) -> float:
    return len(text) * STYLES[style].char_width


def box_size(box: Box) -> tuple[float, float]:
    """Width and height of the box drawn around its shown lines."""
    lines = shown_lines(box)
    width = max((text_width(line.text, line.style) for line in lines), default=0.0) + 2 * PAD
    return max(width, 40.0), sum(STYLES[line.style].line_height for line in lines) + PAD
