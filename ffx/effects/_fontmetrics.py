"""A font file's vertical metrics in pixels, as FreeType computes them for FFmpeg and for Pillow.

Text layout follows Pillow's rule (and so MoviePy's): a position is the top
of the text box, which is the font's ascender line, not the top of the
tallest glyph drawn; lines are ``ascent + spacing`` apart. FFmpeg's drawtext
can be told where the first baseline goes (``y_align=baseline``) and adds
its ``line_spacing`` to the font's line height, so the layout needs three
numbers from the font: ascent, descent and line height, in whole pixels.
They come from the ``head`` and ``hhea`` tables (FreeType's default source),
scaled and rounded the way FreeType's ``FT_Set_Pixel_Sizes`` does.
"""

from __future__ import annotations

import functools
import struct
from typing import NamedTuple


class FontMetrics(NamedTuple):
    ascent: int  # pixels from the ascender line down to the baseline
    descent: int  # pixels from the baseline down to the descender line (positive)
    height: int  # FreeType's line height: the pitch FFmpeg's drawtext uses between lines


def _mul_fix(a: int, b: int) -> int:
    """FreeType's FT_MulFix: a * b / 65536, rounded half away from zero."""
    sign = -1 if (a < 0) != (b < 0) else 1
    return sign * ((abs(a) * abs(b) + 0x8000) >> 16)


def _div_fix(a: int, b: int) -> int:
    """FreeType's FT_DivFix: a * 65536 / b, rounded."""
    return (a * 65536 + b // 2) // b


def scaled(units_per_em: int, ascender: int, descender: int, line_gap: int, size: int) -> FontMetrics:
    """Pixel metrics for a font of ``size`` pixels (FreeType's ft_recompute_scaled_metrics).

    DejaVu Sans (2048 units, ascender 1901, descender -483) at 30 px:

    >>> scaled(2048, 1901, -483, 0, 30)
    FontMetrics(ascent=28, descent=8, height=35)
    """
    y_scale = _div_fix(size * 64, units_per_em)
    ascent = (_mul_fix(ascender, y_scale) + 63) & -64  # FT_PIX_CEIL
    descent = _mul_fix(descender, y_scale) & -64  # FT_PIX_FLOOR
    height = (_mul_fix(ascender - descender + line_gap, y_scale) + 32) & -64  # FT_PIX_ROUND
    return FontMetrics(ascent >> 6, -(descent >> 6), height >> 6)


@functools.lru_cache(maxsize=32)
def _font_units(path: str) -> tuple[int, int, int, int] | None:
    """(units per em, ascender, descender, line gap) of a TrueType/OpenType file; None when unreadable."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(1 << 20)  # the table directory and these tables sit near the start
    except OSError:
        return None
    if len(data) < 12 or data[:4] not in (b"\x00\x01\x00\x00", b"OTTO", b"true"):
        return None  # a collection (.ttc), WOFF or something else: FFmpeg's own layout applies
    tables = {}
    count = struct.unpack(">H", data[4:6])[0]
    for i in range(count):
        record = data[12 + 16 * i:28 + 16 * i]
        if len(record) < 16:
            return None
        tag, _, offset, length = struct.unpack(">4sIII", record)
        tables[tag] = (offset, length)
    try:
        head, hhea = tables[b"head"][0], tables[b"hhea"][0]
        units = struct.unpack(">H", data[head + 18:head + 20])[0]
        ascender, descender, gap = struct.unpack(">hhh", data[hhea + 4:hhea + 10])
    except (KeyError, struct.error):
        return None
    if not units or (ascender == 0 and descender == 0):
        return None  # FreeType would fall back to the OS/2 table; leave these to FFmpeg
    return units, ascender, descender, gap


def font_metrics(path: str, size: int) -> FontMetrics | None:
    """The font file's metrics at ``size`` pixels, or None when it cannot be read as a plain TrueType/OpenType font."""
    units = _font_units(path)
    return None if units is None else scaled(*units, size)
