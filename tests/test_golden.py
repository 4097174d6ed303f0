"""Golden graphs: what each effect's example compiles to, one line per FFmpeg command, kept in tests/golden/.

A change of graph shape shows in review as a change of these files. After an
intended change, rewrite them with ``pytest tests/test_golden.py --update-goldens``.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

import ffx
from effect_examples import NAMES, RECIPES, example_recipe

GOLDEN = Path(__file__).parent / "golden"
# folders that differ from one checkout to another: the bundled font's, the recipes' (captions.srt)
PACKAGE, REPOSITORY = str(Path(ffx.__file__).parent), str(Path(__file__).resolve().parent.parent)


def graph_lines(plan: ffx.Plan) -> str:
    """Each command's inputs and filtergraph: everything before the streams are mapped to the output."""
    lines = []
    for stage in plan.stages:
        args = list(stage.args)
        end = args.index("-map") if "-map" in args else len(args) - 1
        lines.append(shlex.join(args[:end]).replace(PACKAGE, "<ffx>").replace(REPOSITORY, "<repo>"))
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("name", NAMES)
def test_the_example_compiles_to_its_golden_graph(name, tmp_path, request, monkeypatch):
    monkeypatch.chdir(RECIPES)  # where the files examples name are, whether paths follow the recipe or the cwd
    recipe = example_recipe(name, {"path": str(tmp_path / "out.mkv"), "codec": "ffv1", "audio_codec": "pcm_s16le"})
    text = graph_lines(ffx.compile_recipe(recipe))
    golden = GOLDEN / f"{name}.txt"
    if request.config.getoption("--update-goldens"):
        GOLDEN.mkdir(exist_ok=True)
        golden.write_text(text)
    assert golden.exists(), f"no golden graph for {name!r}: run pytest tests/test_golden.py --update-goldens"
    assert text == golden.read_text()


def test_every_golden_graph_belongs_to_an_effect():
    assert sorted(p.stem for p in GOLDEN.glob("*.txt")) == NAMES
