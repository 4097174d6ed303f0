"""A recipe's ``${name}`` variables: the values ``--set`` gives, typed, and filled in before validation.

Text-level and free of pydantic, so that the command line's read-ahead
(:mod:`ffx.startup.early_probe`) reads a recipe's first cut with the very rules
the load uses, before the recipe model is imported.

>>> filled = fill_variables({"vars": {"at": 2}, "steps": [{"trim": {"start": "${at}"}}]}, parse_set(["at=1:05"]))
>>> filled.body["steps"], sorted(filled.given.paths)
([{'trim': {'start': '1:05'}}], [('steps', 0, 'trim', 'start')])
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import Problem, RecipeError, quote, shorten
from ..syntax.yamlsource import MAX_RECIPE_BYTES, Located, format_bytes, format_path, set_value

VAR_REF = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}")

# Variables given from Python or --set, and a Recipe's ``vars`` built in Python, meet the limits a recipe
# file's own ``vars`` meet: as many names as a recipe may hold steps, text within the default size of a
# recipe file (whatever --max-recipe-size allows the file), ints within the 4,300 digits YAML reads.
# The text that ${name} references fill in is bounded too: a 500 KB value used 50,000 times in a 1 MiB
# file would otherwise build 50 GB of text (YAML's aliases are bounded the same way, by count).
MAX_VARIABLES = 10_000
LARGEST_INT = 10**4300
MAX_FILLED = 16 << 20  # characters filled in by references within text, in all


def variables_problem(values: dict, max_bytes: int = MAX_RECIPE_BYTES) -> str | None:
    """What makes ``values`` (name -> value) more than a recipe file could hold, or None.

    >>> variables_problem({"title": "x" * 2_000_000})
    'the variables hold 1.907 MiB of text; a recipe holds at most 1 MiB'
    """
    if len(values) > MAX_VARIABLES:
        return f"a recipe holds at most {MAX_VARIABLES:,} variables, not {len(values):,}"
    size = 0
    for name, value in values.items():
        if isinstance(value, int) and not isinstance(value, bool) and not -LARGEST_INT < value < LARGEST_INT:
            return f"{shorten(str(name), 64)}: an int of more than 4,300 digits is no recipe value"
        if isinstance(value, str):
            size += len(value)
    if size > max_bytes:
        return f"the variables hold {format_bytes(size)} of text; a recipe holds at most {format_bytes(max_bytes)}"
    return None


def within_limits(values: Any) -> Any:
    """A recipe's ``vars`` before validation: refused (ValueError) past :func:`variables_problem`'s limits."""
    problem = variables_problem(values) if isinstance(values, dict) else None
    if problem:
        raise ValueError(problem)
    return values


def parse_set(assignments: list[str]) -> dict[str, Any]:
    """``["delay=8", "text=Hi: there"]`` -> typed values, by the same strict rules as YAML."""
    values: dict[str, Any] = {}
    for item in assignments:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", name):
            raise RecipeError(Problem(f"--set {quote(item)}: write NAME=VALUE", hint="e.g. --set delay=8"))
        values[name] = set_value(text)
    return values


@dataclass
class Given:
    """The variables a caller gave (``--set``), and the recipe paths whose values use one of them:
    a file path given on the command line is relative to the working directory, not to the recipe."""

    names: frozenset
    paths: set = field(default_factory=set)
    uses: dict = field(default_factory=dict)  # path -> the given variables its value uses


@dataclass
class Filled:
    """A recipe's data with its variables filled in."""

    body: dict  # every key's value substituted; ``vars`` holds the declared values with the given ones over them
    declared: dict  # the recipe's own ``vars``
    variables: dict  # the ones given
    given: Given
    problems: list[Problem]  # unknown ${name} references, one each
    unresolved: set = field(default_factory=set)  # the paths of the values holding one
    filled: int = 0  # characters of text built by references within text, bounded by MAX_FILLED


