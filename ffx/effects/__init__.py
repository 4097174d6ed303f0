"""The effect registry: one module per effect, named after it.

Adding an effect means adding one module here; the recipe model, ``ffx
effects``, the JSON Schema and the docs all read this registry. A module is
imported the first time its effect is named, so a recipe pays only for the
effects it uses (pydantic builds a model's validator when its class is made).
Modules whose name starts with ``_`` hold what several effects share; ``base``,
``context`` and ``fields`` are what every effect is built from.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator, Mapping

from .base import Effect

FOUNDATIONS = frozenset({"base", "context", "fields", "fonts", "keyframes"})  # modules of this package that are not effects


class _Registry(Mapping[str, type[Effect]]):
    """Effect name -> class, importing each module on first use."""

    def __init__(self) -> None:
        self._names = sorted(m.name for m in pkgutil.iter_modules(__path__)
                             if m.name not in FOUNDATIONS and not m.name.startswith("_"))
        self._loaded: dict[str, type[Effect]] = {}

    def __getitem__(self, name: str) -> type[Effect]:
        if name not in self._loaded:
            if name not in self._names:
                raise KeyError(name)
            module = importlib.import_module(f"{__name__}.{name}")
            found = [cls for cls in vars(module).values()
                     if isinstance(cls, type) and issubclass(cls, Effect) and cls.__module__ == module.__name__
                     and cls.model_fields["effect"].default == name]
            if len(found) != 1:
                raise RuntimeError(f"module {module.__name__} must define exactly one effect named {name!r}")
            self._loaded[name] = found[0]
        return self._loaded[name]

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


REGISTRY: Mapping[str, type[Effect]] = _Registry()


def __getattr__(name: str) -> type[Effect]:
    """``ffx.effects.Resize`` and friends: the classes by their Python names."""
    if name == "FfmpegPython":  # a Python-only step, outside the registry (YAML cannot name it)
        from ._ffmpeg_python import FfmpegPython

        return FfmpegPython
    for cls in REGISTRY.values():
        if cls.__name__ == name:
            return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), "FfmpegPython", *(cls.__name__ for cls in REGISTRY.values())])
