"""The Python API: what the CLI calls, and what scripts import.

>>> import ffx
>>> plan = ffx.compile_recipe(ffx.Recipe(input={"source": "testsrc2", "duration": 1},
...                                      steps=[ffx.effects.Resize(0.5)], output="small.mp4"))
>>> plan.result.size
'320x180'
"""

from __future__ import annotations

import os
from typing import Any

from .binary import FfmpegBinary
from .errors import Problem, RecipeError
from .compiler import compile_recipe as _compile
from .plan import Plan
from .recipe import Input, Recipe, load_recipe, parse_bytes
from .runner import ProgressCallback, run_plan

RecipeLike = Recipe | str | os.PathLike


def _as_recipe(recipe: RecipeLike, variables: dict[str, Any] | None) -> Recipe:
    if isinstance(recipe, Recipe):
        if variables:
            raise TypeError("variables apply to recipe files; build the Recipe with the values instead")
        return recipe
    return load_recipe(recipe, variables=variables)


def compile_recipe(recipe: RecipeLike, *, inputs: list[str | Input] | None = None, output: str | None = None,
                   variables: dict[str, Any] | None = None, overwrite: bool = False,
                   ffmpeg: str | FfmpegBinary | None = None, allow_unsafe: bool = False,
                   max_memory: int | str | None = None) -> Plan:
    """Compile a recipe (object or file) into a :class:`~ffx.plan.Plan` without running it.

    ``max_memory`` (bytes, or text such as "512M") bounds what buffering steps
    may hold; a reverse beyond it runs segment by segment (default 1 GiB).
    """
    loaded = _as_recipe(recipe, variables).with_io(inputs=inputs, output=output)
    try:
        budget = parse_bytes(max_memory) if isinstance(max_memory, str) else max_memory
    except ValueError as exc:
        raise RecipeError(Problem(str(exc), field="max_memory", hint="e.g. --max-memory 512M")) from None
    return _compile(loaded, ffmpeg=ffmpeg, overwrite=overwrite, allow_unsafe=allow_unsafe, max_memory=budget)


def render(recipe: RecipeLike, *, inputs: list[str | Input] | None = None, output: str | None = None,
           variables: dict[str, Any] | None = None, overwrite: bool = False,
           progress: bool | ProgressCallback = False, ffmpeg: str | FfmpegBinary | None = None,
           allow_unsafe: bool = False, max_memory: int | str | None = None) -> Plan:
    """Render a recipe to its output file; ``progress=True`` shows a bar on stderr."""
    plan = compile_recipe(recipe, inputs=inputs, output=output, variables=variables, overwrite=overwrite,
                          ffmpeg=ffmpeg, allow_unsafe=allow_unsafe, max_memory=max_memory)
    run = run_plan
    if plan.stages[-1].kind == "sequence":  # one file per frame, published together
        from .sequence import run_sequence_plan as run
    if progress is True:
        from .progressbar import progress_bar

        with progress_bar(plan) as update:
            run(plan, on_progress=update)
    else:
        run(plan, on_progress=progress or None)
    return plan
