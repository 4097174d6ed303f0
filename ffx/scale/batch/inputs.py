"""Which files a batch reads and which file each one writes: globs, input lists, output templates.

Everything here is checked before any job runs: a pattern that matches
nothing, a placeholder the template does not know, two inputs that would
write one output, or an output that is one of the inputs stop the batch with
one line, and nothing has been written.

Every one of them is also bounded, since a pattern, a list or a template may
come from someone else: an input list is a regular file or a pipe of at most
``LARGEST_LIST`` bytes; a batch has at most ``MOST_INPUTS`` inputs; a glob
reads at most ``MOST_FOLDERS`` folders, ``DEEPEST_GLOB`` below where its
``**`` starts, for at most ``GLOB_SECONDS``; a template is at most
``LONGEST_TEMPLATE`` characters with fields at most ``WIDEST_FIELD`` wide, and
each output path it gives at most ``LONGEST_OUTPUT`` bytes and
``DEEPEST_OUTPUT`` folders deep. Past any of them the batch stops with one
line naming the limit.
"""

from __future__ import annotations

import fnmatch
import io
import os
import re
import stat
import string
import time
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ...errors import FfxWarning, InputError, Problem, RecipeError, quote, shorten

# what a template may say about its input, besides the recipe's variables
INPUT_FIELDS = ("stem", "name", "parent", "index")
_GLOB_CHARS = frozenset("*?[")

LARGEST_LIST = 16 << 20  # bytes of an --inputs-from list (some 100,000 long paths)
MOST_INPUTS = 100_000  # inputs of one batch: listed lines, and files patterns match, together
MOST_FOLDERS = 50_000  # folders one pattern may read
DEEPEST_GLOB = 32  # folders a ** may descend
GLOB_SECONDS = 20.0  # spent expanding one pattern
LONGEST_PATTERN = 4096  # characters of one -i pattern or path
LONGEST_TEMPLATE = 4096  # characters of an output template
WIDEST_FIELD = 255  # a template field's width or precision: a file name is at most 255 bytes
LONGEST_OUTPUT = 4095  # bytes of an output path (Linux PATH_MAX less its NUL)
DEEPEST_OUTPUT = 64  # folders of an output path, from the root
LONGEST_NAME = 255  # bytes of one name in an output path (most file systems)


@dataclass(frozen=True)
class Pairing:
    """One input and the output the template gives it (``index`` counts from 1)."""

    index: int
    input: str
    output: str


def expand_inputs(patterns: Iterable[str], listed: Iterable[str] = ()) -> list[str]:
    """The input files, in order: each pattern's matches sorted (``**`` descends into folders), then the
    listed paths as given; a file named twice (or by a link) is kept once, with a warning naming the others. A pattern that matches no file is an error;
    a plain path is kept even when missing, so its job fails with the reason and the others run."""
    found: list[str] = []
    for pattern in patterns:
        _check_path_text(pattern, f"-i {quote(pattern)}")
        if _GLOB_CHARS.isdisjoint(pattern):
            found.append(pattern)
        else:
            matches = sorted(path for path in bounded_glob(pattern, MOST_INPUTS - len(found))
                             if not os.path.isdir(path))
            if not matches:
                raise InputError(f"-i {quote(pattern)}: no file matches")
            found += matches
        _check_count(len(found))
    for line in listed:
        if line.strip():
            _check_path_text(line, f"--inputs-from: the line {quote(line)}")
            found.append(line)
            _check_count(len(found))
    first: dict[object, str] = {}  # the file's identity -> the name it was first given by
    others: dict[str, list[str]] = {}
    for path in found:
        key = _file_key(path)
        if key not in first:
            first[key] = path
        elif path != first[key]:
            others.setdefault(first[key], []).append(path)
    for kept, names in others.items():
        named = ", ".join(quote(name) for name in dict.fromkeys(names[:5]))
        more = f" and {len(names) - 5} more" if len(names) > 5 else ""
        warnings.warn(f"{named}{more} {'is' if len(names) == 1 else 'are'} the same file as {quote(kept)}: "
                      "one job renders it", FfxWarning, stacklevel=2)
    return list(first.values())


def _file_key(path: str) -> object:
    """What tells files apart: device and inode (symlinks and hard links to one file are one), else the
    resolved path of a name that does not exist (its job fails alone, saying so)."""
    try:
        found = os.stat(path)
    except (OSError, ValueError):
        return os.path.realpath(path)
    return (found.st_dev, found.st_ino)


def _check_path_text(text: str, where: str) -> None:
    if "\0" in text:
        raise InputError(f"{where}: a path cannot hold a NUL character")
    if len(text) > LONGEST_PATTERN:
        raise InputError(f"{where}: {len(text)} characters long; a path or pattern is at most {LONGEST_PATTERN}")


def _check_count(count: int) -> None:
    if count > MOST_INPUTS:
        raise InputError(f"more than {MOST_INPUTS:,} inputs; split the batch (one run per folder or per list)")


