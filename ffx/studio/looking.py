"""Setting a recipe's values by looking: what the editor's cursor is in, and the edits the page's tools make.

The page looks at a step through a preview of the recipe cut just before it
(``upto``): the frames the step receives, at the step's own size and on the
step's own clock. So a rectangle dragged on that picture is in the pixels the
step sees, and the player's time is the time the step's fields speak of
(``trim.start``, ``overlay.start``, keyframes). The edits are splices of the
text (:mod:`ffx.studio.textedit`): the rest of the recipe stays as written.

>>> text = "input: clip.mp4\\nsteps:\\n  - resize: 0.5\\n  - crop: {x2: 100}  # the face\\n"
>>> text = drag(text, 1, (10, 20), (110, 70), seconds=0.5)
>>> print(text, end="")
input: clip.mp4
steps:
  - resize: 0.5
  - crop: {x1: 10, y1: 20, width: 100, height: 50}  # the face
>>> print(keyframe(text, 1, "x1", 2.4), end="")
input: clip.mp4
steps:
  - resize: 0.5
  - crop: {x1: {0: 10, 2.4: 10}, y1: 20, width: 100, height: 50}  # the face
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import asdict, dataclass

import yaml

from ..effects import REGISTRY
from ..effects.keyframes import Keyframes, moving_fields
from ..errors import RecipeError, UsageError
from ..syntax.timecode import parse_time
from ..syntax.yamlsource import load_yaml
from .textedit import (
    Path,
    cannot,
    entry,
    find,
    insert_item,
    is_null,
    last_end,
    line_end,
    line_start,
    number,
    parse,
    set_fields,
    set_value,
    splice,
)

ROUTING = ("from", "as")  # keys of a step beside its effect (desugar's)
EDGES = ("x1", "y1", "x2", "y2")
OTHER_SHAPES = ("width", "height", "x_center", "y_center")
# what a dragged rectangle sets, by effect: its edges, a region's edges, or a position
RECTANGLES = {"crop": "edges", "blur": "region", "freeze": "region", "overlay": "position", "text": "position"}
SMALLEST_DRAG = 4  # pixels: a shorter drag is a click, which places an overlay or a text without sizing it
SPANS = ("trim", "overlay", "text")  # steps whose start and end are a span of their clock: set, not trimmed


@dataclass(frozen=True)
class Spot:
    """What the cursor is in: a step (its index and effect), and the option on the cursor's line."""

    steps: int  # how many steps the recipe has
    step: int | None = None
    effect: str | None = None
    field: str | None = None
    rectangle: str | None = None  # what a drag sets in this step (RECTANGLES), None: nothing
    moves: bool = False  # the option at the cursor takes keyframes
    span: bool = False  # the step has a start and an end of its own (SPANS), which start and end here set

    def as_json(self) -> dict:
        return {"ok": True, **asdict(self)}


def step_items(root: yaml.Node | None) -> list[yaml.Node]:
    steps = find(root, ("steps",))
    return steps.value if isinstance(steps, yaml.SequenceNode) else []


def effect_of(node: yaml.Node) -> tuple[str | None, Path]:
    """A step's effect name and the path, below the step, of its options."""
    if isinstance(node, yaml.ScalarNode):
        return node.value, ()
    if isinstance(node, yaml.MappingNode):
        named = entry(node, "effect")
        if named is not None:
            return (named[1].value if isinstance(named[1], yaml.ScalarNode) else None), ()
        names = [key.value for key, _ in node.value if key.value not in ROUTING]
        if len(names) == 1:
            return names[0], (names[0],)
    return None, ()


def spot(text: str, offset: int, root: yaml.Node | None = None) -> Spot:
    """What is at character ``offset`` of ``text`` (``root``: its nodes, when parsed already)."""
    items = step_items(parse(text) if root is None else root)
    found = Spot(steps=len(items))
    for index, item in enumerate(items):
        start, end = item.start_mark.index, last_end(text, item)
        if not (start <= offset <= end or line_start(text, start) <= offset <= line_end(text, end)):
            continue
        effect, below = effect_of(item)
        options = find(item, below) if effect else None
        field = None
        if isinstance(options, yaml.MappingNode):
            line = text.count("\n", 0, offset)
            for key, value in options.value:
                first = not text[line_start(text, key.start_mark.index):key.start_mark.index].strip()
                if (key.start_mark.index <= offset <= line_end(text, last_end(text, value))
                        or first and key.start_mark.line == line):  # in the indentation before it
                    field = None if key.value in ("effect", *ROUTING) else key.value
        moves = effect in REGISTRY and field in moving_fields(REGISTRY[effect])
        return Spot(steps=len(items), step=index, effect=effect, field=field, rectangle=RECTANGLES.get(effect),
                    moves=moves, span=effect in SPANS)
    return found


