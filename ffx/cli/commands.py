"""The commands, each thin over one function of the Python API; errors become ``error:`` lines and an
exit code here, and nowhere else (exit codes: see :mod:`ffx.cli`).
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Annotated, Optional

# The CLI process has no use for pydantic's observability plugins; looking them
# up scans every installed distribution's metadata on each start.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

import typer  # noqa: E402

from .options import (  # noqa: E402
    FfmpegOpt, InputOpt, LiveOpt, MemoryOpt, NoCacheOpt, OutputOpt, OverwriteOpt, RecipeArg, RecipeSizeOpt, SetOpt,
    UnsafeOpt, Command, Group, effect_names,
)


def _version(value: bool) -> None:
    if value:
        from .. import __version__
        from ..ffmpeg.binary import FfmpegBinary, ffmpeg_binary

        try:
            binary: FfmpegBinary | None = ffmpeg_binary()
        except Exception:  # noqa: BLE001 - the version line must not fail for want of FFmpeg
            binary = None
        typer.echo(f"ffx {__version__}" + (f" (FFmpeg {binary.version} at {binary.path})" if binary else ""))
        raise typer.Exit()


app = typer.Typer(cls=Group, no_args_is_help=True, pretty_exceptions_enable=False, context_settings={"help_option_names": ["-h", "--help"]},
                  help="Compile declarative video-effect recipes into one streaming FFmpeg command.")


@app.callback()
def _main(version: Annotated[bool, typer.Option("--version", "-V", callback=_version, is_eager=True,
                                                help="print ffx's and FFmpeg's versions and exit")] = False) -> None:
    """Compile declarative video-effect recipes into one streaming FFmpeg command."""


def _fail(lines: list[str], code: int = 1) -> None:
    for line in lines:
        typer.echo(f"error: {line}" if not line.startswith(" ") else line, err=True)
    raise typer.Exit(code)


def _guarded(action):
    """Run ``action``; print ffx errors as readable lines (no traceback) and exit 1, warnings as ``warning:`` lines."""
    import warnings

    from pydantic import ValidationError

    from ..errors import FfxError, FfxWarning, RecipeError, RenderError, shorten

    def show(message, category, *_args, **_kwargs):
        typer.echo(f"warning: {message}", err=True)

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always", FfxWarning)
            warnings.showwarning = show
            return action()
    except RecipeError as exc:
        _fail(str(exc).splitlines())
    except RenderError as exc:
        lines = str(exc).splitlines()
        if exc.command:
            import shlex

            lines.append("  command: " + shlex.join(exc.command))
        _fail(lines[:1] + ["  " + line for line in lines[1:]])
    except FfxError as exc:
        _fail(str(exc).splitlines())
    except ValidationError as exc:  # a model the API failed to wrap: still one line per problem
        _fail([shorten(f"{'.'.join(map(str, err['loc']))}: {err['msg']}") for err in exc.errors(include_url=False)])
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM/SIGHUP as ffx.Terminated
        code = getattr(exc, "exit_code", 130)
        typer.echo(f"{'interrupted' if code == 130 else exc}: nothing was written", err=True)
        raise typer.Exit(code) from None


def _inputs(inputs: list[str] | None, live: bool):
    """``-i`` values as the API takes them: ``NAME=FILE`` names the input it feeds (unless a file is
    called exactly that), anything else fills the recipe's inputs in order."""
    if not inputs:
        return inputs
    from ..recipe.inputs import Input

    given = []
    for text in inputs:
        named = _NAMED_INPUT.match(text)
        name, value = (named.group(1), named.group(2)) if named and not os.path.lexists(text) else (None, text)
        item = Input.live_source(value) if live else value
        given.append((name, item) if name else item)
    return given


_NAMED_INPUT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]{0,63})=(.+)$", re.DOTALL)


def _source_lines(plan) -> list[str]:
    """Which file feeds which input, when the recipe has several (``music <- generated sine (recipe
    default)`` marks one it generates itself), and what was done to an input's picture and sound to show it
    as a player does (``input <- phone.mov: HLG tone-mapped to BT.709, ...``); a recipe of one clean input
    needs no such line."""
    sources, done = plan.sources, dict(getattr(plan, "normalised", ()))
    return [f"  {name} <- {what}" + (f": {', '.join(done[name])}" if name in done else "")
            for name, what, _ in sources if len(sources) > 1 or name in done]


