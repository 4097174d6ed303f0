"""Timed overlays: present exactly between start and end, placed, sliding in, see-through, scaled."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import ffx
from conftest import decode_frames, make_clip, run_ffmpeg


@pytest.fixture
def logo(tmp_path: Path) -> Path:
    path = tmp_path / "logo.png"
    run_ffmpeg("-f", "lavfi", "-i", "color=c=white:s=32x32", "-frames:v", "1", str(path))
    return path


def rendered(tmp_path: Path, logo: Path, **overlay) -> np.ndarray:
    recipe = ffx.Recipe(inputs={"main": {"source": "color", "size": "160x90", "duration": 2}, "logo": str(logo)},
                        steps=[{"overlay": {"with": "logo", **overlay}}],
                        output={"path": str(tmp_path / "o.mkv"), "codec": "ffv1"})
    plan = ffx.render(recipe, overwrite=True)
    frames = decode_frames(tmp_path / "o.mkv", "gray")[..., 0]
    assert plan.result.frames == len(frames) == 50
    return frames


def test_an_overlay_is_present_exactly_between_start_and_end(tmp_path, logo):
    frames = rendered(tmp_path, logo, position="top_right", start=0.5, end=1.0)
    # frames with 0.5 <= n / 25 < 1.0
    assert [i for i, f in enumerate(frames) if f.max() > 128] == list(range(13, 25))
    ys, xs = np.nonzero(frames[15] > 128)
    assert (ys.min(), ys.max(), xs.min(), xs.max()) == (10, 41, 118, 149)


def test_a_video_overlay_starts_with_its_own_first_frame(tmp_path):
    clip = make_clip(tmp_path / "clip.mkv", duration=1.0, size="64x36", audio=None)
    recipe = ffx.Recipe(inputs={"main": {"source": "color", "size": "160x90", "duration": 2}, "clip": str(clip)},
                        steps=[{"overlay": {"with": "clip", "x": 0, "y": 0, "start": 0.4}}],
                        output={"path": str(tmp_path / "o.mkv"), "codec": "ffv1"})
    ffx.render(recipe)
    frames = decode_frames(tmp_path / "o.mkv")
    source = decode_frames(clip)
    assert len(frames) == 50
    assert frames[:10, :36, :64].max() < 20  # nothing before 0.4 s
    for k in range(25):  # its frame k on the clip's frame 10 + k
        assert np.abs(frames[10 + k, :36, :64].astype(int) - source[k].astype(int)).max() <= 2
    assert frames[35:, :36, :64].max() < 20  # and gone when it ends


def test_slide_in_arrives_at_its_place(tmp_path, logo):
    frames = rendered(tmp_path, logo, position="center", start=0.4, slide="left", slide_duration=0.4)
    lefts = [int(np.nonzero(f.max(axis=0) > 128)[0].min()) if f.max() > 128 else None for f in frames]
    assert lefts[:10] == [None] * 10
    arrived = (160 - 32) // 2
    moving = [x for x in lefts[10:20] if x is not None]
    assert moving == sorted(moving) and moving[-1] < arrived  # coming in from the left, steadily
    assert all(x == arrived for x in lefts[20:])


def test_opacity_and_scale(tmp_path, logo):
    frames = rendered(tmp_path, logo, x=10, y=10, opacity=0.5, scale=0.5)
    ys, xs = np.nonzero(frames[5] > 60)
    assert (ys.min(), ys.max(), xs.min(), xs.max()) == (10, 25, 10, 25)  # 16 px: half of 32
    assert 110 < frames[5, 15, 15] < 145  # half of white over black


def test_timed_overlay_mistakes(logo):
    inputs = {"main": {"source": "color", "size": "160x90", "duration": 2}, "logo": str(logo)}
    for overlay, message in (({"start": 3}, "outside the clip"), ({"start": 1, "end": 0.5}, "end must come after"),
                             ({"position": "top", "x": 4}, "position or x, y")):
        with pytest.raises(ffx.RecipeError, match=message):
            ffx.compile_recipe(ffx.Recipe(inputs=inputs, steps=[{"overlay": {"with": "logo", **overlay}}],
                                          output="o.mp4"))