def options_path(text: str, index: int) -> tuple[str, Path, str]:
    """The text with step ``index``'s options written as a mapping (``- blur`` becomes ``- blur: {}``,
    ``- blur: 4`` becomes ``- blur: {sigma: 4}``), the path of that mapping, and the effect's name."""
    items = step_items(parse(text))
    if not 0 <= index < len(items):
        raise UsageError(f"the recipe has {len(items)} steps; there is no step {index}")
    item = items[index]
    effect, below = effect_of(item)
    if effect not in REGISTRY:
        raise cannot("names no effect the studio can set by looking", ("steps", index))
    path = ("steps", index, *below)
    if isinstance(item, yaml.ScalarNode):  # "- blur"
        start, end = item.start_mark.index, item.end_mark.index
        flow = find(parse(text), ("steps",)).flow_style
        return splice(text, start, end, f"{{{effect}: {{}}}}" if flow else f"{effect}: {{}}"), path + (effect,), effect
    options = find(item, below)
    if isinstance(options, yaml.ScalarNode) and not is_null(options):  # "- blur: 4": the main parameter
        main = REGISTRY[effect].main_parameter
        if not main:
            raise cannot(f"{effect} takes a mapping of options", path)
        start, end = options.start_mark.index, options.end_mark.index
        return splice(text, start, end, f"{{{main}: {text[start:end]}}}"), path, effect
    return text, path, effect


def drag(text: str, index: int, start: tuple[int, int], end: tuple[int, int], seconds: float | None = None) -> str:
    """Step ``index`` set from a drag from ``start`` to ``end`` (pixels of the frames the step receives).
    An option already moving on keyframes gains a key at ``seconds`` (the player's time on the step's
    clock) instead of losing its curve: dragged again at another time, a crop or an overlay follows."""
    return in_step(text, parse(text), index, lambda doc, i: set_by_drag(doc, i, start, end, seconds))[0]


def set_by_drag(text: str, index: int, start: tuple[int, int], end: tuple[int, int], seconds: float | None) -> str:
    text, path, effect = options_path(text, index)
    kind = RECTANGLES.get(effect)
    if kind is None:
        raise UsageError(f"{effect} has no region or position to drag; drag on a crop, blur, freeze, overlay or text")
    x1, x2 = sorted((int(start[0]), int(end[0])))
    y1, y2 = sorted((int(start[1]), int(end[1])))
    small = x2 - x1 < SMALLEST_DRAG or y2 - y1 < SMALLEST_DRAG
    options = find(parse(text), path)
    written = {key.value for key, _ in options.value} if isinstance(options, yaml.MappingNode) else set()
    if kind == "position":
        if effect == "text":
            return _place_text(text, path, x1, y1, seconds)
        values = {"x": x1, "y": y1}
        if not small:
            values["width"] = x2 - x1
        return _set(text, path, effect, values, ("position", "scale"), seconds)
    if small:
        raise UsageError("drag a rectangle across the picture: this drag is a point")
    if kind == "edges":  # a crop by its corner and size, so that its corner can move (its size cannot)
        places, sizes, remove = {}, {}, []
        for low, high, size, centre, a, b in (("x1", "x2", "width", "x_center", x1, x2),
                                              ("y1", "y2", "height", "y_center", y1, y2)):
            if centre in written:  # centred as the user wrote it
                places[centre], remove = round((a + b) / 2), remove + [low, high]
            else:
                places[low], remove = a, remove + [high, centre]
            sizes[size] = b - a
        return _set(text, path, effect, {**places, **sizes}, remove + ["auto"], seconds)
    if effect == "freeze" and "p1" in written:  # a freeze along a line: the drag draws it, start to end
        return set_fields(text, path, {"p1": f"[{int(start[0])}, {int(start[1])}]",
                                       "p2": f"[{int(end[0])}, {int(end[1])}]"})
    text = set_fields(text, path, {}, remove=("p1", "p2", "mask"))
    edges = dict(zip(EDGES, (number(x1), number(y1), number(x2), number(y2))))
    return set_fields(text, path + ("region",), edges, remove=OTHER_SHAPES)


