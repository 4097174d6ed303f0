"""GIF quality per byte: ffx's palette settings against MoviePy's write_gif.

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
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from _common import ROOT, machine, median, timed, write_section

sys.path.insert(0, str(ROOT))
import ffx  # noqa: E402
from ffx.binary import find_ffmpeg  # noqa: E402

SETTINGS = {
    # label: output options
    "default": {},
    "quality: best (a palette per frame)": {"quality": "best"},
    "quality: medium (128 colours)": {"quality": "medium"},
    "quality: low (64 colours)": {"quality": "low"},
    "sierra2_4a dither": {"dither": "sierra2_4a"},
    "bayer dither, scale 5": {"dither": "bayer", "bayer_scale": 5},
    "colors: 32": {"colors": 32},
}


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


def one_per_frame(ffmpeg: str, gif: Path, fps: float, out: Path) -> Path:
    """The GIF with one picture per 1/fps, losslessly: each GIF frame repeated as many times as its delay
    stands for. A writer that merges repeated frames stores one frame with a longer delay; counting each
    delay in whole frames, rather than pairing by clock, keeps the centisecond rounding from drifting."""
    report = subprocess.run([ffmpeg, "-hide_banner", "-nostdin", "-i", str(gif), "-vf", "showinfo",
                             "-fps_mode", "passthrough", "-f", "null", "-"], capture_output=True, text=True).stderr
    delays = [float(t) for t in re.findall(r"duration_time:\s*([0-9.]+)", report)]
    info = ffx.media.probe(str(gif), ffmpeg)
    raw = subprocess.run([ffmpeg, "-v", "error", "-nostdin", "-i", str(gif), "-fps_mode", "passthrough",
                          "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], capture_output=True, check=True).stdout
    frames = np.frombuffer(raw, np.uint8).reshape(-1, info.height, info.width, 3)
    if len(delays) != len(frames):
        raise RuntimeError(f"{gif}: {len(frames)} frames but {len(delays)} delays")
    counts = [max(1, round(d * fps)) for d in delays]
    subprocess.run([ffmpeg, "-v", "error", "-nostdin", "-f", "rawvideo", "-pix_fmt", "rgb24", "-video_size",
                    f"{info.width}x{info.height}", "-framerate", f"{fps:g}", "-i", "-", "-c:v", "ffv1", "-y",
                    str(out)], input=np.repeat(frames, counts, axis=0).tobytes(), check=True)
    return out


def median_time(argv: list[str], out: Path, runs: int, **kwargs) -> float:
    """Median wall time of ``runs`` runs of a command that writes ``out``, each writing it afresh."""
    times = []
    for _ in range(runs):
        out.unlink(missing_ok=True)
        times.append(timed(argv, **kwargs)[0])
    return median(times)


def gifski_version(gifski: str) -> str:
    return subprocess.run([gifski, "--version"], capture_output=True, text=True).stdout.strip()


def gifski_row(args: argparse.Namespace, ffmpeg: str, excerpt: list[str], scaled: str, work: Path,
               reference: Path) -> tuple[str, int, float, float, float]:
    """gifski at its defaults, fed the frames the hand-written FFmpeg command makes, written as PNG."""
    frames, out = work / "gifski-frames", work / "gifski.gif"
    times = []
    for _ in range(args.runs):
        shutil.rmtree(frames, ignore_errors=True)
        frames.mkdir()
        writing, _ = timed([*excerpt, "-vf", scaled, str(frames / "%05d.png")])
        encoding, _ = timed([args.gifski, "--quiet", "--fps", f"{args.fps:g}", "--output", str(out),
                             *sorted(str(p) for p in frames.glob("*.png"))])
        times.append(writing + encoding)
    expanded = one_per_frame(ffmpeg, out, args.fps, work / "gifski-expanded.mkv")
    return ("gifski (PNG frames written by FFmpeg)", os.path.getsize(out),
            ssim(ffmpeg, expanded, frames / "%05d.png"), ssim(ffmpeg, expanded, reference), median(times))


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
    args = parser.parse_args()
    args.clip = os.path.abspath(args.clip)  # the timed runs start in a scratch folder
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
        elapsed = median_time([sys.executable, "-m", "ffx", "render", str(yaml), "-q"], out, args.runs, cwd=str(work))
        score = ssim(ffmpeg, out, reference)
        rows.append((f"ffx: {label}", os.path.getsize(out), score, score, elapsed))
    plain = work / "plain.gif"
    excerpt = [ffmpeg, "-hide_banner", "-nostdin", "-ss", str(args.start), "-t", str(args.duration), "-i", args.clip]
    scaled = f"scale={args.width}:-2:flags=lanczos,fps={args.fps}"
    elapsed = median_time([*excerpt, "-vf", f"{scaled},split[a][b];[a]palettegen[p];[b][p]paletteuse", str(plain)],
                          plain, args.runs)
    own = work / "plain-frames.mkv"  # what its paletteuse saw: the scaler's own packed RGB
    timed([*excerpt, "-filter_complex", f"[0:v]{scaled},format=bgra", "-c:v", "ffv1", str(own)])
    rows.append(("FFmpeg palettegen/paletteuse, defaults (hand-written)", os.path.getsize(plain),
                 ssim(ffmpeg, plain, own), ssim(ffmpeg, plain, reference), elapsed))
    if args.gifski:
        rows.append(gifski_row(args, ffmpeg, excerpt, scaled, work, reference))
    peer, peer_frames = work / "moviepy.gif", work / "moviepy-frames.mkv"
    moviepy = [sys.executable, str(ROOT / "bench" / "gif_moviepy.py")]
    times = [str(args.start), str(args.start + args.duration), str(args.width), str(args.fps)]
    elapsed = median_time([*moviepy, "gif", args.clip, str(peer), *times], peer, args.runs)
    timed([*moviepy, "frames", args.clip, str(peer_frames), *times])
    expanded = one_per_frame(ffmpeg, peer, args.fps, work / "moviepy-expanded.mkv")
    rows.append(("MoviePy write_gif", os.path.getsize(peer), ssim(ffmpeg, expanded, peer_frames),
                 ssim(ffmpeg, expanded, reference), elapsed))
    table = "\n".join(f"| {label} | {size / 1024:.0f} KiB | {own:.4f} | {common:.4f} | {t:.2f} s |"
                      for label, size, own, common, t in rows)
    label = args.label or os.path.basename(args.clip)
    gifski_note = (f"gifski: {gifski_version(args.gifski)}, its default quality (90). " if args.gifski
                   else "gifski was not found (give --gifski), so it has no row. ")
    body = f"""## GIF quality per byte: {label} (`bench/gif.py`)

