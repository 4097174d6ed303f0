"""GIF and WebP outputs: palette sizes per preset, per-frame palettes, loop counts."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

import ffx
from conftest import FFMPEG, decode_frames, render, run_ffmpeg


def colours(frames: np.ndarray) -> int:
    return len(np.unique(frames.reshape(-1, 3), axis=0))


@pytest.mark.parametrize("quality, limit", [("low", 64), ("medium", 128), ("high", 256)])
def test_quality_presets_bound_the_palette(tmp_path, silent_clip, quality, limit):
    out = render(tmp_path, [{"fps": 10}], silent_clip, output={"path": str(tmp_path / "q.gif"), "quality": quality})
    frames = decode_frames(out)
    assert len(frames) == 20 and colours(frames) <= limit


def test_explicit_colours_win_over_the_preset(tmp_path, silent_clip):
    out = render(tmp_path, [{"fps": 10}], silent_clip,
                 output={"path": str(tmp_path / "c.gif"), "quality": "best", "colors": 8})
    assert max(colours(f) for f in decode_frames(out)) <= 8


def test_best_quality_gives_each_frame_its_own_palette(tmp_path, silent_clip):
    out = render(tmp_path, [{"fps": 10}], silent_clip,
                 output={"path": str(tmp_path / "b.gif"), "quality": "best", "colors": 16})
    frames = decode_frames(out)
    assert all(colours(f) <= 16 for f in frames)
    assert colours(frames) > 16  # different frames chose different colours
    raw = (tmp_path / "b.gif").read_bytes()
    assert raw.count(b"\x2c") >= len(frames)  # an image descriptor per frame (with its local colour table)


def test_a_sampled_palette_is_as_close_to_the_source(tmp_path, silent_clip):
    """The default palette counts a quarter of the pixels: a different palette, as close to the source."""
    sampled = decode_frames(render(tmp_path, [{"fps": 10}], silent_clip,
                                   output={"path": str(tmp_path / "s.gif"), "colors": 16}))
    full = decode_frames(render(tmp_path, [{"fps": 10}], silent_clip,
                                output={"path": str(tmp_path / "f.gif"), "colors": 16, "palette_step": 1}))
    source = decode_frames(render(tmp_path, [{"fps": 10}], silent_clip,
                                  output={"path": str(tmp_path / "ref.mkv"), "codec": "ffv1", "pix_fmt": "rgb24"}))
    assert colours(sampled) <= 16 and colours(full) <= 16
    assert not np.array_equal(sampled, full)  # the sample really is a different count
    error = [np.abs(gif.astype(int) - source.astype(int)).mean() for gif in (sampled, full)]
    assert error[0] < error[1] * 1.2


@pytest.mark.parametrize("loop, netscape", [(0, b"\x01\x00\x00"), (3, b"\x01\x03\x00"), (-1, None)])
def test_gif_loop_count_is_written(tmp_path, silent_clip, loop, netscape):
    out = render(tmp_path, [{"fps": 10}], silent_clip, output={"path": str(tmp_path / "l.gif"), "loop": loop})
    raw = out.read_bytes()
    if netscape is None:
        assert b"NETSCAPE2.0" not in raw
    else:
        assert raw[raw.index(b"NETSCAPE2.0") + 12:][:3] == netscape


def test_animated_webp(tmp_path, silent_clip):
    out = render(tmp_path, [{"fps": 10}], silent_clip, output={"path": str(tmp_path / "a.webp")})
    raw = out.read_bytes()
    assert raw[:4] == b"RIFF" and raw[8:12] == b"WEBP" and b"ANIM" in raw and raw.count(b"ANMF") == 20


def test_a_palette_per_frame_keeps_the_still_part_right(tmp_path):
    """With a new palette each frame, only re-encoding the changed rectangle would leave the still part
    holding indices into the previous frame's palette: wrong colours where nothing moved."""
    from conftest import run_ffmpeg

    src = tmp_path / "half.mkv"
    run_ffmpeg("-f", "lavfi", "-i", "color=s=64x32:r=10:d=1,format=rgb24,"
               "geq=r='if(lt(X,32),X*8,mod(N*70,256))':g='if(lt(X,32),X*8,mod(N*40+Y*4,256))':"
               "b='if(lt(X,32),X*8,mod(255-N*25,256))'", "-c:v", "ffv1", "-pix_fmt", "rgb24", "-y", str(src))
    out = render(tmp_path, [], src, output={"path": str(tmp_path / "b.gif"), "quality": "best"})
    gif, source = decode_frames(out).astype(int), decode_frames(src).astype(int)
    assert len(gif) == len(source) == 10
    assert np.abs(gif[:, :, :32] - source[:, :, :32]).max() <= 8  # the still half, on every frame


@pytest.mark.parametrize("output", [{"path": "o.gif", "palette_step": 1, "quality": "high"}, {"path": "o.png"},
                                   {"path": "o.mkv", "codec": "ffv1", "pix_fmt": "rgb24"}])
def test_rgb_outputs_keep_fine_colour_detail_through_a_resize(tmp_path, output):
    """Red and blue stripes 5 px wide in 4:2:0 video, halved: the RGB written must be FFmpeg's planar RGB
    conversion, which interpolates chroma. Converting to packed RGB while scaling averages the stripes'
    colours away (mean error 59 on this picture)."""
    src = tmp_path / "stripes.mkv"
    run_ffmpeg("-f", "lavfi", "-i", "color=black:size=640x480:rate=10:duration=0.5", "-vf",
               "format=gbrp,geq=r='255*lt(mod(X,10),5)':g='40*lt(Y,120)':b='255*gte(mod(X,10),5)',format=yuv420p",
               "-c:v", "libx264", "-qp", "0", str(src))
    planar, packed = (tmp_path / "planar.mkv", tmp_path / "packed.mkv")
    for path, fmt in ((planar, "gbrp"), (packed, "rgb24")):
        run_ffmpeg("-i", str(src), "-filter_complex", f"[0:v]scale=320:240:flags=lanczos,format={fmt}",
                   "-c:v", "ffv1", str(path))
    planar_frames, packed_frames = decode_frames(planar).astype(int), decode_frames(packed).astype(int)
    assert np.abs(planar_frames - packed_frames).mean() > 20  # the two conversions really differ here
    out = render(tmp_path, [{"resize": {"width": 320}}], src, output={**output, "path": str(tmp_path / output["path"])})
    got = decode_frames(out).astype(int)
    assert np.abs(got[0] - planar_frames[0]).max() <= 1


