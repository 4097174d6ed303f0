"""Where a step's rectangle, line or place is, in the pixels of the frames it receives, at a time on its clock.

The page draws it on the frame it looks at, so what the numbers say is seen before a drag sets them anew:
a crop's rectangle, a blur's or freeze's region (or a freeze's line), an overlay's or a text's top-left
corner. Options moving on keyframes are taken at the player's time. A step that does not validate on its
own (a ``${var}``, a mistake being typed) has no shape; validate says why.

>>> shape("steps: [{crop: {x1: 0.25, width: 100, y1: {0: 0, 2: 40}, height: 50}}]", 0, "400x300", 1.0)
{'rect': [100, 20, 200, 70]}
"""

from __future__ import annotations

import re
from types import SimpleNamespace

from ..effects.context import StepError
from ..effects.crop import RectangleFields, rectangle_pixels
from ..effects.keyframes import Keyframes
from ..errors import FfxError
from ..recipe.document import validate_step
from ..syntax.yamlsource import load_yaml

SIZE = re.compile(r"^([1-9][0-9]{0,4})x([1-9][0-9]{0,4})$")


def shape(text: str, index: int, size: str, seconds: float) -> dict | None:
    """``{"rect": [x1, y1, x2, y2]}``, ``{"line": [[x, y], [x, y]]}`` or ``{"point": [x, y]}`` for step
    ``index`` on frames of ``size`` (``"WxH"``) at ``seconds``; None where there is nothing to draw."""
    found = SIZE.match(size)
    if found is None:
        return None
    width, height = int(found[1]), int(found[2])
    try:
        steps = load_yaml(text).data["steps"]
        step = validate_step(steps[index])
        return _shape(step, width, height, seconds)
    except (FfxError, StepError, ValueError, TypeError, KeyError, IndexError):  # not a step standing on its own
        return None


def _shape(step, width: int, height: int, seconds: float) -> dict | None:
    def now(value):
        return round(value.value_at(seconds)) if isinstance(value, Keyframes) else value

    def pixels(value, full: int) -> int:  # a whole number is pixels, a decimal a fraction of the frame
        return round(value * full) if isinstance(value, float) else value

    if step.effect == "crop" and not step.auto:
        spec = SimpleNamespace(**{name: now(getattr(step, name)) for name in RectangleFields.model_fields})
        return {"rect": list(rectangle_pixels(spec, width, height))}
    if step.effect in ("blur", "freeze") and step.region is not None:
        return {"rect": list(step.region.pixels(width, height))}
    if step.effect == "freeze" and step.p1 is not None:
        return {"line": [[pixels(step.p1[0], width), pixels(step.p1[1], height)],
                         [pixels(step.p2[0], width), pixels(step.p2[1], height)]]}
    if step.effect == "overlay" and step.position is None:
        return {"point": [now(step.x), now(step.y)]}
    if step.effect == "text" and isinstance(step.position, list):
        return {"point": [now(value) for value in step.position]}
    return None
