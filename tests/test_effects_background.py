"""remove_background: what moves stays opaque, the still scene turns transparent, the edge is feathered."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

import ffx
from conftest import FFMPEG, decode_frames, run_ffmpeg

SIZE, RATE, SECONDS = (160, 90), 25, 3
BOX = 24  # px; the box moves 30 px/s from x=10, at y=30; it is never out of the picture


def box_x(frame: int) -> int:
    return 10 + round(frame * 30 / RATE)


def scene(tmp_path: Path, speck: bool = False) -> Path:
    """Still colour bars with an orange box always somewhere on them: no frame shows the empty scene.

    With ``speck``, a 2x2 white dot shows at (120, 70) on frames 40-44 only.
    """
    path = tmp_path / ("speck.mkv" if speck else "scene.mkv")
    w, h = SIZE
    graph = (f"[0][1]overlay=x='10+round(n*30/{RATE})':y=30:shortest=1"
             + (f"[a];[a][2]overlay=x=120:y=70:enable='between(n,40,44)'" if speck else ""))
    inputs = ["-f", "lavfi", "-i", f"smptebars=s={w}x{h}:r={RATE}:d={SECONDS}",
              "-f", "lavfi", "-i", f"color=c=0xFF8000:s={BOX}x{BOX}:r={RATE}:d={SECONDS}"]
    if speck:
        inputs += ["-f", "lavfi", "-i", f"color=c=white:s=2x2:r={RATE}:d={SECONDS}"]
    run_ffmpeg(*inputs, "-filter_complex", graph, "-c:v", "ffv1", "-pix_fmt", "gbrp", "-y", str(path))
    return path


def remove(tmp_path: Path, src: Path, name: str = "out.mkv", output: dict | None = None, **options) -> Path:
    out = {"path": str(tmp_path / name), "codec": "ffv1", "pix_fmt": "gbrap"} if output is None else output
    recipe = ffx.Recipe(input=str(src), steps=[{"remove_background": options}], output=out)
    return Path(ffx.render(recipe, overwrite=True).stages[0].output_path)


def box_mask(frame: int, grow: int = 0) -> np.ndarray:
    w, h = SIZE
    mask = np.zeros((h, w), bool)
    x = box_x(frame)
    mask[max(0, 30 - grow):30 + BOX + grow, max(0, x - grow):x + BOX + grow] = True
    return mask


def test_the_moving_box_stays_and_the_still_scene_is_transparent(tmp_path):
    src = scene(tmp_path)
    source = decode_frames(src).astype(int)
    out = decode_frames(remove(tmp_path, src), "rgba").astype(int)
    assert out.shape[0] == source.shape[0] == SECONDS * RATE
    for n in range(0, len(out), 7):
        alpha = out[n, ..., 3]
        assert (alpha[box_mask(n, grow=-5)] >= 245).all(), n  # inside: opaque but for the feather (corners feel two edges)
        assert (alpha[box_mask(n, grow=-8)] == 255).all(), n
        assert (alpha[~box_mask(n, grow=6)] <= 3).all(), n  # off it: transparent but for the feather's tail
        assert (alpha[~box_mask(n, grow=10)] == 0).all(), n
        inside = box_mask(n)
        assert (out[n, ..., :3][inside] == source[n][inside]).all()  # the kept pixels are the source's


def test_the_edge_is_a_gradient_as_wide_as_the_feather(tmp_path):
    src = scene(tmp_path)
    soft = decode_frames(remove(tmp_path, src, "soft.mkv", feather=2), "rgba")[30, ..., 3].astype(int)
    hard = decode_frames(remove(tmp_path, src, "hard.mkv", feather=0), "rgba")[30, ..., 3].astype(int)
    assert set(np.unique(hard)) == {0, 255}
    row = soft[30 + BOX // 2]  # across the box's left edge, x = box_x(30)
    x = box_x(30)
    ramp = row[x - 10:x + 10]
    assert (np.diff(ramp) >= 0).all() and ramp[0] <= 2 and ramp[-1] >= 253
    assert row[x - 1] < 128 < row[x]  # half way exactly at the box's edge
    assert ((ramp > 10) & (ramp < 245)).sum() >= 5  # a gradient several pixels wide, where the hard mask jumps
    assert (hard[30 + BOX // 2, x - 10:x] == 0).all() and (hard[30 + BOX // 2, x:x + 10] == 255).all()


def test_specks_are_cleaned_away_unless_asked_not_to(tmp_path):
    src = scene(tmp_path, speck=True)
    cleaned = decode_frames(remove(tmp_path, src, "c.mkv", feather=0), "rgba")[42, ..., 3]
    raw = decode_frames(remove(tmp_path, src, "r.mkv", feather=0, clean=0, fill=0), "rgba")[42, ..., 3]
    assert (raw[70:72, 120:122] == 255).all()  # the dot differs from the background...
    assert (cleaned[65:77, 115:127] == 0).all()  # ...and one opening removes it
    assert (cleaned[box_mask(42, grow=-5)] == 255).all()


def test_a_clean_plate_replaces_the_median(tmp_path):
    src = scene(tmp_path)
    plate = tmp_path / "plate.png"
    run_ffmpeg("-f", "lavfi", "-i", f"smptebars=s={SIZE[0]}x{SIZE[1]}", "-frames:v", "1", "-y", str(plate))
    recipe = ffx.Recipe(inputs={"main": str(src), "plate": str(plate)},
                        steps=[{"remove_background": {"plate": "plate", "feather": 0}}],
                        output={"path": str(tmp_path / "p.mkv"), "codec": "ffv1", "pix_fmt": "gbrap"})
    out = decode_frames(ffx.render(recipe).stages[0].output_path, "rgba")
    for n in (0, 40, 74):
        assert (out[n, ..., 3] == np.where(box_mask(n), 255, 0)).mean() > 0.995


def test_a_transparent_gif_keeps_only_the_box(tmp_path):
    src = scene(tmp_path)
    gif = remove(tmp_path, src, output={"path": str(tmp_path / "b.gif"), "fps": 10})
    frames = decode_frames(gif, "rgba")
    assert len(frames) == SECONDS * 10
    for i in (0, 15, 29):
        n = round(i * RATE / 10)
        alpha = frames[i, ..., 3]
        assert set(np.unique(alpha)) == {0, 255}
        assert (alpha[box_mask(n, grow=-5)] == 255).all() and (alpha[~box_mask(n, grow=6)] == 0).all()
        box = frames[i, 30 + BOX // 2, box_x(n) + BOX // 2, :3].astype(int)
        assert box[0] > 230 and 90 < box[1] < 170 and box[2] < 40


@pytest.mark.parametrize("options, output, message", [
    ({}, "out.mp4", "cannot keep that"),
    ({"plate": "other", "samples": 9}, "out.gif", "a plate replaces the sampled background"),
    ({"start": 5}, "out.gif", "holds no frame"),
])
def test_impossible_asks_are_clear_errors(tmp_path, options, output, message):
    src = scene(tmp_path)
    with pytest.raises(ffx.FfxError, match=message):
        ffx.render(ffx.Recipe(input=str(src), steps=[{"remove_background": options}],
                              output=str(tmp_path / output)))
    assert not list(tmp_path.glob("out*"))


def test_the_wait_for_the_background_is_held_to_the_memory_budget(tmp_path):
    src = scene(tmp_path)
    recipe = ffx.Recipe(input=str(src), steps=["remove_background"], output=str(tmp_path / "out.gif"))
    with pytest.raises(ffx.FfxError, match="must wait in memory"):
        ffx.compile_recipe(recipe, max_memory="2M")
    assert ffx.compile_recipe(recipe, max_memory="128M").memory_estimate > 60 * 2**20


def test_transparency_survives_later_steps_and_reaches_webm(tmp_path):
    """Steps after the removal (resize, text, fps, boomerang) keep the alpha plane; VP9 in WebM stores it."""
    src = scene(tmp_path)
    recipe = ffx.Recipe(input=str(src), steps=["remove_background", {"resize": 0.5}, {"text": {"text": "hi"}},
                                               {"fps": 12.5}, "boomerang"],
                        output=str(tmp_path / "out.webm"))
    plan = ffx.render(recipe)
    out = plan.stages[0].output_path
    raw = subprocess.run([FFMPEG, "-v", "error", "-c:v", "libvpx-vp9", "-i", out, "-f", "rawvideo",
                          "-pix_fmt", "rgba", "-"], capture_output=True, check=True).stdout
    alpha = np.frombuffer(raw, np.uint8).reshape(-1, SIZE[1] // 2, SIZE[0] // 2, 4)[..., 3]
    assert len(alpha) == plan.result.frames == 2 * round(SECONDS * 12.5) - 1
    assert 0.6 < (alpha < 10).mean() < 0.95 and (alpha > 245).mean() > 0.02


def test_a_plate_read_from_the_input_is_the_whole_inputs_first_frame_after_a_trim(tmp_path):
    """The first trim may not fast-seek an input a plate reads whole: frame 0 (the empty scene) is the plate."""
    w, h = SIZE
    src = tmp_path / "empty-first.mkv"
    run_ffmpeg("-f", "lavfi", "-i", f"smptebars=s={w}x{h}:r={RATE}:d={SECONDS}",
               "-f", "lavfi", "-i", f"color=c=0xFF8000:s={BOX}x{BOX}:r={RATE}:d={SECONDS}",
               "-filter_complex", f"[0][1]overlay=x='10+round(n*30/{RATE})':y=30:shortest=1:enable='gte(n,1)'",
               "-c:v", "ffv1", "-pix_fmt", "gbrp", "-y", str(src))
    recipe = ffx.Recipe(input=str(src), steps=[{"trim": {"start": 1, "end": 1.5}},
                                               {"remove_background": {"plate": "input", "feather": 0}}],
                        output={"path": str(tmp_path / "p.mkv"), "codec": "ffv1", "pix_fmt": "gbrap"})
    out = decode_frames(ffx.render(recipe).stages[0].output_path, "rgba")
    assert len(out) >= 12
    for i in (0, 6):  # the box is kept where it is, the bars around it are gone
        assert (out[i, ..., 3] == np.where(box_mask(RATE + i), 255, 0)).mean() > 0.99, i
