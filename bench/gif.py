"""GIF quality per byte: ffx's palette settings against MoviePy's write_gif.

    python bench/gif.py --clip some_clip.mp4 [--start 2 --duration 3 --width 320 --fps 12]

Every GIF is compared (SSIM, FFmpeg's ssim filter) with the same excerpt
scaled the same way and kept lossless, so a higher SSIM at a smaller size is
better. Writes the table to docs/benchmarks.md and prints it.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import ROOT, machine, timed, write_section

sys.path.insert(0, str(ROOT))
import ffx  # noqa: E402
from ffx.binary import find_ffmpeg  # noqa: E402

SETTINGS = {
    # label: output options
    "default (256 colours, no dither, one palette)": {},
    "sierra2_4a dither": {"dither": "sierra2_4a"},
    "floyd_steinberg dither": {"dither": "floyd_steinberg"},
    "bayer dither, scale 5": {"dither": "bayer", "bayer_scale": 5},
    "per-frame palettes": {"stats_mode": "single"},
    "quality: high": {"quality": "high"},
    "quality: medium": {"quality": "medium"},
    "quality: low": {"quality": "low"},
}


def ssim(ffmpeg: str, gif: Path, reference: Path) -> float:
    done = subprocess.run([ffmpeg, "-hide_banner", "-nostdin", "-i", str(gif), "-i", str(reference), "-lavfi",
                           # paired by time, as a viewer sees them (the GIFs may hold different frame counts)
                           "[0:v]format=rgb24[a];[1:v]format=rgb24[b];[a][b]ssim", "-f", "null", "-"],
                          capture_output=True, text=True)
    match = re.search(r"All:([0-9.]+)", done.stderr)
    if not match:
        raise RuntimeError(done.stderr[-1000:])
    return float(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clip", required=True)
    parser.add_argument("--label")
    parser.add_argument("--section", default="clip", help="names this run's section in docs/benchmarks.md")
    parser.add_argument("--start", type=float, default=2.0)
    parser.add_argument("--duration", type=float, default=3.0)
    parser.add_argument("--width", type=int, default=320)
    parser.add_argument("--fps", type=float, default=10, help="10 keeps GIF delays exact (whole centiseconds)")
    args = parser.parse_args()
    ffmpeg = find_ffmpeg()
    work = Path(tempfile.mkdtemp(prefix="ffx-bench-gif-"))
    steps = [{"trim": {"start": args.start, "duration": args.duration}}, {"resize": {"width": args.width}},
             {"fps": args.fps}]
    reference = work / "reference.mkv"
    ffx.render(ffx.Recipe(input=args.clip, steps=steps, output={"path": str(reference), "codec": "ffv1",
                                                                 "pix_fmt": "rgb24", "audio": False}))
    rows = []
    for label, options in SETTINGS.items():
        out = work / f"{len(rows)}.gif"
        recipe = ffx.Recipe(input=args.clip, steps=steps, output={"path": str(out), **options})
        yaml = work / f"{len(rows)}.yaml"
        yaml.write_text(recipe.to_yaml())
        elapsed, _ = timed([sys.executable, "-m", "ffx", "render", str(yaml), "-q"], cwd=str(work))
        rows.append((f"ffx: {label}", os.path.getsize(out), ssim(ffmpeg, out, reference), elapsed))
    peer, peer_reference = work / "moviepy.gif", work / "moviepy-frames.mkv"
    elapsed, _ = timed([sys.executable, str(ROOT / "bench" / "gif_moviepy.py"), args.clip, str(peer),
                        str(peer_reference), str(args.start), str(args.start + args.duration), str(args.width),
                        str(args.fps)])
    rows.append(("MoviePy write_gif", os.path.getsize(peer), ssim(ffmpeg, peer, peer_reference), elapsed))
    table = "\n".join(f"| {label} | {size / 1024:.0f} KiB | {score:.4f} | {score / (size / 2**20):.3f} | {t:.2f} s |"
                      for label, size, score, t in rows)
    label = args.label or os.path.basename(args.clip)
    body = f"""## GIF quality per byte: {label} (`bench/gif.py`)

{args.duration:g} s of {label} from {args.start:g} s, {args.width} px wide, {args.fps:g} fps. Each GIF is compared
(SSIM) with its own tool's frames before GIF encoding, kept lossless: ffx's trim/resize/fps result, and MoviePy's
subclip/resize frames written as FFV1 by MoviePy itself. So the score measures what the GIF encoding loses,
not which source frames or resampler each tool picks. MoviePy's time includes writing its reference.
Machine: {machine()}.

| GIF | size | SSIM | SSIM per MiB | time |
|---|---|---|---|---|
{table}
"""
    write_section(f"gif-{args.section}", body)
    print(body)


if __name__ == "__main__":
    main()
