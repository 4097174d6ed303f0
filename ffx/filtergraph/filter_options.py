"""A raw filter's options checked against FFmpeg's own option table, before anything runs.

FFmpeg reports a bad option only when the graph starts ("Invalid argument",
naming no recipe field), and some values it accepts fail much later: a
``volume`` of 1e308 makes the encoder stop on NaN. The table
(``filter_table.py``, generated from the bundled FFmpeg by
``tools/filter_table.py``) gives each option's type, range and named
constants, the options a filter cannot start without, and its pads.

What cannot be checked is let through: a value written as an expression
(``"iw/2"``, ``"2*PI"``) is FFmpeg's to evaluate, so only plain numbers, numeric
text and names are range-checked; a filter whose number of inputs depends on
options other than its ``inputs`` count is checked only when no option is set.
"""

from __future__ import annotations

import ast
import difflib
import json
import math
import re
from functools import cache

from . import filter_table

# FFmpeg's av_image_check_size: a frame whose rows (8 bytes a pixel, plus 1024) times its
# height plus 128 reach INT_MAX cannot be allocated; 16384x16000 passes, 16384x16384 does not
INT_MAX = 2**31 - 1
FLT_MAX = 3.4028234663852886e38
GENERIC_OPTIONS = {"threads"}  # every filter takes these; "enable" only those with timeline support
# their table rows (AVFilterContext's own options): threads is a count, 0 or auto for FFmpeg's choice
GENERIC_SPECS = {"threads": ["int", 0, INT_MAX, ["auto"]]}
# filters whose w/h (and aliases) are the size of the frames they hand on: checked, where given as numbers,
# against what FFmpeg can allocate, as resize, pad and generated sources are
FRAME_SIZE_FILTERS = frozenset({"scale", "scale2ref", "zscale", "pad", "crop", "rotate", "v360"})
WIDTH_OPTIONS = ("w", "width", "out_w", "ow")
HEIGHT_OPTIONS = ("h", "height", "out_h", "oh")
NUMBER_TYPES = ("int", "int64", "unsigned", "uint64", "float", "double")
# names every numeric option understands (libavutil/opt.c); others must be the option's own constants
NUMBER_NAMES = {"default", "max", "min", "none", "all"}
BOOLEAN_WORDS = {"true", "false", "yes", "no", "y", "n", "on", "off", "enable", "enabled", "disable", "disabled", "auto"}
RANDOM_COLORS = ("random", "bikeshed")
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
NUMBER = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")
SIZE = re.compile(r"^(\d+)x(\d+)$")
DURATION = re.compile(r"^-?((\d+:)?\d+:\d+(\.\d*)?|(\d+(\.\d*)?|\.\d+)(s|ms|us)?)$")
# what FFmpeg's expression evaluator (libavutil/eval.c) knows besides an option's own constants
EXPRESSION_CONSTANTS = {"PI", "E", "PHI", "QP2LAMBDA"}
EXPRESSION_NAMES = EXPRESSION_CONSTANTS | {"abs", "acos", "asin", "atan", "atan2", "between", "bitand",
                    "bitor", "ceil", "clip", "cos", "cosh", "eq", "exp", "floor", "gauss", "gcd", "gt", "gte",
                    "hypot", "if", "ifnot", "isinf", "isnan", "ld", "lerp", "log", "lt", "lte", "max", "min", "mod",
                    "not", "pow", "print", "random", "randomi", "root", "round", "sgn", "sin", "sinh", "sqrt",
                    "squish", "st", "tan", "tanh", "taylor", "trunc", "while"}
EXPRESSION = re.compile(r"^[0-9A-Za-z_.+\-*/^()<>=!,\s]+$")
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# a number as FFmpeg's av_strtod reads it: exponent, SI prefix (k, M, Ki...) or dB
NUMBER_TOKEN = re.compile(r"(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?(dB|[yzafpnumcdhkKMGTPEZY]i?B?|B)?(?![A-Za-z0-9_.])")
COLOR = re.compile(r"^((#|0x)[0-9A-Fa-f]{6}([0-9A-Fa-f]{2})?|[A-Za-z]{1,40})(@(0x[0-9A-Fa-f]{2}|\d+(\.\d*)?|\.\d+))?$")
RATE_NAMES = {"ntsc", "pal", "qntsc", "qpal", "sntsc", "spal", "film", "ntsc-film"}


