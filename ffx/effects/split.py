"""split: name copies of the current stream so later steps can branch from them.

The graph compiler inserts FFmpeg's split/asplit wherever a stream is used
more than once, so this step only names; the chain also goes on from it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Effect
from .context import Clip, StepContext
from .fields import StreamName


class Split(Effect):
    """Name copies of the stream: ``- split: [orig, motion]``; use them with ``from:``/``with:``."""

    effect: Literal["split"] = "split"
    names: list[StreamName] = Field(min_length=1, max_length=32, description="names for the copies")

    main_parameter = "names"
    example = "- split: [orig, work]"
    frame_state = "none"

    def apply(self, clip: Clip, ctx: StepContext) -> Clip:
        for name in self.names:
            ctx.streams[name] = clip
        return clip
