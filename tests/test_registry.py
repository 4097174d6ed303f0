"""Every registered effect: its example loads, compiles, renders a short clip holding the planned frames,
and the README's effects table has a row for it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

import ffx
from conftest import FFMPEG
from effect_examples import NAMES, RECIPES, example_recipe

README = Path(__file__).resolve().parent.parent / "README.md"

# examples whose file does not yet hold the frames the plan states (remove the entry when fixed: it is strict)
MISCOUNTED = {"trim": "the fast seek keeps a frame at the span's end (1 too many)"}


def decoded_frames(path: str) -> int:
    """Frames FFmpeg decodes from the file's video (as many as it holds, whatever their timestamps)."""
    done = subprocess.run([FFMPEG, "-hide_banner", "-nostdin", "-i", path, "-map", "0:v:0", "-fps_mode", "passthrough",
                           "-f", "null", "-"], capture_output=True, text=True)
    return int(re.findall(r"frame=\s*(\d+)", done.stderr)[-1])


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.xfail(reason=MISCOUNTED[n], strict=True))
                                  if n in MISCOUNTED else n for n in NAMES])
def test_the_example_renders_the_frames_its_plan_states(name, tmp_path, monkeypatch):
    monkeypatch.chdir(RECIPES)  # where the files examples name are, whether paths follow the recipe or the cwd
    output = {"path": str(tmp_path / "out.mkv"), "codec": "ffv1", "audio_codec": "pcm_s16le"}
    plan = ffx.render(example_recipe(name, output))
    assert plan.result.frames is not None
    assert decoded_frames(plan.stages[-1].output_path) == plan.result.frames


def effect_rows() -> list[str]:
    text = README.read_text()
    table = text[text.index("| effect | what it does |"):]
    return [line.split("|")[1] for line in table.splitlines() if line.startswith("|")][2:]


@pytest.mark.parametrize("name", NAMES)
def test_the_readme_table_has_a_row_for_the_effect(name):
    assert any(f"`{name}`" in first_cell for first_cell in effect_rows()), f"README.md: no row for `{name}`"
