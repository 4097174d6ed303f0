"""The page's tools as requests: what the cursor is in (``/api/cursor``) and the text after a drag, a trim
or a keyframe (``/api/edit``), with what the page sends checked first (:mod:`ffx.studio.looking` edits).

A recipe is parsed once a request: a step's own lines are edited on their own (see
:func:`~ffx.studio.looking.in_step`), so a drag on a megabyte recipe takes a parse, not one a splice.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import yaml

from ..effects.crop import MAX_PIXELS
from ..errors import UsageError, quote
from ..syntax.yamlsource import MAX_RECIPE_BYTES
from .looking import (
    Spot,
    add_keyframe,
    add_trim,
    effect_of,
    has_span,
    in_step,
    set_by_drag,
    set_trim,
    spot,
    step_items,
)
from .shapes import shape
from .textedit import entry, find, parse

LONGEST_TIME = 1e7  # seconds (about 115 days): ffx's bound on any time
ACTIONS = ("drag", "start", "end", "keyframe")


def cursor_answer(data: Any) -> dict:
    """What the page's cursor is in (``{text, offset}``; the offset in UTF-16 units, as the page counts);
    with ``size`` (``"WxH"``, the frames looked at) and ``at`` (the player's time), the step's shape there."""
    text, offset = _text_and_offset(data)
    where = spot(text, offset)
    answer = where.as_json()
    size = data.get("size")
    if where.step is not None and isinstance(size, str) and data.get("at") is not None:
        answer["shape"] = shape(text, where.step, size, _seconds(data))
    return answer


def edit_answer(data: Any) -> dict:
    """The text after one of the page's tools: ``action`` ``drag`` (``from``, ``to``: [x, y] pixels of the
    frames the step at the cursor receives), ``start`` or ``end`` (at ``at`` seconds on that step's clock:
    the start or end of a trim, overlay or text, else a trim added before the step) or ``keyframe`` (for
    the option at the cursor, at ``at``). ``offset`` in the answer is where
    the cursor goes: the step or option edited."""
    text, offset = _text_and_offset(data)
    action = data.get("action")
    if action not in ACTIONS:
        raise UsageError(f"action is one of {', '.join(ACTIONS)}")
    root = parse(text)
    where = spot(text, offset, root)
    if action in ("start", "end") and not has_span(root, where.step):
        new, place = add_trim(text, root, where.step, action, _seconds(data))
        added = Spot(steps=where.steps + 1, step=where.steps if where.step is None else where.step, effect="trim",
                     span=True)
        return {"ok": True, "text": new, "offset": len(new[:place].encode("utf-16-le")) // 2,
                "spot": added.as_json()}
    if action == "keyframe" and where.field is None:
        raise UsageError("put the cursor on the option to move (x: 100), then add a keyframe")
    if where.step is None:
        raise UsageError("put the cursor in the step to set, then drag on the picture")
    field = None
    if action == "drag":
        at = _seconds(data) if data.get("at") is not None else None
        start, end = _point(data, "from"), _point(data, "to")
        change = lambda doc, i: set_by_drag(doc, i, start, end, at)  # noqa: E731
    elif action == "keyframe":
        field, at = where.field, _seconds(data)
        change = lambda doc, i: add_keyframe(doc, i, field, at)  # noqa: E731
    else:
        at = _seconds(data)
        change = lambda doc, i: set_trim(doc, i, action, at)  # noqa: E731
    new, document, base, index = in_step(text, root, where.step, change)
    nodes = parse(document)
    item = step_items(nodes)[index]
    effect, below = effect_of(item)
    options = find(item, below)
    key = entry(options, field) if field and isinstance(options, yaml.MappingNode) else None
    place = (key[0] if key else item).start_mark.index  # the cursor stays on the option, else on the step
    found = dataclasses.replace(spot(document, place, nodes), steps=where.steps, step=where.step)
    return {"ok": True, "text": new, "offset": len(new[:base + place].encode("utf-16-le")) // 2,
            "spot": found.as_json()}


def _text_and_offset(data: Any) -> tuple[str, int]:
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        raise UsageError("send a JSON object with the recipe as text")
    text = data["text"]
    if len(text) > MAX_RECIPE_BYTES:
        raise UsageError(f"the recipe is larger than {MAX_RECIPE_BYTES >> 20} MiB")
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError as exc:  # JSON may carry "\ud800", which no text file holds
        raise UsageError(f"the recipe is not text: character {exc.start + 1} is a lone surrogate") from None
    if size > MAX_RECIPE_BYTES:
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
