"""Loops for GIFs: cross-faded seams, a fade back to the first frame, boomerangs without a doubled frame."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import ffx
from conftest import decode_audio, decode_frames, make_clip, render

RGB = {"codec": "ffv1", "pix_fmt": "gbrp", "audio_codec": "pcm_s16le"}


@pytest.fixture
def rgb(tmp_path: Path) -> Path:
    return make_clip(tmp_path / "src.mkv", audio="sine", pix_fmt="gbrp", duration=2.0)


def weights(out: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    """How much of b is in out = (1 - w) a + w b, from the pixels where a and b differ."""
    d = (b - a).astype(float)
    mask = np.abs(d) > 20
    return float(((out - a)[mask] / d[mask]).mean())


def test_loop_crossfade_dissolves_the_end_into_the_start(tmp_path, rgb):
    src = decode_frames(rgb).astype(int)
    out = decode_frames(render(tmp_path, [{"loop_crossfade": 0.4}], rgb, output={"path": str(tmp_path / "o.mkv"), **RGB})).astype(int)
    n, m = len(src), 10
    assert len(out) == n - m
    for i in range(m):  # out[i] = (1 - i/m) src[n-m+i] + (i/m) src[i]
        assert abs(weights(out[i], src[n - m + i], src[i]) - i / m) < 0.02
    assert np.array_equal(out[m:], src[m:n - m])
    # the seam: the last frame is src[n-m-1], the first is (all of) src[n-m], its successor
    assert np.array_equal(out[-1], src[n - m - 1]) and np.array_equal(out[0], src[n - m])
    audio = decode_audio(tmp_path / "o.mkv")
    assert abs(len(audio) / 48000 - (n - m) / 25) < 0.03


def test_loop_crossfade_with_a_duration_and_its_limits(tmp_path, rgb):
    out = render(tmp_path, [{"loop_crossfade": {"fade": 0.2, "duration": 1.0}}], rgb,
                 output={"path": str(tmp_path / "d.mkv"), **RGB})
    assert len(decode_frames(out)) == 25
    with pytest.raises(ffx.RecipeError, match="at most half the clip"):
        ffx.compile_recipe(ffx.Recipe(input=str(rgb), steps=[{"loop_crossfade": 1.5}], output=str(tmp_path / "x.gif")))
    with pytest.raises(ffx.RecipeError, match="needs 3.20 s of clip"):
        ffx.compile_recipe(ffx.Recipe(input=str(rgb), steps=[{"loop_crossfade": {"fade": 0.2, "duration": 3}}],
                                      output=str(tmp_path / "x.gif")))


def test_fade_in_loop_ends_on_the_first_frame(tmp_path, rgb):
    src = decode_frames(rgb).astype(int)
    out = decode_frames(render(tmp_path, [{"fade_in_loop": 0.4}], rgb, output={"path": str(tmp_path / "f.mkv"), **RGB})).astype(int)
    n, m = len(src), 10
    assert len(out) == n
    assert np.array_equal(out[:n - m], src[:n - m])
    for i in range(m):
        assert abs(weights(out[n - m + i], src[n - m + i], src[0]) - i / m) < 0.02
    # the last frame is 90 % frame 0, and the loop restarts on frame 0 itself
    assert np.abs(out[-1] - src[0]).mean() < 0.15 * np.abs(src[-1] - src[0]).mean()


@pytest.mark.parametrize("drop_last, expected", [(False, 99), (True, 98)])
def test_boomerang_gif_has_no_doubled_frame_at_either_turn(tmp_path, drop_last, expected):
    src_path = make_clip(tmp_path / "b.mkv", audio=None, duration=2.0)
    src = decode_frames(src_path).astype(int)
    out = render(tmp_path, [{"boomerang": {"drop_last_frame": drop_last}}], src_path,
                 output={"path": str(tmp_path / "b.gif"), "fps": 25})
    frames = decode_frames(out).astype(int)
    assert len(frames) == expected
    # consecutive frames always differ (testsrc2 moves every frame), also across the loop's seam
    seam = [frames[-1] - frames[0]] if drop_last else []
    assert all(np.abs(d).max() > 30 for d in [*np.diff(frames, axis=0), *seam])
    # the turn is the source's last frame, once
    turn = int(np.argmin([np.abs(f - src[-1]).mean() for f in frames]))
    assert turn == 49


@pytest.mark.parametrize("duration, fade", [(2.0, 1.0), (1.4, 0.7), (1.12, 0.56)])
def test_loop_crossfade_of_exactly_half_the_clip(tmp_path, duration, fade):
    """MoviePy's castle montage: crossfadein(d/2), so every frame is a mix and the loop is n/2 frames."""
    src_path = make_clip(tmp_path / "half.mkv", audio="sine", pix_fmt="gbrp", duration=duration)
    src = decode_frames(src_path).astype(int)
    out = decode_frames(render(tmp_path, [{"loop_crossfade": fade}], src_path,
                               output={"path": str(tmp_path / "h.mkv"), **RGB})).astype(int)
    n = len(src)
    m = n // 2  # an odd clip's half, rounded down
    c = n - m  # where the fading tail starts
    assert len(out) == c
    for i in range(m):  # out[i] = (1 - i/m) src[c+i] + (i/m) src[i]
        assert abs(weights(out[i], src[c + i], src[i]) - i / m) < 0.02
    assert np.array_equal(out[m:], src[m:c])  # nothing for an even clip, one plain frame for an odd one
    # the seam: the first frame is src[c]; the last is mostly its predecessor src[c-1]
    assert np.array_equal(out[0], src[c])
    expected_last = src[c - 1] if c > m else (src[n - 1] + (m - 1) * src[m - 1]) / m
    assert np.abs(out[-1] - expected_last).max() <= 1
    audio = decode_audio(tmp_path / "h.mkv")
    assert abs(len(audio) / 48000 - c / 25) < 0.03


def test_loop_crossfade_beyond_half_is_refused(tmp_path, rgb):
    with pytest.raises(ffx.RecipeError, match="at most half the clip"):
        ffx.compile_recipe(ffx.Recipe(input=str(rgb), steps=[{"loop_crossfade": 1.04}], output=str(tmp_path / "x.gif")))
