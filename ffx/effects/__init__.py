"""The effect registry: every :class:`~ffx.effects.base.Effect` subclass in this package.

Adding an effect means adding one module here; the recipe union, ``ffx
effects``, the JSON Schema and the docs all read this registry.
"""

from __future__ import annotations

import importlib
import pkgutil

from .base import Effect


def _load_all() -> dict[str, type[Effect]]:
    for module in pkgutil.iter_modules(__path__):
        if module.name != "base":
            importlib.import_module(f"{__name__}.{module.name}")
    found: dict[str, type[Effect]] = {}
    pending = list(Effect.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        name = cls.model_fields["effect"].default
        if isinstance(name, str) and name != "effect" and not cls.__name__.startswith("_"):
            found[name] = cls
    return dict(sorted(found.items()))


REGISTRY: dict[str, type[Effect]] = _load_all()
globals().update({cls.__name__: cls for cls in REGISTRY.values()})
__all__ = ["REGISTRY", "Effect", *sorted(cls.__name__ for cls in REGISTRY.values())]
