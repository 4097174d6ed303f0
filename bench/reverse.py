"""Reverse against clip length: peak memory of the whole process tree and time, plain FFmpeg and ffx.

    python bench/reverse.py [--lengths 10,30,60,120,300] [--plain-limit 60]

Clips are generated: 1920x1080 at 25 fps (testsrc2 with a frame counter, H.264
with FFmpeg's default keyframe interval, AAC audio). Both sides encode with
libx264 ultrafast CRF 18 and AAC, so the reverse itself is what differs. The
plain FFmpeg reverse is skipped beyond --plain-limit seconds (it needs about
77 MiB per second of 1080p). ffx runs with its default budget (1 GiB).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from _common import ROOT, generated_clip, machine, timed_tree, write_section

sys.path.insert(0, str(ROOT))
from ffx.ffmpeg.binary import find_ffmpeg  # noqa: E402

ENCODE = ["-c:v", "libx264", "-preset", "ultrafast", "-crf", "18", "-pix_fmt", "yuv420p", "-c:a", "aac",
          "-b:a", "192k", "-movflags", "+faststart"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lengths", default="10,30,60,120,300")
    parser.add_argument("--plain-limit", type=float, default=60)
    args = parser.parse_args()
    ffmpeg = find_ffmpeg()
    work = Path(tempfile.mkdtemp(prefix="ffx-bench-reverse-"))
    recipe = work / "reverse.yaml"
    recipe.write_text("steps: [reverse]\noutput: {path: out.mp4, preset: ultrafast}\n")
    rows = []
    for seconds in (float(x) for x in args.lengths.split(",")):
        clip = Path(generated_clip(ffmpeg, work / f"clip-{seconds:g}.mp4", seconds, size="1920x1080", audio=True,
                                   preset="ultrafast"))
        plain = "skipped (would need ~{:.1f} GiB)".format(seconds * 77 / 1024)
        plain_time = None
        if seconds <= args.plain_limit:
            plain_time, plain_mem = timed_tree([ffmpeg, "-hide_banner", "-nostdin", "-y", "-i", str(clip), "-vf",
                                                "reverse", "-af", "areverse", *ENCODE, str(work / "plain.mp4")])
            plain = f"{plain_time:.1f} s, {plain_mem / 2**20:.0f} MiB"
        ffx_time, ffx_mem = timed_tree([sys.executable, "-m", "ffx", "render", str(recipe), "-i", str(clip), "-o",
                                        str(work / "ffx.mp4"), "-q", "--overwrite"])
        ratio = f"{ffx_time / plain_time:.2f}" if plain_time else "-"
        rows.append(f"| {seconds:g} s | {plain} | {ffx_time:.1f} s, {ffx_mem / 2**20:.0f} MiB | {ratio} |")
        print(rows[-1], flush=True)
        clip.unlink()
    body = f"""## Reverse in bounded memory (`bench/reverse.py`)

Generated 1920x1080 25 fps H.264 clips (default keyframe interval) with AAC audio; both sides encode with
libx264 ultrafast CRF 18 + AAC. Peak memory is the resident memory of the whole process tree (ffx, its
feeders and the encoder), sampled every 50 ms. ffx uses its default budget, 1 GiB. Machine: {machine()}.

| clip | plain FFmpeg reverse | ffx render | ffx / plain time |
|---|---|---|---|
{chr(10).join(rows)}
"""
    write_section("reverse", body)
    print(body)


if __name__ == "__main__":
    main()