def _place_text(text: str, path: Path, x: int, y: int, seconds: float | None) -> str:
    """A text's ``position: [x, y]``; where a coordinate moves on keyframes, a key at ``seconds``."""
    where = path + ("position",)
    place = find(parse(text), where)
    if (seconds is None or not isinstance(place, yaml.SequenceNode) or len(place.value) != 2
            or not any(isinstance(item, yaml.MappingNode) for item in place.value)):
        return set_fields(text, path, {"position": f"[{x}, {y}]"})
    for item, value in enumerate((x, y)):
        node = find(parse(text), where + (item,))
        if isinstance(node, yaml.MappingNode):
            text = _key(text, where + (item,), seconds, number(value))
        else:
            text = splice(text, node.start_mark.index, node.end_mark.index, number(value))
    return text


def _set(text: str, path: Path, effect: str, values: dict[str, float], remove, seconds: float | None) -> str:
    """Set ``values`` in the options at ``path``: a plain number, or a key at ``seconds`` where the option
    is written as keyframes."""
    options = find(parse(text), path)
    moving = moving_fields(REGISTRY[effect])
    plain = {}
    for field, value in values.items():
        node = entry(options, field) if isinstance(options, yaml.MappingNode) else None
        if node is not None and isinstance(node[1], yaml.MappingNode) and field in moving and seconds is not None:
            text = _key(text, path + (field,), seconds, number(value))
        else:
            plain[field] = number(value)
    return set_fields(text, path, plain, remove=remove)


def _key(text: str, where: Path, seconds: float, value: str) -> str:
    """The keyframes at ``where`` with ``value`` at ``seconds``: the key there (within half a millisecond)
    changed, or a new one put in time order."""
    keys = find(parse(text), where)
    times = [(key.value, _time(key.value)) for key, _ in keys.value if key.value != "ease"]
    same = next((name for name, time in times if abs(time - seconds) < 5e-4), None)
    if same is not None:
        return set_value(text, where, same, value)
    later = next((name for name, time in times if time > seconds), "ease" if entry(keys, "ease") else None)
    return set_value(text, where, number(seconds), value, before=later)


def trim_here(text: str, index: int | None, which: str, seconds: float) -> str:
    """``start`` or ``end`` set to ``seconds`` on step ``index``'s clock: of the step at ``index`` when it
    has a span of time (a trim, an overlay, a text: ``SPANS``), else of a new trim step put before it
    (after the last step when ``index`` is None)."""
    root = parse(text)
    if has_span(root, index):
        return in_step(text, root, index, lambda doc, i: set_trim(doc, i, which, seconds))[0]
    return add_trim(text, root, index, which, seconds)[0]


def has_span(root: yaml.Node | None, index: int | None) -> bool:
    items = step_items(root)
    return index is not None and 0 <= index < len(items) and effect_of(items[index])[0] in SPANS


def set_trim(text: str, index: int, which: str, seconds: float) -> str:
    """The span of step ``index`` (a trim's, an overlay's, a text's) starting or ending at ``seconds``."""
    if which not in ("start", "end"):
        raise UsageError("a trim is set at its start or its end")
    text, path, _ = options_path(text, index)
    options = find(parse(text), path)
    given = {key.value: value for key, value in options.value} if isinstance(options, yaml.MappingNode) else {}
    if which == "end":
        return set_fields(text, path, {"end": number(seconds)}, remove=("duration",))
    kept = {}
    old_start, length = (_plain_number(given.get(name)) for name in ("start", "duration"))
    if length is not None and "end" not in given:  # the end stays where it was
        kept["end"] = number((old_start or 0) + length)
    return set_fields(text, path, {"start": number(seconds), **kept}, remove=("duration",) if kept else ())


def add_trim(text: str, root: yaml.Node | None, index: int | None, which: str,
              seconds: float) -> tuple[str, int]:
    """A new trim step before step ``index`` (after the last when None): the text, and where the step is."""
    if which not in ("start", "end"):
        raise UsageError("a trim is set at its start or its end")
    items = step_items(root)
    step = f"{{trim: {{{which}: {number(seconds)}}}}}" if _flow_steps(root) else f"trim: {{{which}: {number(seconds)}}}"
    if find(root, ("steps",)) is None or is_null(find(root, ("steps",))):
        text = set_value(text, (), "steps", f"[{{trim: {{{which}: {number(seconds)}}}}}]")
        return text, find(parse(text), ("steps", 0)).start_mark.index
    where = len(items) if index is None else max(0, min(index, len(items)))
    return insert_item(text, ("steps",), where, step, root)


