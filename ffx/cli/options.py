"""The command line's options, written once for every command that takes them, and help that shows them
as they are typed (``-i FILE``, ``--set NAME=VALUE``), not with Typer's type labels."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer


def _bare_flags(params: list) -> list:
    """Flags and arguments without Typer's type labels (``<bool>``, ``<path>``): options say what they take
    by their metavar (FILE, NAME=VALUE, SIZE), and ``--overwrite true`` is not a thing to type."""
    for param in params:
        if isinstance(param, typer.core.TyperArgument) or getattr(param, "is_flag", False):
            param.display_type_rich = lambda ctx=None: None
    return params


class Command(typer.core.TyperCommand):
    """A command whose help shows option values by name and the usage line as it is typed (no ``{RECIPE}``)."""

    def get_params(self, ctx):
        return _bare_flags(super().get_params(ctx))

    def collect_usage_pieces(self, ctx):
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, typer.core.TyperArgument):
                name = (param.metavar or param.name or "").upper()
                pieces.append(name if param.required else f"[{name}]")
        return pieces


class Group(typer.core.TyperGroup):
    def get_params(self, ctx):
        return _bare_flags(super().get_params(ctx))


def recipe_files(incomplete: str) -> list[str]:
    """Tab completion of a recipe: the YAML files and folders that start with what is typed."""
    import glob
    import os

    found = sorted(glob.glob(glob.escape(incomplete) + "*"))[:200]
    return [f"{path}/" if os.path.isdir(path) else path for path in found
            if os.path.isdir(path) or path.endswith((".yaml", ".yml"))]


def effect_names(incomplete: str) -> list[str]:
    """Tab completion of an effect's name."""
    from ..effects import REGISTRY

    return [name for name in REGISTRY if name.startswith(incomplete)]


RecipeArg = Annotated[Path, typer.Argument(help="recipe file (YAML)", show_default=False, metavar="RECIPE",
                                           autocompletion=recipe_files)]
InputOpt = Annotated[Optional[list[str]], typer.Option("-i", "--input", metavar="FILE", help="input file; replaces the recipe's (repeat for several)")]
OutputOpt = Annotated[Optional[str], typer.Option("-o", "--output", metavar="FILE", help="output file; replaces the recipe's")]
SetOpt = Annotated[Optional[list[str]], typer.Option("--set", metavar="NAME=VALUE", help="override a recipe variable (repeat for several)")]
OverwriteOpt = Annotated[bool, typer.Option("--overwrite", help="replace an existing output file")]
FfmpegOpt = Annotated[Optional[str], typer.Option("--ffmpeg", metavar="PATH", help="FFmpeg binary to use (else $FFX_FFMPEG, the bundled one, PATH)")]
MemoryOpt = Annotated[Optional[str], typer.Option("--max-memory", metavar="SIZE", help="memory budget for buffering steps, e.g. 512M or 2G (default 1G); beyond it a reverse runs in segments, a GIF in two passes, and anything else is refused")]
LiveOpt = Annotated[bool, typer.Option("--live", help="-i is a live source: a camera (/dev/video0) or a stream URL (rtsp://...)")]
RecipeSizeOpt = Annotated[str, typer.Option("--max-recipe-size", metavar="SIZE", help="largest recipe file to read, e.g. 4M (default 1M)")]
UnsafeOpt = Annotated[bool, typer.Option("--allow-unsafe", help="allow filters that read or write files (trusted recipes only)")]
NoCacheOpt = Annotated[bool, typer.Option("--no-cache", help="compute afresh, without a stored answer (also FFX_NO_CACHE=1)")]
