"""A font file's vertical metrics in pixels, as FreeType computes them for FFmpeg and for Pillow.

Text layout follows Pillow's rule (and so MoviePy's): a position is the top
of the text box, which is the font's ascender line, not the top of the
tallest glyph drawn; lines are ``ascent + spacing`` apart. FFmpeg's drawtext
can be told where the first baseline goes (``y_align=baseline``) and adds
its ``line_spacing`` to the font's line height, so the layout needs three
numbers from the font: ascent, descent and line height, in whole pixels.
They come from the ``head`` and ``hhea`` tables (FreeType's default source),
scaled and rounded the way FreeType's ``FT_Set_Pixel_Sizes`` does.

Widths (:func:`line_widths`), to fit text to the frame, come from the
``cmap``, ``hmtx`` and ``GPOS`` tables: each line's width equals drawtext's
``text_w`` for it, to the pixel (tests/test_text_fit.py reads it back from
drawtext's own pixels). Ligatures and other substitutions are not applied.
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


# Widths ------------------------------------------------------------------------------------------------
# drawtext shapes each line with HarfBuzz over FreeType (hb_ft, no hinting): a glyph advances by its design
# advance scaled to 1/64 pixel, plus the font's pair kerning (GPOS ``kern``) scaled the same way; the line's
# ``text_w`` is those advances summed and rounded up to a whole pixel (vf_drawtext.c, measure_text).


class FontWidths(NamedTuple):
    units_per_em: int
    advances: tuple[int, ...]  # per glyph, in font units
    glyphs: dict[int, int]  # code point -> glyph
    kerning: tuple  # the GPOS kern feature's pair-adjustment lookups (see kerning())


def _tables(data: bytes) -> dict[bytes, bytes]:
    count = struct.unpack(">H", data[4:6])[0]
    tables = {}
    for i in range(count):
        tag, _, offset, length = struct.unpack(">4sIII", data[12 + 16 * i:28 + 16 * i])
        tables[tag] = data[offset:offset + length]
    return tables


def _cmap(table: bytes) -> dict[int, int]:
    """Code point -> glyph from the Unicode subtable (format 12 preferred, else format 4)."""
    count = struct.unpack(">H", table[2:4])[0]
    subtables = {}
    for i in range(count):
        platform, encoding, offset = struct.unpack(">HHI", table[4 + 8 * i:12 + 8 * i])
        if (platform, encoding) in ((3, 10), (0, 4), (0, 6), (3, 1), (0, 3), (0, 0), (0, 1), (0, 2)):
            subtables.setdefault(struct.unpack(">H", table[offset:offset + 2])[0], offset)
    glyphs: dict[int, int] = {}
    if 12 in subtables:
        at = subtables[12]
        groups = struct.unpack(">I", table[at + 12:at + 16])[0]
        for i in range(groups):
            first, last, glyph = struct.unpack(">III", table[at + 16 + 12 * i:at + 28 + 12 * i])
            for code in range(first, min(last, first + 0x10000) + 1):
                glyphs[code] = glyph + code - first
        return glyphs
    if 4 in subtables:
        at = subtables[4]
        segments = struct.unpack(">H", table[at + 6:at + 8])[0] // 2
        ends = struct.unpack(f">{segments}H", table[at + 14:at + 14 + 2 * segments])
        starts_at = at + 16 + 2 * segments
        starts = struct.unpack(f">{segments}H", table[starts_at:starts_at + 2 * segments])
        deltas = struct.unpack(f">{segments}h", table[starts_at + 2 * segments:starts_at + 4 * segments])
        range_at = starts_at + 4 * segments
        offsets = struct.unpack(f">{segments}H", table[range_at:range_at + 2 * segments])
        for i in range(segments):
            for code in range(starts[i], ends[i] + 1):
                if code == 0xFFFF:
                    continue
                if offsets[i] == 0:
                    glyph = (code + deltas[i]) & 0xFFFF
                else:
                    where = range_at + 2 * i + offsets[i] + 2 * (code - starts[i])
                    glyph = struct.unpack(">H", table[where:where + 2])[0]
                    glyph = (glyph + deltas[i]) & 0xFFFF if glyph else 0
                if glyph:
                    glyphs[code] = glyph
    return glyphs


def _coverage(table: bytes, at: int) -> list[int]:
    fmt, count = struct.unpack(">HH", table[at:at + 4])
    if fmt == 1:
        return list(struct.unpack(f">{count}H", table[at + 4:at + 4 + 2 * count]))
    covered = []
    for i in range(count):
        first, last, _ = struct.unpack(">HHH", table[at + 4 + 6 * i:at + 10 + 6 * i])
        covered.extend(range(first, last + 1))
    return covered


def _classes(table: bytes, at: int) -> dict[int, int]:
    fmt = struct.unpack(">H", table[at:at + 2])[0]
    if fmt == 1:
        first, count = struct.unpack(">HH", table[at + 2:at + 6])
        return dict(zip(range(first, first + count), struct.unpack(f">{count}H", table[at + 6:at + 6 + 2 * count])))
    count = struct.unpack(">H", table[at + 2:at + 4])[0]
    classes = {}
    for i in range(count):
        first, last, value = struct.unpack(">HHH", table[at + 4 + 6 * i:at + 10 + 6 * i])
        classes.update(dict.fromkeys(range(first, last + 1), value))
    return classes


def _x_advance(table: bytes, at: int, value_format: int) -> int:
    """The XAdvance of a GPOS value record (bit 2), skipping XPlacement and YPlacement before it."""
    if not value_format & 4:
        return 0
    skip = 2 * (value_format & 3).bit_count()
    return struct.unpack(">h", table[at + skip:at + skip + 2])[0]


class PairTable(NamedTuple):
    """One GPOS pair-adjustment subtable: which first glyphs it covers and their x adjustments (font units)."""

    covered: frozenset[int]
    pairs: dict[tuple[int, int], int]  # format 1: listed pairs only
    left: dict[int, int] | None = None  # format 2: glyph -> class, and the class x class matrix
    right: dict[int, int] | None = None
    matrix: tuple[tuple[int, ...], ...] = ()

    def adjustment(self, first: int, second: int) -> int | None:
        """The pair's adjustment, or None where this subtable does not apply (the next one is tried)."""
        if first not in self.covered:
            return None
        if self.left is None:
            return self.pairs.get((first, second))
        row = self.matrix[self.left.get(first, 0)]
        cls = self.right.get(second, 0)
        return row[cls] if cls < len(row) else None