class OptionError(ValueError):
    """A raw filter's option FFmpeg would refuse or choke on; ``option`` names it ('' for the filter)."""

    def __init__(self, message: str, option: str = "", hint: str = ""):
        super().__init__(message)
        self.message, self.option, self.hint = message, option, hint


def image_size_problem(width: int, height: int) -> str | None:
    """Why FFmpeg cannot allocate frames of this size, or None.

    >>> image_size_problem(16384, 16000) is None, image_size_problem(16384, 16384)
    (True, '16384x16384 is larger than FFmpeg can allocate (at most about 268 million pixels, 16384x16000)')
    """
    if width <= 0 or height <= 0:
        return f"{width}x{height} is not a frame size"
    if (8 * width + 1024) * (height + 128) >= INT_MAX:
        return f"{width}x{height} is larger than FFmpeg can allocate (at most about 268 million pixels, 16384x16000)"
    return None


@cache
def filter_options(name: str) -> dict[str, list]:
    """The option table of one reviewed filter: option -> [type, min, max, constants] (one line parsed)."""
    start = filter_table.OPTIONS.find(f"\n{name} {{")
    if start < 0:
        return {}
    line = filter_table.OPTIONS[start + len(name) + 2:filter_table.OPTIONS.index("\n", start + 1)]
    return json.loads(line)


def check_options(name: str, options: dict) -> None:
    """Raise :class:`OptionError` for the first option FFmpeg would refuse, or a missing one it needs."""
    table = filter_options(name)
    allowed = set(table) | GENERIC_OPTIONS | ({"enable"} if name in filter_table.TIMELINE else set())
    for option, value in options.items():
        if option not in allowed:
            close = difflib.get_close_matches(option, sorted(allowed), n=1)
            raise OptionError(f"the {name} filter has no option {option!r}" +
                              (f" (did you mean {close[0]!r}?)" if close else ""), option,
                              hint=f"its options: {_listing(sorted(table)) or 'none'}")
        spec = table.get(option) or GENERIC_SPECS.get(option)
        if spec:
            problem = value_problem(spec, value)
            if problem is None and "color" in option and str(value).split("@")[0].strip().lower() in RANDOM_COLORS:
                problem = f"{_shown(value)} is a different colour on every render; write a fixed colour such as white"
            if problem:
                raise OptionError(problem, option)
    if name in FRAME_SIZE_FILTERS:
        frame_size_check(name, options)
    needed, complaint = filter_table.REQUIRED.get(name, (None, ""))
    if needed is not None and not (set(needed) & set(options) if needed else options):
        raise OptionError(
            f"the {name} filter cannot start without " + (f"one of {', '.join(needed)}" if needed else "options") +
            (f" (FFmpeg: {complaint!r})" if complaint else ""), hint=f"https://ffmpeg.org/ffmpeg-filters.html#{name}")


def frame_size_check(name: str, options: dict) -> None:
    """Refuse a frame size given in numbers that FFmpeg cannot allocate (``scale`` to 100000x100000): FFmpeg
    says so only once the graph starts. Expressions (``iw*2``) and negative sides (keep the aspect) are FFmpeg's.

    >>> frame_size_check("scale", {"w": 1920, "h": "ih*2"})
    >>> frame_size_check("pad", {"width": "100000", "height": 100000})
    Traceback (most recent call last):
    ...
    ffx.filtergraph.filter_options.OptionError: 100000x100000 is larger than FFmpeg can allocate (at most about 268 million pixels, 16384x16000)
    """
    sides = []
    for names in (WIDTH_OPTIONS, HEIGHT_OPTIONS):
        option = next((option for option in names if option in options), None)
        value = options.get(option)
        number = _as_number(value) if not isinstance(value, str) else _arithmetic(value)
        sides.append((option, int(number) if number is not None and math.isfinite(number) and number >= 1 else None))
    (width_option, width), (height_option, height) = sides
    if width is None and height is None:
        return
    problem = image_size_problem(width or 1, height or 1)
    if problem and (width is None or height is None):
        side, known = ("wide", width) if height is None else ("high", height)
        problem = f"{known} pixels {side} is larger than FFmpeg can allocate (at most about 268 million pixels, 16384x16000)"
    if problem:
        raise OptionError(problem, width_option if width is not None and (height is None or width >= height)
                          else height_option)