def _choice_lines(plan) -> list[str]:
    """Settings the compile chose by measuring (``  output: quality 90: ...``), then what steps found by looking."""
    return [f"  output: {choice}" for choice in plan.choices] + [f"  {finding}" for finding in plan.findings]


def _probes(ctx: typer.Context):
    """The probe cache of this command: the one :func:`main` read the inputs ahead into (the context's
    object), else a new one, kept there for the rest of the command (``ffx graph`` labels from it)."""
    root = ctx.find_root()
    if root.obj is None:
        from ..media.cache import ProbeCache

        root.obj = ProbeCache()
    return root.obj


def _plan(recipe: Path, inputs, output, sets, overwrite, ffmpeg, allow_unsafe, live=False, max_memory=None,
          max_recipe_size="1M", probes=None):
    from ..api import compile_recipe
    from ..recipe.variables import parse_set

    return compile_recipe(recipe, variables=parse_set(sets or []), inputs=_inputs(inputs, live), output=output,
                          overwrite=overwrite, ffmpeg=ffmpeg, allow_unsafe=allow_unsafe, max_memory=max_memory,
                          max_recipe_size=max_recipe_size, probes=probes)


@app.command(cls=Command)
def render(ctx: typer.Context, recipe: RecipeArg, input: InputOpt = None, output: OutputOpt = None, set: SetOpt = None,
           overwrite: OverwriteOpt = False, quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar or progress lines")] = False,
           ffmpeg: FfmpegOpt = None, allow_unsafe: UnsafeOpt = False, live: LiveOpt = False,
           max_memory: MemoryOpt = None, max_recipe_size: RecipeSizeOpt = "1M",
           chunks: Annotated[Optional[int], typer.Option("--chunks", metavar="N", min=1, max=1000, help="split one long video at its keyframes into up to N pieces rendered at once and joined by stream copy; refused, with the reason, where the result could differ")] = None,
           cluster: Annotated[Optional[str], typer.Option("--cluster", metavar="ADDRESS", help="with --chunks: run the pieces on Dask: tcp://scheduler:8786, or local:N for N local workers (needs the dask extra: pip install ffx\\[dask])")] = None) -> None:
    """Render RECIPE to its output, with a progress bar on stderr (plain lines when it is not a terminal)."""
    def action():
        from ..api import render as render_recipe
        from ..view.progressbar import ProgressLines
        from ..recipe.variables import parse_set
        from ..run.sequence import written

        # a bar on a terminal; plain lines in a log (cron, CI), so a long render shows it is alive
        progress = False if quiet else True if sys.stderr.isatty() else ProgressLines(sys.stderr)
        plan = render_recipe(recipe, variables=parse_set(set or []), inputs=_inputs(input, live), output=output,
                             overwrite=overwrite, ffmpeg=ffmpeg, allow_unsafe=allow_unsafe, max_memory=max_memory,
                             max_recipe_size=max_recipe_size, progress=progress, chunks=chunks,
                             cluster=cluster, probes=_probes(ctx))
        if not quiet:
            for line in [f"wrote {written(plan)}", *_source_lines(plan)]:
                typer.echo(line, err=True)

    _guarded(action)


