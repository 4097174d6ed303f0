"""Where ffx meets the FFmpeg code people already have: ffmpeg-python graphs in and out, command lines in.

ffmpeg-python (the ``ffx[ffmpeg-python]`` extra) is imported only when one of
these functions needs it, so ``ffx --help`` and ``ffx compile`` never load it.

- :func:`from_ffmpeg_python`: an ffmpeg-python graph -> a :class:`ffx.Recipe` of ``filter`` steps
- :func:`to_ffmpeg_python`: a compiled :class:`ffx.Plan` -> an ffmpeg-python output node
- :func:`recipe_from_command`: an ``ffmpeg ...`` command line -> a recipe (``ffx from-command``)
- :class:`FfmpegPython`: a Python-only step written with ffmpeg-python (``ffx.effects.FfmpegPython``)
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "from_ffmpeg_python": "ffx.interop.importer", "to_ffmpeg_python": "ffx.interop.exporter",
    "recipe_from_command": "ffx.interop.command", "command_to_python": "ffx.interop.command",
    "FfmpegPython": "ffx.effects._ffmpeg_python",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'ffx.interop' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