def bounded_glob(pattern: str, most: int = MOST_INPUTS) -> list[str]:
    """The paths ``pattern`` matches, as :func:`glob.glob` with ``recursive=True`` spells them (hidden
    names only for a part that starts with a dot), found within limits: at most ``most`` matches,
    ``MOST_FOLDERS`` folders read, ``DEEPEST_GLOB`` folders below a ``**``, ``GLOB_SECONDS``. Each folder
    is read once for each part of the pattern, however many ``**`` lead to it (stacked ``**/**/`` or a
    symlink back up the tree cost nothing more); past a limit, one line says which.

    >>> bounded_glob("/nonexistent/**/*.mp4")
    []
    """
    parts = pattern.split("/")
    start = "/" if pattern.startswith("/") else ""
    parts = [part for part in parts if part]  # '//' and a leading '/' are spelled by `start`
    if not parts or pattern.endswith("/"):
        return []  # only folders match a pattern ending in '/': no inputs
    where = f"-i {quote(pattern)}"
    deadline = time.monotonic() + GLOB_SECONDS
    folders = 0
    seen: set[tuple[int, int, int]] = set()  # (part, device, inode) of each folder already read for that part
    found: set[str] = set()
    stack: list[tuple[int, str, int]] = [(0, start, 0)]  # (next part, path so far as written, depth below **)

    def listing(folder: str, dirs_only: bool, hidden: bool) -> list[tuple[str, bool]]:
        """The names in ``folder``, each with whether it is a folder (symlinks followed)."""
        nonlocal folders
        folders += 1
        if folders > MOST_FOLDERS:
            raise InputError(f"{where} reads more than {MOST_FOLDERS:,} folders; start it deeper or list the inputs "
                             "in a file (--inputs-from)")
        if time.monotonic() > deadline:
            raise InputError(f"{where} took over {GLOB_SECONDS:.0f} s ({folders:,} folders read); start it "
                             "deeper or list the inputs in a file (--inputs-from)")
        names = []
        try:
            with os.scandir(folder or ".") as entries:
                for entry in entries:
                    if hidden or not entry.name.startswith("."):
                        is_dir = _is_dir(entry)
                        if is_dir or not dirs_only:
                            names.append((entry.name, is_dir))
        except OSError:
            return []  # unreadable or gone: as glob, no matches there
        return names

    def first_visit(index: int, folder: str) -> bool:
        try:
            info = os.stat(folder or ".")
        except OSError:
            return False
        key = (index, info.st_dev, info.st_ino)
        if key in seen:
            return False
        seen.add(key)
        return True

    while stack:
        index, path, depth = stack.pop()
        if index == len(parts):
            found.add(path)
            if len(found) > most:
                _check_count(MOST_INPUTS + 1)
            continue
        part, last = parts[index], index == len(parts) - 1
        if part == "**":
            if not first_visit(index, path):
                continue
            stack.append((index + 1, path, depth))  # ** matching no folder
            for name, is_dir in listing(path, dirs_only=not last, hidden=False):  # a last ** matches files too
                child = os.path.join(path, name) if path else name
                if not is_dir:
                    stack.append((index + 1, child, depth))
                    continue
                if depth + 1 > DEEPEST_GLOB:
                    raise InputError(f"{where}: ** would descend more than {DEEPEST_GLOB} folders deep "
                                     f"(at {quote(child)}); start it deeper")
                stack.append((index, child, depth + 1))
        elif _GLOB_CHARS.isdisjoint(part):
            joined = os.path.join(path, part) if path else part
            if os.path.isdir(joined) if not last else os.path.lexists(joined):
                stack.append((index + 1, joined, depth))
        else:
            if not first_visit(index, path):
                continue
            names = fnmatch.filter([name for name, _ in listing(path, dirs_only=not last, hidden=part.startswith("."))],
                                   part)
            stack.extend((index + 1, os.path.join(path, name) if path else name, depth) for name in names)
    return list(found)