@app.command(cls=Command)
def batch(recipe: RecipeArg,
          input: Annotated[Optional[list[str]], typer.Option("-i", "--input", metavar="PATTERN", help="input files or glob patterns, quoted: 'clips/**/*.mp4' (repeat for several)")] = None,
          output: Annotated[str, typer.Option("-o", "--output", metavar="TEMPLATE", help="output path per input: {stem}, {name}, {parent}, {index}, recipe variables; e.g. 'out/{stem}.gif'", show_default=False)] = "",
          inputs_from: Annotated[Optional[Path], typer.Option("--inputs-from", metavar="FILE", help="a file listing inputs, one path a line (- for standard input)")] = None,
          set: SetOpt = None,
          jobs: Annotated[Optional[int], typer.Option("-j", "--jobs", metavar="N", min=1, help="jobs at once (default: the cores)")] = None,
          memory_budget: Annotated[Optional[str], typer.Option("--memory-budget", metavar="SIZE", help="memory the running jobs may use together, by their plans' estimates (default: half the available memory)")] = None,
          strict_memory: Annotated[bool, typer.Option("--strict-memory", help="refuse a job whose estimate exceeds the budget, instead of running it alone")] = False,
          cluster: Annotated[Optional[str], typer.Option("--cluster", metavar="ADDRESS", help="run on Dask: tcp://scheduler:8786, or local:N for N local workers (needs the dask extra: pip install ffx\\[dask])")] = None,
          force: Annotated[bool, typer.Option("--force", help="redo every job, even those already done")] = False,
          report: Annotated[Optional[Path], typer.Option("--report", metavar="FILE", help="write every job's result as JSON")] = None,
          quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress and no table; failures only")] = False,
          ffmpeg: FfmpegOpt = None, allow_unsafe: UnsafeOpt = False, max_memory: MemoryOpt = None,
          max_recipe_size: RecipeSizeOpt = "1M") -> None:
    """Render RECIPE for many inputs: concurrently within a memory budget, resumable, locally or on Dask."""
    def action():
        import time

        from ..scale.batch import BatchStopped, batch as run_batch
        from ..scale.batch.display import BatchDisplay, print_summary
        from ..recipe.variables import parse_set

        if not output:
            _fail(["ffx batch needs -o TEMPLATE, e.g. -o 'out/{stem}.gif'"], code=2)
        if not input and inputs_from is None:
            _fail(["ffx batch needs inputs: -i PATTERN (repeat for several) or --inputs-from FILE"], code=2)
        started = time.monotonic()
        try:
            results = run_batch(recipe, input or [], output=output, inputs_from=inputs_from,
                                variables=parse_set(set or []), jobs=jobs, memory_budget=memory_budget,
                                strict_memory=strict_memory, cluster=cluster, force=force,
                                progress=False if quiet else BatchDisplay(sys.stderr), report=report,
                                ffmpeg=ffmpeg, allow_unsafe=allow_unsafe, max_memory=max_memory,
                                max_recipe_size=max_recipe_size)
        except BatchStopped as stopped:
            if not quiet:
                print_summary(stopped.results, sys.stderr, time.monotonic() - started)
            typer.echo(str(stopped), err=True)
            raise typer.Exit(stopped.exit_code) from None
        failed = [r for r in results if r.status == "failed"]
        if quiet:
            for result in failed:
                typer.echo(f"error: {result.input}: {result.error}", err=True)
        else:
            print_summary(results, sys.stderr, time.monotonic() - started)
        if failed:
            raise typer.Exit(1)

    _guarded(action)


@app.command(name="compile", cls=Command)
def compile_command(ctx: typer.Context, recipe: RecipeArg, input: InputOpt = None, output: OutputOpt = None, set: SetOpt = None,
                    overwrite: OverwriteOpt = False, ffmpeg: FfmpegOpt = None, allow_unsafe: UnsafeOpt = False,
                    as_json: Annotated[bool, typer.Option("--json", help="print argv lists as JSON")] = False,
                    full_path: Annotated[bool, typer.Option("--full-path", help="name the FFmpeg binary by its path")] = False,
                    live: LiveOpt = False, max_memory: MemoryOpt = None, max_recipe_size: RecipeSizeOpt = "1M",
                    ffplay: Annotated[bool, typer.Option("--ffplay", help="print an ffplay command that previews the result live instead")] = False,
                    no_cache: NoCacheOpt = False) -> None:
    """Print the FFmpeg command(s) for RECIPE, quoted to paste into a shell."""
    def action():
        plan = _plan(recipe, input, output, set, overwrite, ffmpeg, allow_unsafe, live, max_memory, max_recipe_size,
                     _probes(ctx))
        if ffplay:
            typer.echo(plan.ffplay())
            return
        from ..ffmpeg.binary import printed_name

        binary = plan.binary_path if full_path else printed_name(plan.binary_path)
        typer.echo(plan.to_json(binary) if as_json else plan.shell(binary))
        for line in _source_lines(plan) + _choice_lines(plan):  # stdout holds only the command
            typer.echo(line, err=True)

    _guarded(action)


