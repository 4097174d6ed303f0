"""Memory: every plan's estimate covers what FFmpeg buffers, and a plan over the budget is done another way
(a GIF in two passes) or refused before it starts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import ffx
from conftest import FFMPEG, child_processes, cmdline, decode_frames, faulty_ffmpeg, ffmpeg_children, make_clip

MiB = 2**20
ROOT = Path(__file__).resolve().parent.parent


def generated(seconds: float, size: str = "160x90", rate: int = 25) -> dict:
    return {"source": "testsrc2", "duration": seconds, "size": size, "rate": rate}


def gif_recipe(path: Path, source: dict | str, steps: list | None = None, **output) -> ffx.Recipe:
    return ffx.Recipe(input=source, steps=steps or [], output={"path": str(path), **output})


def one_and_two_passes(tmp_path: Path, source, steps=None, **output) -> tuple[Path, Path, ffx.Plan]:
    """The same GIF rendered in one pass and, under a budget just below the one-pass estimate, in two."""
    one = tmp_path / "one.gif"
    plan = ffx.render(gif_recipe(one, source, steps, **output))
    assert len(plan.stages) == 1
    two = tmp_path / "two.gif"
    two_plan = ffx.render(gif_recipe(two, source, steps, **output), max_memory=plan.memory_estimate - 1)
    return one, two, two_plan


def peak_rss_of_render(recipe: ffx.Recipe, **options) -> int:
    """The largest resident size of any FFmpeg the render ran, in bytes.

    A fresh Python runs the render, so RUSAGE_CHILDREN sees only its own FFmpegs (it keeps the
    largest child's peak; Python itself is not counted).
    """
    script = ("import json, resource, sys, ffx; "
              "r = json.loads(sys.argv[1]); "
              "ffx.render(ffx.Recipe(**r['recipe']), **r['options']); "
              "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    payload = json.dumps({"recipe": recipe.model_dump(mode="json", by_alias=True, exclude_unset=True),
                          "options": options})
    done = subprocess.run([sys.executable, "-c", script, payload], capture_output=True, text=True, timeout=300,
                          cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    return int(done.stdout.split()[-1]) * 1024  # Linux reports KiB


# --- two-pass GIFs -------------------------------------------------------------------------------------


@pytest.mark.parametrize("output", [{}, {"stats_mode": "diff", "colors": 32}, {"dither": "bayer"}])
def test_two_passes_give_the_same_gif(tmp_path, output):
    """Over the budget, the palette is computed by a first streaming pass; the picture does not change."""
    one, two, plan = one_and_two_passes(tmp_path, generated(2), **output)
    assert len(plan.stages) == 2 and plan.temporary_files
    a, b = decode_frames(one), decode_frames(two)
    assert len(a) == 50 and np.array_equal(a, b)
    assert one.read_bytes() == two.read_bytes()
    assert sorted(os.listdir(tmp_path)) == ["one.gif", "two.gif"]  # the palette went to a private file, now gone


def test_two_passes_keep_a_transparent_gif_right(tmp_path):
    """remove_background: the palette's transparent entry survives the PNG between the passes."""
    src = make_clip(tmp_path / "src.mkv", duration=2.0, audio=None)
    steps = [{"remove_background": {"samples": 5, "end": 0.2}}]  # the background waits for few frames
    one, two, plan = one_and_two_passes(tmp_path, str(src), steps)
    assert len(plan.stages) == 2
    a, b = decode_frames(one, "rgba"), decode_frames(two, "rgba")
    assert np.array_equal(a, b) and {0, 255} <= set(np.unique(a[..., 3]))


def test_a_palette_per_frame_never_needs_two_passes(tmp_path):
    """stats_mode single: palettegen gives each frame's palette at once, nothing waits (measured flat)."""
    budget = ffx.compile_recipe(gif_recipe(tmp_path / "o.gif", generated(0.2))).memory_estimate + 1
    full = ffx.compile_recipe(gif_recipe(tmp_path / "o.gif", generated(60)), max_memory=budget)
    single = ffx.compile_recipe(gif_recipe(tmp_path / "o.gif", generated(60), quality="best"), max_memory=budget)
    assert len(full.stages) == 2 and len(single.stages) == 1
    assert single.memory_estimate < budget


def test_a_long_gif_under_a_small_budget_stays_in_flat_memory(tmp_path):
    """A minute at 160x90: one pass holds every frame (~180 MiB measured); two passes stay near FFmpeg's own."""
    recipe = gif_recipe(tmp_path / "long.gif", generated(60))
    one_pass = ffx.compile_recipe(recipe).memory_estimate
    assert one_pass > 150 * MiB
    plan = ffx.compile_recipe(recipe, max_memory="100M")
    assert len(plan.stages) == 2 and plan.memory_estimate <= 100 * MiB
    peak = peak_rss_of_render(recipe, max_memory="100M")
    assert peak < 80 * MiB, f"FFmpeg peaked at {peak / MiB:.0f} MiB"
    assert len(decode_frames(tmp_path / "long.gif")) == 1500


def test_the_printed_two_pass_plan_runs_as_pasted_and_cleans_up(tmp_path):
    out = tmp_path / "printed.gif"
    one, _, _ = one_and_two_passes(tmp_path, generated(1))
    plan = ffx.compile_recipe(gif_recipe(out, generated(1)), max_memory=ffx.compile_recipe(
        gif_recipe(out, generated(1))).memory_estimate - 1)
    script = plan.shell(FFMPEG)
    assert script.startswith("(trap 'rm -f -- ") and f".{out.name}.palette.png" in script
    done = subprocess.run(["sh", "-c", script], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert out.read_bytes() == one.read_bytes()
    assert sorted(os.listdir(tmp_path)) == ["one.gif", "printed.gif", "two.gif"]


def test_a_failing_second_pass_leaves_nothing(tmp_path, monkeypatch):
    """The palette file is private and removed, the output never appears, no FFmpeg is left running."""
    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(private))
    wrapper = faulty_ffmpeg(tmp_path / "ffmpeg-paletteuse-fails", "*paletteuse*",
                            'echo "second pass broke" >&2; exit 3')
    out = tmp_path / "o.gif"
    budget = ffx.compile_recipe(gif_recipe(out, generated(1))).memory_estimate - 1
    assert len(ffx.compile_recipe(gif_recipe(out, generated(1)), max_memory=budget).stages) == 2
    with pytest.raises(ffx.RenderError, match="second pass broke"):
        ffx.render(gif_recipe(out, generated(1)), max_memory=budget, ffmpeg=str(wrapper))
    assert sorted(os.listdir(tmp_path)) == ["ffmpeg-paletteuse-fails", "tmp"]
    assert os.listdir(private) == [] and ffmpeg_children(tmp_path) == []


def test_render_bytes_runs_both_passes(tmp_path):
    recipe = gif_recipe(tmp_path / "o.gif", generated(1))
    whole = ffx.render_bytes(recipe, format="gif")
    budget = ffx.compile_recipe(recipe).memory_estimate - 1
    assert len(ffx.compile_recipe(recipe, max_memory=budget).stages) == 2
    assert ffx.render_bytes(recipe, format="gif", max_memory=budget) == whole
    assert os.listdir(tmp_path) == []


def test_progress_covers_both_passes_once(tmp_path):
    recipe = gif_recipe(tmp_path / "o.gif", generated(2))
    reports = []
    plan = ffx.render(recipe, max_memory=ffx.compile_recipe(recipe).memory_estimate - 1, progress=reports.append)
    assert len(plan.stages) == 2
    done = [r.done for r in reports]
    assert done == sorted(done) and [r.finished for r in reports].count(True) == 1
    assert reports[-1].finished and reports[-1].fraction == pytest.approx(1.0, abs=0.03)


# --- estimates and refusals ------------------------------------------------------------------------------


def test_a_gif_estimate_covers_its_frames():
    """The issue's case: validate said ~0 MiB for a GIF that held 242 MB."""
    plan = ffx.compile_recipe(gif_recipe(Path("o.gif"), generated(30, "320x180")))
    assert 230 * MiB < plan.memory_estimate < 2**30


@pytest.mark.parametrize("seconds, steps, output, measured_over", [
    (20, [], {"path": "peak.gif"}, 100 * MiB),
    (12, [{"loop_crossfade": 0.5}], {"path": "peak.mkv", "codec": "ffv1"}, 70 * MiB),
    (8, [{"motion": {"delay": 150}}], {"path": "peak.mkv", "codec": "ffv1"}, 50 * MiB),
])
def test_the_estimate_is_above_the_measured_peak_and_near_it(tmp_path, seconds, steps, output, measured_over):
    """Calibration at 320x180: FFmpeg's real peak (resident size) is under the estimate, and not far under
    (measured 157, 91 and 67 MiB; estimated 203, 128 and 98 MiB)."""
    recipe = ffx.Recipe(input=generated(seconds, "320x180"), steps=steps,
                        output={**output, "path": str(tmp_path / output["path"])})
    estimate = ffx.compile_recipe(recipe).memory_estimate
    peak = peak_rss_of_render(recipe)
    assert measured_over < peak < estimate < 2 * peak, (peak / MiB, estimate / MiB)


@pytest.mark.parametrize("step, grows", [
    ({"motion": {"delay": 200}}, {"motion": {"delay": 2}}),
    ({"tmix": {"frames": 200}}, {"tmix": {"frames": 3}}),
    ({"delay": 200}, {"delay": 2}),
])
def test_buffering_steps_count_their_frames(step, grows):
    def estimate(s):
        return ffx.compile_recipe(ffx.Recipe(input=generated(10, "640x360"), steps=[s], output="o.mp4")).memory_estimate
    assert estimate(step) - estimate(grows) > 198 * 640 * 360 * 3


def test_loop_crossfade_counts_the_head_it_holds():
    def estimate(seconds):
        return ffx.compile_recipe(ffx.Recipe(input=generated(seconds, "640x360"), steps=[{"loop_crossfade": 0.5}],
                                             output="o.mp4")).memory_estimate
    assert estimate(20) - estimate(10) > 250 * 640 * 360 * 3


def test_a_plan_over_the_budget_is_refused_with_one_line(tmp_path):
    recipe = tmp_path / "loop.yaml"
    recipe.write_text("input: {source: testsrc2, duration: 20, size: 640x360}\n"
                      "steps:\n  - loop_crossfade: 0.5\noutput: out.mp4\n")
    result = CliRunner().invoke(ffx.cli.app, ["validate", str(recipe), "--max-memory", "256M"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert "steps[0] (loop_crossfade) makes FFmpeg hold ~" in lines[0] and "over the memory budget of 256 MiB" in lines[0]
    assert "--max-memory" in lines[0]
    assert CliRunner().invoke(ffx.cli.app, ["validate", str(recipe), "--max-memory", "2G"]).exit_code == 0


def test_a_gif_that_cannot_be_read_twice_is_refused_over_the_budget(tmp_path):
    """A segmented reverse feeds the GIF through pipes: a second pass would need the feeders again."""
    src = make_clip(tmp_path / "src.mkv", duration=2.0, audio=None, keyint=10)
    recipe = ffx.Recipe(input=str(src), steps=["reverse"], output=str(tmp_path / "o.gif"))
    with pytest.raises(ffx.RecipeError, match="two passes cannot be used: its frames come from a pipe"):
        ffx.compile_recipe(recipe, max_memory="1M")
    assert not (tmp_path / "o.gif").exists()


def test_validate_names_two_passes(tmp_path):
    recipe = tmp_path / "long.yaml"
    recipe.write_text("input: {source: testsrc2, duration: 60, size: 160x90}\noutput: long.gif\n")
    result = CliRunner().invoke(ffx.cli.app, ["validate", str(recipe), "--max-memory", "100M"])
    assert result.exit_code == 0 and "(2 passes)" in result.output


def test_an_existing_output_is_refused_before_the_first_pass(tmp_path, monkeypatch):
    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(private))
    out = tmp_path / "o.gif"
    out.write_bytes(b"old")
    log = tmp_path / "passes.log"
    wrapper = faulty_ffmpeg(tmp_path / "ffmpeg-logged", "*palettegen*", f'echo pass >> "{log}"')
    recipe = gif_recipe(out, generated(1))
    budget = ffx.compile_recipe(recipe, overwrite=True).memory_estimate - 1
    with pytest.raises(ffx.InputError, match="already exists"):
        ffx.render(recipe, max_memory=budget, ffmpeg=str(wrapper))
    assert out.read_bytes() == b"old" and os.listdir(private) == []
    assert not log.exists()  # refused before the palette pass spent its time


def test_a_gif_of_a_stream_with_no_end_needs_a_length_or_a_palette_per_frame(tmp_path):
    camera = ffx.Input.live_source("/dev/video0")
    with pytest.raises(ffx.RecipeError, match="stream with no end would keep every frame"):
        ffx.compile_recipe(ffx.Recipe(input=camera, output=str(tmp_path / "o.gif")))
    assert len(ffx.compile_recipe(ffx.Recipe(input=camera, output={"path": str(tmp_path / "o.gif"),
                                                                   "quality": "best"})).stages) == 1
    trimmed = ffx.compile_recipe(ffx.Recipe(input=camera, steps=[{"trim": {"duration": 2}}],
                                            output=str(tmp_path / "o.gif")))
    assert trimmed.result.duration == 2 and trimmed.memory_estimate > 60 * 640 * 480 * 4


def test_a_killed_two_pass_render_leaves_no_palette(tmp_path):
    """SIGKILL during the palette pass: the palette had no name (Linux O_TMPFILE), so nothing stays behind."""
    import signal
    import time

    private = tmp_path / "tmp"
    private.mkdir()
    out = tmp_path / "o.gif"
    script = ("import ffx; ffx.render(ffx.Recipe(input={'source': 'testsrc2', 'duration': 600, 'size': '160x90'}, "
              f"output={str(out)!r}), max_memory='100M')")
    child = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env={**os.environ, "TMPDIR": str(private)})
    try:
        deadline = time.monotonic() + 60
        while not any(b"palettegen" in cmdline(pid) for pid in child_processes(child.pid)):
            assert time.monotonic() < deadline and child.poll() is None, "the palette pass never started"
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait()
    assert os.listdir(private) == [] and not out.exists()
