"""Plan -> ffmpeg-python -> frames, command line -> recipe -> frames, and the Python-only ffmpeg-python step."""

from __future__ import annotations

import json
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import ffx
from conftest import FFMPEG, decode_audio, decode_frames, make_clip, run_ffmpeg
from ffx.cli import app

ffmpeg = pytest.importorskip("ffmpeg")
from ffx.interop import recipe_from_command, to_ffmpeg_python  # noqa: E402

LOSSLESS = {"codec": "ffv1", "audio_codec": "pcm_s16le"}


@pytest.fixture
def small(tmp_path: Path) -> Path:
    return make_clip(tmp_path / "small.mkv", duration=0.4, size="64x48")


def test_a_plan_run_by_ffmpeg_python_gives_ffx_s_frames_and_samples(small, tmp_path):
    recipe = ffx.Recipe(inputs={"clip": str(small), "logo": str(small)},
                        steps=[{"mirror": None, "as": "flipped"}, {"from": "logo", "resize": 0.25, "as": "small"},
                               {"from": "flipped", "filter": {"name": "overlay", "with": ["small"], "x": 4, "y": 2}},
                               {"color": {"saturation": 0.5}}],
                        output={"path": str(tmp_path / "ours.mkv"), **LOSSLESS})
    plan = ffx.render(recipe)
    theirs = tmp_path / "theirs.mkv"
    exported = ffx.compile_recipe(recipe.with_io(output=str(theirs))).to_ffmpeg_python()  # the Plan method
    assert exported.compile(cmd=FFMPEG) == to_ffmpeg_python(ffx.compile_recipe(recipe.with_io(output=str(theirs)))).compile(cmd=FFMPEG)
    exported.run(cmd=FFMPEG, quiet=True, overwrite_output=True)
    ours = Path(plan.stages[-1].output_path)
    assert np.array_equal(decode_frames(ours), decode_frames(theirs)) and len(decode_frames(ours)) == 10
    assert np.array_equal(decode_audio(ours), decode_audio(theirs))


def test_what_ffmpeg_python_cannot_run_is_refused_in_one_line(small, tmp_path):
    deep = ffx.Recipe(input=str(small), steps=[{"filter": "hflip"}] * 1200, output=str(tmp_path / "o.mkv"))
    with pytest.raises(ffx.CapabilityError, match="1200 filters deep"):
        to_ffmpeg_python(ffx.compile_recipe(deep))
    two_passes = ffx.Recipe(input=str(small), steps=["stabilize"], output=str(tmp_path / "o.mkv"))
    with pytest.raises(ffx.CapabilityError, match="ffmpeg-python writes one command"):
        to_ffmpeg_python(ffx.compile_recipe(two_passes))
    with pytest.raises(ffx.UsageError):
        to_ffmpeg_python("not a plan")


def from_command(*words: str, python: bool = False) -> str:
    result = CliRunner().invoke(app, ["from-command", *(["--python"] if python else []), "--", *words])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_command_line_becomes_a_recipe_rendering_the_same_frames(small, tmp_path):
    theirs = tmp_path / "theirs.mkv"
    words = ["ffmpeg", "-ss", "0.08", "-t", "0.24", "-i", str(small), "-vf", "hflip,scale=32:-1,negate",
             "-c:v", "ffv1", "-c:a", "pcm_s16le"]
    run_ffmpeg(*words[1:], "-y", str(theirs))
    text = from_command(*words, str(tmp_path / "ours.mkv"))
    recipe = ffx.load_recipe(tmp_path / "r.yaml", text=text)
    assert [s.effect for s in recipe.steps] == ["trim", "mirror", "resize", "filter"]
    ours = Path(ffx.render(recipe).stages[-1].output_path)
    assert np.array_equal(decode_frames(ours), decode_frames(theirs)) and len(decode_frames(ours)) == 6
    code = from_command(*words, str(tmp_path / "py.mkv"), python=True)
    scope: dict = {}
    exec(code, scope)  # the Python form builds the same recipe
    assert scope["recipe"].steps == recipe.steps


