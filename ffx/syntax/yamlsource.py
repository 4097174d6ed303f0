"""Strict YAML reading that remembers where every value came from.

PyYAML resolves plain scalars by YAML 1.1 rules, where ``no`` is false, ``010``
is eight and ``1:30`` is ninety. Recipes are shared between people and tools
that disagree on those rules, so ffx composes the node tree itself from the
parser's events and resolves scalars itself: YAML 1.2 core types, and a clear
error for every spelling that YAML 1.1 would read differently.

Recipes come from anywhere, so reading one is bounded: a regular file under a
size limit (:func:`read_recipe_text`), nesting under :data:`MAX_DEPTH`, values
after aliases under :data:`MAX_NODES`. The events come from libyaml's C parser
when PyYAML has it (a 10 MB document in about a second instead of half a
minute); its events carry the same line and column marks as the pure-Python
parser's. PyYAML's own composers recurse once per nesting level, the
pure-Python one until ``RecursionError``, so ffx composes without recursion.
"""

from __future__ import annotations

import contextlib
import gc
import os
import re
import stat
from dataclasses import dataclass, field

import yaml

from ..errors import Problem, RecipeError, shorten

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
MAX_DEPTH = 100  # nesting levels; a recipe needs fewer than ten
MAX_RECIPE_BYTES = 1 << 20  # default size limit of a recipe file (--max-recipe-size raises it)

_Parser = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's C parser when PyYAML was built with it
_RESOLVER = yaml.resolver.Resolver()  # PyYAML's tags for plain scalars; ffx then re-reads them strictly


@dataclass(frozen=True)
class Located:
    """A parsed YAML document and the 1-based (line, column) of each value by path."""

    data: object
    marks: dict
    file: str | None
    problems: tuple = ()  # bad scalars, reported together with the model's own problems
    keys: dict = field(default_factory=dict)  # path -> (line, column) of the key itself, for unknown keys

    def where_key(self, path: Path) -> tuple[int | None, int | None]:
        """Position of the key that ends ``path`` (an unknown key is blamed where it is written)."""
        return self.keys.get(tuple(path)) or self.where(path)

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
    shown = shorten(text)
    if text in _NULL:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if _YAML11_BOOL.match(text):
        meaning = "true" if text.lower() in ("y", "yes", "on") else "false"
        raise ValueError(
            f"unquoted {shown} is true/false to some YAML readers and text to others; "
            f"write {meaning}, or quote it ('{shown}') if you mean the word"
        )
    if _INT.match(text):
        return int(text)
    if _LEADING_ZERO.match(text):
        raise ValueError(
            f"unquoted {shown} is an octal number to some YAML readers; drop the leading zero, or quote it ('{shown}')"
        )
    if _OTHER_BASE.match(text) or _UNDERSCORED.match(text):
        raise ValueError(f"write {shown} as a plain decimal number, or quote it ('{shown}') if you mean text")
    if _FLOAT.match(text):
        return float(text)
    if _NONFINITE.match(text):
        raise ValueError(f"{shown} is not a finite number")
    if _SEXAGESIMAL.match(text):
        raise ValueError(
            f"unquoted {shown} is read as a base-60 number by YAML 1.1 readers; quote it (\"{shown}\") to mean a clock time"
        )
    return text


def set_value(text: str) -> object:
    """The value of a ``--set NAME=TEXT``: typed by the same strict rules as YAML, except that a word YAML
    readers disagree on (``no``) is meant as text on the command line, and nothing is the empty text.

    >>> set_value("8"), set_value("no"), set_value(" 8"), set_value("")
    (8, 'no', ' 8', '')
    """
    try:
        value = resolve_plain(text) if text.strip() == text else text
    except ValueError:
        value = text
    return "" if value is None else value


