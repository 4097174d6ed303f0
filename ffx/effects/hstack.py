"""hstack: streams side by side, left to right."""

from __future__ import annotations

from typing import Literal

from ._stack import _Stack


class Hstack(_Stack):
    """Place streams side by side, left to right: this one first."""

    effect: Literal["hstack"] = "hstack"
    filter_name = "hstack"
    shared_side = "height"
    example = "- hstack: [motion]"