def test_unchanged_pixels_are_sent_transparent(tmp_path):
    """A full 256-colour palette leaves the encoder no spare entry to mark unchanged pixels with, unless one is
    reserved: on a still, many-coloured scene with two small moving boxes far apart (so the changed rectangle
    is the whole frame) the GIF is much smaller, and decodes to the same picture."""
    src = tmp_path / "still.mkv"
    boxes = "between(Y,mod(N*3,56),mod(N*3,56)+7)*(lt(X,8)+gt(X,119))"
    run_ffmpeg("-f", "lavfi", "-i", "color=s=128x64:r=10:d=2,format=rgb24,"
               f"geq=r='if({boxes},255,mod(X*37+Y*11,256))':g='if({boxes},0,mod(X*X+Y*53,256))':"
               f"b='if({boxes},0,mod(X*Y*7,256))'", "-c:v", "ffv1", "-pix_fmt", "rgb24", "-y", str(src))
    out = render(tmp_path, [], src, output={"path": str(tmp_path / "now.gif")})
    plan = ffx.compile_recipe(ffx.Recipe(input=str(src), output=str(tmp_path / "before.gif")))
    argv = plan.stages[-1].argv(FFMPEG)
    graph = argv.index("-filter_complex") + 1
    assert "palettegen[" in argv[graph]  # FFmpeg's default: a transparent slot reserved
    argv[graph] = argv[graph].replace("palettegen[", "palettegen=reserve_transparent=0[")  # as it was
    subprocess.run(argv, check=True, capture_output=True)
    now, before, source = (decode_frames(p).astype(int) for p in (out, tmp_path / "before.gif", src))
    assert len(now) == len(before) == 20
    assert out.stat().st_size < 0.75 * (tmp_path / "before.gif").stat().st_size
    assert np.abs(now - before).mean() < 1.0  # one colour fewer in the palette: the same picture
    assert np.abs(now - source).mean() < np.abs(before - source).mean() + 0.5


def _ssim(result, source) -> float:
    """Mean SSIM of ``result`` against ``source``, frames paired in order (FFmpeg's ssim filter)."""
    import re

    done = subprocess.run([FFMPEG, "-hide_banner", "-nostdin", "-i", str(result), "-i", str(source), "-lavfi",
                           "[0:v]format=rgb24,setpts=N[a];[1:v]format=rgb24,setpts=N[b];[a][b]ssim",
                           "-f", "null", "-"], capture_output=True, text=True, check=True)
    return float(re.search(r"All:([0-9.]+)", done.stderr).group(1))


@pytest.fixture
def moving_square(tmp_path):
    """2 s at 10 fps: still colour bars and a red square moving across them."""
    src = tmp_path / "square.mkv"
    run_ffmpeg("-f", "lavfi", "-i", "smptebars=s=96x64:r=10:d=2[bg];color=c=red:s=16x16:r=10[sq];"
               "[bg][sq]overlay=x='t*30':y=20:shortest=1,format=rgb24", "-c:v", "ffv1", "-y", str(src))
    return src


@pytest.mark.parametrize("options", [{}, {"colors": 96}, {"quality": "best"}])
def test_gif_beats_ffmpegs_own_palette_command(tmp_path, moving_square, options):
    """Against FFmpeg's hand-written palettegen/paletteuse at its defaults (dithered, no transparent
    rectangle updates) on the same frames: no larger, and at least as close to the source (SSIM).
    A palette per frame (best) pays for its fidelity in size, so only its SSIM is held to the bound."""
    out = render(tmp_path, [], moving_square, output={"path": str(tmp_path / "ffx.gif"), **options})
    plain = tmp_path / "plain.gif"
    run_ffmpeg("-i", str(moving_square), "-vf", "split[a][b];[a]palettegen[p];[b][p]paletteuse", str(plain))
    assert len(decode_frames(out)) == 20
    if options.get("quality") != "best":
        assert out.stat().st_size <= plain.stat().st_size
    assert _ssim(out, moving_square) >= _ssim(plain, moving_square) > 0.8


def test_alpha_gif_keeps_transparency(tmp_path):
    """A red square moving on green, keyed: the green is transparent in every frame, the square opaque."""
    src = tmp_path / "green.mkv"
    run_ffmpeg("-f", "lavfi", "-i", "color=c=0x00ff00:s=96x64:r=10:d=1[bg];color=c=red:s=32x32:r=10[sq];"
               "[bg][sq]overlay=x='t*40':y=16:shortest=1,format=rgb24", "-c:v", "ffv1", "-y", str(src))
    out = render(tmp_path, [{"chroma_key": {"color": "#00ff00"}}], src, output={"path": str(tmp_path / "k.gif")})
    frames = decode_frames(out, "rgba").astype(int)
    assert len(frames) == 10
    for n, frame in enumerate(frames):
        x = 4 * n  # the square's left edge
        assert frame[4, 4 if x > 8 else 90, 3] == 0 and frame[32, x + 16, 3] == 255 and frame[32, x + 16, 0] > 200
