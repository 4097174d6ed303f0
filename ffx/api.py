"""The Python API: what the CLI calls, and what scripts import.

Every public function checks what it is given before anything runs and raises
ffx's own exceptions (a wrong kind of argument is a :class:`~ffx.errors.UsageError`,
also a ``TypeError``; a bad value a :class:`~ffx.errors.RecipeError`, also a
``ValueError``), with the one-line message the command line prints.

>>> import ffx
>>> plan = ffx.compile_recipe(ffx.Recipe(input={"source": "testsrc2", "duration": 1},
...                                      steps=[ffx.effects.Resize(0.5)], output="small.mp4"))
>>> plan.result.size
'320x180'
"""

from __future__ import annotations

import math
import os
from typing import Any

from .compile.plan import Plan
from .compile.request import compile_request
from .errors import Problem, RecipeError, UsageError, quote
from .ffmpeg.binary import FfmpegBinary
from .media.cache import ProbeCache
from .recipe.arguments import RecipeLike, as_recipe, check_options, check_probes
from .recipe.inputs import Input
from .recipe.paths import path_text
from .recipe.document import Recipe
from .run.progress import ProgressCallback
from .syntax.timecode import parse_time
from .syntax.yamlsource import MAX_RECIPE_BYTES

def compile_recipe(recipe: RecipeLike, *, inputs: list[str | Input] | None = None, output: str | None = None,
                   variables: dict[str, Any] | None = None, overwrite: bool = False,
                   ffmpeg: str | FfmpegBinary | None = None, allow_unsafe: bool = False,
                   max_memory: int | str | None = None, max_recipe_size: int | str = MAX_RECIPE_BYTES,
                   probes: ProbeCache | None = None) -> Plan:
    """Compile a recipe (object or file) into a :class:`~ffx.compile.plan.Plan` without running it.

    ``max_memory`` (bytes, or text such as "512M") bounds what buffering steps
    may hold; a reverse beyond it runs segment by segment (default 1 GiB).
    ``inputs`` and ``output`` replace the recipe's (relative to the working
    directory; paths inside a recipe file are relative to its folder).
    ``max_recipe_size`` bounds the recipe file read (default 1 MiB). ``probes``
    (a :class:`~ffx.media.cache.ProbeCache`) keeps what probing the inputs found
    for the next compile of the same, unchanged files.
    """
    check_probes(probes)
    return compile_request(recipe, inputs=inputs, output=output, variables=variables, overwrite=overwrite,
                           ffmpeg=ffmpeg, allow_unsafe=allow_unsafe, max_memory=max_memory,
                           max_recipe_size=max_recipe_size, probes=probes)


def render(recipe: RecipeLike, *, inputs: list[str | Input] | None = None, output: str | None = None,
           variables: dict[str, Any] | None = None, overwrite: bool = False,
           progress: bool | ProgressCallback = False, ffmpeg: str | FfmpegBinary | None = None,
           allow_unsafe: bool = False, max_memory: int | str | None = None,
           max_recipe_size: int | str = MAX_RECIPE_BYTES, chunks: int | None = None, cluster: Any = None,
           probes: ProbeCache | None = None) -> Plan:
    """Render a recipe to its output file; ``progress=True`` shows a bar on stderr, a callable gets
    each :class:`~ffx.run.runner.Progress`.

    ``chunks=N`` splits one long video at its keyframes into up to N pieces
    rendered at once and joined by stream copy, where the result is provably
    the plain render's (docs/design.md, "Chunks"); otherwise a
    :class:`~ffx.errors.RecipeError` says which step, input or output prevents it.
    ``cluster`` (``"local:N"``, a Dask scheduler's address or a
    ``distributed.Client``) runs those pieces as Dask tasks; the output's
    folder must be shared with the workers, the join runs here.
    """
    if not (isinstance(progress, bool) or callable(progress)):
        raise UsageError(f"progress is True, False or a function taking a Progress, not {quote(progress)}")
    if chunks is not None and (isinstance(chunks, bool) or not isinstance(chunks, int)):
        raise UsageError(f"chunks is a whole number of pieces, not {quote(chunks)}")
    if chunks is not None and not 1 <= chunks <= 1000:
        raise RecipeError(Problem(f"{quote(chunks)} is not a number of pieces (1 to 1000)", field="chunks"))
    if cluster is not None and (chunks is None or chunks < 2):
        raise UsageError("--cluster runs the pieces of a chunked render: give --chunks N (2 or more) too")
    check_probes(probes)
    loaded = as_recipe(recipe, variables, max_recipe_size).with_io(inputs=inputs, output=output)
    probes = probes if probes is not None else ProbeCache()  # the chunks' pieces reuse the whole compile's
    plan = compile_recipe(loaded, overwrite=overwrite, ffmpeg=ffmpeg, allow_unsafe=allow_unsafe,
                          max_memory=max_memory, probes=probes)
    if chunks is not None and chunks > 1:  # planned now, so a refusal comes before any progress bar
        from .scale.chunks import chunked_runner

        run = chunked_runner(loaded, plan, chunks, allow_unsafe=allow_unsafe,
                             max_memory=check_options(max_memory=max_memory), cluster=cluster, probes=probes)
        return _run(plan, run, progress)
    return render_plan(plan, progress=progress)


