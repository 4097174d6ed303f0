"""The error for a failed FFmpeg command: its last words, the signal that killed it, the step to blame.

FFmpeg names a failing filter ``Parsed_<name>_<n>``; the stage knows which
recipe step made the n-th filter, so the message can point into the recipe.
"""

from __future__ import annotations

import re

from ..compile.plan import FfmpegStage
from ..errors import RenderError

_PARSED_FILTER = re.compile(r"Parsed_([a-z0-9_]+?)_(\d+)")


def render_error(stage: FfmpegStage | None, argv: list[str], returncode: int, stderr: str,
                  what: str = "FFmpeg failed") -> RenderError:
    """The error for a failed command: its last words, the signal that killed it, the step to blame."""
    step = None
    for match in _PARSED_FILTER.finditer(stderr) if stage is not None else ():
        step = stage.step_of_filter(match.group(1), int(match.group(2)))
        if step:
            break
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    summary = lines[-1] if lines else f"FFmpeg exited with code {returncode}"
    if returncode < 0:
        summary = f"FFmpeg was killed by signal {-returncode}"
    return RenderError(f"{what}: {summary}", command=argv, returncode=returncode,
                       stderr_tail="\n".join(lines[-12:]), step=step)
