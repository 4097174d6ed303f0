"""Black bars: the filters of the pass that finds the picture inside them, and the reading of its log.

FFmpeg's ``cropdetect`` calls a row or column black when its *average* is
under ``limit``. A dark picture (a night scene, a fade) has whole rows like
that, and the average rule would crop into it: on a test pattern darkened to
luma 16-39, cropdetect at its default limit cut 54 of 320 columns. Bars are
flat: hardly a pixel in them is far from black. So the pass first marks every
pixel brighter than :data:`BLACK_LIMIT` (luma, 8-bit) white and everything else
black (``lutyuv``), and cropdetect's average rule then reads the marks: a row or
column is picture when more than :data:`PICTURE_SHARE` of its pixels are marked.
The darkened pattern keeps all its columns, a letterboxed one loses exactly its
bars, and a film's soft edge (one pixel at luma 38 in a column of 360, on the
last frame of the Chaplin excerpt) does not keep a dark column.

Only a few frames are looked at (:data:`SAMPLES`, spread over the clip, each
reached by seeking), and the rectangle kept is the union over them, so a frame
that fades from black does not shrink it. ``cropdetect``'s own rounding
(``round``, 16 by default, and 0 or 1 mean 16 too) is not used: the edges it
logs (``x1 x2 y1 y2``) are exact.

FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#cropdetect and #lutyuv
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .analysis import Analysis

BLACK_LIMIT = 32  # 8-bit luma: bars (16, or 0 in full range) with coding noise stay under it
PICTURE_SHARE = 0.01  # of a row's or column's pixels brighter than BLACK_LIMIT, beyond which it is picture
SAMPLES = 8  # frames looked at, spread over the clip

# "[Parsed_cropdetect_3 @ 0x...] x1:0 x2:319 y1:38 y2:199 w:320 h:160 x:0 y:40 pts:... crop=320:160:0:40"
_EDGES = re.compile(r"(?:\[Parsed_cropdetect_(\d+) @ [^\]]*\] )?x1:(-?\d+) x2:(-?\d+) y1:(-?\d+) y2:(-?\d+) ")


@dataclass(frozen=True)
class PictureBox:
    """The rectangle ``x1,y1``-``x2,y2`` (``x2``, ``y2`` exclusive) that holds the picture in a frame."""

    x1: int
    y1: int
    x2: int
    y2: int

    @property
    def width(self) -> int:
        return self.x2 - self.x1

    @property
    def height(self) -> int:
        return self.y2 - self.y1

    def describe(self, width: int, height: int) -> str:
        """How ``validate`` says it.

        >>> PictureBox(0, 40, 320, 200).describe(320, 240)
        'picture 320x160 at 0,40 (bars: 40 top, 40 bottom)'
        >>> PictureBox(0, 0, 320, 240).describe(320, 240)
        'no black bars (320x240 kept)'
        """
        bars = [(self.y1, "top"), (height - self.y2, "bottom"), (self.x1, "left"), (width - self.x2, "right")]
        said = [f"{size} {side}" for size, side in bars if size]
        if not said:
            return f"no black bars ({width}x{height} kept)"
        return f"picture {self.width}x{self.height} at {self.x1},{self.y1} (bars: {', '.join(said)})"


def sample_times(duration: float, count: int = SAMPLES) -> list[float]:
    """Where the frames looked at are: the middles of ``count`` equal shares of the clip.

    >>> sample_times(8.0, 4)
    [1.0, 3.0, 5.0, 7.0]
    """
    return [duration * (2 * i + 1) / (2 * count) for i in range(count)]


def bar_filters(limit: int = BLACK_LIMIT) -> list[tuple[str, dict]]:
    """The filters (name, options) that log the picture's edges in each frame they see: 8-bit 4:2:0, every
    pixel brighter than ``limit`` white, and cropdetect calling a row or column picture when more than
    :data:`PICTURE_SHARE` of it is white, from the first frame on, keeping its rectangle from frame to frame
    (``reset=0``: each line is the union so far).

    >>> [name for name, _ in bar_filters()]
    ['format', 'lutyuv', 'cropdetect']
    """
    return [("format", {"pix_fmts": "yuv420p"}),
            ("lutyuv", {"y": f"gt(val,{limit})*255"}),
            ("cropdetect", {"limit": PICTURE_SHARE, "round": 2, "reset": 0, "skip": 0})]


def picture_edges(limit: int = BLACK_LIMIT) -> Analysis:
    """The pass over sampled frames that finds the picture: ``[x1, x2, y1, y2]`` (inclusive edges, cropdetect's
    union over every frame it saw), or None when every frame was black. Read the box with :func:`picture_box`."""
    filters = tuple((name, tuple(options.items())) for name, options in bar_filters(limit))
    return Analysis("black bars", "video", filters, _read_edges)


def _read_edges(lines: list[str]) -> list[int] | None:
    box = read_picture_box("\n".join(lines), 1 << 30, 1 << 30)
    return None if box is None else [box.x1, box.x2 - 1, box.y1, box.y2 - 1]


def picture_box(edges: list[int] | None, width: int, height: int) -> PictureBox | None:
    """The box of what :func:`picture_edges` found, within a ``width`` x ``height`` frame.

    >>> picture_box([0, 319, 38, 199], 320, 240)
    PictureBox(x1=0, y1=38, x2=320, y2=200)
    """
    if edges is None:
        return None
    x1, x2, y1, y2 = edges
    return PictureBox(max(0, x1), max(0, y1), min(width, x2 + 1), min(height, y2 + 1))


def read_picture_box(log: str, width: int, height: int) -> PictureBox | None:
    """The union of the rectangles the :func:`bar_filters` passes logged (the last line of each cropdetect
    instance holds its union so far); None when no pixel was brighter than the limit (every frame black).

    >>> read_picture_box('''[Parsed_cropdetect_2 @ 0x1] x1:0 x2:319 y1:38 y2:199 w:320 h:162 x:0 y:38 pts:1
    ... [Parsed_cropdetect_5 @ 0x2] x1:2 x2:317 y1:40 y2:201 w:316 h:162 x:2 y:40 pts:1''', 320, 240)
    PictureBox(x1=0, y1=38, x2=320, y2=202)
    >>> read_picture_box("[Parsed_cropdetect_2 @ 0x1] x1:319 x2:0 y1:239 y2:0 w:-318 h:-238 ", 320, 240) is None
    True
    """
    last: dict[str, tuple[int, int, int, int]] = {}
    for match in _EDGES.finditer(log):
        last[match.group(1) or ""] = tuple(int(v) for v in match.group(2, 3, 4, 5))
    found = [edges for edges in last.values() if edges[0] <= edges[1] and edges[2] <= edges[3]]
    if not found:
        return None
    x1, y1 = min(e[0] for e in found), min(e[2] for e in found)
    x2, y2 = max(e[1] for e in found) + 1, max(e[3] for e in found) + 1
    return PictureBox(max(0, x1), max(0, y1), min(width, x2), min(height, y2))


__all__ = ["BLACK_LIMIT", "PICTURE_SHARE", "SAMPLES", "PictureBox", "bar_filters", "picture_box", "picture_edges", "read_picture_box",
           "sample_times"]