def fill_variables(data: dict, variables: dict[str, Any] | None, located: Located | None = None) -> Filled:
    """Fill in every ``${name}`` of a recipe's data (``$$`` is a dollar sign) from its ``vars`` and the
    given ``variables`` (which win).

    A given name the recipe does not declare, or a value that is not a finite
    number, raises a :class:`~ffx.errors.RecipeError`; references to unknown
    names are collected in :attr:`Filled.problems` (the load raises them all at once).
    """
    declared = data.get("vars") or {}
    if not isinstance(declared, dict):
        declared = {}
    variables = dict(variables or {})
    problem = variables_problem(variables)
    if problem:
        raise RecipeError(Problem(problem, field="vars"))
    unknown = sorted(set(map(str, variables)) - set(declared))
    if unknown:
        known = ", ".join(sorted(declared)) or "none"
        raise RecipeError(Problem(f"--set {quote(unknown[0])[1:-1]}: the recipe has no such variable (it has: {known})"))
    merged = {**declared, **variables}
    if any(isinstance(v, float) and not math.isfinite(v) for v in merged.values()):
        raise RecipeError(Problem("variables must be finite numbers", field="vars"))
    filled = Filled({}, declared, variables, Given(frozenset(variables)), [])
    filled.body = {k: (_substitute(v, merged, (k,), filled, located) if k != "vars" else
                       ({**v, **variables} if isinstance(v, dict) else v))
                   for k, v in data.items()}
    return filled


def _substitute(data: Any, variables: dict, path: tuple, filled: Filled, located: Located | None) -> Any:
    if isinstance(data, dict):
        return {k: _substitute(v, variables, path + (k,), filled, located) for k, v in data.items()}
    if isinstance(data, list):
        return [_substitute(v, variables, path + (i,), filled, located) for i, v in enumerate(data)]
    if not isinstance(data, str) or "$" not in data:
        return data
    whole = VAR_REF.fullmatch(data)
    given = filled.given
    if any(m.group(1) in given.names for m in VAR_REF.finditer(data)):
        given.paths.add(path)
        given.uses[path] = [m.group(1) for m in VAR_REF.finditer(data) if m.group(1) in given.names]
    if whole and whole.group(1):
        name = whole.group(1)
        if name in variables:
            return variables[name]

    def replace(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group(1)
        if name not in variables:
            file, line, column = (located.file, *located.where(path)) if located else (None, None, None)
            known = ", ".join(sorted(variables)) or "none"
            filled.problems.append(Problem(f"unknown variable ${{{quote(name)[1:-1]}}}", field=format_path(path),
                                           file=file, line=line, column=column,
                                           hint=f"define it under vars: (defined: {known})"))
            filled.unresolved.add(path)
            return match.group(0)
        value = variables[name]
        return value if isinstance(value, str) else plain_text(value)
    text = VAR_REF.sub(replace, data)
    filled.filled += len(text)
    if filled.filled > MAX_FILLED:
        file, line, column = (located.file, *located.where(path)) if located else (None, None, None)
        raise RecipeError(Problem(f"the variables fill in more than {format_bytes(MAX_FILLED)} of text",
                                  field=format_path(path), file=file, line=line, column=column,
                                  hint="use a long value fewer times"))
    return text


def plain_text(value: Any) -> str:
    """A variable's value written inside a longer text, as YAML writes it.

    >>> plain_text(True), plain_text(2.5)
    ('true', '2.5')
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def from_command_line(problem: Problem, filled: Filled) -> Problem:
    """A problem with a value given by ``--set``: the hint speaks of the command line, not of the YAML."""
    names = next((names for path, names in filled.given.uses.items() if format_path(path) == problem.field), None)
    if not names:
        return problem
    name = names[0]
    example = filled.declared.get(name)
    hint = f"it comes from --set {name}={shorten(plain_text(filled.variables[name]))}"
    if isinstance(example, (int, float)) and not isinstance(example, bool):
        hint += f"; give a number, e.g. --set {name}={example}"
    return dataclasses.replace(problem, hint=hint)
