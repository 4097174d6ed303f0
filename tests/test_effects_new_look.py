"""mirror, rotate, color, blur, sharpen, denoise: real renders of generated clips, checked by pixel."""

import math
import subprocess

import numpy as np
import pytest

import ffx
from conftest import FFMPEG, decode_frames, make_clip, render_plan, run_ffmpeg
from ffx.effects.rotate import expanded_size


def solid(path, color, size="160x90", pix_fmt="yuv420p"):
    """A short lossless clip of one colour."""
    run_ffmpeg("-f", "lavfi", "-i", f"color=c={color}:size={size}:rate=25:duration=0.2", "-c:v", "ffv1",
               "-pix_fmt", pix_fmt, "-y", str(path))
    return path


def gray(path):
    return decode_frames(path, "gray")[..., 0].astype(int)


def laplacian_energy(frames):
    f = frames.astype(float)
    lap = 4 * f[:, 1:-1, 1:-1] - f[:, :-2, 1:-1] - f[:, 2:, 1:-1] - f[:, 1:-1, :-2] - f[:, 1:-1, 2:]
    return float(np.mean(lap ** 2))


@pytest.mark.parametrize("flips, expected", [({}, lambda f: f[:, :, ::-1]), ({"x": False, "y": True}, lambda f: f[:, ::-1]),
                                             ({"y": True}, lambda f: f[:, ::-1, ::-1])])
def test_mirror_flips_pixels_exactly(tmp_path, silent_clip, flips, expected):
    source = decode_frames(silent_clip)
    _, out = render_plan(tmp_path, [{"mirror": flips} if flips else "mirror"], silent_clip)
    assert np.array_equal(decode_frames(out), expected(source))


def test_mirror_of_nothing_is_refused():
    with pytest.raises(Exception, match="mirror nothing"):
        ffx.effects.Mirror(x=False)


@pytest.mark.parametrize("angle, turns", [(90, 1), (180, 2), (270, 3), (-90, 3), (450, 1)])
def test_quarter_turns_are_exact_counterclockwise(tmp_path, silent_clip, angle, turns):
    source = decode_frames(silent_clip)
    plan, out = render_plan(tmp_path, [{"rotate": angle}], silent_clip)
    assert np.array_equal(decode_frames(out), np.rot90(source, turns, axes=(1, 2)))
    assert plan.result.size == ("160x90" if turns == 2 else "90x160")


def test_any_angle_fills_the_corners_and_expands_to_even_sides(tmp_path):
    white = solid(tmp_path / "white.mkv", "white", "100x100")
    plan, out = render_plan(tmp_path, [{"rotate": {"angle": 45, "fill": "red"}}], white)
    frame = decode_frames(out)[0].astype(int)
    assert plan.result.size == "142x142" == f"{frame.shape[1]}x{frame.shape[0]}"
    assert np.abs(frame[71, 71] - [255, 255, 255]).max() <= 2  # the centre is the picture
    assert np.abs(frame[2, 2] - [255, 0, 0]).max() <= 30  # a corner is the fill (4:2:0 chroma is coarse)
    assert np.abs(frame[3, 71] - [255, 255, 255]).max() <= 30  # the diamond's tip reaches the top edge
    _, kept = render_plan(tmp_path, [{"rotate": {"angle": 30, "expand": False}}], white, "kept.mkv")
    assert decode_frames(kept).shape[1:3] == (100, 100)


def test_a_transparent_fill_leaves_the_corners_clear(tmp_path):
    white = solid(tmp_path / "white.mkv", "white", "100x100")
    plan, out = render_plan(tmp_path, [{"rotate": {"angle": 45, "fill": "black@0"}}], white, "clear.png")
    assert plan.result.alpha
    frame = decode_frames(out, "rgba")[0].astype(int)
    assert frame[2, 2, 3] == 0 and frame[71, 71, 3] == 255 and np.abs(frame[71, 71, :3] - 255).max() <= 1
    with pytest.raises(ffx.RecipeError, match="cannot keep"):
        ffx.compile_recipe(ffx.Recipe(input=str(white), steps=[{"rotate": {"angle": 45, "fill": "black@0"}}],
                                      output=str(tmp_path / "o.mp4")))


def test_expanded_size_holds_the_rotated_corners():
    for w, h, angle in [(640, 360, 10), (160, 90, -30), (101, 37, 123)]:
        ow, oh = expanded_size(w, h, angle)
        a = math.radians(angle)
        assert ow % 2 == oh % 2 == 0
        assert ow >= abs(w * math.cos(a)) + abs(h * math.sin(a)) - 1e-6
        assert ow - (abs(w * math.cos(a)) + abs(h * math.sin(a))) < 2


def test_rotation_metadata_is_honoured_and_the_step_turns_what_players_show(tmp_path):
    upright = tmp_path / "plain.mp4"
    run_ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25:duration=0.4", "-c:v", "libx264", "-qp", "0",
               "-pix_fmt", "yuv420p", "-y", str(upright))
    phone = tmp_path / "phone.mp4"  # a display matrix, as phones write: play turned 90 degrees counterclockwise
    run_ffmpeg("-display_rotation", "90", "-i", str(upright), "-c", "copy", "-y", str(phone))
    shown = decode_frames(phone)
    assert shown.shape[1:3] == (160, 90)
    assert np.array_equal(shown, np.rot90(decode_frames(upright), 1, axes=(1, 2)))
    plan, out = render_plan(tmp_path, [{"rotate": -90}], phone)
    assert plan.result.size == "160x90"
    assert np.array_equal(decode_frames(out), decode_frames(upright))
    report = subprocess.run([FFMPEG, "-hide_banner", "-i", str(out)], capture_output=True, text=True).stderr
    assert "rotation of" not in report  # the output is upright as stored: no second turn in players


