"""A compile as the Python API and batch ask for it: a recipe object or file, inputs and output that
replace the recipe's, and the options, all checked before the compiler probes anything."""

from __future__ import annotations

from typing import Any

from ..ffmpeg.binary import FfmpegBinary
from ..media.cache import ProbeCache
from ..recipe.arguments import RecipeLike, as_recipe, check_options
from ..recipe.inputs import Input
from ..syntax.yamlsource import MAX_RECIPE_BYTES
from .compiler import compile_recipe
from .plan import Plan


def compile_request(recipe: RecipeLike, *, inputs: list[str | Input] | None = None, output: str | None = None,
                    variables: dict[str, Any] | None = None, overwrite: bool = False,
                    ffmpeg: str | FfmpegBinary | None = None, allow_unsafe: bool = False,
                    max_memory: int | str | None = None, max_recipe_size: int | str = MAX_RECIPE_BYTES,
                    probes: ProbeCache | None = None) -> Plan:
    """Check the options, load or re-check the recipe, put the given inputs and output in, compile."""
    budget = check_options(overwrite=overwrite, ffmpeg=ffmpeg, allow_unsafe=allow_unsafe, max_memory=max_memory)
    loaded = as_recipe(recipe, variables, max_recipe_size).with_io(inputs=inputs, output=output)
    return compile_recipe(loaded, ffmpeg=ffmpeg, overwrite=overwrite, allow_unsafe=allow_unsafe, max_memory=budget,
                          probes=probes)
