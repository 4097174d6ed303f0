"""cut_silence against auto-editor on the same generated lecture: the cut lists, the output's length, time.

    python bench/cut_silence.py --auto-editor /path/to/venv/bin/auto-editor [--seconds 60] [--runs 5]

The lecture is `tests/zoo.py`'s: a 440 Hz tone that speaks in bursts of 0.32-2.4 s, each shown by a
white flash, with pauses between them, half of them short (0.12-0.4 s, kept) and half long (0.6-3 s,
cut), drawn from a fixed seed; 1280x720 at 25 fps, H.264 and AAC. Both tools cut every silence of at
least 0.5 s below -35 dBFS and keep 0.15 s of it at each side:

- ffx: `cut_silence: {below: -35dB, min: 0.5, keep: 0.15}`, written with libx264 CRF 23 (medium) and
  AAC 192k;
- auto-editor: `--edit audio:threshold=T,mincut=13 --margin 0.15s`, where T is -35 dBFS over the
  loudest sample (auto-editor's threshold is a fraction of the file's peak) and 13 frames the first
  whole number of frames at or over 0.5 s; `-c:v h264 -b:v unset` (libx264 at its own CRF 23, medium) and
  `-b:a 192k`.

auto-editor is not a dependency: install it in a virtual environment of its own and name its command
with --auto-editor. Its last pure-Python release (23.32.1, PyAV and FFmpeg) is what runs here; it
reads files with `ffprobe` and writes with `ffmpeg`, both looked up on PATH, and the bundled FFmpeg
has no ffprobe, so the script puts FFmpeg and a small ffprobe written with the PyAV that auto-editor
itself uses (its environment's Python) on a PATH of its own.

Runs are paired (A B, B A, ...), and every run looks at the sound afresh: ffx's remembered analysis
and auto-editor's cache are removed before each. What the look costs is timed on its own: `ffx validate`
looking afresh, then with the look remembered (stored answers of `validate` itself off).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from fractions import Fraction
from pathlib import Path

from _common import ROOT, machine, median, timed, write_section

sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
from ffx.compile.ports import GraphAnalyses  # noqa: E402
from ffx.effects.cut_silence import plan_cuts  # noqa: E402
from ffx.ffmpeg.binary import find_ffmpeg  # noqa: E402
from ffx.filtergraph import graph  # noqa: E402
from ffx.media.analysis import silences  # noqa: E402
from ffx.media.cache import ProbeCache  # noqa: E402
from ffx.media.probe import probe  # noqa: E402
from zoo import lecture  # noqa: E402

BELOW, MIN, KEEP, RATE, LOUDEST = -35.0, 0.5, 0.15, 25, 0.5  # the lecture's tone peaks at 0.5
RECIPE = """input: lecture.mp4
steps:
  - cut_silence: {below: -35dB, min: 0.5, keep: 0.15}
output: {path: ffx.mp4, crf: 23, preset: medium}
"""
FFPROBE = """#!{python}
# ffprobe's JSON, as much of it as auto-editor 23 reads, from PyAV (the bundled FFmpeg has no ffprobe)
import json, sys
import av
with av.open(sys.argv[-1]) as container:
    streams = []
    for s in container.streams:
        cc = s.codec_context
        d = {{"index": s.index, "codec_type": s.type, "codec_name": cc.name, "time_base": str(s.time_base)}}
        if s.duration is not None and s.time_base:
            d["duration"] = str(float(s.duration * s.time_base))
        if s.bit_rate:
            d["bit_rate"] = str(s.bit_rate)
        if s.type == "video":
            d.update(width=cc.width, height=cc.height, pix_fmt=cc.pix_fmt or "yuv420p",
                     r_frame_rate=str(s.guessed_rate or s.average_rate), sample_aspect_ratio="1:1")
        elif s.type == "audio":
            d.update(sample_rate=str(cc.sample_rate), channels=cc.channels)
        streams.append(d)
    fmt = {{"filename": sys.argv[-1], "bit_rate": str(container.bit_rate or 0)}}
    if container.duration:
        fmt["duration"] = str(container.duration / 1e6)
