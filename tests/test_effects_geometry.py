"""resize, crop, black_white, raw filters, named streams: real renders checked by pixel."""

import numpy as np
import pytest

import ffx
from conftest import FFMPEG, decode_frames, render
from ffx.media.probe import probe
from ffx.ffmpeg.binary import FfmpegBinary, ffmpeg_binary


def test_resize_factor_and_width(tmp_path, silent_clip):
    assert decode_frames(render(tmp_path, [{"resize": 0.5}], silent_clip, output="a.mkv")).shape[1:3] == (45, 80)
    assert decode_frames(render(tmp_path, [{"resize": {"width": 64}}], silent_clip, output="b.mkv")).shape[1:3] == (36, 64)
    even = render(tmp_path, [{"resize": {"height": 45, "even": True}}], silent_clip, output="c.mkv")
    assert decode_frames(even).shape[1:3] == (46, 82)


def test_crop_by_edges_keeps_exactly_those_pixels(tmp_path, silent_clip):
    source = decode_frames(silent_clip, "gray")
    frames = decode_frames(render(tmp_path, [{"crop": {"x1": 31, "y1": 10, "x2": 101, "y2": 70}}], silent_clip), "gray")
    assert np.array_equal(frames, source[:, 10:70, 31:101])


def test_crop_by_fraction_and_centre(tmp_path, silent_clip):
    source = decode_frames(silent_clip, "gray")
    half = decode_frames(render(tmp_path, [{"crop": {"x2": 0.5}}], silent_clip, output="h.mkv"), "gray")
    assert np.array_equal(half, source[:, :, :80])
    middle = decode_frames(render(tmp_path, [{"crop": {"width": 40, "height": 30}}], silent_clip, output="m.mkv"), "gray")
    assert np.array_equal(middle, source[:, 30:60, 60:100])


def test_crop_outside_the_frame_names_the_frame_size(silent_clip):
    with pytest.raises(ffx.RecipeError, match="160x90 frame"):
        ffx.compile_recipe(ffx.Recipe(input=str(silent_clip), steps=[{"crop": {"x1": 100, "x2": 200}}],
                                      output="o.mp4"))


def test_black_white_leaves_no_colour(tmp_path, silent_clip):
    frames = decode_frames(render(tmp_path, ["black_white"], silent_clip)).astype(int)
    assert np.abs(frames[..., 0] - frames[..., 1]).max() <= 2
    assert np.abs(frames[..., 1] - frames[..., 2]).max() <= 2
    assert frames.std() > 20  # the picture is still there


def test_raw_filter_applies_with_escaped_options(tmp_path, silent_clip):
    source = decode_frames(silent_clip, "gray").astype(int)
    frames = decode_frames(render(tmp_path, [{"filter": {"name": "lutyuv", "y": "negval"}}], silent_clip), "gray")
    assert np.abs(frames.astype(int) - (255 - source)).max() <= 1


@pytest.mark.parametrize("spec", [{"name": "movie", "filename": "/etc/passwd"},
                                  {"name": "drawtext", "textfile": "/etc/passwd"},
                                  {"name": "metadata", "mode": "print", "file": "PWNED"}])
def test_unsafe_raw_filters_are_refused(silent_clip, spec):
    with pytest.raises(ffx.RecipeError, match="refused"):
        ffx.compile_recipe(ffx.Recipe(input=str(silent_clip), steps=[{"filter": spec}], output="o.mp4"))


def test_a_missing_filter_is_a_capability_error(silent_clip):
    binary = ffmpeg_binary()
    crippled = FfmpegBinary(binary.path, binary.version, binary.major, binary.filters - {"hue"},
                                       binary.encoders)
    with pytest.raises(ffx.CapabilityError, match=r"hue \(for steps\[0\] \(black_white\)\)"):
        ffx.compile_recipe(ffx.Recipe(input=str(silent_clip), steps=["black_white"], output="o.mp4"), ffmpeg=crippled)


def test_named_streams_split_and_stack(tmp_path, silent_clip):
    source = decode_frames(silent_clip, "gray")
    steps = [{"split": ["orig", "work"]}, {"filter": {"name": "lutyuv", "y": "negval"}, "from": "work", "as": "neg"},
             {"hstack": ["neg"], "from": "orig"}]
    frames = decode_frames(render(tmp_path, steps, silent_clip), "gray").astype(int)
    assert frames.shape[1:3] == (90, 320)
    assert np.array_equal(frames[:, :, :160], source)
    assert np.abs(frames[:, :, 160:] - (255 - source.astype(int))).max() <= 1


def test_blend_of_a_stream_with_itself_in_average_mode_is_the_stream(tmp_path, silent_clip):
    source = decode_frames(silent_clip)
    steps = [{"split": ["a"]}, {"blend": {"with": "a", "all_mode": "average"}}]
    assert np.array_equal(decode_frames(render(tmp_path, steps, silent_clip)), source)


def test_blend_of_different_sizes_is_a_clear_error(silent_clip):
    steps = [{"resize": 0.5, "as": "small"}, {"blend": {"with": "small"}, "from": "input"}]
    with pytest.raises(ffx.RecipeError, match="equal frame sizes, got 160x90 and 80x45"):
        ffx.compile_recipe(ffx.Recipe(input=str(silent_clip), steps=steps, output="o.mp4"))


def test_gif_output_is_palette_limited(tmp_path, silent_clip):
    out = render(tmp_path, [{"fps": 10}], silent_clip, output={"path": str(tmp_path / "o.gif"), "colors": 16})
    frames = decode_frames(out)
    assert len(frames) == 20
    assert len(np.unique(frames.reshape(-1, 3), axis=0)) <= 16


def test_odd_sizes_are_made_even_for_yuv420p_encoders(tmp_path, silent_clip):
    out = render(tmp_path, [{"crop": {"x1": 0, "x2": 101, "y2": 51}}], silent_clip, output="odd.mp4")
    info = probe(str(out), FFMPEG)
    assert (info.width, info.height) == (100, 50)
