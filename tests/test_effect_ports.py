"""Effects describe, the compiler provides: no effect imports the run side, and preconditions are declared.

Every need an effect declares (``Effect.requires``) is checked by the compiler
before ``apply``, with the one message of ``context.NEEDS``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import ffx
from ffx.effects import REGISTRY
from ffx.effects.context import NEEDS, Clip, StepContext, StepError, refusal
from ffx.effects.stabilize import Stabilize
from ffx.filtergraph import graph
from ffx.media.info import MediaInfo

EFFECTS = Path(ffx.__file__).parent / "effects"
ABOVE = ("ffx.compile", "ffx.run", "ffx.scale", "ffx.api", "ffx.ffmpeg.process", "ffx.studio", "ffx.view", "subprocess")


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at any level (function-level imports are arrows too), made absolute."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = ["ffx", "effects"][: 2 - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize("path", sorted(EFFECTS.glob("*.py")), ids=lambda p: p.name)
def test_no_effect_imports_the_run_side(path: Path) -> None:
    assert not [m for m in imported_modules(path) if m.startswith(ABOVE)]


def test_every_declared_need_is_known() -> None:
    for name, effect in REGISTRY.items():
        assert effect.requires <= set(NEEDS), name


@pytest.mark.parametrize("steps, need", [
    (["reverse"], "known_length"),
    (["boomerang"], "known_length"),
    (["stabilize"], "known_length"),
    (["zoom"], "frame_count"),
    ([{"loop": {"times": 2}}], "frame_count"),
    ([{"contact_sheet": {"columns": 2, "rows": 2}}], "frame_count"),
])
def test_a_live_source_is_refused_with_the_one_message(tmp_path: Path, steps: list, need: str) -> None:
    recipe = ffx.Recipe(input={"device": "/dev/video0"}, steps=steps, output=str(tmp_path / "o.mp4"))
    with pytest.raises(ffx.RecipeError) as caught:
        ffx.compile_recipe(recipe)
    assert refusal(need).message in str(caught.value)


def test_a_sound_step_on_a_silent_clip_says_so(tmp_path: Path) -> None:
    recipe = ffx.Recipe(input={"source": "testsrc2", "duration": 1}, steps=["loudness"], output=str(tmp_path / "o.mp4"))
    with pytest.raises(ffx.RecipeError, match="this effect needs sound, and the stream it receives has none"):
        ffx.compile_recipe(recipe)


def test_a_port_nobody_provides_refuses_the_step() -> None:
    node = graph.input_node("file:in.mkv", [], True, False)
    clip = Clip(video=graph.input_pad(node, graph.VIDEO), audio=None,
                info=MediaInfo(width=64, height=48, fps=25, duration=1.0, frames=25))
    with pytest.raises(StepError, match="only compiling a recipe provides"):
        Stabilize().apply(clip, StepContext(label="steps[0] (stabilize)", streams={}))
