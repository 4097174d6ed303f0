"""Times as users write them: seconds, clock strings, and MoviePy-style tuples.

Kept apart from the recipe model so effects, the CLI and the probe parse times
the same way.

>>> parse_time("1:22.65")
82.65
>>> parse_time([1, 22.65])
82.65
>>> parse_time("01:01:51.3")
3711.3
>>> parse_time(-2)
-2.0
"""

from __future__ import annotations

import math
import re

_CLOCK = re.compile(r"^(?P<sign>-)?(?:(?:(?P<h>\d+):)?(?P<m>\d+):)?(?P<s>\d+(?:\.\d*)?|\.\d+)$")


def parse_time(value: object) -> float:
    """Seconds from a number, a ``[h,] m, s`` list, or a ``[-][[h:]m:]s[.frac]`` string."""
    if isinstance(value, bool):
        raise ValueError("a time must be a number of seconds or a clock string such as \"1:22.5\", not true/false")
    if isinstance(value, (int, float)):
        if isinstance(value, int) and abs(value) > 10**300:  # float() would raise OverflowError, not ValueError
            raise ValueError("a time must be a finite number of seconds")
        seconds = float(value)
    elif isinstance(value, (list, tuple)):
        if not 1 <= len(value) <= 3 or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in value):
            raise ValueError("a time list is [seconds], [minutes, seconds] or [hours, minutes, seconds]")
        seconds = 0.0
        for part in value:
            seconds = seconds * 60 + float(part)
    elif isinstance(value, str):
        match = _CLOCK.match(value.strip())
        if not match:
            raise ValueError(f"{value!r} is not a time; write seconds (12.5) or a clock string (\"1:22.65\", \"01:01:51.3\")")
        seconds = float(match["s"]) + 60 * int(match["m"] or 0) + 3600 * int(match["h"] or 0)
        if match["sign"]:
            seconds = -seconds
    else:
        raise ValueError("a time must be seconds or a clock string such as \"1:22.5\"")
    if not math.isfinite(seconds):
        raise ValueError("a time must be a finite number of seconds")
    return round(seconds, 9)


def format_seconds(seconds: float) -> str:
    """Shortest exact decimal for FFmpeg options (no exponent, no trailing zeros).

    >>> format_seconds(82.65), format_seconds(3.0), format_seconds(1/3)
    ('82.65', '3', '0.333333333')
    """
    text = f"{seconds:.9f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text
