"""Every effect's own ``example`` as a recipe over a fixed generated clip, for the golden and registry tests.

The clip is generated (no file, no probing), so the compiled graph depends on
nothing but the compiler. Streams an example reads by name (``with: logo``)
are generated inputs of the same size, found through the step's stream
references, so a new effect is covered without being listed here.
"""

from __future__ import annotations

import json
from pathlib import Path

import ffx
from ffx.effects import REGISTRY
from ffx.effects.fields import stream_references

CLIP = {"source": "testsrc2", "size": "480x270", "rate": 25, "duration": 2, "audio": "sine"}
OTHER = {"source": "smptebars", "size": "480x270", "rate": 25, "duration": 2, "audio": "sine"}
# the examples are read as recipes in the recipes folder, so the files they name (captions.srt) are found there
RECIPES = Path(__file__).resolve().parent.parent / "recipes"

# examples written for a longer clip than CLIP
CONTEXT = {"trim": {"duration": 84}, "loop_crossfade": {"duration": 4}}

NAMES = sorted(REGISTRY)


def example_recipe(name: str, output: dict) -> ffx.Recipe:
    """The recipe ``steps: [<the example>]`` over the fixed clip, with every stream it names as an input,
    loaded from YAML text as a user's recipe file is."""
    clip = {**CLIP, **CONTEXT.get(name, {})}

    def load(inputs: dict) -> ffx.Recipe:
        text = f"inputs: {json.dumps(inputs)}\nsteps:\n{REGISTRY[name].example}\noutput: {json.dumps(output)}\n"
        return ffx.load_recipe(RECIPES / f"{name}-example.yaml", text=text)

    names = [n for step in load({"input": clip}).steps for n in stream_references(step) if n != "input"]
    return load({"input": clip, **{n: OTHER for n in dict.fromkeys(names)}})
