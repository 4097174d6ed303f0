"""``ffx.interop.to_ffmpeg_python(plan)``: :meth:`ffx.Plan.to_ffmpeg_python` as a function, its argument checked."""

from __future__ import annotations

from typing import Any

from ..compile.plan import Plan
from ..errors import UsageError


def to_ffmpeg_python(plan: Any) -> Any:
    """An ffmpeg-python output node that writes what ``plan`` writes (:mod:`ffx.compile.to_ffmpeg_python`)."""
    if not isinstance(plan, Plan):
        raise UsageError(f"to_ffmpeg_python takes an ffx.Plan (from ffx.compile_recipe), not {type(plan).__name__}")
    return plan.to_ffmpeg_python()
