"""Paths given as arguments: a str or an ``os.PathLike``, as text, checked once for every public function.

>>> from pathlib import Path
>>> path_text("output", Path("out") / "a.mp4")
'out/a.mp4'
"""

from __future__ import annotations

import os
from typing import Any

from ..errors import UsageError


def path_text(name: str, value: Any, what: str = "a path") -> str:
    """``value`` as text, refused in one line (a :class:`~ffx.errors.UsageError`) when it is not a str or a
    path-like object, or is a path-like object whose ``__fspath__`` gives no text."""
    if isinstance(value, (str, os.PathLike)):
        try:
            return os.fsdecode(os.fspath(value))
        except TypeError:  # __fspath__ gave something else than str or bytes
            pass
    raise UsageError(f"{name} is {what}, not {type(value).__name__}")


__all__ = ["path_text"]
