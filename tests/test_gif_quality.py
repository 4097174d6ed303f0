"""GIF quality numbers (1-100): settings chosen by trying them on sampled frames, the presets unchanged."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import pytest

import ffx
from ffx.compile import palette_trials
from ffx.ffmpeg.binary import find_ffmpeg
from ffx.recipe.palette import PRESET_NUMBERS, preset_of, ssim_loss

GOLDEN = Path(__file__).parent / "golden" / "outputs"
# what the former default (now the preset `high`) compiled to: tests/golden/outputs/gif.txt before numbers
HIGH = ("-filter_complex [0:v:0]format=pix_fmts=gbrp[s0];[s0]split=outputs=2[s1][s2];[s1]scale=w=max(1\\,trunc(iw/2))"
        ":h=max(1\\,trunc(ih/2)):flags=neighbor[s3];[s3]palettegen[s4];[s2][s4]paletteuse=dither=none:"
        "diff_mode=rectangle[s5] -map [s5] -f gif -c:v gif -loop 0 file:o.gif\n")
CHOICE = re.compile(r"quality (\d+): colors: (\d+), dither: (\w+)(?:, bayer_scale: \d)?(, no transparency slot)? "
                    r"\(SSIM ([0-9.]+)")


@pytest.fixture(scope="module")
def moving(tmp_path_factory) -> Path:
    """A colourful moving pattern with a gradient, 2 s at 12 fps, 200x150, lossless: a file input."""
    path = tmp_path_factory.mktemp("quality") / "moving.mkv"
    subprocess.run([find_ffmpeg(), "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=200x150:rate=12:duration=2",
                    "-c:v", "ffv1", str(path)], check=True)
    return path


def compiled(clip, tmp_path, **output) -> ffx.Plan:
    return ffx.compile_recipe(ffx.Recipe(input=str(clip) if isinstance(clip, Path) else clip,
                                         output={"path": str(tmp_path / "o.gif"), **output}))


def choice(plan: ffx.Plan) -> re.Match:
    (line,) = plan.choices
    found = CHOICE.match(line)
    assert found, line
    return found


def test_a_higher_quality_number_never_measures_lower(moving, tmp_path):
    scores = [float(choice(compiled(moving, tmp_path, quality=q))[5]) for q in (20, 50, 70, 80, 90, 95, 100)]
    assert scores == sorted(scores)
    assert scores[0] < scores[-1]  # the numbers do choose different settings here


def test_the_chosen_setting_is_written_into_the_command(moving, tmp_path):
    for quality in (50, 90):
        plan = compiled(moving, tmp_path, quality=quality)
        _, colors, dither, no_slot, _ = choice(plan).groups()
        command = plan.shell()
        assert (f"max_colors={colors}" in command) == (colors != "256")
        assert f"paletteuse=dither={dither}" in command
        assert ("reserve_transparent=0" in command) == (colors != "256" or no_slot is not None)
        # the printed command is the whole plan: it runs without ffx and makes the GIF
        out = tmp_path / "o.gif"
        subprocess.run(command, shell=True, check=True, capture_output=True)
        assert out.stat().st_size > 0


def test_the_presets_compile_as_before_and_measure_nothing(moving, tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a preset measured")

    monkeypatch.setattr(palette_trials.SampledPaletteTrials, "try_palettes", refuse)
    for name, golden in (("high", HIGH), ("best", (GOLDEN / "gif-best.txt").read_text())):
        plan = compiled(moving, Path("."), quality=name)
        args = list(plan.stages[-1].args)
        assert " ".join(args[args.index("-filter_complex"):]).replace(str(Path(".") / "o.gif"), "o.gif") + "\n" == golden
        assert plan.choices == ()
    assert [preset_of(PRESET_NUMBERS[name]) for name in PRESET_NUMBERS] == list(PRESET_NUMBERS)
    assert compiled(moving, tmp_path, quality=90, colors=64).choices == ()  # an explicit palette size wins


def test_the_quality_scale_asks_more_of_higher_numbers():
    losses = [ssim_loss(q) for q in range(1, 101)]
    assert losses == sorted(losses, reverse=True) and len(set(losses)) == 100
    with pytest.raises(ffx.RecipeError):
        ffx.Recipe(input="a.mp4", output={"path": "o.gif", "quality": 101})


def test_the_measurement_is_bounded_in_frames_and_time(moving, tmp_path, monkeypatch):
    runs = []
    real = subprocess.run

    def recorded(argv, **kwargs):
        runs.append((argv, kwargs.get("timeout")))
        return real(argv, **kwargs)

    monkeypatch.setattr(palette_trials.subprocess, "run", recorded)
    started = time.monotonic()
    plan = compiled(moving, tmp_path, quality=90)  # a number: measured
    elapsed = time.monotonic() - started
    assert choice(plan)[1] == "90"
    assert runs and all(timeout == palette_trials.TIMEOUT for _, timeout in runs)
    samples = [argv for argv, _ in runs if "rawvideo" in argv]
    assert len(samples) == 1 and len(runs) == 3  # the frames decoded once, tried in two rounds
    assert samples[0][samples[0].index("-frames:v") + 1] == str(palette_trials.SAMPLE_FRAMES) == "4"
    every = min(24, palette_trials.SAMPLE_SPAN) // 2  # pairs spread over the clip's 24 frames, within the span
    assert f"select=expr=lt(mod(n\\,{every})\\,2)" in " ".join(samples[0])
    assert elapsed < 10  # a shared, loaded machine: about 0.3 s alone


def test_a_measurement_that_runs_over_falls_back_to_the_preset(moving, tmp_path, monkeypatch):
    monkeypatch.setattr(palette_trials, "TIMEOUT", 0.0001)
    plan = compiled(moving, tmp_path, quality=70)
    assert plan.choices == ("quality 70: medium (128 colours, dither none), not measured (a live, piped or "
                            + "generated source, or the trials failed)",)
    assert "max_colors=128" in plan.shell()


def test_a_live_input_uses_the_fixed_mapping_without_measuring(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a live stream was measured")

    monkeypatch.setattr(palette_trials.subprocess, "run", refuse)
    camera = ffx.Input.live_source("/dev/video0")
    plan = ffx.compile_recipe(ffx.Recipe(input=camera, steps=[{"trim": {"duration": 2}}],
                                         output={"path": str(tmp_path / "o.gif"), "quality": 55}))
    assert plan.choices == ("quality 55: low (64 colours, dither none), not measured (a live, piped or generated "
                            + "source, or the trials failed)",)
    assert "max_colors=64" in plan.shell()
