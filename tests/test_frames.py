"""ffx.frames: a recipe's frames as numpy arrays with their times, one at a time, FFmpeg stopped on exit."""

from __future__ import annotations

import gc
import os
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

import ffx
from conftest import decode_frames, ffmpeg_children, make_clip, render


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    return make_clip(tmp_path / "src.mkv", audio="sine", pix_fmt="gbrp", duration=1.0)  # 25 frames


def test_frames_of_a_file_are_its_pixels_and_times(clip):
    got = list(ffx.frames(clip))
    expected = decode_frames(clip)
    assert len(got) == 25
    assert np.array_equal(np.stack([f.image for f in got]), expected)
    assert [f.time for f in got] == pytest.approx([i / 25 for i in range(25)], abs=1e-3)
    time_, image = got[3]
    assert image.shape == (90, 160, 3) and image.dtype == np.uint8 and time_ == pytest.approx(0.12, abs=1e-3)


def test_bgr_frames_are_opencv_order(clip):
    rgb = next(iter(ffx.frames(clip))).image
    bgr = next(iter(ffx.frames(clip, bgr=True))).image
    assert np.array_equal(bgr, rgb[:, :, ::-1])


def test_the_recipes_steps_run_in_ffmpeg(tmp_path, clip):
    steps = [{"trim": {"start": 0.2, "end": 0.8}}, {"resize": {"width": 80}}, {"black_white": "average"}]
    got = list(ffx.frames(clip, steps=steps))
    rendered = decode_frames(render(tmp_path, steps, clip, output={"path": str(tmp_path / "r.mkv"), "codec": "ffv1",
                                                                   "pix_fmt": "gbrp"}))
    assert np.array_equal(np.stack([f.image for f in got]), rendered)
    assert [f.time for f in got] == pytest.approx([i / 25 for i in range(15)], abs=1e-3)  # the output's clock
    recipe = ffx.Recipe(input=str(clip), steps=[{"fps": 10}], output="never-written.mp4")
    assert [round(f.time, 3) for f in ffx.frames(recipe)] == [i / 10 for i in range(10)]
    assert not Path("never-written.mp4").exists()


def test_a_recipe_file(tmp_path, clip):
    path = tmp_path / "r.yaml"
    path.write_text(f"input: {clip}\nsteps:\n  - trim: {{end: 0.2}}\noutput: out.mp4\n")
    assert len(list(ffx.frames(path))) == 5


def test_variable_rate_frames_keep_their_own_times(clip):
    """Frames alternately early and late, as phones record them: each keeps its time, nothing is duplicated
    or dropped to a constant rate."""
    jitter = {"filter": {"name": "setpts", "expr": "(N+0.3*mod(N,2))/(25*TB)"}}
    got = list(ffx.frames(clip, steps=[jitter]))
    assert len(got) == 25
    assert [f.time for f in got] == pytest.approx([(n + 0.3 * (n % 2)) / 25 for n in range(25)], abs=1.5e-3)  # 1 ms time base
    assert np.array_equal(np.stack([f.image for f in got]), decode_frames(clip))


def test_memory_stays_at_a_few_frames(tmp_path):
    src = make_clip(tmp_path / "long.mkv", audio=None, duration=8.0, size="160x90")  # 200 frames of 43 kB
    tracemalloc.start()
    try:
        count = 0
        for _, image in ffx.frames(src):
            count += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 200
    assert peak < 6 * 160 * 90 * 3  # all frames would be 200 of them


@pytest.mark.parametrize("how", ["break", "close", "drop"])
def test_stopping_early_stops_ffmpeg(tmp_path, how):
    src = make_clip(tmp_path / "long.mkv", audio=None, duration=20.0, size="160x90")
    frames = ffx.frames(src)
    first = next(frames)
    assert first.time == 0
    assert ffmpeg_children(tmp_path) != []  # FFmpeg is waiting for us to read on
    if how == "break":
        for _ in frames:
            break
        frames.close()
    elif how == "close":
        frames.close()
    else:
        del frames
        gc.collect()
    deadline = time.monotonic() + 10
    while ffmpeg_children(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ffmpeg_children(tmp_path) == []


def test_errors_come_before_ffmpeg_starts(tmp_path, clip):
    with pytest.raises(ffx.RecipeError, match="trim"):
        ffx.frames(clip, steps=[{"trim": {"start": 5}}])
    with pytest.raises(ffx.InputError):
        ffx.frames(tmp_path / "missing.mp4")
    with pytest.raises(TypeError, match="steps go with a media file"):
        ffx.frames(ffx.Recipe(input=str(clip)), steps=["reverse"])
    assert ffmpeg_children(tmp_path) == []


def test_a_recipe_of_several_commands_is_read_from_a_private_file(tmp_path, clip):
    """A numpy slit-scan stage runs as piped commands: its picture still comes, and nothing is left behind."""
    import tempfile

    before = set(os.listdir(tempfile.gettempdir()))
    scan = list(ffx.frames(clip, steps=[{"slitscan": {"engine": "numpy", "position": 40}}]))
    assert len(scan) == 1 and scan[0].image.shape == (90, 25, 3)
    assert np.array_equal(scan[0].image, decode_frames(clip)[:, :, 40].transpose(1, 0, 2))
    assert {name for name in set(os.listdir(tempfile.gettempdir())) - before if name.startswith("ffx-frames-")} == set()
    assert ffmpeg_children(tmp_path) == []