def test_filter_complex_labels_several_inputs_and_map(small, tmp_path):
    other = make_clip(tmp_path / "other.mkv", duration=0.4, size="64x48", source="smptebars")
    graph = "[1:v]scale=16:12[l];[0:v]vflip[a];[a][l]overlay=x=8:y=8,hue=s=0[v]"
    words = ["ffmpeg", "-i", str(small), "-i", str(other), "-filter_complex", graph, "-map", "[v]", "-map", "0:a",
             "-c:v", "ffv1", "-c:a", "pcm_s16le"]
    theirs = tmp_path / "theirs.mkv"
    run_ffmpeg(*words[1:], "-y", str(theirs))
    converted = recipe_from_command([*words, str(tmp_path / "ours.mkv")])
    ours = Path(ffx.render(converted.recipe).stages[-1].output_path)
    assert np.array_equal(decode_frames(ours), decode_frames(theirs))
    assert np.array_equal(decode_audio(ours), decode_audio(theirs))


def test_options_ffx_does_not_model_become_notes(small, tmp_path):
    text = from_command("ffmpeg", "-i", str(small), "-vf", "vflip", "-movflags", "+faststart", "-g", "12",
                        "-metadata", "title=x", str(tmp_path / "o.mp4"))
    notes = [line for line in text.splitlines() if line.startswith("# note:")]
    assert len(notes) == 3 and "-movflags +faststart" in notes[0] and "-g 12" in notes[1]
    assert ffx.load_recipe(tmp_path / "r.yaml", text=text).steps[0].y is True
    result = CliRunner().invoke(app, ["from-command", "--", "ffmpeg", "-i", "a.mp4", "-vf", "nosuchfilter", "o.mp4"])
    assert result.exit_code == 1 and "nosuchfilter" in result.output


def test_the_ffmpeg_python_step_gives_ffmpeg_python_s_frames(small, tmp_path):
    def look(stream):
        return stream.filter("hue", s=0).hflip().filter("scale", 32, -1)

    theirs = tmp_path / "theirs.mkv"
    look(ffmpeg.input(str(small)).video).output(str(theirs), vcodec="ffv1").run(cmd=FFMPEG, quiet=True)
    step = ffx.effects.FfmpegPython(look)
    recipe = ffx.Recipe(input=str(small), steps=[step, "mirror"],
                        output={"path": str(tmp_path / "ours.mkv"), "audio": False, **LOSSLESS})
    with warnings.catch_warnings():
        warnings.simplefilter("error", ffx.FfxWarning)  # every filter is known to keep the length
        plan = ffx.render(recipe)
    assert plan.result.frames == 10
    ours = decode_frames(plan.stages[-1].output_path)
    assert np.array_equal(ours[:, :, ::-1], decode_frames(theirs))  # mirror undoes nothing of theirs but the flip
    with pytest.raises(ffx.RecipeError, match="Python step"):
        recipe.to_yaml()
    with pytest.warns(ffx.FfxWarning, match="setpts"):
        ffx.compile_recipe(recipe.model_copy(update={"steps": [ffx.effects.FfmpegPython(
            lambda s: s.filter("setpts", "PTS/2"))]}))


def test_the_python_step_stays_out_of_yaml_the_registry_and_the_schema():
    from ffx.effects import REGISTRY

    assert "ffmpeg_python" not in REGISTRY and "FfmpegPython" in dir(ffx.effects)
    schema = CliRunner().invoke(app, ["schema"]).output
    assert "ffmpeg_python" not in json.loads(schema)["properties"]["steps"].__repr__()
    with pytest.raises(ffx.RecipeError):
        ffx.load_recipe("r.yaml", text="input: a.mp4\nsteps: [ffmpeg_python]\noutput: o.mp4\n")
    with pytest.raises(ffx.RecipeError, match="stream"):
        ffx.compile_recipe(ffx.Recipe(input={"source": "testsrc2", "duration": 1},
                                      steps=[ffx.effects.FfmpegPython(lambda s: 3)], output="/tmp/o.mp4"))
