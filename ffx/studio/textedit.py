"""Small edits of a recipe's YAML text that keep the rest of it as written.

The studio sets a value by splicing its text where the parser found it, never
by writing the document out again: comments, blank lines, quoting, key order
and the flow or block style of every mapping stay as the user wrote them.
Each edit parses the text again (a recipe is small), so offsets never go stale.

>>> set_value("steps:\\n  - crop: {x1: 10}  # the face\\n", ("steps", 0, "crop"), "x2", "200")
'steps:\\n  - crop: {x1: 10, x2: 200}  # the face\\n'
>>> set_value("steps:\\n  - crop:\\n      x1: 10\\n", ("steps", 0, "crop"), "x1", "20")
'steps:\\n  - crop:\\n      x1: 20\\n'
"""

from __future__ import annotations

from collections.abc import Sequence

import yaml

from ..errors import Problem, RecipeError
from ..syntax.yamlsource import compose
from ..syntax.yamlsource import format_path, load_yaml

Path = tuple  # of str | int: keys of mappings and indexes of sequences, from the document's root


def parse(text: str) -> yaml.Node | None:
    """The node tree of ``text``, whose marks are character offsets into it, built by ffx's own bounded
    composer: a document ffx would refuse (too deep, too large, two documents, not YAML) is refused here
    with the same problem, without recursion."""
    try:
        return compose(text, None)
    except yaml.YAMLError:
        load_yaml(text)  # the same failure, in ffx's words (line, column, what)
        raise


def cannot(message: str, path: Path = ()) -> RecipeError:
    return RecipeError(Problem(message, field=format_path(path) or None))


