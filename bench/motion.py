"""motion (gray, delay 1) against the hand-written FFmpeg command and the OpenCV loop.

    python bench/motion.py --clip some_720p_clip.mp4 [--runs 3] [--seconds 12]

The clip is repeated (stream copy) to ``--seconds`` and to ten times that, so
memory can be compared across lengths. Same codec on every side: MPEG-4 Part 2
at q 2 (what OpenCV writes), and libx264 CRF 18 (ffx's default).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from _common import ROOT, clip_arguments, clip_or_generated, machine, median, timed, write_section

sys.path.insert(0, str(ROOT))
import ffx  # noqa: E402
from ffx.ffmpeg.binary import find_ffmpeg  # noqa: E402
from ffx.media.probe import probe  # noqa: E402

CODECS = {
    "mpeg4": ["-c:v", "mpeg4", "-q:v", "2", "-pix_fmt", "yuv420p"],
    "libx264": ["-c:v", "libx264", "-preset", "medium", "-crf", "18", "-pix_fmt", "yuv420p"],
}


def hand_chain(fps: str) -> str:
    return (f"setpts=N/({fps}*TB),fps={fps},format=gbrp,split[cur][p];"
            "[p]tpad=start=1:start_mode=clone,negate[np];[cur][np]blend=all_mode=average:shortest=1")


def main() -> None:
    parser = argparse.ArgumentParser()
    clip_arguments(parser, runs=3)
    parser.add_argument("--seconds", type=float, default=12.0)
    args = parser.parse_args()
    ffmpeg = find_ffmpeg()
    work = Path(tempfile.mkdtemp(prefix="ffx-bench-motion-"))
    clip = clip_or_generated(args.clip, ffmpeg, work, 5)
    info = probe(clip, ffmpeg)
    lengths = {}
    for name, seconds in (("short", args.seconds), ("10x", 10 * args.seconds)):
        target = work / f"{name}.mp4"
        loops = max(0, int(seconds // info.duration))
        timed([ffmpeg, "-v", "error", "-stream_loop", str(loops), "-i", clip, "-an", "-c", "copy", "-y", str(target)])
        lengths[name] = (str(target), probe(str(target), ffmpeg))
    python = sys.executable
    rate = info.fps
    rate_text = f"{rate.numerator}/{rate.denominator}"
    rows = []
    for length, (source, source_info) in lengths.items():
        for codec, codec_args in CODECS.items():
            recipe = work / f"motion-{codec}.yaml"
            recipe.write_text("steps:\n  - motion: {delay: 1, style: gray}\n"
                              f"output: {{path: out.mp4, codec: {codec}}}\n")
            out = {k: str(work / f"{length}-{codec}-{k}.mp4") for k in ("ffx", "hand", "cv")}
            jobs = {
                "ffx": [python, "-m", "ffx", "render", str(recipe), "-i", source, "-o", out["ffx"], "-q", "--overwrite"],
                "hand": [ffmpeg, "-hide_banner", "-nostdin", "-y", "-i", source, "-filter_complex",
                         hand_chain(rate_text), *codec_args, "-movflags", "+faststart", out["hand"]],
                "cv": [python, str(ROOT / "bench" / "motion_opencv.py"), source, out["cv"], "collect",
                       "mp4v" if codec == "mpeg4" else "x264"],
                "cv_stream": [python, str(ROOT / "bench" / "motion_opencv.py"), source, out["cv"], "stream",
                              "mp4v" if codec == "mpeg4" else "x264"],
            }
            times = {k: [] for k in jobs}
            memory = {k: 0 for k in jobs}
            runs = args.runs if length == "short" else 1
            for run in range(runs):
                order = list(jobs) if run % 2 == 0 else list(reversed(jobs))
                for who in order:
                    elapsed, rss = timed(jobs[who], cwd=str(ROOT / "bench"))
                    times[who].append(elapsed)
                    memory[who] = max(memory[who], rss)
            t = {k: median(v) for k, v in times.items()}
            rows.append(f"| {source_info.duration:.0f} s | {codec} | {t['hand']:.2f} s | {t['ffx']:.2f} s "
                        f"({t['ffx'] / t['hand']:.3f}) | {t['cv']:.2f} s ({t['cv'] / t['ffx']:.2f}x ffx) | "
                        f"{t['cv_stream']:.2f} s ({t['cv_stream'] / t['ffx']:.2f}x ffx) | "
                        f"{memory['hand'] / 2**20:.0f} / {memory['ffx'] / 2**20:.0f} / {memory['cv'] / 2**20:.0f} / "
                        f"{memory['cv_stream'] / 2**20:.0f} MiB |")
    label = args.label or os.path.basename(clip)
    body = f"""## Motion extraction (`bench/motion.py`)

`motion: {{delay: 1, style: gray}}` (the tutorial's `addWeighted` with the inverted previous frame) on {label},
{info.size} at {float(info.fps):g} fps, repeated to {lengths['short'][1].duration:.0f} s and to
{lengths['10x'][1].duration:.0f} s. Machine: {machine()}. Median of {args.runs} alternating runs (one run for the long clip).
Columns: the hand-written FFmpeg command (the floor); `ffx render` (ratio to the floor); the tutorial's OpenCV
loop, which keeps every motion frame until the end ("collect"), and the same loop writing as it goes ("stream"),
each with its time as a multiple of ffx's. Peak RSS is of the largest process (FFmpeg for ffx and the hand-written
command; Python for OpenCV). Same codec on every side: MPEG-4 Part 2 (OpenCV's `mp4v`; `-q:v 2` for FFmpeg) or
libx264 CRF 18 (OpenCV's frames piped to FFmpeg, as its wheels have no H.264 encoder).

| clip | codec | hand-written FFmpeg | ffx render | OpenCV collect | OpenCV stream | peak RSS hand / ffx / collect / stream |
|---|---|---|---|---|---|---|
{chr(10).join(rows)}
"""
    write_section("motion", body)
    print(body)


if __name__ == "__main__":
    main()