def render_plan(plan: Plan, *, progress: bool | ProgressCallback = False) -> Plan:
    """Run a plan that :func:`compile_recipe` made, perhaps in another process or on another machine
    (``ffx batch`` compiles every job first, then runs the plans where there is room)."""
    if not isinstance(plan, Plan):
        raise UsageError(f"render_plan runs what ffx.compile_recipe returns (a Plan), not {type(plan).__name__}")
    if not (isinstance(progress, bool) or callable(progress)):
        raise UsageError(f"progress is True, False or a function taking a Progress, not {quote(progress)}")
    from .run.sequence import run_any_plan

    return _run(plan, run_any_plan, progress)


def _run(plan: Plan, run, progress: bool | ProgressCallback) -> Plan:
    if progress is True:
        from .view.progressbar import progress_bar

        with progress_bar(plan) as update:
            run(plan, on_progress=update)
    else:
        run(plan, on_progress=progress or None)
    return plan


def graph_picture(plan: Plan, suffix: str = ".svg", probes: ProbeCache | None = None) -> str:
    """``ffx graph``'s picture of a compiled plan (``.svg``, ``.dot`` or ``.mmd``), the arrows leaving its
    input files labelled with what the probe found (``probes``, the plan's compile's, answers: it just read them)."""
    from .errors import InputError
    from .view.graphview import render_picture
    from .media.probe import probe

    known = {}
    for stage in plan.stages:
        for url in stage.input_paths:  # files only
            try:
                info = probe(url, plan.binary_path, probes=probes)
            except (InputError, OSError):
                continue
            known.update({"file:" + url: info, "file:" + os.path.abspath(url): info})
    return render_picture(plan, suffix, known)


SHEET_TILES = 32  # across or down: the contact sheet's own limit