def find(root: yaml.Node | None, path: Path) -> yaml.Node | None:
    """The node at ``path``, or None where the path leaves the document."""
    node = root
    for part in path:
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            node = next((value for key, value in node.value if key.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
        else:
            return None
    return node


def entry(mapping: yaml.MappingNode, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    return next(((k, v) for k, v in mapping.value if isinstance(k, yaml.ScalarNode) and k.value == key), None)


def is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and not node.style and node.value in ("", "~", "null", "Null", "NULL")


def splice(text: str, start: int, end: int, new: str) -> str:
    return text[:start] + new + text[end:]


def last_end(text: str, node: yaml.Node) -> int:
    """Where the last character written for ``node`` ends (a block collection's own end mark lies past
    the comments and blank lines after it)."""
    while isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and not node.flow_style and node.value:
        node = node.value[-1][1] if isinstance(node, yaml.MappingNode) else node.value[-1]
    end = node.end_mark.index
    while end > node.start_mark.index and text[end - 1] in "\r\n":  # a block scalar ends on the next line
        end -= 1
    return end


def line_start(text: str, offset: int) -> int:
    return text.rfind("\n", 0, offset) + 1


def line_end(text: str, offset: int) -> int:
    """The offset of the line break ending the line that holds ``offset`` (the end of the text at the end)."""
    end = text.find("\n", offset)
    if end < 0:
        return len(text)
    return end - 1 if end > 0 and text[end - 1] == "\r" else end


def newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def mapping_at(text: str, path: Path) -> yaml.MappingNode:
    node = find(parse(text), path)
    if not isinstance(node, yaml.MappingNode):
        raise cannot("is not a mapping of options here; write it as {key: value}", path)
    return node


def ensure_mapping(text: str, path: Path) -> str:
    """``text`` with a mapping at ``path``: an empty or missing value becomes ``{}``."""
    root = parse(text)
    node = find(root, path)
    if isinstance(node, yaml.MappingNode):
        return text
    if node is not None and is_null(node):
        start, end = node.start_mark.index, node.end_mark.index
        return splice(text, start, end, "{}" if end > start else " {}")
    if node is None and path and isinstance(find(root, path[:-1]), yaml.MappingNode) and isinstance(path[-1], str):
        return set_value(text, path[:-1], path[-1], "{}")
    if node is None and path and isinstance(path[-1], str):
        return set_value(ensure_mapping(text, path[:-1]), path[:-1], path[-1], "{}")
    raise cannot("holds a value, not a mapping of options", path)


def set_value(text: str, path: Path, key: str, value: str, before: str | None = None) -> str:
    """Set ``key`` of the mapping at ``path`` to ``value`` (YAML text written as given); a new key goes
    before the key ``before`` when that is given and there, else last."""
    mapping = mapping_at(text, path)
    found = entry(mapping, key)
    ahead = entry(mapping, before) if before is not None and found is None else None
    if ahead is not None:
        at = ahead[0].start_mark.index
        if mapping.flow_style:
            return splice(text, at, at, f"{key}: {value}, ")
        if not text[line_start(text, at):at].strip():
            at = line_start(text, at)
            return splice(text, at, at, f"{' ' * ahead[0].start_mark.column}{key}: {value}{newline(text)}")
    if found is not None:
        old = found[1]
        if isinstance(old, (yaml.MappingNode, yaml.SequenceNode)) and not old.flow_style:
            return set_value(remove_key(text, path, key), path, key, value)  # a block value: written anew
        start, end = old.start_mark.index, old.end_mark.index
        return splice(text, start, end, value if end > start else " " + value)
    if mapping.flow_style:
        if not mapping.value:
            close = text.rindex("}", mapping.start_mark.index, mapping.end_mark.index)
            return splice(text, close, close, f"{key}: {value}")
        end = last_end(text, mapping.value[-1][1])
        return splice(text, end, end, f", {key}: {value}")
    column = mapping.value[0][0].start_mark.column
    at = line_end(text, last_end(text, mapping.value[-1][1]))
    return splice(text, at, at, f"{newline(text)}{' ' * column}{key}: {value}")


def remove_key(text: str, path: Path, key: str) -> str:
    """Remove ``key`` and its value from the mapping at ``path`` (nothing when it is not there)."""
    mapping = mapping_at(text, path)
    entries = mapping.value
    index = next((i for i, (k, _) in enumerate(entries) if k.value == key), None)
    if index is None:
        return text
    key_node, value = entries[index]
    start, end = key_node.start_mark.index, last_end(text, value)
    if mapping.flow_style:
        if index + 1 < len(entries):
            return splice(text, start, entries[index + 1][0].start_mark.index, "")
        if index > 0:
            return splice(text, last_end(text, entries[index - 1][1]), end, "")
        return splice(text, start, end, "")
    if not text[line_start(text, start):start].strip():  # the key begins its line: its lines go
        stop = line_end(text, end)
        stop += 2 if text.startswith("\r\n", stop) else 1 if stop < len(text) else 0
        return splice(text, line_start(text, start), stop, "")
    if index + 1 < len(entries):  # after "- ": the next key takes its place
        return splice(text, start, entries[index + 1][0].start_mark.index, "")
    return splice(text, start, end, "{}")


def set_fields(text: str, path: Path, values: dict[str, str], remove: Sequence[str] = ()) -> str:
    """Set several keys of the mapping at ``path`` (made when missing) and remove others."""
    text = ensure_mapping(text, path)
    for key, value in values.items():  # set first: a block mapping emptied on the way would be a null
        text = set_value(text, path, key, value)
    for key in remove:
        if key not in values:
            text = remove_key(text, path, key)
    return text


def insert_item(text: str, path: Path, index: int, value: str, root: yaml.Node | None = None) -> tuple[str, int]:
    """Insert ``value`` (flow YAML text) into the sequence at ``path`` before item ``index`` (at the
    end when ``index`` is its length); the new text and where the new item starts in it. ``root``: the
    text's nodes, when parsed already."""
    sequence = find(parse(text) if root is None else root, path)
    if not isinstance(sequence, yaml.SequenceNode):
        raise cannot("is not a list", path)
    items = sequence.value
    if sequence.flow_style:
        if index < len(items):
            at = items[index].start_mark.index
            return splice(text, at, at, f"{value}, "), at
        if items:
            at = last_end(text, items[-1])
            return splice(text, at, at, f", {value}"), at + 2
        close = text.rindex("]", sequence.start_mark.index, sequence.end_mark.index)
        return splice(text, close, close, value), close
    dash = text.rindex("-", 0, items[0].start_mark.index)
    column = dash - line_start(text, dash)
    if index < len(items):
        item = items[index].start_mark.index
        at = text.rindex("-", 0, item)
        if text[line_start(text, at):at].strip():  # "- - x": not a list of steps
            raise cannot("is a list written in a way the studio does not edit", path)
        at = line_start(text, at)
        return splice(text, at, at, f"{' ' * column}- {value}{newline(text)}"), at + column + 2
    at = line_end(text, last_end(text, items[-1]))
    return splice(text, at, at, f"{newline(text)}{' ' * column}- {value}"), at + len(newline(text)) + column + 2


def number(value: float, places: int = 3) -> str:
    """A number as a recipe writes it: whole numbers without a point, others with at most ``places``.

    >>> number(2.4000000001), number(100), number(100.0), number(-0.0004)
    ('2.4', '100', '100', '0')
    """
    rounded = round(float(value), places)
    if rounded == int(rounded):
        return str(int(rounded))
    return f"{rounded:.{places}f}".rstrip("0")
