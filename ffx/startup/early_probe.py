"""A head start for the command line: FFmpeg reads the inputs while Python loads typer and the recipe model.

Only a head start: typer and the recipe model still read every argument, and
an answer read ahead is used only for the same command on the same, unchanged
file (:func:`ffx.media.probe.probe_early`, :func:`ffx.media.packets.read_span_early`), by a compile
given the same :class:`~ffx.media.cache.ProbeCache`.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..media.cache import ProbeCache
    from ..recipe.variables import Filled


def start_early(argv: list[str], probes: ProbeCache | None = None) -> ProbeCache | None:
    """Probe the inputs of a render/compile/validate command line, and read the packets around the span its
    first step cuts from a long file, while Python loads typer and the recipe model.

    The reads go into ``probes`` (a new cache when None), which is returned for the compile to take
    them from; None when there is nothing to read ahead and no cache was given.
    """
    inputs, ffmpeg, live, span = read_ahead(argv)
    if not inputs or live:
        return probes
    try:
        from ..ffmpeg.binary import find_ffmpeg
        from ..media.cache import ProbeCache
        from ..media.packets import read_span_early
        from ..media.probe import probe_early

        probes = probes if probes is not None else ProbeCache()
        binary = find_ffmpeg(ffmpeg)
        paths = [path for path in inputs if "\0" not in path]
        if span is not None and paths:  # first: past the probe's reach it reads the header too
            read_span_early(paths[0], binary, *span, probes)
        probe_early(paths, binary, probes)
    except Exception:  # noqa: BLE001 - only a head start: the real run checks and reports everything
        pass
    return probes


def read_ahead(argv: list[str]) -> tuple[list[str], str | None, bool, tuple[float, float] | None]:
    """The input files, --ffmpeg and --live of a render/compile/validate command line, and the span its
    first step cuts (None: not a plain trim), read ahead of typer.

    The inputs are the -i files, else the ones the recipe file names. The recipe
    is read by the load's own text-level rules (:mod:`ffx.recipe.variables`,
    :mod:`ffx.recipe.desugar`), which import no model. Only a head start: typer
    and the recipe model still read everything.
    """
    inputs, ffmpeg, live, recipe, assignments = _words(argv)
    filled = _filled_recipe(recipe, assignments) if recipe is not None else None
    if not inputs and filled is not None:
        inputs = _recipe_files(recipe, filled)
    span = _first_cut(filled) if filled is not None else None
    return inputs, ffmpeg, live, span


_VALUED = ("-i", "--input", "--ffmpeg", "-o", "--output", "--set", "--max-memory", "--max-recipe-size")


def _words(argv: list[str]) -> tuple[list[str], str | None, bool, str | None, list[str]]:
    """The -i files, --ffmpeg, --live, the recipe file and the --set assignments, read ahead of typer."""
    inputs: list[str] = []
    assignments: list[str] = []
    ffmpeg, live, recipe = None, False, None
    if not argv or argv[0] not in ("render", "compile", "validate"):
        return inputs, ffmpeg, live, recipe, assignments
    words = iter(argv[1:])
    for word in words:
        name, eq, value = word.partition("=") if word.startswith("--") else (word, "", "")
        if name in _VALUED:
            value = value if eq else next(words, None)
            if value is None:
                break
            if name == "--ffmpeg":
                ffmpeg = value
            elif name in ("-i", "--input"):
                inputs.append(value)
            elif name == "--set":
                assignments.append(value)
        elif name == "--live":
            live = True
        elif not word.startswith("-") and recipe is None:
            recipe = word
    return inputs, ffmpeg, live, recipe, assignments


def _filled_recipe(recipe: str, assignments: list[str]) -> Filled | None:
    """The recipe file as plain data with its variables filled in, read as the real load reads it (a small
    regular file, bounded YAML, ``--set`` typed and ``${name}`` substituted); anything odd gives None."""
    try:
        from ..recipe.variables import fill_variables, parse_set
        from ..syntax.yamlsource import load_yaml, read_recipe_text

        data = load_yaml(read_recipe_text(recipe)).data
        return fill_variables(data, parse_set(assignments)) if isinstance(data, dict) else None
    except Exception:  # noqa: BLE001 - the real load reports every problem properly
        return None


def _recipe_files(recipe: str, filled: Filled) -> list[str]:
    """The input files a recipe names, as the load places them: relative to the recipe's folder, or to the
    working directory when a ``--set`` value wrote them; none whose variables are unknown."""
    from ..recipe.desugar import path_sugar

    body = filled.body
    named = body.get("inputs") if isinstance(body.get("inputs"), dict) else {}
    folder, paths = os.path.dirname(recipe), []
    for where, given in [(("input",), body.get("input")), *((("inputs", name), item) for name, item in named.items())]:
        given = path_sugar(given)
        path = given.get("path") if isinstance(given, dict) else None
        if not isinstance(path, str) or any(place[:len(where)] == where for place in filled.unresolved):
            continue
        paths.append(path if {where, where + ("path",)} & filled.given.paths else os.path.join(folder, path))
    return paths


def _first_cut(filled: Filled) -> tuple[float, float] | None:
    """``[start, end)`` of a first step ``trim: {start, duration | end}``, its variables filled in, as the trim
    will compute it; None for anything else."""
    try:
        from ..recipe.desugar import desugar_step
        from ..syntax.timecode import parse_time

        steps = filled.body.get("steps")
        if not isinstance(steps, list) or not steps or any(place[:2] == ("steps", 0) for place in filled.unresolved):
            return None
        step = desugar_step(steps[0], lambda name: None)  # a trim takes a mapping: no main parameter needed
        if not isinstance(step, dict) or step.get("effect") != "trim" or not set(step) <= {"effect", "start",
                                                                                            "duration", "end"}:
            return None

        def value(key: str):
            given = step.get(key)
            return None if given is None else parse_time(given)

        start, duration, end = value("start") or 0.0, value("duration"), value("end")
    except Exception:  # noqa: BLE001 - only a head start
        return None
    if start < 0 or (duration is None) == (end is None) or (end is not None and end < 0):
        return None
    return start, (start + duration if duration is not None else end)