print(json.dumps({{"streams": streams, "format": fmt}}))
"""


def speech(seconds: float, seed: int = 29) -> tuple[tuple[float, float], ...]:
    """Bursts of tone and the pauses between them, on the frame grid, from a fixed seed."""
    rng = random.Random(seed)
    bursts, at = [], 0.4
    while True:
        length = rng.randrange(8, 60) / RATE
        if at + length > seconds - 2:
            return tuple(bursts)
        bursts.append((round(at, 2), round(at + length, 2)))
        at += length + (rng.randrange(3, 10) if rng.random() < 0.5 else rng.randrange(15, 75)) / RATE


def ffx_kept(ffmpeg: str, clip: str) -> list[tuple[float, float]]:
    """The spans ffx keeps, in seconds: the same look and the same cut rule as the step's."""
    info = probe(clip, ffmpeg).counted_exactly()
    pad = graph.input_pad(graph.input_node("file:" + clip, [], True, True), graph.AUDIO)
    found = GraphAnalyses(ffmpeg, ProbeCache()).analyse(pad, silences(BELOW, MIN))
    cuts = plan_cuts(found, keep=KEEP, rate=info.fps, slots=info.frames, duration=info.duration)
    return [(float(a / cuts.rate), float(b / cuts.rate)) for a, b in cuts.kept]


def auto_editor_kept(command: list[str], env: dict) -> tuple[list[tuple[float, float]], str]:
    """The spans auto-editor keeps (its exported timeline's video clips), in seconds, and its version."""
    timeline = json.loads(subprocess.run([*command, "--export", "timeline:api=3"], env=env,
                                         capture_output=True, text=True, check=True).stdout)
    rate = Fraction(timeline["timebase"])
    kept = [(float(clip["offset"] / rate), float((clip["offset"] + clip["dur"]) / rate)) for clip in timeline["v"][0]]
    version = subprocess.run([command[0], "--version"], env=env, capture_output=True, text=True).stdout.strip()
    return kept, version


def agreement(ours: list[tuple[float, float]], theirs: list[tuple[float, float]]) -> tuple[list[float], int]:
    """The differences (ms) between matching span ends, and how many spans found no partner."""
    differences, unmatched = [], 0
    for start, end in ours:
        partner = next((s for s in theirs if s[0] < end and start < s[1]), None)
        if partner is None:
            unmatched += 1
            continue
        differences += [abs(start - partner[0]) * 1000, abs(end - partner[1]) * 1000]
    unmatched += sum(1 for s in theirs if not any(s[0] < end and start < s[1] for start, end in ours))
    return differences, unmatched


