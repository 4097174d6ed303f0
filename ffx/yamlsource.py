"""Strict YAML reading that remembers where every value came from.

PyYAML resolves plain scalars by YAML 1.1 rules, where ``no`` is false, ``010``
is eight and ``1:30`` is ninety. Recipes are shared between people and tools
that disagree on those rules, so ffx composes the node tree with the safe
loader and resolves scalars itself: YAML 1.2 core types, and a clear error for
every spelling that YAML 1.1 would read differently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

from .errors import Problem, RecipeError

Path = tuple  # of str | int

_NULL = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
_YAML11_BOOL = re.compile(r"^(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$")
_INT = re.compile(r"^[-+]?(0|[1-9][0-9]*)$")
_LEADING_ZERO = re.compile(r"^[-+]?0[0-9_]+$")
_OTHER_BASE = re.compile(r"^[-+]?0[xXoObB][0-9a-fA-F_]+$")
_UNDERSCORED = re.compile(r"^[-+]?[0-9][0-9_]*_[0-9_]*(\.[0-9_]*)?$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_NONFINITE = re.compile(r"^[-+]?\.(inf|Inf|INF|nan|NaN|NAN)$")
_SEXAGESIMAL = re.compile(r"^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$")

_ALLOWED_TAGS = {"!", *(f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "seq", "map"))}
MAX_NODES = 100_000  # guards against alias ("billion laughs") expansion


@dataclass(frozen=True)
class Located:
    """A parsed YAML document and the 1-based (line, column) of each value by path."""

    data: object
    marks: dict
    file: str | None
    problems: tuple = ()  # bad scalars, reported together with the model's own problems

    def where(self, path: Path) -> tuple[int | None, int | None]:
        """Position of the deepest known value on ``path``."""
        path = tuple(path)
        while path:
            if path in self.marks:
                return self.marks[path]
            path = path[:-1]
        return self.marks.get((), (None, None))


def resolve_plain(text: str) -> object:
    """Type of an unquoted scalar under ffx's strict rules.

    >>> resolve_plain("12"), resolve_plain("0.5"), resolve_plain("true"), resolve_plain("hello")
    (12, 0.5, True, 'hello')
    >>> resolve_plain("no")
    Traceback (most recent call last):
    ...
    ValueError: unquoted no is true/false to some YAML readers and text to others; write false, or quote it ('no') if you mean the word
    """
    if text in _NULL:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if _YAML11_BOOL.match(text):
        meaning = "true" if text.lower() in ("y", "yes", "on") else "false"
        raise ValueError(
            f"unquoted {text} is true/false to some YAML readers and text to others; "
            f"write {meaning}, or quote it ('{text}') if you mean the word"
        )
    if _INT.match(text):
        return int(text)
    if _LEADING_ZERO.match(text):
        raise ValueError(
            f"unquoted {text} is an octal number to some YAML readers; drop the leading zero, or quote it ('{text}')"
        )
    if _OTHER_BASE.match(text) or _UNDERSCORED.match(text):
        raise ValueError(f"write {text} as a plain decimal number, or quote it ('{text}') if you mean text")
    if _FLOAT.match(text):
        return float(text)
    if _NONFINITE.match(text):
        raise ValueError(f"{text} is not a finite number")
    if _SEXAGESIMAL.match(text):
        raise ValueError(
            f"unquoted {text} is read as a base-60 number by YAML 1.1 readers; quote it (\"{text}\") to mean a clock time"
        )
    return text


def format_path(path: Path) -> str:
    """``('steps', 2, 'trim', 'end')`` -> ``steps[2].trim.end``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def load_yaml(text: str, file: str | None = None) -> Located:
    """Parse one YAML document strictly; bad scalars become ``None`` and are listed in ``problems``."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise RecipeError(
            Problem(
                f"not valid YAML: {exc.problem or exc.context}",
                file=file,
                line=mark.line + 1 if mark else None,
                column=mark.column + 1 if mark else None,
            )
        ) from None
    except yaml.YAMLError as exc:  # e.g. several documents in one file
        raise RecipeError(Problem(f"not valid YAML: {exc}", file=file)) from None
    marks: dict = {}
    problems: list[Problem] = []
    budget = [MAX_NODES]

    def fail(message: str, path: Path, mark) -> None:
        problems.append(Problem(message, field=format_path(path), file=file, line=mark.line + 1, column=mark.column + 1))

    def convert(node, path: Path):
        budget[0] -= 1
        if budget[0] < 0:
            raise RecipeError(Problem(f"the document is too large (more than {MAX_NODES} values after aliases)", file=file))
        marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if node.tag not in _ALLOWED_TAGS:
            fail(f"YAML tags such as {node.tag} are not allowed in recipes", path, node.start_mark)
            return None
        if isinstance(node, yaml.ScalarNode):
            explicit = node.tag not in ("tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
                                        "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null")
            if node.style is None and not explicit:
                try:
                    return resolve_plain(node.value)
                except ValueError as exc:
                    fail(str(exc), path, node.start_mark)
                    return None
            return node.value
        if isinstance(node, yaml.SequenceNode):
            return [convert(item, path + (i,)) for i, item in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode):
            result: dict = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    fail("YAML merge keys (<<) are not supported in recipes", path, key_node.start_mark)
                    continue
                if not isinstance(key_node, yaml.ScalarNode):
                    fail("mapping keys must be plain names", path, key_node.start_mark)
                    continue
                key = key_node.value
                if key in result:
                    fail(f"key {key!r} appears twice", path + (key,), key_node.start_mark)
                    continue
                result[key] = convert(value_node, path + (key,))
            return result
        return None  # pragma: no cover - composer yields only the three node kinds

    data = None if node is None else convert(node, ())
    return Located(data=data, marks=marks, file=file, problems=tuple(problems))