def format_path(path: Path) -> str:
    """``('steps', 2, 'trim', 'end')`` -> ``steps[2].trim.end``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def read_recipe_text(file: str, max_bytes: int = MAX_RECIPE_BYTES) -> str:
    """The text of a recipe file, read with a bound.

    Only a regular file under ``max_bytes`` is read: ``/dev/zero`` or a sparse
    3 GB file would otherwise fill memory, and a FIFO would block forever (it
    is opened without waiting for a writer, then refused).
    """
    try:
        descriptor = os.open(file, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise RecipeError(Problem(f"recipe file {shorten(repr(file))} does not exist")) from None
    except IsADirectoryError:
        raise RecipeError(Problem(f"{shorten(repr(file))} is a folder, not a recipe file")) from None
    except OSError as exc:
        raise RecipeError(Problem(f"cannot read recipe {shorten(repr(file))}: {exc.strerror}")) from None
    except UnicodeEncodeError:  # a lone surrogate ("\ud800"), which no file name holds
        raise RecipeError(Problem(f"{shorten(repr(file))} is not a file name: it holds a lone surrogate")) from None
    except ValueError:  # a NUL character in the name
        raise RecipeError(Problem("a recipe file name cannot contain the NUL character (\\0)")) from None
    try:
        info = os.fstat(descriptor)
        if stat.S_ISDIR(info.st_mode):
            raise RecipeError(Problem(f"{shorten(repr(file))} is a folder, not a recipe file"))
        if not stat.S_ISREG(info.st_mode):
            raise RecipeError(Problem(f"{shorten(repr(file))} is not a regular file (a device, pipe or socket)",
                                      hint="a recipe is a YAML file"))
        chunks, size = [], 0
        while size <= max_bytes and (chunk := os.read(descriptor, min(1 << 20, max_bytes + 1 - size))):
            chunks.append(chunk)
            size += len(chunk)
        if size > max_bytes or info.st_size > max_bytes:
            raise RecipeError(Problem(f"recipe {shorten(repr(file))} is larger than {format_bytes(max_bytes)}",
                                      hint="raise the limit with --max-recipe-size if you trust it"))
    except OSError as exc:
        raise RecipeError(Problem(f"cannot read recipe {shorten(repr(file))}: {exc.strerror}")) from None
    finally:
        os.close(descriptor)
    data = b"".join(chunks)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise RecipeError(Problem("not UTF-8 text", file=file, line=line,
                                  hint="save the recipe as UTF-8")) from None


def format_bytes(count: int) -> str:
    """``1048576`` -> ``1 MiB``.

    >>> format_bytes(1 << 20), format_bytes(1536), format_bytes(100)
    ('1 MiB', '1.5 KiB', '100 bytes')
    """
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= size:
            return f"{count / size:.4g} {unit}"
    return f"{count} bytes"


def load_yaml(text: str, file: str | None = None) -> Located:
    """Parse one YAML document strictly; bad scalars become ``None`` and are listed in ``problems``."""
    with _collector_paused():
        return _load_yaml(text, file)


@contextlib.contextmanager
def _collector_paused():
    """Building 100,000 nodes triggers Python's cycle collector again and again over a growing heap
    (2.5x the parse time on a 10 MB recipe); the node tree has no reference cycles to collect."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _load_yaml(text: str, file: str | None) -> Located:
    try:
        node = compose(text, file)
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow in a document
        before = text[:exc.position]
        line, column = before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1
        character = f"#x{exc.character:04x}" if isinstance(exc.character, int) else repr(exc.character)
        raise RecipeError(Problem(f"not valid YAML: character {character} is not allowed", file=file, line=line,
                                  column=column, hint="write control characters as escapes in double quotes")) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise RecipeError(
            Problem(
                f"not valid YAML: {shorten(str(exc.problem or exc.context))}",
                file=file,
                line=mark.line + 1 if mark else None,
                column=mark.column + 1 if mark else None,
            )
        ) from None
    except yaml.YAMLError as exc:
        raise RecipeError(Problem(f"not valid YAML: {shorten(str(exc).splitlines()[0])}", file=file)) from None
    marks: dict = {}
    keys: dict = {}
    problems: list[Problem] = []
    budget = [MAX_NODES]

    def fail(message: str, path: Path, mark) -> None:
        problems.append(Problem(message, field=format_path(path), file=file, line=mark.line + 1, column=mark.column + 1))

    def convert(node, path: Path):
        budget[0] -= 1
        if budget[0] < 0:
            raise RecipeError(Problem(f"the document is too large (more than {MAX_NODES} values after aliases)", file=file))
        if len(path) > MAX_DEPTH:  # aliases can nest what the text did not
            raise _too_deep(file, node.start_mark)
        marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if node.tag not in _ALLOWED_TAGS:
            fail(f"YAML tags such as {shorten(node.tag)} are not allowed in recipes", path, node.start_mark)
            return None
        if isinstance(node, yaml.ScalarNode):
            if "\0" in node.value:
                fail("the NUL character (\\0) is not allowed in recipe values", path, node.start_mark)
                return None
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
                if not isinstance(key_node, yaml.ScalarNode) or "\0" in key_node.value:
                    fail("mapping keys must be plain names", path, key_node.start_mark)
                    continue
                key = key_node.value
                if key in result:
                    fail(f"key {shorten(repr(key))} appears twice", path + (key,), key_node.start_mark)
                    continue
                keys[path + (key,)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                result[key] = convert(value_node, path + (key,))
            return result
        return None  # pragma: no cover - composer yields only the three node kinds

    data = None if node is None else convert(node, ())
    return Located(data=data, marks=marks, file=file, problems=tuple(problems), keys=keys)


def compose(text: str, file: str | None) -> yaml.Node | None:
    """The node tree of the only document in ``text``, built from the parser's events without recursion: what
    the loader reads values from, and what the studio splices edits at (every node keeps its marks).

    Tags are resolved as PyYAML's composer does (so ``load_yaml`` sees the same
    nodes with either parser); nesting beyond :data:`MAX_DEPTH` and more than
    :data:`MAX_NODES` nodes are refused while parsing, before anything is built.
    """
    parser = _Parser(text)
    anchors: dict[str, yaml.Node] = {}
    # open collections: (start event, children so far)
    open_nodes: list[tuple[yaml.Event, list]] = []
    root: yaml.Node | None = None
    documents = count = 0
    try:
        while parser.check_event():
            event = parser.get_event()
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise RecipeError(Problem("a recipe is one YAML document; found a second one", file=file,
                                              line=event.start_mark.line + 1, hint="remove the ---"))
                continue
            if isinstance(event, yaml.AliasEvent):
                if event.anchor not in anchors:
                    opened = any(start.anchor == event.anchor for start, _ in open_nodes)
                    raise yaml.composer.ComposerError(
                        None, None, f"alias *{shorten(event.anchor)} " +
                        ("refers to a collection that contains it" if opened else "names no anchor before it"),
                        event.start_mark)
                node = anchors[event.anchor]
            elif isinstance(event, yaml.ScalarEvent):
                tag = event.tag
                if tag is None or tag == "!":
                    tag = _RESOLVER.resolve(yaml.ScalarNode, event.value, event.implicit)
                # libyaml says '' for a plain scalar where the pure-Python parser says None
                node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style or None)
            elif isinstance(event, yaml.CollectionStartEvent):
                count += 1
                if count > MAX_NODES:
                    raise RecipeError(Problem(f"the document is too large (more than {MAX_NODES} values)", file=file))
                if len(open_nodes) >= MAX_DEPTH:
                    raise _too_deep(file, event.start_mark)
                open_nodes.append((event, []))
                continue
            elif isinstance(event, yaml.CollectionEndEvent):
                start, children = open_nodes.pop()
                tag = start.tag
                if isinstance(start, yaml.SequenceStartEvent):
                    if tag is None or tag == "!":
                        tag = _RESOLVER.resolve(yaml.SequenceNode, None, start.implicit)
                    node = yaml.SequenceNode(tag, children, start.start_mark, event.end_mark,
                                             flow_style=start.flow_style)
                else:
                    if tag is None or tag == "!":
                        tag = _RESOLVER.resolve(yaml.MappingNode, None, start.implicit)
                    node = yaml.MappingNode(tag, list(zip(children[::2], children[1::2])), start.start_mark,
                                            event.end_mark, flow_style=start.flow_style)
                if start.anchor is not None:
                    anchors[start.anchor] = node
            else:  # stream and document start/end
                continue
            count += not isinstance(event, yaml.CollectionEndEvent)
            if count > MAX_NODES:
                raise RecipeError(Problem(f"the document is too large (more than {MAX_NODES} values)", file=file))
            if isinstance(event, yaml.ScalarEvent) and event.anchor is not None:
                anchors[event.anchor] = node
            if open_nodes:
                open_nodes[-1][1].append(node)
            else:
                root = node
    finally:
        parser.dispose()
    return root


def _too_deep(file: str | None, mark) -> RecipeError:
    return RecipeError(Problem(f"nested more than {MAX_DEPTH} levels deep", file=file, line=mark.line + 1,
                               column=mark.column + 1, hint="a recipe needs only a few levels"))