def in_step(text: str, root: yaml.Node | None, index: int, edit) -> tuple[str, str, int, int]:
    """``edit(document, index)`` applied to step ``index`` alone when its lines can be read alone (a
    recipe of a megabyte is then parsed once, not once a splice), else to the whole text. Returns the
    new text, the document edited, where that document's offsets are in the new text, and the step's
    index in it."""
    items = step_items(root)
    if not 0 <= index < len(items):
        raise UsageError(f"the recipe has {len(items)} steps; there is no step {index}")
    span = _step_lines(text, root, index)
    if span is not None:
        start, end = span
        document = STEPS_HEAD + text[start:end]
        try:
            alone = len(step_items(parse(document))) == 1 and effect_of(step_items(parse(document))[0]) == \
                effect_of(items[index])
        except RecipeError:  # an alias to an anchor elsewhere, say
            alone = False
        if alone:
            try:
                edited = edit(document, 0)
            except RecipeError as exc:  # its messages name the step by its place in the recipe
                raise RecipeError([dataclasses.replace(p, field=_renumbered(p.field, index)) for p in exc.problems]) \
                    from None
            return text[:start] + edited[len(STEPS_HEAD):] + text[end:], edited, start - len(STEPS_HEAD), 0
    edited = edit(text, index)
    return edited, edited, 0, index


STEPS_HEAD = "steps:\n"  # what a step's own lines are read under


def _step_lines(text: str, root: yaml.Node | None, index: int) -> tuple[int, int] | None:
    """Where the lines of step ``index`` of a block list start and end (its line break included)."""
    steps = find(root, ("steps",))
    if not isinstance(steps, yaml.SequenceNode) or steps.flow_style:
        return None
    item = steps.value[index]
    dash = text.rfind("-", 0, item.start_mark.index)
    if dash < 0 or text[line_start(text, dash):dash].strip():
        return None
    end = line_end(text, last_end(text, item))
    end += 2 if text.startswith("\r\n", end) else 1 if text.startswith("\n", end) else 0
    return line_start(text, dash), end


def _renumbered(field: str | None, index: int) -> str | None:
    if field is not None and field.startswith("steps[0]"):
        return f"steps[{index}]" + field[len("steps[0]"):]
    return field


def keyframe(text: str, index: int, field: str, seconds: float) -> str:
    """A keyframe at ``seconds`` (step ``index``'s clock) for option ``field``: ``x: 100`` becomes
    ``x: {0: 100, 2.4: 100}``; keyframes already there gain a key holding the curve's value at that time
    (eases included), placed in time order."""
    return in_step(text, parse(text), index, lambda doc, i: add_keyframe(doc, i, field, seconds))[0]


def add_keyframe(text: str, index: int, field: str, seconds: float) -> str:
    text, path, effect = options_path(text, index)
    where = path + (field,)
    if field not in moving_fields(REGISTRY[effect]):
        can = moving_fields(REGISTRY[effect])
        raise cannot(f"{field} cannot move; " + (f"the {effect} options that can: {', '.join(can)}" if can else
                                                f"no option of {effect} takes keyframes"), where)
    value = find(parse(text), where)
    if value is None:
        raise cannot(f"is not written in the step; write {field}: a number, then add a keyframe", where)
    if isinstance(value, yaml.SequenceNode):  # a text's position [x, y]: both move
        for item in range(len(value.value)):
            text = _keyframe_at(text, where + (item,), seconds)
        return text
    return _keyframe_at(text, where, seconds)


def _keyframe_at(text: str, where: Path, seconds: float) -> str:
    """The number at ``where`` as keyframes with a key at ``seconds``, or its keyframes with one more."""
    value = find(parse(text), where)
    at = number(seconds)
    if isinstance(value, yaml.ScalarNode):
        if _plain_number(value) is None:
            raise cannot(f"{value.value!r} is not a number; keyframes move numbers", where)
        start, end = value.start_mark.index, value.end_mark.index
        written = text[start:end]
        return splice(text, start, end, f"{{0: {written}}}" if at == "0" else f"{{0: {written}, {at}: {written}}}")
    data = load_yaml(text).data
    for part in where:
        data = data[part]
    try:
        keys = Keyframes.parse(data)
    except ValueError as exc:
        raise cannot(str(exc), where) from None
    if any(abs(key.time - float(at)) < 5e-4 for key in keys.keys):
        return text  # a keyframe is there already
    return _key(text, where, float(at), number(keys.value_at(float(at))))


def _time(written: str) -> float:
    try:
        return parse_time(written)
    except ValueError:
        return -1.0


def _plain_number(node: yaml.Node | None) -> int | float | None:
    if not isinstance(node, yaml.ScalarNode) or node.style:
        return None
    try:
        return int(node.value)
    except ValueError:
        pass
    try:
        value = float(node.value)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _flow_steps(root: yaml.Node | None) -> bool:
    steps = find(root, ("steps",))
    return isinstance(steps, yaml.SequenceNode) and bool(steps.flow_style)
