"""pad and chroma_key: canvases and transparency, checked by pixel on generated clips."""

import subprocess

import numpy as np
import pytest

import ffx
from conftest import FFMPEG, decode_frames, render_plan, run_ffmpeg


@pytest.mark.parametrize("options, size, at", [
    ({"aspect": "9:16"}, (160, 286), (0, 98)),           # 160 wide: 284.4 rounds up to even 286, offset even
    ({"aspect": "1:1"}, (160, 160), (0, 34)),
    ({"aspect": "21:9"}, (210, 90), (24, 0)),
    ({"width": 200, "height": 100}, (200, 100), (20, 4)),
    ({"margin": 10}, (180, 110), (10, 10)),
    ({"left": 3, "top": 5, "margin": 2}, (165, 97), (3, 5)),  # odd margins: exact, through planar RGB
])
def test_pad_places_the_picture_exactly_on_an_even_canvas(tmp_path, silent_clip, options, size, at):
    source = decode_frames(silent_clip).astype(int)
    plan, out = render_plan(tmp_path, [{"pad": {**options, "color": "white"}}], silent_clip)
    frames = decode_frames(out).astype(int)
    w, h = size
    assert frames.shape[1:3] == (h, w) and plan.result.size == f"{w}x{h}"
    x, y = at
    inside = frames[:, y:y + 90, x:x + 160]
    exact = "left" not in options  # 4:2:0 throughout; the odd-margin case goes through RGB and back
    assert np.abs(inside - source).max() <= (0 if exact else 1)
    border = np.ones((h, w), bool)
    border[y:y + 90, x:x + 160] = False
    assert np.abs(frames[:, border] - 255).max() <= 1


def test_pad_with_a_blurred_background(tmp_path, silent_clip):
    source = decode_frames(silent_clip).astype(int)
    plan, out = render_plan(tmp_path, [{"pad": {"aspect": "9:16", "background": "blur", "blur": 6}}], silent_clip)
    frames = decode_frames(out).astype(int)
    assert np.array_equal(frames[:, 98:188], source)  # the picture itself, untouched
    behind = frames[:, :90]
    assert behind.std() > 5  # the borders show the picture's colours, not a flat fill
    assert np.abs(np.diff(behind, axis=2)).mean() < np.abs(np.diff(source, axis=2)).mean() / 3  # and blurred


def test_pad_needs_exactly_one_way_to_size_the_canvas(silent_clip):
    with pytest.raises(Exception, match="one of them"):
        ffx.effects.Pad(margin=4, aspect="9:16")
    with pytest.raises(ffx.RecipeError, match="does not fit in a 100x100 canvas"):
        ffx.compile_recipe(ffx.Recipe(input=str(silent_clip), steps=[{"pad": {"width": 100, "height": 100}}],
                                      output="o.mp4"))


def green_screen(path):
    """Pure green with a red box in the middle, a blue one at the left, and a gray one at the right (planar RGB, lossless)."""
    run_ffmpeg("-f", "lavfi", "-i", "color=c=0x00ff00:size=64x48:rate=25:duration=0.2",
               "-vf", "format=gbrp,drawbox=x=24:y=16:w=16:h=16:c=0xff0000:t=fill,"
                      "drawbox=x=0:y=0:w=8:h=8:c=0x0000ff:t=fill,drawbox=x=56:y=0:w=8:h=8:c=0x808080:t=fill",
               "-c:v", "ffv1", "-y", str(path))
    return path


@pytest.mark.parametrize("output", ["out.mkv", "out.png", "out.webm"])
def test_chroma_key_makes_the_key_colour_transparent_and_keeps_the_rest(tmp_path, output):
    clip = green_screen(tmp_path / "green.mkv")
    plan, out = render_plan(tmp_path, [{"chroma_key": {"color": "#00ff00", "similarity": 0.2}}], clip, output)
    assert plan.result.alpha
    if output == "out.webm":  # FFmpeg's own VP9 decoder drops the alpha plane; libvpx reads it
        raw = subprocess.run([FFMPEG, "-v", "error", "-c:v", "libvpx-vp9", "-i", str(out), "-frames:v", "1",
                              "-f", "rawvideo", "-pix_fmt", "rgba", "-"], capture_output=True, check=True).stdout
        frame = np.frombuffer(raw, np.uint8).reshape(48, 64, 4).astype(int)
    else:
        frame = decode_frames(out, "rgba")[0].astype(int)
    alpha = frame[..., 3]
    tolerance = 0 if output != "out.webm" else 8  # VP9 is lossy, its alpha too
    assert alpha[2:14, 10:20].max() <= tolerance and alpha[40:46, 2:60].max() <= tolerance  # green -> clear
    assert alpha[18:30, 26:38].min() >= 255 - tolerance  # red stays
    assert alpha[1:7, 1:7].min() >= 255 - tolerance and alpha[1:7, 57:63].min() >= 255 - tolerance  # blue, gray stay
    if output != "out.webm":
        assert np.array_equal(frame[20, 30, :3], [255, 0, 0])


def test_chroma_key_keys_black_which_a_yuv_key_cannot_tell_from_gray(tmp_path):
    clip = green_screen(tmp_path / "green.mkv")
    keyed = tmp_path / "keyed.mkv"
    run_ffmpeg("-i", str(clip), "-vf", "format=gbrp,drawbox=x=0:y=40:w=64:h=8:c=black:t=fill", "-c:v", "ffv1",
               "-y", str(keyed))
    _, out = render_plan(tmp_path, [{"chroma_key": {"color": "black", "similarity": 0.1}}], keyed)
    alpha = decode_frames(out, "rgba")[0, ..., 3].astype(int)
    assert alpha[42:46].max() == 0 and alpha[1:7, 57:63].min() == 255  # black clear, gray kept


def test_chroma_key_output_that_cannot_keep_transparency_is_refused(tmp_path):
    clip = green_screen(tmp_path / "green.mkv")
    with pytest.raises(ffx.RecipeError, match="cannot keep"):
        ffx.compile_recipe(ffx.Recipe(input=str(clip), steps=["chroma_key"], output=str(tmp_path / "o.mp4")))


def test_later_steps_keep_the_transparency(tmp_path):
    clip = green_screen(tmp_path / "green.mkv")
    steps = [{"chroma_key": {"similarity": 0.2}}, "denoise", {"color": {"brightness": 0.05}}, {"sharpen": 1},
             {"rotate": 90}, "mirror", {"pad": 4}]
    plan, out = render_plan(tmp_path, steps, clip)
    alpha = decode_frames(out, "rgba")[0, ..., 3].astype(int)
    assert alpha.shape == (72, 56) and plan.result.alpha
    assert alpha[10:20, 10:20].max() == 0 and alpha[28:40, 20:30].min() == 255  # green clear, the red box kept
