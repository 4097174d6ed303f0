"""ffx: declarative video-effect recipes compiled to one streaming FFmpeg command.

>>> import ffx
>>> recipe = ffx.Recipe(input="clip.mp4", steps=["reverse"], output="reversed.mp4")
>>> recipe.to_yaml().splitlines()[1]
'steps:'

The names below are imported on first use, so ``ffx --help`` and
``ffx compile`` do not pay for modules they never touch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "compile_recipe": "api", "render": "api", "render_plan": "api", "preview": "api",
    "batch": "scale.batch", "BatchResult": "scale.batch", "BatchStopped": "scale.batch",
    "CapabilityError": "errors", "FfxError": "errors", "FfxWarning": "errors", "InputError": "errors", "Problem": "errors",
    "RecipeError": "errors", "RenderError": "errors", "UsageError": "errors",
    "MediaInfo": "media.info", "FfmpegStage": "compile.plan", "Plan": "compile.plan",
    "Input": "recipe.inputs", "Recipe": "recipe.document", "load_recipe": "recipe.loading", "Output": "recipe.output",
    "render_bytes": "run.inmemory", "iter_bytes": "run.inmemory", "encode": "run.inmemory", "FrameError": "run.inmemory",
    "Terminated": "ffmpeg.process",
    "frames": "run.frame_reader",
    "from_ffmpeg_python": "interop.importer",
}
__all__ = sorted([*_EXPORTS, "effects"])


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        try:  # a submodule such as ``ffx.media``
            return importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError:
            raise AttributeError(f"module 'ffx' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])


if TYPE_CHECKING:  # pragma: no cover
    from . import effects
    from .api import compile_recipe, preview, render, render_plan
    from .scale.batch import BatchResult, BatchStopped, batch
    from .errors import CapabilityError, FfxError, FfxWarning, InputError, Problem, RecipeError, RenderError, UsageError
    from .media.info import MediaInfo
    from .recipe.output import Output
    from .compile.plan import FfmpegStage, Plan
    from .ffmpeg.process import Terminated
    from .run.frame_reader import frames
    from .run.inmemory import FrameError, encode, iter_bytes, render_bytes
    from .recipe.inputs import Input
    from .recipe.document import Recipe
    from .recipe.loading import load_recipe
