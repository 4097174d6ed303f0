"""Parity with the five reference tutorials: each technique run the tutorial's way and the ffx way.

    python bench/parity.py --media DIR [--only NAME ...] [--write]

The tutorial side is the tutorial's own approach with its own library (MoviePy 2,
OpenCV, PyAV), ported to today's API names; the ffx side is a recipe. Both run on
the same short excerpts of real clips from the folder given with --media (a film with
sound, chaplin.mp4, and the other clips the rows name; cut losslessly first, so
neither side seeks), and both results are compared as decoded RGB frames:
frame counts, and PSNR over all frames (inf = identical). The first row is the
floor: the same clip decoded by MoviePy and by ffx, with no effect at all —
MoviePy converts to RGB on FFmpeg's fast packed path, ffx on the planar one,
so a technique can differ by no less than that.

``--write`` replaces the table in docs/parity.md between its markers.
"""

from __future__ import annotations

import argparse
import io
import math
import os
import re
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import ffx  # noqa: E402
from ffx.ffmpeg.binary import ffmpeg_binary  # noqa: E402
from ffx.effects.fonts import SHIPPED_FONT  # noqa: E402

MEDIA = Path(".")  # the footage folder, from --media
FFMPEG = ffmpeg_binary(None).path
PARITY = ROOT / "docs" / "parity.md"
WORK = Path(tempfile.mkdtemp(prefix="ffx-parity-"))


