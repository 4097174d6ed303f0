"""Filter options as ffmpeg-python and command lines write them, turned into named, literal values.

FFmpeg lets a filter's first options go unnamed (``scale=320:-1``, ffmpeg-python's
``.filter("scale", 320, -1)``): they fill the filter's options in declaration order,
skipping aliases that share an option's storage (``w``/``width``). The option table
ffx carries keeps that order but not the storage, so an alias is recognised by its
name: same type and one name the other's prefix, ``_``-suffix or initials
(``lr`` for ``luma_radius``). ffx writes every option by name.

>>> named_options("scale", [320, -1], {})
[('w', 320), ('h', -1)]
>>> named_options("crop", [32, 24, 0, 8], {})
[('out_w', 32), ('out_h', 24), ('x', 0), ('y', 8)]
>>> drawtext_literal("50\\\\% off, it\\\\'s")
"50% off, it's"
"""

from __future__ import annotations

from typing import Any

from ..errors import RecipeError
from .filter_options import filter_options


def _initials(name: str) -> str:
    return "".join(part[:1] for part in name.split("_"))


def _aliases(first: str, second: str) -> bool:
    return (first.startswith(second) or second.startswith(first) or first.endswith("_" + second)
            or second.endswith("_" + first) or _initials(first) == second or _initials(second) == first)


def shorthand(name: str) -> list[str]:
    """The option names unnamed values fill, in order (aliases skipped)."""
    order: list[str] = []
    previous: tuple[str, str] | None = None
    for option, spec in filter_options(name).items():
        if previous is not None and previous[1] == spec[0] and _aliases(previous[0], option):
            continue
        order.append(option)
        previous = (option, spec[0])
    return order


def named_options(name: str, args: list, kwargs: dict) -> list[tuple[str, Any]]:
    """Positional values named by the filter's shorthand, then the named ones (in the order given)."""
    if not args:
        return [(key, plain_value(value, name, key)) for key, value in kwargs.items()]
    slots = shorthand(name)
    if len(args) > len(slots):
        known = f" ({', '.join(slots)})" if slots else ""
        raise RecipeError(f"the {name} filter takes {len(slots)} unnamed option{'s' * (len(slots) != 1)}{known}, "
                          f"given {len(args)}: name them (key=value)")
    named = [(slot, plain_value(value, name, slot)) for slot, value in zip(slots, args)]
    twice = sorted({slot for slot, _ in named} & set(kwargs))
    if twice:
        raise RecipeError(f"the {name} filter's option {twice[0]!r} is given unnamed and by name")
    return named + [(key, plain_value(value, name, key)) for key, value in kwargs.items()]


def plain_value(value: Any, name: str = "", key: str = "") -> str | int | float:
    """A value as FFmpeg receives it: numbers stay numbers, anything else its text (as ffmpeg-python's ``str``)."""
    if isinstance(value, bool):
        return str(value)  # ffmpeg-python writes True as "True", which FFmpeg reads as true
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple, dict, set)) or value is None:
        raise RecipeError(f"the {name} filter's option {key!r} is {type(value).__name__} {value!r}: "
                          "FFmpeg takes a number or text")
    return str(value)


def drawtext_literal(text: str) -> str:
    """The characters drawtext shows for ``text`` as ffmpeg-python stores it (``\\\\``, ``\\'``, ``\\%`` escaped):
    its expansion reads a backslash as "the next character as it is"."""
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def literal_drawtext(options: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """drawtext's ``text`` as the literal characters it shows, so that ffx escapes it once.

    With drawtext's default expansion a backslash escapes the next character and
    ``%{...}`` is expanded. Text with a ``%`` or a backslash of its own is therefore
    written unescaped with ``expansion: none``, which shows the same characters;
    text that uses an expansion (an unescaped ``%``) is kept as it is.
    """
    found = dict(options)
    text = found.get("text")
    if not isinstance(text, str) or "expansion" in found or not _all_escaped(text):
        return options
    literal = drawtext_literal(text)
    if literal == text:
        return options
    updated = [(key, literal if key == "text" else value) for key, value in options]
    if "%" in literal or "\\" in literal:
        updated.append(("expansion", "none"))
    return updated


def _all_escaped(text: str) -> bool:
    """True when every ``%`` of the text is escaped: it asks for no expansion."""
    i = 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            i += 2
            continue
        if text[i] == "%":
            return False
        i += 1
    return True