def test_color_brightness_contrast_and_invert(tmp_path, silent_clip):
    source = gray(silent_clip)
    _, bright = render_plan(tmp_path, [{"color": {"brightness": 0.1}}], silent_clip, "b.mkv")
    lifted = gray(bright) - source
    middle = (source > 40) & (source < 200)
    # eq adds 0.1 of 255 to the limited-range luma (16-235), which decodes to full range as x 255/219
    assert abs(np.median(lifted[middle]) - 25.5 * 255 / 219) <= 1.5
    _, flat = render_plan(tmp_path, [{"color": {"contrast": 0}}], silent_clip, "c.mkv")
    assert np.ptp(gray(flat)) <= 2
    _, negative = render_plan(tmp_path, [{"color": {"invert": True}}], silent_clip, "n.mkv")
    # negate inverts Y, U and V; saturated test colours round differently through 4:2:0 by a few levels
    inverted = 255 - decode_frames(silent_clip).astype(int)
    assert np.abs(decode_frames(negative).astype(int) - inverted).max() <= 5


def test_color_saturation_and_hue(tmp_path):
    red = solid(tmp_path / "red.mkv", "red", pix_fmt="yuv444p")
    _, gray_out = render_plan(tmp_path, [{"color": {"saturation": 0}}], red, "s.mkv")
    pixel = decode_frames(gray_out)[0, 40, 80].astype(int)
    assert np.ptp(pixel) <= 4  # eq rounds chroma to 128 +-1
    _, turned = render_plan(tmp_path, [{"color": {"hue": 180}}], red, "h.mkv")
    r, g, b = decode_frames(turned)[0, 40, 80].astype(int)
    assert g > r + 100 and b > r + 100  # red turned half way round the wheel is cyan


def test_color_at_neutral_values_adds_no_filter(silent_clip):
    plan = ffx.compile_recipe(ffx.Recipe(input=str(silent_clip), steps=[{"color": {}}], output="o.mp4"))
    assert "eq=" not in plan.shell() and "negate" not in plan.shell()


def test_blur_whole_frame_and_region(tmp_path, silent_clip):
    source = gray(silent_clip)
    _, whole = render_plan(tmp_path, [{"blur": 3}], silent_clip, "w.mkv")
    assert laplacian_energy(gray(whole)) < laplacian_energy(source) / 5
    _, part = render_plan(tmp_path, [{"blur": {"sigma": 4, "region": {"x1": 41, "y1": 21, "x2": 121, "y2": 61}}}],
                          silent_clip, "r.mkv")
    rgb_source, rgb_out = decode_frames(silent_clip).astype(int), decode_frames(part).astype(int)
    outside = np.ones(rgb_source.shape[1:3], bool)
    outside[21:61, 41:121] = False
    assert np.abs(rgb_out[:, outside] - rgb_source[:, outside]).max() <= 1  # via planar RGB: within rounding
    inside = gray(part)[:, 23:59, 43:119]
    assert laplacian_energy(inside) < laplacian_energy(source[:, 23:59, 43:119]) / 5


def test_blur_region_outside_the_frame_names_the_field(silent_clip):
    with pytest.raises(ffx.RecipeError, match=r"region\.x2.*160x90 frame"):
        ffx.compile_recipe(ffx.Recipe(input=str(silent_clip), steps=[{"blur": {"region": {"x1": 100, "x2": 200}}}],
                                      output="o.mp4"))


def test_sharpen_raises_edge_contrast_and_leaves_flat_areas(tmp_path, silent_clip):
    source = gray(silent_clip)
    _, out = render_plan(tmp_path, [{"sharpen": {"amount": 1.5}}], silent_clip)
    assert laplacian_energy(gray(out)) > 1.5 * laplacian_energy(source)
    flat = solid(tmp_path / "flat.mkv", "gray")
    _, flat_out = render_plan(tmp_path, ["sharpen"], flat, "f.mkv")
    assert np.array_equal(gray(flat_out), gray(flat))
    with pytest.raises(Exception, match="odd"):
        ffx.effects.Sharpen(size=4)


def psnr(a, b):
    return 10 * math.log10(255 ** 2 / np.mean((a.astype(float) - b.astype(float)) ** 2))


def test_denoise_brings_a_noisy_clip_closer_to_the_clean_one(tmp_path):
    clean = make_clip(tmp_path / "clean.mkv", source="testsrc2", duration=0.6, audio=None)
    noisy = tmp_path / "noisy.mkv"
    run_ffmpeg("-i", str(clean), "-vf", "noise=alls=8:allf=t", "-c:v", "ffv1", "-y", str(noisy))
    before = psnr(gray(noisy), gray(clean))  # measured: 34.3 dB; light 34.7, medium 36.5, strong 39.9
    scores = {}
    for strength in ("light", "medium", "strong"):
        _, out = render_plan(tmp_path, [{"denoise": strength}], noisy, f"{strength}.mkv")
        scores[strength] = psnr(gray(out), gray(clean))
    assert before < scores["light"] < scores["medium"] - 1 < scores["strong"] - 2