def _seconds(name: str, value: Any) -> float | None:
    """A preview window's ``at`` or ``seconds`` in seconds: None, seconds, or a clock string such as '1:22.5'."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise UsageError(f"{name} is a number of seconds or a clock string such as '1:22.5', not {quote(value)}")
    try:  # the trim step judges the rest (a negative ``at`` counts from the end)
        if isinstance(value, float) and not math.isfinite(value):
            raise OverflowError
        return parse_time(value)
    except OverflowError:  # an int past a float's range too
        raise RecipeError(Problem(f"{quote(value)} is not a time; give a finite number of seconds",
                                  field=name)) from None
    except ValueError as exc:
        raise RecipeError(Problem(str(exc), field=name)) from None


def preview(recipe: RecipeLike, *, inputs: list[str | Input] | None = None, variables: dict[str, Any] | None = None,
            folder: str | os.PathLike = ".", at: float | None = None, seconds: float | None = None,
            scale: float = 0.25, columns: int = 4, rows: int = 3, ffmpeg: str | FfmpegBinary | None = None,
            allow_unsafe: bool = False, max_memory: int | str | None = None,
            progress: bool | ProgressCallback = False, probes: ProbeCache | None = None) -> tuple[str, str]:
    """A quick look at a recipe's result: a small render and a contact sheet of it; returns both paths.

    The window (``at``, ``seconds``) is cut from the result, after the recipe's
    own steps, so it shows the instants the full render would show at those
    times. Both files go to ``folder`` as ``NAME.preview.mp4`` (``.png`` for a
    one-picture result) and ``NAME.sheet.png``, NAME being the recipe
    output's, and are replaced on every preview.
    """
    from .effects.contact_sheet import ContactSheet
    from .effects.resize import Resize
    from .effects.trim import Trim
    from .recipe.output import Output

    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not 0 < scale <= 1:
        raise RecipeError(Problem(f"{quote(scale)} is not a scale; give a factor such as 0.25", field="scale"))
    for name, count in (("columns", columns), ("rows", rows)):
        if isinstance(count, bool) or not isinstance(count, int):
            raise UsageError(f"{name} is a whole number of tiles, not {quote(count)}")
        if not 1 <= count <= SHEET_TILES:
            raise RecipeError(Problem(f"{quote(count)} is not a number of tiles (1 to {SHEET_TILES})", field=name))
    at, seconds = _seconds("at", at), _seconds("seconds", seconds)
    check_probes(probes)
    folder = path_text("folder", folder, "the path of a folder")
    if not os.path.isdir(folder):
        raise UsageError(f"the preview folder {quote(folder)} does not exist")
    loaded = as_recipe(recipe, variables).with_io(inputs=inputs)
    name = os.path.splitext(os.path.basename(loaded.output.path))[0] if loaded.output else "preview"
    still = loaded.output is not None and loaded.output.kind == "image"
    steps = list(loaded.steps)
    if (at is not None or seconds is not None) and not still:
        length = compile_recipe(loaded.with_io(output=os.path.join(folder, "window.mp4")), overwrite=True,
                                ffmpeg=ffmpeg, allow_unsafe=allow_unsafe, max_memory=max_memory,
                                probes=probes).result.duration
        _check_window(at or 0.0, seconds, length)
        steps.append(Trim(start=at or 0.0, duration=seconds))
    if scale != 1:
        steps.append(Resize(scale))
    video = os.path.join(folder, f"{name}.preview." + ("png" if still else "mp4"))
    small = Recipe(**{**{key: getattr(loaded, key) for key in loaded.model_fields_set},
                      "steps": steps, "output": Output(path=video, preset="veryfast")})
    small._source, small._given = loaded._source, loaded._given
    plan = render(small, overwrite=True, progress=progress, ffmpeg=ffmpeg, allow_unsafe=allow_unsafe,
                  max_memory=max_memory, probes=probes)
    frames = plan.result.counted_exactly().frames or 1  # the sheet's layout needs the count
    across = max(1, min(columns, frames))
    down = max(1, min(rows, frames // across))
    sheet = os.path.join(folder, f"{name}.sheet.png")
    render(Recipe(input=video, steps=[ContactSheet(columns=across, rows=down, width=1280)], output=sheet),
           overwrite=True, ffmpeg=ffmpeg)
    return video, sheet


def _check_window(at: float, seconds: float | None, length: float | None) -> None:
    """The preview's window is cut from the recipe's result: it must lie within it (said in the preview's
    own words, not as the trim step it becomes)."""
    if length is None:
        return  # a live source: any window is in it
    end = at + (seconds or 0.0)
    if at >= length or end > length + 1e-6:
        window = f"{at:g} s" + (f" to {end:g} s" if seconds else " on")
        start = max(0.0, length - (seconds or length / 2))
        raise RecipeError(Problem(f"the window {window} is past the end of the result ({length:.2f} s)",
                                  field="at" if at >= length else "seconds",
                                  hint=f"the recipe's result is {length:.2f} s long; try --at {start:.2f}"))
