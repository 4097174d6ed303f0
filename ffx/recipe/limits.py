"""What a recipe may hold: how many steps and inputs, counted before any of them is validated (the same
limits, and the same message, whether the recipe comes from YAML or from Python), and which characters
its strings may not hold.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from ..errors import Problem, quote
from ..syntax.yamlsource import format_path

# A YAML file stops at 100,000 values (yamlsource.MAX_NODES), but a Python list of a million steps took
# 51 s and 1.9 GB to compile. 10,000 steps is far past a recipe written by hand or generated per cut of
# an edit, and compiles in 1.4 s and 60 MB; 1,000 inputs is past what FFmpeg can open at all under the
# usual limit of 1,024 open files per process.
MAX_STEPS = 10_000
MAX_INPUTS = 1_000


def at_most(limit: int, what: str):
    """A check that a list or mapping holds at most ``limit`` items, run before any item is validated."""

    def check(value: Any) -> Any:
        if isinstance(value, (list, tuple, dict)) and len(value) > limit:
            raise ValueError(f"a recipe holds at most {limit:,} {what}, not {len(value):,}")
        return value

    return check


def nul_problems(recipe: BaseModel) -> list[Problem]:
    """Every string in the recipe that holds a NUL character, by field."""
    found: list[Problem] = []

    def visit(value: Any, path: tuple) -> None:
        if isinstance(value, str):
            if "\0" in value:
                found.append(Problem("the NUL character (\\0) is not allowed", field=format_path(path)))
            elif not value.isascii() and any("\ud800" <= char <= "\udfff" for char in value):  # not UTF-8
                found.append(Problem(f"{quote(value)} holds a lone surrogate character, which is not text",
                                     field=format_path(path)))
        elif isinstance(value, dict):
            for key, item in value.items():
                visit(key, path)
                visit(item, path + (key,))
        elif isinstance(value, (list, tuple)):
            for index, item in enumerate(value):
                visit(item, path + (index,))

    def plain(value: Any) -> Any:
        if isinstance(value, BaseModel):
            return value.model_dump(mode="json", by_alias=True)
        if isinstance(value, dict):
            return {key: plain(item) for key, item in value.items()}
        return value

    for name in ("input", "inputs", "vars", "output", "max_memory"):
        visit(plain(getattr(recipe, name)), (name,))
    for index, step in enumerate(recipe.steps):
        visit(step.model_dump(mode="json", by_alias=True, exclude={"effect"}), ("steps", index, step.effect))
    return found


__all__ = ["MAX_INPUTS", "MAX_STEPS", "at_most", "nul_problems"]