def _gpos_kerning(table: bytes) -> tuple[tuple[PairTable, ...], ...]:
    """The pair-adjustment lookups (type 2, and type 9 extensions of it) of the GPOS ``kern`` feature,
    each its subtables in order: in a lookup the first subtable that applies to a pair wins, and the
    lookups add up (HarfBuzz's rule)."""
    features_at, lookups_at = struct.unpack(">HH", table[6:10])
    lookup_indices: set[int] = set()
    for i in range(struct.unpack(">H", table[features_at:features_at + 2])[0]):
        tag, offset = struct.unpack(">4sH", table[features_at + 2 + 6 * i:features_at + 8 + 6 * i])
        if tag == b"kern":
            at = features_at + offset
            count = struct.unpack(">H", table[at + 2:at + 4])[0]
            lookup_indices.update(struct.unpack(f">{count}H", table[at + 4:at + 4 + 2 * count]))
    lookups = []
    for index in sorted(lookup_indices):
        lookup = lookups_at + struct.unpack(">H", table[lookups_at + 2 + 2 * index:lookups_at + 4 + 2 * index])[0]
        kind, _, count = struct.unpack(">HHH", table[lookup:lookup + 6])
        subtables = []
        for j in range(count):
            sub = lookup + struct.unpack(">H", table[lookup + 6 + 2 * j:lookup + 8 + 2 * j])[0]
            sub_kind = kind
            if kind == 9:
                sub_kind, offset = struct.unpack(">HI", table[sub + 2:sub + 8])
                sub += offset
            if sub_kind == 2:
                subtables.append(_pair_table(table, sub))
        if subtables:
            lookups.append(tuple(subtables))
    return tuple(lookups)


