"""vstack: streams one above the other."""

from __future__ import annotations

from typing import Literal

from ._stack import _Stack


class Vstack(_Stack):
    """Place streams top to bottom: this one first."""

    effect: Literal["vstack"] = "vstack"
    filter_name = "vstack"
    shared_side = "width"
    example = "- vstack: [motion]"
