"""The shorthand forms of a recipe expanded, in a pass of their own before validation.

``- reverse``, ``- resize: 0.3`` and ``- trim: {...}, from: a`` are written for
people; the models read ``{effect: ..., ...}``. Free of pydantic and of the
effect models: what an effect's main parameter is comes from the caller, so
the command line's read-ahead (:mod:`ffx.startup.early_probe`) desugars a first
step by the load's own rule without importing any model.

>>> desugar_step({"trim": {"start": 2}, "from": "a"}, lambda name: None)
{'effect': 'trim', 'start': 2, 'from': 'a'}
>>> desugar_step({"resize": 0.3}, lambda name: "scale")
{'effect': 'resize', 'scale': 0.3}
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ROUTING = ("from", "as")


def desugar_step(value: Any, main_parameter: Callable[[str], str | None],
                 option_names: Callable[[str], list[str]] = lambda name: []) -> Any:
    """``reverse`` / ``{resize: 0.3}`` / ``{trim: {...}, from: a}`` -> ``{effect: ..., ...}``.

    ``main_parameter(name)``: the option a single value sets (None: the effect
    takes a mapping only); it raises ValueError for a name that is no effect.
    ``option_names(name)`` lists the effect's options for that refusal. A value
    that is neither a name nor a mapping is returned as given (a model built in Python).
    """
    if isinstance(value, str):
        main_parameter(value)  # unknown names get a did-you-mean here
        return {"effect": value}
    if not isinstance(value, dict):
        raise ValueError("a step is an effect name (- reverse) or a mapping (- resize: 0.3)")
    _text_keys(value)
    if "effect" in value:
        return value
    names = [k for k in value if k not in ROUTING]
    if len(names) != 1:
        raise ValueError("each step names exactly one effect" + (f"; found {', '.join(names)}" if names else ""))
    name = names[0]
    main = main_parameter(name)
    params = value[name]
    routing = {k: value[k] for k in ROUTING if k in value}
    if params is None:
        params = {}
    elif isinstance(params, dict):
        _text_keys(params)
    else:
        if not main:
            fields = ", ".join(option_names(name)) or "no options"
            raise ValueError(f"{name} takes a mapping of options ({fields}), not a single value")
        params = {main: params}
    overlap = set(params) & set(routing)
    if overlap:
        raise ValueError(f"{', '.join(sorted(overlap))} given twice")
    return {"effect": name, **params, **routing}


def path_sugar(value: Any) -> Any:
    """An input or output written as its file path alone: ``clip.mp4`` -> ``{path: clip.mp4}``."""
    if isinstance(value, dict):
        _text_keys(value)
    return {"path": value} if isinstance(value, str) else value


def _text_keys(mapping: dict) -> None:
    """Option names are text: a mapping built in Python may hold another key (``{1: 2}``), which would end
    as Python's own ``keywords must be strings`` where the model is made."""
    other = next((key for key in mapping if not isinstance(key, str)), None)
    if other is not None:
        raise ValueError(f"keys are names, not {type(other).__name__}")
