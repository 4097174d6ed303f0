"""Which files a batch reads and which file each one writes: globs, input lists, output templates.

Everything here is checked before any job runs: a pattern that matches
nothing, a placeholder the template does not know, two inputs that would
write one output, or an output that is one of the inputs stop the batch with
one line, and nothing has been written.
"""

from __future__ import annotations

import glob
import os
import string
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ...errors import InputError, Problem, RecipeError, quote

# what a template may say about its input, besides the recipe's variables
INPUT_FIELDS = ("stem", "name", "parent", "index")
_GLOB_CHARS = frozenset("*?[")


@dataclass(frozen=True)
class Pairing:
    """One input and the output the template gives it (``index`` counts from 1)."""

    index: int
    input: str
    output: str


def expand_inputs(patterns: Iterable[str], listed: Iterable[str] = ()) -> list[str]:
    """The input files, in order: each pattern's matches sorted (``**`` descends into folders), then the
    listed paths as given; a file named twice is kept once. A pattern that matches no file is an error;
    a plain path is kept even when missing, so its job fails with the reason and the others run."""
    found: list[str] = []
    for pattern in patterns:
        if _GLOB_CHARS.isdisjoint(pattern):
            found.append(pattern)
            continue
        matches = sorted(path for path in glob.glob(pattern, recursive=True) if not os.path.isdir(path))
        if not matches:
            raise InputError(f"-i {quote(pattern)}: no file matches")
        found += matches
    found += [line for line in listed if line.strip()]
    seen: set[str] = set()
    unique = []
    for path in found:
        key = os.path.realpath(path)
        if key not in seen:
            seen.add(key)
            unique.append(path)
    return unique


def read_input_list(path: str) -> list[str]:
    """One path a line (``find ... > list.txt``); blank lines are skipped, ``-`` reads standard input."""
    import sys

    try:
        if path == "-":
            text = sys.stdin.read()
        else:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
    except OSError as exc:
        raise InputError(f"--inputs-from {quote(path)}: {exc.strerror}") from None
    return [line.rstrip("\r") for line in text.split("\n") if line.strip()]


def template_fields(template: str, variables: dict[str, Any]) -> list[str]:
    """The placeholders of an output template, each one checked.

    >>> template_fields("out/{parent}/{stem}-{width}.gif", {"width": 320})
    ['parent', 'stem', 'width']
    >>> template_fields("out/{stme}.gif", {})
    Traceback (most recent call last):
    ffx.errors.RecipeError: output: the template 'out/{stme}.gif' has an unknown placeholder {stme} (known: stem, name, parent, index)
    """
    known = [*INPUT_FIELDS, *sorted(variables)]

    def bad(message: str) -> RecipeError:
        return RecipeError(Problem(f"the template {quote(template)} {message}", field="output"))

    try:
        pieces = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise bad(f"cannot be read: {exc} (write {{{{ and }}}} for literal braces)") from None
    fields = []
    for _, name, spec, conversion in pieces:
        if name is None:
            continue
        if name == "" or not name.isidentifier():
            raise bad(f"has a placeholder {{{name}}} that is not a name (known: {', '.join(known)})")
        if name not in known:
            raise bad(f"has an unknown placeholder {{{name}}} (known: {', '.join(known)})")
        if conversion or (spec and "{" in spec):
            raise bad(f"has a placeholder {{{name}}} with a conversion; write {{{name}}} or {{{name}:03}}")
        fields.append(name)
    return fields


def output_for(template: str, path: str, index: int, variables: dict[str, Any]) -> str:
    """The output path for one input.

    >>> output_for("out/{parent}/{stem}-{index:03}.{fps}.gif", "clips/a/b.mp4", 7, {"fps": 12})
    'out/a/b-007.12.gif'
    """
    name = os.path.basename(path)
    values = {**variables, "stem": os.path.splitext(name)[0], "name": name,
              "parent": os.path.basename(os.path.dirname(os.path.abspath(path))), "index": index}
    try:
        return template.format_map(values)
    except (ValueError, TypeError) as exc:
        raise RecipeError(Problem(f"the template {quote(template)} cannot be filled for {quote(path)}: {exc}",
                                  field="output")) from None


def pair_outputs(template: str, inputs: list[str], variables: dict[str, Any]) -> list[Pairing]:
    """Each input with its output; refuses clashes and outputs that are inputs, naming both files."""
    if not isinstance(template, str) or not template:
        raise RecipeError(Problem("a batch needs an output template such as 'out/{stem}.gif'", field="output"))
    template_fields(template, variables)
    pairs = [Pairing(index, path, output_for(template, path, index, variables))
             for index, path in enumerate(inputs, start=1)]
    taken: dict[str, str] = {}
    sources = {os.path.realpath(path) for path in inputs}
    for pair in pairs:
        key = os.path.realpath(pair.output)
        if key in sources:
            raise RecipeError(Problem(f"{quote(pair.input)} would write {quote(pair.output)}, which is an input; "
                                      "choose another output folder or extension", field="output"))
        if key in taken:
            raise RecipeError(Problem(f"{quote(taken[key])} and {quote(pair.input)} would both write "
                                      f"{quote(pair.output)}; add {{parent}} or {{index}} to the template",
                                      field="output"))
        taken[key] = pair.input
    return pairs
