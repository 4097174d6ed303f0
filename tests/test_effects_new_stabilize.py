"""stabilize: two passes of vid.stab through a lane, a private transforms file, steadier frames."""

import os
import subprocess

import numpy as np
import pytest

import ffx
from conftest import ADVERSARIAL, FFMPEG, decode_audio, decode_frames, faulty_ffmpeg, ffmpeg_children, run_ffmpeg
from ffx.media.probe import probe

LOSSLESS = {"codec": "ffv1", "audio_codec": "pcm_s16le"}


def shaky_clip(path, audio=True):
    """A still picture seen through a 320x240 window that jumps by up to 6 px a frame (known jitter), 2 s."""
    args = ["-f", "lavfi", "-i", "testsrc2=size=400x300:rate=25:duration=0.04"]
    if audio:
        args += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=2", "-c:a", "pcm_s16le"]
    run_ffmpeg(*args, "-vf", "loop=loop=49:size=1,setpts=N/25/TB,"
               "crop=w=320:h=240:x=40+round(6*sin(n*2.1)):y=30+round(5*sin(n*1.3+1)):exact=1",
               "-c:v", "ffv1", "-y", str(path))
    return path


def displacement(path):
    """Mean frame-to-frame shift of the picture in pixels (phase correlation of consecutive frames)."""
    frames = decode_frames(path, "gray")[..., 0].astype(float)
    window = np.outer(np.hanning(frames.shape[1]), np.hanning(frames.shape[2]))
    shifts = []
    for a, b in zip(frames, frames[1:]):
        cross = np.fft.fft2((a - a.mean()) * window) * np.conj(np.fft.fft2((b - b.mean()) * window))
        peak = np.fft.ifft2(cross / (np.abs(cross) + 1e-9)).real
        dy, dx = np.unravel_index(np.argmax(peak), peak.shape)
        dy, dx = (dy - frames.shape[1] if dy > frames.shape[1] // 2 else dy,
                  dx - frames.shape[2] if dx > frames.shape[2] // 2 else dx)
        shifts.append(np.hypot(dx, dy))
    return float(np.mean(shifts))


def test_a_shaky_clip_comes_out_steady_with_its_audio(tmp_path, private_tmp):
    src = shaky_clip(tmp_path / "shaky.mkv")
    out = tmp_path / "steady.mkv"
    plan = ffx.render(ffx.Recipe(input=str(src), steps=["stabilize"], output={"path": str(out), **LOSSLESS}))
    before, after = displacement(src), displacement(out)
    assert before > 6 and after < before / 10  # measured: 8.13 px -> 0.18 px
    got = probe(str(out), FFMPEG)
    assert (got.width, got.height, got.frames) == (plan.result.width, plan.result.height, plan.result.frames) == (320, 240, 50)
    assert abs(got.duration - plan.result.duration) < 0.06
    assert len(decode_audio(out)) == pytest.approx(2 * 48000, abs=480)
    assert os.listdir(private_tmp) == []  # the transforms file and its folder are gone
    assert sorted(os.listdir(tmp_path)) == ["shaky.mkv", "steady.mkv", "tmp"]


def test_steps_before_and_after_run_where_they_belong(tmp_path, private_tmp):
    src = shaky_clip(tmp_path / "shaky.mkv", audio=False)
    out = tmp_path / "out.mkv"
    steps = [{"trim": {"start": 0.4}}, "stabilize", {"resize": 0.5}]
    plan = ffx.render(ffx.Recipe(input=str(src), steps=steps, output={"path": str(out), **LOSSLESS}))
    frames = decode_frames(out)
    assert frames.shape[:3] == (40, 120, 160) and plan.result.frames == 40
    feed_commands = [" ".join(c) for lane in plan.feeds[0].lanes() for c in lane.commands]
    assert all("-ss" in c for c in feed_commands)  # the trim seeks in both passes
    assert "scale" in " ".join(plan.stages[0].args) and not any("scale" in c for c in feed_commands)


def test_the_printed_script_runs_as_pasted_and_cleans_up(tmp_path):
    src = shaky_clip(tmp_path / "shaky.mkv")
    out = tmp_path / "script.mkv"
    plan = ffx.compile_recipe(ffx.Recipe(input=str(src), steps=[{"stabilize": 10}],
                                         output={"path": str(out), **LOSSLESS}))
    script = plan.shell(FFMPEG)
    assert "vidstabdetect" in script and '"$work/FFX_SCRATCH_0"' in script
    work = tmp_path / "work"
    work.mkdir()
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "TMPDIR": str(work)}, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert displacement(out) < displacement(src) / 10
    assert os.listdir(work) == []


def test_a_failing_pass_is_one_clear_error_and_leaves_nothing(tmp_path, private_tmp):
    src = shaky_clip(tmp_path / "shaky.mkv", audio=False)
    wrapper = faulty_ffmpeg(tmp_path / "ffmpeg-transform-fails", "*vidstabtransform*",
                            'echo "transform broke" >&2; exit 3')
    out = tmp_path / "o.mkv"
    with pytest.raises(ffx.RenderError, match="transform broke"):
        ffx.render(ffx.Recipe(input=str(src), steps=["stabilize"], output={"path": str(out), **LOSSLESS}),
                   ffmpeg=str(wrapper))
    assert sorted(os.listdir(tmp_path)) == ["ffmpeg-transform-fails", "shaky.mkv", "tmp"]
    assert os.listdir(private_tmp) == []
    assert ffmpeg_children(tmp_path) == []
    ADVERSARIAL["clean aborts"] += 1


def test_raw_vidstab_filters_stay_refused_while_the_effect_is_allowed(silent_clip):
    for name in ("vidstabdetect", "vidstabtransform"):
        with pytest.raises(ffx.RecipeError, match="refused"):
            ffx.compile_recipe(ffx.Recipe(input=str(silent_clip), steps=[{"filter": {"name": name, "result": "/etc/x"}}],
                                          output="o.mp4"))
    plan = ffx.compile_recipe(ffx.Recipe(input=str(silent_clip), steps=["stabilize"], output="o.mp4"))
    assert "FFX_SCRATCH_0" in " ".join(" ".join(c) for c in plan.feeds[0].lanes()[0].commands)
    ADVERSARIAL["clear errors"] += 2


def test_stabilize_refuses_a_stream_that_arrives_through_a_pipe(tmp_path):
    src = shaky_clip(tmp_path / "shaky.mkv", audio=False)
    with pytest.raises(ffx.RecipeError, match="cannot follow a step that streams it through a pipe"):
        ffx.compile_recipe(ffx.Recipe(input=str(src), steps=["reverse", "stabilize"], output="o.mp4"),
                           max_memory="1M")


def test_validate_and_compile_describe_a_plan_with_a_stabilize_lane(tmp_path):
    from typer.testing import CliRunner

    from ffx.cli import app

    recipe = tmp_path / "steady.yaml"
    recipe.write_text("input: {source: testsrc2, size: 320x240, duration: 1}\nsteps:\n  - stabilize\n"
                      f"output: {tmp_path / 'o.mp4'}\n")
    result = CliRunner().invoke(app, ["validate", str(recipe)], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    assert "320x240 @ 25 fps, 1.00 s (25 frames)" in result.output
    printed = CliRunner().invoke(app, ["compile", str(recipe)], env={"COLUMNS": "120"})
    assert printed.exit_code == 0 and printed.output.startswith("#!/usr/bin/env bash")
