"""subtitles: an .srt, .ass or .vtt file burnt into the picture, in the bundled font, styled.

The file is a declared input of the recipe: checked to be a readable text
file of a subtitle type before FFmpeg runs, and handed to the filter as
``file:PATH``, so its name can never be read as a protocol or an option.
(A raw ``filter: subtitles`` step stays refused without ``--allow-unsafe``:
there the file could be anything.) Sizes are pixels of the picture: the
script's own resolution is set to the frame's, so ``size: 24`` is 24 px.
FFmpeg docs: https://ffmpeg.org/ffmpeg-filters.html#subtitles-1
"""

from __future__ import annotations

import os
from typing import Literal

from pydantic import Field

from .base import Effect
from .context import Clip, StepContext, StepError
from .fonts import SHIPPED_FONT

SUBTITLE_TYPES = (".srt", ".ass", ".ssa", ".vtt")
NAMED = {"white": "ffffff", "black": "000000", "yellow": "ffff00", "red": "ff0000", "green": "00ff00",
         "blue": "0000ff", "cyan": "00ffff", "magenta": "ff00ff", "gray": "808080", "grey": "808080",
         "orange": "ffa500"}
SubtitleColor = str
_COLOR = r"^(#[0-9a-fA-F]{6}|" + "|".join(NAMED) + ")$"
# ASS numpad alignment
_ALIGN = {"bottom": 2, "top": 8, "center": 5}
MAX_SUBTITLE_BYTES = 10 * 2**20


def ass_color(value: str) -> str:
    """``#rrggbb`` or a name -> ASS's ``&H00BBGGRR``.

    >>> ass_color("#ff8000"), ass_color("white")
    ('&H000080FF', '&H00FFFFFF')
    """
    rgb = NAMED.get(value.lower()) or value.lstrip("#")
    return f"&H00{rgb[4:6]}{rgb[2:4]}{rgb[0:2]}".upper()


class Subtitles(Effect):
    """Burn in a subtitle file (.srt, .ass, .vtt): the bundled font, size, colour, outline and position."""

    effect: Literal["subtitles"] = "subtitles"
    file: str = Field(min_length=1, max_length=4096, description="the subtitle file (.srt, .ass, .ssa or .vtt)")
    size: int = Field(32, ge=4, le=1024, description="font size in pixels (for .srt/.vtt; .ass files keep their own)")
    color: str = Field("white", pattern=_COLOR, description="text colour: #rrggbb or white, yellow, ...")
    outline: float = Field(2, ge=0, le=50, description="outline width, px")
    outline_color: str = Field("black", pattern=_COLOR, description="outline colour")
    position: Literal["bottom", "top", "center"] = Field("bottom", description="where the lines sit")
    margin: int = Field(24, ge=0, le=4000, description="distance from the frame's edge, px")

    main_parameter = "file"
    file_fields = ("file",)
    example = "- subtitles: {file: captions.srt, size: 28, color: yellow}"
    requires = frozenset({"video"})

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        path = os.path.abspath(self.file)
        if os.path.splitext(path)[1].lower() not in SUBTITLE_TYPES:
            raise StepError(f"{self.file!r} is not a subtitle file", field="file",
                            hint="give a .srt, .ass, .ssa or .vtt file")
        _check_text_file(path)
        info = clip.info
        style = ",".join([
            f"PlayResX={info.width}", f"PlayResY={info.height}", "FontName=DejaVu Sans", f"FontSize={self.size}",
            f"PrimaryColour={ass_color(self.color)}", f"OutlineColour={ass_color(self.outline_color)}",
            "BorderStyle=1", f"Outline={self.outline:g}", "Shadow=0", f"Alignment={_ALIGN[self.position]}",
            f"MarginV={self.margin}",
        ])
        options = {"filename": "file:" + path, "fontsdir": str(SHIPPED_FONT.parent), "force_style": style,
                   "original_size": info.size}
        return clip.evolve(video=ctx.chain(clip.video, "subtitles", options))


def _check_text_file(path: str) -> None:
    try:
        if not os.path.isfile(path):
            raise StepError(f"subtitle file {path!r} does not exist or is not a regular file", field="file")
        if os.path.getsize(path) > MAX_SUBTITLE_BYTES:
            raise StepError(f"subtitle file {path!r} is over 10 MiB", field="file")
        with open(path, "rb") as handle:
            head = handle.read(MAX_SUBTITLE_BYTES)
    except OSError as exc:
        raise StepError(f"cannot read subtitle file {path!r}: {exc.strerror}", field="file") from None
    try:
        head.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise StepError(f"subtitle file {path!r} is not UTF-8 text", field="file",
                        hint="save it as UTF-8") from None
    if b"\0" in head:
        raise StepError(f"subtitle file {path!r} is not text", field="file")
