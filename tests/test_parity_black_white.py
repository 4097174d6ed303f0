"""black_white weights: MoviePy's average of R, G and B is one key, and any RGB mix another."""

from __future__ import annotations

import numpy as np
import pytest

import ffx
from conftest import decode_frames, make_clip, render


@pytest.fixture
def rgb_clip(tmp_path):
    return make_clip(tmp_path / "rgb.mkv", audio=None, pix_fmt="gbrp", duration=0.4)


@pytest.mark.parametrize("weights, mix", [("average", (1, 1, 1)), ([1, 1, 1], (1, 1, 1)),
                                          ([0.2125, 0.7154, 0.0721], (0.2125, 0.7154, 0.0721)),
                                          ([2, 0, 1], (2, 0, 1))])
def test_weights_mix_the_rgb_channels_like_numpy(tmp_path, rgb_clip, weights, mix):
    src = decode_frames(rgb_clip).astype(float)
    out = render(tmp_path, [{"black_white": {"weights": weights}}], rgb_clip,
                 output={"path": str(tmp_path / "bw.mkv"), "codec": "ffv1", "pix_fmt": "gbrp"})
    frames = decode_frames(out).astype(int)
    r, g, b = np.array(mix, float) / sum(mix)
    # MoviePy's blackwhite: R*r + G*g + B*b, truncated to uint8, in all three channels
    moviepy = (src[..., 0] * r + src[..., 1] * g + src[..., 2] * b).astype(np.uint8).astype(int)
    # colorchannelmixer rounds each term, then adds them
    rounded = sum(np.round(src[..., c] * w) for c, w in enumerate((r, g, b))).astype(int)
    for channel in range(3):
        assert np.abs(frames[..., channel] - rounded).max() <= (0 if mix in ((1, 1, 1), (2, 0, 1)) else 1)
        difference = frames[..., channel] - moviepy
        assert np.abs(difference).max() <= 2  # three terms rounded against one sum truncated
        assert np.abs(difference).mean() < 0.6

def test_the_luma_default_is_unchanged(tmp_path, rgb_clip):
    plan = ffx.compile_recipe(ffx.Recipe(input=str(rgb_clip), steps=["black_white"], output=str(tmp_path / "o.mp4")))
    assert "hue=s=0" in plan.shell() and "colorchannelmixer" not in plan.shell()
    plan = ffx.compile_recipe(ffx.Recipe(input=str(rgb_clip), steps=[{"black_white": "average"}],
                                         output=str(tmp_path / "o.mp4")))
    assert "colorchannelmixer=" in plan.shell() and "hue" not in plan.shell()


@pytest.mark.parametrize("weights", [[1, 1], [0, 0, 0], [-1, 1, 1], "sepia"])
def test_bad_weights_are_refused(weights):
    with pytest.raises(ffx.RecipeError, match="weights"):
        ffx.Recipe(input="x.mp4", steps=[{"black_white": {"weights": weights}}], output="o.mp4")
