"""What the Python API, batch and the in-memory renders accept as a recipe and as options, checked once.

Every public function checks its arguments before any work and raises ffx's own exceptions: a wrong
kind of argument is a :class:`~ffx.errors.UsageError` (also a ``TypeError``), a bad value a
:class:`~ffx.errors.RecipeError` (also a ``ValueError``), with the line the command line prints.
"""

from __future__ import annotations

import os
from typing import Any

from ..errors import Problem, RecipeError, UsageError, quote
from ..ffmpeg.binary import FfmpegBinary
from ..media.cache import ProbeCache
from ..syntax.yamlsource import MAX_RECIPE_BYTES
from .document import Recipe
from .loading import load_recipe
from .paths import path_text
from .sizes import parse_bytes, recipe_size_limit

RecipeLike = Recipe | str | os.PathLike


def as_recipe(recipe: RecipeLike, variables: dict[str, Any] | None = None,
              max_recipe_size: int | str = MAX_RECIPE_BYTES) -> Recipe:
    """A recipe object (validated again: pydantic's own ``BaseModel.model_copy`` and ``model_construct`` do
    not validate, ffx's models' ``model_copy(update=...)`` does) or a loaded file."""
    recipe_size_limit(max_recipe_size)  # checked for a Recipe object too: a wrong one is wrong whatever comes
    if variables is not None and not isinstance(variables, dict):
        raise UsageError(f"variables is a dict of name: value, not {type(variables).__name__}")
    if isinstance(recipe, Recipe):
        if variables:
            raise UsageError("variables apply to recipe files; build the Recipe with the values instead")
        return recipe.checked()
    return load_recipe(path_text("recipe", recipe, "an ffx.Recipe or the path of a recipe file"),
                       variables=variables, max_recipe_size=max_recipe_size)



def check_options(*, overwrite: Any = False, ffmpeg: Any = None, allow_unsafe: Any = False,
                  max_memory: Any = None) -> int | None:
    """Check the options every render takes; returns the memory budget in bytes (or None)."""
    for name, value in (("overwrite", overwrite), ("allow_unsafe", allow_unsafe)):
        if not isinstance(value, bool):
            raise UsageError(f"{name} is True or False, not {quote(value)}")
    if ffmpeg is not None:
        if not isinstance(ffmpeg, (str, os.PathLike, FfmpegBinary)):
            raise UsageError(f"ffmpeg is the path of an FFmpeg binary, not {type(ffmpeg).__name__}")
        if not isinstance(ffmpeg, FfmpegBinary) and "\0" in path_text("ffmpeg", ffmpeg, "the path of an FFmpeg binary"):
            raise RecipeError(Problem("the NUL character (\\0) is not allowed", field="ffmpeg"))
    if max_memory is None:
        return None
    if isinstance(max_memory, bool) or not isinstance(max_memory, (int, str)):
        raise UsageError(f"max_memory is a number of bytes or text such as 512M, not {type(max_memory).__name__}")
    try:
        if isinstance(max_memory, int):  # tests and tools may give small budgets in bytes
            if not 0 < max_memory <= 2**50:
                raise ValueError(f"{quote(max_memory)} bytes is not a memory budget (1 byte to 1P)")
            return max_memory
        return parse_bytes(max_memory)
    except ValueError as exc:
        raise RecipeError(Problem(str(exc), field="max_memory", hint="e.g. --max-memory 512M")) from None


def check_probes(probes: Any) -> None:
    """``probes`` is a :class:`~ffx.media.cache.ProbeCache` (or None for a fresh one)."""
    if probes is not None and not isinstance(probes, ProbeCache):
        raise UsageError(f"probes is an ffx.media.cache.ProbeCache or None, not {type(probes).__name__}")
