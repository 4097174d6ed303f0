"""slitscan against numpy references built from the decoded frames."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import ffx
from conftest import decode_frames, make_clip, run_ffmpeg


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    return make_clip(tmp_path / "src.mkv", size="160x90", duration=2.0, audio=None)  # 50 frames, yuv420p


def image(tmp_path: Path, src: Path, **options) -> np.ndarray:
    recipe = ffx.Recipe(input=str(src), steps=[{"slitscan": options}], output=str(tmp_path / "scan.png"))
    return decode_frames(ffx.render(recipe, overwrite=True).stages[0].output_path)[0].astype(int)


@pytest.mark.parametrize("options", [{}, {"position": 33, "width": 3, "samples": 17}, {"position": 0.0},
                                     {"axis": "row", "position": 0.25, "width": 2, "samples": 45}])
def test_image_is_the_slits_of_evenly_spread_frames(tmp_path, clip, options):
    frames = decode_frames(clip).astype(int)
    # 160 columns, 50 frames: every frame once
    expected = reference_image(frames, options, lambda fit: options.get("samples", min(fit, len(frames))))
    assert np.array_equal(image(tmp_path, clip, **options), expected)


def reference_image(frames: np.ndarray, options: dict, slits) -> np.ndarray:
    """The slits of evenly spread frames (slit k from frame k * n // count) side by side, where ``count`` is
    ``slits(the number that fit across the frame)``."""
    n, height, width = frames.shape[:3]
    axis = options.get("axis", "column")
    across = width if axis == "column" else height
    slit = options.get("width", 1)
    position = options.get("position", 0.5)
    start = min(int(round(position * across)) if isinstance(position, float) else position, across - slit)
    count = slits(across // slit)
    picked = [frames[k * n // count] for k in range(count)]
    if axis == "column":
        return np.concatenate([f[:, start:start + slit] for f in picked], axis=1)
    return np.concatenate([f[start:start + slit, :] for f in picked], axis=0)


def tutorial_rolling(frames: np.ndarray, slitpoint: int) -> np.ndarray:
    """The tutorial's make_frame, line for line: a row slit whose history scrolls up."""
    img = np.zeros_like(frames[0])
    out = []
    for current_x, next_frame in enumerate(frames):
        next_frame = next_frame.copy()
        img = np.roll(img, -1, axis=0)
        img[slitpoint, :, :] = next_frame[slitpoint, :, :]
        next_frame[max(slitpoint - current_x, 0):slitpoint, :, :] = img[max(0, slitpoint - current_x):slitpoint, :, :]
        out.append(next_frame)
    return np.array(out)


def rolling_up(frames: np.ndarray, start: int, width: int) -> np.ndarray:
    """The same for a slit ``width`` rows thick: frame t - j's slit ends j slits above the slit line."""
    out = frames.copy()
    for t in range(len(frames)):
        for j in range(1, t + 1):
            top = start - j * width
            if top + width <= 0:
                break
            out[t, max(top, 0):top + width] = frames[t - j, start:start + width][max(0, -top):]
    return out


def rolling_reference(frames: np.ndarray, direction: str, position: int, width: int) -> np.ndarray:
    """Any direction as the upward one on flipped or transposed frames."""
    turn = {"up": lambda f: f, "down": lambda f: f[:, ::-1], "left": lambda f: f.transpose(0, 2, 1, 3),
            "right": lambda f: f.transpose(0, 2, 1, 3)[:, ::-1]}[direction]
    back = {"up": lambda f: f, "down": lambda f: f[:, ::-1], "left": lambda f: f.transpose(0, 2, 1, 3),
            "right": lambda f: f[:, ::-1].transpose(0, 2, 1, 3)}[direction]
    turned = turn(frames)
    start = position if direction in ("up", "left") else turned.shape[1] - position - width
    return back(rolling_up(turned, start, width))


@pytest.fixture
def rgb_clip(tmp_path: Path) -> Path:
    return make_clip(tmp_path / "rgb.mkv", size="64x48", duration=1.2, audio=None, pix_fmt="gbrp")


def rolled(tmp_path: Path, src: Path, **options) -> np.ndarray:
    out = tmp_path / "roll.mkv"
    recipe = ffx.Recipe(input=str(src), steps=[{"slitscan": {"mode": "rolling", **options}}],
                        output={"path": str(out), "codec": "ffv1", "pix_fmt": "rgb24"})
    return decode_frames(ffx.render(recipe, overwrite=True).stages[0].output_path).astype(int)


def test_rolling_up_is_the_tutorials_algorithm(tmp_path, rgb_clip):
    frames = decode_frames(rgb_clip).astype(int)
    expected = tutorial_rolling(frames, frames.shape[1] // 2)
    assert np.array_equal(rolling_reference(frames, "up", frames.shape[1] // 2, 1), expected)
    result = rolled(tmp_path, rgb_clip, direction="up", position=0.5)
    assert result.shape == frames.shape
    assert np.array_equal(result, expected)
    assert not (result[0] == 0).all(axis=-1).any(axis=1).any()  # no black rows: it starts from the picture


@pytest.mark.parametrize("direction, position, width", [("up", 40, 3), ("down", 10, 1), ("down", 20, 3),
                                                        ("left", 50, 2), ("right", 12, 1), ("right", 30, 3)])
def test_rolling_scrolls_the_history_in_each_direction(tmp_path, rgb_clip, direction, position, width):
    frames = decode_frames(rgb_clip).astype(int)
    result = rolled(tmp_path, rgb_clip, direction=direction, position=position, width=width)
    assert np.array_equal(result, rolling_reference(frames, direction, position, width))


def test_rolling_direction_follows_the_axis(tmp_path, rgb_clip):
    frames = decode_frames(rgb_clip).astype(int)
    assert np.array_equal(rolled(tmp_path, rgb_clip, axis="row", position=20),
                          rolling_reference(frames, "down", 20, 1))
    with pytest.raises(ffx.RecipeError, match="cannot scroll up"):
        ffx.Recipe(input=str(rgb_clip), steps=[{"slitscan": {"mode": "rolling", "axis": "column", "direction": "up"}}],
                   output="o.gif")
    with pytest.raises(ffx.RecipeError, match="direction is for mode: rolling"):
        ffx.Recipe(input=str(rgb_clip), steps=[{"slitscan": {"direction": "up"}}], output="o.png")


def test_slitscan_errors(tmp_path, clip):
    with pytest.raises(ffx.RecipeError, match="some would repeat"):
        image(tmp_path, clip, samples=51)
    with pytest.raises(ffx.RecipeError, match="does not fit"):
        image(tmp_path, clip, width=200)
    with pytest.raises(ffx.RecipeError, match="no room for its history to scroll right"):
        ffx.compile_recipe(ffx.Recipe(input=str(clip), steps=[{"slitscan": {"mode": "rolling", "position": 1.0}}],
                                      output=str(tmp_path / "r.gif")))
    with pytest.raises(ffx.RecipeError, match="no room for its history to scroll up"):
        ffx.compile_recipe(ffx.Recipe(input=str(clip), steps=[{"slitscan": {"mode": "rolling", "position": 0,
                                                                            "direction": "up"}}],
                                      output=str(tmp_path / "r.gif")))


@pytest.mark.parametrize("options", [{"position": 33, "width": 2}, {"axis": "row", "position": 0.7, "samples": 30}])
def test_the_numpy_stage_gives_the_same_picture(tmp_path, clip, options):
    """FFmpeg decodes and cuts the slits, a Python stage lays them out, FFmpeg writes the PNG."""
    steps = [{"trim": {"start": 0.2}}]
    pictures = {}
    for engine in ("ffmpeg", "numpy"):
        recipe = ffx.Recipe(input=str(clip), steps=[*steps, {"slitscan": {**options, "engine": engine}}],
                            output=str(tmp_path / f"{engine}.png"))
        plan = ffx.render(recipe)
        pictures[engine] = decode_frames(tmp_path / f"{engine}.png")
        assert bool(plan.feeds) == (engine == "numpy")
    assert np.array_equal(pictures["ffmpeg"], pictures["numpy"])


def test_the_printed_pipeline_runs_in_bash(tmp_path, clip):
    import os
    import subprocess
    import sys

    from conftest import FFMPEG

    out = tmp_path / "printed.png"
    plan = ffx.compile_recipe(ffx.Recipe(input=str(clip), steps=[{"slitscan": {"engine": "numpy"}}],
                                         output=str(out)))
    script = plan.shell(FFMPEG)
    assert "python3 -m ffx stage slitscan" in script
    (tmp_path / "run.sh").write_text(script + "\n")
    env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]}
    done = subprocess.run(["bash", str(tmp_path / "run.sh")], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert np.array_equal(decode_frames(out)[0].astype(int), image(tmp_path, clip))


def test_a_failing_stage_is_reported_once_and_nothing_is_written(tmp_path, clip):
    import os

    from conftest import ADVERSARIAL, faulty_ffmpeg, ffmpeg_children

    wrapper = faulty_ffmpeg(tmp_path / "ffmpeg-decoder-stops", "*select*rawvideo*", "exit 0")
    out = tmp_path / "never.png"
    with pytest.raises(ffx.RenderError, match="a Python stage failed: slitscan stage: the input ended after 0 of"):
        ffx.render(ffx.Recipe(input=str(clip), steps=[{"slitscan": {"engine": "numpy"}}], output=str(out)),
                   ffmpeg=str(wrapper))
    assert sorted(os.listdir(tmp_path)) == ["ffmpeg-decoder-stops", "src.mkv"]
    assert ffmpeg_children(tmp_path) == []
    ADVERSARIAL["clean aborts"] += 1


@pytest.mark.parametrize("engine", ["ffmpeg", "numpy"])
def test_slits_after_a_resize_keep_fine_colour_detail(tmp_path, engine):
    """Red and blue rows 5 px high in 4:2:0 video, halved before the scan: the slits must hold FFmpeg's planar
    RGB conversion of the resized frame, not the fast packed one, which averages the rows' colours away."""
    src = tmp_path / "rows.mkv"
    run_ffmpeg("-f", "lavfi", "-i", "color=black:size=160x120:rate=10:duration=1", "-vf",
               "format=gbrp,geq=r='255*lt(mod(Y,10),5)':g='40*lt(X,80)':b='255*gte(mod(Y,10),5)',format=yuv420p",
               "-c:v", "libx264", "-qp", "0", str(src))
    planar = tmp_path / "planar.mkv"
    run_ffmpeg("-i", str(src), "-filter_complex", "[0:v]scale=80:60:flags=lanczos,format=gbrp", "-c:v", "ffv1",
               str(planar))
    column = decode_frames(planar)[0, :, 40:41].astype(int)
    recipe = ffx.Recipe(input=str(src), steps=[{"resize": {"width": 80}},
                                               {"slitscan": {"position": 40, "samples": 10, "engine": engine}}],
                        output=str(tmp_path / "scan.png"))
    scan = decode_frames(ffx.render(recipe).stages[0].output_path)[0].astype(int)
    assert scan.shape == (60, 10, 3)
    assert np.abs(scan - np.repeat(column, 10, axis=1)).max() <= 1


@pytest.mark.parametrize("engine", ["ffmpeg", "numpy"])
@pytest.mark.parametrize("options", [{"columns": "frame"}, {"columns": "frame", "width": 3, "position": 10},
                                     {"columns": 77, "axis": "row", "position": 0.3},
                                     {"columns": 50}, {"columns": 20}])
def test_columns_repeat_frames_as_the_picture_needs(tmp_path, clip, engine, options):
    """As wide as the frame from 50 frames: slit k from frame k * 50 // 160, the frame showing at that time
    (MoviePy's iter_frames at width / duration fps picks the same)."""
    frames = decode_frames(clip).astype(int)
    expected = reference_image(frames, options, lambda fit: fit if options["columns"] == "frame" else options["columns"])
    assert np.array_equal(image(tmp_path, clip, engine=engine, **options), expected)


def test_columns_and_samples_are_one_or_the_other(tmp_path, clip):
    with pytest.raises(ffx.RecipeError, match="not both"):
        image(tmp_path, clip, samples=10, columns=20)
