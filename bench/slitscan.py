"""Slit-scan image: ffx (all in FFmpeg) against the decode alone (the floor) and the Python ways.

    python bench/slitscan.py [--clip CLIP] [--runs 3]

Without --clip a 30 s 1280x720 25 fps H.264 clip is generated.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import ROOT, clip_arguments, clip_or_generated, machine, median, timed_tree, write_section
from _installed import installed_ffx

sys.path.insert(0, str(ROOT))
import ffx  # noqa: E402
from ffx.ffmpeg.binary import find_ffmpeg  # noqa: E402
from ffx.media.probe import probe  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    clip_arguments(parser, runs=3)
    parser.add_argument("--venv", default=os.path.join(tempfile.gettempdir(), "ffx-bench-venv"))
    args = parser.parse_args()
    ffmpeg = find_ffmpeg()
    work = Path(tempfile.mkdtemp(prefix="ffx-bench-slitscan-"))
    clip = clip_or_generated(args.clip, ffmpeg, work, 30)
    info = probe(clip, ffmpeg)
    python = sys.executable
    command = installed_ffx(Path(args.venv))  # as users run it: installed, not editable
    printed = shlex.split(subprocess.run(
        [command, "compile", str(ROOT / "recipes" / "slitscan.yaml"), "-i", clip, "-o", str(work / "printed.png"),
         "--overwrite", "--full-path"], capture_output=True, text=True, check=True).stdout)
    jobs = {
        "decode only (FFmpeg, the floor)": [ffmpeg, "-v", "error", "-i", clip, "-f", "null", "-"],
        "the command ffx prints": printed,
        "ffx render recipes/slitscan.yaml": [command, "render", str(ROOT / "recipes" / "slitscan.yaml"),
                                             "-i", clip, "-o", str(work / "ffx.png"), "-q", "--overwrite"],
        "FFmpeg frames piped to numpy": [python, str(ROOT / "bench" / "slitscan_peers.py"), "numpy", clip,
                                         str(work / "numpy.png")],
        "MoviePy loop (the tutorial's)": [python, str(ROOT / "bench" / "slitscan_peers.py"), "moviepy", clip,
                                          str(work / "moviepy.png")],
    }
    rows = []
    runs: dict[str, list[tuple[float, int]]] = {name: [] for name in jobs}
    for run in range(args.runs):  # interleaved, so the machine's drift reaches every job alike
        for name, argv in jobs.items():
            runs[name].append(timed_tree(argv))
    floor = median([t for t, _ in runs["decode only (FFmpeg, the floor)"]])
    printed_ratio = median([t for t, _ in runs["the command ffx prints"]]) / floor
    for name in jobs:
        seconds = median([t for t, _ in runs[name]])
        rows.append(f"| {name} | {seconds:.2f} s | {seconds / floor:.2f} | {max(m for _, m in runs[name]) / 2**20:.0f} MiB |")
        print(rows[-1], flush=True)
    label = args.label or "a generated clip"
    body = f"""## Slit-scan image (`bench/slitscan.py`)

{label}: {info.size}, {float(info.fps):g} fps, {info.duration:.1f} s. A one-pixel column from the middle,
{min(info.width, info.frames)} samples spread over the clip. Median of {args.runs} runs; peak memory of the whole
process tree; the jobs run interleaved. ffx is a non-editable install. Machine: {machine()}.

| job | time | against the floor | peak RSS |
|---|---|---|---|
{chr(10).join(rows)}

The command ffx prints decodes every frame, as the floor does, and keeps an 18-pixel strip of each: it
runs {printed_ratio:.2f}x the floor. What `ffx render` adds to it is its fixed start-up, the same for any
clip: a fresh Python process that loads typer, pydantic and the recipe model, probes the clip (one FFmpeg
run) and compiles, about 0.15-0.25 s here; after FFmpeg's report of the picture's one frame nothing is
read back. On this 30 s clip that start-up is the gap between ffx and the printed command.
"""
    write_section("slitscan", body)
    print(body)


if __name__ == "__main__":
    main()
