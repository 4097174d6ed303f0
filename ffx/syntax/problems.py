"""Pydantic's validation errors, said in the recipe's words: the YAML path, a plain message, a hint.

Below the recipe model and the effects, so that an effect or the output built
in Python (``Resize("abc")``) raises the same readable :class:`RecipeError`
as the YAML loader, without importing the recipe.
"""

from __future__ import annotations

import difflib
import re
from typing import Callable

from pydantic import BaseModel, ValidationError

from ..errors import Problem, RecipeError, quote
from .yamlsource import Located, format_path

# the keys a mapping at a YAML path accepts (for "did you mean ...?")
KnownKeys = Callable[[tuple], list[str]]


def field_names(cls: type[BaseModel]) -> list[str]:
    """A model's keys as written in YAML (aliases), without the effect's own name."""
    return [f.alias or n for n, f in cls.model_fields.items() if n not in ("effect",)]


def model_error(name: str, exc: ValidationError, model: type[BaseModel] | None = None) -> RecipeError:
    """The readable error of a model built in Python (``Resize("abc")``, ``Input(path="")``), its fields
    named as in YAML (``resize.factor``). Validation of a whole recipe goes through the same ``__init__``
    and finds pydantic's own errors in ``validation`` (see :func:`unwrapped`) to locate them in the YAML."""
    def known_keys(path: tuple) -> list[str]:
        return field_names(model) if model is not None and path == (name,) else []

    error = RecipeError(distinct([problem({**err, "loc": (name, *err["loc"])}, None, known_keys)
                                  for err in unwrapped(exc.errors(include_url=False))]))
    error.validation = exc
    return error


def unwrapped(errors: list[dict]) -> list[dict]:
    """Pydantic's errors, with those a nested model's ``__init__`` turned into a RecipeError (which pydantic
    then wrapped as a value error) replaced by the originals, under the nested model's location."""
    flat: list[dict] = []
    for err in errors:
        inner = err.get("ctx", {}).get("error") if err["type"] == "value_error" else None
        validation = getattr(inner, "validation", None) if isinstance(inner, RecipeError) else None
        if validation is None:
            flat.append(err)
            continue
        for nested in unwrapped(validation.errors(include_url=False)):
            flat.append({**nested, "loc": tuple(err["loc"]) + tuple(nested["loc"])})
    return flat

# names pydantic adds to a location for the member of a union that failed (``x1.int``, ``x1.float``)
_UNION_MEMBERS = re.compile(r"^(int|float|str|bool|list\[.*\]|literal\[.*\]|function-.*)$")


def yaml_path(loc: tuple) -> tuple:
    """Map a pydantic error location back to the path in the YAML the user wrote."""
    loc = tuple(x for x in loc if not (isinstance(x, str) and _UNION_MEMBERS.match(x)))
    if len(loc) >= 4 and loc[0] == "steps" and loc[3] in ("from", "as"):
        return (loc[0], loc[1], loc[3]) + loc[4:]
    return loc


def distinct(problems: list[Problem]) -> list[Problem]:
    """One problem per field: each member of a union (whole number, decimal) reports the same mistake."""
    seen: dict[str, Problem] = {}
    for each in problems:
        seen.setdefault(each.field, each)
    return list(seen.values())


def problem(err: dict, located: Located | None, known_keys: KnownKeys = lambda path: []) -> Problem:
    """One pydantic error as the user's problem, at its place in the YAML when ``located``."""
    path = yaml_path(tuple(err["loc"]))
    message, hint = humanize(err, path, known_keys)
    file, line, column = None, None, None
    if located is not None:
        where = located.where_key if err["type"] == "extra_forbidden" else located.where
        file, (line, column) = located.file, where(path)
    return Problem(message, field=format_path(path), file=file, line=line, column=column, hint=hint)


def humanize(err: dict, path: tuple, known_keys: KnownKeys) -> tuple[str, str]:
    kind, value = err["type"], err.get("input")
    shown = quote(value) if not isinstance(value, (dict, list)) else type(value).__name__
    if kind == "extra_forbidden":
        key = path[-1] if path else "?"
        known = known_keys(path[:-1])
        close = difflib.get_close_matches(str(key), known, n=1)
        hint = f"did you mean {close[0]!r}?" if close else (f"known keys: {', '.join(known)}" if known else "")
        return f"unknown key {quote(key)}", hint
    if kind == "missing":
        return "this field is required", ""
    if isinstance(value, dict) and kind in ("int_type", "float_type", "int_parsing", "float_parsing"):
        # keyframes ({time: value}) given to a number that cannot take them
        effect = path[-2] if len(path) >= 2 and isinstance(path[-2], str) else None
        return ("this parameter cannot move: it takes one number, not keyframes",
                f"only what `ffx effects {effect}` lists under \"can move\" takes keyframes" if effect else "")
    if isinstance(value, bool) and kind in ("int_type", "float_type", "int_from_float"):
        return f"{shown} is true/false, not a number", "write a number"
    if kind in ("float_type", "int_type") and isinstance(value, str):
        return f"{shown} is text, not a number", "write the number without quotes"
    if kind == "int_from_float" or (kind == "int_type" and isinstance(value, float)):
        return f"{shown} must be a whole number", ""
    if kind == "finite_number":
        return f"{shown} is not a finite number", ""
    if kind == "union_tag_invalid":
        return str(err["msg"]), "`ffx effects` lists the effects"
    if kind == "value_error":
        return str(err.get("ctx", {}).get("error", err["msg"])), ""
    if kind == "literal_error":
        allowed = re.findall(r"'([^']*)'", err.get("ctx", {}).get("expected", ""))
        close = difflib.get_close_matches(value if isinstance(value, str) else shown, allowed, n=1)
        if len(allowed) > 8:
            hint = f"did you mean {close[0]!r}?" if close else "`ffx effects` lists the allowed values"
            return f"{shown} is not one of the {len(allowed)} allowed values", hint
        return f"{shown} is not allowed: {err['msg'][len('Input should be '):]}", ""
    if kind == "string_pattern_mismatch":
        return f"{shown} is not in the expected form", pattern_hint(path)
    return f"{shown}: {err['msg'][0].lower()}{err['msg'][1:]}", ""


def pattern_hint(path: tuple) -> str:
    last = path[-1] if path else ""
    return {"size": "write WIDTHxHEIGHT such as 640x360", "color": "a colour name such as white, or #rrggbb",
            "from": "stream names are letters, digits and _", "as": "stream names are letters, digits and _",
            "name": "lowercase letters, digits and _"}.get(str(last), "")