def _is_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def read_input_list(path: str) -> list[str]:
    """One path a line (``find ... > list.txt``); blank lines are skipped, ``-`` reads standard input.

    The list is a regular file or a pipe (``<(find ...)``) of at most ``LARGEST_LIST`` bytes and
    ``MOST_INPUTS`` paths; a device (``/dev/zero``), a folder or a socket is refused without reading it.
    Bytes that are not UTF-8 are kept as :func:`os.fsdecode` keeps them, so any file name can be listed.
    """
    import sys

    where = f"--inputs-from {quote(path)}"
    try:
        if path == "-":
            stream = getattr(sys.stdin, "buffer", sys.stdin)
            try:
                handle = os.dup(stream.fileno())
            except (AttributeError, OSError, ValueError):  # not a file descriptor (an embedding, a test)
                data = stream.read(LARGEST_LIST + 1)
                data = data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data
                return _lines(data, where)
            if os.isatty(handle):
                os.close(handle)
                handle = os.dup(stream.fileno())  # typed by hand, ended with Ctrl-D: as good as a pipe
            else:
                _check_list_kind(os.fstat(handle), handle, where)
        else:
            try:
                kind = os.stat(path)
            except OSError as exc:
                raise InputError(f"{where}: {exc.strerror}") from None
            _check_list_kind(kind, None, where)  # before opening: opening a device may itself wait
            handle = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
            _check_list_kind(os.fstat(handle), handle, where)  # and again: the name may have been replaced
        try:
            chunks, size = [], 0
            while size <= LARGEST_LIST:
                chunk = os.read(handle, min(1 << 20, LARGEST_LIST + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
        finally:
            os.close(handle)
    except InputError:
        raise
    except OSError as exc:
        raise InputError(f"{where}: {exc.strerror}") from None
    return _lines(b"".join(chunks), where)


def _check_list_kind(info: os.stat_result, handle: int | None, where: str) -> None:
    if stat.S_ISREG(info.st_mode) or stat.S_ISFIFO(info.st_mode):
        return
    if handle is not None:
        os.close(handle)
    kind = "a folder" if stat.S_ISDIR(info.st_mode) else "a device" if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(
        info.st_mode) else "a socket" if stat.S_ISSOCK(info.st_mode) else "not a regular file"
    raise InputError(f"{where} is {kind}; give a file or a pipe of one path a line")


def _lines(data: bytes, where: str) -> list[str]:
    if len(data) > LARGEST_LIST:
        raise InputError(f"{where} is longer than {LARGEST_LIST >> 20} MiB; split the list")
    if b"\0" in data:
        raise InputError(f"{where} holds a NUL byte: give one path a line (for find, use -print, not -print0)")
    lines = []
    for line in io.BytesIO(data):  # one line at a time: 16 MiB of newlines is not 16 million strings
        text = os.fsdecode(line.rstrip(b"\n").rstrip(b"\r"))
        if text.strip():
            lines.append(text)
            if len(lines) > MOST_INPUTS:
                raise InputError(f"{where} lists more than {MOST_INPUTS:,} paths; split the list")
    return lines


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

    if len(template) > LONGEST_TEMPLATE:
        raise bad(f"is {len(template):,} characters long; a template is at most {LONGEST_TEMPLATE}")
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
        widest = _widest(spec or "")
        if widest > WIDEST_FIELD:
            raise bad(f"has a placeholder {{{name}:{shorten(spec, 20)}}} {widest:,} characters wide; "
                      f"a field is at most {WIDEST_FIELD} (a file name's length)")
        fields.append(name)
    return fields


# the numbers in a format spec: [[fill]align][sign][z][#][0][width][grouping][.precision][type]
_SPEC_NUMBERS = re.compile(r"^(?:.?[<>=^])?[-+ ]?z?#?0?(\d*)[,_]?(?:\.(\d*))?[a-zA-Z%]?$", re.DOTALL)


def _widest(spec: str) -> int:
    """The width or precision a format spec asks for (the larger); a spec that is not one counts as
    narrow here, and ``format`` refuses it itself.

    >>> _widest("03"), _widest("0>20"), _widest(".300s"), _widest("0999999999")
    (3, 20, 300, 999999999)
    """
    found = _SPEC_NUMBERS.match(spec)
    if found is None:
        return max((int(run[:12]) for run in re.findall(r"\d+", spec)), default=0)
    return max(int(number[:12]) if number else 0 for number in found.groups(default=""))


def output_for(template: str, path: str, index: int, variables: dict[str, Any]) -> str:
    """The output path for one input.

    >>> output_for("out/{parent}/{stem}-{index:03}.{fps}.gif", "clips/a/b.mp4", 7, {"fps": 12})
    'out/a/b-007.12.gif'
    """
    template_fields(template, variables)  # bounded before it is filled: {index:0999999999} is 1 GB
    name = os.path.basename(path)
    values = {**variables, "stem": os.path.splitext(name)[0], "name": name,
              "parent": os.path.basename(os.path.dirname(os.path.abspath(path))), "index": index}
    try:
        filled = template.format_map(values)
    except (ValueError, TypeError) as exc:
        raise RecipeError(Problem(f"the template {quote(template)} cannot be filled for {quote(path)}: {exc}",
                                  field="output")) from None
    _check_output_path(filled, path)
    return filled


def _check_output_path(output: str, path: str) -> None:
    """An output path a file system can hold, and ``os.makedirs`` can make, or one line saying why."""
    def bad(message: str) -> RecipeError:
        return RecipeError(Problem(f"the output for {quote(path)} {message}", field="output"))

    if "\0" in output:
        raise bad("would hold a NUL character")
    size = len(os.fsencode(output)) if len(output) <= LONGEST_OUTPUT else len(output)
    if size > LONGEST_OUTPUT:
        raise bad(f"would be {size:,} bytes long; a path is at most {LONGEST_OUTPUT}")
    names = os.path.abspath(output).split(os.sep)
    if len(names) - 1 > DEEPEST_OUTPUT:
        raise bad(f"would be {len(names) - 1} folders deep; at most {DEEPEST_OUTPUT}")
    longest = max(names, key=lambda name: len(os.fsencode(name)))
    if len(os.fsencode(longest)) > LONGEST_NAME:
        raise bad(f"would hold the name {quote(longest, 40)} of {len(os.fsencode(longest))} bytes; "
                  f"a name is at most {LONGEST_NAME}")


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
