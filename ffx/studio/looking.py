"""Setting a recipe's values by looking: what the editor's cursor is in, and the edits the page's tools make.

The page looks at a step through a preview of the recipe cut just before it
(``upto``): the frames the step receives, at the step's own size and on the
step's own clock. So a rectangle dragged on that picture is in the pixels the
step sees, and the player's time is the time the step's fields speak of
(``trim.start``, ``overlay.start``, keyframes). The edits are splices of the
text (:mod:`ffx.studio.textedit`): the rest of the recipe stays as written.

>>> text = "input: clip.mp4\\nsteps:\\n  - resize: 0.5\\n  - crop: {width: 100}\\n"
>>> print(drag(text, 1, (10, 20), (110, 70)), end="")
input: clip.mp4
steps:
  - resize: 0.5
  - crop: {x1: 10, y1: 20, x2: 110, y2: 70}
>>> print(keyframe(text.replace("width: 100", "x1: 4"), 1, "x1", 2.4), end="")
input: clip.mp4
steps:
  - resize: 0.5
  - crop: {x1: {0: 4, 2.4: 4}}
"""

from __future__ import annotations

import itertools
import math
from dataclasses import asdict, dataclass
from typing import Any

import yaml

from ..effects import REGISTRY
from ..effects.crop import MAX_PIXELS
from ..errors import UsageError, quote
from ..syntax.yamlsource import MAX_RECIPE_BYTES
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


@dataclass(frozen=True)
class Spot:
    """What the cursor is in: a step (its index and effect), and the option on the cursor's line."""

    steps: int  # how many steps the recipe has
    step: int | None = None
    effect: str | None = None
    field: str | None = None
    rectangle: str | None = None  # what a drag sets in this step (RECTANGLES), None: nothing

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


def spot(text: str, offset: int) -> Spot:
    """What is at character ``offset`` of ``text``."""
    root = parse(text)
    items = step_items(root)
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
        return Spot(steps=len(items), step=index, effect=effect, field=field, rectangle=RECTANGLES.get(effect))
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


def drag(text: str, index: int, start: tuple[int, int], end: tuple[int, int]) -> str:
    """Step ``index`` set from a drag from ``start`` to ``end`` (pixels of the frames the step receives)."""
    text, path, effect = options_path(text, index)
    kind = RECTANGLES.get(effect)
    if kind is None:
        raise UsageError(f"{effect} has no region or position to drag; drag on a crop, blur, freeze, overlay or text")
    x1, x2 = sorted((int(start[0]), int(end[0])))
    y1, y2 = sorted((int(start[1]), int(end[1])))
    edges = dict(zip(EDGES, (number(x1), number(y1), number(x2), number(y2))))
    small = x2 - x1 < SMALLEST_DRAG or y2 - y1 < SMALLEST_DRAG
    if kind == "position":
        if effect == "text":
            return set_fields(text, path, {"position": f"[{x1}, {y1}]"})
        values = {"x": number(x1), "y": number(y1)}
        if not small:
            values["width"] = number(x2 - x1)
        return set_fields(text, path, values, remove=("position", "scale"))
    if small:
        raise UsageError("drag a rectangle across the picture: this drag is a point")
    if kind == "edges":
        return set_fields(text, path, edges, remove=OTHER_SHAPES)
    options = find(parse(text), path)
    if effect == "freeze" and isinstance(options, yaml.MappingNode) and entry(options, "p1") is not None:
        # a freeze along a line: the drag draws the line, from where it began to where it ended
        return set_fields(text, path, {"p1": f"[{int(start[0])}, {int(start[1])}]",
                                       "p2": f"[{int(end[0])}, {int(end[1])}]"})
    text = set_fields(text, path, {}, remove=("p1", "p2", "mask"))
    return set_fields(text, path + ("region",), edges, remove=OTHER_SHAPES)


def trim_here(text: str, index: int | None, which: str, seconds: float) -> str:
    """``trim.start`` or ``trim.end`` set to ``seconds`` on step ``index``'s clock: on the trim step at
    ``index``, or in a new trim step put before step ``index`` (after the last when None)."""
    if which not in ("start", "end"):
        raise UsageError("a trim is set at its start or its end")
    root = parse(text)
    items = step_items(root)
    if index is not None and 0 <= index < len(items) and effect_of(items[index])[0] == "trim":
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
    step = f"{{trim: {{{which}: {number(seconds)}}}}}" if _flow_steps(root) else f"trim: {{{which}: {number(seconds)}}}"
    if find(root, ("steps",)) is None or is_null(find(root, ("steps",))):
        return set_value(text, (), "steps", f"[{{trim: {{{which}: {number(seconds)}}}}}]")
    where = len(items) if index is None else max(0, min(index, len(items)))
    return insert_item(text, ("steps",), where, step)