def _pair_table(table: bytes, at: int) -> PairTable:
    fmt, coverage, format1, format2 = struct.unpack(">HHHH", table[at:at + 8])
    first_glyphs = _coverage(table, at + coverage)
    size1, size2 = 2 * format1.bit_count(), 2 * format2.bit_count()
    if fmt == 1:
        pairs: dict[tuple[int, int], int] = {}
        for k, left in enumerate(first_glyphs):
            set_at = at + struct.unpack(">H", table[at + 10 + 2 * k:at + 12 + 2 * k])[0]
            for m in range(struct.unpack(">H", table[set_at:set_at + 2])[0]):
                record = set_at + 2 + m * (2 + size1 + size2)
                pairs[(left, struct.unpack(">H", table[record:record + 2])[0])] = _x_advance(table, record + 2, format1)
        return PairTable(frozenset(first_glyphs), pairs)
    class1_at, class2_at, class1_count, class2_count = struct.unpack(">HHHH", table[at + 8:at + 16])
    matrix = tuple(tuple(_x_advance(table, at + 16 + (c1 * class2_count + c2) * (size1 + size2), format1)
                         for c2 in range(class2_count)) for c1 in range(class1_count))
    return PairTable(frozenset(first_glyphs), {}, _classes(table, at + class1_at), _classes(table, at + class2_at),
                     matrix)


def kerning(widths: FontWidths, first: int, second: int) -> int:
    """The x adjustment between two glyphs, in font units."""
    total = 0
    for lookup in widths.kerning:
        for subtable in lookup:
            value = subtable.adjustment(first, second)
            if value is not None:
                total += value
                break
    return total


@functools.lru_cache(maxsize=8)
def font_widths(path: str) -> FontWidths | None:
    """The advance widths, character map and pair kerning of a TrueType/OpenType file; None when unreadable."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
        if data[:4] not in (b"\x00\x01\x00\x00", b"OTTO", b"true"):
            return None
        tables = _tables(data)
        units = struct.unpack(">H", tables[b"head"][18:20])[0]
        metrics = struct.unpack(">H", tables[b"hhea"][34:36])[0]
        hmtx = tables[b"hmtx"]
        advances = [struct.unpack(">H", hmtx[4 * i:4 * i + 2])[0] for i in range(metrics)]
        glyph_count = struct.unpack(">H", tables[b"maxp"][4:6])[0]
        advances += [advances[-1]] * max(0, glyph_count - metrics)
        kerning = _gpos_kerning(tables[b"GPOS"]) if b"GPOS" in tables else ()
        return FontWidths(units, tuple(advances), _cmap(tables[b"cmap"]), kerning)
    except (OSError, KeyError, IndexError, struct.error):
        return None


def line_widths(widths: FontWidths, size: int, lines: list[str]) -> list[int]:
    """Each line's width in whole pixels as drawtext lays it out at ``size`` pixels (its ``text_w``).

    HarfBuzz positions glyphs at FreeType's scale of the face (``FT_Set_Pixel_Sizes``) without hinting:
    each advance and kerning value is the design value scaled to 1/64 pixel and rounded; drawtext sums
    a line's advances and rounds the sum up to whole pixels. Spaces at either end of a line are neither
    drawn nor counted (measured: ``"   AB"`` is as wide as ``"AB"``).
    """
    scale = _div_fix(size * 64, widths.units_per_em)
    em = (scale * widths.units_per_em + 0x8000) >> 16  # HarfBuzz's x_scale from the FreeType face, 1/64 px per em

    def scaled_units(value: int) -> int:
        return (value * em * 2 + widths.units_per_em) // (2 * widths.units_per_em)

    advance: dict[int, int] = {}
    result = []
    for line in lines:
        total, previous = 0, None
        for char in line.strip(" "):
            glyph = widths.glyphs.get(ord(char), 0)
            if glyph not in advance:
                advance[glyph] = scaled_units(widths.advances[glyph])
            total += advance[glyph]
            if previous is not None:
                total += scaled_units(kerning(widths, previous, glyph))
            previous = glyph
        result.append(-(-total // 64))
    return result
