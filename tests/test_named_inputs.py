"""Named inputs on the command line (``-i music=song.mp3``), and saying which file feeds which input."""

from __future__ import annotations

import subprocess
import sys
import warnings

import pytest
from typer.testing import CliRunner

import ffx
from conftest import FFMPEG, decode_frames
from ffx.cli import app

TWO_INPUTS = """\
inputs:
  left: {source: color, color: black, size: 64x48, rate: 10, duration: 1}
  right: {source: color, color: white, size: 64x48, rate: 10, duration: 1}
steps:
  - from: left
    hstack: {with: [right]}
output: out.mkv
"""


def coloured(path, color: str) -> str:
    subprocess.run([FFMPEG, "-v", "error", "-f", "lavfi", "-i", f"color=c={color}:s=64x48:r=10:d=1", "-c:v", "ffv1",
                    "-y", str(path)], check=True)
    return str(path)


@pytest.fixture
def recipe(tmp_path):
    path = tmp_path / "two.yaml"
    path.write_text(TWO_INPUTS)
    return path


def test_a_named_input_feeds_the_input_of_that_name_and_the_pixels_show_it(recipe, tmp_path):
    red = coloured(tmp_path / "red.mkv", "red")
    plan = ffx.render(recipe, inputs=[("right", red)], output=str(tmp_path / "o.mkv"))
    frame = decode_frames(plan.stages[-1].output_path)[0].astype(int)
    assert frame[:, :64].max() < 20  # left: the recipe's own black
    assert (abs(frame[:, 64:] - [254, 0, 0]) < 20).all()  # right: the red file, not the recipe's white
    assert plan.sources == (("left", "generated color (recipe default)", False), ("right", red, True))


def test_unnamed_inputs_fill_the_inputs_no_name_took_in_order(recipe, tmp_path):
    red, blue = coloured(tmp_path / "red.mkv", "red"), coloured(tmp_path / "blue.mkv", "blue")
    plan = ffx.compile_recipe(recipe, inputs=[blue, ("left", red)], output=str(tmp_path / "o.mkv"))
    assert [(name, what) for name, what, _ in plan.sources] == [("left", red), ("right", blue)]


@pytest.mark.parametrize("inputs, message", [
    ([("middle", "a.mkv")], "the recipe has no input named 'middle' (its inputs are left, right)"),
    ([("left", "a.mkv"), ("left", "b.mkv")], "the input 'left' is given twice"),
    (["a.mkv", "b.mkv", "c.mkv"], "3 inputs given with -i, but the recipe has 2"),
    ([("left", "a.mkv"), "b.mkv", "c.mkv"], "3 inputs given with -i, but the recipe has 2 (left given by name)"),
])
def test_a_wrong_name_or_count_is_one_line_naming_the_inputs(recipe, inputs, message):
    with pytest.raises(ffx.RecipeError) as raised:
        ffx.compile_recipe(recipe, inputs=inputs, output="o.mkv")
    assert message in str(raised.value) and len(str(raised.value).splitlines()) == 1


def test_an_input_left_to_its_generated_default_is_a_warning_only_when_others_were_given(recipe, tmp_path):
    red = coloured(tmp_path / "red.mkv", "red")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ffx.compile_recipe(recipe, inputs=[("right", red)], output=str(tmp_path / "o.mkv"))
        given_some = [str(w.message) for w in caught if issubclass(w.category, ffx.FfxWarning)]
        caught.clear()
        ffx.compile_recipe(recipe, output=str(tmp_path / "o.mkv"))  # the recipe as it ships: its demo
        given_none = [str(w.message) for w in caught if issubclass(w.category, ffx.FfxWarning)]
    assert given_some == ["the input 'left' is the recipe's own generated color: give -i left=FILE to use yours"]
    assert given_none == []


def test_the_command_line_names_inputs_and_says_which_file_feeds_which(recipe, tmp_path):
    red = coloured(tmp_path / "red.mkv", "red")
    validated = CliRunner().invoke(app, ["validate", str(recipe), "-i", f"right={red}"])
    assert validated.exit_code == 0, validated.output
    assert "  left <- generated color (recipe default)" in validated.stdout
    assert f"  right <- {red}" in validated.stdout
    assert "warning: the input 'left' is the recipe's own generated color" in validated.stderr
    compiled = CliRunner().invoke(app, ["compile", str(recipe), "-i", f"right={red}", "-o", str(tmp_path / "o.mkv")])
    assert compiled.exit_code == 0 and "<-" not in compiled.stdout  # stdout holds only the command
    assert f"  right <- {red}" in compiled.stderr
    wrong = CliRunner().invoke(app, ["validate", str(recipe), "-i", f"middle={red}"])
    assert wrong.exit_code == 1 and "no input named 'middle'" in wrong.stderr


def test_a_file_whose_name_looks_like_name_equals_path_is_a_file(recipe, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    coloured(tmp_path / "right=red.mkv", "red")
    done = subprocess.run([sys.executable, "-m", "ffx", "compile", str(recipe), "-i", "right=red.mkv", "-o", "o.mkv",
                           "--json"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "file:right=red.mkv" in done.stdout  # the first input, by position: the file of that exact name
    assert "  left <- right=red.mkv" in done.stderr