def filter_pads(name: str) -> tuple[str | None, str | None]:
    """The kinds of a filter's inputs and outputs ("VV", "A"; "" none; None: set by its options).

    >>> filter_pads("xfade"), filter_pads("hstack"), filter_pads("testsrc2")
    (('VV', 'V'), (None, 'V'), ('', 'V'))
    """
    inputs, outputs = filter_table.PADS[name].split("->")
    return tuple(None if side == "N" else side.replace("|", "") for side in (inputs, outputs))


def needed_inputs(name: str, options: dict) -> int | None:
    """How many streams a filter with a variable number of inputs reads, where the table can tell."""
    return _dynamic_count(filter_table.DYNAMIC_INPUTS.get(name, (None, None)), options)


def given_outputs(name: str, options: dict) -> int | None:
    """How many streams a filter with a variable number of outputs hands on, where the table can tell."""
    return _dynamic_count(filter_table.DYNAMIC_OUTPUTS.get(name, (None, None)), options)


def _dynamic_count(entry: tuple[int | None, str | None], options: dict) -> int | None:
    default, count_option = entry
    if count_option and count_option in options:
        count = _as_number(options[count_option])
        return int(count) if count is not None and count.is_integer() else None
    return default if not options or count_option else None


def value_problem(spec: list, value: object) -> str | None:
    """What is wrong with one value of an option of this [type, min, max, constants], or None."""
    kind, low, high, constants = spec
    if kind.startswith("["):  # an array option ("[int]": aformat's sample_rates): each '|'-separated item
        items = value if isinstance(value, list) else str(value).split("|") if isinstance(value, str) else [value]
        return next(filter(None, (value_problem([kind[1:-1], low, high, constants], item) for item in items)), None)
    if isinstance(value, list):
        if kind in NUMBER_TYPES + ("flags", "boolean", "image_size", "video_rate", "color", "duration", "rational"):
            return "takes one value, not a list"
        return None
    if kind in NUMBER_TYPES:
        return _number_problem(value, low, high, constants, kind)
    if kind == "flags":
        if isinstance(value, str) and not value.strip():
            return "is empty"
        if isinstance(value, str) and not NUMBER.match(value) and constants:
            unknown = [word for word in re.split(r"[+|-]", value) if word and word not in constants]
            if unknown:
                return f"{_shown(unknown[0])} is not one of {_listing(constants)}"
        number = _as_number(value)
        return None if number is None else _range_problem(value, number, 0, 2**32 - 1)  # flags are 32 bits
    if kind == "boolean":
        if isinstance(value, bool) or (isinstance(value, int) and value in (0, 1, -1)):
            return None
        if isinstance(value, str) and (value.lower() in BOOLEAN_WORDS or value in ("0", "1", "-1")):
            return None
        return f"{_shown(value)} is not true or false"
    if kind == "image_size":
        if not isinstance(value, str):
            return f"{_shown(value)} is not a frame size: write WIDTHxHEIGHT"
        size = SIZE.match(value)
        if size:
            return image_size_problem(int(size.group(1)), int(size.group(2)))
        return None if IDENTIFIER.match(value) else f"{_shown(value)} is not a frame size: write WIDTHxHEIGHT"
    if kind == "video_rate":
        if isinstance(value, str) and value.strip().lower() in RATE_NAMES:
            return None
        number = _as_number(value) if not isinstance(value, str) or NUMBER.match(value.strip()) else _arithmetic(value)
        if number is None or not 0 < number <= 1e6:
            return f"{_shown(value)} is not a frame rate: write 25, 12.5, 30000/1001 or ntsc"
        return None
    if kind == "color":
        text = str(value)
        if text.split("@")[0].strip().lower() in RANDOM_COLORS:
            return f"{_shown(value)} is a different colour on every render; write a fixed colour such as white or #ff8800"
        return None if COLOR.match(text) else f"{_shown(value)} is not a colour"
    if kind == "duration":
        if isinstance(value, str) and not DURATION.match(value.strip()):
            return f"{_shown(value)} is not a duration: write seconds (2.5), 1500ms or [HH:]MM:SS[.ms]"
        number = _as_number(value)
        if number is not None:
            # FFmpeg keeps durations in 64-bit microseconds; the help prints no range for them
            return _range_problem(value, number * 1e6, -2**63 if low is None else low,
                                  2**63 - 1 if high is None else high, scale=1e-6)
        return None
    if kind == "rational":
        if isinstance(value, str) and ":" in value:
            value = value.replace(":", "/", 1)  # 16:9 is 16/9
        return _number_problem(value, low, high, constants, kind)
    # text, expressions, pixel/sample formats, layouts: FFmpeg's to read; plain numbers kept finite
    size = SIZE.match(value) if isinstance(value, str) else None
    if size:  # a frame size written as text (scale's size)
        return image_size_problem(int(size.group(1)), int(size.group(2)))
    number = _as_number(value) if not isinstance(value, str) else _arithmetic(value)
    if number is None and isinstance(value, str) and value.strip().lstrip("+-").lower() in ("nan", "inf", "infinity"):
        number = math.nan
    if number is not None:
        if low is not None or high is not None or not math.isfinite(number):
            return _range_problem(value, number, low, high)
        if abs(number) > FLT_MAX:
            return f"{_shown(value)} is beyond what FFmpeg's single-precision filters hold (3.4e38)"
    return None


