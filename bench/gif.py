"""GIF quality per byte: ffx's palette settings against gifski, MoviePy's write_gif and FFmpeg's defaults,
with the same excerpt as animated WebP and AVIF.

    python bench/gif.py --clip some_clip.mp4 [--start 2 --duration 3 --width 320 --fps 12] [--gifski PATH]

Every GIF is compared (SSIM, FFmpeg's ssim filter) with the same excerpt
scaled the same way and kept lossless, so a higher SSIM at a smaller size is
better. Writes the table to docs/benchmarks.md and prints it.

gifski, a dedicated GIF encoder, is measured too when its binary is given with
--gifski or found on PATH (the npm package `gifski` ships a Linux build).
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from _common import ROOT, machine, median, timed, write_section
from _installed import installed_ffx

sys.path.insert(0, str(ROOT))
import ffx  # noqa: E402
from ffx.ffmpeg.binary import find_ffmpeg  # noqa: E402

SETTINGS = {
    # label: output options
    "quality: 90 (palette measured on sampled frames)": {"quality": 90},
    "quality: high (256 colours, the default)": {"quality": "high"},
    "quality: best (a palette per frame)": {"quality": "best"},
    "colors: 96": {"colors": 96},
    "colors: 88": {"colors": 88},
    "colors: 32": {"colors": 32},
}
# the same excerpt as animated WebP and AVIF, at their default quality
OTHER_FORMATS = {"WebP (libwebp_anim, quality 80)": ".webp", "AVIF (SVT-AV1, crf 32)": ".avif"}


def ssim(ffmpeg: str, gif: Path, reference: Path) -> float:
    """Mean SSIM, frames paired by index (a GIF's clock is whole centiseconds, so a 15 fps GIF drifts
    from the source's; see :func:`one_per_frame` for GIFs whose writer merged repeated frames)."""
    retime = "settb=1/1000,setpts=N*40,"
    done = subprocess.run([ffmpeg, "-hide_banner", "-nostdin", "-i", str(gif), "-i", str(reference), "-lavfi",
                           f"[0:v]{retime}format=rgb24[a];[1:v]{retime}format=rgb24[b];[a][b]ssim=shortest=1",
                           "-f", "null", "-"], capture_output=True, text=True)
    match = re.search(r"All:([0-9.]+)", done.stderr)
    if not match:
        raise RuntimeError(done.stderr[-1000:])
    return float(match.group(1))


def one_per_frame(ffmpeg: str, gif: Path, fps: float, out: Path, stream: str = "0:v:0") -> Path:
    """The GIF with one picture per 1/fps, losslessly: each GIF frame repeated as many times as its delay
    stands for. A writer that merges repeated frames stores one frame with a longer delay; counting each
    delay in whole frames, rather than pairing by clock, keeps the centisecond rounding from drifting."""
    report = subprocess.run([ffmpeg, "-hide_banner", "-nostdin", "-i", str(gif), "-map", stream, "-vf", "showinfo",
                             "-fps_mode", "passthrough", "-f", "null", "-"], capture_output=True, text=True).stderr
    delays = [float(t) for t in re.findall(r"duration_time:\s*([0-9.]+)", report)]
    width, height = (int(v) for v in re.search(r" s:(\d+)x(\d+) ", report).groups())
    raw = subprocess.run([ffmpeg, "-v", "error", "-nostdin", "-i", str(gif), "-map", stream, "-fps_mode", "passthrough",
                          "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], capture_output=True, check=True).stdout
    frames = np.frombuffer(raw, np.uint8).reshape(-1, height, width, 3)
    if len(delays) != len(frames):
        raise RuntimeError(f"{gif}: {len(frames)} frames but {len(delays)} delays")
    counts = [max(1, round(d * fps)) for d in delays]
    subprocess.run([ffmpeg, "-v", "error", "-nostdin", "-f", "rawvideo", "-pix_fmt", "rgb24", "-video_size",
                    f"{width}x{height}", "-framerate", f"{fps:g}", "-i", "-", "-c:v", "ffv1", "-y",
                    str(out)], input=np.repeat(frames, counts, axis=0).tobytes(), check=True)
    return out


@dataclass
class Row:
    """One tool's GIF (or WebP/AVIF): how it is made and timed, and the frames its score is taken against."""

    label: str
    commands: list[list[str]]  # run in order; the row's time is their sum
    out: Path
    own: Path | None = None  # its own frames before encoding (None: the common reference)
    stream: str = "0:v:0"  # where the animation is in the file (an AVIF's still picture comes first)
    cwd: str | None = None
    prepare: list[Path] = field(default_factory=list)  # folders emptied before each run
    times: list[float] = field(default_factory=list)

    def run(self) -> None:
        self.out.unlink(missing_ok=True)
        for folder in self.prepare:
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
        total = 0.0
        for argv in self.commands:
            if any("*.png" == a for a in argv):  # gifski takes the PNG file names
                argv = [a for a in argv if a != "*.png"] + sorted(str(p) for p in self.prepare[0].glob("*.png"))
            total += timed(argv, cwd=self.cwd)[0]
        self.times.append(total)


def gifski_version(gifski: str) -> str:
    return subprocess.run([gifski, "--version"], capture_output=True, text=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clip", required=True)
    parser.add_argument("--label")
    parser.add_argument("--section", default="clip", help="names this run's section in docs/benchmarks.md")
    parser.add_argument("--start", type=float, default=2.0)
    parser.add_argument("--duration", type=float, default=3.0)
    parser.add_argument("--width", type=int, default=480)
    parser.add_argument("--fps", type=float, default=15)
    parser.add_argument("--runs", type=int, default=3, help="timed runs per GIF (the median is reported)")
    parser.add_argument("--gifski", default=shutil.which("gifski"), help="a gifski binary (default: on PATH)")
    parser.add_argument("--venv", default=os.path.join(tempfile.gettempdir(), "ffx-bench-venv"),
                        help="where ffx is installed (not editable) for the timed runs")
    args = parser.parse_args()
    args.clip = os.path.abspath(args.clip)  # the timed runs start in a scratch folder
    ffmpeg = find_ffmpeg()
    load = os.getloadavg()[0]
    work = Path(tempfile.mkdtemp(prefix="ffx-bench-gif-"))
    steps = [{"trim": {"start": args.start, "duration": args.duration}}, {"resize": {"width": args.width}},
             {"fps": args.fps}]
    reference = work / "reference.mkv"
    ffx.render(ffx.Recipe(input=args.clip, steps=steps, output={"path": str(reference), "codec": "ffv1",
                                                                 "pix_fmt": "rgb24", "audio": False}))
    rows: list[Row] = []
    render = [installed_ffx(Path(args.venv)), "render"]  # as users run it: installed, not editable
    for label, options in {**SETTINGS, **{k: {"path": f"x{v}"} for k, v in OTHER_FORMATS.items()}}.items():
        ext = os.path.splitext(options.get("path", "x.gif"))[1]
        out = work / f"{len(rows)}{ext}"
        recipe = ffx.Recipe(input=args.clip, steps=steps, output={**options, "path": str(out)})
        yaml = work / f"{len(rows)}.yaml"
        yaml.write_text(recipe.to_yaml())
        rows.append(Row(label if ext != ".gif" else f"ffx: {label}", [[*render, str(yaml), "-q"]], out,
                        stream="0:v:1" if ext == ".avif" else "0:v:0", cwd=str(work)))
    # the FFmpeg work of ffx's default GIF alone: the command `ffx compile` prints for it, run as it is
    printed = work / "printed.gif"
    default_yaml = work / "0.yaml"
    line = subprocess.run([render[0], "compile", str(default_yaml), "-o", str(printed), "--full-path"],
                          capture_output=True, text=True, check=True, cwd=str(work)).stdout.strip()
    rows.append(Row("the command ffx prints for its default, run as it is (no Python)", [shlex.split(line)], printed))
    excerpt = [ffmpeg, "-hide_banner", "-nostdin", "-ss", str(args.start), "-t", str(args.duration), "-i", args.clip]
    scaled = f"scale={args.width}:-2:flags=lanczos,fps={args.fps}"
    own = work / "plain-frames.mkv"  # what the hand-written commands encode: the scaler's own packed RGB
    timed([*excerpt, "-filter_complex", f"[0:v]{scaled},format=bgra", "-c:v", "ffv1", str(own)])
    rows.append(Row("FFmpeg defaults (`ffmpeg -i x.mp4 x.gif`, same trim, scale, rate)",
                    [[*excerpt, "-vf", scaled, str(work / "ffmpeg.gif")]], work / "ffmpeg.gif", own))
    plain = work / "plain.gif"
    rows.append(Row("FFmpeg palettegen/paletteuse, defaults (hand-written)",
                    [[*excerpt, "-vf", f"{scaled},split[a][b];[a]palettegen[p];[b][p]paletteuse", str(plain)]],
                    plain, own))
    if args.gifski:  # given ffx's own frames, as PNG files written by the same recipe: the same pictures
        frames = work / "gifski-frames"
        pngs = work / "gifski-frames.yaml"
        pngs.write_text(ffx.Recipe(input=args.clip, steps=steps,
                                   output={"path": str(frames / "%05d.png")}).to_yaml())
        rows.append(Row("gifski (fed ffx's frames as PNG)",
                        [[*render, str(pngs), "-q"],
                         [args.gifski, "--quiet", "--fps", f"{args.fps:g}", "--output", str(work / "gifski.gif"),
                          "*.png"]], work / "gifski.gif", prepare=[frames], cwd=str(work)))
    moviepy = [sys.executable, str(ROOT / "bench" / "gif_moviepy.py")]
    times = [str(args.start), str(args.start + args.duration), str(args.width), str(args.fps)]
    peer_frames = work / "moviepy-frames.mkv"
    timed([*moviepy, "frames", args.clip, str(peer_frames), *times])
    rows.append(Row("MoviePy write_gif", [[*moviepy, "gif", args.clip, str(work / "moviepy.gif"), *times]],
                    work / "moviepy.gif", peer_frames))
    for _ in range(args.runs):  # interleaved: each round runs every row once, so load swings hit all alike
        for row in rows:
            row.run()
    peer_time = median(rows[-1].times)
    lines, scores = [], {}
    for row in rows:
        expanded = one_per_frame(ffmpeg, row.out, args.fps, work / f"{row.out.name}.expanded.mkv", row.stream)
        common = ssim(ffmpeg, expanded, reference)
        mine = ssim(ffmpeg, expanded, row.own) if row.own is not None else common
        elapsed = median(row.times)
        scores[row.label] = (os.path.getsize(row.out), common, elapsed)
        lines.append(f"| {row.label} | {os.path.getsize(row.out) / 1024:.0f} KiB | {mine:.4f} | {common:.4f} | "
                     f"{elapsed:.2f} s | {peer_time / elapsed:.1f}x |")
    table = "\n".join(lines)
    verdict = ""
    if args.gifski:
        size, score, _ = scores["gifski (fed ffx's frames as PNG)"]
        winners = [label for label, (s, c, _) in scores.items() if label.startswith("ffx:") and s <= size and c >= score]
        verdict = ("GIF settings that beat gifski here (no larger, SSIM against the FFmpeg-scaled source at least "
                   f"its {score:.4f}): {', '.join(f'`{w[5:]}`' for w in winners) or 'none'}. ")
        mine_size, mine_score, mine_time = scores[f"ffx: {next(iter(SETTINGS))}"]
        verdict += (f"ffx's quality 90 against gifski: {mine_size / size:.2f}x its size, SSIM {mine_score:.4f} "
                    f"against its {score:.4f} ({'beats it' if mine_size <= size and mine_score >= score else 'does not beat it'}"
                    f"), in {mine_time:.2f} s against MoviePy's {peer_time:.2f} s ({peer_time / mine_time:.1f}x). ")
    fast = [label for label, (_, _, t) in scores.items() if label.startswith("ffx:") and peer_time / t >= 4]
    verdict += f"ffx rows at least 4x MoviePy's speed in this run: {len(fast)} of {len(SETTINGS)}."
    floor = scores["the command ffx prints for its default, run as it is (no Python)"][2]
    verdict += (f" The FFmpeg command behind ffx's default alone runs at {peer_time / floor:.1f}x MoviePy's; "
                f"`ffx render` adds {median(rows[0].times) - floor:.2f} s to it in this run: its start-up (Python, "
                "typer, pydantic and the recipe model load, the probe, the compile), which does not grow with "
                "the clip (see \"Where the command's extra time goes\" in the long-film section below).")
    label = args.label or os.path.basename(args.clip)
    gifski_note = (f"gifski: {gifski_version(args.gifski)}, its default quality (90). " if args.gifski
                   else "gifski was not found (give --gifski), so it has no row. ")
    body = f"""## GIF quality per byte: {label} (`bench/gif.py`)

{args.duration:g} s of {label} from {args.start:g} s, {args.width} px wide, {args.fps:g} fps; times are the median
of {args.runs} interleaved rounds (each round runs every row once, so a swing in the shared machine's load
falls on all rows alike; load average {load:.1f} when the run began, so times compare best within a table).
SSIM (mean, FFmpeg's `ssim` filter, frames paired by index) two ways. Against the tool's own frames
before GIF encoding, kept lossless (ffx's trim/resize/fps result, which gifski is given too; the packed
RGB the hand-written commands' scaler makes; MoviePy's subclip/resize frames, written as FFV1 by MoviePy
itself): this measures what the encoding loses. Against the source scaled by FFmpeg (lanczos) at the
same rate and converted through planar RGB, which interpolates chroma (these are ffx's own frames):
this also counts each tool's choice of frames, resampler and colour conversion.
MoviePy, gifski and libwebp merge repeated frames into one longer frame: their files are expanded back to one
picture per 1/{args.fps:g} s (each frame repeated as many times as its delay stands for) before pairing.
Times are wall-clock for the whole command (a fresh process each, Python start included; ffx is a
non-editable install, as users have it); gifski reads
PNG files, so its time includes ffx writing them.
WebP and AVIF are the same recipe with the output's extension changed (AVIF's image sequence is scored,
not its still picture). The last column is the speed target: at least 4x MoviePy's.
ffx's default GIF is quality 90: its palette size, dithering and transparency slot are the smallest of
trials on four sampled frames (two pairs) whose SSIM reaches 0.985, or, where no palette can, 0.008 below the
best trial (`ffx validate` prints the choice); its time includes those trials.
{gifski_note}Machine: {machine()}.

| output | size | SSIM vs own frames | SSIM vs FFmpeg-scaled source | time | MoviePy's time / this |
|---|---|---|---|---|---|
{table}

{verdict}
"""
    write_section(f"gif-{args.section}", body)
    print(body)


if __name__ == "__main__":
    main()
