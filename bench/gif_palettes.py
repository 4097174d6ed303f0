"""How far FFmpeg's own palettes reach against gifski, clip by clip: the size/SSIM frontier of palettegen
and paletteuse settings on the same frames gifski is given.

    python bench/gif_palettes.py --gifski PATH [--clip NAME=FILE:START:DURATION ...]

For each clip the excerpt is made once by ffx (trim, 480 px wide, 15 fps, kept lossless, as in
``bench/gif.py``); gifski encodes its PNGs, and every setting of a small grid (palette size, dithering,
a slot kept for inter-frame transparency) encodes it with FFmpeg. Each GIF is scored against the
excerpt with the same SSIM as ``bench/gif.py``. The table lists the frontier: the settings that no
other setting beats in both size and SSIM, and which of them beat gifski's file. Nothing here is timed.
Without ``--clip``, a test pattern (testsrc2, the benchmark's generated clip) is made.
"""

from __future__ import annotations

import argparse
import itertools
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import ROOT, generated_clip, write_section
from gif import one_per_frame, ssim

sys.path.insert(0, str(ROOT))
import ffx  # noqa: E402
from ffx.ffmpeg.binary import find_ffmpeg  # noqa: E402

COLORS = (16, 24, 32, 48, 64, 96, 128, 192, 256)
DITHERS = ("none", "bayer:bayer_scale=5", "sierra2_4a", "floyd_steinberg")


def grid() -> list[tuple[str, str]]:
    """(palettegen options, paletteuse options): every size and dithering, and 256 colours without the slot."""
    settings = [(f"max_colors={n}", f"dither={d}") for n, d in itertools.product(COLORS, DITHERS)]
    return settings + [("reserve_transparent=0", f"dither={d}") for d in DITHERS]


def score(ffmpeg: str, gif: Path, reference: Path) -> tuple[int, float]:
    expanded = one_per_frame(ffmpeg, gif, 15, gif.with_suffix(".expanded.mkv"))
    return os.path.getsize(gif), ssim(ffmpeg, expanded, reference)


def frontier(points: dict[str, tuple[int, float]]) -> list[tuple[str, int, float]]:
    """The settings no other one beats in both size and SSIM, smallest first.

    >>> frontier({"a": (10, 0.9), "b": (12, 0.8), "c": (20, 0.95)})
    [('a', 10, 0.9), ('c', 20, 0.95)]
    """
    kept, best = [], -1.0
    for label, (size, value) in sorted(points.items(), key=lambda kv: (kv[1][0], -kv[1][1])):
        if value > best:
            kept.append((label, size, value))
            best = value
    return kept


def clip_rows(ffmpeg: str, gifski: str, name: str, clip: str, start: float, duration: float,
              work: Path) -> tuple[str, bool]:
    """The clip's rows of the table, and whether some setting beats gifski on it."""
    reference = work / f"{name}.mkv"
    steps = [{"trim": {"start": start, "duration": duration}}, {"resize": {"width": 480}}, {"fps": 15}]
    ffx.render(ffx.Recipe(input=clip, steps=steps, output={"path": str(reference), "codec": "ffv1",
                                                              "pix_fmt": "rgb24", "audio": False}))
    pngs = work / f"{name}-png"
    pngs.mkdir()
    subprocess.run([ffmpeg, "-v", "error", "-i", str(reference), str(pngs / "%05d.png")], check=True)
    theirs = work / f"{name}-gifski.gif"
    subprocess.run([gifski, "--quiet", "--fps", "15", "--output", str(theirs), *sorted(map(str, pngs.glob("*.png")))],
                   check=True)
    their_size, their_ssim = score(ffmpeg, theirs, reference)
    points = {}
    for gen, use in grid():
        out = work / f"{name}-trial.gif"
        graph = (f"[0:v]format=rgb24,split[a][b];[a]scale=trunc(iw/2):trunc(ih/2):flags=neighbor,palettegen={gen}[p];"
                 f"[b][p]paletteuse={use}")
        subprocess.run([ffmpeg, "-v", "error", "-y", "-i", str(reference), "-filter_complex", graph, str(out)],
                       check=True)
        points[f"`{gen}`, `{use}`"] = score(ffmpeg, out, reference)
    rows = [f"| {name} | gifski 90 | {their_size / 1024:.0f} KiB | {their_ssim:.4f} | |"]
    for label, size, value in frontier(points):
        beats = size <= their_size and value >= their_ssim
        rows.append(f"| {name} | {label} | {size / 1024:.0f} KiB | {value:.4f} | {'beats gifski' if beats else ''} |")
    return "\n".join(rows), any(row.endswith("beats gifski |") for row in rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gifski", required=True)
    parser.add_argument("--clip", action="append", default=[], help="NAME=FILE:START:DURATION")
    args = parser.parse_args()
    ffmpeg = find_ffmpeg()
    work = Path(tempfile.mkdtemp(prefix="ffx-bench-palettes-"))
    clips = [(c.split("=", 1)[0], *c.split("=", 1)[1].rsplit(":", 2)) for c in args.clip]
    if not clips:
        clips = [("test pattern", generated_clip(ffmpeg, work / "pattern.mp4", 6, size="640x480"), "0", "2")]
    results = [clip_rows(ffmpeg, args.gifski, name, os.path.abspath(path), float(start), float(duration), work)
               for name, path, start, duration in clips]
    tables = [table for table, _ in results]
    won = [name for (name, *_), (_, beats) in zip(clips, results) if beats]
    lost = [name for (name, *_), (_, beats) in zip(clips, results) if not beats]
    body = f"""## GIF palettes: how far FFmpeg's own reach against gifski (`bench/gif_palettes.py`)

The size/SSIM frontier of {len(grid())} palettegen/paletteuse settings (palette sizes {", ".join(map(str, COLORS))};
dithering none, bayer 5, sierra2_4a, Floyd-Steinberg; 256 colours without the transparency slot) on the
same excerpts gifski is given (480 px wide, 15 fps, kept lossless), each GIF scored as in `bench/gif.py`.
A row "beats gifski" is no larger than gifski's GIF with at least its SSIM. Some FFmpeg palette beats
gifski on: {", ".join(won) or "none"}; none of them does on: {", ".join(lost) or "none"}. Where none does,
palettegen's median cut and the single palette FFmpeg's GIF encoder keeps for inter-frame transparency
stay under what gifski (libimagequant, a palette per frame, transparency still used) reaches at its size.

| clip | setting | size | SSIM | |
|---|---|---|---|---|
{chr(10).join(tables)}
"""
    write_section("gif-palettes", body)
    print(body)


if __name__ == "__main__":
    main()
