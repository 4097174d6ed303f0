"""Motion extraction against numpy references and against the hand-written FFmpeg chains it replaces.

Clips are lossless RGB (FFV1 gbrp) so the only differences left are the
effect's own arithmetic.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import ffx
from conftest import decode_frames, make_clip, render, run_ffmpeg

RGB_OUT = {"codec": "ffv1", "pix_fmt": "gbrp"}


def rgb_clip(tmp_path: Path, rate: str = "25", source: str = "testsrc2", duration: float = 1.6,
             jitter: bool = False) -> Path:
    return make_clip(tmp_path / f"rgb-{rate.replace('/', '_')}{'-vfr' if jitter else ''}.mkv", rate=rate,
                     source=source, audio=None, pix_fmt="gbrp", duration=duration, jitter=jitter)


def motion(tmp_path: Path, src: Path, name: str = "m.mkv", **options) -> np.ndarray:
    out = render(tmp_path, [{"motion": options}], src, output={"path": str(tmp_path / name), **RGB_OUT})
    return decode_frames(out).astype(int)


def past_frames(frames: np.ndarray, delay: int) -> np.ndarray:
    """f[max(i - delay, 0)] for every i."""
    return frames[np.maximum(np.arange(len(frames)) - delay, 0)]


@pytest.mark.parametrize("delay", [1, 3])
def test_gray_matches_the_formula_on_every_pixel(tmp_path: Path, delay: int) -> None:
    src = rgb_clip(tmp_path)
    frames = decode_frames(src).astype(int)
    out = motion(tmp_path, src, delay=delay, style="gray")
    expected = np.floor(0.5 * frames + 0.5 * (255 - past_frames(frames, delay)) + 0.5)
    assert out.shape == frames.shape
    assert np.abs(out - expected).max() <= 1


def test_gray_pairs_the_right_frames_on_irregular_timestamps(tmp_path: Path) -> None:
    """Jittery 29.97 fps timestamps in a 1 ms time base: without re-timing, blend pairs the wrong frames.
    (The jitter repeats every 2 frames, so a delay of 3 is what a naive graph gets wrong.)"""
    src = rgb_clip(tmp_path, rate="30000/1001", jitter=True)
    frames = decode_frames(src).astype(int)
    expected = np.floor(0.5 * frames + 0.5 * (255 - past_frames(frames, 3)) + 0.5)
    out = motion(tmp_path, src, delay=3, style="gray")
    assert np.abs(out - expected).max() <= 1
    # the same graph without the leading fps really does go wrong on this clip
    naive = tmp_path / "naive.mkv"
    run_ffmpeg("-i", str(src), "-filter_complex",
               "format=gbrp,split[cur][p];[p]tpad=start=3:start_mode=clone,negate[np];"
               "[cur][np]blend=all_mode=average:shortest=1", "-c:v", "ffv1", "-pix_fmt", "gbrp", str(naive))
    wrong = decode_frames(naive).astype(int)
    n = min(len(wrong), len(expected))
    bad = [i for i in range(n) if np.abs(wrong[i] - expected[i]).max() > 1]
    assert bad, "the unguarded graph should mis-pair frames on this clip"


def test_static_scene_is_flat_gray_and_over_leaves_it_untouched(tmp_path: Path) -> None:
    src = make_clip(tmp_path / "still.mkv", source="smptebars", audio=None, pix_fmt="gbrp", duration=0.8)
    out = motion(tmp_path, src, delay=2)
    assert set(np.unique(out)) <= {127, 128}
    frames = decode_frames(src).astype(int)
    over = motion(tmp_path, src, "over.mkv", delay=2, view="over")
    assert np.abs(over - frames).max() <= 1  # grainmerge (A + B - 128) over mid-gray is the identity


def test_difference_is_a_saturating_subtract(tmp_path: Path) -> None:
    src = rgb_clip(tmp_path)
    frames = decode_frames(src).astype(int)
    out = motion(tmp_path, src, delay=2, style="difference")
    assert np.array_equal(out, np.clip(frames - past_frames(frames, 2), 0, 255))
    assert out[0].max() == 0 and out[5].max() > 100


def test_side_by_side_puts_the_original_left_of_the_motion(tmp_path: Path) -> None:
    src = rgb_clip(tmp_path)
    frames = decode_frames(src).astype(int)
    only = motion(tmp_path, src, "only.mkv", delay=1, style="difference")
    both = motion(tmp_path, src, "both.mkv", delay=1, style="difference", view="side_by_side")
    width = frames.shape[2]
    assert both.shape[2] == 2 * width
    assert np.array_equal(both[:, :, :width], frames)
    assert np.array_equal(both[:, :, width:], only)


# The tutorial's hand-written chains, verbatim; the recipes must give the same frames.
TUTORIAL_TMIX = ("format=gbrp,split[v1][v2];[v1]tmix=frames=3:weights=-1 0 1:scale=2[ov1];"
                 "[v2][ov1]blend=all_mode=multiply128,format=yuv420p[out]")
TUTORIAL_BLOOM = ("format=gbrp,split[v1][v2];[v1]tmix=frames=5:weights=-1 0 0 0 1:scale=2[ov1];"
                  "[ov1]gblur=steps=6:sigma=5[ov2];[v2][ov2]blend=all_mode=addition,format=yuv420p[out]")


@pytest.mark.parametrize("recipe, chain", [("motion-tmix.yaml", TUTORIAL_TMIX), ("motion-bloom.yaml", TUTORIAL_BLOOM)])
def test_recipes_reproduce_the_tutorial_chains(tmp_path: Path, recipe: str, chain: str) -> None:
    src = make_clip(tmp_path / "src.mkv", audio=None, duration=1.2)
    hand = tmp_path / "hand.mkv"
    run_ffmpeg("-i", str(src), "-filter_complex", chain, "-map", "[out]", "-c:v", "ffv1", str(hand))
    ours = tmp_path / "ours.mkv"
    root = Path(__file__).resolve().parent.parent
    loaded = ffx.load_recipe(root / "recipes" / recipe).with_io(inputs=[str(src)])
    ffx.render(loaded.model_copy(update={"output": ffx.Output(path=str(ours), codec="ffv1")}))
    assert np.array_equal(decode_frames(ours), decode_frames(hand))


def test_tmix_motion_is_the_doubled_difference(tmp_path: Path) -> None:
    src = rgb_clip(tmp_path)
    frames = decode_frames(src).astype(int)
    out = motion(tmp_path, src, delay=2, style="tmix")
    expected = np.clip(2 * (frames[2:] - frames[:-2]), 0, 255)
    assert np.abs(out[2:] - expected).max() <= 1


def test_glow_adds_a_blur_of_the_motion(tmp_path: Path) -> None:
    src = rgb_clip(tmp_path)
    plain = motion(tmp_path, src, "plain.mkv", delay=1, style="difference")
    glow = motion(tmp_path, src, "glow.mkv", delay=1, style="difference", glow={"sigma": 4})
    assert (glow >= plain).all()  # addition never darkens
    moving = plain.sum(axis=3) > 0
    near = (glow.sum(axis=3) > 0) & ~moving
    assert near.any()  # the blur spreads light beyond the moving edges


def test_tmix_effect_writes_weights_as_ffmpeg_wants_them() -> None:
    recipe = ffx.Recipe(input="in.mp4", steps=[{"tmix": {"frames": 4, "weights": [-1, 0, 0.5, 1], "scale": 2}}],
                        output="out.mp4")
    assert recipe.steps[0].resolved_weights() == [-1, 0, 0.5, 1]
    with pytest.raises(ValueError, match="give 3 weights"):
        ffx.Recipe(input="in.mp4", steps=[{"tmix": {"frames": 3, "weights": [1, 1]}}], output="out.mp4")


def test_tmix_tblend_gblur_delay_effects_render(tmp_path: Path) -> None:
    src = rgb_clip(tmp_path)
    frames = decode_frames(src).astype(int)
    out = render(tmp_path, [{"delay": 2}], src, output={"path": str(tmp_path / "d.mkv"), **RGB_OUT})
    assert np.array_equal(decode_frames(out).astype(int), past_frames(frames, 2))
    out = render(tmp_path, [{"tblend": "difference"}], src, output={"path": str(tmp_path / "t.mkv"), **RGB_OUT})
    assert np.array_equal(decode_frames(out).astype(int), np.abs(frames[1:] - frames[:-1]))
    out = render(tmp_path, [{"tmix": {"frames": 2, "weights": "difference", "scale": 1}}], src,
                 output={"path": str(tmp_path / "x.mkv"), **RGB_OUT})
    assert np.array_equal(decode_frames(out).astype(int)[1:], np.clip(frames[1:] - frames[:-1], 0, 255))
    out = render(tmp_path, [{"gblur": 3}], src, output={"path": str(tmp_path / "g.mkv"), **RGB_OUT})
    blurred = decode_frames(out).astype(int)
    # a blur lowers the local contrast
    assert np.abs(np.diff(blurred, axis=2)).mean() < 0.7 * np.abs(np.diff(frames, axis=2)).mean()


def test_odd_frame_sizes_keep_every_pixel(tmp_path: Path) -> None:
    src = make_clip(tmp_path / "odd.mkv", size="161x91", source="testsrc", audio=None, pix_fmt="gbrp", duration=0.6)
    frames = decode_frames(src).astype(int)
    out = motion(tmp_path, src, delay=1, style="gray")
    expected = np.floor(0.5 * frames + 0.5 * (255 - past_frames(frames, 1)) + 0.5)
    assert out.shape == frames.shape == (15, 91, 161, 3)
    assert np.abs(out - expected).max() <= 1


def test_ffplay_preview_runs_the_same_graph(tmp_path: Path) -> None:
    """The printed preview's -vf, run by FFmpeg on the same file, gives the rendered frames."""
    src = rgb_clip(tmp_path)
    recipe = ffx.Recipe(input=str(src), steps=[{"motion": {"delay": 2, "view": "side_by_side", "glow": True}}],
                        output={"path": str(tmp_path / "r.mkv"), **RGB_OUT})
    plan = ffx.render(recipe)
    command = plan.ffplay().split()
    assert command[0] == "ffplay" and "-vf" in command
    preview = list(plan.preview)
    assert preview[-1] == "-an"
    run_ffmpeg(*preview, "-c:v", "ffv1", "-pix_fmt", "gbrp", str(tmp_path / "p.mkv"))
    assert np.array_equal(decode_frames(tmp_path / "p.mkv"), decode_frames(tmp_path / "r.mkv"))