def tools(work: Path, auto_editor: str, ffmpeg: str) -> dict:
    """An environment whose PATH has `ffmpeg` (the bundled one) and `ffprobe` (PyAV's) for auto-editor."""
    folder = work / "bin"
    folder.mkdir()
    (folder / "ffmpeg").symlink_to(ffmpeg)
    python = Path(auto_editor).resolve().parent / "python"
    (folder / "ffprobe").write_text(FFPROBE.format(python=python))
    (folder / "ffprobe").chmod(0o755)
    return {**os.environ, "PATH": f"{folder}{os.pathsep}{os.environ.get('PATH', '')}", "TMPDIR": str(work / "ae-tmp"),
            "XDG_CACHE_HOME": str(work / "cache")}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--auto-editor", required=True, help="auto-editor's command, in its own environment")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the generated lecture")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--note", default="", help="said under the table (the state of the machine)")
    args = parser.parse_args()
    ffmpeg = find_ffmpeg()
    work = Path(tempfile.mkdtemp(prefix="ffx-bench-cut-silence-"))
    env = tools(work, args.auto_editor, ffmpeg)
    (work / "ae-tmp").mkdir()
    bursts = speech(args.seconds)
    clip = str(lecture(work, beeps=bursts, length=args.seconds, size="1280x720", name="lecture.mp4",
                       codecs=("-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac")))
    (work / "lecture.yaml").write_text(RECIPE)
    threshold = round(10 ** (BELOW / 20) / LOUDEST, 4)
    mincut = -(-int(MIN * 1000) * RATE // 1000)  # frames: the first whole number at or over min
    ae_cmd = [args.auto_editor, clip, "--edit", f"audio:threshold={threshold},mincut={mincut}", "--margin",
              f"{KEEP}s", "--no-open", "--progress", "none", "-c:v", "h264", "-b:v", "unset", "-b:a", "192k",
              "-o", str(work / "ae.mp4")]
    ffx_cmd = [sys.executable, "-m", "ffx", "render", str(work / "lecture.yaml"), "-q", "--overwrite"]
    env["FFX_NO_CACHE"] = "1"  # ffx validate's stored answers would replay it whole
    ours, (theirs, version) = ffx_kept(ffmpeg, clip), auto_editor_kept(ae_cmd[:-2], env)
    differences, unmatched = agreement(ours, theirs)
    analysis = work / "cache" / "ffx" / "analysis"

    def afresh(argv: list[str]) -> float:
        shutil.rmtree(analysis, ignore_errors=True)  # ffx's remembered look
        for left in (work / "ae-tmp").glob("ae-*"):  # auto-editor's cache of its look
            shutil.rmtree(left, ignore_errors=True)
        return timed(argv, env=env, cwd=work)[0]

    afresh(ffx_cmd)  # warm-up: FFmpeg's capabilities are read once into the cache folder
    times: dict[str, list[float]] = {"ffx": [], "auto-editor": [], "validate": [], "remembered": []}
    ratios = []
    for run in range(args.runs):
        pair = [("ffx", ffx_cmd), ("auto-editor", ae_cmd)]
        if run % 2:
            pair.reverse()
        measured = {who: afresh(argv) for who, argv in pair}
        for who, seconds in measured.items():
            times[who].append(seconds)
        ratios.append(measured["ffx"] / measured["auto-editor"])
    # what the look costs: ffx validate looking afresh, then with the look remembered (no stored answers)
    validate = [sys.executable, "-m", "ffx", "validate", str(work / "lecture.yaml")]
    for _ in range(args.runs):
        times["validate"].append(afresh(validate))
        times["remembered"].append(timed(validate, env=env, cwd=work)[0])
    made, theirs_made = (probe(str(work / name), ffmpeg).counted_exactly() for name in ("ffx.mp4", "ae.mp4"))
    kept_ours, kept_theirs = sum(b - a for a, b in ours), sum(b - a for a, b in theirs)
    within = sum(d <= 1000 / RATE + 1e-6 for d in differences)
    body = f"""## Cutting silences: `cut_silence` against auto-editor (`bench/cut_silence.py`)

A generated lecture of {args.seconds:g} s (1280x720, 25 fps, H.264 and AAC): a tone in {len(bursts)} bursts
with a white flash at each, and pauses between them from a fixed seed, the long ones to be cut. Both
cut every silence of 0.5 s or more below -35 dBFS and keep 0.15 s of it at each side (auto-editor:
`--edit audio:threshold={threshold},mincut={mincut} --margin 0.15s`), and encode with x264 CRF 23 medium and
AAC 192k. auto-editor {version}, in its own environment. Machine: {machine()}. {args.runs} paired runs, each
looking at the sound afresh; the ratio is the median of per-pair ratios.

| | kept spans | kept | output | time |
|---|---|---|---|---|
| ffx `cut_silence` | {len(ours)} | {kept_ours:.2f} s | {made.duration:.2f} s, {made.frames} frames | {median(times['ffx']):.2f} s |
| auto-editor | {len(theirs)} | {kept_theirs:.2f} s | {theirs_made.duration:.2f} s, {theirs_made.frames} frames | {median(times['auto-editor']):.2f} s |
| ratio ffx / auto-editor | | | | **{median(ratios):.3f}** |

Cut lists: {len(differences) // 2} spans matched, {unmatched} without a partner; their ends differ by
{median(differences) if differences else 0:.0f} ms at the median and {max(differences) if differences else 0:.0f} ms at most,
{within} of {len(differences)} within one frame (40 ms). Where they differ, auto-editor keeps one frame more:
it calls a frame loud when any of its samples is and rounds the margin to whole frames (0.15 s to 4
frames, 0.16 s), where ffx cuts at the frame boundary nearest to 0.15 s from the silence's sample-exact
edge. The look itself is a small part of the time: `ffx validate` took {median(times['validate']):.2f} s
looking afresh and {median(times['remembered']):.2f} s with the look remembered.
{args.note}
"""
    write_section("cut-silence", body)
    print(body)
    print("ffx kept:", ours)
    print("auto-editor kept:", theirs)


if __name__ == "__main__":
    main()
