"""Animated WebP and AVIF outputs: frame counts, durations, pictures, loop flags and alpha, read back by
FFmpeg (WebP, and AVIF's image sequence track) and by Pillow."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageSequence, features

import ffx
from conftest import FFMPEG, decode_frames, faulty_ffmpeg, render, run_ffmpeg

SIZE = (96, 64)


def moving_square(path: Path, background: str, side: int, speed: int, y: int) -> Path:
    """A red square of ``side`` pixels moving right at ``speed`` px/s over ``background`` (a 96x64, 10 fps
    lavfi source that sets its length), lossless RGB."""
    run_ffmpeg("-f", "lavfi", "-i", f"{background}[bg];color=c=red:s={side}x{side}:r=10[sq];"
               f"[bg][sq]overlay=x='t*{speed}':y={y}:shortest=1,format=rgb24", "-c:v", "ffv1", "-y", str(path))
    return path


@pytest.fixture
def square(tmp_path: Path) -> Path:
    """2 s at 10 fps: colour bars that stay still and a red square that moves across them."""
    return moving_square(tmp_path / "square.mkv", "smptebars=s=96x64:r=10:d=2", side=16, speed=30, y=20)


@pytest.fixture
def keyed(tmp_path: Path) -> Path:
    """1 s at 10 fps of a red square moving on pure green, for chroma_key to make the green transparent."""
    return moving_square(tmp_path / "green.mkv", "color=c=0x00ff00:s=96x64:r=10:d=1", side=32, speed=40, y=16)


def ssim(result: Path, source: Path, stream: str = "0:v:0") -> float:
    """Mean SSIM of ``result`` against ``source`` (FFmpeg's ssim filter, frames paired in order)."""
    done = subprocess.run([FFMPEG, "-hide_banner", "-nostdin", "-i", str(result), "-i", str(source), "-lavfi",
                           f"[{stream}]format=rgb24,setpts=N[a];[1:v]format=rgb24,setpts=N[b];[a][b]ssim",
                           "-f", "null", "-"], capture_output=True, text=True, check=True)
    return float(re.search(r"All:([0-9.]+)", done.stderr).group(1))


def pillow_frames(path: Path) -> tuple[list[np.ndarray], list[int]]:
    """Every frame as RGBA and its duration in milliseconds, as Pillow reads them."""
    with Image.open(path) as image:
        frames, durations = [], []
        for frame in ImageSequence.Iterator(image):
            frames.append(np.asarray(frame.convert("RGBA")).astype(int))
            durations.append(frame.info.get("duration", 0))
    return frames, durations


def webp_loop(path: Path) -> int:
    """The ANIM chunk's loop count (0 = forever)."""
    raw = path.read_bytes()
    anim = raw.index(b"ANIM")
    return int.from_bytes(raw[anim + 8 + 4:anim + 8 + 6], "little")


def test_animated_webp_plays_the_clip(tmp_path, square):
    out = render(tmp_path, [], square, output={"path": str(tmp_path / "a.webp")})
    frames = decode_frames(out)  # FFmpeg reads animated WebP back
    source = decode_frames(square)
    assert len(frames) == 20
    assert np.abs(frames.astype(int) - source.astype(int)).mean() < 6
    plain = tmp_path / "plain.webp"  # FFmpeg's own defaults: the bound
    run_ffmpeg("-i", str(square), "-c:v", "libwebp_anim", str(plain))
    assert ssim(out, square) >= ssim(plain, square) > 0.8
    pictures, durations = pillow_frames(out)
    assert len(pictures) == 20 and sum(durations) == 2000
    assert webp_loop(out) == 0
    red = pictures[10][28, 30 + 8]  # the square at t = 1 s: x = 30
    assert red[0] > 200 and red[1] < 60 and red[3] == 255


@pytest.mark.parametrize("loop, plays", [(-1, 1), (2, 3)])
def test_webp_loop_counts(tmp_path, square, loop, plays):
    out = render(tmp_path, [{"trim": {"duration": 0.5}}], square, output={"path": str(tmp_path / "l.webp"), "loop": loop})
    assert webp_loop(out) == plays


def test_webp_quality_presets_order_the_size(tmp_path, square):
    sizes = [render(tmp_path, [], square, output={"path": str(tmp_path / f"{q}.webp"), "quality": q}).stat().st_size
             for q in ("low", "high", "best")]
    assert sizes[0] < sizes[1] < sizes[2]


def test_webp_keeps_alpha(tmp_path, keyed):
    """Read by FFmpeg: libwebp draws only the opaque square on a canvas that starts transparent, and
    leaves the file's alpha flag unset, so Pillow paints that canvas black."""
    out = render(tmp_path, [{"chroma_key": {"color": "#00ff00"}}], keyed, output={"path": str(tmp_path / "k.webp")})
    pictures = decode_frames(out, "rgba").astype(int)
    assert len(pictures) == 10
    assert pictures[5][4, 4, 3] == 0 and pictures[5][32, 36, 3] == 255 and pictures[5][32, 36, 0] > 200
    assert pictures[9][32, 4, 3] == 0 and pictures[9][32, 52, 3] == 255  # the square moved on: x = 36


avif = pytest.mark.skipif(not features.check("avif"), reason="this Pillow reads no AVIF")


def test_avif_command_defaults(square):
    plan = ffx.compile_recipe(ffx.Recipe(input=str(square), output="a.avif"))
    args = " ".join(plan.stages[-1].args)
    assert "-f avif" in args and "-c:v libsvtav1" in args and "-crf 32" in args and "-loop 0" in args
    assert "format=pix_fmts=yuv420p" in args and "alphaextract" not in args
    best = ffx.compile_recipe(ffx.Recipe(input=str(square),
                                         output={"path": "a.avif", "quality": "best", "loop": -1}))
    assert "-crf 22" in " ".join(best.stages[-1].args) and "-loop 1" in " ".join(best.stages[-1].args)


@avif
def test_animated_avif_plays_the_clip(tmp_path, square):
    out = render(tmp_path, [], square, output={"path": str(tmp_path / "a.avif")})
    pictures, durations = pillow_frames(out)
    source = decode_frames(square).astype(int)
    assert len(pictures) == 20 and sum(durations) == 2000
    assert np.abs(np.stack(pictures)[..., :3] - source).mean() < 8
    plain = tmp_path / "plain.avif"  # FFmpeg's own defaults with the same encoder: the bound
    run_ffmpeg("-i", str(square), "-c:v", "libsvtav1", "-pix_fmt", "yuv420p", str(plain))
    # stream 0 is the still picture, 1 the image sequence
    assert ssim(out, square, "0:v:1") >= ssim(plain, square, "0:v:1") - 0.01
    red = pictures[10][28, 30 + 8]
    assert red[0] > 180 and red[1] < 80


def avif_repeats(path: Path) -> bool:
    """Whether the sequence track's edit list says repeat (flags 1): how AVIF says loop forever."""
    raw = path.read_bytes()
    elst = raw.index(b"elst")
    return int.from_bytes(raw[elst + 4:elst + 8], "big") & 1 == 1


@pytest.mark.parametrize("loop, repeats", [(0, True), (-1, False)])
def test_avif_loop_flag(tmp_path, square, loop, repeats):
    out = render(tmp_path, [{"trim": {"duration": 0.5}}], square, output={"path": str(tmp_path / "l.avif"), "loop": loop})
    assert avif_repeats(out) == repeats


@avif
def test_avif_keeps_alpha(tmp_path, keyed):
    out = render(tmp_path, [{"chroma_key": {"color": "#00ff00"}}], keyed, output={"path": str(tmp_path / "k.avif")})
    pictures, _ = pillow_frames(out)
    assert len(pictures) == 10
    assert pictures[5][4, 4, 3] < 8 and pictures[5][32, 36, 3] > 247 and pictures[5][32, 36, 0] > 200
    assert pictures[9][32, 4, 3] < 8 and pictures[9][32, 52, 3] > 247


@avif
def test_avif_in_memory(tmp_path, square):
    """AVIF's index comes last, so render_bytes renders it in a private file and reads it out."""
    data = ffx.render_bytes(ffx.Recipe(input=str(square), output="x.avif"), format="avif")
    assert data[4:12] == b"ftypavis"
    (tmp_path / "m.avif").write_bytes(data)
    pictures, durations = pillow_frames(tmp_path / "m.avif")
    assert len(pictures) == 20 and sum(durations) == 2000


OUTPUT_GOLDEN = Path(__file__).parent / "golden" / "outputs"
OUTPUTS = {
    "gif": ([], {"path": "o.gif"}),
    "gif-best": ([], {"path": "o.gif", "quality": "best"}),
    "gif-alpha": ([{"chroma_key": {"color": "#00ff00"}}], {"path": "o.gif"}),
    "webp": ([], {"path": "o.webp"}),
    "webp-alpha": ([{"chroma_key": {"color": "#00ff00"}}], {"path": "o.webp", "quality": "low", "loop": -1}),
    "avif": ([], {"path": "o.avif"}),
    "avif-alpha": ([{"chroma_key": {"color": "#00ff00"}}], {"path": "o.avif", "quality": "best", "loop": 2}),
}


@pytest.mark.parametrize("name", sorted(OUTPUTS))
def test_output_commands_match_their_goldens(name, tmp_path, square, request):
    """The whole final command after the input (graph, maps, encoder options), one file per output kind."""
    steps, output = OUTPUTS[name]
    plan = ffx.compile_recipe(ffx.Recipe(input=str(square), steps=steps, output=output))
    args = list(plan.stages[-1].args)
    text = " ".join(args[args.index("-filter_complex"):]).replace(str(square), "<clip>") + "\n"
    golden = OUTPUT_GOLDEN / f"{name}.txt"
    if request.config.getoption("--update-goldens"):
        OUTPUT_GOLDEN.mkdir(exist_ok=True)
        golden.write_text(text)
    assert text == golden.read_text()


class _Bytes:
    """What webp_length reads from: a part file's size and bytes."""

    def __init__(self, data: bytes):
        self.data = data

    def size(self) -> int:
        return len(self.data)

    def read(self, offset: int, count: int) -> bytes:
        return self.data[offset:offset + count]


def test_a_webp_is_measured_from_its_own_frames_and_a_cut_one_is_not_whole(tmp_path, square):
    from ffx.run.verify import webp_length

    data = render(tmp_path, [], square, output={"path": str(tmp_path / "a.webp")}).read_bytes()
    assert webp_length(_Bytes(data)) == pytest.approx(2.0)
    assert webp_length(_Bytes(data[:-1000])) is None  # cut short: the RIFF size says more
    assert webp_length(_Bytes(b"RIFF" + (4).to_bytes(4, "little") + b"WEBP")) is None  # no frame
    gif = render(tmp_path, [], square, output={"path": str(tmp_path / "a.gif")}).read_bytes()
    assert webp_length(_Bytes(gif)) is None


def test_a_webp_ffmpeg_wrote_short_is_refused_and_not_published(tmp_path, square):
    """FFmpeg exits 0 with less than planned (a damaged input can do that): the WebP's own frames say so."""
    wrapper = faulty_ffmpeg(tmp_path / "ffmpeg-stops-early", "*-progress*", f'exec "{FFMPEG}" -t 0.5 "$@"')
    out = tmp_path / "short.webp"
    with pytest.raises(ffx.RenderError, match="short of the planned 2.00 s"):
        ffx.render(ffx.Recipe(input=str(square), output=str(out)), ffmpeg=str(wrapper))
    assert not out.exists()
