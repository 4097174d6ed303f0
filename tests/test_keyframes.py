"""Keyframes: parameters that move, measured in the rendered pixels and samples, not in the graph's text."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import decode_audio, decode_frames, run_ffmpeg

import ffx
from ffx.effects.keyframes import Keyframes, eased

RATE = 25


@pytest.fixture
def box(tmp_path: Path) -> Path:
    """A white 32x32 picture, laid over black."""
    path = tmp_path / "box.png"
    run_ffmpeg("-f", "lavfi", "-i", "color=c=white:s=32x32", "-frames:v", "1", str(path))
    return path


def render_gray(tmp_path: Path, steps: list, inputs: dict | None = None, source: dict | None = None) -> np.ndarray:
    """The steps over a black 320x90 clip of 3 s (or ``source``), decoded to gray (frames, rows, columns)."""
    main = source or {"source": "color", "color": "black", "size": "320x90", "rate": RATE, "duration": 3}
    out = tmp_path / "o.mkv"
    recipe = ffx.Recipe(inputs={"main": main, **(inputs or {})}, steps=steps,
                        output={"path": str(out), "codec": "ffv1", "pix_fmt": "yuv444p"})
    ffx.render(recipe, overwrite=True)
    return decode_frames(out, "gray")[..., 0].astype(int)


def left_edge(frame: np.ndarray) -> int:
    """The first column holding white."""
    return int(np.nonzero(frame.max(axis=0) > 128)[0].min())


def expected(keys: dict, t: float) -> float:
    return Keyframes.parse(keys).value_at(t)


def test_an_overlay_follows_its_keyframes_linear_and_eased(tmp_path, box):
    linear = {0: 0, 2: 200}
    frames = render_gray(tmp_path, [{"overlay": {"with": "box", "x": linear, "y": 20}}], {"box": str(box)})
    assert left_edge(frames[0]) == 0
    assert abs(left_edge(frames[RATE]) - 100) <= 1  # 1 s: half way
    assert abs(left_edge(frames[RATE // 2]) - 50) <= 2  # 0.5 s
    assert left_edge(frames[2 * RATE]) == 200 and left_edge(frames[-1]) == 200  # arrived, and stays
    smooth = {**linear, "ease": "in_out"}
    eased_frames = render_gray(tmp_path, [{"overlay": {"with": "box", "x": smooth, "y": 20}}], {"box": str(box)})
    for k in (RATE // 2, RATE, RATE + RATE // 2):
        t = k / RATE
        want = 200 * eased("in_out", t / 2)
        assert want == expected(smooth, t)
        assert abs(left_edge(eased_frames[k]) - want) <= 2, (k, left_edge(eased_frames[k]), want)
    # visibly not linear: a quarter of the way in, in_out is 19 px behind
    assert left_edge(frames[RATE // 2]) - left_edge(eased_frames[RATE // 2]) >= 15


def test_keyframe_mistakes_are_one_line_naming_the_field(box):
    inputs = {"main": {"source": "color", "size": "160x90", "duration": 2}, "box": str(box)}
    for x, message in (({0: 0, 1: 20000}, "at most 16384"), ({}, "at least one"), ({"0:01": 1, 1: 2}, "same time"),
                       ({-1: 0}, "outside 0"), ({0: 1, "ease": "bouncy"}, "ease 'bouncy'"),
                       ({0: "left"}, "not a number"), ({i: i for i in range(1002)}, "more than 1000")):
        with pytest.raises(ffx.RecipeError, match=message) as caught:
            ffx.Recipe(inputs=inputs, steps=[{"overlay": {"with": "box", "x": x}}], output="o.mp4")
        assert str(caught.value).count("\n") == 0 and "steps[0].overlay.x" in str(caught.value)


def bar_clip(tmp_path: Path, x: int = 200, duration: float = 3) -> Path:
    """Black 320x90, 25 fps, with a white bar 10 px wide whose left edge is at ``x``."""
    path = tmp_path / "bar.mkv"
    run_ffmpeg("-f", "lavfi", "-i", f"color=black:s=320x90:r={RATE}:d={duration}",
               "-vf", f"drawbox=x={x}:y=0:w=10:h=90:c=white:t=fill", "-c:v", "ffv1", "-pix_fmt", "yuv444p", str(path))
    return path


def test_crop_pans_along_its_keyframes(tmp_path):
    frames = render_gray(tmp_path, [{"crop": {"x1": {0: 0, 2: 160}, "width": 160}}],
                         source={"path": str(bar_clip(tmp_path))})
    assert frames.shape[1:] == (90, 160)
    assert frames[0].max() < 30  # the window is 0..160: the bar at 200 is outside it
    assert left_edge(frames[RATE]) == 200 - 80  # 1 s: the window starts at 80
    assert left_edge(frames[2 * RATE]) == left_edge(frames[-1]) == 200 - 160


def test_crop_size_cannot_move():
    for crop, message in (({"x1": 0, "width": {0: 100, 1: 50}}, "crop.width: this parameter cannot move: the crop's size"),
                          ({"x1": {0: 0, 1: 50}, "x2": 300}, "x1 moves, so give width too")):
        with pytest.raises(ffx.RecipeError, match=message):
            ffx.compile_recipe(ffx.Recipe(input={"source": "color", "size": "320x90", "duration": 1},
                                          steps=[{"crop": crop}], output="o.mp4"))


def rms_db(samples: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(samples.astype(float) ** 2))))


def test_volume_follows_its_keyframes_within_half_a_decibel(tmp_path):
    keys = {0: 1, 1: 1, 2: "-20dB", "ease": "in_out"}
    out = tmp_path / "o.mkv"
    recipe = ffx.Recipe(inputs={"main": {"source": "color", "size": "64x36", "rate": RATE, "duration": 3},
                                "tone": {"source": "sine", "frequency": 1000, "duration": 3}},
                        steps=[{"audio": {"track": "tone", "volume": keys}}],
                        output={"path": str(out), "codec": "ffv1", "audio_codec": "pcm_s16le"})
    ffx.render(recipe)
    sound = decode_audio(out)
    reference = rms_db(sound[int(0.2 * 48000):int(0.8 * 48000)])  # gain 1 until 1 s
    curve = ffx.effects.Audio(track="tone", volume=keys).volume  # -20 dB read as the factor 0.1
    assert curve.value_at(2.5) == pytest.approx(0.1)
    for t in np.arange(1.05, 2.9, 0.1):  # windows of 20 ms, in the fall and after it
        window = sound[int((t - 0.01) * 48000):int((t + 0.01) * 48000)]
        want = reference + 20 * np.log10(curve.value_at(t))
        assert abs(rms_db(window) - want) < 0.5, (t, rms_db(window), want)