{args.duration:g} s of {label} from {args.start:g} s, {args.width} px wide, {args.fps:g} fps; times are the median
of {args.runs} runs.
SSIM (mean, FFmpeg's `ssim` filter, frames paired by index) two ways. Against the tool's own frames
before GIF encoding, kept lossless (ffx's trim/resize/fps result; the packed RGB the hand-written
command's scaler makes; MoviePy's subclip/resize frames, written as FFV1 by MoviePy itself; gifski's
PNGs): this measures what the GIF encoding loses. Against the source scaled by FFmpeg (lanczos) at the
same rate and converted through planar RGB, which interpolates chroma (these are ffx's own frames):
this also counts each tool's choice of frames, resampler and colour conversion.
MoviePy and gifski merge repeated frames into one longer frame: their GIFs are expanded back to one
picture per 1/{args.fps:g} s (each frame repeated as many times as its delay stands for) before pairing.
Times are wall-clock for the whole command (a fresh process each, Python start included); gifski reads
PNG files, so its time includes FFmpeg writing them (the hand-written command's trim, scale and rate).
{gifski_note}Machine: {machine()}.

| GIF | size | SSIM vs own frames | SSIM vs FFmpeg-scaled source | time |
|---|---|---|---|---|
{table}
"""
    write_section(f"gif-{args.section}", body)
    print(body)


if __name__ == "__main__":
    main()