@app.command(cls=Command)
def validate(ctx: typer.Context, recipe: RecipeArg, input: InputOpt = None, output: OutputOpt = None, set: SetOpt = None,
             ffmpeg: FfmpegOpt = None, allow_unsafe: UnsafeOpt = False, live: LiveOpt = False,
             max_memory: MemoryOpt = None, max_recipe_size: RecipeSizeOpt = "1M", no_cache: NoCacheOpt = False) -> None:
    """Check RECIPE (and its inputs) without rendering; lists every problem."""
    def action():
        plan = _plan(recipe, input, output, set, True, ffmpeg, allow_unsafe, live, max_memory, max_recipe_size,
                     _probes(ctx))
        memory = plan.memory_estimate / 2**20
        how = ""
        segments = sum(len(getattr(feed, "feeders", ())) for feed in plan.feeds)  # only reverse feeds have segments
        if segments:
            how = f" (reversed in {segments} segments)"
        elif len(plan.stages) > 1:
            how = f" ({len(plan.stages)} passes)"
        typer.echo(f"{recipe}: ok -> {plan.stages[-1].output_path}: {plan.result.summary()}; "
                   f"estimated peak memory ~{memory:.0f} MiB{how}")
        for line in _source_lines(plan) + _choice_lines(plan):
            typer.echo(line)

    _guarded(action)


@app.command(cls=Command)
def graph(ctx: typer.Context, recipe: RecipeArg, input: InputOpt = None,
          output: Annotated[str, typer.Option("-o", "--output", metavar="FILE", help="picture to write: .svg, .png, .dot (Graphviz) or .mmd (Mermaid)")] = "graph.svg",
          set: SetOpt = None, ffmpeg: FfmpegOpt = None, allow_unsafe: UnsafeOpt = False, live: LiveOpt = False,
          max_memory: MemoryOpt = None, max_recipe_size: RecipeSizeOpt = "1M") -> None:
    """Draw RECIPE's compiled filtergraph: inputs, filters with their recipe steps, sizes, rates, durations."""
    def action():
        from ..api import graph_picture
        from ..ffmpeg.binary import find_ffmpeg
        from ..view.graphview import FORMATS
        from ..view.raster import svg_to_png

        suffix = Path(output).suffix.lower()
        if suffix not in FORMATS + (".png",):
            _fail([f"output: cannot draw a graph as {suffix or 'a file without a suffix'}; "
                   f"write {', '.join(FORMATS + ('.png',))}"])
        plan = _plan(recipe, input, None, set, True, ffmpeg, allow_unsafe, live, max_memory, max_recipe_size,
                     _probes(ctx))
        binary = find_ffmpeg(ffmpeg)
        text = graph_picture(plan, ".svg" if suffix == ".png" else suffix, _probes(ctx))
        data = svg_to_png(text, binary) if suffix == ".png" else text.encode()
        Path(output).write_bytes(data)
        typer.echo(f"wrote {output}", err=True)

    _guarded(action)


@app.command(hidden=True, cls=Command)
def stage(kind: Annotated[str, typer.Argument(help="slitscan")],
          slits: Annotated[int, typer.Option(min=1)] = 1, length: Annotated[int, typer.Option(min=1)] = 1,
          thickness: Annotated[int, typer.Option(min=1)] = 1, axis: str = "column") -> None:
    """A Python stage of a plan: raw frames on stdin, raw frames on stdout (plans run it for you)."""
    from ..compile.stages import slitscan_image

    if kind != "slitscan" or axis not in ("column", "row"):
        _fail([f"unknown stage {kind!r} / axis {axis!r}"], code=2)
    slitscan_image(sys.stdin.buffer, sys.stdout.buffer, slits=slits, length=length, thickness=thickness, axis=axis)


