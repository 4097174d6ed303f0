"""What was done to an input to show it as a player does is said: one line per input put right, by
``ffx validate``, ``ffx compile`` and ``ffx render``, and in ``ffx compile --json``; none for a clean file."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import zoo
from typer.testing import CliRunner

from ffx.cli import app

RECIPES = Path(__file__).resolve().parent.parent / "recipes"  # whatever folder a test moved to
TWO = """\
inputs:
  a: {path: %s}
  b: {path: %s}
steps:
  - from: b
    resize: {width: 320, height: 180}
    as: small
  - from: a
    hstack: {with: [small]}
output: %s
"""


def run(*args: str):
    done = CliRunner().invoke(app, list(args))
    assert done.exit_code == 0, done.output
    return done


@pytest.fixture(scope="module")
def zoo_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("said")
    return {make.__name__: make(folder) for make in (zoo.anamorphic, zoo.hlg, zoo.surround, zoo.bframes)} | {
        "unflagged": zoo.interlaced(folder, flagged=False)}


def test_validate_says_what_was_done_to_each_input_and_nothing_for_a_clean_one(zoo_files, tmp_path):
    recipe = tmp_path / "two.yaml"
    recipe.write_text(TWO % (zoo_files["hlg"], zoo_files["anamorphic"], tmp_path / "o.mkv"))
    said = run("validate", str(recipe)).stdout.splitlines()[1:]
    assert said == [f"  a <- {zoo_files['hlg']}: HLG tone-mapped to BT.709",
                    f"  b <- {zoo_files['anamorphic']}: untagged SD picture tagged BT.601 (NTSC), "
                    "32:27 pixels made square (720x480 shown as 854x480)"]
    clean = run("validate", f"{RECIPES}/gif.yaml", "-i", str(zoo_files["bframes"]), "-o", str(tmp_path / "o.gif"))
    assert len(clean.stdout.splitlines()) == 1 and "<-" not in clean.stdout


def test_the_field_order_says_where_it_came_from(zoo_files, tmp_path):
    done = run("validate", f"{RECIPES}/gif.yaml", "-i", str(zoo_files["unflagged"]), "-o", str(tmp_path / "o.gif"))
    assert f"  input <- {zoo_files['unflagged']}: deinterlaced (bwdif, top field first, from idet)" in done.stdout


def test_compile_says_it_on_stderr_and_in_its_json_and_the_render_does_what_it_says(zoo_files, tmp_path):
    out = tmp_path / "o.mp3"
    args = (f"{RECIPES}/excerpt.yaml", "-i", str(zoo_files["surround"]), "-o", str(out))
    compiled = run("compile", "--json", *args)
    assert json.loads(compiled.stdout)["normalised"] == {"input": ["5.1 mixed down to stereo for libmp3lame"]}
    assert compiled.stderr == f"  input <- {zoo_files['surround']}: 5.1 mixed down to stereo for libmp3lame\n"
    clean = run("compile", "--json", f"{RECIPES}/excerpt.yaml", "-i", str(zoo_files["bframes"]), "-o", str(out))
    assert json.loads(clean.stdout)["normalised"] == {} and clean.stderr == ""
    rendered = run("render", "-q", *args)
    assert rendered.stderr == ""  # quiet: nothing said
    head = subprocess.run([zoo.FFMPEG, "-hide_banner", "-i", str(out)], capture_output=True, text=True).stderr
    assert "stereo" in next(line for line in head.splitlines() if "Audio:" in line)


def test_a_phone_clip_says_its_turn_its_tone_map_and_its_held_stretch(tmp_path):
    src = zoo.phone_still(tmp_path)
    done = run("validate", f"{RECIPES}/gif.yaml", "-i", str(src), "-o", str(tmp_path / "o.gif"))
    assert done.stdout.splitlines()[1:] == [
        f"  input <- {src}: turned 90° anticlockwise as its display matrix says, HLG tone-mapped to BT.709, "
        "gaps held at 30 fps (frames repeated), the first frame also over the 0.30 s before it"]
    kept = run("validate", f"{RECIPES}/excerpt.yaml", "-i", str(src), "-o", str(tmp_path / "o.mp4"))
    assert kept.stdout.splitlines()[1].endswith("HLG tone-mapped to BT.709, gaps kept (variable rate, 20 fps on average)")