def test_live_inputs_compile_without_probing_or_buffering(tmp_path: Path) -> None:
    recipe = ffx.load_recipe(Path(__file__).resolve().parent.parent / "recipes" / "motion-gray.yaml")
    camera = recipe.with_io(inputs=[ffx.Input.live_source("/dev/video0")], output=str(tmp_path / "o.mp4"))
    plan = ffx.compile_recipe(camera)
    argv = plan.argv
    at = argv.index("-i")
    assert argv[at - 6:at + 2] == ["-f", "v4l2", "-video_size", "640x480", "-framerate", "30", "-i", "/dev/video0"]
    assert plan.memory_estimate < 2**28 and plan.result.duration is None  # FFmpeg, x264 and a few frames
    assert plan.ffplay().startswith("ffplay -hide_banner -f v4l2 -video_size 640x480 -framerate 30 -i /dev/video0 -vf ")
    stream = recipe.with_io(inputs=[ffx.Input.live_source("rtsp://camera.local/live")], output=str(tmp_path / "o.mp4"))
    assert "rtsp://camera.local/live" in ffx.compile_recipe(stream).argv
    reverse = ffx.Recipe(input={"device": "/dev/video0"}, steps=["reverse"], output=str(tmp_path / "o.mp4"))
    with pytest.raises(ffx.RecipeError, match="no end"):
        ffx.compile_recipe(reverse)