def keyframe(text: str, index: int, field: str, seconds: float) -> str:
    """A keyframe at ``seconds`` (step ``index``'s clock) for option ``field``: ``x: 100`` becomes
    ``x: {0: 100, 2.4: 100}``; a mapping of keyframes gains a key holding its value at that time."""
    text, path, effect = options_path(text, index)
    options = find(parse(text), path)
    found = entry(options, field) if isinstance(options, yaml.MappingNode) else None
    if found is None:
        raise cannot(f"put the cursor on a number of the {effect} step to add a keyframe", path + (field,))
    value = found[1]
    at = number(seconds)
    if isinstance(value, yaml.ScalarNode):
        now = _plain_number(value)
        if now is None:
            raise cannot(f"{value.value!r} is not a number; keyframes move numbers", path + (field,))
        written = text[value.start_mark.index:value.end_mark.index]
        keys = f"{{0: {written}}}" if at == "0" else f"{{0: {written}, {at}: {written}}}"
        return set_value(text, path, field, keys)
    if not isinstance(value, yaml.MappingNode):
        raise cannot("is a list; keyframes move single numbers", path + (field,))
    keys = sorted((float(k.value), k.value, v) for k, v in value.value if _plain_number(k) is not None)
    if not keys:
        raise cannot("holds no keyframes (time: value)", path + (field,))
    if any(abs(time - float(at)) < 5e-4 for time, _, _ in keys):
        return text  # a keyframe is there already
    points = []
    for time, _, written in keys:  # a value, or [value, ease]
        if isinstance(written, yaml.SequenceNode) and written.value:
            written = written.value[0]
        points.append((time, _plain_number(written)))
    if any(v is None for _, v in points):
        raise cannot("holds a keyframe that is not a number", path + (field,))
    now = _at(points, float(at))
    later = next((name for time, name, _ in keys if time > float(at)), "ease" if entry(value, "ease") else None)
    return set_value(text, path + (field,), at, number(now), before=later)


def _at(points: list[tuple[float, float]], time: float) -> float:
    """The value of keyframes ``points`` (sorted by time) at ``time``, drawn straight between them."""
    if time <= points[0][0]:
        return points[0][1]
    for (t0, v0), (t1, v1) in itertools.pairwise(points):
        if time <= t1:
            return v0 + (v1 - v0) * (time - t0) / (t1 - t0)
    return points[-1][1]


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


# --- the page's questions -------------------------------------------------------------------------------

LONGEST_TIME = 1e7  # seconds (about 115 days): ffx's bound on any time
ACTIONS = ("drag", "start", "end", "keyframe")


def cursor_answer(data: Any) -> dict:
    """What the page's cursor is in (``{text, offset}``; the offset in UTF-16 units, as the page counts)."""
    text, offset = _text_and_offset(data)
    return spot(text, offset).as_json()


def edit_answer(data: Any) -> dict:
    """The text after one of the page's tools: ``action`` ``drag`` (``from``, ``to``: [x, y] pixels of the
    frames the step at the cursor receives), ``start`` or ``end`` (a trim at ``at`` seconds on that step's
    clock) or ``keyframe`` (for the option at the cursor, at ``at``). ``offset`` in the answer is where
    the cursor goes: the step or option edited."""
    text, offset = _text_and_offset(data)
    action = data.get("action")
    if action not in ACTIONS:
        raise UsageError(f"action is one of {', '.join(ACTIONS)}")
    where = spot(text, offset)
    if action == "drag":
        if where.step is None:
            raise UsageError("put the cursor in the step to set, then drag on the picture")
        new = drag(text, where.step, _point(data, "from"), _point(data, "to"))
        target: Path = ("steps", where.step)
    elif action == "keyframe":
        if where.step is None or where.field is None:
            raise UsageError("put the cursor on the option to move (x: 100), then add a keyframe")
        new = keyframe(text, where.step, where.field, _seconds(data))
        target = ("steps", where.step)
    else:
        new = trim_here(text, where.step, action, _seconds(data))
        target = ("steps", where.steps if where.step is None else where.step)  # the trim set or added
    node = find(parse(new), target)
    place = offset if node is None else node.start_mark.index
    return {"ok": True, "text": new, "offset": len(new[:place].encode("utf-16-le")) // 2,
            "spot": spot(new, place).as_json()}


def _text_and_offset(data: Any) -> tuple[str, int]:
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        raise UsageError("send a JSON object with the recipe as text")
    text = data["text"]
    if len(text) > MAX_RECIPE_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_RECIPE_BYTES:
        raise UsageError(f"the recipe is larger than {MAX_RECIPE_BYTES >> 20} MiB")
    offset = data.get("offset", 0)
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise UsageError("offset is where the cursor is: a whole number of characters")
    units = text.encode("utf-16-le", "surrogatepass")[:2 * offset]  # the page counts UTF-16 units
    return text, len(units.decode("utf-16-le", "ignore"))


def _seconds(data: dict) -> float:
    value = data.get("at")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= LONGEST_TIME:
        raise UsageError(f"at is the player's time, a number of seconds from 0, not {quote(value)}")
    return float(value)


def _point(data: dict, key: str) -> tuple[int, int]:
    value = data.get(key)
    if (not isinstance(value, list) or len(value) != 2 or
            not all(not isinstance(v, bool) and isinstance(v, (int, float)) and 0 <= v <= MAX_PIXELS for v in value)):
        raise UsageError(f"{key} is a point [x, y] in pixels of the picture, not {quote(value)}")
    return round(value[0]), round(value[1])