def run(*args: str) -> None:
    import subprocess

    done = subprocess.run([FFMPEG, "-v", "error", "-nostdin", "-y", *args], capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(done.stderr[-1500:])


WHOLE = (0, 9.64)  # the whole Chaplin clip (241 frames at 25 fps)


def excerpt(name: str, source: str, start: float, end: float, scale: str | None = None, rate: str | None = None) -> str:
    """A lossless excerpt (FFV1, the source's own 4:2:0), so both sides read the same pixels from frame 0.

    ``rate`` re-times the frames (each kept, none dropped or repeated) to that rate.
    """
    path = WORK / f"{name}-{start:g}-{end:g}{'-' + rate if rate else ''}.mkv"
    if not path.exists():
        filters = [f"scale={scale}:flags=lanczos"] if scale else []
        filters += [f"settb=1/({rate}),setpts=N"] if rate else []
        vf = ["-vf", ",".join(filters), *(["-r", rate] if rate else [])] if filters else []
        run("-ss", str(start), "-to", str(end), "-i", str(MEDIA / source), *vf, "-an", "-c:v", "ffv1",
            "-pix_fmt", "yuv420p", str(path))
    return str(path)


def chaplin_clip(start: float, end: float):
    """An excerpt of the film and the same excerpt opened by MoviePy (video only), for the tutorials' side."""
    from moviepy import VideoFileClip

    path = excerpt("chaplin", "chaplin.mp4", start, end)
    return path, VideoFileClip(path, audio=False)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((np.asarray(a, float) - np.asarray(b, float)) ** 2)
    return math.inf if mse == 0 else 10 * math.log10(255 ** 2 / mse)


def ffx_frames(source, steps=None, **options) -> np.ndarray:
    return np.stack([f.image for f in ffx.frames(source, steps=steps, **options)])


def moviepy_frames(clip, fps=None) -> np.ndarray:
    return np.stack(list(clip.iter_frames(fps=fps or clip.fps, dtype="uint8")))


def compare(tutorial: np.ndarray, ours: np.ndarray, note: str = "") -> dict:
    """Frame counts and PSNR over the frames both have (aligned from the first), and the row's note."""
    n = min(len(tutorial), len(ours))
    same_shape = tutorial.shape[1:] == ours.shape[1:]
    return {"frames": f"{len(tutorial)} / {len(ours)}",
            "psnr": psnr(tutorial[:n], ours[:n]) if same_shape else None,
            "shape": "" if same_shape else f"{tutorial.shape[1:3]} vs {ours.shape[1:3]}", "note": note}


ROWS: dict[str, tuple[str, str, str, object]] = {}


def technique(name: str, tutorial: str, approach: str, recipe: str):
    def register(function):
        ROWS[name] = (tutorial, approach, recipe, function)
        return function
    return register


# --- the floor --------------------------------------------------------------------------------------------------

@technique("decode (no effect)", "all", "MoviePy `VideoFileClip.iter_frames`", "`ffx.frames(path)`")
def decode_floor():
    from moviepy import VideoFileClip

    clip = excerpt("chaplin", "chaplin.mp4", 2, 4)
    return compare(moviepy_frames(VideoFileClip(clip, audio=False)), ffx_frames(clip))


# --- 000: reverse -----------------------------------------------------------------------------------------------

@technique("reverse", "000", "`save_frame` every 1/fps s, `ImageSequenceClip` in reverse order", "`- reverse`")
def reverse():
    clip_path, clip = chaplin_clip(*WHOLE)
    step = 1 / min(clip.fps, 30)
    frames = [clip.get_frame(t) for t in np.arange(0, clip.duration, step)][::-1]
    return compare(np.stack(frames), ffx_frames(clip_path, ["reverse"]))


@technique("frames as JPEG images", "000", "`save_frame(f\"frame{t}.jpg\", t)` for t in `arange(0, d, 1/min(fps, 30))`",
           "`output: {path: frames/%04d.jpg, fps: 25, quality: medium}` (the tutorial: min(fps, 30))")
def jpeg_frames():
    clip_path, clip = chaplin_clip(2, 4)
    theirs = WORK / "jpeg-moviepy"
    theirs.mkdir(exist_ok=True)
    times = np.arange(0, clip.duration, 1 / min(clip.fps, 30))
    for i, t in enumerate(times):
        clip.save_frame(str(theirs / f"frame{i:04d}.jpg"), t)
    ours = WORK / "jpeg-ffx"
    ours.mkdir(exist_ok=True)
    ffx.render(ffx.Recipe(input=clip_path, output={"path": str(ours / "%04d.jpg"), "fps": 25, "quality": "medium"}),
               overwrite=True)
    read = lambda folder: np.stack([ffx_frames(str(p))[0] for p in sorted(folder.iterdir())])  # noqa: E731
    theirs_frames, ours_frames, source = read(theirs), read(ours), ffx_frames(clip_path)
    return compare(theirs_frames, ours_frames,
                   note=(f"against the source: {fmt(psnr(source, theirs_frames))} / {fmt(psnr(source, ours_frames))}; "
                         f"{len(list(theirs.iterdir()))} / {len(list(ours.iterdir()))} files, "
                         f"{sum(p.stat().st_size for p in theirs.iterdir()) // 1024} / "
                         f"{sum(p.stat().st_size for p in ours.iterdir()) // 1024} KiB"))


# --- 001: GIFs --------------------------------------------------------------------------------------------------

@technique("excerpt + resize", "001", "`subclip(a, b).resize(0.3)`", "`- trim: {start, end}` `- resize: 0.3`")
def resize():
    from moviepy import VideoFileClip

    clip = excerpt("chaplin", "chaplin.mp4", *WHOLE)
    return compare(moviepy_frames(VideoFileClip(clip, audio=False).resized(0.3)), ffx_frames(clip, [{"resize": 0.3}]))


@technique("crop", "001", "`resize(0.5).crop(x1=70, x2=250)`", "`- resize: 0.5` `- crop: {x1: 70, x2: 250}`")
def crop():
    from moviepy import VideoFileClip

    clip = excerpt("chaplin", "chaplin.mp4", *WHOLE)
    theirs = VideoFileClip(clip, audio=False).resized(0.5).cropped(x1=70, x2=250)
    return compare(moviepy_frames(theirs), ffx_frames(clip, [{"resize": 0.5}, {"crop": {"x1": 70, "x2": 250}}]))


@technique("freeze a region", "001", "left half of `to_ImageClip(0.2)` over the clip (`CompositeVideoClip`)",
           "`- freeze: {at: 0.2, region: {x2: 0.5}}`")
def freeze_region():
    from moviepy import CompositeVideoClip, VideoFileClip, vfx

    clip = excerpt("chaplin", "chaplin.mp4", *WHOLE)
    anna_olaf = VideoFileClip(clip, audio=False).with_effects([vfx.MultiplySpeed(0.5)]).resized(0.4)
    snapshot = anna_olaf.cropped(x2=anna_olaf.w / 2).to_ImageClip(0.2).with_duration(anna_olaf.duration)
    theirs = moviepy_frames(CompositeVideoClip([anna_olaf, snapshot]))
    ours = ffx_frames(clip, [{"speed": 0.5}, {"resize": 0.4}, {"freeze": {"at": 0.2, "region": {"x2": 0.5}}}])
    return compare(theirs, ours)


@technique("freeze with a soft mask", "001", "`color_split(p1, p2, grad_width=5)` mask on the snapshot",
           "`- freeze: {p1: [200, 10], p2: [150, 170], width: 5, side: right}`")
def freeze_mask():
    from moviepy import CompositeVideoClip, ImageClip, VideoFileClip
    from moviepy.video.tools.drawing import color_split

    clip = excerpt("chaplin", "chaplin.mp4", *WHOLE)
    anna_kris = VideoFileClip(clip, audio=False).resized(0.5)
    mask = color_split(anna_kris.size, p1=(200, 10), p2=(150, 170), gradient_width=5)
    snapshot = anna_kris.to_ImageClip().with_duration(anna_kris.duration).with_mask(
        ImageClip(mask, is_mask=True).with_duration(anna_kris.duration))
    theirs = moviepy_frames(CompositeVideoClip([anna_kris, snapshot]))
    ours = ffx_frames(clip, [{"resize": 0.5}, {"freeze": {"p1": [200, 10], "p2": [150, 170], "width": 5,
                                                          "side": "right"}}])
    wider = ffx_frames(clip, [{"resize": 0.5}, {"freeze": {"p1": [200, 10], "p2": [150, 170], "width": 10,
                                                           "side": "right"}}])
    return compare(theirs, ours, note=f"MoviePy's gradient runs from the line to one side, ffx's is centred on it "
                                      f"(width: 10: {fmt(psnr(theirs, wider))})")


@technique("time-symmetrize", "001", "`concatenate([clip, clip.fx(time_mirror)])`",
           "`- boomerang: {drop_turn_frame: false}`")
def boomerang():
    from moviepy import concatenate_videoclips, vfx

    clip_path, clip = chaplin_clip(2, 2.8)
    theirs = moviepy_frames(concatenate_videoclips([clip, clip.with_effects([vfx.TimeMirror()])]))
    return compare(theirs, ffx_frames(clip_path, [{"boomerang": {"drop_turn_frame": False}}]),
                   note="ffx's default shows the turn frame once (2n - 1 frames)")


@technique("text", "001", "`TextClip(text, font_size=30, interline=4).with_position((20, 60))`, DejaVu Sans, on black",
           "`- text: {text, size: 30, position: [20, 60], line_spacing: 4}`")
def text():
    from moviepy import ColorClip, CompositeVideoClip, TextClip

    words = "In my nightmares\nI see rabbits."
    background = ColorClip((320, 180), color=(0, 0, 0)).with_duration(0.4).with_fps(25)
    caption = TextClip(font=str(SHIPPED_FONT), text=words, font_size=30, color="white", interline=4)
    theirs = moviepy_frames(CompositeVideoClip([background, caption.with_position((20, 60)).with_duration(0.4)]))
    black = {"source": "color", "color": "black", "size": "320x180", "duration": 0.4, "rate": 25}
    ours = ffx_frames(ffx.Recipe(input=black, steps=[{"text": {"text": words, "size": 30, "position": [20, 60],
                                                                 "line_spacing": 4, "align": "left"}}]))
    result = compare(theirs, ours)

    def ink(frame):
        inked = frame.max(axis=2) > 128
        rows, columns = np.flatnonzero(inked.any(axis=1)), np.flatnonzero(inked.any(axis=0))
        return f"rows {rows.min()}-{rows.max()}, columns {columns.min()}-{columns.max()}"

    cut = 60 + caption.size[1]  # MoviePy's text clip ends here
    result["note"] = (f"ink {ink(theirs[0])} / {ink(ours[0])}, the same ink in every row, a few glyphs 1 px apart "
                      f"across (Pillow places glyphs at fractional x); above row {cut}, where MoviePy {moviepy_version()} cuts "
                      f"its own {caption.size[1]} px high text clip (its last line's bottom): "
                      f"{fmt(psnr(theirs[:, :cut], ours[:, :cut]))}")
    return result


def moviepy_version() -> str:
    import moviepy

    return moviepy.__version__


@technique("cross-fade loop (castle)", "001", "`crossfadein(d/2)`, three copies at 0, d/2, d, `subclip(d/2, 3d/2)`",
           "`- speed: 0.2` `- resize: 0.4` `- loop_crossfade: d/2`")
def castle():
    from moviepy import CompositeVideoClip, VideoFileClip, vfx

    clip = excerpt("chaplin", "chaplin.mp4", 2.8, 3.2)
    castle_clip = VideoFileClip(clip, audio=False).with_effects([vfx.MultiplySpeed(0.2)]).resized(0.4)
    d = castle_clip.duration
    faded = castle_clip.with_effects([vfx.CrossFadeIn(d / 2)])
    composition = CompositeVideoClip([faded, faded.with_start(d / 2), faded.with_start(d)]).subclipped(d / 2, 3 * d / 2)
    theirs = moviepy_frames(composition)
    ours = ffx_frames(clip, [{"speed": 0.2}, {"resize": 0.4}, {"loop_crossfade": d / 2}])
    return compare(theirs, ours,
                   note=(f"the tutorial's {len(theirs)} frames are the loop twice; ffx's {len(ours)} are one period "
                         f"(second half against ffx: {psnr(theirs[len(ours):2 * len(ours)], ours):.1f} dB)"))


@technique("snapshot fade-in loop (Charade)", "001", "`to_ImageClip().crossfadein(d/6).set_start(5d/6)`",
           "`- fade_in_loop: d/6`")
def carry():
    from moviepy import CompositeVideoClip, VideoFileClip, vfx

    clip = excerpt("chaplin", "chaplin.mp4", 5, 7.3)
    carry_clip = VideoFileClip(clip, audio=False).resized(0.5)
    d = carry_clip.duration
    snapshot = (carry_clip.to_ImageClip().with_duration(d / 6).with_effects([vfx.CrossFadeIn(d / 6)])
                .with_start(5 * d / 6))
    theirs = moviepy_frames(CompositeVideoClip([carry_clip, snapshot]))
    return compare(theirs, ffx_frames(clip, [{"resize": 0.5}, {"fade_in_loop": d / 6}]))


@technique("black and white", "001", "`fx(vfx.blackwhite)`", "`- black_white: average`")
def black_white():
    from moviepy import VideoFileClip, vfx

    clip = excerpt("fire", "fire2.mp4", 0, 2.38, scale="640:-2")  # in colour (the Chaplin film is not)
    theirs = moviepy_frames(VideoFileClip(clip, audio=False).with_effects([vfx.BlackAndWhite()]))
    return compare(theirs, ffx_frames(clip, [{"black_white": "average"}]),
                   note=f"ffx's luma default: {psnr(theirs, ffx_frames(clip, ['black_white'])):.1f} dB")


@technique("speed", "001", "`speedx(0.5)`", "`- speed: 0.5`")
def speed():
    from moviepy import VideoFileClip, vfx

    clip = excerpt("chaplin", "chaplin.mp4", *WHOLE)
    theirs = moviepy_frames(VideoFileClip(clip, audio=False).with_effects([vfx.MultiplySpeed(0.5)]))
    return compare(theirs, ffx_frames(clip, [{"speed": 0.5}]))


def same_source_frames(source: np.ndarray, theirs: np.ndarray, ours: np.ndarray) -> str:
    """How many output frames of both sides are the same source frame (each found by its pixels)."""
    small = lambda frames: frames[:, ::4, ::4].astype(np.int16)  # noqa: E731
    reference = small(source)
    which = lambda frames: [int(np.argmin(np.abs(reference - f).mean(axis=(1, 2, 3)))) for f in small(frames)]  # noqa: E731
    a, b = which(theirs), which(ours)
    return f"{sum(x == y for x, y in zip(a, b))} of {min(len(a), len(b))} frames are the same source frame"


@technique("speed 2x at 24 fps", "001", "`with_speed_scaled(2)`", "`- speed: 2`")
def speed_double_24():
    from moviepy import VideoFileClip

    clip = excerpt("chaplin", "chaplin.mp4", *WHOLE, rate="24")  # every frame, re-timed to 24 fps
    theirs = moviepy_frames(VideoFileClip(clip, audio=False).with_speed_scaled(2))
    ours = ffx_frames(clip, [{"speed": 2}])
    return compare(theirs, ours, note=same_source_frames(ffx_frames(clip), theirs, ours))


@technique("GIF frame rate", "001", "`write_gif(fps=10)` samples `iter_frames(fps=10)`",
           "`- fps: {rate: 10, pick: shown}` (the default `nearest` takes the frame nearest each instant)")
def gif_rate():
    from moviepy import VideoFileClip

    clip = excerpt("chaplin", "chaplin.mp4", 2, 4)
    theirs = moviepy_frames(VideoFileClip(clip, audio=False), fps=10)
    ours = ffx_frames(ffx.Recipe(input=clip, steps=[{"fps": {"rate": 10, "pick": "shown"}}]))
    source = ffx_frames(clip)
    pick = lambda frames: [int(np.argmin([np.abs(s.astype(int) - f).mean() for s in source])) for f in frames]  # noqa: E731
    a, b = pick(theirs), pick(ours)
    return compare(theirs, ours,
                   note=f"{sum(x == y for x, y in zip(a, b))} of {min(len(a), len(b))} frames are the same source frame")


# --- 002: in-memory MP4 -----------------------------------------------------------------------------------------

@technique("encode frames to MP4 in memory", "002", "PyAV: `av.open(BytesIO(), 'w', 'mp4')`, h264 yuv444p crf 17",
           "`ffx.encode(frames, fps=23.976, bgr=True, pix_fmt=\"yuv444p\", crf=17)`")
def in_memory():
    import av
    import cv2

    width, height, fps, count = 192, 108, 23.976, 100

    def sample(i):
        p = width // 60
        img = np.full((height, width, 3), 60, np.uint8)
        cv2.putText(img, str(i + 1), (width // 2 - p * 10 * len(str(i + 1)), height // 2 + p * 10),
                    cv2.FONT_HERSHEY_DUPLEX, p, (255, 30, 30), p * 2)
        return img

    memory = io.BytesIO()
    output = av.open(memory, "w", format="mp4")
    stream = output.add_stream("h264", Fraction(str(fps)))  # the tutorial's str(fps); PyAV 14+ wants a number
    stream.width, stream.height, stream.pix_fmt, stream.options = width, height, "yuv444p", {"crf": "17"}
    for i in range(count):
        output.mux(stream.encode(av.VideoFrame.from_ndarray(sample(i), format="bgr24")))
    output.mux(stream.encode(None))
    output.close()
    data = ffx.encode((sample(i) for i in range(count)), fps=fps, bgr=True, pix_fmt="yuv444p", crf=17)
    theirs_path, ours_path = WORK / "pyav.mp4", WORK / "ffx.mp4"
    theirs_path.write_bytes(memory.getvalue())
    ours_path.write_bytes(data)
    source = np.stack([sample(i)[:, :, ::-1] for i in range(count)])
    theirs, ours = ffx_frames(str(theirs_path)), ffx_frames(str(ours_path))
    return compare(theirs, ours,
                   note=(f"against the drawn frames: {psnr(source, theirs):.1f} / {psnr(source, ours):.1f} dB; "
                         f"{len(memory.getvalue())} / {len(data)} bytes"))


# --- 003: slit-scan ---------------------------------------------------------------------------------------------

@technique("slit-scan image", "003", "`iter_frames(fps=W/d)`, column W//2 of each, into a W-wide picture",
           "`- slitscan: {columns: frame}` (PNG)")
def slitscan_image():
    clip_path, clip = chaplin_clip(0, 9.64)
    img = np.zeros((clip.size[1], clip.size[0], 3), dtype="uint8")
    current_x, slit_width, slitpoint = 0, 1, clip.size[0] // 2
    for frame in clip.iter_frames(fps=clip.size[0] / clip.duration, dtype="uint8"):
        if current_x < (clip.size[0] - slit_width):
            img[:, current_x:current_x + slit_width, :] = frame[:, slitpoint:slitpoint + slit_width, :]
        current_x += slit_width
    out = WORK / "slitscan.png"
    ffx.render(ffx.Recipe(input=clip_path, steps=[{"slitscan": {"columns": "frame"}}], output=str(out)),
               overwrite=True)
    ours = ffx_frames(str(out))
    result = compare(img[None, :, :-1], ours[:, :, :-1],
                     note="the tutorial leaves its last column black (`currentX < W - slitwidth`); compared without it")
    result["frames"] = f"{img.shape[1]} px / {ours.shape[2]} px wide"
    return result


@technique("rolling slit-scan", "003", "`np.roll` history of row H//2 scrolling up (`make_frame`)",
           "`- slitscan: {mode: rolling, direction: up}`")
def slitscan_rolling():
    clip_path, clip = chaplin_clip(2, 7)
    clip = clip.resized(0.2)
    img = np.zeros((clip.size[1], clip.size[0], 3), dtype="uint8")
    slitpoint, frames = clip.size[1] // 2, []
    for current_x, next_frame in enumerate(clip.iter_frames(fps=clip.fps, dtype="uint8")):
        next_frame = next_frame.copy()
        img = np.roll(img, -1, axis=0)
        img[slitpoint, :, :] = next_frame[slitpoint, :, :]
        next_frame[max(slitpoint - current_x, 0):slitpoint, :, :] = img[max(0, slitpoint - current_x):slitpoint, :, :]
        frames.append(next_frame)
    ours = ffx_frames(clip_path, [{"resize": 0.2}, {"slitscan": {"mode": "rolling", "direction": "up"}}])
    return compare(np.stack(frames), ours,
                   note=f"the same on MoviePy's own frames: {psnr(moviepy_frames(clip), ffx_frames(clip_path, [{'resize': 0.2}])):.1f} dB")


# --- 004: motion extraction -------------------------------------------------------------------------------------

def opencv_frames(path: str) -> list[np.ndarray]:
    import cv2

    cap = cv2.VideoCapture(path)
    frames = []
    while True:
        working, frame = cap.read()
        if not working:
            break
        frames.append(frame)
    cap.release()
    return frames


@technique("motion: difference", "004", "`cv2.subtract(frame, prev_frame)`", "`- motion: {style: difference}`")
def motion_difference():
    import cv2

    clip = excerpt("chaplin", "chaplin.mp4", 2, 4)
    frames = opencv_frames(clip)
    theirs = np.stack([cv2.subtract(f, p)[:, :, ::-1] for p, f in zip(frames, frames[1:])])
    ours = ffx_frames(clip, [{"motion": {"style": "difference"}}])[1:]  # ffx's first frame is black (no past yet)
    return compare(theirs, ours)


@technique("motion: gray", "004", "`cv2.addWeighted(frame, .5, cv2.bitwise_not(prev), .5, 0)`", "`- motion: 1`")
def motion_gray():
    import cv2

    clip = excerpt("chaplin", "chaplin.mp4", 2, 4)
    frames = opencv_frames(clip)
    theirs = np.stack([cv2.addWeighted(f, .5, cv2.bitwise_not(p), .5, 0)[:, :, ::-1]
                       for p, f in zip(frames, frames[1:])])
    return compare(theirs, ffx_frames(clip, [{"motion": 1}])[1:])


@technique("motion: ring buffer", "004", "`deque(maxlen=6)`, frames halved, gray against `buffer[0]`",
           "`- resize: 0.5` `- motion: 6`")
def motion_delay():
    import collections

    import cv2

    clip = excerpt("chaplin", "chaplin.mp4", 2, 4)
    frames = opencv_frames(clip)
    height, width = frames[0].shape[:2]
    buffer = collections.deque(maxlen=6)
    frame, theirs = cv2.resize(frames[0], (width // 2, height // 2)), []
    for following in frames[1:]:
        buffer.append(frame.copy())
        frame = cv2.resize(following, (width // 2, height // 2))
        theirs.append(cv2.addWeighted(frame, .5, cv2.bitwise_not(buffer[0]), .5, 0)[:, :, ::-1])
    return compare(np.stack(theirs), ffx_frames(clip, [{"resize": 0.5}, {"motion": 6}])[1:],
                   note="OpenCV resizes bilinear, ffx lanczos")


@technique("frames into Python", "004", "`cv2.VideoCapture(path).read()` loop", "`ffx.frames(path, bgr=True)`")
def frames_into_python():
    clip = excerpt("fire", "fire2.mp4", 0, 2.38, scale="640:-2")
    theirs = np.stack(opencv_frames(clip))
    return compare(theirs, ffx_frames(clip, bgr=True))


# ----------------------------------------------------------------------------------------------------------------

def fmt(value: float | None) -> str:
    if value is None:
        return "–"
    return "identical" if math.isinf(value) else f"{value:.1f} dB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--media", required=True, type=Path, help="folder holding the clips the rows name (chaplin.mp4, ...)")
    parser.add_argument("--only", nargs="*", help="run only these techniques (substrings of their names)")
    parser.add_argument("--write", action="store_true", help="write the table into docs/parity.md")
    options = parser.parse_args()
    global MEDIA
    MEDIA = options.media
    lines = ["| technique | tutorial | the tutorial's way | the ffx recipe | frames (tutorial / ffx) | PSNR | notes |",
             "|---|---|---|---|---|---|---|"]
    started = time.perf_counter()
    for name, (tutorial, approach, recipe, function) in ROWS.items():
        if options.only and not any(part in name for part in options.only):
            continue
        try:
            result = function()
        except Exception as exc:  # a row that fails says so; the others still run
            result = {"frames": "–", "psnr": None, "note": f"failed: {type(exc).__name__}: {exc}"[:200]}
        note = "; ".join(part for part in (result.get("shape", ""), result.get("note", "")) if part)
        line = f"| {name} | {tutorial} | {approach} | {recipe} | {result['frames']} | {fmt(result['psnr'])} | {note} |"
        print(line, flush=True)
        lines.append(line)
    elapsed = time.perf_counter() - started
    import moviepy
    import cv2
    import av

    footer = (f"\nMeasured by `python bench/parity.py --media DIR --write` in {elapsed:.0f} s: MoviePy {moviepy.__version__}, "
              f"OpenCV {cv2.__version__}, PyAV {av.__version__}, FFmpeg {ffmpeg_binary(None).version}.")
    print(footer)
    if options.write:
        text = PARITY.read_text()
        begin, end = "<!-- bench:parity -->", "<!-- /bench:parity -->"
        block = f"{begin}\n" + "\n".join(lines) + "\n" + footer + f"\n{end}"
        PARITY.write_text(re.sub(re.escape(begin) + r".*?" + re.escape(end), lambda _: block, text, flags=re.S))


if __name__ == "__main__":
    try:
        main()
    finally:
        import shutil

        shutil.rmtree(WORK, ignore_errors=True)
        os.environ.pop("FFX_PARITY", None)