def _shown(value: object, most: int = 40) -> str:
    """A value as a message quotes it: a 10,000-character value does not fill the terminal."""
    text = repr(value)
    return text if len(text) <= most else text[:most - 5] + "...'" + f" ({len(str(value))} characters)"


def _listing(names: list[str], most: int = 16) -> str:
    return ", ".join(names[:most]) + (f", ... ({len(names)} in all)" if len(names) > most else "")


def _as_number(value: object) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and NUMBER.match(value.strip()):
        return float(value)
    return None


def _number_problem(value: object, low, high, constants: list[str], kind: str) -> str | None:
    if isinstance(value, str) and not NUMBER.match(value.strip()):
        word = value.strip()
        names = set(constants) | NUMBER_NAMES | EXPRESSION_NAMES
        if IDENTIFIER.match(word) and word not in set(constants) | NUMBER_NAMES | EXPRESSION_CONSTANTS:
            if constants:
                close = difflib.get_close_matches(word, constants, n=1)
                return (f"{_shown(value)} is not one of {_listing(constants)}" +
                        (f" (did you mean {close[0]!r}?)" if close else ""))
            return f"{_shown(value)} is not a number"
        if not EXPRESSION.match(word) or any(n not in names for n in NAME.findall(NUMBER_TOKEN.sub(" ", word))):
            return f"{_shown(value)} is not a number" + (f" or one of {_listing(constants)}" if constants else "")
        number = _arithmetic(word)
        if number is None:
            return None  # an expression with names: FFmpeg evaluates it
        return _range_problem(value, number, low, high)
    return _range_problem(value, _as_number(value), low, high)


def _arithmetic(text: str) -> float | None:
    """The value of plain arithmetic on numbers (``1/0`` is infinite), or None for anything else."""
    try:
        tree = ast.parse(text, mode="eval").body
    except (SyntaxError, ValueError):
        return None

    def value(node: ast.AST) -> float:
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return float(node.value)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
            return value(node.operand) * (-1 if isinstance(node.op, ast.USub) else 1)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
            left, right = value(node.left), value(node.right)
            if isinstance(node.op, ast.Div):
                return left / right if right else math.copysign(math.inf, left) if left else math.nan
            return {ast.Add: left + right, ast.Sub: left - right, ast.Mult: left * right}[type(node.op)]
        raise ValueError("not plain arithmetic")

    try:
        return value(tree)
    except (ValueError, OverflowError):
        return None


def _range_problem(value: object, number: float, low, high, scale: float = 1.0) -> str | None:
    if not math.isfinite(number):
        return f"{_shown(value)} is not a finite number"
    if (low is not None and number < low) or (high is not None and number > high):
        return f"{_shown(value)} is outside the range {_bound(low, scale)} to {_bound(high, scale)}"
    return None


def _bound(limit, scale: float) -> str:
    if limit is None:
        return "any"
    value = limit * scale
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e9 else f"{value:g}"
