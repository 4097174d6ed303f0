"""ffx render against the same job written by hand for FFmpeg, and ffx compile's start-up time.

    python bench/core.py --clip some_real_clip.mp4 [--runs 5]

Without --clip a 20 s 1280x720 test clip with audio is generated. Runs are
paired (ffx then hand-written, alternating order) and the median ratio is
reported, so drift of the machine affects both sides alike.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import tempfile
from pathlib import Path

from _common import ROOT, machine, median, timed, write_section

sys.path.insert(0, str(ROOT))
import ffx  # noqa: E402
from ffx.binary import find_ffmpeg  # noqa: E402

JOBS = {
    # name: (recipe, hand-written FFmpeg arguments between the input and the output)
    "reverse": ("recipes/reverse.yaml",
                ["-vf", "reverse", "-af", "areverse", "-c:v", "libx264", "-preset", "medium", "-crf", "18",
                 "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "192k", "-movflags", "+faststart"]),
    "excerpt": ("recipes/excerpt.yaml",
                ["-t", "1.5", "-vf", "scale=w=iw/2:h=ih/2:flags=lanczos,crop=w=iw*0.6:h=ih:x=iw*0.2:y=0",
                 "-c:v", "libx264", "-preset", "medium", "-crf", "18", "-pix_fmt", "yuv420p", "-c:a", "aac",
                 "-b:a", "192k", "-movflags", "+faststart"]),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clip")
    parser.add_argument("--label", default=None, help="how to describe the clip in the report")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    ffmpeg = find_ffmpeg()
    work = Path(tempfile.mkdtemp(prefix="ffx-bench-"))
    clip = args.clip
    if clip is None:
        clip = str(work / "clip.mp4")
        timed([ffmpeg, "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25:duration=20", "-f", "lavfi",
               "-i", "sine=frequency=440:duration=20", "-c:v", "libx264", "-c:a", "aac", clip])
    info = ffx.media.probe(clip, ffmpeg)
    label = args.label or f"{os.path.basename(clip)}"
    python = sys.executable
    rows = []
    for name, (recipe, hand) in JOBS.items():
        ffx_times, hand_times, ratios, ffx_mem, hand_mem = [], [], [], [], []
        for run in range(args.runs):
            out_ffx, out_hand = work / f"{name}-ffx.mp4", work / f"{name}-hand.mp4"
            ffx_cmd = [python, "-m", "ffx", "render", str(ROOT / recipe), "-i", clip, "-o", str(out_ffx), "-q",
                       "--overwrite"]
            hand_cmd = [ffmpeg, "-hide_banner", "-nostdin", "-y", "-i", clip, *hand, str(out_hand)]
            pair = [("ffx", ffx_cmd), ("hand", hand_cmd)]
            if run % 2:
                pair.reverse()
            measured = {}
            for who, cmd in pair:
                measured[who] = timed(cmd)
            ffx_times.append(measured["ffx"][0])
            hand_times.append(measured["hand"][0])
            ffx_mem.append(measured["ffx"][1])
            hand_mem.append(measured["hand"][1])
            ratios.append(measured["ffx"][0] / measured["hand"][0])
        rows.append(f"| {name} | {median(hand_times):.2f} s | {median(ffx_times):.2f} s | {median(ratios):.3f} | "
                    f"{max(hand_mem) / 2**20:.0f} MiB | {max(ffx_mem) / 2**20:.0f} MiB |")
    compile_times = []
    for _ in range(10):
        compile_times.append(timed([python, "-m", "ffx", "compile", str(ROOT / "recipes/reverse.yaml"), "-i", clip,
                                    "-o", str(work / "x.mp4")])[0])
    hand_example = shlex.join(["ffmpeg", "-i", "CLIP", *JOBS["reverse"][1], "OUT.mp4"])
    body = f"""## Core: ffx render against hand-written FFmpeg (`bench/core.py`)

Clip: {label}, {info.size}, {float(info.fps):g} fps, {info.duration:.2f} s, {'with' if info.has_audio else 'no'} audio.
Machine: {machine()}. {args.runs} paired runs per job, same encoder settings on both sides
(libx264 medium CRF 18, yuv420p, AAC 192k); the ratio is the median of per-pair ratios.

| job | hand-written FFmpeg | ffx render | ffx / FFmpeg | peak RSS FFmpeg | peak RSS ffx (largest process) |
|---|---|---|---|---|---|
{chr(10).join(rows)}

`ffx compile` start-up (Python start, recipe load, validation, probe, compile; median of 10):
**{median(compile_times):.3f} s**.

The hand-written reverse command: `{hand_example}`
"""
    write_section("core", body)
    print(body)


if __name__ == "__main__":
    main()