@app.command(cls=Command)
def preview(recipe: RecipeArg, input: InputOpt = None, set: SetOpt = None,
            at: Annotated[Optional[float], typer.Option("--at", metavar="SECONDS", help="start of the window, on the result's clock")] = None,
            seconds: Annotated[Optional[float], typer.Option("--seconds", metavar="SECONDS", help="length of the window (default: to the end)")] = None,
            scale: Annotated[float, typer.Option("--scale", metavar="FACTOR", help="size of the preview against the result")] = 0.25,
            folder: Annotated[Path, typer.Option("--folder", "-d", metavar="DIR", help="where the preview and its sheet go")] = Path("."),
            open_files: Annotated[bool, typer.Option("--open", help="hand both files to the system's viewer")] = False,
            ffplay: Annotated[bool, typer.Option("--ffplay", help="play the recipe live with ffplay instead (when ffplay is installed)")] = False,
            quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress")] = False,
            ffmpeg: FfmpegOpt = None, allow_unsafe: UnsafeOpt = False, max_memory: MemoryOpt = None) -> None:
    """Render a small, quick preview of RECIPE and a contact sheet of it; print both paths."""
    def action():
        import shutil

        from ..recipe.variables import parse_set

        if ffplay:
            player = shutil.which("ffplay")
            if player is None:
                _fail(["no ffplay found: it is not part of the bundled FFmpeg; install your system's FFmpeg "
                       "(which has ffplay), or run ffx preview without --ffplay and open the files it writes"])
            from ..ffmpeg import process
            from ..api import compile_recipe

            plan = compile_recipe(recipe, inputs=_inputs(input, False), variables=parse_set(set or []),
                                  output=os.devnull + ".mp4", ffmpeg=ffmpeg, allow_unsafe=allow_unsafe,
                                  max_memory=max_memory)
            process.run([player, "-hide_banner", *plan.preview], timeout=None)
            return
        from ..api import preview as make_preview
        from ..view.progressbar import ProgressLines

        progress = False if quiet else True if sys.stderr.isatty() else ProgressLines(sys.stderr)
        paths = make_preview(recipe, inputs=_inputs(input, False), variables=parse_set(set or []), folder=folder,
                             at=at, seconds=seconds, scale=scale, ffmpeg=ffmpeg, allow_unsafe=allow_unsafe,
                             max_memory=max_memory, progress=progress)
        for path in paths:
            typer.echo(path)
        if open_files:
            viewer = shutil.which("xdg-open") or shutil.which("open")
            if viewer is None:
                _fail(["no system viewer found (xdg-open or open); the files are written"])
            from ..ffmpeg import process

            for path in paths:
                process.run([viewer, path], timeout=30)

    _guarded(action)


@app.command(cls=Command)
def studio(recipe: Annotated[Optional[Path], typer.Argument(help="recipe file to edit, under the current folder (a new name starts a new recipe)", show_default=False, metavar="RECIPE")] = None,
           port: Annotated[int, typer.Option("--port", metavar="PORT", min=0, max=65535, show_default=False, help="port on 127.0.0.1 (default: a free one)")] = 0,
           open_page: Annotated[bool, typer.Option("--open", help="open the page in the system's web browser")] = False,
           ffmpeg: FfmpegOpt = None, max_memory: MemoryOpt = None) -> None:
    """Edit RECIPE in the browser: problems as you type, the command, the graph, previews. Serves only the
    current folder, on 127.0.0.1, to the URL it prints (which holds a secret token)."""
    try:
        from ..studio.server import serve
        from ..studio.session import Studio
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] == "ffx":
            raise
        _fail([f"ffx studio needs its extra ({(exc.name or '').split('.')[0]} is missing): pip install 'ffx[studio]'"])

    def action():
        page = Studio(".", None if recipe is None else str(recipe), ffmpeg=ffmpeg, max_memory=max_memory)
        def announce(url: str) -> None:
            typer.echo(f"ffx studio serves {page.folder.root} at this address (Ctrl-C stops it):", err=True)
            typer.echo(url)

        serve(page, port=port, open_browser=open_page, announce=announce)

    _guarded(action)


@app.command(cls=Command)
def effects(name: Annotated[Optional[str], typer.Argument(help="an effect to describe", autocompletion=effect_names)] = None) -> None:
    """List the effects, or describe one with its parameters and an example."""
    from ..effects import REGISTRY
    from ..view.catalog import describe_effect, effect_lines

    if name is None:
        for line in effect_lines():
            typer.echo(line)
        return
    if name not in REGISTRY:
        import difflib

        close = difflib.get_close_matches(name, list(REGISTRY), n=1)
        _fail([f"unknown effect {name!r}" + (f"; did you mean {close[0]!r}?" if close else "")])
    for line in describe_effect(name):
        typer.echo(line)


@app.command(cls=Command)
def schema() -> None:
    """Print the recipe JSON Schema (for editor auto-completion)."""
    from ..recipe.schema import recipe_json_schema

    typer.echo(json.dumps(recipe_json_schema(), indent=2))


@app.command(name="from-command", cls=Command, context_settings={"ignore_unknown_options": True})
def from_command(command: Annotated[list[str], typer.Argument(help="the ffmpeg command, after --", metavar="-- FFMPEG ARGS...")],
                 python: Annotated[bool, typer.Option("--python", help="print the recipe as Python code")] = False) -> None:
    """Print the recipe an ffmpeg command line describes (YAML, or Python with --python)."""
    from ..interop.command import command_text

    _guarded(lambda: typer.echo(command_text(argv=command, python=python), nl=False))
