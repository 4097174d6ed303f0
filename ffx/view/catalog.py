"""What ``ffx effects`` prints: every effect in a line, or one effect's parameters and example.

Read from the effect classes themselves (docstrings, fields, defaults, literal choices), so a new effect
module is listed and described without being registered anywhere else.
"""

from __future__ import annotations

import json
import typing

from ..effects import REGISTRY
from ..effects.keyframes import moving_fields


def effect_lines() -> list[str]:
    """One line per effect: its name and the first line of its docstring."""
    width = max(len(n) for n in REGISTRY)
    return [f"{name:<{width}}  {_plain((cls.__doc__ or '').strip().splitlines()[0])}" for name, cls in REGISTRY.items()]


def describe_effect(name: str) -> list[str]:
    """An effect's description, parameters (alias, meaning, choices, default, main) and example."""
    cls = REGISTRY[name]
    lines: list[str] = []
    lines.append(f"{name}: {_plain(cls.__doc__ or '')}\n")
    lines.append("parameters:")
    for field_name, info in cls.model_fields.items():
        if field_name == "effect":
            continue
        key = info.alias or field_name
        default = "required" if info.is_required() else f"default {json.dumps(info.get_default(), default=str)}"
        main = f" (main: - {name}: VALUE)" if field_name == cls.main_parameter else ""
        choices = _choices(info.annotation)
        allowed = f" (one of: {' | '.join(choices)})" if choices else ""
        lines.append(f"  {key}: {_plain(info.description or '')}{allowed} [{default}]{main}")
    moving = moving_fields(cls)
    if moving:
        lines.append(f"\ncan move: {', '.join(moving)} (keyframes: {{time: value, ..., ease: linear | in | out | "
                     f"in_out | hold}}, e.g. {moving[0]}: {{0: ..., 1.5: ...}})")
    if cls.example:
        lines.append(f"\nexample:\n  {cls.example}")
    return lines


def _plain(text: str) -> str:
    """Docstring text for a terminal: reStructuredText's double backticks dropped, lines joined."""
    return " ".join(text.replace("``", "").split())


def _choices(annotation) -> list[str]:
    """The words a field accepts when it is a choice (a Literal, possibly among other types)."""
    found: list[str] = []
    stack = [annotation]
    while stack:
        current = stack.pop(0)
        origin = typing.get_origin(current)
        if origin is typing.Literal:
            found += [str(v) for v in typing.get_args(current) if v is not None]
        elif origin is typing.Annotated:
            stack.append(typing.get_args(current)[0])
        elif origin is not None:
            stack.extend(typing.get_args(current))
    return found
