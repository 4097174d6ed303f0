"""ffx render against the same job written by hand for FFmpeg, and ffx compile's start-up time.

    python bench/core.py --clip some_real_clip.mp4 [--runs 5]

Without --clip a 20 s 1280x720 test clip with audio is generated. The long
job runs on the clip repeated (stream copy) to about a minute. Runs are
paired (ffx then hand-written, alternating order) and the median ratio is
reported, so drift of the machine affects both sides alike.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, clip_arguments, clip_or_generated, machine, median, timed, write_section
from _installed import installed_ffx

sys.path.insert(0, str(ROOT))
import ffx  # noqa: E402
from ffx.ffmpeg.binary import find_ffmpeg  # noqa: E402
from ffx.media.probe import probe  # noqa: E402

X264 = ["-c:v", "libx264", "-preset", "medium", "-crf", "18", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "192k",
        "-movflags", "+faststart"]
MONOCHROME = ROOT / "bench" / "monochrome.yaml"
JOBS = {
    # name: (recipe, hand-written FFmpeg arguments between the input and the output, which clip)
    "reverse": ("recipes/reverse.yaml", ["-vf", "reverse", "-af", "areverse", *X264], "clip"),
    "excerpt": ("recipes/excerpt.yaml",
                ["-t", "1.5", "-vf", "scale=w=iw/2:h=ih/2:flags=lanczos,crop=w=iw*0.6:h=ih:x=iw*0.2:y=0", *X264],
                "clip"),
    "monochrome (long)": (str(MONOCHROME), ["-vf", "hue=s=0", *X264], "long"),
}


def _looped(clip: str, work: Path, ffmpeg: str, seconds: float, duration: float) -> str:
    """The real clip repeated (stream copy) to at least ``seconds``: a long job from real footage."""
    long_clip = str(work / ("long" + Path(clip).suffix))
    loops = max(0, int(seconds // duration))
    timed([ffmpeg, "-v", "error", "-stream_loop", str(loops), "-i", clip, "-c", "copy", "-y", long_clip])
    return long_clip


def main() -> None:
    parser = argparse.ArgumentParser()
    clip_arguments(parser, runs=5)
    parser.add_argument("--long", type=float, default=60.0, help="length of the looped clip for the long job (s)")
    parser.add_argument("--venv", default=os.path.join(tempfile.gettempdir(), "ffx-bench-venv"),
                        help="where ffx is installed (not editable) for the start-up figure")
    args = parser.parse_args()
    ffmpeg = find_ffmpeg()
    work = Path(tempfile.mkdtemp(prefix="ffx-bench-"))
    clip = clip_or_generated(args.clip, ffmpeg, work, 20, audio=True)
    info = probe(clip, ffmpeg)
    clips = {"clip": clip, "long": _looped(clip, work, ffmpeg, args.long, info.duration)}
    long_info = probe(clips["long"], ffmpeg)
    label = args.label or f"{os.path.basename(clip)}"
    python = sys.executable
    rows = []
    for name, (recipe, hand, which) in JOBS.items():
        source = clips[which]
        times: dict[str, list[float]] = {"ffx": [], "api": [], "hand": []}
        mem: dict[str, list[int]] = {"ffx": [], "hand": []}
        ratios, api_ratios = [], []
        for run in range(args.runs):
            out_ffx, out_hand = work / f"{name}-ffx.mp4", work / f"{name}-hand.mp4"
            ffx_cmd = [python, "-m", "ffx", "render", str(ROOT / recipe), "-i", source, "-o", str(out_ffx), "-q",
                       "--overwrite"]
            hand_cmd = [ffmpeg, "-hide_banner", "-nostdin", "-y", "-i", source, *hand, str(out_hand)]
            pair = [("ffx", lambda: timed(ffx_cmd)), ("hand", lambda: timed(hand_cmd)),
                    ("api", lambda: _in_process(ROOT / recipe, source, out_ffx))]
            if run % 2:
                pair.reverse()
            measured = {who: job() for who, job in pair}
            for who in times:
                times[who].append(measured[who][0])
            for who in mem:
                mem[who].append(measured[who][1])
            ratios.append(measured["ffx"][0] / measured["hand"][0])
            api_ratios.append(measured["api"][0] / measured["hand"][0])
        rows.append(f"| {name} | {median(times['hand']):.2f} s | {median(times['ffx']):.2f} s | {median(ratios):.3f} | "
                    f"{median(times['api']):.2f} s | {median(api_ratios):.3f} | "
                    f"{max(mem['hand']) / 2**20:.0f} MiB | {max(mem['ffx']) / 2**20:.0f} MiB |")
    # start-up of the installed command (not editable): afresh, and with the answer stored (ffx.startup.plancache)
    command = installed_ffx(Path(args.venv))
    compile_argv = [command, "compile", str(ROOT / "recipes/reverse.yaml"), "-i", clip, "-o", str(work / "x.mp4")]
    fresh_times = [timed(compile_argv, env={**os.environ, "FFX_NO_CACHE": "1"})[0] for _ in range(20)]
    stored_env = {**os.environ, "XDG_CACHE_HOME": str(work / "cache")}
    compile_times = [timed(compile_argv, env=stored_env)[0] for _ in range(21)][1:]  # the first one stores
    hand_example = shlex.join(["ffmpeg", "-i", "CLIP", *JOBS["reverse"][1], "OUT.mp4"])
    body = f"""## Core: ffx render against hand-written FFmpeg (`bench/core.py`)

Clip: {label}, {info.size}, {float(info.fps):g} fps, {info.duration:.2f} s, {'with' if info.has_audio else 'no'} audio;
the long job runs on the same clip repeated to {long_info.duration:.1f} s (stream copy).
Machine: {machine()}. {args.runs} paired runs per job, same encoder settings on both sides
(libx264 medium CRF 18, yuv420p, AAC 192k); each ratio is the median of per-pair ratios.
"ffx render" is the command line (a fresh Python process each time); "ffx.render()" is the
Python API called in a process that has already imported ffx (probe, compile and run).

| job | hand-written FFmpeg | ffx render | ratio | ffx.render() | ratio | peak RSS FFmpeg | peak RSS ffx (largest process) |
|---|---|---|---|---|---|---|---|
{chr(10).join(rows)}

`ffx compile` start-up of the installed (non-editable) command, 20 runs each: computed afresh
(`FFX_NO_CACHE=1`: Python start, typer, recipe load and validation, probe, compile) median
**{median(fresh_times):.3f} s**, fastest {min(fresh_times):.3f} s; the same command again with its answer stored
(`ffx.startup.plancache`: the files it was computed from are checked, nothing is imported but the cache) median
**{median(compile_times):.3f} s**, fastest {min(compile_times):.3f} s. This shared 2-core machine's timings swing
by ±30 % from minute to minute; the fastest run is the least disturbed one. The fixed cost of a fresh start is
what separates `ffx render` from FFmpeg on short jobs; on a job of a minute it is within the noise.

The hand-written reverse command: `{hand_example}`
"""
    write_section("core", body)
    print(body)


def _in_process(recipe: Path, source: str, output: Path) -> tuple[float, int]:
    start = time.perf_counter()
    ffx.render(recipe, inputs=[source], output=str(output), overwrite=True)
    return time.perf_counter() - start, 0


if __name__ == "__main__":
    main()
