"""freeze: the still part equals the snapshot on every frame, the rest still moves, edges fade as asked."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import ffx
from conftest import decode_frames, make_clip, run_ffmpeg

RGB_OUT = {"codec": "ffv1", "pix_fmt": "gbrp"}


def rgb_clip(tmp_path: Path) -> Path:
    return make_clip(tmp_path / "src.mkv", size="160x90", audio=None, pix_fmt="gbrp", duration=1.2)


def freeze(tmp_path: Path, src: Path, name: str = "f.mkv", inputs: dict | None = None, **options) -> np.ndarray:
    recipe = ffx.Recipe(input=str(src) if inputs is None else None, inputs=inputs, steps=[{"freeze": options}],
                        output={"path": str(tmp_path / name), **RGB_OUT})
    return decode_frames(ffx.render(recipe).stages[0].output_path).astype(int)


def test_a_region_stands_still_and_the_rest_moves(tmp_path):
    src = rgb_clip(tmp_path)
    frames = decode_frames(src).astype(int)
    out = freeze(tmp_path, src, at=0.4, region={"x1": 0.5, "y1": 11, "y2": 71})
    assert out.shape == frames.shape
    still = out[:, 11:71, 80:]
    assert (still == frames[10, 11:71, 80:]).all()  # the frame at 0.4 s, on every frame
    outside = np.ones(frames.shape[1:3], bool)
    outside[11:71, 80:] = False
    assert (out[:, outside] == frames[:, outside]).all()  # everything else is the live clip
    assert np.abs(np.diff(frames[:, 11:71, 80:], axis=0)).max() > 0  # the source did move there


def edge_clip(tmp_path: Path) -> Path:
    """Frame 0 white, every later frame black: what shows later is the snapshot's alpha."""
    out = tmp_path / "edge.mkv"
    run_ffmpeg("-f", "lavfi", "-i", "color=c=black:s=200x100:r=10:d=1,drawbox=c=white:t=fill:enable='lt(t,0.05)'",
               "-c:v", "ffv1", "-pix_fmt", "gbrp", str(out))
    return out


@pytest.mark.parametrize("width", [20, 40])
def test_a_line_mask_fades_over_the_asked_width(tmp_path, width):
    src = edge_clip(tmp_path)
    # a vertical line at x = 100, walking down the picture: its left is the right half of the screen
    out = freeze(tmp_path, src, at=0, p1=[100, 0], p2=[100, 99], width=width, side="left")
    row = out[5, 50, :, 0]  # a later frame: 255 * alpha
    assert (row[: 100 - width // 2 - 1] == 0).all() and (row[100 + width // 2 + 1:] == 255).all()
    ramp = row[100 - width // 2 + 1: 100 + width // 2 - 1]
    assert (np.diff(ramp) > 0).all()  # a gradient, not a step
    assert abs(np.diff(ramp).mean() - 255 / width) < 1.0
    assert abs(int(row[100]) - 128) <= 8
    other = freeze(tmp_path, src, "o.mkv", at=0, p1=[100, 0], p2=[100, 99], width=width, side="right")
    assert (other[5, 50, :40, 0] == 255).all() and (other[5, 50, 160:, 0] == 0).all()


def test_a_diagonal_hard_edge(tmp_path):
    src = edge_clip(tmp_path)
    out = freeze(tmp_path, src, at=0, p1=[0.0, 0.0], p2=[1.0, 1.0], width=0)  # fractions: the diagonal
    later = out[5, :, :, 0]
    ys, xs = np.mgrid[0:100, 0:200]
    above = xs * 100 > ys * 200 + 200  # above the diagonal, with a pixel of margin
    below = xs * 100 < ys * 200 - 200
    # walking from the top-left corner to the bottom-right one, the left hand points up and right
    assert set(np.unique(later[above])) == {255} and set(np.unique(later[below])) == {0}


def test_a_mask_image_from_a_named_stream(tmp_path):
    src = edge_clip(tmp_path)
    mask = tmp_path / "mask.png"
    run_ffmpeg("-f", "lavfi", "-i", "color=c=black:s=50x25,format=rgb24,drawbox=x=0:y=0:w=25:h=25:c=white:t=fill",
               "-frames:v", "1", str(mask))
    out = freeze(tmp_path, src, at=0, mask="shape", inputs={"clip": str(src), "shape": str(mask)})
    later = out[5, :, :, 0]
    assert (later[:, :95] == 255).all() and (later[:, 105:] == 0).all()  # mask scaled 4x: left half still


def test_freeze_errors_name_their_field(tmp_path):
    src = rgb_clip(tmp_path)
    with pytest.raises(ffx.RecipeError, match="does not fit in the 160x90 frame") as error:
        ffx.compile_recipe(ffx.Recipe(input=str(src), steps=[{"freeze": {"region": {"x1": 10, "x2": 500}}}],
                                      output=str(tmp_path / "o.mp4")))
    assert error.value.problems[0].field == "steps[0].freeze.region.x2"
    with pytest.raises(ffx.RecipeError, match="outside the clip"):
        ffx.compile_recipe(ffx.Recipe(input=str(src), steps=[{"freeze": {"at": 9}}], output=str(tmp_path / "o.mp4")))
    with pytest.raises(ffx.RecipeError, match="one of region, p1/p2 or mask"):
        ffx.Recipe(input=str(src), steps=[{"freeze": {"region": {"x1": 1}, "p1": [0, 0], "p2": [1, 1]}}],
                   output=str(tmp_path / "o.mp4"))


def test_a_mask_read_from_the_input_is_the_whole_inputs_first_frame_after_a_trim(tmp_path):
    """The first trim may not fast-seek an input that a mask reads whole: the mask is frame 0, not the trim's."""
    src = tmp_path / "marked.mkv"
    # frame 0 is the mask (left half white, right half black); from frame 1 on a moving test pattern
    run_ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25:duration=2,"
               "drawbox=x=0:y=0:w=80:h=90:c=white:t=fill:enable='eq(n,0)',"
               "drawbox=x=80:y=0:w=80:h=90:c=black:t=fill:enable='eq(n,0)'",
               "-c:v", "ffv1", "-pix_fmt", "gbrp", str(src))
    frames = decode_frames(src).astype(int)
    recipe = ffx.Recipe(input=str(src), steps=[{"trim": {"start": 1, "end": 1.5}}, {"freeze": {"mask": "input"}}],
                        output={"path": str(tmp_path / "f.mkv"), **RGB_OUT})
    out = decode_frames(ffx.render(recipe).stages[0].output_path).astype(int)
    assert len(out) >= 12
    assert (out[:, :, :80] == frames[25, :, :80]).all()  # the left half stands still at the trim's first frame
    assert (out[:, :, 80:] == frames[25:25 + len(out), :, 80:]).all()  # the right half plays on
