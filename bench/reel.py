"""A three-clip reel (transitions, music under it) by ffx against the same graph written by hand.

    python bench/reel.py [--seconds 15] [--runs 5]

Three generated clips of different sizes, rates and sound formats (the third
has no sound) are joined with fades, and a music track is mixed under them and
faded out: `bench/reel.yaml`. The hand-written command is what a careful user
writes for the same result: input seeks, each clip scaled, padded and set to
25 fps, `xfade`/`acrossfade` at the joints, silence for the clip without sound,
the music looped with `-stream_loop`, lowered and faded, `amix`. Runs are
paired (alternating order) and the median of per-pair ratios is reported.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from _common import ROOT, machine, median, timed, write_section

sys.path.insert(0, str(ROOT))
import ffx  # noqa: E402
from ffx.ffmpeg.binary import find_ffmpeg  # noqa: E402
from ffx.media.probe import probe  # noqa: E402

RECIPE = ROOT / "bench" / "reel.yaml"
X264 = ["-c:v", "libx264", "-preset", "medium", "-crf", "18", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "192k",
        "-movflags", "+faststart"]


def make_inputs(ffmpeg: str, work: Path, seconds: float) -> list[str]:
    """Three clips as phones and cameras deliver them, and a one-minute music track."""
    specs = [("a.mp4", "testsrc2=size=1280x720:rate=25", "sine=frequency=440:sample_rate=48000"),
             ("b.mp4", "smptehdbars=size=1920x1080:rate=30", "sine=frequency=660:sample_rate=44100"),
             ("c.mp4", "testsrc=size=960x540:rate=25", None)]
    paths = []
    for name, video, audio in specs:
        argv = [ffmpeg, "-v", "error", "-f", "lavfi", "-i", f"{video}:duration={seconds + 1}"]
        if audio:
            argv += ["-f", "lavfi", "-i", f"{audio}:duration={seconds + 1}", "-c:a", "aac"]
        argv += ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-y", str(work / name)]
        timed(argv)
        paths.append(str(work / name))
    music = work / "music.m4a"
    timed([ffmpeg, "-v", "error", "-f", "lavfi", "-i", "sine=frequency=220:sample_rate=48000:duration=60",
           "-c:a", "aac", "-y", str(music)])
    return [*paths, str(music)]


def hand_written(ffmpeg: str, inputs: list[str], seconds: float, out: str) -> list[str]:
    a, b, c, music = inputs
    fade, total = 0.5, 3 * seconds - 2 * 0.5
    fit = ("scale=1280:720:force_original_aspect_ratio=decrease,pad=1280:720:(ow-iw)/2:(oh-ih)/2,setsar=1,"
           "fps=25,format=yuv420p")
    sound = "aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo"
    graph = ";".join([
        f"[0:v]{fit}[v0]", f"[1:v]{fit}[v1]", f"[2:v]{fit}[v2]",
        f"[v0][v1]xfade=transition=fade:duration={fade}:offset={seconds - fade}[x1]",
        f"[x1][v2]xfade=transition=fade:duration={fade}:offset={2 * seconds - 2 * fade}[v]",
        f"[0:a]{sound},apad,atrim=0:{seconds}[a0]", f"[1:a]{sound},apad,atrim=0:{seconds}[a1]",
        f"anullsrc=channel_layout=stereo:sample_rate=48000,atrim=0:{seconds}[a2]",
        f"[a0][a1]acrossfade=d={fade}[y1]", f"[y1][a2]acrossfade=d={fade}[y]",
        f"[3:a]{sound},volume=-8dB,afade=t=out:st={total - 2}:d=2,atrim=0:{total}[m]",
        "[y][m]amix=inputs=2:duration=first:normalize=0[a]",
    ])
    return [ffmpeg, "-hide_banner", "-nostdin", "-y", "-ss", "0.25", "-t", str(seconds), "-i", a,
            "-ss", "0.25", "-t", str(seconds), "-i", b, "-ss", "0.25", "-t", str(seconds), "-i", c,
            "-stream_loop", "-1", "-i", music, "-filter_complex", graph, "-map", "[v]", "-map", "[a]", *X264, out]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=15.0, help="seconds kept of each clip")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    ffmpeg = find_ffmpeg()
    work = Path(tempfile.mkdtemp(prefix="ffx-bench-reel-"))
    inputs = make_inputs(ffmpeg, work, args.seconds)
    out_ffx, out_hand = str(work / "ffx.mp4"), str(work / "hand.mp4")
    ffx_cmd = [sys.executable, "-m", "ffx", "render", str(RECIPE), *[x for i in inputs for x in ("-i", i)],
               "-o", out_ffx, "-q", "--overwrite", "--set", f"length={args.seconds}"]
    hand_cmd = hand_written(ffmpeg, inputs, args.seconds, out_hand)
    times: dict[str, list[float]] = {"ffx": [], "hand": []}
    ratios = []
    for run in range(args.runs):
        pair = [("ffx", ffx_cmd), ("hand", hand_cmd)]
        if run % 2:
            pair.reverse()
        measured = {who: timed(argv)[0] for who, argv in pair}
        for who in times:
            times[who].append(measured[who])
        ratios.append(measured["ffx"] / measured["hand"])
    planned = ffx.compile_recipe(RECIPE, inputs=inputs, output=out_ffx, overwrite=True,
                                 variables={"length": args.seconds}).result
    made = probe(out_ffx, ffmpeg)
    hand = probe(out_hand, ffmpeg)
    body = f"""## Composition: a three-clip reel against the hand-written graph (`bench/reel.py`)

Three generated clips (1280x720 at 25 fps with 48 kHz sound, 1920x1080 at 30 fps with 44.1 kHz sound,
960x540 at 25 fps without sound), {args.seconds:g} s of each, joined by 0.5 s fades, a looped music
track mixed under them at -8 dB and faded out: `bench/reel.yaml`. Both sides encode with libx264
medium CRF 18 and AAC 192k. Machine: {machine()}. {args.runs} paired runs; the ratio is the median of
per-pair ratios.

| | hand-written FFmpeg | ffx render | ratio |
|---|---|---|---|
| 1280x720, {planned.duration:.2f} s | {median(times['hand']):.2f} s | {median(times['ffx']):.2f} s | **{median(ratios):.3f}** |

ffx planned {planned.frames} frames ({planned.duration:.3f} s) and wrote {made.frames}; the hand-written
command wrote {hand.frames} frames ({hand.duration:.3f} s).
"""
    write_section("reel", body)
    print(body)


if __name__ == "__main__":
    main()
