"""Sizes written as text: memory budgets ("512M", "2G") and the largest recipe file to read.
"""

from __future__ import annotations

import re

from ..errors import Problem, RecipeError, UsageError, quote

BYTES = r"^[0-9]{1,6}(\.[0-9]{1,3})?\s*([KMGT]i?B?|B)?$"


def parse_bytes(text: str) -> int:
    """Bytes from "512M", "1.5G", "2GiB" or a plain number of bytes (at least 1 MiB).

    >>> parse_bytes("512M"), parse_bytes("1.5G"), parse_bytes("64MiB"), parse_bytes("2000000")
    (536870912, 1610612736, 67108864, 2000000)
    """
    value = _bytes(text)
    if value is None:
        raise ValueError(f"{quote(text)} is not a size; write e.g. 512M or 2G")
    if not 2**20 <= value <= 2**50:
        raise ValueError(f"{quote(text)} is not a sensible memory budget (1M to 1P)")
    return int(value)


def _bytes(text: str) -> int | None:
    match = re.match(r"^\s*([0-9]{1,15}(?:\.[0-9]{1,6})?)\s*([KMGT]?)(?:i?B)?\s*$", str(text), re.I)
    return int(float(match[1]) * 1024 ** " KMGT".index(match[2].upper() or " ")) if match else None


def recipe_size_limit(value: int | str) -> int:
    """The largest recipe file to read, in bytes, from 1048576 or "16M".

    >>> recipe_size_limit("16M"), recipe_size_limit(4096)
    (16777216, 4096)
    """
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise UsageError(f"max_recipe_size is a number of bytes or text such as 16M, not {type(value).__name__}")
    size = value if isinstance(value, int) else _bytes(value)
    if size is None or size < 1:
        raise RecipeError(Problem(f"{quote(value)} is not a size; write e.g. 4M", field="max_recipe_size"))
    return size
