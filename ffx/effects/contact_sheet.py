"""contact_sheet: a grid of evenly spaced frames in one picture, each with its time; or one frame per scene.

The time is written in a strip under each frame, in the sheet's background
colour, so it never covers the picture (captions and burnt-in subtitles sit at
the bottom of a frame, where a label drawn over it would hide them).

Frame ``i`` of ``n`` tiles is the clip's frame ``floor((i + 1/2) * frames / n)``
(the middle of each equal share of the clip), picked by number with
``select``, so the sheet is the same whatever the timestamps. The result is
one frame: write it to a ``.png`` or ``.jpg``.

With ``at: scenes`` there is one tile per scene, its middle frame (a scene's
first frame may still carry the end of a dissolve or a flash): the scenes of a
``scenes`` step right before, else those FFmpeg's ``scdet`` finds at its default
threshold. The sheet is ``columns`` wide (fewer when there are fewer scenes) and
as many rows as the scenes need; ``rows`` is not used.
FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#tile and #select_002c-aselect
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..media.memory import picture_memory
from .base import Effect
from .context import Clip, StepContext, StepError, require
from .fields import Color
from .fonts import SHIPPED_FONT
from .scenes import found_scenes


def picked_frames(frames: int, tiles: int) -> list[int]:
    """Which frames fill the tiles.

    >>> picked_frames(100, 4)
    [12, 37, 62, 87]
    """
    return [int((2 * i + 1) * frames // (2 * tiles)) for i in range(tiles)]


def scene_frames(spans: list[tuple[int, int]]) -> list[int]:
    """The frame shown for each scene ``[first, end)``: its middle one.

    >>> scene_frames([(0, 25), (25, 62), (62, 63)])
    [12, 43, 62]
    """
    return [(first + end - 1) // 2 for first, end in spans]


class ContactSheet(Effect):
    """A grid (``columns`` x ``rows``) of evenly spaced frames in one picture, with their times under them;
    or, with ``at: scenes``, the middle frame of each scene, ``columns`` across."""

    effect: Literal["contact_sheet"] = "contact_sheet"
    columns: int = Field(4, ge=1, le=32, description="tiles across")
    rows: int = Field(3, ge=1, le=32, description="tiles down")
    width: int = Field(1280, ge=16, le=16384, description="width of the whole sheet, px")
    padding: int = Field(4, ge=0, le=256, description="space between and around the tiles, px")
    background: Color = Field("black", description="colour of the space between tiles")
    timestamps: bool = Field(True, description="write each frame's time (h:mm:ss.mmm) in a strip under it")
    at: Literal["even", "scenes"] = Field("even", description="even: columns x rows frames evenly spaced; scenes: "
                                                               "the middle frame of each scene, as many rows as needed")

    example = "- contact_sheet: {columns: 4, rows: 3, width: 960}"
    requires = frozenset({"video", "frame_count"})

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        info = clip.info
        columns, rows = self.columns, self.rows
        if self.at == "scenes":
            require(clip, {"frame_rate", "read_ahead"})
            picked_numbers = scene_frames(found_scenes(clip, ctx))
            columns = min(columns, len(picked_numbers))
            rows = -(-len(picked_numbers) // columns)
            if rows > 32 * 4:
                raise StepError(f"{len(picked_numbers)} scenes make {rows} rows of {columns}", field="columns",
                                hint="use more columns, or a higher scenes threshold")
        else:
            tiles = columns * rows
            if info.frames < tiles:
                raise StepError(f"{tiles} tiles need {tiles} frames; the clip has {info.frames}", field="rows",
                                hint="use fewer columns or rows")
            picked_numbers = picked_frames(info.frames, tiles)
        # even sides: pad (the time's strip) rounds a 4:2:0 picture's size down to whole chroma samples,
        # and an odd width would come out smaller than the picture it pads ("Padded dimensions cannot be
        # smaller than input dimensions")
        tile_width = (self.width - self.padding * (columns + 1)) // columns // 2 * 2
        if tile_width < 8:
            raise StepError("the tiles would be narrower than 8 px", field="width")
        tile_height = max(2, round(tile_width * info.height / info.width / 2) * 2)
        picked = "+".join(f"eq(n,{n})" for n in picked_numbers)
        video = ctx.chain(clip.video, "select", {"expr": picked})
        video = ctx.chain(video, "scale", {"w": tile_width, "h": tile_height, "flags": "lanczos"})
        strip = 0
        if self.timestamps:
            # h:mm:ss.mmm is about 7.4 em wide in the shipped font, and starts half an em in: a size that
            # fits the tile's width too, or a portrait clip's narrow tiles cut their times off
            size = max(8, min(tile_height // 9, tile_width * 2 // 17))
            strip = size + 2 * max(2, size // 4)  # the label's own row under the picture, never over it
            strip += strip % 2
            video = ctx.chain(video, "pad", {"w": "iw", "h": tile_height + strip, "x": 0, "y": 0,
                                             "color": self.background})
            video = ctx.chain(video, "drawtext", {
                "fontfile": str(SHIPPED_FONT), "text": "%{pts:hms}", "fontsize": size, "fontcolor": "white",
                "borderw": 1, "bordercolor": "black", "x": size // 2,
                "y": f"{tile_height}+({strip}-text_h)/2"})
        video = ctx.chain(video, "tile", {"layout": f"{columns}x{rows}", "padding": self.padding,
                                          "margin": self.padding, "color": self.background})
        width = columns * tile_width + self.padding * (columns + 1)
        height = rows * (tile_height + strip) + self.padding * (rows + 1)
        sheet = info.replace(width=width, height=height, frames=1,
                             duration=float(1 / info.fps) if info.fps else info.duration, has_audio=False,
                             sample_rate=None)
        ctx.holds(picture_memory(info, sheet))  # the clip's frames only pass by: the decoder's and the sheet
        return clip.evolve(video=video, audio=None, info=sheet)
