"""Loading a recipe file: YAML text -> variables filled in -> validated models, every problem at once,
located in the file.
"""

from __future__ import annotations

import os
from typing import Any

from ..errors import Problem, RecipeError, UsageError
from ..syntax.yamlsource import (
    MAX_RECIPE_BYTES,
    format_bytes,
    load_yaml,
    read_recipe_text,
)
from .document import Recipe, validate_recipe
from .paths import path_text
from .sizes import recipe_size_limit
from .variables import fill_variables, from_command_line


def load_recipe(source: str | os.PathLike, *, variables: dict[str, Any] | None = None, text: str | None = None,
                max_recipe_size: int | str = MAX_RECIPE_BYTES) -> Recipe:
    """Load a recipe file (or ``text``), apply ``--set`` variables, validate; all problems at once.

    The file must be a regular file of at most ``max_recipe_size`` bytes (1 MiB
    unless raised; "16M" works too). File paths the recipe writes (inputs,
    output, font files) are relative to the recipe file's folder, as in every
    configuration format; a path given whole in ``variables`` is relative to
    the working directory, like ``-i`` and ``-o``.
    """
    file = path_text("source", source, "the path of a recipe file (for text, give load_recipe(name, text=...))")
    limit = recipe_size_limit(max_recipe_size)
    if variables is not None and not isinstance(variables, dict):
        raise UsageError(f"variables is a dict of name: value, not {type(variables).__name__}")
    if text is None:
        text = read_recipe_text(file, limit)
    elif not isinstance(text, str):
        raise UsageError(f"text is the recipe's YAML as str, not {type(text).__name__}")
    elif len(text) > limit:
        raise RecipeError(Problem(f"the recipe is larger than {format_bytes(limit)}", file=file,
                                  hint="raise the limit with max_recipe_size if you trust it"))
    try:
        located = load_yaml(text, file)
    except UnicodeEncodeError as exc:  # a lone surrogate ("\ud800"), which no file holds
        raise RecipeError(Problem(f"character {exc.start + 1} of the recipe is a lone surrogate, not text",
                                  file=file)) from None
    data = located.data
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise RecipeError(Problem("a recipe is a mapping with input, steps and output", file=file, line=1))
    filled = fill_variables(data, variables, located)
    if filled.problems:
        raise RecipeError(filled.problems)
    try:
        recipe = validate_recipe(filled.body, located)
    except RecipeError as exc:
        raise RecipeError([from_command_line(p, filled) for p in exc.problems]) from None
    return recipe.relative_to(os.path.dirname(file), keep=filled.given.paths)
